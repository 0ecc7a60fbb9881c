//! Saved gap reports, and what changed since one: the gap report's `since_snapshot`
//! marks each line new, worse, better or unchanged and lists the gaps that closed.
//!
//! A snapshot keeps the whole unfiltered report as it was answered. Comparing reads
//! back only the few fields the comparison needs, so snapshots saved by an older
//! version stay comparable when the report grows new fields.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use cxpm_domain::gap::{Change, LineState, Severity, change_since};
use cxpm_domain::validation::Invalid;
use cxpm_domain::values::Name;
use cxpm_domain::{Action, FieldError, Target, authorize};
use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::types::{ParseFromJSON, ToJSON};
use poem_openapi::{ApiResponse, Enum, Object, OpenApi};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, TransactionTrait};
use serde::{Deserialize, Serialize};

use super::{GapKind, GapLine, GapReport, SeverityName, build_full_report};
use crate::app::AppState;
use crate::audit;
use crate::auth::BearerAuth;
use crate::db::{new_id, program, report_snapshot};
use crate::error::{ApiError, ApiResult};
use crate::http::ApiTags;
use crate::http::body::Body;
use crate::http::common::{load, page, parse_id};

/// How a line moved since the snapshot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, Serialize)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum ChangeName {
    /// Open now, not open in the snapshot.
    New,
    Worse,
    Better,
    Unchanged,
    /// Open in the snapshot, met or no longer measured now.
    Closed,
}

impl From<Change> for ChangeName {
    fn from(c: Change) -> Self {
        match c {
            Change::New => ChangeName::New,
            Change::Worse => ChangeName::Worse,
            Change::Better => ChangeName::Better,
            Change::Unchanged => ChangeName::Unchanged,
            Change::Closed => ChangeName::Closed,
        }
    }
}

/// A gap that was open in the snapshot and is closed now.
#[derive(Debug, Object, Serialize)]
#[oai(skip_serializing_if_is_none)]
pub struct ClosedLine {
    pub kind: GapKind,
    pub id: String,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub department_name: Option<String>,
    /// The gap and severity in the snapshot.
    pub was_gap: f64,
    pub was_severity: SeverityName,
    /// The gap now; `null` when the line is no longer measured.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gap: Option<f64>,
}

/// What changed since a snapshot, counted, with the closed gaps listed.
#[derive(Debug, Object, Serialize)]
#[oai(skip_serializing_if_is_none)]
pub struct SnapshotChanges {
    pub snapshot_id: String,
    pub label: String,
    #[serde(serialize_with = "super::format::rfc3339")]
    pub taken_at: DateTime<Utc>,
    pub new: i32,
    pub worse: i32,
    pub better: i32,
    pub unchanged: i32,
    pub closed: i32,
    pub closed_lines: Vec<ClosedLine>,
}

/// A saved report.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct ReportSnapshot {
    pub id: String,
    pub program_id: String,
    pub label: String,
    /// Lines in the saved report.
    pub lines: i32,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

