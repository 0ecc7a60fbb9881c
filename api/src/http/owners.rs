//! Sub-process owners: per sub-process, one row per responsible department, naming
//! the person who answers for it there.

use chrono::{DateTime, Utc};
use cxpm_domain::values::optional_text;
use cxpm_domain::{Action, FieldError, Target, authorize};
use poem::web::Data;
use poem_openapi::param::{Header, Path};
use poem_openapi::payload::Json;
use poem_openapi::types::MaybeUndefined;
use poem_openapi::{ApiResponse, Object, OpenApi};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};
use serde::Deserialize;

use crate::app::AppState;
use crate::auth::BearerAuth;
use crate::db::{department, new_id, owner, person, sub_process, versioned};
use crate::error::{ApiError, ApiResult};
use crate::http::ApiTags;
use crate::http::body::Body;
use crate::http::common::{etag, expected_version, load, referenced};
use crate::http::programs::{Deleted, active_person};

/// One department's responsibility for a sub-process, and who answers for it.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct Owner {
    pub id: String,
    pub program_id: String,
    pub sub_process_id: String,
    pub department_id: String,
    /// The person named by the department; `null` until named.
    pub person_id: Option<String>,
    pub responsibility: String,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<owner::Model> for Owner {
    fn from(m: owner::Model) -> Self {
        Self {
            id: m.id,
            program_id: m.program_id,
            sub_process_id: m.sub_process_id,
            department_id: m.department_id,
            person_id: m.person_id,
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
    pub department_id: String,
    /// A member of that department.
    pub person_id: Option<String>,
    #[oai(validator(min_length = 1, max_length = 2000))]
    pub responsibility: String,
}

/// Only the fields to change. A department head may change `person_id` on their own
/// department's rows; everything else is the coordinator's.
#[derive(Debug, Object, Deserialize)]
#[oai(skip_serializing_if_is_none)]
#[oai(deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct OwnerPatch {
    #[serde(default)]
    pub person_id: MaybeUndefined<String>,
    #[oai(validator(min_length = 1, max_length = 2000))]
    pub responsibility: Option<String>,
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct OwnerList {
    pub items: Vec<Owner>,
}

#[derive(ApiResponse)]
pub enum OwnerResponse {
    #[oai(status = 200)]
    Ok(Json<Owner>, #[oai(header = "ETag")] String),
    #[oai(status = 201)]
    Created(Json<Owner>, #[oai(header = "ETag")] String),
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
        id: Path<String>,
        body: Body<NewOwner>,
    ) -> ApiResult<OwnerResponse> {
        let actor = &auth.0.actor;
        authorize(actor, Action::ManageOwners, Target::Anything)?;
        let sub = load::<sub_process::Entity>(&state.db, "sub_process", &id).await?;
        let b = body.0;
        let responsibility = required_text("responsibility", &b.responsibility)?;
        let dept = referenced::<department::Entity>(
            &state.db,
            "department_id",
            "department",
            &b.department_id,
        )
        .await?;
        let person_id = match &b.person_id {
            Some(raw) => Some(member_of(&state.db, "person_id", raw, &dept.id).await?.id),
            None => None,
        };
        let taken = crate::db::unique(
            owner::Entity::find()
                .filter(owner::Column::SubProcessId.eq(&sub.id))
                .filter(owner::Column::DepartmentId.eq(&dept.id)),
            &state.db,
        )
        .await?;
        if taken.is_some() {
            return Err(ApiError::conflict(
                "this department already has a row for this sub-process; change that row instead",
                Some("department_id"),
            ));
        }
        let now = state.now();
        let model = owner::Model {
            id: new_id(),
            program_id: sub.program_id,
            sub_process_id: sub.id,
            department_id: dept.id,
            person_id,
            responsibility,
            version: 1,
            created_at: now,
            updated_at: now,
        };
        versioned::create::<owner::Entity>(&state.db, &actor.person_id, &model).await?;
        let tag = etag(model.version);
        Ok(OwnerResponse::Created(Json(model.into()), tag))
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
        id: Path<String>,
    ) -> ApiResult<Json<OwnerList>> {
        authorize(&auth.0.actor, Action::ReadPrograms, Target::Anything)?;
        let sub = load::<sub_process::Entity>(&state.read, "sub_process", &id).await?;
        let rows = owner::Entity::find()
            .filter(owner::Column::SubProcessId.eq(&sub.id))
            .order_by_asc(owner::Column::Id)
            .all(&state.read)
            .await?;
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
        id: Path<String>,
    ) -> ApiResult<OwnerResponse> {
        authorize(&auth.0.actor, Action::ReadPrograms, Target::Anything)?;
        let model = load::<owner::Entity>(&state.read, "owner", &id).await?;
        let tag = etag(model.version);
        Ok(OwnerResponse::Ok(Json(model.into()), tag))
    }

    /// Name the person or change the responsibility of an owner row
    #[oai(path = "/owners/:id", method = "patch", operation_id = "update_owner")]
    async fn update(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<String>,
        /// The ETag of the version the change is based on.
        #[oai(name = "If-Match")]
        if_match: Header<Option<String>>,
        body: Body<OwnerPatch>,
    ) -> ApiResult<OwnerResponse> {
        let actor = &auth.0.actor;
        let before = load::<owner::Entity>(&state.db, "owner", &id).await?;
        let p = body.0;
        if p.responsibility.is_some() {
            authorize(actor, Action::ManageOwners, Target::Anything)?;
        }
        authorize(
            actor,
            Action::NameOwner,
            Target::Department(Some(&before.department_id)),
        )?;
        expected_version(if_match.0.as_deref(), before.version)?;
        let mut after = before.clone();
        if let Some(text) = &p.responsibility {
            after.responsibility = required_text("responsibility", text)?;
        }
        match p.person_id {
            MaybeUndefined::Undefined => {}
            MaybeUndefined::Null => after.person_id = None,
            MaybeUndefined::Value(raw) => {
                after.person_id = Some(
                    member_of(&state.db, "person_id", &raw, &before.department_id)
                        .await?
                        .id,
                )
            }
        }
        let after =
            versioned::update::<owner::Entity>(&state.db, &actor.person_id, &before, after).await?;
        let tag = etag(after.version);
        Ok(OwnerResponse::Ok(Json(after.into()), tag))
    }

    /// Remove an owner row
    #[oai(path = "/owners/:id", method = "delete", operation_id = "delete_owner")]
    async fn delete(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<String>,
        /// The ETag of the version the removal is based on.
        #[oai(name = "If-Match")]
        if_match: Header<Option<String>>,
    ) -> ApiResult<Deleted> {
        let actor = &auth.0.actor;
        authorize(actor, Action::ManageOwners, Target::Anything)?;
        let before = load::<owner::Entity>(&state.db, "owner", &id).await?;
        expected_version(if_match.0.as_deref(), before.version)?;
        versioned::delete::<owner::Entity>(&state.db, &actor.person_id, &before).await?;
        Ok(Deleted::NoContent)
    }
}

/// Trimmed, non-empty text.
pub fn required_text(field: &str, raw: &str) -> ApiResult<String> {
    optional_text(field, Some(raw), 2000)?
        .ok_or_else(|| FieldError::new(field, "must not be empty").into())
}

/// An active person of `department_id`, or 422 naming the field.
pub async fn member_of(
    db: &DatabaseConnection,
    field: &str,
    raw: &str,
    department_id: &str,
) -> ApiResult<person::Model> {
    let person = active_person(db, field, raw).await?;
    if person.department_id.as_deref() != Some(department_id) {
        return Err(FieldError::new(field, "the person does not belong to that department").into());
    }
    Ok(person)
}
