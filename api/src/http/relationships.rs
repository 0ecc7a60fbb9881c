//! Internal-customer relationships: provider department → internal-customer
//! department, what is delivered. "Who is my customer?"

use chrono::{DateTime, Utc};
use cxpm_domain::{Action, FieldError, Invalid, Target, authorize};
use poem::web::Data;
use poem_openapi::param::{Header, Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::types::MaybeUndefined;
use poem_openapi::{ApiResponse, Object, OpenApi};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Select};
use serde::Deserialize;

use crate::app::AppState;
use crate::auth::BearerAuth;
use crate::db::{department, new_id, program, relationship, sub_process, versioned};
use crate::error::{ApiError, ApiResult};
use crate::http::ApiTags;
use crate::http::body::Body;
use crate::http::common::{etag, expected_version, load, parse_id, referenced};
use crate::http::owners::member_of;
use crate::http::programs::Deleted;

/// Provider → internal customer, and what the provider delivers.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct Relationship {
    pub id: String,
    pub program_id: String,
    pub provider_department_id: String,
    pub provider_person_id: Option<String>,
    pub customer_department_id: String,
    pub customer_person_id: Option<String>,
    /// What the provider delivers to its internal customer.
    pub delivers: String,
    pub sub_process_id: Option<String>,
    pub archived: bool,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<relationship::Model> for Relationship {
    fn from(m: relationship::Model) -> Self {
        Self {
            id: m.id,
            program_id: m.program_id,
            provider_department_id: m.provider_department_id,
            provider_person_id: m.provider_person_id,
            customer_department_id: m.customer_department_id,
            customer_person_id: m.customer_person_id,
            delivers: m.delivers,
            sub_process_id: m.sub_process_id,
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
    pub provider_department_id: String,
    /// A member of the provider department.
    pub provider_person_id: Option<String>,
    pub customer_department_id: String,
    /// A member of the customer department.
    pub customer_person_id: Option<String>,
    #[oai(validator(min_length = 1, max_length = 500))]
    pub delivers: String,
    /// A sub-process of the same program this relationship serves.
    pub sub_process_id: Option<String>,
}

/// Only the fields to change; `archived: true` retires the relationship and keeps
/// its history.
#[derive(Debug, Object, Deserialize)]
#[oai(skip_serializing_if_is_none)]
#[oai(deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct RelationshipPatch {
    #[serde(default)]
    pub provider_person_id: MaybeUndefined<String>,
    #[serde(default)]
    pub customer_person_id: MaybeUndefined<String>,
    #[oai(validator(min_length = 1, max_length = 500))]
    pub delivers: Option<String>,
    #[serde(default)]
    pub sub_process_id: MaybeUndefined<String>,
    pub archived: Option<bool>,
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct RelationshipList {
    pub items: Vec<Relationship>,
}

#[derive(ApiResponse)]
pub enum RelationshipResponse {
    #[oai(status = 200)]
    Ok(Json<Relationship>, #[oai(header = "ETag")] String),
    #[oai(status = 201)]
    Created(Json<Relationship>, #[oai(header = "ETag")] String),
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
        id: Path<String>,
        body: Body<NewRelationship>,
    ) -> ApiResult<RelationshipResponse> {
        let actor = &auth.0.actor;
        authorize(actor, Action::ManageRelationships, Target::Anything)?;
        let program = load::<program::Entity>(&state.db, "program", &id).await?;
        let b = body.0;
        let delivers = crate::http::owners::required_text("delivers", &b.delivers)?;
        let provider = referenced::<department::Entity>(
            &state.db,
            "provider_department_id",
            "department",
            &b.provider_department_id,
        )
        .await?;
        let customer = referenced::<department::Entity>(
            &state.db,
            "customer_department_id",
            "department",
            &b.customer_department_id,
        )
        .await?;
        if provider.id == customer.id {
            return Err(FieldError::new(
                "customer_department_id",
                "a department cannot be its own internal customer",
            )
            .into());
        }
        let provider_person_id = match &b.provider_person_id {
            Some(raw) => Some(
                member_of(&state.db, "provider_person_id", raw, &provider.id)
                    .await?
                    .id,
            ),
            None => None,
        };
        let customer_person_id = match &b.customer_person_id {
            Some(raw) => Some(
                member_of(&state.db, "customer_person_id", raw, &customer.id)
                    .await?
                    .id,
            ),
            None => None,
        };
        let sub_process_id = match &b.sub_process_id {
            Some(raw) => Some(sub_process_of(&state, raw, &program.id).await?),
            None => None,
        };
        ensure_unique(
            &state,
            &program.id,
            &provider.id,
            &customer.id,
            &delivers,
            None,
        )
        .await?;
        let now = state.now();
        let model = relationship::Model {
            id: new_id(),
            program_id: program.id,
            provider_department_id: provider.id,
            provider_person_id,
            customer_department_id: customer.id,
            customer_person_id,
            delivers,
            sub_process_id,
            archived: false,
            version: 1,
            created_at: now,
            updated_at: now,
        };
        versioned::create::<relationship::Entity>(&state.db, &actor.person_id, &model).await?;
        let tag = etag(model.version);
        Ok(RelationshipResponse::Created(Json(model.into()), tag))
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
        id: Path<String>,
        /// Only relationships this department provides.
        provider_department_id: Query<Option<String>>,
        /// Only relationships this department is the customer of.
        customer_department_id: Query<Option<String>>,
        /// Include archived relationships.
        include_archived: Query<Option<bool>>,
    ) -> ApiResult<Json<RelationshipList>> {
        authorize(&auth.0.actor, Action::ReadPrograms, Target::Anything)?;
        let program = load::<program::Entity>(&state.read, "program", &id).await?;
        let mut select =
            relationship::Entity::find().filter(relationship::Column::ProgramId.eq(&program.id));
        if let Some(raw) = provider_department_id.0 {
            select = select.filter(
                relationship::Column::ProviderDepartmentId
                    .eq(query_id("provider_department_id", &raw)?),
            );
        }
        if let Some(raw) = customer_department_id.0 {
            select = select.filter(
                relationship::Column::CustomerDepartmentId
                    .eq(query_id("customer_department_id", &raw)?),
            );
        }
        list_of(&state, select, include_archived.0).await
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
        id: Path<String>,
        /// Only within this program.
        program_id: Query<Option<String>>,
        /// Include archived relationships.
        include_archived: Query<Option<bool>>,
    ) -> ApiResult<Json<RelationshipList>> {
        authorize(&auth.0.actor, Action::ReadPrograms, Target::Anything)?;
        let dept = load::<department::Entity>(&state.read, "department", &id).await?;
        let mut select = relationship::Entity::find()
            .filter(relationship::Column::ProviderDepartmentId.eq(&dept.id));
        if let Some(raw) = program_id.0 {
            select =
                select.filter(relationship::Column::ProgramId.eq(query_id("program_id", &raw)?));
        }
        list_of(&state, select, include_archived.0).await
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
        id: Path<String>,
        /// Only within this program.
        program_id: Query<Option<String>>,
        /// Include archived relationships.
        include_archived: Query<Option<bool>>,
    ) -> ApiResult<Json<RelationshipList>> {
        authorize(&auth.0.actor, Action::ReadPrograms, Target::Anything)?;
        let dept = load::<department::Entity>(&state.read, "department", &id).await?;
        let mut select = relationship::Entity::find()
            .filter(relationship::Column::CustomerDepartmentId.eq(&dept.id));
        if let Some(raw) = program_id.0 {
            select =
                select.filter(relationship::Column::ProgramId.eq(query_id("program_id", &raw)?));
        }
        list_of(&state, select, include_archived.0).await
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
        id: Path<String>,
    ) -> ApiResult<RelationshipResponse> {
        authorize(&auth.0.actor, Action::ReadPrograms, Target::Anything)?;
        let model = load::<relationship::Entity>(&state.read, "relationship", &id).await?;
        let tag = etag(model.version);
        Ok(RelationshipResponse::Ok(Json(model.into()), tag))
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
        id: Path<String>,
        /// The ETag of the version the change is based on.
        #[oai(name = "If-Match")]
        if_match: Header<Option<String>>,
        body: Body<RelationshipPatch>,
    ) -> ApiResult<RelationshipResponse> {
        let actor = &auth.0.actor;
        authorize(actor, Action::ManageRelationships, Target::Anything)?;
        let before = load::<relationship::Entity>(&state.db, "relationship", &id).await?;
        expected_version(if_match.0.as_deref(), before.version)?;
        let p = body.0;
        let mut after = before.clone();
        if let Some(text) = &p.delivers {
            after.delivers = crate::http::owners::required_text("delivers", text)?;
        }
        match p.provider_person_id {
            MaybeUndefined::Undefined => {}
            MaybeUndefined::Null => after.provider_person_id = None,
            MaybeUndefined::Value(raw) => {
                after.provider_person_id = Some(
                    member_of(
                        &state.db,
                        "provider_person_id",
                        &raw,
                        &before.provider_department_id,
                    )
                    .await?
                    .id,
                )
            }
        }
        match p.customer_person_id {
            MaybeUndefined::Undefined => {}
            MaybeUndefined::Null => after.customer_person_id = None,
            MaybeUndefined::Value(raw) => {
                after.customer_person_id = Some(
                    member_of(
                        &state.db,
                        "customer_person_id",
                        &raw,
                        &before.customer_department_id,
                    )
                    .await?
                    .id,
                )
            }
        }
        match p.sub_process_id {
            MaybeUndefined::Undefined => {}
            MaybeUndefined::Null => after.sub_process_id = None,
            MaybeUndefined::Value(raw) => {
                after.sub_process_id = Some(sub_process_of(&state, &raw, &before.program_id).await?)
            }
        }
        if let Some(archived) = p.archived {
            after.archived = archived;
        }
        if after.delivers != before.delivers {
            ensure_unique(
                &state,
                &after.program_id,
                &after.provider_department_id,
                &after.customer_department_id,
                &after.delivers,
                Some(&after.id),
            )
            .await?;
        }
        let after =
            versioned::update::<relationship::Entity>(&state.db, &actor.person_id, &before, after)
                .await?;
        let tag = etag(after.version);
        Ok(RelationshipResponse::Ok(Json(after.into()), tag))
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
        id: Path<String>,
        /// The ETag of the version the deletion is based on.
        #[oai(name = "If-Match")]
        if_match: Header<Option<String>>,
    ) -> ApiResult<Deleted> {
        let actor = &auth.0.actor;
        authorize(actor, Action::ManageRelationships, Target::Anything)?;
        let before = load::<relationship::Entity>(&state.db, "relationship", &id).await?;
        expected_version(if_match.0.as_deref(), before.version)?;
        versioned::delete::<relationship::Entity>(&state.db, &actor.person_id, &before).await?;
        Ok(Deleted::NoContent)
    }
}

fn query_id(field: &str, raw: &str) -> ApiResult<String> {
    parse_id(field, raw).map_err(|e| ApiError::bad_request(e.to_string(), vec![e.into()]))
}

async fn list_of(
    state: &AppState,
    select: Select<relationship::Entity>,
    include_archived: Option<bool>,
) -> ApiResult<Json<RelationshipList>> {
    let select = if include_archived.unwrap_or(false) {
        select
    } else {
        select.filter(relationship::Column::Archived.eq(false))
    };
    let rows = select
        .order_by_asc(relationship::Column::Id)
        .all(&state.read)
        .await?;
    Ok(Json(RelationshipList {
        items: rows.into_iter().map(Relationship::from).collect(),
    }))
}

async fn sub_process_of(state: &AppState, raw: &str, program_id: &str) -> ApiResult<String> {
    let sub =
        referenced::<sub_process::Entity>(&state.db, "sub_process_id", "sub-process", raw).await?;
    if sub.program_id != program_id {
        return Err(Invalid::from(FieldError::new(
            "sub_process_id",
            "the sub-process belongs to another program",
        ))
        .into());
    }
    Ok(sub.id)
}

async fn ensure_unique(
    state: &AppState,
    program_id: &str,
    provider: &str,
    customer: &str,
    delivers: &str,
    except: Option<&str>,
) -> ApiResult<()> {
    let mut select = relationship::Entity::find()
        .filter(relationship::Column::ProgramId.eq(program_id))
        .filter(relationship::Column::ProviderDepartmentId.eq(provider))
        .filter(relationship::Column::CustomerDepartmentId.eq(customer))
        .filter(relationship::Column::Delivers.eq(delivers));
    if let Some(id) = except {
        select = select.filter(relationship::Column::Id.ne(id));
    }
    if crate::db::unique(select, &state.db).await?.is_some() {
        return Err(ApiError::conflict(
            "this relationship already exists in the program",
            Some("delivers"),
        ));
    }
    Ok(())
}
