use cxpm_domain::plan::StepStatus;
use sea_orm::entity::prelude::*;

use super::named::Stored;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "steps")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub plan_id: String,
    pub cycle: i32,
    pub number: i32,
    pub status: Stored<StepStatus>,
    pub owner_id: Option<String>,
    pub due_date: Option<Date>,
    pub notes: Option<String>,
    pub skip_reason: Option<String>,
    pub completed_by: Option<String>,
    pub completed_at: Option<DateTimeUtc>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
