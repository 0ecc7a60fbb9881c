use cxpm_domain::plan::MeasurementSource;
use sea_orm::entity::prelude::*;

use super::named::Stored;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "measurements")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub program_id: String,
    pub key_point_id: String,
    pub period_start: Date,
    pub period_end: Date,
    pub expectation_score: f64,
    pub experience_score: f64,
    pub importance: i32,
    pub provider_rating: Option<f64>,
    pub sample_size: Option<i32>,
    pub source: Stored<MeasurementSource>,
    pub note: Option<String>,
    pub recorded_by: String,
    pub recorded_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