impl From<report_snapshot::Model> for ReportSnapshot {
    fn from(m: report_snapshot::Model) -> Self {
        Self {
            id: m.id,
            program_id: m.program_id,
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
    #[oai(validator(min_length = 1, max_length = 200))]
    pub label: String,
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct SnapshotList {
    /// Oldest first.
    pub items: Vec<ReportSnapshot>,
    pub next_cursor: Option<String>,
}

/// A saved report with the report itself.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct SnapshotWithReport {
    pub snapshot: ReportSnapshot,
    pub report: GapReport,
}

#[derive(ApiResponse)]
pub enum SnapshotCreated {
    #[oai(status = 201)]
    Created(Json<ReportSnapshot>),
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
        id: Path<String>,
        body: Body<NewSnapshot>,
    ) -> ApiResult<SnapshotCreated> {
        let actor = &auth.0.actor;
        authorize(actor, Action::SaveSnapshots, Target::Anything)?;
        let program = load::<program::Entity>(&state.db, "program", &id).await?;
        let mut invalid = Invalid::default();
        let label = invalid.check(Name::parse(&body.0.label).map_err(|e| e.at("label")));
        invalid.into_result()?;
        let Some(label) = label else {
            return Err(ApiError::internal(&"label checked above"));
        };
        let report = build_full_report(&state, &program).await?;
        let model = report_snapshot::Model {
            id: new_id(),
            program_id: program.id.clone(),
            label: label.into_inner(),
            lines: report.lines.len() as i32,
            report: report.to_json_string(),
            created_by: actor.person_id.clone(),
            created_at: state.now(),
        };
        let txn = state.db.begin().await?;
        report_snapshot::Entity::insert(sea_orm::IntoActiveModel::into_active_model(model.clone()))
            .exec_without_returning(&txn)
            .await?;
        // The audit entry names the snapshot; the report it keeps is the row itself.
        let summary = ReportSnapshot::from(model);
        audit::record(
            &txn,
            Some(&actor.person_id),
            "report_snapshot",
            &summary.id,
            audit::Change::Create,
            None::<&()>,
            Some(&summary.to_json()),
        )
        .await?;
        txn.commit().await?;
        Ok(SnapshotCreated::Created(Json(summary)))
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
        id: Path<String>,
        /// Page size, 1–200 (default 50).
        limit: Query<Option<u64>>,
        /// The `next_cursor` of the previous page.
        cursor: Query<Option<String>>,
    ) -> ApiResult<Json<SnapshotList>> {
        authorize(&auth.0.actor, Action::ReadPrograms, Target::Anything)?;
        let program = load::<program::Entity>(&state.read, "program", &id).await?;
        let page = page(limit.0, cursor.0)?;
        let select = report_snapshot::Entity::find()
            .select_only_summary()
            .filter(report_snapshot::Column::ProgramId.eq(&program.id));
        let rows = page
            .apply(select, report_snapshot::Column::Id)
            .all(&state.read)
            .await?;
        let (rows, next_cursor) = page.finish(rows, |r| &r.id);
        Ok(Json(SnapshotList {
            items: rows.into_iter().map(ReportSnapshot::from).collect(),
            next_cursor,
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
        id: Path<String>,
    ) -> ApiResult<Json<SnapshotWithReport>> {
        authorize(&auth.0.actor, Action::ReadPrograms, Target::Anything)?;
        let snapshot = load::<report_snapshot::Entity>(&state.read, "report_snapshot", &id).await?;
        // Fields the report gains later are optional, so older snapshots still parse.
        let report = GapReport::parse_from_json_string(&snapshot.report)
            .map_err(|e| ApiError::internal(&e.into_message()))?;
        Ok(Json(SnapshotWithReport {
            snapshot: snapshot.into(),
            report,
        }))
    }
}

trait SummaryOnly {
    fn select_only_summary(self) -> Self;
}

impl SummaryOnly for sea_orm::Select<report_snapshot::Entity> {
    /// Lists need no report bodies: read them as empty text.
    fn select_only_summary(self) -> Self {
        use sea_orm::QuerySelect;
        use sea_orm::sea_query::Expr;
        self.select_only()
            .columns([
                report_snapshot::Column::Id,
                report_snapshot::Column::ProgramId,
                report_snapshot::Column::Label,
                report_snapshot::Column::Lines,
                report_snapshot::Column::CreatedBy,
                report_snapshot::Column::CreatedAt,
            ])
            .column_as(Expr::value(""), "report")
            .order_by_asc(report_snapshot::Column::Id)
    }
}

/// The fields of a saved line the comparison needs. Snapshots are kept for good and
/// written by whichever version saved them: every field but the line's identity has
/// a default, and a gap an older version wrote as `null` (an overflow to infinity,
/// before values were bounded) reads as the largest gap there is.
#[derive(Debug, Deserialize)]
struct SavedLine {
    kind: String,
    id: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    department_id: Option<String>,
    #[serde(default)]
    department_name: Option<String>,
    #[serde(default)]
    stage_id: Option<String>,
    #[serde(default)]
    relationship_id: Option<String>,
    #[serde(default = "largest", deserialize_with = "gap_or_largest")]
    gap: f64,
    #[serde(default)]
    severity: String,
}

fn largest() -> f64 {
    f64::MAX
}

fn gap_or_largest<'de, D: serde::Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    Ok(Option::<f64>::deserialize(d)?
        .filter(|g| g.is_finite())
        .unwrap_or(f64::MAX))
}

#[derive(Debug, Deserialize)]
struct SavedReport {
    lines: Vec<SavedLine>,
}

fn severity_of(name: &str) -> Severity {
    match name {
        "critical" => Severity::Critical,
        "major" => Severity::Major,
        "minor" => Severity::Minor,
        _ => Severity::Met,
    }
}

fn severity_name(s: Severity) -> SeverityName {
    s.into()
}

/// The line filters a comparison applies to the snapshot as to the report.
pub struct Scope<'a> {
    pub department_id: Option<&'a str>,
    pub stage_id: Option<&'a str>,
    pub relationship_id: Option<&'a str>,
}

impl Scope<'_> {
    fn admits(
        &self,
        department_id: Option<&str>,
        stage_id: Option<&str>,
        relationship_id: Option<&str>,
    ) -> bool {
        self.department_id.is_none_or(|d| department_id == Some(d))
            && self.stage_id.is_none_or(|s| stage_id == Some(s))
            && self
                .relationship_id
                .is_none_or(|r| relationship_id == Some(r))
    }

