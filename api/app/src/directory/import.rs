//! Importing people from a CSV file: every line checked at once (its fields, the
//! department codes, the emails in the file and in the directory), then all of them
//! written in one transaction, each with its audit entry — or, on a dry run, none.

use std::collections::{HashMap, HashSet};

use cxpm_domain::values::{DepartmentCode, Email, Locale, Name, TimeZone};
use cxpm_domain::{Action, Actor, FieldError, Invalid, Role, Target, authorize};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use crate::directory::people;
use crate::store::audit::{self, Change};
use crate::store::{department, person};
use crate::{AppError, AppResult, Ctx};

/// The most rows one import takes; larger files are split by the client.
pub const MAX_IMPORT_ROWS: usize = 10_000;

/// The columns an import must have.
pub const REQUIRED_COLUMNS: [&str; 3] = ["name", "email", "role"];

/// Every column an import reads, in the order of the documentation.
pub const IMPORT_COLUMNS: [&str; 6] = [
    "name",
    "email",
    "department_code",
    "role",
    "locale",
    "time_zone",
];

/// How to import.
#[derive(Debug, Clone, Copy, Default)]
pub struct ImportOptions {
    /// Only check the file; write nothing.
    pub dry_run: bool,
}

/// The outcome of an import that passed validation.
#[derive(Debug, Clone)]
pub struct Imported {
    /// `true`: nothing was written.
    pub dry_run: bool,
    /// The number of people in the file.
    pub rows: u32,
    /// The people created (empty on a dry run).
    pub created: Vec<person::Model>,
}

/// Why an import wrote nothing.
#[derive(Debug, Clone)]
pub enum ImportError {
    /// The header row could not be read at all.
    Unreadable(String),
    /// The header names a column this import does not read, names one twice, or
    /// lacks a required one: `detail` says which columns it reads.
    Header { detail: String, problems: Invalid },
    /// Anything else, as every use case says it (every bad line at once: `Invalid`).
    Refused(AppError),
}

impl From<AppError> for ImportError {
    fn from(e: AppError) -> Self {
        Self::Refused(e)
    }
}

impl From<sea_orm::DbErr> for ImportError {
    fn from(e: sea_orm::DbErr) -> Self {
        Self::Refused(e.into())
    }
}

impl From<Invalid> for ImportError {
    fn from(e: Invalid) -> Self {
        Self::Refused(e.into())
    }
}

impl From<FieldError> for ImportError {
    fn from(e: FieldError) -> Self {
        Self::Refused(e.into())
    }
}

/// One valid line of an import file.
#[derive(Debug, Clone)]
pub struct ImportRow {
    pub line: u64,
    pub name: Name,
    pub email: Email,
    pub department_code: Option<String>,
    pub role: Role,
    pub locale: Locale,
    pub time_zone: TimeZone,
}

/// Imports the people of `text` (UTF-8 CSV, a header row first): all or nothing.
pub async fn import(
    ctx: &Ctx,
    actor: &Actor,
    text: &str,
    options: ImportOptions,
) -> Result<Imported, ImportError> {
    authorize(actor, Action::ManagePeople, Target::Anything).map_err(AppError::from)?;
    let rows = parse(text)?;
    let departments = department_ids(&ctx.db, &rows).await?;
    check_against_directory(&ctx.db, &rows, &departments).await?;
    let count = rows.len() as u32;
    if options.dry_run {
        return Ok(Imported {
            dry_run: true,
            rows: count,
            created: vec![],
        });
    }
    let now = ctx.now();
    let models: Vec<person::Model> = rows
        .into_iter()
        .map(|row| {
            let department_id = row
                .department_code
                .and_then(|c| departments.get(&c).cloned());
            people::new_person(
                row.name,
                row.email,
                department_id,
                row.role,
                row.locale,
                &row.time_zone,
                now,
            )
        })
        .collect();
    let txn = crate::store::begin(&ctx.db).await?;
    for model in &models {
        person::Entity::insert(person::ActiveModel::from(model.clone()))
            .exec_without_returning(&txn)
            .await
            .map_err(duplicate_email)?;
        audit::record(
            &txn,
            Some(&actor.person_id),
            now,
            "person",
            &model.id,
            Change::Import,
            None::<&()>,
            Some(model),
        )
        .await?;
    }
    txn.commit().await?;
    Ok(Imported {
        dry_run: false,
        rows: count,
        created: models,
    })
}

/// The ids of the departments the rows name, by code, in one query.
async fn department_ids(
    db: &impl ConnectionTrait,
    rows: &[ImportRow],
) -> AppResult<HashMap<String, String>> {
    let codes: HashSet<&str> = rows
        .iter()
        .filter_map(|r| r.department_code.as_deref())
        .collect();
    if codes.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(department::Entity::find()
        .filter(department::Column::Code.is_in(codes.iter().copied()))
        .all(db)
        .await?
        .into_iter()
        .map(|d| (d.code, d.id))
        .collect())
}

