//! Importing people from a CSV file or an Excel workbook (issue 17, item 10): the file
//! is first only checked — a table shows every row as read and its problems beside
//! it, by the file's own line (or the sheet's row) numbers — and nothing is written
//! until the admin confirms a file without problems. A workbook's first sheet reads
//! like the CSV file (`calamine`, the same as the API).

use std::collections::BTreeMap;

use askama::Template;
use cxpm_app::AppError;
use cxpm_app::directory::import::{self, ImportError, ImportOptions};
use poem::http::StatusCode;
use poem::web::{Data, Form, Multipart};
use poem::{Request, handler};
use serde::Deserialize;

use crate::app::AppState;
use crate::http::sheets::first_sheet_as_csv;
use crate::web::messages;
use crate::web::render::{Chrome, PageError, PageResult, html, see_other};
use crate::web::session::{self, Viewer};

pub struct Row {
    pub line: u64,
    /// Each cell with its column's name.
    pub cells: Vec<(String, String)>,
    pub problems: Vec<String>,
}

#[derive(Template)]
#[template(path = "web/import.html")]
struct ImportPage {
    chrome: Chrome,
    file: String,
    header: Vec<String>,
    rows: Vec<Row>,
    /// Problems of the whole file (unreadable, wrong columns, too many rows).
    problems: Vec<String>,
    /// Checked without problems: the text to import on confirmation.
    ready: Option<String>,
    count: usize,
    checked: bool,
    /// "Checked: people.xlsx", "12 people, no problems", "Import these 12 people".
    heading: String,
    verdict: String,
    button: String,
}

fn empty(v: &Viewer) -> ImportPage {
    ImportPage {
        chrome: Chrome::signed(v, v.t.get("import-title"), "admin"),
        file: String::new(),
        header: Vec::new(),
        rows: Vec::new(),
        problems: Vec::new(),
        ready: None,
        count: 0,
        checked: false,
        heading: String::new(),
        verdict: String::new(),
        button: String::new(),
    }
}

/// The form to send a file.
#[handler]
pub async fn form(req: &Request, state: Data<&AppState>) -> PageResult {
    let v = session::viewer(&state, req).await?;
    // Only an admin may import: the page is theirs too.
    cxpm_domain::authorize(
        v.actor(),
        cxpm_domain::Action::ManagePeople,
        cxpm_domain::Target::Anything,
    )
    .map_err(|e| PageError::app(e.into(), v.t))?;
    Ok(html(StatusCode::OK, &empty(&v)))
}

/// The rows of `text` as read, by line number.
fn rows_of(text: &str) -> (Vec<String>, Vec<Row>) {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let header = reader
        .headers()
        .map(|h| h.iter().map(str::to_owned).collect())
        .unwrap_or_default();
    let header: Vec<String> = header;
    let rows = reader
        .records()
        .flatten()
        .filter(|r| !r.iter().all(str::is_empty))
        .map(|r| Row {
            line: r.position().map(|p| p.line()).unwrap_or(0),
            cells: r
                .iter()
                .enumerate()
                .map(|(i, c)| (header.get(i).cloned().unwrap_or_default(), c.to_owned()))
                .collect(),
            problems: Vec::new(),
        })
        .collect();
    (header, rows)
}

