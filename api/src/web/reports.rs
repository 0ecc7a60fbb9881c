//! The gap and progress reports as pages for people signed in (the leadership
//! digest links here): the same report data and the same rendering as the API's
//! `?format=html`, in the reader's language and time zone, with the app's controls
//! above (issue 17, item 9): back to the program, filters (department, stage,
//! severity, since a snapshot), saving a snapshot, the same report as xlsx or CSV as
//! filtered, and print (the report's print stylesheet leaves the controls out).

use askama::Template;
use cxpm_app::names;
use cxpm_app::reports as app;
use cxpm_domain::gap::Severity;
use poem::http::{StatusCode, header};
use poem::web::{Data, Form, Path, Query};
use poem::{Request, Response, handler};

use crate::app::AppState;
use crate::http::reports::csv::{gap_csv, progress_csv};
use crate::http::reports::format::XLSX;
use crate::http::reports::views::{GapReport, ProgressReport};
use crate::http::reports::{html, xlsx};
use crate::labels;
use crate::web::ASSETS;
use crate::web::render::{PageError, PageResult, see_other, when};
use crate::web::session::{self, Viewer};
use crate::web::value_stream::Choice;
use crate::words::Words;

const CSV: &str = "text/csv; charset=utf-8";

/// CSV text with a byte-order mark, so that spreadsheets read Chinese right.
fn csv_bytes(text: String) -> Vec<u8> {
    format!("\u{feff}{text}").into_bytes()
}

/// A report file to save.
fn download(body: Vec<u8>, content_type: &str, name: &str) -> Response {
    Response::builder()
        .status(StatusCode::OK)
        .content_type(content_type)
        .header(
            "content-disposition",
            format!("attachment; filename=\"{name}\""),
        )
        .header(header::CACHE_CONTROL, "no-store")
        .body(body)
}

/// The report's own inline styles, our print button's script, our forms.
const REPORT_CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; script-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

fn page(body: String) -> Response {
    Response::builder()
        .status(StatusCode::OK)
        .content_type("text/html; charset=utf-8")
        .header(header::CACHE_CONTROL, "no-store")
        .header(header::REFERRER_POLICY, "same-origin")
        .header(header::CONTENT_SECURITY_POLICY, REPORT_CSP)
        .body(body)
}

#[derive(Debug, Default, serde::Deserialize)]
pub struct ReportQuery {
    /// `xlsx` or `csv` for a download; the page otherwise.
    format: Option<String>,
    #[serde(default)]
    department: String,
    #[serde(default)]
    stage: String,
    /// `minor`, `major`, `critical`: only lines at least this severe.
    #[serde(default)]
    severity: String,
    /// A snapshot's id: each line's change since then.
    #[serde(default)]
    since: String,
    /// A snapshot just saved.
    saved: Option<String>,
}

impl ReportQuery {
    /// The filters as a query string (without `format`), for the download links.
    fn filters(&self) -> String {
        [
            ("department", &self.department),
            ("stage", &self.stage),
            ("severity", &self.severity),
            ("since", &self.since),
        ]
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}={}&", crate::web::render::encode(v)))
        .collect()
    }
}

#[derive(Template)]
#[template(path = "web/report_controls.html")]
struct Controls {
    t: Words,
    id: String,
    gaps: bool,
    departments: Vec<Choice>,
    stages: Vec<Choice>,
    severities: Vec<Choice>,
    snapshots: Vec<Choice>,
    filters: String,
    csrf: String,
    may_snapshot: bool,
    saved: Option<String>,
    print: &'static str,
}

fn choice(value: &str, label: String, current: &str) -> Choice {
    Choice {
        value: value.to_owned(),
        label,
        chosen: value == current,
    }
}

fn controls(
    v: &Viewer,
    c: &app::choices::ReportChoices,
    q: &ReportQuery,
    gaps: bool,
) -> Result<String, PageError> {
    let t = v.t;
    let name = |n: &str, tr: &str| names::name_in(n, tr, t.locale);
    let sev = labels::labels(t.locale);
    let view = Controls {
        t,
        id: c.program.id.clone(),
        gaps,
        departments: c
            .departments
            .iter()
            .map(|d| choice(&d.id, name(&d.name, &d.name_translations), &q.department))
            .collect(),
        stages: c
            .stages
            .iter()
            .map(|s| choice(&s.id, name(&s.name, &s.name_translations), &q.stage))
            .collect(),
        severities: [Severity::Minor, Severity::Major, Severity::Critical]
            .into_iter()
            .map(|s| {
                choice(
                    s.as_str(),
                    labels::severity_label(sev, s).to_owned(),
                    &q.severity,
                )
            })
            .collect(),
        snapshots: c
            .snapshots
            .iter()
            .map(|(id, label, at)| {
                choice(id, format!("{label} · {}", when(&t, &v.tz, *at)), &q.since)
            })
            .collect(),
        filters: q.filters(),
        csrf: v.csrf().to_owned(),
        may_snapshot: c.may_snapshot,
        saved: q
            .saved
            .as_ref()
            .map(|label| t.with("report-snapshot-saved", &[("label", label)])),
        print: &ASSETS.print.url,
    };
    view.render().map_err(|e| {
        tracing::error!(error = %e, "the report controls did not render");
        PageError::App(cxpm_app::AppError::Internal("report controls".into()), t)
    })
}

