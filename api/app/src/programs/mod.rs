//! Programs: owner rows of the value stream (programs, the value stream,
//! relationships and coverage follow).

pub mod owners;
pub mod relationships;
