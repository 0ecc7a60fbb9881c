//! Departments: create, read, list, change, deactivate.

use std::collections::BTreeMap;

use cxpm_domain::value_stream::parse_translations;

use crate::http::names::{rename, translations, translations_json};
use chrono::{DateTime, Utc};
use cxpm_domain::maturity::Function;
use cxpm_domain::values::{DepartmentCode, Name};
use cxpm_domain::{Action, Invalid, Target, authorize};
use poem::web::Data;
use poem_openapi::param::{Header, Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::types::MaybeUndefined;
use poem_openapi::{ApiResponse, Enum, Object, OpenApi};
use sea_orm::sea_query::{Expr, ExprTrait, Func, LikeExpr};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::app::AppState;
use crate::auth::BearerAuth;
use crate::db::{department, new_id, person, versioned};
use crate::error::{ApiError, ApiResult};
use crate::http::ApiTags;
use crate::http::body::Body;
use crate::http::common::{etag, expected_version, page, parse_id, path_id, search_pattern};
use serde::{Deserialize, Serialize};

/// The business function a department serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, Deserialize, Serialize)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum FunctionName {
    Marketing,
    Sales,
    Service,
    It,
    Finance,
    Operations,
    Other,
}

impl From<FunctionName> for Function {
    fn from(f: FunctionName) -> Self {
        match f {
            FunctionName::Marketing => Function::Marketing,
            FunctionName::Sales => Function::Sales,
            FunctionName::Service => Function::Service,
            FunctionName::It => Function::It,
            FunctionName::Finance => Function::Finance,
            FunctionName::Operations => Function::Operations,
            FunctionName::Other => Function::Other,
        }
    }
}

impl From<Function> for FunctionName {
    fn from(f: Function) -> Self {
        match f {
            Function::Marketing => FunctionName::Marketing,
            Function::Sales => FunctionName::Sales,
            Function::Service => FunctionName::Service,
            Function::It => FunctionName::It,
            Function::Finance => FunctionName::Finance,
            Function::Operations => FunctionName::Operations,
            Function::Other => FunctionName::Other,
        }
    }
}

