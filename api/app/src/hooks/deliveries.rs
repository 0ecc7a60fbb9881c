//! The outbox of HTTP calls (chat messages and webhook events): which are due, the
//! claim of one for one attempt (a compare-and-set on its attempt count, which also
//! leases it), a wait for a rate limit that is not an attempt, and how an attempt is
//! settled — a platform that refuses the key breaks the channel until someone fixes
//! it; a webhook failing for a day is disabled and its program's coordinator told by
//! mail. The calls themselves are the dispatcher's (a front).

use std::collections::HashMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use cxpm_domain::hooks::{ChannelKind, HookState};
use cxpm_domain::reminder::{OutboxStatus, message_id};
use cxpm_domain::values::Locale;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};

use crate::Ctx;
use crate::reminders::Rendered;
use crate::reminders::outbox::backoff;
use crate::store::audit::{self, Change};
use crate::store::{channel, delivery, new_id, outbox, person, program, webhook};

/// Where a delivery goes.
#[derive(Debug, Clone)]
pub enum Target {
    Channel(channel::Model),
    Webhook(webhook::Model),
}

impl Target {
    pub fn id(&self) -> &str {
        match self {
            Target::Channel(c) => &c.id,
            Target::Webhook(w) => &w.id,
        }
    }

    pub fn url(&self) -> &str {
        match self {
            Target::Channel(c) => &c.url,
            Target::Webhook(w) => &w.url,
        }
    }

    /// The most calls per period the target takes (a chat platform's limit); none
    /// for a webhook.
    pub fn rate(&self) -> Option<(u32, Duration)> {
        match self {
            Target::Channel(c) => Some(ChannelKind::rate(*c.kind)),
            Target::Webhook(_) => None,
        }
    }
}

/// A delivery whose attempt has come, and where it goes.
#[derive(Debug, Clone)]
pub struct Due {
    pub delivery: delivery::Model,
    pub target: Target,
}

/// Attempts before a chat message is given up (a rate limit's wait is no attempt).
pub const CHANNEL_ATTEMPTS: i32 = 8;

/// How long a webhook may fail before it is disabled.
pub const FAILING_FOR: chrono::TimeDelta = chrono::TimeDelta::hours(24);

/// Up to `batch` pending deliveries whose next attempt has come, the longest waiting
/// first, with their targets. A delivery whose target is gone, broken or disabled
/// fails here, with why.
pub async fn due(ctx: &Ctx, batch: u64) -> Result<Vec<Due>, DbErr> {
    let rows = delivery::Entity::find()
        .filter(delivery::Column::Status.eq(OutboxStatus::Pending.as_str()))
        .filter(delivery::Column::NextAttemptAt.lte(ctx.now()))
        .order_by_asc(delivery::Column::NextAttemptAt)
        .limit(batch)
        .all(&ctx.db)
        .await?;
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let channel_ids: Vec<&String> = rows.iter().filter_map(|r| r.channel_id.as_ref()).collect();
    let webhook_ids: Vec<&String> = rows.iter().filter_map(|r| r.webhook_id.as_ref()).collect();
    let channels: HashMap<String, channel::Model> = if channel_ids.is_empty() {
        HashMap::new()
    } else {
        channel::Entity::find()
            .filter(channel::Column::Id.is_in(channel_ids))
            .all(&ctx.db)
            .await?
            .into_iter()
            .map(|c| (c.id.clone(), c))
            .collect()
    };
    let webhooks: HashMap<String, webhook::Model> = if webhook_ids.is_empty() {
        HashMap::new()
    } else {
        webhook::Entity::find()
            .filter(webhook::Column::Id.is_in(webhook_ids))
            .all(&ctx.db)
            .await?
            .into_iter()
            .map(|w| (w.id.clone(), w))
            .collect()
    };
    let mut due = Vec::with_capacity(rows.len());
    for row in rows {
        let target = match (&row.channel_id, &row.webhook_id) {
            (Some(id), _) => channels.get(id).cloned().map(Target::Channel),
            (_, Some(id)) => webhooks.get(id).cloned().map(Target::Webhook),
            _ => None,
        };
        let state = match &target {
            Some(Target::Channel(c)) => Some(*c.state),
            Some(Target::Webhook(w)) => Some(*w.state),
            None => None,
        };
        match (target, state) {
            (Some(target), Some(HookState::Active)) => due.push(Due {
                delivery: row,
                target,
            }),
            (_, state) => {
                let why = match state {
                    Some(HookState::Broken) => "not sent: the channel is broken",
                    Some(HookState::Disabled) => "not sent: the subscription is disabled",
                    _ => "not sent: its channel or subscription is gone",
                };
                give_up(&ctx.db, &row, why).await?;
            }
        }
    }
    Ok(due)
}

