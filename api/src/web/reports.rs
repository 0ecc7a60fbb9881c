//! The gap and progress reports as pages for people signed in (the leadership
//! digest links here): the same report data and the same rendering as the API's
//! `?format=html`, in the reader's language and time zone.

use cxpm_app::reports as app;
use poem::http::{StatusCode, header};
use poem::web::{Data, Path};
use poem::{Request, Response, handler};

use crate::app::AppState;
use crate::http::reports::html;
use crate::http::reports::views::{GapReport, ProgressReport};
use crate::labels;
use crate::web::render::{PageError, PageResult};
use crate::web::session;

fn page(body: String) -> Response {
    Response::builder()
        .status(StatusCode::OK)
        .content_type("text/html; charset=utf-8")
        .header(header::CACHE_CONTROL, "no-store")
        .header(header::REFERRER_POLICY, "same-origin")
        .body(body)
}

/// `/programs/:id/reports/gaps` and `/programs/:id/reports/progress`.
#[handler]
pub async fn report(
    req: &Request,
    state: Data<&AppState>,
    Path((id, name)): Path<(String, String)>,
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
            let trends = app::trend_histories(&state, v.actor(), &data.lines, html::TRENDS, None)
                .await
                .map_err(|e| PageError::app(e, v.t))?;
            let program = data.program_name.clone();
            html::gap_page(t, v.tz, &program, &GapReport::from(data), &trends).map_err(failed)?
        }
        "progress" => {
            let data = app::progress(&state, v.actor(), &id, v.t.locale)
                .await
                .map_err(|e| PageError::app(e, v.t))?;
            let program = data.program_name.clone();
            html::progress_page(t, v.tz, &program, &ProgressReport::from(data)).map_err(failed)?
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
