//! Writes of versioned rows: create, update and delete, each with its audit entry in
//! the same transaction, each update and delete conditional on the version read.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Alias, Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ConnectionTrait, DatabaseConnection, EntityTrait, IntoActiveModel,
    QueryFilter,
};
use serde::Serialize;

use crate::error::{AppError, AppResult};
use crate::store::audit::{self, Change};

/// A row with an id, a version and an update time.
pub trait Versioned: Clone + Serialize + PartialEq + Send + Sync {
    /// The name the audit trail uses (`stage`, `owner`, …).
    const ENTITY: &'static str;
    fn id(&self) -> &str;
    fn version(&self) -> i32;
    fn stamp(&mut self, version: i32, at: DateTime<Utc>);
}

macro_rules! versioned {
    ($($module:ident => $name:literal),+ $(,)?) => {
        $(impl Versioned for super::$module::Model {
            const ENTITY: &'static str = $name;
            fn id(&self) -> &str { &self.id }
            fn version(&self) -> i32 { self.version }
            fn stamp(&mut self, version: i32, at: DateTime<Utc>) {
                self.version = version;
                self.updated_at = at;
            }
        })+
    };
}

versioned!(
    department => "department",
    person => "person",
    program => "program",
    member => "member",
    stage => "stage",
    sub_process => "sub_process",
    owner => "owner",
    relationship => "relationship",
    key_point => "key_point",
    plan => "plan",
    step => "step",
    action => "action",
    metric => "metric",
    schedule => "schedule",
    feedback_round => "feedback_round",
    channel => "channel",
    webhook => "webhook",
);

/// Inserts `model` and its audit entry.
pub async fn create<E>(
    db: &DatabaseConnection,
    actor: &str,
    at: DateTime<Utc>,
    model: &E::Model,
) -> AppResult<()>
where
    E: EntityTrait,
    E::Model: Versioned + IntoActiveModel<E::ActiveModel>,
    E::ActiveModel: ActiveModelTrait<Entity = E> + Send,
{
    let txn = crate::store::begin(db).await?;
    create_in::<E, _>(&txn, actor, at, model).await?;
    txn.commit().await?;
    Ok(())
}

/// [`create`] inside the caller's transaction.
pub async fn create_in<E, C>(
    conn: &C,
    actor: &str,
    at: DateTime<Utc>,
    model: &E::Model,
) -> AppResult<()>
where
    E: EntityTrait,
    C: ConnectionTrait,
    E::Model: Versioned + IntoActiveModel<E::ActiveModel>,
    E::ActiveModel: ActiveModelTrait<Entity = E> + Send,
{
    E::insert(model.clone().into_active_model())
        .exec_without_returning(conn)
        .await
        .map_err(conflict)?;
    audit::record(
        conn,
        Some(actor),
        at,
        <E::Model as Versioned>::ENTITY,
        model.id(),
        Change::Create,
        None::<&()>,
        Some(model),
    )
    .await?;
    Ok(())
}

/// Writes `after` over `before` if the row is still at `before`'s version; returns
/// `after` with its new version. An unchanged `after` writes nothing.
pub async fn update<E>(
    db: &DatabaseConnection,
    actor: &str,
    at: DateTime<Utc>,
    before: &E::Model,
    after: E::Model,
) -> AppResult<E::Model>
where
    E: EntityTrait,
    E::Model: Versioned + IntoActiveModel<E::ActiveModel>,
    E::ActiveModel: ActiveModelTrait<Entity = E> + Send,
{
    if after == *before {
        return Ok(after);
    }
    let txn = crate::store::begin(db).await?;
    let after = update_in::<E, _>(&txn, actor, at, before, after).await?;
    txn.commit().await?;
    Ok(after)
}

