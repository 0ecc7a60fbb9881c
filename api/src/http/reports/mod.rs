//! The gap report: every measured key point and metric with its expectation or
//! target, actual, gap, severity and trend, ranked worst first, rolled up, with the
//! findings leadership should act on.
//!
//! The arithmetic is the domain's ([`cxpm_domain::gap`]); this module gathers the
//! rows in a fixed number of queries and shapes the answer.

pub mod charts;
pub mod format;
pub mod html;
pub mod labels;
pub mod snapshots;

use chrono::{NaiveDate, Utc};
use cxpm_app::reports as app;
use cxpm_domain::gap::{Severity, Trend};
use cxpm_domain::maturity::Phase;
use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::{Enum, Object, OpenApi};
use serde::{Deserialize, Serialize};

use crate::app::AppState;
use crate::auth::BearerAuth;
use crate::error::{ApiError, ApiResult};
use crate::http::ApiTags;
use crate::http::common::parse_id;
use crate::http::reports::format::{
    Report, ReportFormat, cell, csv_text, locale, negotiate, number,
};
pub use cxpm_app::reports::{HISTORY, PeriodGap};

use crate::http::reports::snapshots::{ChangeName, SnapshotChanges};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Enum, Deserialize, Serialize)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
#[oai(remote = "Severity")]
pub enum SeverityName {
    Met,
    Minor,
    Major,
    Critical,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, Serialize)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
#[oai(remote = "Trend")]
pub enum TrendName {
    New,
    Better,
    Steady,
    Worse,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, Serialize)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
#[oai(remote = "app::GapKind")]
pub enum GapKind {
    /// A key experience point measured by survey, interview, complaints.
    KeyPoint,
    /// An operational metric against its target.
    Metric,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Enum, Serialize)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
#[oai(remote = "app::Finding")]
pub enum Finding {
    /// A gap with no active plan on its relationship.
    NoOpenPlan,
    /// The provider rates its own service well above its customer.
    BlindSpot,
    /// A metric nobody has fed within its update frequency.
    StaleMetric,
    /// An action's intended effect date passed without the gap closing.
    EffectMissed,
}

/// One measured key point or metric.
#[derive(Debug, Object, Serialize)]
#[oai(skip_serializing_if_is_none)]
pub struct GapLine {
    pub kind: GapKind,
    /// The key point's or metric's id.
    pub id: String,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub relationship_id: Option<String>,
    /// The department that owns the gap: the relationship's provider.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub department_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub department_name: Option<String>,
    /// The person the providing department named on the relationship, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stage_id: Option<String>,
    /// The latest period measured.
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    /// The customer's expectation, or the metric's target.
    pub expected: f64,
    pub actual: f64,
    /// Positive: the customer gets less than expected.
    pub gap: f64,
    /// `gap / |expected|`; `null` when the expectation or target is 0.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub relative_gap: Option<f64>,
    pub severity: SeverityName,
    /// Against the period before.
    pub trend: TrendName,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous_gap: Option<f64>,
    /// 1–5; metrics count as 3.
    pub importance: i32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sample_size: Option<i32>,
    /// Active plans on the relationship.
    pub plan_ids: Vec<String>,
    pub open_actions: i32,
    pub findings: Vec<Finding>,
    /// Since the snapshot named by `since_snapshot`; `null` without one, or when the
    /// line was met then and is met now.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub change: Option<ChangeName>,
}

/// A roll-up: the sample-weighted mean relative gap of a group's lines, each line
/// counted as at least 0 (a point where the customer gets more than expected does not
/// make up for one where they get less), with its worst line and its lines per
/// severity, so that it never looks better than its lines.
#[derive(Debug, Object, Serialize)]
#[oai(skip_serializing_if_is_none)]
pub struct GapRollup {
    pub id: String,
    pub name: String,
    pub lines: i32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub relative_gap: Option<f64>,
    /// The severity of `relative_gap`; the worst line's when there is none.
    pub severity: SeverityName,
    /// The worst line's severity.
    pub worst: SeverityName,
    /// How many of the lines are of each severity.
    pub lines_by_severity: SeverityCounts,
}

