//! The gap report: every measured key point and metric with its expectation or
//! target, actual, gap, severity and trend, ranked worst first, rolled up, with the
//! findings leadership should act on.
//!
//! The arithmetic is the domain's ([`cxpm_domain::gap`]); this module gathers the
//! rows in a fixed number of queries and shapes the answer.

pub mod charts;
pub mod csv;
pub mod format;
pub mod html;
pub mod snapshots;
pub mod views;
pub mod xlsx;

use crate::http::common::Id;
use chrono::NaiveDate;
use cxpm_app::reports as app;
use poem::web::Data;
use poem_openapi::OpenApi;
use poem_openapi::param::{Path, Query};

use crate::app::AppState;
use crate::compress::takes_gzip;
use crate::error::{ApiError, ApiResult};
use crate::http::bearer::BearerAuth;
use crate::http::common::ApiTags;
use crate::http::common::parse_id;
use crate::http::reports::csv::{gap_csv, progress_csv};
use crate::http::reports::format::{Report, ReportFormat, locale, negotiate, render};
use crate::http::reports::views::{GapReport, ProgressReport, SeverityName};
use crate::report_cache::Key;

#[derive(Default)]
pub struct ReportsApi;

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Reports")]
impl ReportsApi {
    /// The gap report
    ///
    /// Every measured key point and metric of the program, worst first, with
    /// severity by the program's thresholds, the trend against the period before,
    /// the owning department, attached plans, findings and roll-ups.
    #[oai(
        path = "/programs/:id/reports/gaps",
        method = "get",
        operation_id = "get_gap_report"
    )]
    #[allow(clippy::too_many_arguments)]
    async fn gaps(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<crate::http::common::Id>,
        /// Only gaps owned by this department.
        department_id: Query<Option<Id>>,
        /// Only gaps of this stage.
        stage_id: Query<Option<Id>>,
        /// Only gaps of this relationship.
        relationship_id: Query<Option<Id>>,
        /// Only gaps at least this severe.
        min_severity: Query<Option<SeverityName>>,
        /// Judge only periods that ended on or before this date (default: all); a
        /// metric counts as stale by its last reading, as of now.
        until: Query<Option<NaiveDate>>,
        /// Mark each line new, worse, better or unchanged since this saved snapshot,
        /// and list the gaps that closed.
        since_snapshot: Query<Option<Id>>,
        /// `json`, `csv`, `xlsx` or `html`; overrides `Accept`.
        format: Query<Option<ReportFormat>>,
        req: &poem::Request,
    ) -> ApiResult<Report<GapReport>> {
        let actor = &auth.0.actor;
        let bad = |e: cxpm_domain::FieldError| ApiError::bad_request(e.to_string(), vec![e.into()]);
        let id_filter = |field: &str, raw: &Option<Id>| {
            raw.as_ref()
                .map(|r| parse_id(field, r))
                .transpose()
                .map_err(bad)
        };
        let scope = app::Scope {
            department_id: id_filter("department_id", &department_id.0)?,
            stage_id: id_filter("stage_id", &stage_id.0)?,
            relationship_id: id_filter("relationship_id", &relationship_id.0)?,
        };
        let since = match id_filter("since_snapshot", &since_snapshot.0)? {
            Some(snapshot) => Some(
                app::snapshots::baseline(&state, actor, &id, &snapshot)
                    .await?
                    .ok_or_else(|| {
                        bad(cxpm_domain::FieldError::new(
                            "since_snapshot",
                            "is not a snapshot of this program",
                        ))
                    })?,
            ),
            None => None,
        };
        let reader = locale(Some(auth.0.locale), req);
        let format = negotiate(format.0, req);
        let zone = auth.0.time_zone;
        // Every choice the bytes depend on; the time zone only for the page.
        let variant = format!(
            "gaps|{:?}|{:?}|{:?}|{:?}|{:?}|{:?}|{format:?}|{reader}|{}",
            scope.department_id,
            scope.stage_id,
            scope.relationship_id,
            min_severity.0,
            until.0,
            since_snapshot.0,
            if format == ReportFormat::Html {
                zone.as_str()
            } else {
                ""
            },
        );
        let options = app::GapOptions {
            scope,
            min_severity: min_severity.0.map(Into::into),
            until: until.0,
            since,
            reader: Some(reader),
        };
        let key = kept_under(&state, actor, &id, variant).await?;
        let rendered = state
            .reports
            .get(key, || async {
                let data = app::gaps(&state, actor, &id, options).await?;
                match format {
                    ReportFormat::Csv => render::csv(&gap_csv(&GapReport::from(data).lines)?),
                    ReportFormat::Xlsx => {
                        let t = crate::labels::labels(reader);
                        render::xlsx(
                            xlsx::gap_xlsx(t, &GapReport::from(data))?,
                            "gap-report.xlsx",
                        )
                    }
                    ReportFormat::Html => {
                        let trends =
                            app::trend_histories(&state, actor, &data.lines, html::TRENDS, until.0)
                                .await?;
                        let program_name = data.program_name.clone();
                        let report = GapReport::from(data);
                        let t = crate::labels::labels(reader);
                        let page = html::gap_page(t, zone, &program_name, &report, &trends, None)?;
                        render::html(&page, t.lang)
                    }
                    ReportFormat::Json => render::json(&GapReport::from(data)),
                }
            })
            .await?;
        Ok(Report::new(rendered, takes_gzip(req.headers())))
    }
}