/// Every unknown department code and every email a person already has, at once.
async fn check_against_directory(
    db: &impl ConnectionTrait,
    rows: &[ImportRow],
    departments: &HashMap<String, String>,
) -> AppResult<()> {
    let emails: Vec<&str> = rows.iter().map(|r| r.email.as_str()).collect();
    let mut taken: HashSet<String> = HashSet::new();
    for chunk in emails.chunks(500) {
        taken.extend(
            person::Entity::find()
                .filter(person::Column::Email.is_in(chunk.iter().copied()))
                .all(db)
                .await?
                .into_iter()
                .map(|p| p.email),
        );
    }
    let mut problems = Vec::new();
    for row in rows {
        if let Some(code) = &row.department_code
            && !departments.contains_key(code)
        {
            problems.push(FieldError::new(
                format!("line {}: department_code", row.line),
                format!("no department with code `{code}`"),
            ));
        }
        if taken.contains(row.email.as_str()) {
            problems.push(FieldError::new(
                format!("line {}: email", row.line),
                format!(
                    "a person with email `{}` already exists",
                    row.email.as_str()
                ),
            ));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(Invalid(problems).into())
    }
}

/// Two imports taking one email at once: the unique index refuses the second.
fn duplicate_email(e: sea_orm::DbErr) -> AppError {
    match e.sql_err() {
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => people::email_taken(),
        _ => e.into(),
    }
}

/// Checks the header: every column one this import reads, none twice, the required
/// ones there.
fn check_header(headers: &csv::StringRecord) -> Result<(), ImportError> {
    let accepted = format!(
        "the columns are {} ({} required)",
        IMPORT_COLUMNS.join(", "),
        REQUIRED_COLUMNS.join(", ")
    );
    // Every column of the header must be one this import reads: a `department`
    // column passed silently used to import everyone without a department.
    let mut problems = Invalid::default();
    for (i, h) in headers.iter().enumerate() {
        let known = IMPORT_COLUMNS.iter().any(|c| c.eq_ignore_ascii_case(h));
        if !known {
            problems.push(FieldError::new(
                format!("line 1: {h}"),
                format!("unknown column `{h}`; {accepted}"),
            ));
        } else if headers.iter().take(i).any(|e| e.eq_ignore_ascii_case(h)) {
            problems.push(FieldError::new(
                format!("line 1: {h}"),
                format!("the column `{h}` appears twice"),
            ));
        }
    }
    for c in REQUIRED_COLUMNS {
        if !headers.iter().any(|h| h.eq_ignore_ascii_case(c)) {
            problems.push(FieldError::new(
                format!("line 1: {c}"),
                format!("the header has no `{c}` column; {accepted}"),
            ));
        }
    }
    if problems.0.is_empty() {
        Ok(())
    } else {
        Err(ImportError::Header {
            detail: format!("the CSV header is not one this import reads: {accepted}"),
            problems,
        })
    }
}

/// Parses and validates every line, collecting every problem with its line number.
pub fn parse(text: &str) -> Result<Vec<ImportRow>, ImportError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| ImportError::Unreadable(format!("the CSV header could not be read: {e}")))?
        .clone();
    check_header(&headers)?;
    let position = |col: &str| headers.iter().position(|h| h.eq_ignore_ascii_case(col));
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
            return Err(FieldError::new(
                "body",
                format!("at most {MAX_IMPORT_ROWS} people per import"),
            )
            .into());
        }
        let cell = |name: &str| col(&record, name);
        if let Some(row) = parse_row(line, cell, &mut problems, &mut seen_emails) {
            rows.push(row);
        }
    }
    problems.into_result()?;
    if rows.is_empty() {
        return Err(FieldError::new("body", "the file has no people after its header").into());
    }
    Ok(rows)
}

/// One line's fields, each problem recorded in `problems` under the line's number.
fn parse_row(
    line: u64,
    cell: impl Fn(&str) -> String,
    problems: &mut Invalid,
    seen_emails: &mut HashMap<String, u64>,
) -> Option<ImportRow> {
    let at = |e: FieldError| {
        let field = format!("line {line}: {}", e.field);
        e.at(field)
    };
    let name = Name::parse(&cell("name")).map_err(at);
    let email = Email::parse(&cell("email")).map_err(at);
    let role = cell("role").parse::<Role>().map_err(at);
    let locale = match cell("locale").as_str() {
        "" => Ok(Locale::En),
        l => Locale::parse(l).map_err(at),
    };
    let time_zone = match cell("time_zone").as_str() {
        "" => Ok(TimeZone::default()),
        tz => TimeZone::parse(tz).map_err(at),
    };
    let department_code = match cell("department_code").as_str() {
        "" => Ok(None),
        code => DepartmentCode::parse(code)
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
    Some(ImportRow {
        line,
        name: name?,
        email: email?,
        department_code: department_code?,
        role: role?,
        locale: locale?,
        time_zone: time_zone?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_valid_file_parses_with_defaults_and_unicode_intact() {
        let rows = parse(
            "\u{feff}name,email,department_code,role,locale,time_zone\n张伟,zhang.wei@example.cn,plan,department_head,zh-CN,Asia/Shanghai\nJoão Conceição,joao@example.com.br,,member,,\n",
        )
        .map_err(|e| format!("{e:?}"))
        .unwrap_or_default();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].name.as_str(), "张伟");
        assert_eq!(rows[0].department_code.as_deref(), Some("PLAN"));
        assert_eq!(rows[1].name.as_str(), "João Conceição");
        assert_eq!(rows[1].locale, Locale::En);
        assert_eq!(rows[1].time_zone.as_str(), "UTC");
    }

    fn fields(result: Result<Vec<ImportRow>, ImportError>) -> Vec<String> {
        match result {
            Err(ImportError::Header { problems, .. })
            | Err(ImportError::Refused(AppError::Invalid(problems))) => {
                problems.0.into_iter().map(|e| e.field).collect()
            }
            other => panic!("expected 422, got {:?}", other.map(|r| r.len())),
        }
    }

    #[test]
    fn every_bad_line_is_reported_with_its_number() {
        let got = fields(parse(
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
            fields(parse("name,mail\nA,a@example.com\n")),
            ["line 1: mail", "line 1: email", "line 1: role"]
        );
    }

    #[test]
    fn an_unknown_column_is_refused_by_name() {
        assert_eq!(
            fields(parse(
                "name,email,role,department\nA,a@example.com,member,QA\n"
            )),
            ["line 1: department"]
        );
    }
}
