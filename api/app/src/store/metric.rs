use sea_orm::entity::prelude::*;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "metrics")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub program_id: String,
    pub stage_id: Option<String>,
    pub sub_process_id: Option<String>,
    /// The owning department when set on the metric; otherwise its sub-process's or
    /// touchpoint's.
    pub department_id: Option<String>,
    pub name: String,
    pub unit: String,
    pub direction: String,
    pub target: f64,
    pub source: Option<String>,
    pub update_every_days: i32,
    pub archived: bool,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
