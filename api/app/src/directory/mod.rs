//! The directory: departments, people (one at a time, or imported from CSV), tokens,
//! the admins' way in, and the audit trail.

pub mod admin;
pub mod admins;
pub mod audit;
pub mod departments;
pub mod import;
pub mod oidc;
pub mod people;
pub mod sign_in;
pub mod tokens;
