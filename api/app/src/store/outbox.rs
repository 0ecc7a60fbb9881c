use cxpm_domain::reminder::OutboxStatus;
use sea_orm::entity::prelude::*;

use super::named::Stored;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "outbox")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// The program and schedule of a digest; none for a sign-in link.
    pub program_id: Option<String>,
    pub schedule_id: Option<String>,
    /// The tick that decided the mail.
    pub fired_at: DateTimeUtc,
    pub recipient_id: String,
    pub to_address: String,
    pub locale: String,
    /// Schedule, tick and recipient: a second row for the same is never written.
    pub dedupe_key: String,
    pub message_id: String,
    pub subject: String,
    #[sea_orm(column_type = "Text")]
    pub body_text: String,
    #[sea_orm(column_type = "Text")]
    pub body_html: String,
    pub items: i32,
    /// `pending`, `sent` or `failed`.
    pub status: Stored<OutboxStatus>,
    pub attempts: i32,
    pub next_attempt_at: DateTimeUtc,
    #[sea_orm(column_type = "Text", nullable)]
    pub last_error: Option<String>,
    pub sent_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