/// A department of the organisation.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct Department {
    pub id: String,
    pub name: String,
    /// The name in other languages, by locale tag (`en`, `zh-CN`, `pt-BR`); each
    /// reader is shown theirs, else `name`.
    pub name_translations: BTreeMap<String, String>,
    /// Unique short code, upper-case.
    pub code: String,
    pub parent_id: Option<String>,
    /// The person who heads the department; a member of it.
    pub head_id: Option<String>,
    /// The business function it serves; decides the program's maturity phase.
    pub function: Option<FunctionName>,
    pub active: bool,
    /// Increases with every change; sent back as the ETag.
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<department::Model> for Department {
    fn from(m: department::Model) -> Self {
        Self {
            id: m.id,
            name_translations: translations(&m.name_translations),
            name: m.name,
            code: m.code,
            parent_id: m.parent_id,
            head_id: m.head_id,
            function: m
                .function
                .as_deref()
                .and_then(|f| f.parse::<Function>().ok())
                .map(FunctionName::from),
            active: m.active,
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
pub struct NewDepartment {
    /// 1–200 characters, any script.
    #[oai(validator(min_length = 1, max_length = 200))]
    pub name: String,
    /// The name in other languages, by locale tag.
    pub name_translations: Option<BTreeMap<String, String>>,
    /// 1–32 ASCII letters, digits, `-` or `_`; unique regardless of case.
    #[oai(validator(min_length = 1, max_length = 32))]
    pub code: String,
    pub parent_id: Option<String>,
    pub function: Option<FunctionName>,
}

/// Only the fields to change. `null` clears `parent_id` or `head_id`.
#[derive(Debug, Object, Deserialize)]
#[oai(skip_serializing_if_is_none)]
#[oai(deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct DepartmentPatch {
    #[oai(validator(min_length = 1, max_length = 200))]
    pub name: Option<String>,
    /// Replaces the names in other languages.
    pub name_translations: Option<BTreeMap<String, String>>,
    #[oai(validator(min_length = 1, max_length = 32))]
    pub code: Option<String>,
    #[serde(default)]
    pub parent_id: MaybeUndefined<String>,
    #[serde(default)]
    pub head_id: MaybeUndefined<String>,
    #[serde(default)]
    pub function: MaybeUndefined<FunctionName>,
    /// `false` deactivates the department; it stays in history.
    pub active: Option<bool>,
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct DepartmentList {
    pub items: Vec<Department>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

#[derive(ApiResponse)]
pub enum DepartmentResponse {
    #[oai(status = 200)]
    Ok(Json<Department>, #[oai(header = "ETag")] String),
    #[oai(status = 201)]
    Created(Json<Department>, #[oai(header = "ETag")] String),
}

impl DepartmentResponse {
    fn ok(m: department::Model) -> Self {
        let tag = etag(m.version);
        Self::Ok(Json(m.into()), tag)
    }
    fn created(m: department::Model) -> Self {
        let tag = etag(m.version);
        Self::Created(Json(m.into()), tag)
    }
}

#[derive(Default)]
pub struct DepartmentsApi;

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Departments")]
impl DepartmentsApi {
    /// Create a department
    #[oai(
        path = "/departments",
        method = "post",
        operation_id = "create_department"
    )]
    async fn create(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        body: Body<NewDepartment>,
    ) -> ApiResult<DepartmentResponse> {
        let actor = &auth.0.actor;
        authorize(actor, Action::ManageDepartments, Target::Anything)?;
        let body = body.0;
        let mut invalid = Invalid::default();
        let name = invalid.check(Name::parse(&body.name));
        let name_translations = match &body.name_translations {
            Some(raw) => invalid
                .check(parse_translations("name_translations", raw))
                .map(|m| translations_json(&m)),
            None => Some("{}".to_owned()),
        };
        let code = invalid.check(DepartmentCode::parse(&body.code));
        let parent_id = match body.parent_id.as_deref() {
            Some(raw) => invalid.check(parse_id("parent_id", raw)),
            None => None,
        };
        invalid.into_result()?;
        let (Some(name), Some(code), Some(name_translations)) = (name, code, name_translations)
        else {
            return Err(ApiError::internal(&"validated fields missing"));
        };
        if let Some(parent) = &parent_id {
            existing_department(&state, parent, "parent_id").await?;
        }
        ensure_code_free(&state, code.as_str(), None).await?;

        let now = state.now();
        let model = department::Model {
            id: new_id(),
            name: name.into_inner(),
            name_translations,
            code: code.into_inner(),
            parent_id,
            head_id: None,
            function: body.function.map(|f| Function::from(f).as_str().to_owned()),
            active: true,
            version: 1,
            created_at: now,
            updated_at: now,
        };
        versioned::create::<department::Entity>(&state.db, &actor.person_id, &model).await?;
        Ok(DepartmentResponse::created(model))
    }

    /// Get a department
    #[oai(
        path = "/departments/:id",
        method = "get",
        operation_id = "get_department"
    )]
    async fn get(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<String>,
    ) -> ApiResult<DepartmentResponse> {
        authorize(&auth.0.actor, Action::ReadDirectory, Target::Anything)?;
        let id = path_id("department", &id)?;
        let model = crate::db::unique(department::Entity::find_by_id(&id), &state.read)
            .await?
            .ok_or_else(|| ApiError::not_found("department", &id))?;
        Ok(DepartmentResponse::ok(model))
    }

    /// List departments
    ///
    /// Ordered by creation. Filters combine with AND.
    #[oai(
        path = "/departments",
        method = "get",
        operation_id = "list_departments"
    )]
    #[allow(clippy::too_many_arguments)]
    async fn list(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        /// Only departments under this parent.
        parent_id: Query<Option<String>>,
        /// Only active (`true`) or inactive (`false`) departments.
        active: Query<Option<bool>>,
        /// Case-insensitive search in name and code.
        q: Query<Option<String>>,
        /// Page size, 1–200 (default 50).
        limit: Query<Option<u64>>,
        /// The `next_cursor` of the previous page.
        cursor: Query<Option<String>>,
    ) -> ApiResult<Json<DepartmentList>> {
        authorize(&auth.0.actor, Action::ReadDirectory, Target::Anything)?;
        let page = page(limit.0, cursor.0)?;
        let mut select = department::Entity::find();
        if let Some(parent) = parent_id.0.as_deref() {
            let parent = parse_id("parent_id", parent)
                .map_err(|e| ApiError::bad_request(e.to_string(), vec![e.into()]))?;
            select = select.filter(department::Column::ParentId.eq(parent));
        }
        if let Some(active) = active.0 {
            select = select.filter(department::Column::Active.eq(active));
        }
        if let Some(pattern) = search_pattern(q.0.as_deref())? {
            select = select.filter(
                Expr::expr(Func::lower(Expr::col(department::Column::Name)))
                    .like(LikeExpr::new(pattern.clone()).escape('\\'))
                    .or(Expr::expr(Func::lower(Expr::col(department::Column::Code)))
                        .like(LikeExpr::new(pattern).escape('\\'))),
            );
        }
        let rows = page
            .apply(select, department::Column::Id)
            .all(&state.read)
            .await?;
        let (rows, next_cursor) = page.finish(rows, |r| &r.id);
        Ok(Json(DepartmentList {
            items: rows.into_iter().map(Department::from).collect(),
            next_cursor,
        }))
    }

    /// Change a department
    ///
    /// Send only the fields to change, with `If-Match` set to the ETag you read.
    /// `"active": false` deactivates it.
    #[oai(
        path = "/departments/:id",
        method = "patch",
        operation_id = "update_department"
    )]
    async fn update(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<String>,
        /// The ETag of the version the change is based on.
        #[oai(name = "If-Match")]
        if_match: Header<Option<String>>,
        body: Body<DepartmentPatch>,
    ) -> ApiResult<DepartmentResponse> {
        let actor = &auth.0.actor;
        authorize(actor, Action::ManageDepartments, Target::Anything)?;
        let id = path_id("department", &id)?;
        let before = crate::db::unique(department::Entity::find_by_id(&id), &state.db)
            .await?
            .ok_or_else(|| ApiError::not_found("department", &id))?;
        expected_version(if_match.0.as_deref(), before.version)?;

        let patch = body.0;
        let mut after = before.clone();
        let mut invalid = Invalid::default();
        rename(
            &mut invalid,
            patch.name.as_deref(),
            patch.name_translations.as_ref(),
            &mut after.name,
            &mut after.name_translations,
        );
        if let Some(code) = patch
            .code
            .as_deref()
            .and_then(|c| invalid.check(DepartmentCode::parse(c)))
        {
            after.code = code.into_inner();
        }
        match patch.parent_id {
            MaybeUndefined::Undefined => {}
            MaybeUndefined::Null => after.parent_id = None,
            MaybeUndefined::Value(raw) => {
                after.parent_id = invalid.check(parse_id("parent_id", &raw))
            }
        }
        match patch.head_id {
            MaybeUndefined::Undefined => {}
            MaybeUndefined::Null => after.head_id = None,
            MaybeUndefined::Value(raw) => after.head_id = invalid.check(parse_id("head_id", &raw)),
        }
        match patch.function {
            MaybeUndefined::Undefined => {}
            MaybeUndefined::Null => after.function = None,
            MaybeUndefined::Value(f) => {
                after.function = Some(Function::from(f).as_str().to_owned())
            }
        }
        if let Some(active) = patch.active {
            after.active = active;
        }
        invalid.into_result()?;

        if after.parent_id != before.parent_id
            && let Some(parent) = &after.parent_id
        {
            ensure_no_cycle(&state, &after.id, parent).await?;
        }
        if after.head_id != before.head_id
            && let Some(head) = &after.head_id
        {
            ensure_head_is_member(&state, &after.id, head).await?;
        }
        if after.code != before.code {
            ensure_code_free(&state, &after.code, Some(&after.id)).await?;
        }
        let after =
            versioned::update::<department::Entity>(&state.db, &actor.person_id, &before, after)
                .await?;
        Ok(DepartmentResponse::ok(after))
    }
}