/// Checks a file: every row and its problems; nothing is written.
#[handler]
pub async fn check(req: &Request, state: Data<&AppState>, mut parts: Multipart) -> PageResult {
    let v = session::viewer(&state, req).await?;
    let mut csrf = None;
    let mut file: Option<(String, Vec<u8>)> = None;
    while let Ok(Some(part)) = parts.next_field().await {
        match part.name() {
            Some("csrf") => csrf = part.text().await.ok(),
            Some("file") => {
                let name = part.file_name().unwrap_or_default().to_owned();
                file = part.bytes().await.ok().map(|b| (name, b));
            }
            _ => {}
        }
    }
    session::check(&state, req, &v, csrf.as_deref())?;
    let t = v.t;
    let mut page = empty(&v);
    page.checked = true;
    let Some((name, bytes)) = file.filter(|(_, b)| !b.is_empty()) else {
        page.checked = false;
        page.problems.push(t.get("import-no-file"));
        return Ok(html(StatusCode::UNPROCESSABLE_ENTITY, &page));
    };
    page.file = name.clone();
    // A workbook is a zip file: "PK" first, whatever its name says.
    let text = if bytes.starts_with(b"PK") {
        first_sheet_as_csv(&bytes)
    } else {
        String::from_utf8(bytes).map_err(|_| t.get("import-not-utf8"))
    };
    let text = match text {
        Ok(text) => text,
        Err(why) => {
            page.problems.push(messages::localized(&t, &why));
            return Ok(html(StatusCode::UNPROCESSABLE_ENTITY, &page));
        }
    };
    let (header, mut rows) = rows_of(&text);
    page.header = header;
    page.count = rows.len();
    let outcome = import::import(&state, v.actor(), &text, ImportOptions { dry_run: true }).await;
    let status = match outcome {
        Ok(_) => {
            page.ready = Some(text);
            StatusCode::OK
        }
        Err(ImportError::Refused(AppError::Invalid(invalid))) => {
            let mut by_line: BTreeMap<u64, Vec<String>> = BTreeMap::new();
            for f in &invalid.0 {
                let message = messages::localized(&t, &f.message);
                // "line 3: email" or "line 3": the row's; anything else, the file's.
                let line = f
                    .field
                    .strip_prefix("line ")
                    .and_then(|rest| rest.split(':').next())
                    .and_then(|n| n.trim().parse::<u64>().ok());
                match line {
                    Some(n) => {
                        let column = f.field.split_once(": ").map(|(_, c)| c).unwrap_or("");
                        by_line.entry(n).or_default().push(if column.is_empty() {
                            message
                        } else {
                            format!("{column}: {message}")
                        });
                    }
                    None => page.problems.push(message),
                }
            }
            for row in &mut rows {
                if let Some(p) = by_line.remove(&row.line) {
                    row.problems = p;
                }
            }
            // A line the table does not show (a broken record): the file's.
            for (n, p) in by_line {
                page.problems.extend(
                    p.into_iter()
                        .map(|m| format!("{} {n}: {m}", t.get("import-line"))),
                );
            }
            StatusCode::UNPROCESSABLE_ENTITY
        }
        Err(ImportError::Header { detail, problems }) => {
            page.problems.push(messages::localized(&t, &detail));
            page.problems.extend(
                problems
                    .0
                    .iter()
                    .map(|f| format!("{}: {}", f.field, messages::localized(&t, &f.message))),
            );
            StatusCode::UNPROCESSABLE_ENTITY
        }
        Err(ImportError::Unreadable(detail)) => {
            page.problems.push(messages::localized(&t, &detail));
            StatusCode::UNPROCESSABLE_ENTITY
        }
        Err(ImportError::Refused(e)) => return Err(PageError::app(e, t)),
    };
    page.rows = rows;
    page.heading = t.with("import-checked", &[("file", page.file.as_str())]);
    page.verdict = t.n("import-ready", page.count as i64);
    page.button = t.n("import-confirm", page.count as i64);
    Ok(html(status, &page))
}

#[derive(Debug, Deserialize)]
pub struct Confirm {
    csrf: Option<String>,
    #[serde(default)]
    text: String,
}

/// Imports a checked file: all of it, or — if it no longer passes (someone took an
/// address meanwhile) — nothing, and the table again.
#[handler]
pub async fn confirm(req: &Request, state: Data<&AppState>, Form(f): Form<Confirm>) -> PageResult {
    let v = session::viewer(&state, req).await?;
    session::check(&state, req, &v, f.csrf.as_deref())?;
    match import::import(&state, v.actor(), &f.text, ImportOptions { dry_run: false }).await {
        Ok(done) => Ok(see_other(&format!(
            "/admin/people?imported={}",
            done.created.len()
        ))),
        Err(ImportError::Refused(e))
            if !matches!(e, AppError::Invalid(_) | AppError::Conflict { .. }) =>
        {
            Err(PageError::app(e, v.t))
        }
        Err(_) => {
            let mut page = empty(&v);
            page.problems.push(v.t.get("import-changed"));
            Ok(html(StatusCode::CONFLICT, &page))
        }
    }
}
