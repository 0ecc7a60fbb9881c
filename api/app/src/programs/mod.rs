//! Programs: the program and its team, the value stream (and its industrial
//! template) and its owners, internal-customer relationships, ownership coverage.

pub mod coverage;
pub mod home;
pub mod owners;
pub mod program;
pub mod relationships;
pub mod setup;
pub mod team;
pub mod template;
pub mod value_stream;
