use cxpm_domain::feedback::RoundStatus;
use sea_orm::entity::prelude::*;
use serde::Serialize;

use super::named::Stored;

/// A feedback round: a relationship's provider asks its customers how it went.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "feedback_rounds")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub program_id: String,
    pub relationship_id: String,
    pub status: Stored<RoundStatus>,
    /// The provider department's people rate too (the blind spot).
    pub ask_provider: bool,
    /// The program's minimum of respondents when the round opened.
    pub min_respondents: i32,
    /// The measurements' period starts here; it ends the day the round closes.
    pub period_start: Date,
    pub deadline: DateTimeUtc,
    /// Who opened it; none when the plan's feedback cadence did.
    pub opened_by: Option<String>,
    pub opened_at: DateTimeUtc,
    pub reminded_at: Option<DateTimeUtc>,
    pub closed_at: Option<DateTimeUtc>,
    /// How many measurements its closing made.
    pub measurements: i32,
    pub version: i32,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
