//! The directory: departments, tokens, and the admins' way in (people follow).

pub mod admins;
pub mod audit;
pub mod departments;
pub mod people;
pub mod sign_in;
pub mod tokens;
