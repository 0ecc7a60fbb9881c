//! An OpenID Connect sign-in under way, and how it ended.

use sea_orm::entity::prelude::*;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "oidc_attempts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// SHA-256 of the `state` sent to the provider (and kept in the browser's cookie).
    #[serde(skip)]
    pub state_hash: String,
    #[serde(skip)]
    pub nonce: String,
    #[serde(skip)]
    pub pkce_verifier: String,
    pub next_path: Option<String>,
    pub created_at: DateTimeUtc,
    pub expires_at: DateTimeUtc,
    pub used_at: Option<DateTimeUtc>,
    /// `signed-in`, `unknown-person`, `deactivated`, `unverified-email`, `no-email`,
    /// `refused-token`, `provider-error`.
    pub outcome: Option<String>,
    /// The provider's `sub`.
    pub subject: Option<String>,
    /// The address (or configured claim) the provider vouched for.
    pub email: Option<String>,
    /// The person it matched, if any.
    pub person_id: Option<String>,
    /// Why it was refused, in the words of the check that failed (for whoever
    /// reads the audit trail: an admin and the company's IT).
    pub detail: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
