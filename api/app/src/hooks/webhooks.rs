//! A program's webhook subscriptions (the Standard Webhooks specification): a URL of
//! another system, the events it receives, and a signing secret (`whsec_` and 24
//! random bytes in Base64) that cxpm makes and shows once. Rotating it keeps the old
//! one signing beside the new for a day, so the receiver can switch without losing a
//! call. A subscription failing for a day is disabled; enabling it again (or a new
//! URL) starts afresh.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use cxpm_domain::hooks::{HookState, WebhookEvent, parse_events};
use cxpm_domain::reminder::OutboxStatus;
use cxpm_domain::{Action, Actor, FieldError, Target, authorize};
use rand::RngCore;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use super::checked_url;
use crate::store::page::Page;
use crate::store::{delivery, load, new_id, program, versioned, webhook};
use crate::{AppError, AppResult, Ctx, Expect};

/// How long the secret before a rotation keeps signing.
pub const ROTATION_OVERLAP: chrono::TimeDelta = chrono::TimeDelta::hours(24);

/// A new subscription.
#[derive(Debug, Clone)]
pub struct NewWebhook {
    pub url: String,
    pub events: Vec<String>,
}

/// What to change: only what is given.
#[derive(Debug, Clone, Default)]
pub struct WebhookChange {
    pub url: Option<String>,
    pub events: Option<Vec<String>>,
    /// `active` or `disabled`: turned off and on by hand.
    pub state: Option<HookState>,
}

/// A fresh signing secret.
fn new_secret() -> String {
    let mut bytes = [0u8; 24];
    rand::rng().fill_bytes(&mut bytes);
    format!("whsec_{}", STANDARD.encode(bytes))
}

/// The events a subscription receives.
pub fn events(m: &webhook::Model) -> Vec<WebhookEvent> {
    let names: Vec<String> = serde_json::from_str(&m.events).unwrap_or_default();
    names.iter().filter_map(|n| n.parse().ok()).collect()
}

fn events_json(events: &[WebhookEvent]) -> String {
    serde_json::Value::from(events.iter().map(|e| e.as_str()).collect::<Vec<_>>()).to_string()
}

/// The secrets that sign a call at `now`: the current one, and the one before a
/// rotation while it still signs.
pub fn signing_secrets(m: &webhook::Model, now: chrono::DateTime<chrono::Utc>) -> Vec<String> {
    let mut secrets = vec![m.secret.clone()];
    if let (Some(previous), Some(until)) = (&m.previous_secret, m.previous_until)
        && until > now
    {
        secrets.push(previous.clone());
    }
    secrets
}

/// Creates a subscription of program `program_id`; the answer holds its secret,
/// which is not shown again.
pub async fn create(
    ctx: &Ctx,
    actor: &Actor,
    program_id: &str,
    new: NewWebhook,
) -> AppResult<webhook::Model> {
    authorize(actor, Action::ManageSchedules, Target::Anything)?;
    let program = load::<program::Entity>(&ctx.db, "program", program_id).await?;
    let mut invalid = cxpm_domain::Invalid::default();
    let url = invalid.check(checked_url(ctx, &new.url));
    let events = invalid.check(parse_events(&new.events));
    invalid.into_result()?;
    let now = ctx.now();
    let model = webhook::Model {
        id: new_id(),
        program_id: program.id,
        url: url.unwrap_or_default(),
        events: events_json(&events.unwrap_or_default()),
        secret: new_secret(),
        previous_secret: None,
        previous_until: None,
        state: HookState::Active.into(),
        failing_since: None,
        last_error: None,
        version: 1,
        created_at: now,
        updated_at: now,
    };
    versioned::create::<webhook::Entity>(&ctx.db, &actor.person_id, now, &model).await?;
    Ok(model)
}

/// One page of program `program_id`'s subscriptions, oldest first.
pub async fn list(
    ctx: &Ctx,
    actor: &Actor,
    program_id: &str,
    page: &Page,
) -> AppResult<(Vec<webhook::Model>, Option<String>)> {
    authorize(actor, Action::ManageSchedules, Target::Anything)?;
    let program = load::<program::Entity>(&ctx.read, "program", program_id).await?;
    let select = webhook::Entity::find().filter(webhook::Column::ProgramId.eq(&program.id));
    let rows = page
        .apply(select, webhook::Column::Id)
        .all(&ctx.read)
        .await?;
    Ok(page.finish(rows, |r| &r.id))
}

/// Subscription `id`.
pub async fn get(ctx: &Ctx, actor: &Actor, id: &str) -> AppResult<webhook::Model> {
    authorize(actor, Action::ManageSchedules, Target::Anything)?;
    load::<webhook::Entity>(&ctx.read, "webhook", id).await
}

/// Changes subscription `id`. Enabling it, or a new URL, clears its failures.
pub async fn change(
    ctx: &Ctx,
    actor: &Actor,
    id: &str,
    expected: &Expect,
    change: WebhookChange,
) -> AppResult<webhook::Model> {
    authorize(actor, Action::ManageSchedules, Target::Anything)?;
    let before = load::<webhook::Entity>(&ctx.db, "webhook", id).await?;
    expected.check(before.version)?;
    let mut after = before.clone();
    let mut invalid = cxpm_domain::Invalid::default();
    if let Some(u) = change
        .url
        .as_deref()
        .and_then(|u| invalid.check(checked_url(ctx, u)))
    {
        after.url = u;
    }
    if let Some(e) = change
        .events
        .as_deref()
        .and_then(|e| invalid.check(parse_events(e)))
    {
        after.events = events_json(&e);
    }
    if change.state == Some(HookState::Broken) {
        invalid.push(FieldError::new("state", "must be active or disabled"));
    }
    invalid.into_result()?;
    if let Some(state) = change.state {
        after.state = state.into();
    }
    let restarted = (after.state == HookState::Active && before.state != HookState::Active)
        || after.url != before.url;
    if restarted {
        after.failing_since = None;
        after.last_error = None;
    }
    versioned::update::<webhook::Entity>(&ctx.db, &actor.person_id, ctx.now(), &before, after).await
}

