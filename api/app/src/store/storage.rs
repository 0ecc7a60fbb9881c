//! Whether the database has room to write.
//!
//! A full disk is an episode, not a stream of unrelated errors: the first write it
//! refuses marks the storage full (logged once), every refusal is counted, `/readyz`
//! says not ready while it lasts, and a small probe write — tried every second while
//! the storage is full, and by `/readyz` — ends the episode as soon as a write commits
//! again, without a restart. SQLite says "database or disk is full" (`SQLITE_FULL`,
//! code 13); PostgreSQL `disk_full` (SQLSTATE 53100).

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use sea_orm::{
    ConnectionTrait, DatabaseConnection, DbBackend, DbErr, RuntimeErr, SqlxError, Statement,
};

/// Whether `e` says the database's storage is full.
pub fn is_full(e: &DbErr) -> bool {
    let (DbErr::Query(RuntimeErr::SqlxError(inner)) | DbErr::Exec(RuntimeErr::SqlxError(inner))) =
        e
    else {
        return false;
    };
    match inner.as_ref() {
        SqlxError::Database(db) => db
            .code()
            .is_some_and(|code| code == "13" || code == "53100"),
        _ => false,
    }
}

/// The storage's state in this process.
#[derive(Debug, Default)]
pub struct StorageHealth {
    full: AtomicBool,
    refusals: AtomicU64,
}

impl StorageHealth {
    /// A write was refused because the storage is full.
    pub fn refused(&self) {
        self.refusals.fetch_add(1, Ordering::Relaxed);
        if !self.full.swap(true, Ordering::AcqRel) {
            tracing::error!(
                "the database's storage is full: writes are refused (507) until there is room again"
            );
        }
    }

    pub fn is_full(&self) -> bool {
        self.full.load(Ordering::Acquire)
    }

    /// Writes refused for lack of room since the process started.
    pub fn refusals(&self) -> u64 {
        self.refusals.load(Ordering::Relaxed)
    }

    /// While the storage is full, tries a small write; when it commits the episode is
    /// over. Answers whether the storage is (still) full.
    pub async fn recheck(&self, db: &DatabaseConnection) -> bool {
        if !self.is_full() {
            return false;
        }
        match probe(db).await {
            Ok(()) => {
                if self.full.swap(false, Ordering::AcqRel) {
                    tracing::warn!("the database's storage has room again: writes are accepted");
                }
                false
            }
            Err(e) => {
                tracing::debug!(error = %e, "the storage is still full");
                true
            }
        }
    }
}

/// How much a probe writes: more than a typical change (a created department and its
/// audit entry write a few pages), so that a probe that commits means ordinary writes
/// will too.
const PROBE_BYTES: usize = 64 * 1024;

/// A write of a typical change's size that must commit, then undone: a row of
/// [`PROBE_BYTES`] into the scratch table `storage_probe`, deleted again.
async fn probe(db: &DatabaseConnection) -> Result<(), DbErr> {
    let backend = db.get_database_backend();
    let id = crate::store::new_id();
    let txn = crate::store::begin(db).await?;
    txn.execute_raw(Statement::from_sql_and_values(
        backend,
        match backend {
            DbBackend::Postgres => "INSERT INTO storage_probe (id, filler) VALUES ($1, $2)",
            _ => "INSERT INTO storage_probe (id, filler) VALUES (?, ?)",
        },
        [id.clone().into(), vec![0x5a_u8; PROBE_BYTES].into()],
    ))
    .await?;
    txn.commit().await?;
    // Every row, also one a probe that failed halfway left behind.
    db.execute_unprepared("DELETE FROM storage_probe").await?;
    Ok(())
}

/// Every second, while the storage is full, looks whether there is room again.
pub fn spawn_watch(
    health: std::sync::Arc<StorageHealth>,
    db: DatabaseConnection,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            health.recheck(&db).await;
        }
    })
}
