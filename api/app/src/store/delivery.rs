use cxpm_domain::reminder::OutboxStatus;
use sea_orm::entity::prelude::*;

use super::named::Stored;
use serde::Serialize;

/// One HTTP call the dispatcher owes: a digest to a chat channel or an event to a
/// webhook subscription.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "deliveries")]
pub struct Model {
    /// Also the `webhook-id` of a webhook's call: the same on every attempt.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub program_id: String,
    pub channel_id: Option<String>,
    pub webhook_id: Option<String>,
    /// `digest.<schedule kind>` for a channel, the event's name for a webhook.
    pub event: String,
    /// What it is about: a second row for the same is never written.
    pub dedupe_key: String,
    /// The JSON body, before any signing.
    #[sea_orm(column_type = "Text")]
    pub body: String,
    pub status: Stored<OutboxStatus>,
    pub attempts: i32,
    pub next_attempt_at: DateTimeUtc,
    #[sea_orm(column_type = "Text", nullable)]
    pub last_error: Option<String>,
    /// The HTTP status of the last answer, if one came.
    pub last_status: Option<i32>,
    pub sent_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
