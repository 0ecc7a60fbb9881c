//! A program's events, queued for its webhook subscriptions in the same transaction
//! as the change they tell of: a change that rolls back tells nothing, and one that
//! commits is never lost.
//!
//! The body is the Standard Webhooks shape: `{"type", "timestamp", "data"}`, `data`
//! holding the program's id and the thing as the API shows it.

use chrono::{DateTime, NaiveDate, Utc};
use cxpm_domain::hooks::{HookState, WebhookEvent};
use cxpm_domain::reminder::OutboxStatus;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};
use serde::Serialize;

use super::webhooks::events;
use crate::store::{delivery, new_id, webhook};
use crate::{AppResult, Ctx};

/// Queues `event` about `thing` for every active subscription of `program_id` that
/// asked for it, inside the caller's transaction `conn`. `key` makes it once only
/// (an overdue action is told of once per due date); `None`: every call is news.
pub async fn emit<C: ConnectionTrait, T: Serialize>(
    conn: &C,
    program_id: &str,
    event: WebhookEvent,
    thing: &T,
    at: DateTime<Utc>,
    key: Option<&str>,
) -> Result<usize, DbErr> {
    let hooks: Vec<webhook::Model> = webhook::Entity::find()
        .filter(webhook::Column::ProgramId.eq(program_id))
        .filter(webhook::Column::State.eq(HookState::Active.as_str()))
        .all(conn)
        .await?
        .into_iter()
        .filter(|h| events(h).contains(&event))
        .collect();
    queue(conn, &hooks, program_id, event, thing, at, key).await
}

/// Queues `event` about `thing` for each of `hooks` (those that asked for it).
async fn queue<C: ConnectionTrait, T: Serialize>(
    conn: &C,
    hooks: &[webhook::Model],
    program_id: &str,
    event: WebhookEvent,
    thing: &T,
    at: DateTime<Utc>,
    key: Option<&str>,
) -> Result<usize, DbErr> {
    let body = serde_json::json!({
        "type": event.as_str(),
        "timestamp": at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        "data": {"program_id": program_id, "object": thing},
    })
    .to_string();
    let mut queued = 0;
    for hook in hooks {
        let id = new_id();
        let dedupe_key = match key {
            Some(k) => format!("webhook:{}:{}:{k}", hook.id, event.as_str()),
            None => format!("webhook:{}:{id}", hook.id),
        };
        let row = delivery::ActiveModel {
            id: Set(id),
            program_id: Set(program_id.to_owned()),
            channel_id: Set(None),
            webhook_id: Set(Some(hook.id.clone())),
            event: Set(event.as_str().to_owned()),
            dedupe_key: Set(dedupe_key),
            body: Set(body.clone()),
            status: Set(OutboxStatus::Pending.into()),
            attempts: Set(0),
            next_attempt_at: Set(at),
            last_error: Set(None),
            last_status: Set(None),
            sent_at: Set(None),
            created_at: Set(at),
        };
        queued += insert_new(conn, row).await?;
    }
    Ok(queued)
}

/// Inserts a delivery unless its dedupe key is there already; 1 when it was new.
pub async fn insert_new<C: ConnectionTrait>(
    conn: &C,
    row: delivery::ActiveModel,
) -> Result<usize, DbErr> {
    let done = delivery::Entity::insert(row)
        .on_conflict(
            OnConflict::column(delivery::Column::DedupeKey)
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(conn)
        .await;
    match done {
        Ok(n) => Ok(n as usize),
        Err(DbErr::RecordNotInserted) => Ok(0),
        Err(e) => Err(e),
    }
}

/// Tells subscriptions to `action.overdue` of each open action of their programs
/// that fell overdue by `today` (UTC), once per action and due date. An action falls
/// overdue when a day ends, so the scheduler runs this once a day (and at start);
/// returns how many it queued.
pub async fn sweep_overdue(ctx: &Ctx, today: NaiveDate) -> AppResult<usize> {
    use std::collections::BTreeMap;

    use crate::store::action;
    let mut listening: BTreeMap<String, Vec<webhook::Model>> = BTreeMap::new();
    for hook in webhook::Entity::find()
        .filter(webhook::Column::State.eq(HookState::Active.as_str()))
        .all(&ctx.db)
        .await?
        .into_iter()
        .filter(|h| events(h).contains(&WebhookEvent::ActionOverdue))
    {
        listening
            .entry(hook.program_id.clone())
            .or_default()
            .push(hook);
    }
    let mut queued = 0;
    for (program_id, hooks) in listening {
        let overdue = action::Entity::find()
            .filter(action::Column::ProgramId.eq(&program_id))
            .filter(action::Column::DueDate.lt(today))
            .filter(action::Column::Status.is_in(["open", "in_progress", "blocked"]))
            .all(&ctx.db)
            .await?;
        for a in overdue {
            let due = a.due_date.map(|d| d.to_string()).unwrap_or_default();
            let key = format!("{}:{due}", a.id);
            queued += queue(
                &ctx.db,
                &hooks,
                &program_id,
                WebhookEvent::ActionOverdue,
                &a,
                ctx.now(),
                Some(&key),
            )
            .await?;
        }
    }
    Ok(queued)
}
