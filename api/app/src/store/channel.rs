use cxpm_domain::hooks::{ChannelKind, HookState};
use sea_orm::entity::prelude::*;

use super::named::Stored;
use serde::Serialize;

/// A program's chat channel: a group robot's incoming-webhook URL on one platform,
/// which receives the digests of chosen schedules for chosen departments.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "channels")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub program_id: String,
    pub kind: Stored<ChannelKind>,
    pub name: String,
    /// The robot's URL holds its key: write-only like the secret, never in the audit
    /// trail or an answer (shown with its key masked).
    #[sea_orm(column_type = "Text")]
    #[serde(skip)]
    pub url: String,
    /// The robot's signing secret (DingTalk, Feishu): write-only.
    #[sea_orm(column_type = "Text", nullable)]
    #[serde(skip)]
    pub secret: Option<String>,
    /// The language its messages are written in.
    pub locale: String,
    /// The schedules whose digests it receives, a JSON array of ids.
    #[sea_orm(column_type = "Text")]
    pub schedule_ids: String,
    /// The departments whose items it receives, a JSON array of ids; empty: all.
    #[sea_orm(column_type = "Text")]
    pub department_ids: String,
    pub state: Stored<HookState>,
    /// Why the platform last refused a message.
    #[sea_orm(column_type = "Text", nullable)]
    pub last_error: Option<String>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