async fn give_up<C: ConnectionTrait>(
    conn: &C,
    row: &delivery::Model,
    why: &str,
) -> Result<(), DbErr> {
    delivery::Entity::update_many()
        .col_expr(
            delivery::Column::Status,
            Expr::value(OutboxStatus::Failed.as_str()),
        )
        .col_expr(
            delivery::Column::LastError,
            Expr::value(Some(why.to_owned())),
        )
        .filter(delivery::Column::Id.eq(&row.id))
        .filter(delivery::Column::Attempts.eq(row.attempts))
        .exec(conn)
        .await?;
    Ok(())
}

/// Claims `d` for one attempt, only if no one else has since it was read, and leases
/// it for `lease`.
pub async fn claim(ctx: &Ctx, d: &delivery::Model, lease: chrono::Duration) -> Result<bool, DbErr> {
    let done = delivery::Entity::update_many()
        .col_expr(delivery::Column::Attempts, Expr::value(d.attempts + 1))
        .col_expr(
            delivery::Column::NextAttemptAt,
            Expr::value(ctx.now() + lease),
        )
        .filter(delivery::Column::Id.eq(&d.id))
        .filter(delivery::Column::Status.eq(OutboxStatus::Pending.as_str()))
        .filter(delivery::Column::Attempts.eq(d.attempts))
        .exec(&ctx.db)
        .await?;
    Ok(done.rows_affected == 1)
}

/// Leaves `d` until `until` without an attempt: its target's rate limit is used up.
pub async fn wait(ctx: &Ctx, d: &delivery::Model, until: DateTime<Utc>) -> Result<(), DbErr> {
    delivery::Entity::update_many()
        .col_expr(delivery::Column::NextAttemptAt, Expr::value(until))
        .filter(delivery::Column::Id.eq(&d.id))
        .filter(delivery::Column::Status.eq(OutboxStatus::Pending.as_str()))
        .filter(delivery::Column::Attempts.eq(d.attempts))
        .exec(&ctx.db)
        .await?;
    Ok(())
}

/// How a call went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Delivered {
        status: u16,
    },
    /// Not now: try again, after `after` when the target said so.
    Later {
        status: Option<u16>,
        reason: String,
        after: Option<Duration>,
    },
    /// Refused in a way another try will not change (a chat platform's bad key).
    Refused {
        status: Option<u16>,
        reason: String,
    },
}

/// What settling an attempt did.
#[derive(Debug, Clone)]
pub enum Settled {
    Sent,
    Retry,
    Failed,
    /// The chat platform refused: the channel is broken until someone fixes it.
    Broke,
    /// The webhook failed for a day and was disabled.
    Disabled,
}

/// What a front writes to tell a coordinator their webhook was disabled.
#[derive(Debug, Clone)]
pub struct DisabledNotice<'a> {
    pub locale: Locale,
    pub name: &'a str,
    pub program: &'a str,
    /// The webhook's URL, its path hidden.
    pub url: String,
    pub reason: &'a str,
    /// The page where it is turned on again.
    pub link: String,
}