/// Saves the gap report as it is now as a snapshot, then shows the report compared
/// with it.
#[handler]
pub async fn save_snapshot(
    req: &Request,
    state: Data<&AppState>,
    Path(id): Path<String>,
    Form(f): Form<std::collections::HashMap<String, String>>,
) -> PageResult {
    let v = session::posted_by(&state, req, &f).await?;
    let label = f.get("label").map(String::as_str).unwrap_or_default();
    let saved = app::snapshots::save(&state, v.actor(), &id, label)
        .await
        .map_err(|e| PageError::app(e, v.t))?;
    Ok(see_other(&format!(
        "/programs/{id}/reports/gaps?since={}&saved={}",
        saved.id,
        crate::web::render::encode(&saved.label)
    )))
}

/// `/programs/:id/reports/gaps` and `/programs/:id/reports/progress`: the page, with
/// links to the same report as an Excel workbook and as CSV (`?format=xlsx|csv`).
#[handler]
pub async fn report(
    req: &Request,
    state: Data<&AppState>,
    Path((id, name)): Path<(String, String)>,
    Query(q): Query<ReportQuery>,
) -> PageResult {
    let v = session::viewer(&state, req).await?;
    let t = labels::labels(v.t.locale);
    let failed = |e: crate::error::ApiError| {
        tracing::error!(error = ?e, "a report page did not render");
        PageError::App(cxpm_app::AppError::Internal("report page".into()), v.t)
    };
    let choices = app::choices::choices(&state, v.actor(), &id)
        .await
        .map_err(|e| PageError::app(e, v.t))?;
    // In turn with the other report computations, so that many open at once stay
    // within memory (the API's kept reports share the turns).
    let _turn = state.reports.turn().await.map_err(failed)?;
    let body = match name.as_str() {
        "gaps" => {
            let some = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
            let since = match some(&q.since) {
                Some(snapshot) => app::snapshots::baseline(&state, v.actor(), &id, &snapshot)
                    .await
                    .map_err(|e| PageError::app(e, v.t))?,
                None => None,
            };
            let options = app::GapOptions {
                reader: Some(v.t.locale),
                scope: app::Scope {
                    department_id: some(&q.department),
                    stage_id: some(&q.stage),
                    relationship_id: None,
                },
                min_severity: [Severity::Minor, Severity::Major, Severity::Critical]
                    .into_iter()
                    .find(|s| s.as_str() == q.severity),
                since,
                ..app::GapOptions::default()
            };
            let data = app::gaps(&state, v.actor(), &id, options)
                .await
                .map_err(|e| PageError::app(e, v.t))?;
            match q.format.as_deref() {
                Some("xlsx") => {
                    let book = xlsx::gap_xlsx(t, &GapReport::from(data)).map_err(failed)?;
                    return Ok(download(book, XLSX, "gap-report.xlsx"));
                }
                Some("csv") => {
                    let text = gap_csv(&GapReport::from(data).lines).map_err(failed)?;
                    return Ok(download(csv_bytes(text), CSV, "gap-report.csv"));
                }
                _ => {}
            }
            let trends = app::trend_histories(&state, v.actor(), &data.lines, html::TRENDS, None)
                .await
                .map_err(|e| PageError::app(e, v.t))?;
            let program = data.program_name.clone();
            let controls = controls(&v, &choices, &q, true)?;
            html::gap_page(
                t,
                v.tz,
                &program,
                &GapReport::from(data),
                &trends,
                Some(controls),
            )
            .map_err(failed)?
        }
        "progress" => {
            let data = app::progress(&state, v.actor(), &id, v.t.locale)
                .await
                .map_err(|e| PageError::app(e, v.t))?;
            let program = data.program_name.clone();
            let report = ProgressReport::from(data);
            match q.format.as_deref() {
                Some("xlsx") => {
                    let book = xlsx::progress_xlsx(t, &report).map_err(failed)?;
                    return Ok(download(book, XLSX, "progress-report.xlsx"));
                }
                Some("csv") => {
                    let text = progress_csv(&report).map_err(failed)?;
                    return Ok(download(csv_bytes(text), CSV, "progress-report.csv"));
                }
                _ => {}
            }
            let controls = controls(&v, &choices, &q, false)?;
            html::progress_page(t, v.tz, &program, &report, Some(controls)).map_err(failed)?
        }
        _ => {
            return Err(PageError::App(
                cxpm_app::AppError::not_found("report", &name),
                v.t,
            ));
        }
    };
    Ok(page(body))
}

/// A key point's page is its plan's (the first active plan on its relationship).
#[handler]
pub async fn key_point(
    req: &Request,
    state: Data<&AppState>,
    Path(id): Path<String>,
) -> PageResult {
    let v = session::viewer(&state, req).await?;
    let plan = cxpm_app::work::plan_of_key_point(&state, v.actor(), &id)
        .await
        .map_err(|e| PageError::app(e, v.t))?;
    Ok(match plan {
        Some(plan_id) => crate::web::render::see_other(&format!("/plans/{plan_id}#key-points")),
        None => crate::web::render::see_other("/my-department"),
    })
}