/// [`update`] inside the caller's transaction.
pub async fn update_in<E, C>(
    conn: &C,
    actor: &str,
    at: DateTime<Utc>,
    before: &E::Model,
    mut after: E::Model,
) -> AppResult<E::Model>
where
    E: EntityTrait,
    C: ConnectionTrait,
    E::Model: Versioned + IntoActiveModel<E::ActiveModel>,
    E::ActiveModel: ActiveModelTrait<Entity = E> + Send,
{
    if after == *before {
        return Ok(after);
    }
    after.stamp(before.version() + 1, at);
    let txn = conn;
    // Every column is written: `after` is the whole row as it should now be.
    let active = after.clone().into_active_model().reset_all();
    let result = E::update_many()
        .set(active)
        .filter(Expr::col(Alias::new("id")).eq(before.id()))
        .filter(Expr::col(Alias::new("version")).eq(before.version()))
        .exec(txn)
        .await
        .map_err(conflict)?;
    if result.rows_affected == 0 {
        return Err(AppError::stale(before.version() + 1));
    }
    audit::record(
        txn,
        Some(actor),
        at,
        <E::Model as Versioned>::ENTITY,
        before.id(),
        Change::Update,
        Some(before),
        Some(&after),
    )
    .await?;
    Ok(after)
}

/// Takes the row `before` is for the rest of the transaction, with a write that
/// changes nothing (a row lock on PostgreSQL, the write lock on SQLite; the same SQL
/// on both), and returns the row as it stands now. For a change that claims no
/// version, such as an append that moves its parent: a concurrent one waits, then
/// sees this one's result, instead of failing on the version. Make it the
/// transaction's first statement.
pub async fn lock_in<E, C>(conn: &C, before: &E::Model) -> AppResult<E::Model>
where
    E: EntityTrait,
    C: ConnectionTrait,
    E::Model: Versioned,
{
    E::update_many()
        .col_expr(Alias::new("version"), Expr::col(Alias::new("version")))
        .filter(Expr::col(Alias::new("id")).eq(before.id()))
        .exec(conn)
        .await?;
    super::unique(
        E::find().filter(Expr::col(Alias::new("id")).eq(before.id())),
        conn,
    )
    .await?
    .ok_or_else(|| AppError::not_found(<E::Model as Versioned>::ENTITY, before.id()))
}

/// Deletes `before` if it is still at its version.
pub async fn delete<E>(
    db: &DatabaseConnection,
    actor: &str,
    at: DateTime<Utc>,
    before: &E::Model,
) -> AppResult<()>
where
    E: EntityTrait,
    E::Model: Versioned,
{
    let txn = crate::store::begin(db).await?;
    delete_in::<E, _>(&txn, actor, at, before).await?;
    txn.commit().await?;
    Ok(())
}

/// [`delete`] inside the caller's transaction.
pub async fn delete_in<E, C>(
    txn: &C,
    actor: &str,
    at: DateTime<Utc>,
    before: &E::Model,
) -> AppResult<()>
where
    E: EntityTrait,
    C: ConnectionTrait,
    E::Model: Versioned,
{
    let result = E::delete_many()
        .filter(Expr::col(Alias::new("id")).eq(before.id()))
        .filter(Expr::col(Alias::new("version")).eq(before.version()))
        .exec(txn)
        .await
        .map_err(|e| match e.sql_err() {
            Some(sea_orm::SqlErr::ForeignKeyConstraintViolation(_)) => AppError::conflict(
                format!(
                    "this {} is still referenced; archive it instead",
                    <E::Model as Versioned>::ENTITY
                ),
                None,
            ),
            _ => e.into(),
        })?;
    if result.rows_affected == 0 {
        return Err(AppError::stale(before.version() + 1));
    }
    audit::record(
        txn,
        Some(actor),
        at,
        <E::Model as Versioned>::ENTITY,
        before.id(),
        Change::Delete,
        Some(before),
        None::<&()>,
    )
    .await?;
    Ok(())
}

/// A unique-constraint violation that slipped past the handler's own check (two
/// concurrent requests) is still a 409, never a 500.
fn conflict(e: sea_orm::DbErr) -> AppError {
    match e.sql_err() {
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => {
            AppError::conflict("this would duplicate an existing entry", None)
        }
        _ => e.into(),
    }
}
