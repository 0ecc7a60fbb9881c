use cxpm_domain::hooks::HookState;
use sea_orm::entity::prelude::*;

use super::named::Stored;
use serde::Serialize;

/// A program's webhook subscription: events posted, signed (Standard Webhooks), to a
/// URL of another system.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "webhooks")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub program_id: String,
    #[sea_orm(column_type = "Text")]
    pub url: String,
    /// The events it receives, a JSON array of their names.
    #[sea_orm(column_type = "Text")]
    pub events: String,
    /// The signing secret (`whsec_…`): shown once, when made or rotated.
    #[sea_orm(column_type = "Text")]
    #[serde(skip)]
    pub secret: String,
    /// The secret before the last rotation, still signing until `previous_until`.
    #[sea_orm(column_type = "Text", nullable)]
    #[serde(skip)]
    pub previous_secret: Option<String>,
    pub previous_until: Option<DateTimeUtc>,
    pub state: Stored<HookState>,
    /// When its deliveries began to fail, none since the last success.
    pub failing_since: Option<DateTimeUtc>,
    #[sea_orm(column_type = "Text", nullable)]
    pub last_error: Option<String>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
