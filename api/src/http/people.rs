//! People: create, read, list, change, deactivate, and import from CSV.

use crate::http::common::Id;
use crate::http::text;
use chrono::{DateTime, Utc};
use cxpm_domain::Role;
use cxpm_domain::values::Locale;
use poem::web::Data;
use poem_openapi::param::{Header, Path, Query};
use poem_openapi::payload::{Binary, Json, PlainText};
use poem_openapi::types::MaybeUndefined;
use poem_openapi::{ApiRequest, Enum, Object, OpenApi};

use crate::app::AppState;
use crate::error::{ApiError, ApiResult, ProblemField};
use crate::http::bearer::BearerAuth;
use crate::http::body::Body;
use crate::http::common::{
    self, SearchText, etag, location, page, parse_id, patch, search_pattern,
};
use crate::http::common::{ApiTags, Made, TimeZoneName, Versioned};
use cxpm_app::directory::{import, people};
use cxpm_app::store::person;
use serde::Deserialize;

/// A person's organisation-wide role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, Deserialize)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
#[oai(remote = "Role")]
pub enum RoleName {
    Admin,
    Coordinator,
    DepartmentHead,
    Member,
    Executive,
}

/// The language of a person's mail and reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, Deserialize)]
#[oai(remote = "Locale")]
pub enum LocaleName {
    #[oai(rename = "en")]
    #[serde(rename = "en")]
    En,
    #[oai(rename = "zh-CN")]
    #[serde(rename = "zh-CN")]
    ZhCn,
    #[oai(rename = "pt-BR")]
    #[serde(rename = "pt-BR")]
    PtBr,
}

/// A person in the organisation.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct Person {
    pub id: Id,
    pub name: String,
    /// Unique, stored lower-case.
    pub email: String,
    pub department_id: Option<Id>,
    pub role: RoleName,
    pub locale: LocaleName,
    /// IANA time zone.
    pub time_zone: String,
    /// Deactivated people keep their history but cannot sign in.
    pub active: bool,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl TryFrom<person::Model> for Person {
    type Error = ApiError;

    fn try_from(m: person::Model) -> ApiResult<Self> {
        let role: Role = *m.role;
        let locale = Locale::parse(&m.locale)
            .map_err(|e| ApiError::internal(&format!("stored locale: {e}")))?;
        Ok(Self {
            id: m.id.into(),
            name: m.name,
            email: m.email,
            department_id: m.department_id.map(Into::into),
            role: role.into(),
            locale: locale.into(),
            time_zone: m.time_zone,
            active: m.active,
            version: m.version,
            created_at: m.created_at,
            updated_at: m.updated_at,
        })
    }
}

#[derive(Debug, Object, Deserialize)]
#[oai(skip_serializing_if_is_none)]
#[oai(deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct NewPerson {
    pub name: text::Name,
    pub email: text::Email,
    pub department_id: Option<Id>,
    pub role: RoleName,
    /// Default `en`.
    pub locale: Option<LocaleName>,
    /// IANA time zone; default `UTC`.
    pub time_zone: Option<TimeZoneName>,
}

/// Only the fields to change. `null` clears `department_id`.
#[derive(Debug, Object, Deserialize)]
#[oai(skip_serializing_if_is_none)]
#[oai(deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct PersonPatch {
    pub name: Option<text::Name>,
    pub email: Option<text::Email>,
    #[serde(default)]
    pub department_id: MaybeUndefined<Id>,
    pub role: Option<RoleName>,
    pub locale: Option<LocaleName>,
    pub time_zone: Option<TimeZoneName>,
    /// `false` deactivates the person: their tokens stop working, their history stays.
    pub active: Option<bool>,
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct PersonList {
    pub items: Vec<Person>,
    pub next_cursor: Option<Id>,
}

/// A one-time sign-in link for the pages, to hand to its person another way than
/// mail (for sites without mail).
#[derive(Debug, Object)]
pub struct SignInLink {
    /// Opens the pages as the person, once, within 15 minutes.
    pub url: String,
    pub expires_at: DateTime<Utc>,
}

