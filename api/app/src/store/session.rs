use sea_orm::entity::prelude::*;
use serde::Serialize;

/// A signed-in browser: only the SHA-256 of its cookie is stored.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "sessions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub person_id: String,
    #[serde(skip)]
    pub token_hash: String,
    /// The token every form and htmx request of this session carries.
    #[serde(skip)]
    pub csrf_token: String,
    pub user_agent: Option<String>,
    /// The client's address when it signed in.
    pub client: Option<String>,
    pub created_at: DateTimeUtc,
    pub last_seen_at: DateTimeUtc,
    /// The absolute end, however active the session is.
    pub expires_at: DateTimeUtc,
    pub revoked_at: Option<DateTimeUtc>,
    /// How the session began: `link`, `oidc` or `break-glass`.
    pub method: String,
    /// For `oidc`: the provider's ID token, sent back as a hint when signing out
    /// there too.
    #[serde(skip)]
    pub id_token: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