/// The department `id`, or a 422 naming `field` when there is none.
pub async fn existing_department(
    state: &AppState,
    id: &str,
    field: &str,
) -> ApiResult<department::Model> {
    crate::db::unique(department::Entity::find_by_id(id), &state.db)
        .await?
        .ok_or_else(|| {
            cxpm_domain::FieldError::new(field, format!("no department with id `{id}`")).into()
        })
}

async fn ensure_code_free(state: &AppState, code: &str, except: Option<&str>) -> ApiResult<()> {
    let mut select = department::Entity::find().filter(department::Column::Code.eq(code));
    if let Some(id) = except {
        select = select.filter(department::Column::Id.ne(id));
    }
    if crate::db::unique(select, &state.db).await?.is_some() {
        return Err(code_taken());
    }
    Ok(())
}

fn code_taken() -> ApiError {
    ApiError::conflict("a department with this code already exists", Some("code"))
}

/// Walks up from `parent` and refuses a parent that is `id` itself or under it.
async fn ensure_no_cycle(state: &AppState, id: &str, parent: &str) -> ApiResult<()> {
    let mut current = Some(existing_department(state, parent, "parent_id").await?);
    let mut hops = 0;
    while let Some(dept) = current {
        if dept.id == id {
            return Err(cxpm_domain::FieldError::new(
                "parent_id",
                "a department cannot sit under itself or under one of its own sub-departments",
            )
            .into());
        }
        hops += 1;
        if hops > 64 {
            return Err(cxpm_domain::FieldError::new(
                "parent_id",
                "the department tree is deeper than 64 levels",
            )
            .into());
        }
        current = match dept.parent_id {
            Some(p) => crate::db::unique(department::Entity::find_by_id(&p), &state.db).await?,
            None => None,
        };
    }
    Ok(())
}

async fn ensure_head_is_member(
    state: &AppState,
    department_id: &str,
    head_id: &str,
) -> ApiResult<()> {
    let head = crate::db::unique(person::Entity::find_by_id(head_id), &state.db)
        .await?
        .ok_or_else(|| {
            cxpm_domain::FieldError::new("head_id", format!("no person with id `{head_id}`"))
        })?;
    if !head.active {
        return Err(cxpm_domain::FieldError::new("head_id", "the person is deactivated").into());
    }
    if head.department_id.as_deref() != Some(department_id) {
        return Err(cxpm_domain::FieldError::new(
            "head_id",
            "the head must be a member of the department",
        )
        .into());
    }
    Ok(())
}