/// A person and its ETag.
impl Versioned<Person> {
    fn ok(m: person::Model) -> ApiResult<Self> {
        let tag = etag(m.version);
        Ok(Self::Ok(Json(m.try_into()?), tag))
    }
    fn created(m: person::Model) -> ApiResult<Self> {
        let (tag, at) = (etag(m.version), location("people", &m.id));
        Ok(Self::Created(Json(m.try_into()?), tag, at))
    }
}

/// A CSV file of people: a header row, then one person per line.
#[derive(ApiRequest)]
pub enum PeopleCsv {
    /// A header row, then one person per line. UTF-8, with or without a byte-order
    /// mark; columns in any order, names case-insensitive:
    /// - `name` (required): 1–200 characters.
    /// - `email` (required): an email address, unique among people and in the file.
    /// - `role` (required): `admin`, `coordinator`, `department_head`, `member` or
    ///   `executive`.
    /// - `department_code` (optional): the code of an existing department (`PLAN`,
    ///   `QA-2`); empty: no department.
    /// - `locale` (optional): `en`, `zh-CN` or `pt-BR`; empty: `en`.
    /// - `time_zone` (optional): an IANA zone (`Asia/Shanghai`); empty: `UTC`.
    ///
    /// Any other column (`department`, `dept`, `department_id`) is a 422 naming it,
    /// on the dry run too. A cell written as `'=…` (how cxpm's own CSV files write a
    /// cell a spreadsheet would run as a formula) is read without its `'`.
    #[oai(content_type = "text/csv")]
    Csv(PlainText<String>),
    /// The same columns as an Excel workbook: its first sheet, the header in the first
    /// row; problems are named by the sheet's row numbers.
    #[oai(content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")]
    Xlsx(Binary<Vec<u8>>),
}

/// The outcome of an import that passed validation.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct ImportResult {
    /// `true`: nothing was written.
    pub dry_run: bool,
    /// The number of people in the file.
    pub rows: u32,
    /// The people created (empty on a dry run).
    pub created: Vec<Person>,
}

#[derive(Default)]
pub struct PeopleApi;

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::People")]
impl PeopleApi {
    /// Create a person
    #[oai(path = "/people", method = "post", operation_id = "create_person")]
    async fn create(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        body: Body<NewPerson>,
    ) -> ApiResult<Versioned<Person>> {
        let b = body.0;
        let new = people::NewPerson {
            name: b.name.into(),
            email: b.email.into(),
            department_id: b.department_id.map(Into::into),
            role: b.role.into(),
            locale: b.locale.unwrap_or(LocaleName::En).into(),
            time_zone: b.time_zone.map(|z| z.0),
        };
        Versioned::<Person>::created(people::create(&state, &auth.0.actor, new).await?)
    }

    /// Get a person
    #[oai(path = "/people/:id", method = "get", operation_id = "get_person")]
    async fn get(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<crate::http::common::Id>,
    ) -> ApiResult<Versioned<Person>> {
        Versioned::<Person>::ok(people::get(&state, &auth.0.actor, &id).await?)
    }

    /// Get the calling person
    #[oai(path = "/me", method = "get", operation_id = "get_me")]
    async fn me(&self, state: Data<&AppState>, auth: BearerAuth) -> ApiResult<Versioned<Person>> {
        Versioned::<Person>::ok(people::me(&state, &auth.0.actor).await?)
    }

    /// List people
    ///
    /// Ordered by creation. Filters combine with AND.
    #[oai(path = "/people", method = "get", operation_id = "list_people")]
    #[allow(clippy::too_many_arguments)]
    async fn list(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        /// Only people of this department.
        department_id: Query<Option<Id>>,
        /// Only people with this role.
        role: Query<Option<RoleName>>,
        /// Only active (`true`) or deactivated (`false`) people.
        active: Query<Option<bool>>,
        /// Case-insensitive search in name and email.
        q: Query<Option<SearchText>>,
        /// Page size, 1–200 (default 50).
        limit: Query<Option<crate::http::common::Limit>>,
        /// The `next_cursor` of the previous page.
        cursor: Query<Option<crate::http::common::Cursor>>,
    ) -> ApiResult<Json<PersonList>> {
        let page = page(limit.0, cursor.0)?;
        let filter = people::PersonFilter {
            department_id: match department_id.0.as_deref() {
                Some(raw) => Some(
                    parse_id("department_id", raw)
                        .map_err(|e| ApiError::bad_request(e.to_string(), vec![e.into()]))?,
                ),
                None => None,
            },
            role: role.0.map(Role::from),
            active: active.0,
            pattern: search_pattern(q.0.as_ref())?,
        };
        let (rows, next_cursor) = people::list(&state, &auth.0.actor, &filter, &page).await?;
        Ok(Json(PersonList {
            items: rows
                .into_iter()
                .map(Person::try_from)
                .collect::<ApiResult<_>>()?,
            next_cursor: next_cursor.map(Into::into),
        }))
    }

