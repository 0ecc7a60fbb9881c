use cxpm_domain::reminder::ScheduleKind;
use sea_orm::entity::prelude::*;

use super::named::Stored;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "schedules")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub program_id: String,
    pub kind: Stored<ScheduleKind>,
    pub cron: String,
    pub time_zone: String,
    pub look_ahead_days: i32,
    pub escalate_after_days: i32,
    pub stale_after_days: i32,
    /// Who reads its leadership digest, JSON (`api::http::schedules::ScheduleReaders`).
    #[sea_orm(column_type = "Text")]
    pub readers: String,
    pub enabled: bool,
    /// The next tick the scheduler will claim; `None` while disabled.
    pub next_fire_at: Option<DateTimeUtc>,
    pub last_fired_at: Option<DateTimeUtc>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
