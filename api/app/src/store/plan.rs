use cxpm_domain::plan::PlanStatus;
use sea_orm::entity::prelude::*;

use super::named::Stored;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "plans")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub program_id: String,
    pub relationship_id: String,
    pub title: String,
    pub department_id: String,
    pub owner_id: Option<String>,
    pub status: Stored<PlanStatus>,
    pub cycle: i32,
    pub cycle_started_at: DateTimeUtc,
    pub cadence_cron: Option<String>,
    pub cadence_time_zone: Option<String>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