/// Writes the notice mail: a front's (the words live there).
pub trait WriteNotice: Sync {
    fn disabled(&self, notice: &DisabledNotice<'_>) -> Rendered;
}

/// Records how the attempt on the claimed `d` went.
pub async fn settle(
    ctx: &Ctx,
    d: &Due,
    outcome: Outcome,
    retry_base: Duration,
    notices: &dyn WriteNotice,
) -> Result<Settled, DbErr> {
    let now = ctx.now();
    let row = &d.delivery;
    let attempts = row.attempts + 1;
    let txn = crate::store::begin(&ctx.db).await?;
    let update = delivery::Entity::update_many().filter(delivery::Column::Id.eq(&row.id));
    let settled = match (&d.target, outcome) {
        (target, Outcome::Delivered { status }) => {
            update
                .col_expr(
                    delivery::Column::Status,
                    Expr::value(OutboxStatus::Sent.as_str()),
                )
                .col_expr(delivery::Column::SentAt, Expr::value(Some(now)))
                .col_expr(delivery::Column::LastError, Expr::value(None::<String>))
                .col_expr(
                    delivery::Column::LastStatus,
                    Expr::value(Some(i32::from(status))),
                )
                .exec(&txn)
                .await?;
            if let Target::Webhook(w) = target
                && w.failing_since.is_some()
            {
                webhook::Entity::update_many()
                    .col_expr(
                        webhook::Column::FailingSince,
                        Expr::value(None::<DateTime<Utc>>),
                    )
                    .col_expr(webhook::Column::LastError, Expr::value(None::<String>))
                    .filter(webhook::Column::Id.eq(&w.id))
                    .exec(&txn)
                    .await?;
            }
            Settled::Sent
        }
        (Target::Channel(c), Outcome::Refused { status, reason }) => {
            tracing::warn!(channel = %c.id, %reason, "the chat platform refused a message; the channel is broken");
            update
                .col_expr(
                    delivery::Column::Status,
                    Expr::value(OutboxStatus::Failed.as_str()),
                )
                .col_expr(
                    delivery::Column::LastError,
                    Expr::value(Some(reason.clone())),
                )
                .col_expr(
                    delivery::Column::LastStatus,
                    Expr::value(status.map(i32::from)),
                )
                .exec(&txn)
                .await?;
            channel::Entity::update_many()
                .col_expr(
                    channel::Column::State,
                    Expr::value(HookState::Broken.as_str()),
                )
                .col_expr(
                    channel::Column::LastError,
                    Expr::value(Some(reason.clone())),
                )
                .filter(channel::Column::Id.eq(&c.id))
                .exec(&txn)
                .await?;
            audit::record(
                &txn,
                None,
                now,
                "channel",
                &c.id,
                Change::Update,
                Some(&serde_json::json!({"state": c.state.as_str()})),
                Some(&serde_json::json!({"state": "broken", "last_error": reason})),
            )
            .await?;
            Settled::Broke
        }
        (
            Target::Channel(c),
            Outcome::Later {
                status,
                reason,
                after,
            },
        ) => {
            tracing::warn!(channel = %c.id, attempts, %reason, "chat message not delivered yet");
            let give_up = attempts >= CHANNEL_ATTEMPTS;
            let wait = later(attempts, retry_base, after);
            update
                .col_expr(
                    delivery::Column::Status,
                    Expr::value(
                        if give_up {
                            OutboxStatus::Failed
                        } else {
                            OutboxStatus::Pending
                        }
                        .as_str(),
                    ),
                )
                .col_expr(delivery::Column::NextAttemptAt, Expr::value(now + wait))
                .col_expr(delivery::Column::LastError, Expr::value(Some(reason)))
                .col_expr(
                    delivery::Column::LastStatus,
                    Expr::value(status.map(i32::from)),
                )
                .exec(&txn)
                .await?;
            if give_up {
                Settled::Failed
            } else {
                Settled::Retry
            }
        }
        (Target::Webhook(w), failure) => {
            let (status, reason, after) = match failure {
                Outcome::Later {
                    status,
                    reason,
                    after,
                } => (status, reason, after),
                Outcome::Refused { status, reason } => (status, reason, None),
                Outcome::Delivered { .. } => (None, String::new(), None),
            };
            tracing::warn!(webhook = %w.id, attempts, %reason, "webhook call failed");
            let since = w.failing_since.unwrap_or(now);
            let disable = now - since >= FAILING_FOR;
            update
                .col_expr(
                    delivery::Column::Status,
                    Expr::value(
                        if disable {
                            OutboxStatus::Failed
                        } else {
                            OutboxStatus::Pending
                        }
                        .as_str(),
                    ),
                )
                .col_expr(
                    delivery::Column::NextAttemptAt,
                    Expr::value(now + later(attempts, retry_base, after)),
                )
                .col_expr(
                    delivery::Column::LastError,
                    Expr::value(Some(reason.clone())),
                )
                .col_expr(
                    delivery::Column::LastStatus,
                    Expr::value(status.map(i32::from)),
                )
                .exec(&txn)
                .await?;
            let hook = webhook::Entity::update_many()
                .col_expr(webhook::Column::FailingSince, Expr::value(Some(since)))
                .col_expr(
                    webhook::Column::LastError,
                    Expr::value(Some(reason.clone())),
                )
                .filter(webhook::Column::Id.eq(&w.id));
            if disable {
                hook.col_expr(
                    webhook::Column::State,
                    Expr::value(HookState::Disabled.as_str()),
                )
                .exec(&txn)
                .await?;
                disable_webhook(ctx, &txn, w, &reason, notices).await?;
                Settled::Disabled
            } else {
                hook.exec(&txn).await?;
                Settled::Retry
            }
        }
    };
    txn.commit().await?;
    Ok(settled)
}

/// The wait before the next attempt: the target's `Retry-After` when it said one,
/// else the backoff (doubling from `retry_base`, up to an hour).
fn later(attempts: i32, retry_base: Duration, after: Option<Duration>) -> chrono::Duration {
    match after.and_then(|a| chrono::Duration::from_std(a).ok()) {
        Some(a) => a.min(chrono::Duration::hours(1)),
        None => backoff(attempts, retry_base),
    }
}

/// A webhook failing for a day: its waiting deliveries fail, the change is audited
/// and its program's coordinator is mailed.
async fn disable_webhook<C: ConnectionTrait>(
    ctx: &Ctx,
    txn: &C,
    w: &webhook::Model,
    reason: &str,
    notices: &dyn WriteNotice,
) -> Result<(), DbErr> {
    let now = ctx.now();
    tracing::warn!(webhook = %w.id, "webhook failing for a day: disabled");
    delivery::Entity::update_many()
        .col_expr(
            delivery::Column::Status,
            Expr::value(OutboxStatus::Failed.as_str()),
        )
        .col_expr(
            delivery::Column::LastError,
            Expr::value(Some("not sent: the subscription was disabled".to_owned())),
        )
        .filter(delivery::Column::WebhookId.eq(&w.id))
        .filter(delivery::Column::Status.eq(OutboxStatus::Pending.as_str()))
        .exec(txn)
        .await?;
    audit::record(
        txn,
        None,
        now,
        "webhook",
        &w.id,
        Change::Update,
        Some(&serde_json::json!({"state": w.state.as_str()})),
        Some(
            &serde_json::json!({"state": "disabled", "last_error": reason,
            "failing_since": w.failing_since}),
        ),
    )
    .await?;
    let Some(program) = program::Entity::find_by_id(&w.program_id).one(txn).await? else {
        return Ok(());
    };
    let Some(coordinator_id) = &program.coordinator_id else {
        return Ok(());
    };
    let Some(coordinator) = person::Entity::find_by_id(coordinator_id)
        .filter(person::Column::Active.eq(true))
        .one(txn)
        .await?
    else {
        return Ok(());
    };
    let locale = Locale::parse(&coordinator.locale).unwrap_or_default();
    let mail = notices.disabled(&DisabledNotice {
        locale,
        name: &coordinator.name,
        program: &program.name,
        url: super::masked(&w.url),
        reason,
        link: format!("{}/programs/{}/reminders", ctx.public_url, program.id),
    });
    let key = format!("webhook-disabled/{}/{}", w.id, now.timestamp());
    let row = outbox::Model {
        id: new_id(),
        program_id: Some(program.id.clone()),
        schedule_id: None,
        fired_at: now,
        recipient_id: coordinator.id.clone(),
        to_address: coordinator.email.clone(),
        locale: locale.as_str().to_owned(),
        message_id: message_id(&key, &ctx.mail_host()),
        dedupe_key: key,
        subject: mail.subject,
        body_text: mail.text,
        body_html: mail.html,
        items: 1,
        status: OutboxStatus::Pending.into(),
        attempts: 0,
        next_attempt_at: now,
        last_error: None,
        sent_at: None,
        created_at: now,
    };
    outbox::Entity::insert(outbox::ActiveModel::from(row))
        .exec_without_returning(txn)
        .await?;
    Ok(())
}
