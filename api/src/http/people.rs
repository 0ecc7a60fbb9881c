//! People: create, read, list, change, deactivate, and import from CSV.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use cxpm_domain::values::{Email, Locale, Name, TimeZone};
use cxpm_domain::{Action, FieldError, Invalid, Role, Target, authorize};
use poem::web::Data;
use poem_openapi::param::{Header, Path, Query};
use poem_openapi::payload::{Json, PlainText};
use poem_openapi::types::MaybeUndefined;
use poem_openapi::{ApiRequest, ApiResponse, Enum, Object, OpenApi};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, TransactionTrait};

use crate::app::AppState;
use crate::audit::{self, Change};
use crate::auth::BearerAuth;
use crate::db::{department, new_id, person};
use crate::error::{ApiError, ApiResult, ProblemField};
use crate::http::ApiTags;
use crate::http::body::Body;
use crate::http::common::{self, etag, page, parse_id, patch, search_pattern};
use cxpm_app::directory::people;
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
    pub id: String,
    pub name: String,
    /// Unique, stored lower-case.
    pub email: String,
    pub department_id: Option<String>,
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
        let role: Role = m
            .role
            .parse()
            .map_err(|e| ApiError::internal(&format!("stored role: {e}")))?;
        let locale = Locale::parse(&m.locale)
            .map_err(|e| ApiError::internal(&format!("stored locale: {e}")))?;
        Ok(Self {
            id: m.id,
            name: m.name,
            email: m.email,
            department_id: m.department_id,
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
    #[oai(validator(min_length = 1, max_length = 200))]
    pub name: String,
    #[oai(validator(min_length = 3, max_length = 254))]
    pub email: String,
    pub department_id: Option<String>,
    pub role: RoleName,
    /// Default `en`.
    pub locale: Option<LocaleName>,
    /// IANA time zone; default `UTC`.
    #[oai(validator(max_length = 64))]
    pub time_zone: Option<String>,
}

/// Only the fields to change. `null` clears `department_id`.
#[derive(Debug, Object, Deserialize)]
#[oai(skip_serializing_if_is_none)]
#[oai(deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct PersonPatch {
    #[oai(validator(min_length = 1, max_length = 200))]
    pub name: Option<String>,
    #[oai(validator(min_length = 3, max_length = 254))]
    pub email: Option<String>,
    #[serde(default)]
    pub department_id: MaybeUndefined<String>,
    pub role: Option<RoleName>,
    pub locale: Option<LocaleName>,
    #[oai(validator(max_length = 64))]
    pub time_zone: Option<String>,
    /// `false` deactivates the person: their tokens stop working, their history stays.
    pub active: Option<bool>,
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct PersonList {
    pub items: Vec<Person>,
    pub next_cursor: Option<String>,
}

#[derive(ApiResponse)]
pub enum PersonResponse {
    #[oai(status = 200)]
    Ok(Json<Person>, #[oai(header = "ETag")] String),
    #[oai(status = 201)]
    Created(Json<Person>, #[oai(header = "ETag")] String),
}

impl PersonResponse {
    fn ok(m: person::Model) -> ApiResult<Self> {
        let tag = etag(m.version);
        Ok(Self::Ok(Json(m.try_into()?), tag))
    }
    fn created(m: person::Model) -> ApiResult<Self> {
        let tag = etag(m.version);
        Ok(Self::Created(Json(m.try_into()?), tag))
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

/// The most rows one import takes; larger files are split by the client.
pub const MAX_IMPORT_ROWS: usize = 10_000;

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
    ) -> ApiResult<PersonResponse> {
        let b = body.0;
        let new = people::NewPerson {
            name: b.name,
            email: b.email,
            department_id: b.department_id,
            role: b.role.into(),
            locale: b.locale.unwrap_or(LocaleName::En).into(),
            time_zone: b.time_zone,
        };
        PersonResponse::created(people::create(&state, &auth.0.actor, new).await?)
    }

    /// Get a person
    #[oai(path = "/people/:id", method = "get", operation_id = "get_person")]
    async fn get(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<String>,
    ) -> ApiResult<PersonResponse> {
        PersonResponse::ok(people::get(&state, &auth.0.actor, &id).await?)
    }

    /// Get the calling person
    #[oai(path = "/me", method = "get", operation_id = "get_me")]
    async fn me(&self, state: Data<&AppState>, auth: BearerAuth) -> ApiResult<PersonResponse> {
        PersonResponse::ok(people::me(&state, &auth.0.actor).await?)
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
        department_id: Query<Option<String>>,
        /// Only people with this role.
        role: Query<Option<RoleName>>,
        /// Only active (`true`) or deactivated (`false`) people.
        active: Query<Option<bool>>,
        /// Case-insensitive search in name and email.
        q: Query<Option<String>>,
        /// Page size, 1–200 (default 50).
        limit: Query<Option<u64>>,
        /// The `next_cursor` of the previous page.
        cursor: Query<Option<String>>,
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
            pattern: search_pattern(q.0.as_deref())?,
        };
        let (rows, next_cursor) = people::list(&state, &auth.0.actor, &filter, &page).await?;
        Ok(Json(PersonList {
            items: rows
                .into_iter()
                .map(Person::try_from)
                .collect::<ApiResult<_>>()?,
            next_cursor,
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
        id: Path<String>,
        /// The ETag of the version the change is based on.
        #[oai(name = "If-Match")]
        if_match: Header<Option<String>>,
        body: Body<PersonPatch>,
    ) -> ApiResult<PersonResponse> {
        let expected = common::if_match(if_match.0.as_deref())?;
        let p = body.0;
        let change = people::PersonChange {
            name: p.name,
            email: p.email,
            department_id: patch(p.department_id),
            role: p.role.map(Role::from),
            locale: p.locale.map(Locale::from),
            time_zone: p.time_zone,
            active: p.active,
        };
        let after = people::change(&state, &auth.0.actor, &id, &expected, change).await?;
        // A change of role, department or status changes what their tokens may do.
        state.tokens.forget_person(&after.id);
        PersonResponse::ok(after)
    }

    /// Import people from CSV
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
        let actor = &auth.0.actor;
        authorize(actor, Action::ManagePeople, Target::Anything)?;
        let dry_run = dry_run.0.unwrap_or(false);
        let PeopleCsv::Csv(PlainText(text)) = body;
        let rows = parse_people_csv(&text)?;

        // Resolve department codes and existing emails in two queries, not one per row.
        let codes: HashSet<&str> = rows
            .iter()
            .filter_map(|r| r.department_code.as_deref())
            .collect();
        let departments: HashMap<String, String> = if codes.is_empty() {
            HashMap::new()
        } else {
            department::Entity::find()
                .filter(department::Column::Code.is_in(codes.iter().copied()))
                .all(&state.db)
                .await?
                .into_iter()
                .map(|d| (d.code, d.id))
                .collect()
        };
        let emails: Vec<&str> = rows.iter().map(|r| r.email.as_str()).collect();
        let mut taken: HashSet<String> = HashSet::new();
        for chunk in emails.chunks(500) {
            taken.extend(
                person::Entity::find()
                    .filter(person::Column::Email.is_in(chunk.iter().copied()))
                    .all(&state.db)
                    .await?
                    .into_iter()
                    .map(|p| p.email),
            );
        }
        let mut problems = Vec::new();
        for row in &rows {
            if let Some(code) = &row.department_code
                && !departments.contains_key(code)
            {
                problems.push(FieldError::new(
                    format!("line {}: department_code", row.line),
                    format!("no department with code `{code}`"),
                ));
            }
            if taken.contains(&row.email) {
                problems.push(FieldError::new(
                    format!("line {}: email", row.line),
                    format!("a person with email `{}` already exists", row.email),
                ));
            }
        }
        if !problems.is_empty() {
            return Err(Invalid(problems).into());
        }
        let count = rows.len() as u32;
        if dry_run {
            return Ok(Json(ImportResult {
                dry_run,
                rows: count,
                created: vec![],
            }));
        }

        let now = state.now();
        let models: Vec<person::Model> = rows
            .into_iter()
            .map(|row| person::Model {
                id: new_id(),
                name: row.name,
                email: row.email,
                department_id: row
                    .department_code
                    .and_then(|c| departments.get(&c).cloned()),
                role: row.role.as_str().to_owned(),
                locale: row.locale.as_str().to_owned(),
                time_zone: row.time_zone.as_str().to_owned(),
                active: true,
                version: 1,
                created_at: now,
                updated_at: now,
            })
            .collect();
        let txn = state.db.begin().await?;
        for model in &models {
            person::Entity::insert(person::ActiveModel::from(model.clone()))
                .exec_without_returning(&txn)
                .await
                .map_err(duplicate_email)?;
            audit::record(
                &txn,
                Some(&actor.person_id),
                "person",
                &model.id,
                Change::Import,
                None::<&()>,
                Some(model),
            )
            .await?;
        }
        txn.commit().await?;
        Ok(Json(ImportResult {
            dry_run,
            rows: count,
            created: models
                .into_iter()
                .map(Person::try_from)
                .collect::<ApiResult<_>>()?,
        }))
    }
}

/// One valid line of an import file.
struct ImportRow {
    line: u64,
    name: String,
    email: String,
    department_code: Option<String>,
    role: Role,
    locale: Locale,
    time_zone: TimeZone,
}

/// The columns an import must have.
const REQUIRED_COLUMNS: [&str; 3] = ["name", "email", "role"];

/// Every column an import reads, in the order of the documentation.
const IMPORT_COLUMNS: [&str; 6] = [
    "name",
    "email",
    "department_code",
    "role",
    "locale",
    "time_zone",
];

/// Parses and validates every line, collecting every problem with its line number.
fn parse_people_csv(text: &str) -> ApiResult<Vec<ImportRow>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| {
            ApiError::bad_request(format!("the CSV header could not be read: {e}"), vec![])
        })?
        .clone();
    let position = |col: &str| headers.iter().position(|h| h.eq_ignore_ascii_case(col));
    let accepted = format!(
        "the columns are {} ({} required)",
        IMPORT_COLUMNS.join(", "),
        REQUIRED_COLUMNS.join(", ")
    );
    // Every column of the header must be one this import reads: a `department`
    // column passed silently used to import everyone without a department.
    let mut problems: Vec<ProblemField> = Vec::new();
    for (i, h) in headers.iter().enumerate() {
        let known = IMPORT_COLUMNS.iter().any(|c| c.eq_ignore_ascii_case(h));
        if !known {
            problems.push(ProblemField {
                field: format!("line 1: {h}"),
                message: format!("unknown column `{h}`; {accepted}"),
            });
        } else if headers.iter().take(i).any(|e| e.eq_ignore_ascii_case(h)) {
            problems.push(ProblemField {
                field: format!("line 1: {h}"),
                message: format!("the column `{h}` appears twice"),
            });
        }
    }
    problems.extend(
        REQUIRED_COLUMNS
            .into_iter()
            .filter(|c| position(c).is_none())
            .map(|c| ProblemField {
                field: format!("line 1: {c}"),
                message: format!("the header has no `{c}` column; {accepted}"),
            }),
    );
    if !problems.is_empty() {
        return Err(ApiError::Unprocessable(poem_openapi::payload::Json(
            crate::error::Problem {
                kind: "about:blank".into(),
                title: "Unprocessable Entity".into(),
                status: 422,
                detail: format!("the CSV header is not one this import reads: {accepted}"),
                errors: problems,
            },
        )));
    }
    // A cell the product's own CSV export neutralised (`'=…`) reads back as it was.
    let col = |record: &csv::StringRecord, name: &str| -> String {
        position(name)
            .and_then(|i| record.get(i))
            .map(cxpm_domain::csv::restore)
            .unwrap_or("")
            .to_owned()
    };

    let mut rows = Vec::new();
    let mut problems = Invalid::default();
    let mut seen_emails: HashMap<String, u64> = HashMap::new();
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map(|p| p.line()).unwrap_or(0);
                problems.push(FieldError::new(format!("line {line}"), e.to_string()));
                continue;
            }
        };
        let line = record.position().map(|p| p.line()).unwrap_or(0);
        if record.iter().all(str::is_empty) {
            continue;
        }
        if rows.len() + problems.0.len() >= MAX_IMPORT_ROWS {
            return Err(ApiError::invalid(Invalid::from(FieldError::new(
                "body",
                format!("at most {MAX_IMPORT_ROWS} people per import"),
            ))));
        }
        let at = |e: FieldError| {
            let field = format!("line {line}: {}", e.field);
            e.at(field)
        };
        let name = Name::parse(&col(&record, "name")).map_err(at);
        let email = Email::parse(&col(&record, "email")).map_err(at);
        let role = col(&record, "role").parse::<Role>().map_err(at);
        let locale = match col(&record, "locale").as_str() {
            "" => Ok(Locale::En),
            l => Locale::parse(l).map_err(at),
        };
        let time_zone = match col(&record, "time_zone").as_str() {
            "" => Ok(TimeZone::default()),
            tz => TimeZone::parse(tz).map_err(at),
        };
        let department_code = match col(&record, "department_code").as_str() {
            "" => Ok(None),
            code => cxpm_domain::values::DepartmentCode::parse(code)
                .map(|c| Some(c.into_inner()))
                .map_err(|e| at(e.at("department_code"))),
        };
        let (name, email, role, locale, time_zone, department_code) = (
            problems.check(name),
            problems.check(email),
            problems.check(role),
            problems.check(locale),
            problems.check(time_zone),
            problems.check(department_code),
        );
        if let Some(email) = &email
            && let Some(first) = seen_emails.insert(email.as_str().to_owned(), line)
        {
            problems.push(FieldError::new(
                format!("line {line}: email"),
                format!("`{}` appears already on line {first}", email.as_str()),
            ));
        }
        if let (
            Some(name),
            Some(email),
            Some(role),
            Some(locale),
            Some(time_zone),
            Some(department_code),
        ) = (name, email, role, locale, time_zone, department_code)
        {
            rows.push(ImportRow {
                line,
                name: name.into_inner(),
                email: email.into_inner(),
                department_code,
                role,
                locale,
                time_zone,
            });
        }
    }
    problems.into_result()?;
    if rows.is_empty() {
        return Err(FieldError::new("body", "the file has no people after its header").into());
    }
    Ok(rows)
}

