//! Saved gap reports, and what changed since one: the gap report's `since_snapshot`
//! marks each line new, worse, better or unchanged and lists the gaps that closed.
//!
//! A snapshot keeps the whole unfiltered report as it was answered. Comparing reads
//! back only the few fields the comparison needs, so snapshots saved by an older
//! version stay comparable when the report grows new fields.
//!
//! The HTTP shapes; the use cases are `cxpm_app::reports::snapshots`.

use crate::http::common::Id;
use crate::http::text;
use chrono::{DateTime, Utc};
use cxpm_app::reports as app;
use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::types::ParseFromJSON;
use poem_openapi::{Object, OpenApi};
use serde::Deserialize;

use super::views::GapReport;
use crate::app::AppState;
use crate::error::{ApiError, ApiResult};
use crate::http::bearer::BearerAuth;
use crate::http::body::Body;
use crate::http::common::page;
use crate::http::common::{ApiTags, Made, location};
use cxpm_app::store::report_snapshot;

/// A saved report.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct ReportSnapshot {
    pub id: Id,
    pub program_id: Id,
    pub label: String,
    /// Lines in the saved report.
    pub lines: i32,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

impl From<report_snapshot::Model> for ReportSnapshot {
    fn from(m: report_snapshot::Model) -> Self {
        Self {
            id: m.id.into(),
            program_id: m.program_id.into(),
            label: m.label,
            lines: m.lines,
            created_by: m.created_by,
            created_at: m.created_at,
        }
    }
}

#[derive(Debug, Object, Deserialize)]
#[oai(skip_serializing_if_is_none)]
#[oai(deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct NewSnapshot {
    /// What the snapshot marks, e.g. "Q3 review".
    pub label: text::Name,
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct SnapshotList {
    /// Oldest first.
    pub items: Vec<ReportSnapshot>,
    pub next_cursor: Option<Id>,
}

/// A saved report with the report itself.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct SnapshotWithReport {
    pub snapshot: ReportSnapshot,
    pub report: GapReport,
}

#[derive(Default)]
pub struct SnapshotsApi;

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Reports")]
impl SnapshotsApi {
    /// Save the gap report as a snapshot
    ///
    /// Keeps the whole gap report of the program as it is now (no filters), so that a
    /// later report can show what changed since (`since_snapshot`).
    #[oai(
        path = "/programs/:id/reports/gaps/snapshots",
        method = "post",
        operation_id = "create_report_snapshot"
    )]
    async fn create(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<crate::http::common::Id>,
        body: Body<NewSnapshot>,
    ) -> ApiResult<Made<ReportSnapshot>> {
        let model = app::snapshots::save(&state, &auth.0.actor, &id, &body.0.label).await?;
        let at = location("report-snapshots", &model.id);
        Ok(Made::Created(Json(model.into()), at))
    }

    /// List a program's saved snapshots, oldest first
    #[oai(
        path = "/programs/:id/reports/gaps/snapshots",
        method = "get",
        operation_id = "list_report_snapshots"
    )]
    async fn list(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<crate::http::common::Id>,
        /// Page size, 1–200 (default 50).
        limit: Query<Option<crate::http::common::Limit>>,
        /// The `next_cursor` of the previous page.
        cursor: Query<Option<crate::http::common::Cursor>>,
    ) -> ApiResult<Json<SnapshotList>> {
        let page = page(limit.0, cursor.0)?;
        let (rows, next_cursor) = app::snapshots::list(&state, &auth.0.actor, &id, &page).await?;
        Ok(Json(SnapshotList {
            items: rows.into_iter().map(ReportSnapshot::from).collect(),
            next_cursor: next_cursor.map(Into::into),
        }))
    }

    /// Read a saved snapshot with the report it keeps
    #[oai(
        path = "/report-snapshots/:id",
        method = "get",
        operation_id = "get_report_snapshot"
    )]
    async fn get(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<crate::http::common::Id>,
    ) -> ApiResult<Json<SnapshotWithReport>> {
        let snapshot = app::snapshots::get(&state, &auth.0.actor, &id).await?;
        // Fields the report gains later are optional, so older snapshots still parse.
        let report = GapReport::parse_from_json_string(&snapshot.report)
            .map_err(|e| ApiError::internal(&e.into_message()))?;
        Ok(Json(SnapshotWithReport {
            snapshot: snapshot.into(),
            report,
        }))
    }
}
