//! The gap report: every measured key point and metric with its expectation or
//! target, actual, gap, severity and trend, ranked worst first, rolled up, with the
//! findings leadership should act on.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use cxpm_domain::gap::{self, Change, Severity, Trend};
use cxpm_domain::program::SeverityThresholds;
use cxpm_domain::values::Locale;
use cxpm_domain::{Action, Actor, Target, authorize};
use serde::Serialize;

use super::snapshots::{Baseline, Scope, SnapshotChanges};
use super::{json, lines, program_thresholds};
use crate::store::{load, program};
use crate::{AppResult, Ctx};

/// What a gap line measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum GapKind {
    /// A key experience point measured by survey, interview, complaints.
    KeyPoint,
    /// An operational metric against its target.
    Metric,
}

impl GapKind {
    pub fn as_str(self) -> &'static str {
        match self {
            GapKind::KeyPoint => "key_point",
            GapKind::Metric => "metric",
        }
    }
}

/// What leadership should act on, beside the gap itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
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

impl Finding {
    pub fn as_str(self) -> &'static str {
        match self {
            Finding::NoOpenPlan => "no_open_plan",
            Finding::BlindSpot => "blind_spot",
            Finding::StaleMetric => "stale_metric",
            Finding::EffectMissed => "effect_missed",
        }
    }
}

/// One measured key point or metric.
#[derive(Debug, Clone, Serialize)]
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
    /// `gap / |expected|`; none when the expectation or target is 0.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub relative_gap: Option<f64>,
    #[serde(serialize_with = "json::severity")]
    pub severity: Severity,
    /// Against the period before.
    #[serde(serialize_with = "json::trend")]
    pub trend: Trend,
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
    /// Since the compared snapshot; none without one, or when the line was met then
    /// and is met now.
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "json::change"
    )]
    pub change: Option<Change>,
}

/// A count of lines per severity.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct SeverityCounts {
    pub met: u32,
    pub minor: u32,
    pub major: u32,
    pub critical: u32,
}

/// A roll-up: the sample-weighted mean relative gap of a group's lines, each line
/// counted as at least 0, with its worst line and its lines per severity, so that it
/// never looks better than its lines.
#[derive(Debug, Clone, Serialize)]
pub struct GapRollup {
    pub id: String,
    pub name: String,
    pub lines: i32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub relative_gap: Option<f64>,
    /// The severity of `relative_gap`; the worst line's when there is none.
    #[serde(serialize_with = "json::severity")]
    pub severity: Severity,
    /// The worst line's severity.
    #[serde(serialize_with = "json::severity")]
    pub worst: Severity,
    pub lines_by_severity: SeverityCounts,
}

#[derive(Debug, Clone, Serialize)]
pub struct GapRollups {
    pub program: GapRollup,
    pub by_relationship: Vec<GapRollup>,
    pub by_department: Vec<GapRollup>,
    pub by_stage: Vec<GapRollup>,
}

/// The gap report of a program.
#[derive(Debug, Clone, Serialize)]
pub struct GapData {
    pub program_id: String,
    /// The program's name, as given (not in the report's JSON).
    #[serde(skip)]
    pub program_name: String,
    #[serde(serialize_with = "json::rfc3339")]
    pub generated_at: DateTime<Utc>,
    /// Worst first: priority = relative gap × importance.
    pub lines: Vec<GapLine>,
    pub rollups: GapRollups,
    /// What changed since the compared snapshot.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub changes: Option<SnapshotChanges>,
}

/// Which lines a gap report holds, and what it is compared with.
#[derive(Debug, Clone, Default)]
pub struct GapOptions {
    /// Only the lines of this department, stage, relationship.
    pub scope: Scope,
    /// Only lines at least this severe.
    pub min_severity: Option<Severity>,
    /// Judge only periods that ended on or before this date.
    pub until: Option<NaiveDate>,
    /// Mark each line's change since this snapshot ([`super::snapshots::baseline`]).
    pub since: Option<Baseline>,
    /// Names in this reader's language; as given without one.
    pub reader: Option<Locale>,
}

