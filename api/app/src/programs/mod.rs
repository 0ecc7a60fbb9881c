//! Programs: ownership coverage, owner rows of the value stream and internal-customer
//! relationships (programs and the value stream follow).

pub mod coverage;
pub mod owners;
pub mod relationships;
