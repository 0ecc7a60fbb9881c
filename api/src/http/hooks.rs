//! Chat channels and webhook subscriptions of a program, and their delivery logs —
//! the HTTP shapes; the use cases are `cxpm_app::hooks`. Secrets are write-only: a
//! channel's URL (which holds the robot's key) is shown masked and its signing secret
//! only as `has_secret`; a webhook's secret is shown once, when made or rotated.

use crate::http::common::Id;
use crate::http::text;
use chrono::{DateTime, Utc};
use cxpm_app::Patch;
use cxpm_app::hooks::{channels, masked, webhooks};
use cxpm_app::store::{channel, delivery, webhook};
use cxpm_domain::hooks::{ChannelKind, HookState, WebhookEvent};
use cxpm_domain::reminder::OutboxStatus;
use poem::web::Data;
use poem_openapi::param::{Header, Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{Enum, Object, OpenApi};
use serde::Deserialize;

use crate::app::AppState;
use crate::error::{ApiError, ApiResult};
use crate::http::bearer::BearerAuth;
use crate::http::body::Body;
use crate::http::common::{self, ApiTags, Deleted, Versioned, etag, location, page, views};
use crate::http::people::LocaleName;
use crate::http::schedules::OutboxStatusName;

/// The chat platform of a channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, Deserialize)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
#[oai(remote = "ChannelKind")]
pub enum ChannelKindName {
    /// WeCom (企业微信) group robot: markdown; its key is in the URL.
    Wecom,
    /// DingTalk (钉钉) custom robot: markdown; signed with the robot's secret ("加签").
    Dingtalk,
    /// Feishu/Lark (飞书) custom bot: a post; signed with the bot's secret.
    Feishu,
    /// A Microsoft Teams Workflows webhook: an Adaptive Card.
    Teams,
    /// A Slack incoming webhook: Block Kit blocks.
    Slack,
}

/// Whether a channel or subscription is delivered to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, Deserialize)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
#[oai(remote = "HookState")]
pub enum HookStateName {
    /// Delivered to.
    Active,
    /// The platform refused the key, URL or signature (`last_error` says how);
    /// nothing goes out until the channel is changed.
    Broken,
    /// A webhook that failed for a day, or was turned off.
    Disabled,
}

/// What happened in a program.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, Deserialize)]
#[oai(remote = "WebhookEvent")]
pub enum WebhookEventName {
    #[oai(rename = "action.created")]
    #[serde(rename = "action.created")]
    ActionCreated,
    #[oai(rename = "action.updated")]
    #[serde(rename = "action.updated")]
    ActionUpdated,
    /// Once per action and due date, when an open action passes its due date.
    #[oai(rename = "action.overdue")]
    #[serde(rename = "action.overdue")]
    ActionOverdue,
    #[oai(rename = "step.completed")]
    #[serde(rename = "step.completed")]
    StepCompleted,
    #[oai(rename = "plan.cycle_started")]
    #[serde(rename = "plan.cycle_started")]
    PlanCycleStarted,
    #[oai(rename = "measurement.recorded")]
    #[serde(rename = "measurement.recorded")]
    MeasurementRecorded,
    #[oai(rename = "reading.recorded")]
    #[serde(rename = "reading.recorded")]
    ReadingRecorded,
    #[oai(rename = "snapshot.saved")]
    #[serde(rename = "snapshot.saved")]
    SnapshotSaved,
}

/// A chat channel.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct Channel {
    pub id: Id,
    pub program_id: Id,
    pub kind: ChannelKindName,
    pub name: String,
    /// Its scheme and host; the rest holds the robot's key and is never shown.
    pub url: String,
    /// Whether a signing secret is set (never shown).
    pub has_secret: bool,
    /// The language its messages are written in.
    pub locale: String,
    /// The schedules whose digests it receives.
    pub schedule_ids: Vec<Id>,
    /// The departments whose items it lists; empty: all.
    pub department_ids: Vec<Id>,
    pub state: HookStateName,
    /// Why the platform refused the last message, while broken.
    pub last_error: Option<String>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl TryFrom<channel::Model> for Channel {
    type Error = ApiError;

    fn try_from(m: channel::Model) -> Result<Self, ApiError> {
        Ok(Self {
            url: masked(&m.url),
            has_secret: m.secret.is_some(),
            schedule_ids: (channels::ids(&m.schedule_ids))
                .into_iter()
                .map(Into::into)
                .collect(),
            department_ids: (channels::ids(&m.department_ids))
                .into_iter()
                .map(Into::into)
                .collect(),
            kind: (*m.kind).into(),
            state: (*m.state).into(),
            id: m.id.into(),
            program_id: m.program_id.into(),
            name: m.name,
            locale: m.locale,
            last_error: m.last_error,
            version: m.version,
            created_at: m.created_at,
            updated_at: m.updated_at,
        })
    }
}

#[derive(Debug, Object, Deserialize)]
#[oai(skip_serializing_if_is_none)]
#[oai(deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct NewChannel {
    pub kind: ChannelKindName,
    pub name: text::Name,
    /// The robot's incoming-webhook URL: `https://` (plain `http://` and addresses
    /// inside the network only when the operator allows private targets).
    pub url: text::Url,
    /// The robot's signing secret (DingTalk "加签" `SEC…`, Feishu signature
    /// verification); other platforms take none. Write-only.
    #[oai(validator(min_length = 1, max_length = 200))]
    pub secret: Option<String>,
    /// Default `en`.
    pub locale: Option<LocaleName>,
    /// Schedules of the program (not leadership digests) whose digests it receives.
    #[oai(default)]
    #[serde(default, deserialize_with = "crate::http::body::null_is_default")]
    pub schedule_ids: Vec<Id>,
    /// Departments whose items it lists; none: all.
    #[oai(default)]
    #[serde(default, deserialize_with = "crate::http::body::null_is_default")]
    pub department_ids: Vec<Id>,
}

