//! The store: the database connection, the entities (one module per table), the
//! versioned writes and the audit trail every change goes through.

pub mod access_token;
pub mod action;
pub mod action_update;
pub mod audit;
pub mod audit_event;
pub mod backup;
pub mod calendar_feed;
pub mod change_counter;
pub mod channel;
pub mod delivery;
pub mod department;
pub mod feedback_comment;
pub mod feedback_invitation;
pub mod feedback_link;
pub mod feedback_rating;
pub mod feedback_round;
pub mod guard;
pub mod idempotency_key;
pub mod key_point;
pub mod measurement;
pub mod member;
pub mod metric;
pub mod named;
pub mod oidc_attempt;
pub mod outbox;
pub mod owner;
pub mod page;
pub mod person;
pub mod plan;
pub mod program;
pub mod reading;
pub mod relationship;
pub mod report_snapshot;
pub mod schedule;
pub mod session;
pub mod sign_in_link;
pub mod stage;
pub mod step;
pub mod storage;
pub mod sub_process;
pub mod summaries;
pub mod versioned;
pub mod webhook;

use std::time::Duration;

use anyhow::Context;
use cxpm_migrations::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction, DbBackend,
    DbErr, EntityTrait, Select, SqliteTransactionMode, TransactionOptions, TransactionTrait,
};

/// How long a writer waits for a lock before giving up with "busy" (SQLite's busy
/// timeout, PostgreSQL's `lock_timeout`).
const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Which of the two pools.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Access {
    Write,
    Read,
}

/// Opens the pool writes go through. SQLite runs in WAL mode with `synchronous =
/// NORMAL` (durable at each checkpoint, safe against corruption) and a busy timeout;
/// foreign keys on. PostgreSQL sessions give up on a lock after the same time
/// (`lock_timeout`), so a lock held elsewhere is a 503, never a request that hangs.
pub async fn connect(
    url: &str,
    max_connections: Option<u32>,
    on_query: OnQuery,
) -> anyhow::Result<DatabaseConnection> {
    open(url, max_connections, Access::Write, on_query).await
}

/// Called for every statement a pool runs (the HTTP front counts them per request).
pub type OnQuery = fn();

/// Opens the pool reads go through, apart from the pool writes go through. A writer
/// that waits for a lock held elsewhere (out to the busy timeout) holds its connection
/// meanwhile; with reads in the same pool a handful of such writers left no connection
/// to read with, and every read waited as long as they did. Its connections are
/// read-only (SQLite opens the file read-only, PostgreSQL sessions default to
/// read-only transactions), so a handler that wrote through it would fail loudly in
/// the tests. In WAL mode SQLite's readers go on whatever the writer does.
pub async fn connect_reader(
    url: &str,
    max_connections: Option<u32>,
    on_query: OnQuery,
) -> anyhow::Result<DatabaseConnection> {
    open(url, max_connections, Access::Read, on_query).await
}

async fn open(
    url: &str,
    max_connections: Option<u32>,
    access: Access,
    on_query: OnQuery,
) -> anyhow::Result<DatabaseConnection> {
    let is_sqlite = url.starts_with("sqlite:");
    let read_only = access == Access::Read;
    let mut opts = ConnectOptions::new(url.to_owned());
    opts.max_connections(max_connections.unwrap_or(if is_sqlite { 4 } else { 8 }))
        .min_connections(1)
        .acquire_timeout(Duration::from_secs(5))
        .connect_timeout(Duration::from_secs(5))
        // sqlx pings every connection before handing it out by default: a second
        // round trip per query. Ping only connections that sat idle long enough to
        // have been dropped (a database restart); a busy pool skips it.
        .test_before_acquire_if_idle_for(Duration::from_secs(5))
        .sqlx_logging(false)
        .map_sqlx_sqlite_before_acquire(|conn, _| Box::pin(async move { Ok(is_clean(conn)) }))
        .map_sqlx_postgres_before_acquire(|conn, _| Box::pin(async move { Ok(is_clean(conn)) }))
        .map_sqlx_sqlite_opts(move |o| {
            // Temporary tables and sorts (a report's materialised periods) in temp
            // files, not the process's memory: the bundled SQLite keeps them in
            // memory by default, which put a large report's computation at tens of
            // MiB each (issue 20's memory bound).
            let o = o
                .busy_timeout(SQLITE_BUSY_TIMEOUT)
                .foreign_keys(true)
                .pragma("temp_store", "file")
                .read_only(read_only);
            if read_only {
                o.create_if_missing(false)
            } else {
                o.journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
            }
        })
        .map_sqlx_postgres_opts(move |o| {
            let lock_timeout = format!("{}ms", SQLITE_BUSY_TIMEOUT.as_millis());
            let read_only = if read_only { "on" } else { "off" };
            o.options([
                ("lock_timeout", lock_timeout.as_str()),
                ("default_transaction_read_only", read_only),
            ])
        });
    let what = if read_only { " for reading" } else { "" };
    let mut db = Database::connect(opts)
        .await
        .with_context(|| format!("connecting to {}{what}", redact(url)))?;
    db.set_metric_callback(move |_| on_query());
    Ok(db)
}

