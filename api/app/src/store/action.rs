use cxpm_domain::plan::ActionStatus;
use sea_orm::entity::prelude::*;

use super::named::Stored;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "actions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub program_id: String,
    pub plan_id: String,
    pub step_number: Option<i32>,
    pub key_point_id: Option<String>,
    pub title: String,
    pub description: Option<String>,
    pub owner_id: Option<String>,
    pub department_id: String,
    pub due_date: Option<Date>,
    pub status: Stored<ActionStatus>,
    pub progress: i32,
    pub blocked_reason: Option<String>,
    pub effect_key_point_id: Option<String>,
    pub effect_metric: Option<String>,
    pub effect_target: Option<f64>,
    pub effect_by: Option<Date>,
    pub last_update_at: Option<DateTimeUtc>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
