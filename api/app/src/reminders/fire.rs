//! Firing a schedule: its mails planned ([`super::plan`]) and queued in the outbox,
//! the firing noted on the schedule and in the audit trail, in one transaction — by
//! hand, or by the scheduler, whose claim on the tick is a compare-and-set on the
//! schedule's next fire time (the same SQL on SQLite and PostgreSQL), so that of
//! several replicas exactly one fires each tick.

use chrono::{DateTime, Utc};
use cxpm_domain::reminder::{OutboxStatus, Timing};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Statement, Value,
};

use super::Mailroom;
use super::plan::{PlannedMail, plan};
use crate::store::audit::{self, Change};
use crate::store::summaries::placeholders;
use crate::store::{new_id, schedule};
use crate::{AppResult, Ctx};

/// What a firing did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fired {
    /// Mails the firing planned.
    pub planned: usize,
    /// Of those, newly queued: a tick fired twice queues nothing the second time.
    pub queued: usize,
}

/// A schedule whose next fire time has come: the tick to fire, and the one after
/// now (so that after downtime a schedule fires its missed tick once, not once per
/// missed tick).
#[derive(Debug, Clone)]
pub struct DueTick {
    pub schedule: schedule::Model,
    pub at: DateTime<Utc>,
    /// `None`: the schedule no longer fires.
    pub next: Option<DateTime<Utc>>,
}

/// The enabled schedules whose next fire time has come, the earliest first.
pub async fn due(ctx: &Ctx) -> AppResult<Vec<DueTick>> {
    let now = ctx.now();
    let due = schedule::Entity::find()
        .filter(schedule::Column::Enabled.eq(true))
        .filter(schedule::Column::NextFireAt.lte(now))
        .order_by_asc(schedule::Column::NextFireAt)
        .all(&ctx.db)
        .await?;
    Ok(due
        .into_iter()
        .filter_map(|sched| {
            let at = sched.next_fire_at?;
            let next = match Timing::parse(&sched.cron, &sched.time_zone) {
                Ok(timing) => timing.next_fire(now),
                Err(invalid) => {
                    tracing::warn!(schedule = %sched.id, ?invalid, "schedule no longer fires");
                    None
                }
            };
            Some(DueTick {
                schedule: sched,
                at,
                next,
            })
        })
        .collect())
}

/// Fires `sched` for the tick `fired_at`: plans its mails and, in one transaction,
/// queues each in the outbox (a mail whose dedupe key is already there is not
/// queued again), notes the firing on the schedule and in the audit trail. `actor`
/// is the person who ran it by hand, `None` for the scheduler.
pub async fn fire(
    ctx: &Ctx,
    sched: &schedule::Model,
    fired_at: DateTime<Utc>,
    actor: Option<&str>,
    mailroom: &impl Mailroom,
) -> AppResult<Fired> {
    let fired = fire_claimed(ctx, sched, fired_at, actor, None, mailroom).await?;
    Ok(fired.unwrap_or(Fired {
        planned: 0,
        queued: 0,
    }))
}

/// The scheduler's firing of a due tick: the claim — moving the schedule's next fire
/// time from `fired_at` to `next` only if it still is `fired_at` — and the queuing
/// happen in one transaction, so that of several replicas exactly one fires the tick
/// and a crash leaves the tick either wholly fired or still due. `None` when another
/// replica had it.
pub async fn fire_due(
    ctx: &Ctx,
    sched: &schedule::Model,
    fired_at: DateTime<Utc>,
    next: Option<DateTime<Utc>>,
    mailroom: &impl Mailroom,
) -> AppResult<Option<Fired>> {
    fire_claimed(ctx, sched, fired_at, None, Some(next), mailroom).await
}

