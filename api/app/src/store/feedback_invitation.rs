use cxpm_domain::feedback::Respondent;
use sea_orm::entity::prelude::*;
use serde::Serialize;

use super::named::Stored;

/// One person (or outside contact) asked in a round. Keeps only *that* they
/// answered, never what.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "feedback_invitations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub round_id: String,
    pub respondent: Stored<Respondent>,
    /// None for an outside contact.
    pub person_id: Option<String>,
    /// The person's department when invited; none for an outside contact.
    pub department_id: Option<String>,
    pub email: String,
    pub locale: String,
    pub invited_at: DateTimeUtc,
    pub answered_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
