//! cxpm's application layer: the use cases every front calls, and the store they
//! write through.
//!
//! The arrows go one way: fronts (the JSON API, the pages, the CLI, the scheduler and
//! dispatcher, all in `cxpm-api`) → use cases (here) → store (`store`, here) and
//! domain (`cxpm-domain`). This crate knows nothing of HTTP, poem, JSON shapes or
//! mail: `.ci/run` checks its dependency tree, and the compiler keeps it from naming
//! a front. Its error type is [`AppError`]; the HTTP front maps it to problem+json in
//! one place.

pub mod calendar;
pub mod clock;
pub mod demo;
pub mod directory;
pub mod error;
pub mod feedback;
pub mod hooks;
pub mod idempotency;
pub mod metrics;
pub mod names;
pub mod plans;
pub mod programs;
pub mod reminders;
pub mod reports;
pub mod store;
pub mod work;

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
    /// Whether chat channels and webhooks may call plain http and addresses inside
    /// the operator's network (`CXPM_ALLOW_PRIVATE_TARGETS`; off: https to public
    /// addresses only).
    pub allow_private_targets: bool,
}

/// One field of a change: left as it is, cleared, or set.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Patch<T> {
    #[default]
    Keep,
    Clear,
    Set(T),
}

impl<T> Patch<T> {
    /// Applies the change to an optional field.
    pub fn apply(self, field: &mut Option<T>) {
        match self {
            Self::Keep => {}
            Self::Clear => *field = None,
            Self::Set(v) => *field = Some(v),
        }
    }

    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Patch<U> {
        match self {
            Self::Keep => Patch::Keep,
            Self::Clear => Patch::Clear,
            Self::Set(v) => Patch::Set(f(v)),
        }
    }
}

impl Patch<String> {
    /// A text field's change, checked (at most `max` characters; blank clears): an
    /// invalid value is recorded in `invalid` and changes nothing.
    pub fn text(self, invalid: &mut cxpm_domain::Invalid, field: &str, max: usize) -> Self {
        match self {
            Self::Set(v) => {
                match invalid.check(cxpm_domain::values::optional_text(field, Some(&v), max)) {
                    Some(Some(t)) => Self::Set(t),
                    Some(None) => Self::Clear,
                    None => Self::Keep,
                }
            }
            other => other,
        }
    }
}

/// The versions of a resource a change may apply to: the one the caller read (or
/// any). Checked against the stored version inside the use case; the versioned write
/// checks again in its `WHERE`, so two writers racing past this check cannot both win.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expect {
    AnyVersion,
    OneOf(Vec<i32>),
}

impl Expect {
    pub fn check(&self, current: i32) -> AppResult<()> {
        match self {
            Self::AnyVersion => Ok(()),
            Self::OneOf(versions) if versions.contains(&current) => Ok(()),
            Self::OneOf(_) => Err(AppError::stale(current)),
        }
    }
}

impl Ctx {
    /// The context of a command run beside the server (demo, break-glass, a
    /// benchmark's setup): one connection for reads and writes, the system's clock,
    /// cxpm's public address, no private targets.
    pub fn for_command(db: DatabaseConnection, public_url: &str) -> Self {
        Self {
            read: db.clone(),
            db,
            clock: Clock::system(),
            public_url: Arc::from(public_url.trim_end_matches('/')),
            allow_private_targets: false,
        }
    }

    /// The host part of the public address, for Message-IDs.
    pub fn mail_host(&self) -> String {
        let url = self.public_url.as_ref();
        let rest = url.split_once("://").map(|(_, r)| r).unwrap_or(url);
        match rest.split(['/', ':']).next() {
            Some(host) if !host.is_empty() => host.to_owned(),
            _ => "cxpm.local".to_owned(),
        }
    }

    /// Now, by the context's clock.
    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.clock.now()
    }
}