#[derive(Debug, Object, Deserialize)]
#[oai(skip_serializing_if_is_none)]
#[oai(deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct ChannelPatch {
    pub name: Option<text::Name>,
    pub url: Option<text::Url>,
    /// A new signing secret; an empty string removes it.
    #[oai(validator(max_length = 200))]
    pub secret: Option<String>,
    pub locale: Option<LocaleName>,
    pub schedule_ids: Option<Vec<Id>>,
    pub department_ids: Option<Vec<Id>>,
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct ChannelList {
    /// Oldest first.
    pub items: Vec<Channel>,
    pub next_cursor: Option<Id>,
}

/// A webhook subscription.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct Webhook {
    pub id: Id,
    pub program_id: Id,
    pub url: String,
    pub events: Vec<WebhookEventName>,
    /// The signing secret (`whsec_…`): only in the answer that made or rotated it.
    pub secret: Option<String>,
    /// Until when the secret before the last rotation still signs beside it.
    pub previous_secret_until: Option<DateTime<Utc>>,
    pub state: HookStateName,
    /// Since when its calls fail (none since the last success); after a day it is
    /// disabled and the program's coordinator mailed.
    pub failing_since: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Webhook {
    fn read(m: webhook::Model, show_secret: bool) -> Self {
        Self {
            events: webhooks::events(&m).into_iter().map(Into::into).collect(),
            secret: show_secret.then(|| m.secret.clone()),
            previous_secret_until: m.previous_until,
            state: (*m.state).into(),
            id: m.id.into(),
            program_id: m.program_id.into(),
            url: m.url,
            failing_since: m.failing_since,
            last_error: m.last_error,
            version: m.version,
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }
}

impl TryFrom<webhook::Model> for Webhook {
    type Error = ApiError;

    fn try_from(m: webhook::Model) -> Result<Self, ApiError> {
        Ok(Self::read(m, false))
    }
}

#[derive(Debug, Object, Deserialize)]
#[oai(skip_serializing_if_is_none)]
#[oai(deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct NewWebhook {
    /// Where events are posted: `https://` (see channels for private targets).
    pub url: text::Url,
    /// At least one.
    #[oai(validator(min_items = 1))]
    pub events: Vec<WebhookEventName>,
}

#[derive(Debug, Object, Deserialize)]
#[oai(skip_serializing_if_is_none)]
#[oai(deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct WebhookPatch {
    pub url: Option<text::Url>,
    #[oai(validator(min_items = 1))]
    pub events: Option<Vec<WebhookEventName>>,
    /// `active` turns it on again (its failures forgotten), `disabled` off.
    pub state: Option<HookStateName>,
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct WebhookList {
    /// Oldest first.
    pub items: Vec<Webhook>,
    pub next_cursor: Option<Id>,
}

