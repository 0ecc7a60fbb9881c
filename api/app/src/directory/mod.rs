//! The directory: departments, tokens, and the admins' way in (people follow).

pub mod admins;
pub mod audit;
pub mod departments;
pub mod people;
pub mod tokens;