/// A count of lines per severity.
#[derive(Debug, Clone, Copy, Default, Object, Serialize, Deserialize)]
pub struct SeverityCounts {
    pub met: u32,
    pub minor: u32,
    pub major: u32,
    pub critical: u32,
}

#[derive(Debug, Object, Serialize)]
#[oai(skip_serializing_if_is_none)]
pub struct GapRollups {
    pub program: GapRollup,
    pub by_relationship: Vec<GapRollup>,
    pub by_department: Vec<GapRollup>,
    pub by_stage: Vec<GapRollup>,
}

#[derive(Debug, Object, Serialize)]
#[oai(skip_serializing_if_is_none)]
pub struct GapReport {
    pub program_id: String,
    #[serde(serialize_with = "format::rfc3339")]
    pub generated_at: chrono::DateTime<Utc>,
    /// Worst first: priority = relative gap × importance.
    pub lines: Vec<GapLine>,
    pub rollups: GapRollups,
    /// What changed since the snapshot named by `since_snapshot`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub changes: Option<SnapshotChanges>,
}

impl From<app::GapLine> for GapLine {
    fn from(l: app::GapLine) -> Self {
        Self {
            kind: l.kind.into(),
            id: l.id,
            name: l.name,
            relationship_id: l.relationship_id,
            department_id: l.department_id,
            department_name: l.department_name,
            owner_id: l.owner_id,
            owner_name: l.owner_name,
            stage_id: l.stage_id,
            period_start: l.period_start,
            period_end: l.period_end,
            expected: l.expected,
            actual: l.actual,
            gap: l.gap,
            relative_gap: l.relative_gap,
            severity: l.severity.into(),
            trend: l.trend.into(),
            previous_gap: l.previous_gap,
            importance: l.importance,
            sample_size: l.sample_size,
            plan_ids: l.plan_ids,
            open_actions: l.open_actions,
            findings: l.findings.into_iter().map(Into::into).collect(),
            change: l.change.map(Into::into),
        }
    }
}

impl From<app::SeverityCounts> for SeverityCounts {
    fn from(c: app::SeverityCounts) -> Self {
        Self {
            met: c.met,
            minor: c.minor,
            major: c.major,
            critical: c.critical,
        }
    }
}

impl From<app::GapRollup> for GapRollup {
    fn from(r: app::GapRollup) -> Self {
        Self {
            id: r.id,
            name: r.name,
            lines: r.lines,
            relative_gap: r.relative_gap,
            severity: r.severity.into(),
            worst: r.worst.into(),
            lines_by_severity: r.lines_by_severity.into(),
        }
    }
}

fn rollup_list(rollups: Vec<app::GapRollup>) -> Vec<GapRollup> {
    rollups.into_iter().map(Into::into).collect()
}

impl From<app::GapRollups> for GapRollups {
    fn from(r: app::GapRollups) -> Self {
        Self {
            program: r.program.into(),
            by_relationship: rollup_list(r.by_relationship),
            by_department: rollup_list(r.by_department),
            by_stage: rollup_list(r.by_stage),
        }
    }
}

