//! The outbox of reminder mails: what a firing queued ([`super::fire`]), read by
//! the people who manage schedules, and sent by the dispatcher (a front, which talks
//! SMTP): it takes the due mails, claims each for one attempt and settles how it went.

use std::time::Duration;

use cxpm_domain::reminder::OutboxStatus;
use cxpm_domain::{Action, Actor, Target, authorize};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::store::outbox;
use crate::store::page::Page;
use crate::{AppResult, Ctx};

/// Which mails a list shows (ids already checked).
#[derive(Debug, Clone, Default)]
pub struct OutboxFilter {
    pub status: Option<OutboxStatus>,
    pub recipient_id: Option<String>,
    pub schedule_id: Option<String>,
}

/// One page of the outbox, oldest first, and the next cursor.
pub async fn list(
    ctx: &Ctx,
    actor: &Actor,
    filter: &OutboxFilter,
    page: &Page,
) -> AppResult<(Vec<outbox::Model>, Option<String>)> {
    authorize(actor, Action::ManageSchedules, Target::Anything)?;
    // Reminder mails only: sign-in links are nobody else's to read.
    let mut select = outbox::Entity::find().filter(outbox::Column::ScheduleId.is_not_null());
    if let Some(status) = filter.status {
        select = select.filter(outbox::Column::Status.eq(status.as_str()));
    }
    if let Some(id) = &filter.recipient_id {
        select = select.filter(outbox::Column::RecipientId.eq(id));
    }
    if let Some(id) = &filter.schedule_id {
        select = select.filter(outbox::Column::ScheduleId.eq(id));
    }
    let rows = page
        .apply(select, outbox::Column::Id)
        .all(&ctx.read)
        .await?;
    Ok(page.finish(rows, |r| &r.id))
}

/// Attempts before a mail is given up as failed.
pub const MAX_ATTEMPTS: i32 = 8;

/// The wait before attempt `n + 1` after `n` failed: `base`, then doubling, capped at
/// an hour (with the default 30 s: 30 s, 1 min, 2 min …).
pub fn backoff(attempts: i32, base: Duration) -> chrono::Duration {
    let exp = attempts.clamp(1, 8) - 1;
    let base = i64::try_from(base.as_millis()).unwrap_or(i64::MAX).max(1);
    chrono::Duration::milliseconds(base.saturating_mul(1 << exp).min(3_600_000))
}

/// Up to `batch` pending mails whose next attempt has come, the longest waiting
/// first.
pub async fn due(ctx: &Ctx, batch: u64) -> Result<Vec<outbox::Model>, DbErr> {
    outbox::Entity::find()
        .filter(outbox::Column::Status.eq(OutboxStatus::Pending.as_str()))
        .filter(outbox::Column::NextAttemptAt.lte(ctx.now()))
        .order_by_asc(outbox::Column::NextAttemptAt)
        .limit(batch)
        .all(&ctx.db)
        .await
}

/// Claims `mail` for one attempt, only if no one else has since it was read (a
/// compare-and-set on its attempt count), and leases it for `lease`: a dispatcher
/// that dies mid-send leaves it to be retried when the lease ends.
pub async fn claim(
    ctx: &Ctx,
    mail: &outbox::Model,
    lease: chrono::Duration,
) -> Result<bool, DbErr> {
    let done = outbox::Entity::update_many()
        .col_expr(outbox::Column::Attempts, Expr::value(mail.attempts + 1))
        .col_expr(
            outbox::Column::NextAttemptAt,
            Expr::value(ctx.now() + lease),
        )
        .filter(outbox::Column::Id.eq(&mail.id))
        .filter(outbox::Column::Status.eq(OutboxStatus::Pending.as_str()))
        .filter(outbox::Column::Attempts.eq(mail.attempts))
        .exec(&ctx.db)
        .await?;
    Ok(done.rows_affected == 1)
}

/// How an attempt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Settled {
    Sent,
    /// Not sent; it is tried again after the backoff.
    Retry,
    /// Not sent, the last of [`MAX_ATTEMPTS`].
    Failed,
}

/// Records how the attempt on the claimed `mail` went: sent, or the error, with the
/// next attempt after the backoff from `retry_base` (none after the last).
pub async fn settle(
    ctx: &Ctx,
    mail: &outbox::Model,
    sent: Result<(), String>,
    retry_base: Duration,
) -> Result<Settled, DbErr> {
    let attempts = mail.attempts + 1;
    let update = outbox::Entity::update_many().filter(outbox::Column::Id.eq(&mail.id));
    let (update, settled) = match sent {
        Ok(()) => (
            update
                .col_expr(
                    outbox::Column::Status,
                    Expr::value(OutboxStatus::Sent.as_str()),
                )
                .col_expr(outbox::Column::SentAt, Expr::value(Some(ctx.now())))
                .col_expr(outbox::Column::LastError, Expr::value(None::<String>)),
            Settled::Sent,
        ),
        Err(error) => {
            tracing::warn!(mail = %mail.id, attempts, %error, "reminder mail not sent");
            let (status, settled) = if attempts >= MAX_ATTEMPTS {
                (OutboxStatus::Failed, Settled::Failed)
            } else {
                (OutboxStatus::Pending, Settled::Retry)
            };
            let update = update
                .col_expr(outbox::Column::Status, Expr::value(status.as_str()))
                .col_expr(
                    outbox::Column::NextAttemptAt,
                    Expr::value(ctx.now() + backoff(attempts, retry_base)),
                )
                .col_expr(outbox::Column::LastError, Expr::value(Some(error)));
            (update, settled)
        }
    };
    update.exec(&ctx.db).await?;
    Ok(settled)
}

#[cfg(test)]
mod tests {
    use super::backoff;

    #[test]
    fn backoff_doubles_up_to_an_hour() {
        let base = std::time::Duration::from_secs(30);
        let secs: Vec<i64> = (1..=9).map(|n| backoff(n, base).num_seconds()).collect();
        assert_eq!(secs, [30, 60, 120, 240, 480, 960, 1920, 3600, 3600]);
    }
}