    /// Change a person
    ///
    /// Send only the fields to change, with `If-Match` set to the ETag you read.
    /// `"active": false` deactivates the person; people are never deleted.
    #[oai(path = "/people/:id", method = "patch", operation_id = "update_person")]
    async fn update(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<crate::http::common::Id>,
        /// The ETag of the version the change is based on.
        #[oai(name = "If-Match")]
        if_match: Header<crate::http::common::IfMatch>,
        body: Body<PersonPatch>,
    ) -> ApiResult<Versioned<Person>> {
        let expected = common::if_match(Some(if_match.0.as_str()))?;
        let p = body.0;
        let change = people::PersonChange {
            name: p.name.map(Into::into),
            email: p.email.map(Into::into),
            department_id: patch(p.department_id.map_value(Into::into)),
            role: p.role.map(Role::from),
            locale: p.locale.map(Locale::from),
            time_zone: p.time_zone.map(|z| z.0),
            active: p.active,
        };
        let after = people::change(&state, &auth.0.actor, &id, &expected, change).await?;
        // A change of role, department or status changes what their tokens may do.
        state.tokens.forget_person(&after.id);
        Versioned::<Person>::ok(after)
    }

    /// Make a one-time sign-in link for a person
    ///
    /// For sites without mail: an admin hands the link over another way. It works
    /// once, within 15 minutes; the person must be active.
    #[oai(
        path = "/people/:id/sign-in-links",
        method = "post",
        operation_id = "create_sign_in_link"
    )]
    async fn sign_in_link(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<crate::http::common::Id>,
    ) -> ApiResult<Made<SignInLink>> {
        use cxpm_app::directory::sign_in;
        let url = sign_in::make_link(&state, Some(&auth.0.actor), &id, None, false).await?;
        let expires_at = state.now() + sign_in::LINK_TTL;
        Ok(Made::Created(Json(SignInLink { url, expires_at }), None))
    }

    /// Import people from CSV or xlsx
    ///
    /// All or nothing: if any line is invalid, nothing is written and the 422 lists
    /// every problem by line number. With `dry_run=true` the file is only checked.
    #[oai(
        path = "/people/import",
        method = "post",
        operation_id = "import_people"
    )]
    async fn import(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        /// Only validate; write nothing.
        dry_run: Query<Option<bool>>,
        body: PeopleCsv,
    ) -> ApiResult<Json<ImportResult>> {
        let text = match body {
            PeopleCsv::Csv(PlainText(text)) => text,
            PeopleCsv::Xlsx(Binary(bytes)) => crate::http::sheets::first_sheet_as_csv(&bytes)
                .map_err(|detail| ApiError::bad_request(detail, vec![]))?,
        };
        let options = import::ImportOptions {
            dry_run: dry_run.0.unwrap_or(false),
        };
        let imported = import::import(&state, &auth.0.actor, &text, options)
            .await
            .map_err(import_error)?;
        Ok(Json(ImportResult {
            dry_run: imported.dry_run,
            rows: imported.rows,
            created: imported
                .created
                .into_iter()
                .map(Person::try_from)
                .collect::<ApiResult<_>>()?,
        }))
    }
}

/// An import's refusal as the API answers it: an unreadable header is a 400, a
/// header with the wrong columns a 422 saying which columns the import reads.
fn import_error(e: import::ImportError) -> ApiError {
    match e {
        import::ImportError::Unreadable(detail) => ApiError::bad_request(detail, vec![]),
        import::ImportError::Header { detail, problems } => {
            ApiError::Unprocessable(Json(crate::error::Problem {
                kind: "about:blank".into(),
                title: "Unprocessable Entity".into(),
                status: 422,
                detail,
                errors: problems.0.into_iter().map(ProblemField::from).collect(),
            }))
        }
        import::ImportError::Refused(e) => e.into(),
    }
}
