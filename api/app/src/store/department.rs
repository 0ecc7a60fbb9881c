use cxpm_domain::maturity::Function;
use sea_orm::entity::prelude::*;

use super::named::Stored;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "departments")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub name: String,
    pub code: String,
    /// The name in other languages, a JSON object by locale tag.
    #[sea_orm(column_type = "Text")]
    pub name_translations: String,
    pub parent_id: Option<String>,
    pub head_id: Option<String>,
    pub function: Option<Stored<Function>>,
    pub active: bool,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