fn email_taken() -> ApiError {
    people::email_taken().into()
}

fn duplicate_email(e: sea_orm::DbErr) -> ApiError {
    match e.sql_err() {
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => email_taken(),
        _ => e.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_valid_file_parses_with_defaults_and_unicode_intact() {
        let rows = parse_people_csv(
            "\u{feff}name,email,department_code,role,locale,time_zone\n张伟,zhang.wei@example.cn,plan,department_head,zh-CN,Asia/Shanghai\nJoão Conceição,joao@example.com.br,,member,,\n",
        )
        .map_err(|e| format!("{e:?}"))
        .unwrap_or_default();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].name, "张伟");
        assert_eq!(rows[0].department_code.as_deref(), Some("PLAN"));
        assert_eq!(rows[1].name, "João Conceição");
        assert_eq!(rows[1].locale, Locale::En);
        assert_eq!(rows[1].time_zone.as_str(), "UTC");
    }

    fn fields(result: ApiResult<Vec<ImportRow>>) -> Vec<String> {
        match result {
            Err(ApiError::Unprocessable(p)) => p.0.errors.into_iter().map(|e| e.field).collect(),
            other => panic!("expected 422, got {:?}", other.map(|r| r.len())),
        }
    }

    #[test]
    fn every_bad_line_is_reported_with_its_number() {
        let got = fields(parse_people_csv(
            "name,email,role\nOk,ok@example.com,member\n,bad,owner\nDup,ok@example.com,member\n",
        ));
        assert_eq!(
            got,
            [
                "line 3: name",
                "line 3: email",
                "line 3: role",
                "line 4: email"
            ]
        );
    }

    #[test]
    fn a_header_without_required_columns_is_refused() {
        assert_eq!(
            fields(parse_people_csv("name,mail\nA,a@example.com\n")),
            ["line 1: mail", "line 1: email", "line 1: role"]
        );
    }

    #[test]
    fn an_unknown_column_is_refused_by_name() {
        assert_eq!(
            fields(parse_people_csv(
                "name,email,role,department\nA,a@example.com,member,QA\n"
            )),
            ["line 1: department"]
        );
    }
}
