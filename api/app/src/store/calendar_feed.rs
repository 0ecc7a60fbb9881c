use sea_orm::entity::prelude::*;
use serde::Serialize;

/// A calendar feed: a person's due actions (or a department's, `department_id`) at an
/// address holding a secret of its own; only the secret's SHA-256 is stored.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "calendar_feeds")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// Whose feed it is: who made it, whose language its words are in.
    pub person_id: String,
    /// A department's feed; none: the person's own actions.
    pub department_id: Option<String>,
    #[serde(skip)]
    pub token_hash: String,
    pub created_at: DateTimeUtc,
    pub last_read_at: Option<DateTimeUtc>,
    pub revoked_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
