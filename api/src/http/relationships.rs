//! Internal-customer relationships: provider department → internal-customer
//! department, what is delivered. "Who is my customer?"

use crate::http::common::Id;
use crate::http::text;
use chrono::{DateTime, Utc};
use cxpm_app::programs::relationships;
use poem::web::Data;
use poem_openapi::param::{Header, Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::types::MaybeUndefined;
use poem_openapi::{Object, OpenApi};
use serde::Deserialize;

use crate::app::AppState;
use crate::error::{ApiError, ApiResult};
use crate::http::bearer::BearerAuth;
use crate::http::body::Body;
use crate::http::common::Deleted;
use crate::http::common::{self, etag, location, parse_id, patch};
use crate::http::common::{ApiTags, Versioned};
use cxpm_app::store::relationship;

/// Provider → internal customer, and what the provider delivers.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct Relationship {
    pub id: Id,
    pub program_id: Id,
    pub provider_department_id: Id,
    pub provider_person_id: Option<Id>,
    pub customer_department_id: Id,
    pub customer_person_id: Option<Id>,
    /// What the provider delivers to its internal customer.
    pub delivers: String,
    pub sub_process_id: Option<Id>,
    pub archived: bool,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<relationship::Model> for Relationship {
    fn from(m: relationship::Model) -> Self {
        Self {
            id: m.id.into(),
            program_id: m.program_id.into(),
            provider_department_id: m.provider_department_id.into(),
            provider_person_id: m.provider_person_id.map(Into::into),
            customer_department_id: m.customer_department_id.into(),
            customer_person_id: m.customer_person_id.map(Into::into),
            delivers: m.delivers,
            sub_process_id: m.sub_process_id.map(Into::into),
            archived: m.archived,
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
pub struct NewRelationship {
    pub provider_department_id: Id,
    /// A member of the provider department.
    pub provider_person_id: Option<Id>,
    pub customer_department_id: Id,
    /// A member of the customer department.
    pub customer_person_id: Option<Id>,
    pub delivers: text::Delivers,
    /// A sub-process of the same program this relationship serves.
    pub sub_process_id: Option<Id>,
}

/// Only the fields to change; `archived: true` retires the relationship and keeps
/// its history.
#[derive(Debug, Object, Deserialize)]
#[oai(skip_serializing_if_is_none)]
#[oai(deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct RelationshipPatch {
    #[serde(default)]
    pub provider_person_id: MaybeUndefined<Id>,
    #[serde(default)]
    pub customer_person_id: MaybeUndefined<Id>,
    pub delivers: Option<text::Delivers>,
    #[serde(default)]
    pub sub_process_id: MaybeUndefined<Id>,
    pub archived: Option<bool>,
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct RelationshipList {
    pub items: Vec<Relationship>,
}

#[derive(Default)]
pub struct RelationshipsApi;

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Relationships")]
impl RelationshipsApi {
    /// Define an internal-customer relationship
    #[oai(
        path = "/programs/:id/relationships",
        method = "post",
        operation_id = "create_relationship"
    )]
    async fn create(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<crate::http::common::Id>,
        body: Body<NewRelationship>,
    ) -> ApiResult<Versioned<Relationship>> {
        let b = body.0;
        let new = relationships::NewRelationship {
            provider_department_id: b.provider_department_id.into(),
            customer_department_id: b.customer_department_id.into(),
            delivers: b.delivers.into(),
            provider_person_id: b.provider_person_id.map(Into::into),
            customer_person_id: b.customer_person_id.map(Into::into),
            sub_process_id: b.sub_process_id.map(Into::into),
        };
        let model = relationships::create(&state, &auth.0.actor, &id, new).await?;
        let (tag, at) = (etag(model.version), location("relationships", &model.id));
        Ok(Versioned::Created(Json(model.into()), tag, at))
    }

    /// List a program's relationships
    #[oai(
        path = "/programs/:id/relationships",
        method = "get",
        operation_id = "list_relationships"
    )]
    async fn list(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<crate::http::common::Id>,
        /// Only relationships this department provides.
        provider_department_id: Query<Option<Id>>,
        /// Only relationships this department is the customer of.
        customer_department_id: Query<Option<Id>>,
        /// Include archived relationships.
        include_archived: Query<Option<bool>>,
    ) -> ApiResult<Json<RelationshipList>> {
        let filter = relationships::RelationshipFilter {
            program_id: None,
            provider_department_id: query_ids(
                "provider_department_id",
                provider_department_id.0.map(Into::into),
            )?,
            customer_department_id: query_ids(
                "customer_department_id",
                customer_department_id.0.map(Into::into),
            )?,
            include_archived: include_archived.0.unwrap_or(false),
        };
        let rows = relationships::of_program(&state, &auth.0.actor, &id, filter).await?;
        Ok(listed(rows))
    }

    /// Who is my customer? A department's internal customers
    #[oai(
        path = "/departments/:id/customers",
        method = "get",
        operation_id = "list_department_customers"
    )]
    async fn customers(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<crate::http::common::Id>,
        /// Only within this program.
        program_id: Query<Option<Id>>,
        /// Include archived relationships.
        include_archived: Query<Option<bool>>,
    ) -> ApiResult<Json<RelationshipList>> {
        let program_id = query_ids("program_id", program_id.0.map(Into::into))?;
        let all = include_archived.0.unwrap_or(false);
        let rows =
            relationships::of_department(&state, &auth.0.actor, &id, true, program_id, all).await?;
        Ok(listed(rows))
    }

    /// A department's providers: who serves it
    #[oai(
        path = "/departments/:id/providers",
        method = "get",
        operation_id = "list_department_providers"
    )]
    async fn providers(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<crate::http::common::Id>,
        /// Only within this program.
        program_id: Query<Option<Id>>,
        /// Include archived relationships.
        include_archived: Query<Option<bool>>,
    ) -> ApiResult<Json<RelationshipList>> {
        let program_id = query_ids("program_id", program_id.0.map(Into::into))?;
        let all = include_archived.0.unwrap_or(false);
        let rows = relationships::of_department(&state, &auth.0.actor, &id, false, program_id, all)
            .await?;
        Ok(listed(rows))
    }

    /// Get a relationship
    #[oai(
        path = "/relationships/:id",
        method = "get",
        operation_id = "get_relationship"
    )]
    async fn get(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<crate::http::common::Id>,
    ) -> ApiResult<Versioned<Relationship>> {
        let model = relationships::get(&state, &auth.0.actor, &id).await?;
        let tag = etag(model.version);
        Ok(Versioned::Ok(Json(model.into()), tag))
    }

    /// Change or archive a relationship
    #[oai(
        path = "/relationships/:id",
        method = "patch",
        operation_id = "update_relationship"
    )]
    async fn update(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<crate::http::common::Id>,
        /// The ETag of the version the change is based on.
        #[oai(name = "If-Match")]
        if_match: Header<crate::http::common::IfMatch>,
        body: Body<RelationshipPatch>,
    ) -> ApiResult<Versioned<Relationship>> {
        let expected = common::if_match(Some(if_match.0.as_str()))?;
        let p = body.0;
        let change = relationships::RelationshipChange {
            delivers: p.delivers.map(Into::into),
            provider_person_id: patch(p.provider_person_id.map_value(Into::into)),
            customer_person_id: patch(p.customer_person_id.map_value(Into::into)),
            sub_process_id: patch(p.sub_process_id.map_value(Into::into)),
            archived: p.archived,
        };
        let after = relationships::change(&state, &auth.0.actor, &id, &expected, change).await?;
        let tag = etag(after.version);
        Ok(Versioned::Ok(Json(after.into()), tag))
    }

    /// Delete a relationship nothing refers to
    ///
    /// Once plans refer to it, it has history: archive it instead (409).
    #[oai(
        path = "/relationships/:id",
        method = "delete",
        operation_id = "delete_relationship"
    )]
    async fn delete(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<crate::http::common::Id>,
        /// The ETag of the version the deletion is based on.
        #[oai(name = "If-Match")]
        if_match: Header<crate::http::common::IfMatch>,
    ) -> ApiResult<Deleted> {
        let expected = common::if_match(Some(if_match.0.as_str()))?;
        relationships::remove(&state, &auth.0.actor, &id, &expected).await?;
        Ok(Deleted::NoContent)
    }
}

/// An id given as a query parameter: a malformed one is a 400 naming it.
fn query_ids(field: &str, raw: Option<String>) -> ApiResult<Option<String>> {
    raw.map(|raw| {
        parse_id(field, &raw).map_err(|e| ApiError::bad_request(e.to_string(), vec![e.into()]))
    })
    .transpose()
}

fn listed(rows: Vec<relationship::Model>) -> Json<RelationshipList> {
    Json(RelationshipList {
        items: rows.into_iter().map(Relationship::from).collect(),
    })
}