/// Whether a pooled connection may be handed out: it must not be inside a transaction.
///
/// On `SQLITE_FULL`, `SQLITE_IOERR`, `SQLITE_NOMEM` or `SQLITE_INTERRUPT` SQLite may roll
/// a transaction back by itself. The driver does not notice: the `ROLLBACK` it sends
/// when the transaction is dropped then fails ("no transaction is active") and it
/// still counts one transaction open on that connection. Handed out again, its next
/// `BEGIN` became a `SAVEPOINT` and each `COMMIT` a `RELEASE`: writes answered 201
/// that never committed, and a write lock held for good (issue 12). A connection whose
/// count of open transactions is not zero when it is idle is closed instead, and the
/// pool opens a fresh one.
fn is_clean(conn: &mut impl sea_orm::sqlx::Connection) -> bool {
    let clean = !conn.is_in_transaction();
    if !clean {
        tracing::warn!("a pooled connection was left inside a transaction; it is replaced");
    }
    clean
}

pub async fn migrate(db: &DatabaseConnection) -> anyhow::Result<()> {
    Migrator::up(db, None).await.context("applying migrations")
}

/// Keeps SQLite's WAL file from growing without bound under write load: a PASSIVE
/// checkpoint (SQLite's own) never truncates while readers keep it busy, so every
/// second a TRUNCATE checkpoint resets it (see STACK.md for the measurement).
pub fn spawn_wal_checkpointer(db: DatabaseConnection) -> Option<tokio::task::JoinHandle<()>> {
    if db.get_database_backend() != DbBackend::Sqlite {
        return None;
    }
    Some(tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if let Err(e) = db
                .execute_unprepared("PRAGMA wal_checkpoint(TRUNCATE)")
                .await
            {
                tracing::debug!(error = %e, "WAL checkpoint skipped");
            }
        }
    }))
}

/// The URL without its password, for logs.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let userinfo = &url[scheme_end + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{}:***{}", &url[..scheme_end + 3], user, &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

/// The row a query on a primary or unique key finds, if any.
///
/// `Select::one` binds `LIMIT ?`. The bundled SQLite (built with STAT4) treats a bound
/// LIMIT as relevant to the query plan and re-prepares the statement every time it is
/// bound again, so every `one()` paid for a full SQL parse. A query that can match at
/// most one row needs no LIMIT, and its prepared statement is reused.
pub async fn unique<E: EntityTrait>(
    select: Select<E>,
    db: &impl ConnectionTrait,
) -> Result<Option<E::Model>, DbErr> {
    Ok(select.all(db).await?.into_iter().next())
}

/// A checked id: ids are UUIDs, so anything else cannot name a resource.
pub fn parse_id(field: &str, raw: &str) -> Result<String, cxpm_domain::FieldError> {
    uuid::Uuid::parse_str(raw)
        .map(|u| u.hyphenated().to_string())
        .map_err(|_| cxpm_domain::FieldError::new(field, format!("`{raw}` is not a valid id")))
}