impl From<app::GapData> for GapReport {
    fn from(d: app::GapData) -> Self {
        Self {
            program_id: d.program_id,
            generated_at: d.generated_at,
            lines: d.lines.into_iter().map(Into::into).collect(),
            rollups: d.rollups.into(),
            changes: d.changes.map(Into::into),
        }
    }
}

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
        id: Path<String>,
        /// Only gaps owned by this department.
        department_id: Query<Option<String>>,
        /// Only gaps of this stage.
        stage_id: Query<Option<String>>,
        /// Only gaps of this relationship.
        relationship_id: Query<Option<String>>,
        /// Only gaps at least this severe.
        min_severity: Query<Option<SeverityName>>,
        /// Judge only periods that ended on or before this date (default: all); a
        /// metric counts as stale by its last reading, as of now.
        until: Query<Option<NaiveDate>>,
        /// Mark each line new, worse, better or unchanged since this saved snapshot,
        /// and list the gaps that closed.
        since_snapshot: Query<Option<String>>,
        /// `json`, `csv` or `html`; overrides `Accept`.
        format: Query<Option<ReportFormat>>,
        req: &poem::Request,
    ) -> ApiResult<Report<GapReport>> {
        let actor = &auth.0.actor;
        let bad = |e: cxpm_domain::FieldError| ApiError::bad_request(e.to_string(), vec![e.into()]);
        let id_filter = |field: &str, raw: &Option<String>| {
            raw.as_deref()
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
        let options = app::GapOptions {
            scope,
            min_severity: min_severity.0.map(Into::into),
            until: until.0,
            since,
            reader: Some(locale(Some(auth.0.locale), req)),
        };
        let data = app::gaps(&state, actor, &id, options).await?;
        let format = negotiate(format.0, req);
        if format == ReportFormat::Csv {
            return Ok(Report::Csv(gap_csv(&GapReport::from(data).lines)?));
        }
        if format == ReportFormat::Html {
            let trends =
                app::trend_histories(&state, actor, &data.lines, html::TRENDS, until.0).await?;
            let program_name = data.program_name.clone();
            let report = GapReport::from(data);
            let t = labels::labels(locale(Some(auth.0.locale), req));
            return Ok(Report::Html(
                html::gap_page(t, auth.0.time_zone, &program_name, &report, &trends)?,
                t.lang,
            ));
        }
        Ok(Report::Json(GapReport::from(data)))
    }
}

/// One plan's progress.
#[derive(Debug, Object, Serialize)]
#[oai(skip_serializing_if_is_none)]
pub struct PlanProgress {
    pub plan_id: String,
    pub title: String,
    pub department_id: String,
    pub department_name: String,
    pub relationship_id: String,
    pub status: String,
    pub cycle: i32,
    /// The first step of the current cycle not yet done or skipped; `null` when all are.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_step: Option<i32>,
    /// Steps of the current cycle done or skipped.
    pub steps_settled: i32,
    pub steps_in_cycle: i32,
    pub actions_done: i32,
    pub actions_open: i32,
    pub actions_overdue: i32,
    /// Days since anything on the plan last changed (a step, an action, an update).
    pub days_since_last_update: i64,
}

/// One department's part: what it owns, what it runs, how late it is.
#[derive(Debug, Object, Serialize)]
#[oai(skip_serializing_if_is_none)]
pub struct DepartmentProgress {
    pub department_id: String,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub function: Option<crate::http::departments::FunctionName>,
    pub owned_touchpoints: i32,
    pub running_plans: i32,
    pub open_actions: i32,
    pub overdue_actions: i32,
    /// Owns a touchpoint or runs a plan.
    pub engaged: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, Serialize)]
pub enum PhaseName {
    #[oai(rename = "I")]
    #[serde(rename = "I")]
    One,
    #[oai(rename = "II")]
    #[serde(rename = "II")]
    Two,
    #[oai(rename = "III")]
    #[serde(rename = "III")]
    Three,
}

/// How the next phase's needs read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, Serialize)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
#[oai(remote = "app::NextPhaseRule")]
pub enum NextPhaseRule {
    /// Phase I to II: `next_phase_more_functions` more of `next_phase_needs`.
    MoreFunctions,
    /// Phase II to III: every one of `next_phase_needs`.
    AllOf,
    /// Phase III is the last.
    None,
}

/// Where the program stands (seeds 000/001) and what the next phase needs. Phase I:
/// one function acting alone; II: several functions integrated for one line of
/// business; III: marketing, sales, service, IT and finance together. Judged by the
/// functions of the engaged departments (owning a touchpoint or running a plan).
#[derive(Debug, Object, Serialize)]
#[oai(skip_serializing_if_is_none)]
pub struct Maturity {
    pub phase: PhaseName,
    /// Functions of the engaged departments.
    pub engaged_functions: Vec<crate::http::departments::FunctionName>,
    /// How to read `next_phase_needs`.
    pub next_phase_rule: NextPhaseRule,
    /// With `more_functions`: how many more functions must engage.
    pub next_phase_more_functions: u32,
    /// Functions that still have to engage for the next phase.
    pub next_phase_needs: Vec<crate::http::departments::FunctionName>,
    /// The departments of this organisation with those functions that are not yet
    /// engaged in the program: whom to bring in.
    pub next_phase_departments: Vec<crate::http::coverage::DepartmentRef>,
}

