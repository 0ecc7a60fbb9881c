use cxpm_domain::program::ProgramStatus;
use sea_orm::entity::prelude::*;

use super::named::Stored;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "programs")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub name: String,
    pub business_line: Option<String>,
    pub description: Option<String>,
    pub status: Stored<ProgramStatus>,
    pub sponsor_id: Option<String>,
    pub coordinator_id: Option<String>,
    pub scale_min: i32,
    pub scale_max: i32,
    pub minor_max: f64,
    pub major_max: f64,
    pub stage_order: i32,
    /// Feedback round results show from this many respondents on.
    pub min_respondents: i32,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