/// The id in a resource's address: one that cannot exist is simply not found.
pub fn path_id(entity: &str, raw: &str) -> crate::AppResult<String> {
    parse_id("id", raw).map_err(|_| crate::AppError::not_found(entity, raw))
}

/// The row of `E` whose id is `raw_id` as given in an address, or not found.
pub async fn load<E: EntityTrait>(
    db: &impl ConnectionTrait,
    entity: &str,
    raw_id: &str,
) -> crate::AppResult<E::Model> {
    use sea_orm::QueryFilter;
    use sea_orm::sea_query::{Alias, Expr, ExprTrait};
    let id = path_id(entity, raw_id)?;
    unique(E::find().filter(Expr::col(Alias::new("id")).eq(&id)), db)
        .await?
        .ok_or_else(|| crate::AppError::not_found(entity, &id))
}

/// The row of `E` a field of a request refers to, or an invalid `field`.
pub async fn referenced<E: EntityTrait>(
    db: &impl ConnectionTrait,
    field: &str,
    entity: &str,
    raw_id: &str,
) -> crate::AppResult<E::Model> {
    use sea_orm::QueryFilter;
    use sea_orm::sea_query::{Alias, Expr, ExprTrait};
    let id = parse_id(field, raw_id)?;
    unique(E::find().filter(Expr::col(Alias::new("id")).eq(&id)), db)
        .await?
        .ok_or_else(|| {
            cxpm_domain::FieldError::new(field, format!("no {entity} with id `{id}`")).into()
        })
}

/// A new time-ordered id (UUID v7, hyphenated lower-case).
/// Begins a transaction that will write. On SQLite it is `BEGIN IMMEDIATE`: the write
/// lock is taken at the start, waiting out the busy timeout like any write. A
/// transaction begun the default way (deferred) takes a read snapshot at its first
/// `SELECT`; if another connection committed since, its first write cannot upgrade
/// that snapshot and SQLite fails it at once with "database is locked", without
/// waiting: a 503 for a change that only had to wait its turn, seen under load in the
/// tests. PostgreSQL begins as usual.
pub async fn begin(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    db.begin_with_options(TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..TransactionOptions::default()
    })
    .await
}

pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// Inserts an append-only row (a measurement, a progress update) and its audit
/// entry in one transaction.
pub async fn append<E>(
    db: &DatabaseConnection,
    actor: &str,
    at: chrono::DateTime<chrono::Utc>,
    entity: &str,
    id: &str,
    model: &E::Model,
) -> Result<(), DbErr>
where
    E: EntityTrait,
    E::Model: sea_orm::IntoActiveModel<E::ActiveModel> + serde::Serialize + Clone,
    E::ActiveModel: sea_orm::ActiveModelTrait<Entity = E> + Send,
{
    let txn = crate::store::begin(db).await?;
    append_in::<E, _>(&txn, actor, at, entity, id, model).await?;
    txn.commit().await
}

/// [`append`] inside the caller's transaction.
pub async fn append_in<E, C>(
    conn: &C,
    actor: &str,
    at: chrono::DateTime<chrono::Utc>,
    entity: &str,
    id: &str,
    model: &E::Model,
) -> Result<(), DbErr>
where
    E: EntityTrait,
    C: ConnectionTrait,
    E::Model: sea_orm::IntoActiveModel<E::ActiveModel> + serde::Serialize + Clone,
    E::ActiveModel: sea_orm::ActiveModelTrait<Entity = E> + Send,
{
    E::insert(sea_orm::IntoActiveModel::into_active_model(model.clone()))
        .exec_without_returning(conn)
        .await?;
    crate::store::audit::record(
        conn,
        Some(actor),
        at,
        entity,
        id,
        crate::store::audit::Change::Create,
        None::<&()>,
        Some(model),
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn passwords_are_kept_out_of_logs() {
        assert_eq!(redact("postgres://u:secret@h/db"), "postgres://u:***@h/db");
        assert_eq!(redact("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(
            redact("sqlite://cxpm.db?mode=rwc"),
            "sqlite://cxpm.db?mode=rwc"
        );
    }
}