/// The key a report of program `id` is kept under: the counters it stands at (read
/// first, so that a change is in the very next report), the time bucket, `variant`.
async fn kept_under(
    state: &AppState,
    actor: &cxpm_domain::Actor,
    id: &str,
    variant: String,
) -> ApiResult<Key> {
    let revisions = app::revisions(state, actor, id).await?;
    Ok(Key {
        program_id: id.to_owned(),
        revisions,
        bucket: state.reports.bucket(state.now()),
        variant,
    })
}

#[derive(Default)]
pub struct ProgressApi;

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Reports")]
impl ProgressApi {
    /// The progress report
    ///
    /// Per plan the step and cycle reached, actions done, open and overdue, and days
    /// since the last update; per department engagement and lateness; ownership
    /// coverage; and the program's maturity phase with what the next one needs.
    #[oai(
        path = "/programs/:id/reports/progress",
        method = "get",
        operation_id = "get_progress_report"
    )]
    async fn progress(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<crate::http::common::Id>,
        /// `json`, `csv` (one row per plan), `xlsx` (a sheet per section) or `html`;
        /// overrides `Accept`.
        format: Query<Option<ReportFormat>>,
        req: &poem::Request,
    ) -> ApiResult<Report<ProgressReport>> {
        let actor = &auth.0.actor;
        let reader = locale(Some(auth.0.locale), req);
        let format = negotiate(format.0, req);
        let zone = auth.0.time_zone;
        let variant = format!(
            "progress|{format:?}|{reader}|{}",
            if format == ReportFormat::Html {
                zone.as_str()
            } else {
                ""
            },
        );
        let key = kept_under(&state, actor, &id, variant).await?;
        let rendered = state
            .reports
            .get(key, || async {
                let data = app::progress(&state, actor, &id, reader).await?;
                let program_name = data.program_name.clone();
                let report = ProgressReport::from(data);
                let t = crate::labels::labels(reader);
                match format {
                    ReportFormat::Csv => render::csv(&progress_csv(&report)?),
                    ReportFormat::Html => render::html(
                        &html::progress_page(t, zone, &program_name, &report, None)?,
                        t.lang,
                    ),
                    ReportFormat::Xlsx => {
                        render::xlsx(xlsx::progress_xlsx(t, &report)?, "progress-report.xlsx")
                    }
                    ReportFormat::Json => render::json(&report),
                }
            })
            .await?;
        Ok(Report::new(rendered, takes_gzip(req.headers())))
    }
}

#[cfg(test)]
mod tests;
