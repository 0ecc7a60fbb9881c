//! Sub-process owners: per sub-process, one row per responsible department, naming
//! the person who answers for it there.

use crate::http::common::Id;
use crate::http::text;
use chrono::{DateTime, Utc};
use cxpm_app::programs::owners;
use poem::web::Data;
use poem_openapi::param::{Header, Path};
use poem_openapi::payload::Json;
use poem_openapi::types::MaybeUndefined;
use poem_openapi::{Object, OpenApi};
use sea_orm::DatabaseConnection;
use serde::Deserialize;

use crate::app::AppState;
use crate::error::ApiResult;
use crate::http::bearer::BearerAuth;
use crate::http::body::Body;
use crate::http::common::Deleted;
use crate::http::common::{self, etag, location, patch};
use crate::http::common::{ApiTags, Versioned};
use cxpm_app::store::{owner, person};

/// One department's responsibility for a sub-process, and who answers for it.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct Owner {
    pub id: Id,
    pub program_id: Id,
    pub sub_process_id: Id,
    pub department_id: Id,
    /// The person named by the department; `null` until named.
    pub person_id: Option<Id>,
    pub responsibility: String,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<owner::Model> for Owner {
    fn from(m: owner::Model) -> Self {
        Self {
            id: m.id.into(),
            program_id: m.program_id.into(),
            sub_process_id: m.sub_process_id.into(),
            department_id: m.department_id.into(),
            person_id: m.person_id.map(Into::into),
            responsibility: m.responsibility,
            version: m.version,
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }
}

#[derive(Debug, Object, Deserialize)]
#[oai(skip_serializing_if_is_none)]
#[oai(deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct NewOwner {
    pub department_id: Id,
    /// A member of that department.
    pub person_id: Option<Id>,
    pub responsibility: text::Responsibility,
}

/// Only the fields to change. A department head may change `person_id` on their own
/// department's rows; everything else is the coordinator's.
#[derive(Debug, Object, Deserialize)]
#[oai(skip_serializing_if_is_none)]
#[oai(deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct OwnerPatch {
    #[serde(default)]
    pub person_id: MaybeUndefined<Id>,
    pub responsibility: Option<text::Responsibility>,
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct OwnerList {
    pub items: Vec<Owner>,
}

#[derive(Default)]
pub struct OwnersApi;

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Owners")]
impl OwnersApi {
    /// Assign a department (and person) to a sub-process
    #[oai(
        path = "/sub-processes/:id/owners",
        method = "post",
        operation_id = "create_owner"
    )]
    async fn create(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<crate::http::common::Id>,
        body: Body<NewOwner>,
    ) -> ApiResult<Versioned<Owner>> {
        let b = body.0;
        let new = owners::NewOwner {
            department_id: b.department_id.into(),
            person_id: b.person_id.map(Into::into),
            responsibility: b.responsibility.into(),
        };
        let model = owners::create(&state, &auth.0.actor, &id, new).await?;
        let (tag, at) = (etag(model.version), location("owners", &model.id));
        Ok(Versioned::Created(Json(model.into()), tag, at))
    }

    /// List a sub-process's owners
    #[oai(
        path = "/sub-processes/:id/owners",
        method = "get",
        operation_id = "list_owners"
    )]
    async fn list(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<crate::http::common::Id>,
    ) -> ApiResult<Json<OwnerList>> {
        let rows = owners::list(&state, &auth.0.actor, &id).await?;
        Ok(Json(OwnerList {
            items: rows.into_iter().map(Owner::from).collect(),
        }))
    }

    /// Get an owner row
    #[oai(path = "/owners/:id", method = "get", operation_id = "get_owner")]
    async fn get(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<crate::http::common::Id>,
    ) -> ApiResult<Versioned<Owner>> {
        let model = owners::get(&state, &auth.0.actor, &id).await?;
        let tag = etag(model.version);
        Ok(Versioned::Ok(Json(model.into()), tag))
    }

    /// Name the person or change the responsibility of an owner row
    #[oai(path = "/owners/:id", method = "patch", operation_id = "update_owner")]
    async fn update(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<crate::http::common::Id>,
        /// The ETag of the version the change is based on.
        #[oai(name = "If-Match")]
        if_match: Header<crate::http::common::IfMatch>,
        body: Body<OwnerPatch>,
    ) -> ApiResult<Versioned<Owner>> {
        let p = body.0;
        let change = owners::OwnerChange {
            responsibility: p.responsibility.map(Into::into),
            person_id: patch(p.person_id.map_value(Into::into)),
        };
        let expected = if_match_of(&if_match)?;
        let after = owners::change(&state, &auth.0.actor, &id, &expected, change).await?;
        let tag = etag(after.version);
        Ok(Versioned::Ok(Json(after.into()), tag))
    }

    /// Remove an owner row
    #[oai(path = "/owners/:id", method = "delete", operation_id = "delete_owner")]
    async fn delete(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<crate::http::common::Id>,
        /// The ETag of the version the removal is based on.
        #[oai(name = "If-Match")]
        if_match: Header<crate::http::common::IfMatch>,
    ) -> ApiResult<Deleted> {
        let expected = if_match_of(&if_match)?;
        owners::remove(&state, &auth.0.actor, &id, &expected).await?;
        Ok(Deleted::NoContent)
    }
}

fn if_match_of(header: &Header<crate::http::common::IfMatch>) -> ApiResult<cxpm_app::Expect> {
    common::if_match(Some(header.0.as_str()))
}

/// An active person of `department_id`, or 422 naming the field.
pub async fn member_of(
    db: &DatabaseConnection,
    field: &str,
    raw: &str,
    department_id: &str,
) -> ApiResult<person::Model> {
    Ok(cxpm_app::directory::people::member_of(db, field, raw, department_id).await?)
}
