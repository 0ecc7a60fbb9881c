use sea_orm::entity::prelude::*;

/// A POST sent with an `Idempotency-Key`: what it asked and, once answered, the
/// answer to give its retries.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "idempotency_keys")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub person_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub key: String,
    /// SHA-256 of the method, path and body, hex.
    pub fingerprint: String,
    /// The answer's status; none while the first request is still running.
    pub status: Option<i32>,
    /// The answer's headers a retry gets again (content type, location, ETag), JSON.
    #[sea_orm(column_type = "Text", nullable)]
    pub headers: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub body: Option<String>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
