use cxpm_domain::feedback::Respondent;
use sea_orm::entity::prelude::*;
use serde::Serialize;

use super::named::Stored;

/// One key point's rating in a round, with no trace of who gave it (a random id, no
/// time, no invitation).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "feedback_ratings")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub round_id: String,
    pub respondent: Stored<Respondent>,
    pub key_point_id: String,
    pub importance: i32,
    pub expectation: f64,
    pub experience: f64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
