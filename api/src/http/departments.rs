//! Departments: create, read, list, change, deactivate.

use crate::http::common::Id;
use crate::http::text;
use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use cxpm_app::directory::departments;
use cxpm_domain::maturity::Function;
use poem::web::Data;
use poem_openapi::param::{Header, Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::types::MaybeUndefined;
use poem_openapi::{Enum, Object, OpenApi};
use serde::{Deserialize, Serialize};

use crate::app::AppState;
use crate::error::{ApiError, ApiResult};
use crate::http::bearer::BearerAuth;
use crate::http::body::Body;
use crate::http::common::{
    self, SearchText, etag, location, page, parse_id, patch, search_pattern,
};
use crate::http::common::{ApiTags, Versioned};
use crate::http::names::translations;
use cxpm_app::store::department;

/// The business function a department serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, Deserialize, Serialize)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
#[oai(remote = "Function")]
pub enum FunctionName {
    Marketing,
    Sales,
    Service,
    It,
    Finance,
    Operations,
    Other,
}

/// A department of the organisation.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct Department {
    pub id: Id,
    pub name: String,
    /// The name in other languages, by locale tag (`en`, `zh-CN`, `pt-BR`); each
    /// reader is shown theirs, else `name`.
    pub name_translations: BTreeMap<String, String>,
    /// Unique short code, upper-case.
    pub code: String,
    pub parent_id: Option<Id>,
    /// The person who heads the department; a member of it.
    pub head_id: Option<Id>,
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
            id: m.id.into(),
            name_translations: translations(&m.name_translations),
            name: m.name,
            code: m.code,
            parent_id: m.parent_id.map(Into::into),
            head_id: m.head_id.map(Into::into),
            function: m.function.map(|f| FunctionName::from(f.0)),
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
    pub name: text::Name,
    /// The name in other languages, by locale tag.
    pub name_translations: Option<crate::http::common::Translations>,
    /// 1–32 ASCII letters, digits, `-` or `_`; unique regardless of case.
    pub code: text::Code,
    pub parent_id: Option<Id>,
    pub function: Option<FunctionName>,
}

/// Only the fields to change. `null` clears `parent_id` or `head_id`.
#[derive(Debug, Object, Deserialize)]
#[oai(skip_serializing_if_is_none)]
#[oai(deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct DepartmentPatch {
    pub name: Option<text::Name>,
    /// Replaces the names in other languages.
    pub name_translations: Option<crate::http::common::Translations>,
    pub code: Option<text::Code>,
    #[serde(default)]
    pub parent_id: MaybeUndefined<Id>,
    #[serde(default)]
    pub head_id: MaybeUndefined<Id>,
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
    pub next_cursor: Option<Id>,
}

/// A department and its ETag.
impl Versioned<Department> {
    fn ok(m: department::Model) -> Self {
        let tag = etag(m.version);
        Self::Ok(Json(m.into()), tag)
    }
    fn created(m: department::Model) -> Self {
        let (tag, at) = (etag(m.version), location("departments", &m.id));
        Self::Created(Json(m.into()), tag, at)
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
    ) -> ApiResult<Versioned<Department>> {
        let b = body.0;
        let new = departments::NewDepartment {
            name: b.name.into(),
            name_translations: b.name_translations.map(Into::into),
            code: b.code.into(),
            parent_id: b.parent_id.map(Into::into),
            function: b.function.map(Function::from),
        };
        let model = departments::create(&state, &auth.0.actor, new).await?;
        Ok(Versioned::<Department>::created(model))
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
        id: Path<crate::http::common::Id>,
    ) -> ApiResult<Versioned<Department>> {
        let model = departments::get(&state, &auth.0.actor, &id).await?;
        Ok(Versioned::<Department>::ok(model))
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
        parent_id: Query<Option<Id>>,
        /// Only active (`true`) or inactive (`false`) departments.
        active: Query<Option<bool>>,
        /// Case-insensitive search in name and code.
        q: Query<Option<SearchText>>,
        /// Page size, 1–200 (default 50).
        limit: Query<Option<crate::http::common::Limit>>,
        /// The `next_cursor` of the previous page.
        cursor: Query<Option<crate::http::common::Cursor>>,
    ) -> ApiResult<Json<DepartmentList>> {
        let page = page(limit.0, cursor.0)?;
        let filter = departments::DepartmentFilter {
            parent_id: match parent_id.0.as_deref() {
                Some(raw) => Some(
                    parse_id("parent_id", raw)
                        .map_err(|e| ApiError::bad_request(e.to_string(), vec![e.into()]))?,
                ),
                None => None,
            },
            active: active.0,
            pattern: search_pattern(q.0.as_ref())?,
        };
        let (rows, next_cursor) = departments::list(&state, &auth.0.actor, &filter, &page).await?;
        Ok(Json(DepartmentList {
            items: rows.into_iter().map(Department::from).collect(),
            next_cursor: next_cursor.map(Into::into),
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
        id: Path<crate::http::common::Id>,
        /// The ETag of the version the change is based on.
        #[oai(name = "If-Match")]
        if_match: Header<crate::http::common::IfMatch>,
        body: Body<DepartmentPatch>,
    ) -> ApiResult<Versioned<Department>> {
        let expected = common::if_match(Some(if_match.0.as_str()))?;
        let p = body.0;
        let change = departments::DepartmentChange {
            name: p.name.map(Into::into),
            name_translations: p.name_translations.map(Into::into),
            code: p.code.map(Into::into),
            parent_id: patch(p.parent_id.map_value(Into::into)),
            head_id: patch(p.head_id.map_value(Into::into)),
            function: patch(p.function).map(Function::from),
            active: p.active,
        };
        let after = departments::change(&state, &auth.0.actor, &id, &expected, change).await?;
        Ok(Versioned::<Department>::ok(after))
    }
}