#[derive(Debug, Object, Serialize)]
#[oai(skip_serializing_if_is_none)]
pub struct ProgressReport {
    pub program_id: String,
    #[serde(serialize_with = "format::rfc3339")]
    pub generated_at: chrono::DateTime<Utc>,
    pub plans: Vec<PlanProgress>,
    pub departments: Vec<DepartmentProgress>,
    pub coverage: crate::http::coverage::Coverage,
    pub maturity: Maturity,
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
        id: Path<String>,
        /// `json`, `csv` (one row per plan) or `html`; overrides `Accept`.
        format: Query<Option<ReportFormat>>,
        req: &poem::Request,
    ) -> ApiResult<Report<ProgressReport>> {
        let reader = locale(Some(auth.0.locale), req);
        let data = app::progress(&state, &auth.0.actor, &id, reader).await?;
        let program_name = data.program_name.clone();
        let report = ProgressReport::from(data);
        match negotiate(format.0, req) {
            ReportFormat::Csv => Ok(Report::Csv(progress_csv(&report)?)),
            ReportFormat::Html => {
                let t = labels::labels(locale(Some(auth.0.locale), req));
                Ok(Report::Html(
                    html::progress_page(t, auth.0.time_zone, &program_name, &report)?,
                    t.lang,
                ))
            }
            ReportFormat::Json => Ok(Report::Json(report)),
        }
    }
}

impl From<app::PlanProgress> for PlanProgress {
    fn from(p: app::PlanProgress) -> Self {
        Self {
            plan_id: p.plan_id,
            title: p.title,
            department_id: p.department_id,
            department_name: p.department_name,
            relationship_id: p.relationship_id,
            status: p.status,
            cycle: p.cycle,
            current_step: p.current_step,
            steps_settled: p.steps_settled,
            steps_in_cycle: p.steps_in_cycle,
            actions_done: p.actions_done,
            actions_open: p.actions_open,
            actions_overdue: p.actions_overdue,
            days_since_last_update: p.days_since_last_update,
        }
    }
}

impl From<app::DepartmentProgress> for DepartmentProgress {
    fn from(d: app::DepartmentProgress) -> Self {
        Self {
            department_id: d.department_id,
            name: d.name,
            function: d.function.map(Into::into),
            owned_touchpoints: d.owned_touchpoints,
            running_plans: d.running_plans,
            open_actions: d.open_actions,
            overdue_actions: d.overdue_actions,
            engaged: d.engaged,
        }
    }
}

impl From<Phase> for PhaseName {
    fn from(p: Phase) -> Self {
        match p {
            Phase::I => PhaseName::One,
            Phase::II => PhaseName::Two,
            Phase::III => PhaseName::Three,
        }
    }
}

impl From<app::Maturity> for Maturity {
    fn from(m: app::Maturity) -> Self {
        Self {
            phase: m.phase.into(),
            engaged_functions: m.engaged_functions.into_iter().map(Into::into).collect(),
            next_phase_rule: m.next_phase_rule.into(),
            next_phase_more_functions: m.next_phase_more_functions,
            next_phase_needs: m.next_phase_needs.into_iter().map(Into::into).collect(),
            next_phase_departments: m
                .next_phase_departments
                .into_iter()
                .map(Into::into)
                .collect(),
        }
    }
}

impl From<app::ProgressData> for ProgressReport {
    fn from(d: app::ProgressData) -> Self {
        Self {
            program_id: d.program_id,
            generated_at: d.generated_at,
            plans: d.plans.into_iter().map(Into::into).collect(),
            departments: d.departments.into_iter().map(Into::into).collect(),
            coverage: d.coverage.into(),
            maturity: d.maturity.into(),
        }
    }
}

