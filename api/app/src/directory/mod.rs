//! The directory: departments (people and tokens follow).

pub mod departments;