/// The gap report of program `program_id`, as `options` ask.
pub async fn gaps(
    ctx: &Ctx,
    actor: &Actor,
    program_id: &str,
    options: GapOptions,
) -> AppResult<GapData> {
    authorize(actor, Action::ReadPrograms, Target::Anything)?;
    let program = load::<program::Entity>(&ctx.read, "program", program_id).await?;
    let thresholds = program_thresholds(&program)?;
    let mut lines: Vec<GapLine> =
        lines::gap_lines(ctx, &program, thresholds, options.until, options.reader)
            .await?
            .into_iter()
            .filter(|l| options.scope.admits_line(l))
            .collect();
    // Compared before the severity filter, so that a gap that closed is seen closing.
    let changes = options
        .since
        .as_ref()
        .map(|b| b.compare(&options.scope, &mut lines));
    lines.retain(|l| options.min_severity.is_none_or(|m| l.severity >= m));
    let rollups = rollups(&program, &lines, thresholds);
    Ok(GapData {
        program_id: program.id,
        program_name: program.name,
        generated_at: ctx.now(),
        lines,
        rollups,
        changes,
    })
}

/// The whole gap report of a program as of now: no filters, no comparison, names as
/// given (what a snapshot keeps and the leadership digest reads).
pub async fn full_gap_report(ctx: &Ctx, program: &program::Model) -> AppResult<GapData> {
    let thresholds = program_thresholds(program)?;
    let lines = lines::gap_lines(ctx, program, thresholds, None, None).await?;
    let rollups = rollups(program, &lines, thresholds);
    Ok(GapData {
        program_id: program.id.clone(),
        program_name: program.name.clone(),
        generated_at: ctx.now(),
        lines,
        rollups,
        changes: None,
    })
}

fn rollup_of(
    id: String,
    name: String,
    lines: &[&GapLine],
    thresholds: SeverityThresholds,
) -> GapRollup {
    let items: Vec<gap::RollupLine> = lines
        .iter()
        .map(|l| gap::RollupLine {
            relative_gap: l.relative_gap,
            sample_size: l.sample_size.map(|n| n.max(1) as u32),
            severity: l.severity,
        })
        .collect();
    let rolled = gap::rollup(&items, thresholds);
    let [met, minor, major, critical] = rolled.by_severity;
    GapRollup {
        id,
        name,
        lines: lines.len() as i32,
        relative_gap: rolled.relative_gap,
        severity: rolled.severity,
        worst: rolled.worst,
        lines_by_severity: SeverityCounts {
            met,
            minor,
            major,
            critical,
        },
    }
}

/// The program's roll-up, and one per relationship, department and stage.
fn rollups(
    program: &program::Model,
    lines: &[GapLine],
    thresholds: SeverityThresholds,
) -> GapRollups {
    let group = |key: fn(&GapLine) -> Option<(String, String)>| -> Vec<GapRollup> {
        let mut groups: BTreeMap<(String, String), Vec<&GapLine>> = BTreeMap::new();
        for l in lines {
            if let Some(k) = key(l) {
                groups.entry(k).or_default().push(l);
            }
        }
        groups
            .into_iter()
            .map(|((id, name), ls)| rollup_of(id, name, &ls, thresholds))
            .collect()
    };
    GapRollups {
        program: rollup_of(
            program.id.clone(),
            program.name.clone(),
            &lines.iter().collect::<Vec<_>>(),
            thresholds,
        ),
        by_relationship: group(|l| l.relationship_id.clone().map(|r| (r.clone(), r))),
        by_department: group(|l| {
            l.department_id
                .clone()
                .map(|d| (d, l.department_name.clone().unwrap_or_default()))
        }),
        by_stage: group(|l| l.stage_id.clone().map(|s| (s.clone(), s))),
    }
}