async fn fire_claimed(
    ctx: &Ctx,
    sched: &schedule::Model,
    fired_at: DateTime<Utc>,
    actor: Option<&str>,
    claim: Option<Option<DateTime<Utc>>>,
    mailroom: &impl Mailroom,
) -> AppResult<Option<Fired>> {
    let started = std::time::Instant::now();
    let mails = plan(ctx, sched, fired_at, mailroom).await?;
    let posts = super::channels::plan(ctx, sched, fired_at, mailroom).await?;
    let planned_in = started.elapsed();
    let txn = crate::store::begin(&ctx.db).await?;
    let claimed = match claim {
        Some(next) => {
            schedule::Entity::update_many()
                .col_expr(schedule::Column::LastFiredAt, Expr::value(Some(fired_at)))
                .col_expr(schedule::Column::NextFireAt, Expr::value(next))
                .filter(schedule::Column::Id.eq(&sched.id))
                .filter(schedule::Column::Enabled.eq(true))
                .filter(schedule::Column::NextFireAt.eq(fired_at))
                .exec(&txn)
                .await?
                .rows_affected
        }
        None => mark_fired(&txn, &sched.id, fired_at).await?,
    };
    if claimed == 0 {
        return Ok(None);
    }
    let queued = queue(&txn, sched, fired_at, &mails, ctx.now()).await?;
    let mut posted = 0;
    for post in posts {
        posted += crate::hooks::events::insert_new(&txn, post).await?;
    }
    audit::record(
        &txn,
        actor,
        ctx.now(),
        "schedule",
        &sched.id,
        Change::Fire,
        None::<&()>,
        Some(&serde_json::json!({
            "fired_at": fired_at.to_rfc3339(),
            "planned": mails.len(),
            "queued": queued,
            "posted": posted,
        })),
    )
    .await?;
    txn.commit().await?;
    tracing::info!(
        schedule = %sched.id,
        fired_at = %fired_at.to_rfc3339(),
        planned = mails.len(),
        queued,
        plan_ms = planned_in.as_millis() as u64,
        total_ms = started.elapsed().as_millis() as u64,
        "schedule fired"
    );
    Ok(Some(Fired {
        planned: mails.len(),
        queued,
    }))
}

/// Notes a firing by hand on the schedule: its last tick. The schedule's version
/// stays: firing is not an edit, and an editor's If-Match must keep matching.
async fn mark_fired<C: ConnectionTrait>(
    conn: &C,
    schedule_id: &str,
    fired_at: DateTime<Utc>,
) -> Result<u64, sea_orm::DbErr> {
    Ok(schedule::Entity::update_many()
        .col_expr(schedule::Column::LastFiredAt, Expr::value(Some(fired_at)))
        .filter(schedule::Column::Id.eq(schedule_id))
        .exec(conn)
        .await?
        .rows_affected)
}

/// Mails written per `INSERT`: 16 values each, well under SQLite's and PostgreSQL's
/// limits on bound values.
const QUEUE_CHUNK: usize = 200;

/// Writes the planned mails to the outbox, many rows per statement; returns how many
/// were new.
async fn queue<C: ConnectionTrait>(
    conn: &C,
    sched: &schedule::Model,
    fired_at: DateTime<Utc>,
    mails: &[PlannedMail],
    now: DateTime<Utc>,
) -> Result<usize, sea_orm::DbErr> {
    let backend = conn.get_database_backend();
    let mut queued = 0;
    for chunk in mails.chunks(QUEUE_CHUNK) {
        let rows =
            vec!["(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, NULL, NULL, ?)"; chunk.len()];
        let sql = placeholders(
            backend,
            &format!(
                "INSERT INTO outbox (id, program_id, schedule_id, fired_at, recipient_id,
                     to_address, locale, dedupe_key, message_id, subject, body_text, body_html,
                     items, status, attempts, next_attempt_at, last_error, sent_at, created_at)
                 VALUES {}
                 ON CONFLICT (dedupe_key) DO NOTHING",
                rows.join(", ")
            ),
        );
        let mut values: Vec<Value> = Vec::with_capacity(chunk.len() * 16);
        for m in chunk {
            values.extend([
                new_id().into(),
                sched.program_id.clone().into(),
                sched.id.clone().into(),
                fired_at.into(),
                m.recipient_id.clone().into(),
                m.to_address.clone().into(),
                m.locale.as_str().into(),
                m.dedupe_key.clone().into(),
                m.message_id.clone().into(),
                m.subject.clone().into(),
                m.text.clone().into(),
                m.html.clone().into(),
                (m.items.len() as i32).into(),
                OutboxStatus::Pending.as_str().into(),
                now.into(),
                now.into(),
            ]);
        }
        let done = conn
            .execute_raw(Statement::from_sql_and_values(backend, &sql, values))
            .await?;
        queued += done.rows_affected() as usize;
    }
    Ok(queued)
}
