//! The rules of a cxpm program, free of HTTP, SQL, mail and async runtimes.
//!
//! Everything here is pure: values are parsed once into types that cannot hold bad
//! data ([`values`]), who may do what is one table ([`permission`]), and validation
//! failures name the field they are about ([`validation`]). The `cxpm-api` crate turns
//! these into HTTP answers and database rows.

pub mod csv;
pub mod feedback;
pub mod gap;
pub mod hooks;
pub mod limits;
pub mod maturity;
pub mod metric;
pub mod permission;
pub mod plan;
pub mod program;
pub mod reminder;
pub mod role;
pub mod schedule;
pub mod templates;
pub mod validation;
pub mod value_stream;
pub mod values;

pub use permission::{Action, Actor, Grant, Target, authorize, grant_for};
pub use role::Role;
pub use validation::{FieldError, Invalid, Named};
