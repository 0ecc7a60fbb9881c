//! The gap and progress reports as pages for people signed in (the leadership
//! digest links here): the same report data and the same rendering as the API's
//! `?format=html`, in the reader's language and time zone.

use cxpm_app::reports as app;
use poem::http::{StatusCode, header};
use poem::web::{Data, Path, Query};
use poem::{Request, Response, handler};

use crate::app::AppState;
use crate::http::reports::csv::{gap_csv, progress_csv};
use crate::http::reports::format::XLSX;
use crate::http::reports::views::{GapReport, ProgressReport};
use crate::http::reports::{html, xlsx};
use crate::labels;
use crate::web::render::{PageError, PageResult};
use crate::web::session;

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

fn page(body: String) -> Response {
    Response::builder()
        .status(StatusCode::OK)
        .content_type("text/html; charset=utf-8")
        .header(header::CACHE_CONTROL, "no-store")
        .header(header::REFERRER_POLICY, "same-origin")
        .body(body)
}

#[derive(Debug, serde::Deserialize)]
pub struct ReportQuery {
    /// `xlsx` or `csv` for a download; the page otherwise.
    format: Option<String>,
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
    let body = match name.as_str() {
        "gaps" => {
            let options = app::GapOptions {
                reader: Some(v.t.locale),
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
            html::gap_page(t, v.tz, &program, &GapReport::from(data), &trends, true)
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
            html::progress_page(t, v.tz, &program, &report, true).map_err(failed)?
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