/// Rotates subscription `id`'s secret: the answer holds the new one; the old one
/// keeps signing beside it for [`ROTATION_OVERLAP`].
pub async fn rotate(
    ctx: &Ctx,
    actor: &Actor,
    id: &str,
    expected: &Expect,
) -> AppResult<webhook::Model> {
    authorize(actor, Action::ManageSchedules, Target::Anything)?;
    let before = load::<webhook::Entity>(&ctx.db, "webhook", id).await?;
    expected.check(before.version)?;
    let now = ctx.now();
    let mut after = before.clone();
    after.previous_secret = Some(before.secret.clone());
    after.previous_until = Some(now + ROTATION_OVERLAP);
    after.secret = new_secret();
    versioned::update::<webhook::Entity>(&ctx.db, &actor.person_id, now, &before, after).await
}

/// Deletes subscription `id` and its delivery log.
pub async fn delete(ctx: &Ctx, actor: &Actor, id: &str, expected: &Expect) -> AppResult<()> {
    authorize(actor, Action::ManageSchedules, Target::Anything)?;
    let before = load::<webhook::Entity>(&ctx.db, "webhook", id).await?;
    expected.check(before.version)?;
    let txn = crate::store::begin(&ctx.db).await?;
    delivery::Entity::delete_many()
        .filter(delivery::Column::WebhookId.eq(&before.id))
        .exec(&txn)
        .await?;
    versioned::delete_in::<webhook::Entity, _>(&txn, &actor.person_id, ctx.now(), &before).await?;
    txn.commit().await?;
    Ok(())
}

/// One page of subscription `id`'s delivery log.
pub async fn deliveries(
    ctx: &Ctx,
    actor: &Actor,
    id: &str,
    page: &Page,
) -> AppResult<(Vec<delivery::Model>, Option<String>)> {
    let hook = get(ctx, actor, id).await?;
    super::channels::deliveries_of(ctx, delivery::Column::WebhookId, &hook.id, page).await
}

/// Sends delivery `delivery_id` of subscription `id` again, at once, under the same
/// `webhook-id` (a receiver that saw it already can tell). The subscription must be
/// active.
pub async fn redeliver(
    ctx: &Ctx,
    actor: &Actor,
    id: &str,
    delivery_id: &str,
) -> AppResult<delivery::Model> {
    let hook = get(ctx, actor, id).await?;
    if hook.state != HookState::Active {
        return Err(AppError::conflict(
            "this subscription is disabled; enable it (state: active) before redelivering",
            Some("state"),
        ));
    }
    let item = load::<delivery::Entity>(&ctx.db, "delivery", delivery_id).await?;
    if item.webhook_id.as_deref() != Some(hook.id.as_str()) {
        return Err(AppError::not_found("delivery", delivery_id));
    }
    // One waiting for its retry becomes due at once; one in flight keeps its claim
    // (the compare-and-set on its attempts fails) and is sent once.
    let txn = crate::store::begin(&ctx.db).await?;
    delivery::Entity::update_many()
        .col_expr(
            delivery::Column::Status,
            Expr::value(OutboxStatus::Pending.as_str()),
        )
        .col_expr(delivery::Column::NextAttemptAt, Expr::value(ctx.now()))
        .filter(delivery::Column::Id.eq(&item.id))
        .filter(delivery::Column::Attempts.eq(item.attempts))
        .exec(&txn)
        .await?;
    crate::store::audit::record(
        &txn,
        Some(&actor.person_id),
        ctx.now(),
        "delivery",
        &item.id,
        crate::store::audit::Change::Update,
        Some(&serde_json::json!({"status": item.status.as_str()})),
        Some(&serde_json::json!({"status": "pending", "redelivered": true})),
    )
    .await?;
    txn.commit().await?;
    load::<delivery::Entity>(&ctx.db, "delivery", &item.id).await
}

/// The `webhook-signature` header of a call: `v1,<Base64 HMAC-SHA256>` of
/// `{id}.{timestamp}.{body}` under each secret (its Base64 after `whsec_`), separated
/// by spaces — the Standard Webhooks specification.
pub fn signature(secrets: &[String], id: &str, timestamp: i64, body: &str) -> String {
    use hmac::{Hmac, Mac};
    let content = format!("{id}.{timestamp}.{body}");
    secrets
        .iter()
        .filter_map(|secret| {
            let key = STANDARD
                .decode(secret.strip_prefix("whsec_").unwrap_or(secret))
                .ok()?;
            let mut mac = Hmac::<sha2::Sha256>::new_from_slice(&key).ok()?;
            mac.update(content.as_bytes());
            Some(format!(
                "v1,{}",
                STANDARD.encode(mac.finalize().into_bytes())
            ))
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::signature;

    #[test]
    fn signs_as_the_standard_webhooks_example() {
        // The specification's own example (standard-webhooks/spec.md).
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".to_owned();
        let body = r#"{"test": 2432232314}"#;
        assert_eq!(
            signature(&[secret], "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
    }
}
