//! [`AppError`]: why a use case refused or failed, in terms of the application —
//! never an HTTP status. The HTTP front maps each variant to problem+json in exactly
//! one place (`cxpm_api::error`); the pages and the CLI say the same in their own way.

use cxpm_domain::permission::Denied;
use cxpm_domain::{FieldError, Invalid};

/// Why a use case did not do what was asked.
#[derive(Debug, Clone, thiserror::Error)]
pub enum AppError {
    /// Nothing of this kind with this id.
    #[error("no {entity} with id `{id}`")]
    NotFound { entity: String, id: String },
    /// The caller may not do this.
    #[error("{0}")]
    Forbidden(String),
    /// The request names something it may not, or reads wrongly: every field at once.
    #[error("{0:?}")]
    Invalid(Invalid),
    /// It conflicts with what exists (a duplicate, a reference), perhaps on a field.
    #[error("{detail}")]
    Conflict {
        detail: String,
        field: Option<String>,
    },
    /// The version the change was based on is no longer current.
    #[error("stale: the current version is {current_version}")]
    Stale { current_version: i32 },
    /// The domain's rules refuse it: every unmet rule, by name, with why.
    #[error("{detail}")]
    Unmet {
        detail: String,
        rules: Vec<(String, String)>,
    },
    /// The database does not answer, or is locked elsewhere past the busy timeout.
    #[error("{0}")]
    Unavailable(String),
    /// The database's storage is full: nothing was written.
    #[error("the database's storage is full")]
    StorageFull,
    /// Something failed that should not have; the cause is logged where it happens.
    #[error("internal: {0}")]
    Internal(String),
}

pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    pub fn not_found(entity: &str, id: &str) -> Self {
        Self::NotFound {
            entity: entity.to_owned(),
            id: id.to_owned(),
        }
    }

    pub fn conflict(detail: impl Into<String>, field: Option<&str>) -> Self {
        Self::Conflict {
            detail: detail.into(),
            field: field.map(str::to_owned),
        }
    }

    pub fn stale(current_version: i32) -> Self {
        Self::Stale { current_version }
    }

    /// An unexpected failure: the cause goes to the log now, the caller gets a generic
    /// answer.
    pub fn internal(cause: &dyn std::fmt::Display) -> Self {
        tracing::error!(%cause, "internal error");
        Self::Internal(cause.to_string())
    }
}

impl From<FieldError> for AppError {
    fn from(e: FieldError) -> Self {
        Self::Invalid(Invalid::from(e))
    }
}

impl From<Invalid> for AppError {
    fn from(e: Invalid) -> Self {
        Self::Invalid(e)
    }
}

impl From<Denied> for AppError {
    fn from(e: Denied) -> Self {
        Self::Forbidden(format!("your role ({}) does not allow this", e.role))
    }
}

impl From<sea_orm::DbErr> for AppError {
    fn from(e: sea_orm::DbErr) -> Self {
        if crate::store::storage::is_full(&e) {
            // Logged once per episode where the refusal is counted (the HTTP front's
            // metrics).
            Self::StorageFull
        } else if is_unreachable(&e) {
            tracing::warn!(cause = %e, "database unavailable");
            Self::Unavailable("the database is not answering; try again shortly".to_owned())
        } else if is_busy(&e) {
            tracing::warn!(cause = %e, "database busy");
            Self::Unavailable("the database is busy; try again shortly".to_owned())
        } else {
            Self::internal(&e)
        }
    }
}

/// No connection to be had, or the connection went away under the statement: the
/// database shut down or restarted (PostgreSQL's SQLSTATE classes 57, operator
/// intervention, and 08, connection exception), or the socket broke. The pool
/// reconnects by itself; the caller is told to try again, not that the server failed.
fn is_unreachable(e: &sea_orm::DbErr) -> bool {
    use sea_orm::{DbErr, RuntimeErr, SqlxError};
    let inner = match e {
        DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => return true,
        DbErr::Query(RuntimeErr::SqlxError(inner)) | DbErr::Exec(RuntimeErr::SqlxError(inner)) => {
            inner
        }
        _ => return false,
    };
    match inner.as_ref() {
        SqlxError::Io(_)
        | SqlxError::Tls(_)
        | SqlxError::Protocol(_)
        | SqlxError::PoolTimedOut
        | SqlxError::PoolClosed
        | SqlxError::WorkerCrashed => true,
        SqlxError::Database(db) => db
            .code()
            .is_some_and(|code| code.starts_with("57P") || code.starts_with("08")),
        _ => false,
    }
}

/// A lock held elsewhere for longer than the busy timeout: SQLite says "database is
/// locked", PostgreSQL "canceling statement due to lock timeout" (SQLSTATE 55P03).
fn is_busy(e: &sea_orm::DbErr) -> bool {
    let text = e.to_string();
    text.contains("database is locked")
        || text.contains("database is busy")
        || text.contains("lock timeout")
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use sea_orm::{DbErr, RuntimeErr, SqlxError};

    use super::AppError;

    #[test]
    fn a_lost_connection_is_unavailable_and_other_failures_internal() {
        let broken = || {
            RuntimeErr::SqlxError(Arc::new(SqlxError::Io(std::io::Error::from(
                std::io::ErrorKind::ConnectionReset,
            ))))
        };
        assert!(matches!(
            AppError::from(DbErr::Query(broken())),
            AppError::Unavailable(_)
        ));
        assert!(matches!(
            AppError::from(DbErr::Exec(broken())),
            AppError::Unavailable(_)
        ));
        assert!(matches!(
            AppError::from(DbErr::Query(RuntimeErr::SqlxError(Arc::new(
                SqlxError::RowNotFound
            )))),
            AppError::Internal(_)
        ));
        assert!(matches!(
            AppError::from(DbErr::Custom("a bug".into())),
            AppError::Internal(_)
        ));
    }
}
