use sea_orm::entity::prelude::*;
use serde::Serialize;

/// A personal link to answer a round (the invitation's, or its reminder's): only the
/// SHA-256 of its token is kept. Good until its invitation is answered or the round
/// closes.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "feedback_links")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub token_hash: String,
    pub invitation_id: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
