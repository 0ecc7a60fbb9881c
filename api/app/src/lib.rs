//! cxpm's application layer: the use cases every front calls, and the store they
//! write through.
//!
//! The arrows go one way: fronts (the JSON API, the pages, the CLI, the scheduler and
//! dispatcher, all in `cxpm-api`) → use cases (here) → store (`store`, here) and
//! domain (`cxpm-domain`). This crate knows nothing of HTTP, poem, JSON shapes or
//! mail: `.ci/run` checks its dependency tree, and the compiler keeps it from naming
//! a front. Its error type is [`AppError`]; the HTTP front maps it to problem+json in
//! one place.

pub mod error;
pub mod store;

pub use error::{AppError, AppResult};