/// One call a channel or subscription was owed.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct Delivery {
    /// Also the `webhook-id` of a webhook's call, the same on every attempt.
    pub id: Id,
    /// `digest.<schedule kind>` for a channel, the event for a webhook.
    pub event: String,
    pub status: OutboxStatusName,
    pub attempts: i32,
    pub next_attempt_at: DateTime<Utc>,
    /// The HTTP status of the last answer.
    pub last_status: Option<i32>,
    pub last_error: Option<String>,
    pub sent_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    /// What was (or is to be) sent, before signing.
    pub body: String,
}

impl TryFrom<delivery::Model> for Delivery {
    type Error = ApiError;

    fn try_from(m: delivery::Model) -> Result<Self, ApiError> {
        let status: OutboxStatus = *m.status;
        Ok(Self {
            id: m.id.into(),
            event: m.event,
            status: status.into(),
            attempts: m.attempts,
            next_attempt_at: m.next_attempt_at,
            last_status: m.last_status,
            last_error: m.last_error,
            sent_at: m.sent_at,
            created_at: m.created_at,
            body: m.body,
        })
    }
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct DeliveryList {
    /// Oldest first.
    pub items: Vec<Delivery>,
    pub next_cursor: Option<Id>,
}

fn events(names: Vec<WebhookEventName>) -> Vec<String> {
    names
        .into_iter()
        .map(|e| WebhookEvent::from(e).as_str().to_owned())
        .collect()
}

#[derive(Default)]
pub struct HooksApi;

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Reminders")]
impl HooksApi {
    /// Connect a chat channel
    ///
    /// A group robot's incoming-webhook URL (WeCom, DingTalk, Feishu/Lark, Teams
    /// Workflows, Slack) that receives the digests of the chosen schedules for the
    /// chosen departments, one message per firing, in its language and its
    /// platform's format. The URL and secret are never shown again.
    #[oai(
        path = "/programs/:id/channels",
        method = "post",
        operation_id = "create_channel"
    )]
    async fn create_channel(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<crate::http::common::Id>,
        body: Body<NewChannel>,
    ) -> ApiResult<Versioned<Channel>> {
        let b = body.0;
        let new = channels::NewChannel {
            kind: b.kind.into(),
            name: b.name.into(),
            url: b.url.into(),
            secret: b.secret,
            locale: b.locale.map(Into::into),
            schedule_ids: b.schedule_ids.into_iter().map(Into::into).collect(),
            department_ids: b.department_ids.into_iter().map(Into::into).collect(),
        };
        let model = channels::create(&state, &auth.0.actor, &id, new).await?;
        let (tag, at) = (etag(model.version), location("channels", &model.id));
        Ok(Versioned::Created(Json(model.try_into()?), tag, at))
    }

    /// List a program's chat channels
    #[oai(
        path = "/programs/:id/channels",
        method = "get",
        operation_id = "list_channels"
    )]
    async fn list_channels(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<crate::http::common::Id>,
        /// Page size, 1–200 (default 50).
        limit: Query<Option<crate::http::common::Limit>>,
        /// The `next_cursor` of the previous page.
        cursor: Query<Option<crate::http::common::Cursor>>,
    ) -> ApiResult<Json<ChannelList>> {
        let page = page(limit.0, cursor.0)?;
        let (rows, next_cursor) = channels::list(&state, &auth.0.actor, &id, &page).await?;
        Ok(Json(ChannelList {
            items: views(rows)?,
            next_cursor: next_cursor.map(Into::into),
        }))
    }

    /// Get a chat channel
    #[oai(path = "/channels/:id", method = "get", operation_id = "get_channel")]
    async fn get_channel(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<crate::http::common::Id>,
    ) -> ApiResult<Versioned<Channel>> {
        let model = channels::get(&state, &auth.0.actor, &id).await?;
        let tag = etag(model.version);
        Ok(Versioned::Ok(Json(model.try_into()?), tag))
    }

    /// Change a chat channel
    ///
    /// Any change makes a broken channel active again.
    #[oai(
        path = "/channels/:id",
        method = "patch",
        operation_id = "update_channel"
    )]
    async fn update_channel(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<crate::http::common::Id>,
        /// The ETag of the version the change is based on.
        #[oai(name = "If-Match")]
        if_match: Header<crate::http::common::IfMatch>,
        body: Body<ChannelPatch>,
    ) -> ApiResult<Versioned<Channel>> {
        let expected = common::if_match(Some(if_match.0.as_str()))?;
        let p = body.0;
        let change = channels::ChannelChange {
            name: p.name.map(Into::into),
            url: p.url.map(Into::into),
            secret: match p.secret {
                None => Patch::Keep,
                Some(s) if s.trim().is_empty() => Patch::Clear,
                Some(s) => Patch::Set(s),
            },
            locale: p.locale.map(Into::into),
            schedule_ids: p
                .schedule_ids
                .map(|v| v.into_iter().map(Into::into).collect()),
            department_ids: p
                .department_ids
                .map(|v| v.into_iter().map(Into::into).collect()),
        };
        let after = channels::change(&state, &auth.0.actor, &id, &expected, change).await?;
        let tag = etag(after.version);
        Ok(Versioned::Ok(Json(after.try_into()?), tag))
    }

    /// Remove a chat channel and its delivery log
    #[oai(
        path = "/channels/:id",
        method = "delete",
        operation_id = "delete_channel"
    )]
    async fn delete_channel(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<crate::http::common::Id>,
        /// The ETag of the version the removal is based on.
        #[oai(name = "If-Match")]
        if_match: Header<crate::http::common::IfMatch>,
    ) -> ApiResult<Deleted> {
        let expected = common::if_match(Some(if_match.0.as_str()))?;
        channels::delete(&state, &auth.0.actor, &id, &expected).await?;
        Ok(Deleted::NoContent)
    }

    /// Read a chat channel's delivery log
    #[oai(
        path = "/channels/:id/deliveries",
        method = "get",
        operation_id = "list_channel_deliveries"
    )]
    async fn channel_deliveries(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<crate::http::common::Id>,
        /// Page size, 1–200 (default 50).
        limit: Query<Option<crate::http::common::Limit>>,
        /// The `next_cursor` of the previous page.
        cursor: Query<Option<crate::http::common::Cursor>>,
    ) -> ApiResult<Json<DeliveryList>> {
        let page = page(limit.0, cursor.0)?;
        let (rows, next_cursor) = channels::deliveries(&state, &auth.0.actor, &id, &page).await?;
        Ok(Json(DeliveryList {
            items: views(rows)?,
            next_cursor: next_cursor.map(Into::into),
        }))
    }

    /// Subscribe a webhook
    ///
    /// Events of the program are posted to the URL as the Standard Webhooks
    /// specification says: headers `webhook-id` (the same on every retry),
    /// `webhook-timestamp` and `webhook-signature` (`v1,` and the Base64 HMAC-SHA256
    /// of `id.timestamp.body` keyed by the secret's Base64 after `whsec_`); the body
    /// is `{"type", "timestamp", "data": {"program_id", "object"}}`. The answer holds
    /// the secret, which is not shown again. Failed calls are retried with backoff;
    /// after a day of failures the subscription is disabled and the coordinator
    /// mailed.
    #[oai(
        path = "/programs/:id/webhooks",
        method = "post",
        operation_id = "create_webhook"
    )]
    async fn create_webhook(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<crate::http::common::Id>,
        body: Body<NewWebhook>,
    ) -> ApiResult<Versioned<Webhook>> {
        let b = body.0;
        let new = webhooks::NewWebhook {
            url: b.url.into(),
            events: events(b.events),
        };
        let model = webhooks::create(&state, &auth.0.actor, &id, new).await?;
        let (tag, at) = (etag(model.version), location("webhooks", &model.id));
        Ok(Versioned::Created(
            Json(Webhook::read(model, true)),
            tag,
            at,
        ))
    }

    /// List a program's webhook subscriptions
    #[oai(
        path = "/programs/:id/webhooks",
        method = "get",
        operation_id = "list_webhooks"
    )]
    async fn list_webhooks(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<crate::http::common::Id>,
        /// Page size, 1–200 (default 50).
        limit: Query<Option<crate::http::common::Limit>>,
        /// The `next_cursor` of the previous page.
        cursor: Query<Option<crate::http::common::Cursor>>,
    ) -> ApiResult<Json<WebhookList>> {
        let page = page(limit.0, cursor.0)?;
        let (rows, next_cursor) = webhooks::list(&state, &auth.0.actor, &id, &page).await?;
        Ok(Json(WebhookList {
            items: views(rows)?,
            next_cursor: next_cursor.map(Into::into),
        }))
    }

    /// Get a webhook subscription
    #[oai(path = "/webhooks/:id", method = "get", operation_id = "get_webhook")]
    async fn get_webhook(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<crate::http::common::Id>,
    ) -> ApiResult<Versioned<Webhook>> {
        let model = webhooks::get(&state, &auth.0.actor, &id).await?;
        let tag = etag(model.version);
        Ok(Versioned::Ok(Json(Webhook::read(model, false)), tag))
    }

    /// Change, disable or enable a webhook subscription
    #[oai(
        path = "/webhooks/:id",
        method = "patch",
        operation_id = "update_webhook"
    )]
    async fn update_webhook(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<crate::http::common::Id>,
        /// The ETag of the version the change is based on.
        #[oai(name = "If-Match")]
        if_match: Header<crate::http::common::IfMatch>,
        body: Body<WebhookPatch>,
    ) -> ApiResult<Versioned<Webhook>> {
        let expected = common::if_match(Some(if_match.0.as_str()))?;
        let p = body.0;
        let change = webhooks::WebhookChange {
            url: p.url.map(Into::into),
            events: p.events.map(events),
            state: p.state.map(Into::into),
        };
        let after = webhooks::change(&state, &auth.0.actor, &id, &expected, change).await?;
        let tag = etag(after.version);
        Ok(Versioned::Ok(Json(Webhook::read(after, false)), tag))
    }

    /// Rotate a webhook's secret
    ///
    /// The answer holds the new secret; the old one keeps signing beside it (two
    /// signatures in `webhook-signature`) for 24 hours, so the receiver can switch
    /// without missing a call.
    #[oai(
        path = "/webhooks/:id/rotate-secret",
        method = "post",
        operation_id = "rotate_webhook_secret"
    )]
    async fn rotate(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<crate::http::common::Id>,
        /// The ETag of the version the rotation is based on (optional).
        #[oai(name = "If-Match")]
        if_match: Header<Option<crate::http::common::OptionalIfMatch>>,
    ) -> ApiResult<Versioned<Webhook>> {
        // Rotating changes nothing a person typed: without If-Match (or with an empty
        // one) it rotates whatever version is current.
        let expected = match if_match.0.as_ref().map(|t| t.as_str().trim()) {
            Some(tag) if !tag.is_empty() => common::if_match(Some(tag))?,
            _ => cxpm_app::Expect::AnyVersion,
        };
        let after = webhooks::rotate(&state, &auth.0.actor, &id, &expected).await?;
        let tag = etag(after.version);
        Ok(Versioned::Ok(Json(Webhook::read(after, true)), tag))
    }

    /// Remove a webhook subscription and its delivery log
    #[oai(
        path = "/webhooks/:id",
        method = "delete",
        operation_id = "delete_webhook"
    )]
    async fn delete_webhook(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<crate::http::common::Id>,
        /// The ETag of the version the removal is based on.
        #[oai(name = "If-Match")]
        if_match: Header<crate::http::common::IfMatch>,
    ) -> ApiResult<Deleted> {
        let expected = common::if_match(Some(if_match.0.as_str()))?;
        webhooks::delete(&state, &auth.0.actor, &id, &expected).await?;
        Ok(Deleted::NoContent)
    }

    /// Read a webhook's delivery log
    #[oai(
        path = "/webhooks/:id/deliveries",
        method = "get",
        operation_id = "list_webhook_deliveries"
    )]
    async fn webhook_deliveries(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<crate::http::common::Id>,
        /// Page size, 1–200 (default 50).
        limit: Query<Option<crate::http::common::Limit>>,
        /// The `next_cursor` of the previous page.
        cursor: Query<Option<crate::http::common::Cursor>>,
    ) -> ApiResult<Json<DeliveryList>> {
        let page = page(limit.0, cursor.0)?;
        let (rows, next_cursor) = webhooks::deliveries(&state, &auth.0.actor, &id, &page).await?;
        Ok(Json(DeliveryList {
            items: views(rows)?,
            next_cursor: next_cursor.map(Into::into),
        }))
    }

    /// Redeliver a webhook call
    ///
    /// Sends it again at once under the same `webhook-id`. The subscription must be
    /// active.
    #[oai(
        path = "/webhooks/:id/deliveries/:delivery_id/redeliver",
        method = "post",
        operation_id = "redeliver_webhook"
    )]
    async fn redeliver(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<crate::http::common::Id>,
        delivery_id: Path<crate::http::common::Id>,
    ) -> ApiResult<Json<Delivery>> {
        let d = webhooks::redeliver(&state, &auth.0.actor, &id, &delivery_id).await?;
        Ok(Json(d.try_into()?))
    }
}