fn severity_text(s: SeverityName) -> &'static str {
    match s {
        SeverityName::Met => "met",
        SeverityName::Minor => "minor",
        SeverityName::Major => "major",
        SeverityName::Critical => "critical",
    }
}

fn trend_text(t: TrendName) -> &'static str {
    match t {
        TrendName::New => "new",
        TrendName::Better => "better",
        TrendName::Steady => "steady",
        TrendName::Worse => "worse",
    }
}

fn finding_text(f: Finding) -> &'static str {
    match f {
        Finding::NoOpenPlan => "no_open_plan",
        Finding::BlindSpot => "blind_spot",
        Finding::StaleMetric => "stale_metric",
        Finding::EffectMissed => "effect_missed",
    }
}

fn change_text(c: ChangeName) -> &'static str {
    match c {
        ChangeName::New => "new",
        ChangeName::Worse => "worse",
        ChangeName::Better => "better",
        ChangeName::Unchanged => "unchanged",
        ChangeName::Closed => "closed",
    }
}

/// The gap report's lines, one CSV row each, worst first.
fn gap_csv(lines: &[GapLine]) -> ApiResult<String> {
    csv_text(
        &[
            "id",
            "kind",
            "name",
            "department",
            "owner",
            "relationship_id",
            "stage_id",
            "period_start",
            "period_end",
            "expected",
            "actual",
            "gap",
            "relative_gap",
            "severity",
            "trend",
            "previous_gap",
            "importance",
            "sample_size",
            "plans",
            "open_actions",
            "findings",
            "change",
        ],
        lines.iter().map(|l| {
            vec![
                l.id.clone(),
                match l.kind {
                    GapKind::KeyPoint => "key_point".to_owned(),
                    GapKind::Metric => "metric".to_owned(),
                },
                l.name.clone(),
                l.department_name.clone().unwrap_or_default(),
                l.owner_name.clone().unwrap_or_default(),
                l.relationship_id.clone().unwrap_or_default(),
                l.stage_id.clone().unwrap_or_default(),
                l.period_start.to_string(),
                l.period_end.to_string(),
                number(l.expected),
                number(l.actual),
                number(l.gap),
                l.relative_gap.map(number).unwrap_or_default(),
                severity_text(l.severity).to_owned(),
                trend_text(l.trend).to_owned(),
                l.previous_gap.map(number).unwrap_or_default(),
                l.importance.to_string(),
                cell(l.sample_size),
                l.plan_ids.len().to_string(),
                l.open_actions.to_string(),
                l.findings
                    .iter()
                    .map(|f| finding_text(*f))
                    .collect::<Vec<_>>()
                    .join(" "),
                l.change.map(change_text).unwrap_or_default().to_owned(),
            ]
        }),
    )
}

/// The progress report's plans, one CSV row each.
fn progress_csv(report: &ProgressReport) -> ApiResult<String> {
    csv_text(
        &[
            "plan_id",
            "title",
            "department",
            "status",
            "cycle",
            "current_step",
            "steps_settled",
            "steps_in_cycle",
            "actions_done",
            "actions_open",
            "actions_overdue",
            "days_since_last_update",
        ],
        report.plans.iter().map(|p| {
            vec![
                p.plan_id.clone(),
                p.title.clone(),
                p.department_name.clone(),
                p.status.clone(),
                p.cycle.to_string(),
                cell(p.current_step),
                p.steps_settled.to_string(),
                p.steps_in_cycle.to_string(),
                p.actions_done.to_string(),
                p.actions_open.to_string(),
                p.actions_overdue.to_string(),
                p.days_since_last_update.to_string(),
            ]
        }),
    )
}

#[cfg(test)]
mod tests {
    //! Reports are written by serde (fast) but described by poem-openapi (the spec):
    //! both writings must be the same JSON.

    use poem_openapi::types::ToJSON;

