//! cxpm's application layer: the use cases every front calls, and the store they
//! write through.
//!
//! The arrows go one way: fronts (the JSON API, the pages, the CLI, the scheduler and
//! dispatcher, all in `cxpm-api`) → use cases (here) → store (`store`, here) and
//! domain (`cxpm-domain`). This crate knows nothing of HTTP, poem, JSON shapes or
//! mail: `.ci/run` checks its dependency tree, and the compiler keeps it from naming
//! a front. Its error type is [`AppError`]; the HTTP front maps it to problem+json in
//! one place.

pub mod clock;
pub mod error;
pub mod store;

pub use clock::Clock;
pub use error::{AppError, AppResult};

use std::sync::Arc;

use sea_orm::DatabaseConnection;

/// What every use case works with: the two pools, the clock, and where people reach
/// cxpm (for links).
#[derive(Clone)]
pub struct Ctx {
    /// Every write, and reads that belong to a write.
    pub db: DatabaseConnection,
    /// Reads that stand alone: a read-only pool of its own, so that reads never queue
    /// behind writers waiting for a lock.
    pub read: DatabaseConnection,
    pub clock: Clock,
    /// Where people reach cxpm, without a trailing slash.
    pub public_url: Arc<str>,
}

impl Ctx {
    /// Now, by the context's clock.
    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.clock.now()
    }
}
