//! The reports' JSON shapes: the gap report (its lines and roll-ups, what moved
//! since a snapshot) and the progress report, each from the use cases' plain data.
//! The handlers, the CSV and the HTML pages all read these.

use chrono::{DateTime, NaiveDate, Utc};
use cxpm_app::reports as app;
use cxpm_domain::gap::{Change, Severity, Trend};
use cxpm_domain::maturity::Phase;
use poem_openapi::{Enum, Object};
use serde::{Deserialize, Serialize};

pub use cxpm_app::reports::{HISTORY, PeriodGap};

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
    #[serde(serialize_with = "super::format::rfc3339")]
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
    /// Its people asked in the program's feedback rounds (as customers, or rating
    /// their own work).
    pub feedback_asked: i32,
    /// Of them, how many answered: a department whose people never answer is not
    /// engaged.
    pub feedback_answered: i32,
}

/// The program's feedback rounds' response, internal and outside customers apart.
#[derive(Debug, Object, Serialize)]
pub struct FeedbackResponse {
    pub internal_asked: i32,
    pub internal_answered: i32,
    pub external_asked: i32,
    pub external_answered: i32,
}

impl From<app::FeedbackResponse> for FeedbackResponse {
    fn from(f: app::FeedbackResponse) -> Self {
        Self {
            internal_asked: f.internal_asked,
            internal_answered: f.internal_answered,
            external_asked: f.external_asked,
            external_answered: f.external_answered,
        }
    }
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
    #[serde(serialize_with = "super::format::rfc3339")]
    pub generated_at: chrono::DateTime<Utc>,
    pub plans: Vec<PlanProgress>,
    pub departments: Vec<DepartmentProgress>,
    pub coverage: crate::http::coverage::Coverage,
    pub maturity: Maturity,
    pub feedback: FeedbackResponse,
}

impl From<app::PlanProgress> for PlanProgress {
    fn from(p: app::PlanProgress) -> Self {
        Self {
            plan_id: p.plan_id,
            title: p.title,
            department_id: p.department_id,
            department_name: p.department_name,
            relationship_id: p.relationship_id,
            status: p.status.as_str().to_owned(),
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
            feedback_asked: d.feedback_asked,
            feedback_answered: d.feedback_answered,
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
            feedback: d.feedback.into(),
        }
    }
}

/// How a line moved since the snapshot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, Serialize)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
#[oai(remote = "Change")]
pub enum ChangeName {
    /// Open now, not open in the snapshot.
    New,
    Worse,
    Better,
    Unchanged,
    /// Open in the snapshot, met or no longer measured now.
    Closed,
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

impl From<app::ClosedLine> for ClosedLine {
    fn from(l: app::ClosedLine) -> Self {
        Self {
            kind: l.kind.into(),
            id: l.id,
            name: l.name,
            department_name: l.department_name,
            was_gap: l.was_gap,
            was_severity: l.was_severity.into(),
            gap: l.gap,
        }
    }
}

impl From<app::SnapshotChanges> for SnapshotChanges {
    fn from(c: app::SnapshotChanges) -> Self {
        Self {
            snapshot_id: c.snapshot_id,
            label: c.label,
            taken_at: c.taken_at,
            new: c.new,
            worse: c.worse,
            better: c.better,
            unchanged: c.unchanged,
            closed: c.closed,
            closed_lines: c.closed_lines.into_iter().map(Into::into).collect(),
        }
    }
}