    pub fn admits_line(&self, l: &GapLine) -> bool {
        self.admits(
            l.department_id.as_deref(),
            l.stage_id.as_deref(),
            l.relationship_id.as_deref(),
        )
    }
}

fn count(changes: &mut SnapshotChanges, c: Change) {
    match c {
        Change::New => changes.new += 1,
        Change::Worse => changes.worse += 1,
        Change::Better => changes.better += 1,
        Change::Unchanged => changes.unchanged += 1,
        Change::Closed => changes.closed += 1,
    }
}

fn kind_text(kind: GapKind) -> &'static str {
    match kind {
        GapKind::KeyPoint => "key_point",
        GapKind::Metric => "metric",
    }
}

/// Loads the snapshot `raw` names (it must be one of `program_id`'s), marks each of
/// `lines` with its change and counts the changes. `lines` are the report's lines in
/// `scope`, before any severity filter, so that a gap that closed is seen closing.
pub async fn compare(
    state: &AppState,
    program_id: &str,
    raw: &str,
    scope: &Scope<'_>,
    lines: &mut [GapLine],
) -> ApiResult<SnapshotChanges> {
    let not_found = || {
        let e = FieldError::new("since_snapshot", "is not a snapshot of this program");
        ApiError::bad_request(e.to_string(), vec![e.into()])
    };
    let id = parse_id("since_snapshot", raw)
        .map_err(|e| ApiError::bad_request(e.to_string(), vec![e.into()]))?;
    let snapshot = report_snapshot::Entity::find_by_id(id)
        .one(&state.read)
        .await?
        .filter(|s| s.program_id == program_id)
        .ok_or_else(not_found)?;
    let saved: SavedReport =
        serde_json::from_str(&snapshot.report).map_err(|e| ApiError::internal(&e))?;
    let before: HashMap<(&str, &str), &SavedLine> = saved
        .lines
        .iter()
        .filter(|l| {
            scope.admits(
                l.department_id.as_deref(),
                l.stage_id.as_deref(),
                l.relationship_id.as_deref(),
            )
        })
        .map(|l| ((l.kind.as_str(), l.id.as_str()), l))
        .collect();
    let mut changes = SnapshotChanges {
        snapshot_id: snapshot.id.clone(),
        label: snapshot.label.clone(),
        taken_at: snapshot.created_at,
        new: 0,
        worse: 0,
        better: 0,
        unchanged: 0,
        closed: 0,
        closed_lines: Vec::new(),
    };
    let mut seen = std::collections::HashSet::new();
    for line in lines.iter_mut() {
        let key = (kind_text(line.kind), line.id.as_str());
        let was = before.get(&key);
        if was.is_some() {
            seen.insert(key);
        }
        let before_state: LineState = was.map(|l| (l.gap, severity_of(&l.severity)));
        let now_state: LineState = Some((line.gap, line.severity.into()));
        let change = change_since(before_state, now_state);
        if let Some(c) = change {
            count(&mut changes, c);
            if c == Change::Closed
                && let Some(was) = was
            {
                changes.closed_lines.push(ClosedLine {
                    kind: line.kind,
                    id: line.id.clone(),
                    name: line.name.clone(),
                    department_name: line.department_name.clone(),
                    was_gap: was.gap,
                    was_severity: severity_name(severity_of(&was.severity)),
                    gap: Some(line.gap),
                });
            }
        }
        line.change = change.map(Into::into);
    }
    // Lines of the snapshot no longer measured at all: closed if they were open.
    let mut gone: Vec<&&SavedLine> = before
        .iter()
        .filter(|(key, _)| !seen.contains(*key))
        .map(|(_, l)| l)
        .collect();
    gone.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
    for was in gone {
        let state = Some((was.gap, severity_of(&was.severity)));
        if change_since(state, None) == Some(Change::Closed) {
            count(&mut changes, Change::Closed);
            changes.closed_lines.push(ClosedLine {
                kind: if was.kind == "metric" {
                    GapKind::Metric
                } else {
                    GapKind::KeyPoint
                },
                id: was.id.clone(),
                name: was.name.clone(),
                department_name: was.department_name.clone(),
                was_gap: was.gap,
                was_severity: severity_name(severity_of(&was.severity)),
                gap: None,
            });
        }
    }
    Ok(changes)
}