    use super::snapshots::{ChangeName, ClosedLine, SnapshotChanges};
    use super::*;
    use crate::http::coverage::{
        Coverage, DepartmentCoverage, DepartmentRef, OwnerRef, StageRef, SubProcessRef,
    };
    use crate::http::departments::FunctionName;

    fn same<T: ToJSON + Serialize>(value: &T) {
        let by_serde = serde_json::to_value(value).unwrap();
        let by_spec = value.to_json().unwrap();
        assert!(by_spec.is_object());
        assert_eq!(by_serde, by_spec);
    }

    fn at() -> chrono::DateTime<Utc> {
        chrono::DateTime::parse_from_rfc3339("2026-11-25T08:47:02.123456+00:00")
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_default()
    }

    fn day() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 10, 1).unwrap_or_default()
    }

    #[test]
    fn the_gap_report_is_written_as_the_spec_says() {
        let line = |kind, change: Option<ChangeName>| GapLine {
            kind,
            id: "p".into(),
            name: "交期准确 Dates that hold".into(),
            relationship_id: Some("r".into()),
            department_id: None,
            department_name: Some("QA".into()),
            owner_id: Some("o".into()),
            owner_name: None,
            stage_id: None,
            period_start: day(),
            period_end: day(),
            expected: 9.0,
            actual: 6.5,
            gap: 2.5,
            relative_gap: Some(2.5 / 9.0),
            severity: SeverityName::Critical,
            trend: TrendName::Worse,
            previous_gap: None,
            importance: 5,
            sample_size: Some(12),
            plan_ids: vec!["a".into()],
            open_actions: 2,
            findings: vec![Finding::NoOpenPlan, Finding::EffectMissed],
            change,
        };
        let rollup = GapRollup {
            id: "d".into(),
            name: "QA".into(),
            lines: 2,
            relative_gap: None,
            severity: SeverityName::Met,
            worst: SeverityName::Major,
            lines_by_severity: SeverityCounts {
                met: 1,
                major: 1,
                ..SeverityCounts::default()
            },
        };
        same(&GapReport {
            program_id: "x".into(),
            generated_at: at(),
            lines: vec![
                line(GapKind::KeyPoint, Some(ChangeName::New)),
                line(GapKind::Metric, None),
            ],
            rollups: GapRollups {
                program: rollup,
                by_relationship: vec![],
                by_department: vec![],
                by_stage: vec![],
            },
            changes: Some(SnapshotChanges {
                snapshot_id: "s".into(),
                label: "Q3".into(),
                taken_at: at(),
                new: 1,
                worse: 0,
                better: 0,
                unchanged: 0,
                closed: 1,
                closed_lines: vec![ClosedLine {
                    kind: GapKind::KeyPoint,
                    id: "q".into(),
                    name: "n".into(),
                    department_name: None,
                    was_gap: 1.0,
                    was_severity: SeverityName::Minor,
                    gap: None,
                }],
            }),
        });
    }

    #[test]
    fn the_progress_report_is_written_as_the_spec_says() {
        same(&ProgressReport {
            program_id: "x".into(),
            generated_at: at(),
            plans: vec![PlanProgress {
                plan_id: "p".into(),
                title: "Plan".into(),
                department_id: "d".into(),
                department_name: "计划部".into(),
                relationship_id: "r".into(),
                status: "active".into(),
                cycle: 2,
                current_step: None,
                steps_settled: 5,
                steps_in_cycle: 5,
                actions_done: 1,
                actions_open: 2,
                actions_overdue: 1,
                days_since_last_update: 3,
            }],
            departments: vec![DepartmentProgress {
                department_id: "d".into(),
                name: "计划部".into(),
                function: Some(FunctionName::It),
                owned_touchpoints: 1,
                running_plans: 1,
                open_actions: 2,
                overdue_actions: 1,
                engaged: true,
            }],
            coverage: Coverage {
                program_id: "x".into(),
                touchpoints_without_owner: vec![StageRef {
                    id: "s".into(),
                    name: "Bidding".into(),
                    position: 1,
                }],
                sub_processes_without_owner: vec![SubProcessRef {
                    id: "sp".into(),
                    name: "Delivery".into(),
                    stage_id: "s".into(),
                }],
                owners_without_person: vec![OwnerRef {
                    id: "o".into(),
                    sub_process_id: "sp".into(),
                    department_id: "d".into(),
                }],
                departments_without_relationship: vec![DepartmentRef {
                    id: "d".into(),
                    name: "QA".into(),
                    code: "QA".into(),
                }],
                departments: vec![DepartmentCoverage {
                    department_id: "d".into(),
                    name: "QA".into(),
                    code: "QA".into(),
                    owned_sub_processes: 1,
                    owned_touchpoints: 1,
                    relationships_as_provider: 2,
                    relationships_as_customer: 0,
                }],
                touchpoints: 1,
                ready: false,
            },
            maturity: Maturity {
                phase: PhaseName::Two,
                engaged_functions: vec![FunctionName::Marketing, FunctionName::It],
                next_phase_rule: NextPhaseRule::AllOf,
                next_phase_more_functions: 0,
                next_phase_needs: vec![FunctionName::Sales],
                next_phase_departments: vec![DepartmentRef {
                    id: "s".into(),
                    name: "Sales".into(),
                    code: "SA".into(),
                }],
            },
        });
    }

    /// A snapshot is written by the use case (serde, from the app's report data) and
    /// read back as the API's report: both writings must be the same JSON.
    #[test]
    fn a_snapshot_is_written_as_the_api_answers() {
        use cxpm_domain::gap::{Change, Severity, Trend};
        let line = |kind, change: Option<Change>, department: Option<&str>| app::GapLine {
            kind,
            id: "p".into(),
            name: "交期准确 Dates that hold".into(),
            relationship_id: department.map(|_| "r".into()),
            department_id: department.map(Into::into),
            department_name: department.map(Into::into),
            owner_id: Some("o".into()),
            owner_name: None,
            stage_id: Some("s".into()),
            period_start: day(),
            period_end: day(),
            expected: 9.0,
            actual: 6.5,
            gap: 2.5,
            relative_gap: department.map(|_| 2.5 / 9.0),
            severity: Severity::Critical,
            trend: Trend::Worse,
            previous_gap: Some(1.0),
            importance: 5,
            sample_size: Some(12),
            plan_ids: vec!["a".into()],
            open_actions: 2,
            findings: vec![app::Finding::NoOpenPlan, app::Finding::StaleMetric],
            change,
        };
        let rollup = |relative_gap| app::GapRollup {
            id: "d".into(),
            name: "QA".into(),
            lines: 2,
            relative_gap,
            severity: Severity::Met,
            worst: Severity::Major,
            lines_by_severity: app::SeverityCounts {
                met: 1,
                major: 1,
                ..app::SeverityCounts::default()
            },
        };
        let data = app::GapData {
            program_id: "x".into(),
            program_name: "Program".into(),
            generated_at: at(),
            lines: vec![
                line(app::GapKind::KeyPoint, Some(Change::New), Some("QA")),
                line(app::GapKind::Metric, None, None),
            ],
            rollups: app::GapRollups {
                program: rollup(None),
                by_relationship: vec![rollup(Some(0.5))],
                by_department: vec![],
                by_stage: vec![],
            },
            changes: Some(app::SnapshotChanges {
                snapshot_id: "s".into(),
                label: "Q3".into(),
                taken_at: at(),
                new: 1,
                worse: 0,
                better: 0,
                unchanged: 0,
                closed: 1,
                closed_lines: vec![app::ClosedLine {
                    kind: app::GapKind::Metric,
                    id: "q".into(),
                    name: "n".into(),
                    department_name: None,
                    was_gap: 1.0,
                    was_severity: Severity::Minor,
                    gap: Some(0.0),
                }],
            }),
        };
        let by_app = serde_json::to_value(&data).unwrap();
        let by_api = GapReport::from(data).to_json().unwrap();
        assert_eq!(by_app, by_api);
    }
}
