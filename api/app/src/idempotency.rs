//! Idempotent POSTs (the IETF httpapi draft's `Idempotency-Key`): the first request
//! with a key claims it for its person by inserting a row — one INSERT, so two at
//! once cannot both win —, and its answer is kept for 24 hours. A retry with the same
//! key and the same request gets that answer again; while the first still runs, a
//! retry is told so (a front answers 409); the same key for another request is a
//! mistake (422). An answer that says the server failed is not kept: the key is freed
//! for a real retry. A claim left by a process that died mid-request is taken over
//! after [`STUCK_AFTER`].

use chrono::TimeDelta;
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ActiveValue::Set, ColumnTrait, DbErr, EntityTrait, QueryFilter};

use crate::Ctx;
use crate::store::idempotency_key;

/// How long a key's answer is kept.
pub const KEPT_FOR: TimeDelta = TimeDelta::hours(24);

/// A claim whose request has not answered for this long belongs to a process that
/// died: a retry takes it over.
pub const STUCK_AFTER: TimeDelta = TimeDelta::minutes(2);

/// What a request with a key should do.
#[derive(Debug, Clone, PartialEq)]
pub enum Claim {
    /// It is the first: run it, then [`finish`] (or [`release`]).
    First,
    /// Answered already: give this answer again.
    Answered(idempotency_key::Model),
    /// The first request with this key is still running.
    Running,
    /// The key was used for another request.
    Mismatch,
}

/// Claims `key` of `person_id` for a request with `fingerprint`.
pub async fn claim(
    ctx: &Ctx,
    person_id: &str,
    key: &str,
    fingerprint: &str,
) -> Result<Claim, DbErr> {
    let now = ctx.now();
    let row = idempotency_key::ActiveModel {
        person_id: Set(person_id.to_owned()),
        key: Set(key.to_owned()),
        fingerprint: Set(fingerprint.to_owned()),
        status: Set(None),
        headers: Set(None),
        body: Set(None),
        created_at: Set(now),
    };
    let inserted = idempotency_key::Entity::insert(row)
        .on_conflict(
            OnConflict::columns([
                idempotency_key::Column::PersonId,
                idempotency_key::Column::Key,
            ])
            .do_nothing()
            .to_owned(),
        )
        .exec_without_returning(&ctx.db)
        .await;
    match inserted {
        Ok(n) if n > 0 => return Ok(Claim::First),
        Ok(_) | Err(DbErr::RecordNotInserted) => {}
        Err(e) => return Err(e),
    }
    let Some(existing) =
        idempotency_key::Entity::find_by_id((person_id.to_owned(), key.to_owned()))
            .one(&ctx.db)
            .await?
    else {
        // Released between the insert and the read: claim it again.
        return Box::pin(claim(ctx, person_id, key, fingerprint)).await;
    };
    let expired = now - existing.created_at >= KEPT_FOR;
    let stuck = existing.status.is_none() && now - existing.created_at >= STUCK_AFTER;
    if expired || stuck {
        // Taken over by compare-and-set on the row as read: one retry wins.
        let taken = idempotency_key::Entity::update_many()
            .col_expr(
                idempotency_key::Column::Fingerprint,
                Expr::value(fingerprint),
            )
            .col_expr(idempotency_key::Column::Status, Expr::value(None::<i32>))
            .col_expr(
                idempotency_key::Column::Headers,
                Expr::value(None::<String>),
            )
            .col_expr(idempotency_key::Column::Body, Expr::value(None::<String>))
            .col_expr(idempotency_key::Column::CreatedAt, Expr::value(now))
            .filter(idempotency_key::Column::PersonId.eq(person_id))
            .filter(idempotency_key::Column::Key.eq(key))
            .filter(idempotency_key::Column::CreatedAt.eq(existing.created_at))
            .exec(&ctx.db)
            .await?;
        return Ok(if taken.rows_affected == 1 {
            Claim::First
        } else {
            Claim::Running
        });
    }
    Ok(if existing.fingerprint != fingerprint {
        Claim::Mismatch
    } else if existing.status.is_none() {
        Claim::Running
    } else {
        Claim::Answered(existing)
    })
}

/// Keeps the answer to the claimed `key`.
pub async fn finish(
    ctx: &Ctx,
    person_id: &str,
    key: &str,
    status: u16,
    headers: &str,
    body: &str,
) -> Result<(), DbErr> {
    idempotency_key::Entity::update_many()
        .col_expr(
            idempotency_key::Column::Status,
            Expr::value(Some(i32::from(status))),
        )
        .col_expr(
            idempotency_key::Column::Headers,
            Expr::value(Some(headers.to_owned())),
        )
        .col_expr(
            idempotency_key::Column::Body,
            Expr::value(Some(body.to_owned())),
        )
        .filter(idempotency_key::Column::PersonId.eq(person_id))
        .filter(idempotency_key::Column::Key.eq(key))
        .exec(&ctx.db)
        .await?;
    Ok(())
}

/// Frees the claimed `key`: the request failed on the server's side and may be tried
/// again as new.
pub async fn release(ctx: &Ctx, person_id: &str, key: &str) -> Result<(), DbErr> {
    idempotency_key::Entity::delete_many()
        .filter(idempotency_key::Column::PersonId.eq(person_id))
        .filter(idempotency_key::Column::Key.eq(key))
        .exec(&ctx.db)
        .await?;
    Ok(())
}

/// Forgets the keys older than [`KEPT_FOR`] (the scheduler's); how many.
pub async fn sweep(ctx: &Ctx) -> Result<u64, DbErr> {
    Ok(idempotency_key::Entity::delete_many()
        .filter(idempotency_key::Column::CreatedAt.lt(ctx.now() - KEPT_FOR))
        .exec(&ctx.db)
        .await?
        .rows_affected)
}
