//! Reading the audit trail.

use crate::http::common::Id;
use chrono::{DateTime, Utc};
use cxpm_app::directory::audit;
use poem::web::Data;
use poem_openapi::param::Query;
use poem_openapi::payload::Json;
use poem_openapi::{Object, OpenApi};

use crate::app::AppState;
use crate::error::{ApiError, ApiResult};
use crate::http::bearer::BearerAuth;
use crate::http::common::ApiTags;
use crate::http::common::{page, parse_id};
use cxpm_app::store::audit_event;

/// One change: who made it, when, to what, and the state before and after.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct AuditEvent {
    pub id: Id,
    pub at: DateTime<Utc>,
    /// The person who made the change; `null` for the server itself (bootstrap).
    pub actor_id: Option<Id>,
    /// `department`, `person`, `token`, …
    pub entity: String,
    pub entity_id: String,
    /// `create`, `update`, `revoke`, `import`.
    pub action: String,
    /// The entity before the change; `null` for a creation.
    pub before: Option<serde_json::Value>,
    /// The entity after the change.
    pub after: Option<serde_json::Value>,
}

impl From<audit_event::Model> for AuditEvent {
    fn from(m: audit_event::Model) -> Self {
        let parse = |s: Option<String>| s.and_then(|s| serde_json::from_str(&s).ok());
        Self {
            id: m.id.into(),
            at: m.at,
            actor_id: m.actor_id.map(Into::into),
            entity: m.entity,
            entity_id: m.entity_id,
            action: m.action,
            before: parse(m.before),
            after: parse(m.after),
        }
    }
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct AuditList {
    pub items: Vec<AuditEvent>,
    pub next_cursor: Option<Id>,
}

#[derive(Default)]
pub struct AuditApi;

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Audit")]
impl AuditApi {
    /// Read the audit trail
    ///
    /// Oldest first; filters combine with AND. Admins only.
    #[oai(path = "/audit", method = "get", operation_id = "list_audit_events")]
    #[allow(clippy::too_many_arguments)]
    async fn list(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        /// Only changes to this kind of entity (`person`, `department`, `token`).
        entity: Query<Option<String>>,
        /// Only changes to this entity.
        entity_id: Query<Option<Id>>,
        /// Only changes made by this person.
        actor_id: Query<Option<Id>>,
        /// Only changes at or after this time (RFC 3339).
        since: Query<Option<DateTime<Utc>>>,
        /// Only changes before this time (RFC 3339).
        until: Query<Option<DateTime<Utc>>>,
        /// Page size, 1–200 (default 50).
        limit: Query<Option<crate::http::common::Limit>>,
        /// The `next_cursor` of the previous page.
        cursor: Query<Option<crate::http::common::Cursor>>,
    ) -> ApiResult<Json<AuditList>> {
        let page = page(limit.0, cursor.0)?;
        let id = |field: &str, raw: Option<String>| -> ApiResult<Option<String>> {
            raw.map(|raw| {
                parse_id(field, &raw)
                    .map_err(|e| ApiError::bad_request(e.to_string(), vec![e.into()]))
            })
            .transpose()
        };
        let filter = audit::AuditFilter {
            entity: entity.0,
            entity_id: id("entity_id", entity_id.0.map(Into::into))?,
            actor_id: id("actor_id", actor_id.0.map(Into::into))?,
            since: since.0,
            until: until.0,
        };
        let (rows, next_cursor) = audit::list(&state, &auth.0.actor, &filter, &page).await?;
        Ok(Json(AuditList {
            items: rows.into_iter().map(AuditEvent::from).collect(),
            next_cursor: next_cursor.map(Into::into),
        }))
    }
}
