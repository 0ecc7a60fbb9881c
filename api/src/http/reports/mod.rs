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

use std::collections::{BTreeMap, HashMap};

use chrono::{NaiveDate, Utc};
use cxpm_domain::gap::{self, Direction, Severity, Trend};
use cxpm_domain::metric::is_stale;
use cxpm_domain::program::SeverityThresholds;
use cxpm_domain::values::Locale;
use cxpm_domain::{Action, Target, authorize};
use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::{Enum, Object, OpenApi};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde::{Deserialize, Serialize};

use crate::app::AppState;
use crate::auth::BearerAuth;
use crate::db::{department, program};
use crate::error::{ApiError, ApiResult};
use crate::http::ApiTags;
use crate::http::common::{load, parse_id};
use crate::http::reports::format::{
    Report, ReportFormat, cell, csv_text, locale, negotiate, number,
};
use crate::http::reports::snapshots::{ChangeName, Scope, SnapshotChanges};
use cxpm_app::reports::queries as aggregates;

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
pub enum TrendName {
    New,
    Better,
    Steady,
    Worse,
}

impl From<Trend> for TrendName {
    fn from(t: Trend) -> Self {
        match t {
            Trend::New => TrendName::New,
            Trend::Better => TrendName::Better,
            Trend::Steady => TrendName::Steady,
            Trend::Worse => TrendName::Worse,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, Serialize)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum GapKind {
    /// A key experience point measured by survey, interview, complaints.
    KeyPoint,
    /// An operational metric against its target.
    Metric,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Enum, Serialize)]
#[oai(rename_all = "snake_case")]
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

/// How many periods the page's trend chart follows.
pub const HISTORY: usize = 6;

/// One period of a line's history.
#[derive(Debug, Clone)]
pub struct PeriodGap {
    pub period_start: NaiveDate,
    pub gap: f64,
    pub relative_gap: Option<f64>,
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
        authorize(&auth.0.actor, Action::ReadPrograms, Target::Anything)?;
        let program = load::<program::Entity>(&state.read, "program", &id).await?;
        let bad = |e: cxpm_domain::FieldError| ApiError::bad_request(e.to_string(), vec![e.into()]);
        let id_filter = |field: &str, raw: &Option<String>| {
            raw.as_deref()
                .map(|r| parse_id(field, r))
                .transpose()
                .map_err(bad)
        };
        let department_filter = id_filter("department_id", &department_id.0)?;
        let stage_filter = id_filter("stage_id", &stage_id.0)?;
        let relationship_filter = id_filter("relationship_id", &relationship_id.0)?;
        let scope = Scope {
            department_id: department_filter.as_deref(),
            stage_id: stage_filter.as_deref(),
            relationship_id: relationship_filter.as_deref(),
        };
        let thresholds = program_thresholds(&program)?;
        let reader = Some(locale(Some(auth.0.locale), req));
        let mut lines: Vec<GapLine> =
            build_gap_report(&state, &program, thresholds, until.0, reader)
                .await?
                .into_iter()
                .filter(|l| scope.admits_line(l))
                .collect();
        // Compared before the severity filter, so that a gap that closed is seen closing.
        let changes = match since_snapshot.0.as_deref() {
            Some(raw) => {
                Some(snapshots::compare(&state, &program.id, raw, &scope, &mut lines).await?)
            }
            None => None,
        };
        lines.retain(|l| min_severity.0.is_none_or(|m| l.severity >= m));
        let format = negotiate(format.0, req);
        if format == ReportFormat::Csv {
            return Ok(Report::Csv(gap_csv(&lines)?));
        }
        let rollups = rollups(&program, &lines, thresholds);
        let report = GapReport {
            program_id: program.id.clone(),
            generated_at: state.now(),
            lines,
            rollups,
            changes,
        };
        if format == ReportFormat::Html {
            let t = labels::labels(locale(Some(auth.0.locale), req));
            let trends = trend_histories(&state, &report.lines, until.0).await?;
            return Ok(Report::Html(
                html::gap_page(t, auth.0.time_zone, &program.name, &report, &trends)?,
                t.lang,
            ));
        }
        Ok(Report::Json(report))
    }
}

/// The last [`HISTORY`] periods of the worst open lines, worst first, for the page's
/// trend chart: (the line's name, its gap per period).
async fn trend_histories(
    state: &AppState,
    lines: &[GapLine],
    until: Option<NaiveDate>,
) -> ApiResult<Vec<(String, Vec<PeriodGap>)>> {
    let worst: Vec<&GapLine> = lines
        .iter()
        .filter(|l| l.severity > SeverityName::Met)
        .take(html::TRENDS)
        .collect();
    let ids = |kind: GapKind| -> Vec<String> {
        worst
            .iter()
            .filter(|l| l.kind == kind)
            .map(|l| l.id.clone())
            .collect()
    };
    let (point_ids, metric_ids) = (ids(GapKind::KeyPoint), ids(GapKind::Metric));
    let db = &state.read;
    let mut histories: HashMap<&str, Vec<PeriodGap>> = HashMap::new();
    if !point_ids.is_empty() {
        for p in aggregates::point_periods(db, &point_ids, HISTORY, until).await? {
            let g = gap::survey_gap(p.expected, p.actual);
            if let Some(id) = point_ids.iter().find(|id| **id == p.key_point_id) {
                histories.entry(id.as_str()).or_default().push(PeriodGap {
                    period_start: p.period_start,
                    gap: g,
                    relative_gap: gap::relative_gap(g, p.expected),
                });
            }
        }
    }
    if !metric_ids.is_empty() {
        let directions: HashMap<String, (Direction, f64)> = crate::db::metric::Entity::find()
            .filter(crate::db::metric::Column::Id.is_in(metric_ids.clone()))
            .all(db)
            .await?
            .into_iter()
            .map(|m| (m.id, (direction_of(&m.direction), m.target)))
            .collect();
        for p in aggregates::metric_periods(db, &metric_ids, HISTORY, until).await? {
            let (Some(id), Some((direction, target))) = (
                metric_ids.iter().find(|id| **id == p.metric_id),
                directions.get(&p.metric_id),
            ) else {
                continue;
            };
            let g = gap::metric_gap(*direction, *target, p.value);
            histories.entry(id.as_str()).or_default().push(PeriodGap {
                period_start: p.period_start,
                gap: g,
                relative_gap: gap::relative_gap(g, *target),
            });
        }
    }
    Ok(worst
        .iter()
        .map(|l| {
            // The same key point name stands on several relationships: the legend says
            // whose line it is.
            let name = match &l.department_name {
                Some(department) => format!("{} — {department}", l.name),
                None => l.name.clone(),
            };
            (name, histories.remove(l.id.as_str()).unwrap_or_default())
        })
        .collect())
}

fn direction_of(name: &str) -> Direction {
    match name {
        "lower_is_better" => Direction::LowerIsBetter,
        _ => Direction::HigherIsBetter,
    }
}

fn program_thresholds(program: &program::Model) -> ApiResult<SeverityThresholds> {
    SeverityThresholds::new(program.minor_max, program.major_max)
        .map_err(|e| ApiError::internal(&e))
}

/// The whole gap report of a program as of now: no filters, no comparison.
pub async fn build_full_report(state: &AppState, program: &program::Model) -> ApiResult<GapReport> {
    let thresholds = program_thresholds(program)?;
    let lines = build_gap_report(state, program, thresholds, None, None).await?;
    let rollups = rollups(program, &lines, thresholds);
    Ok(GapReport {
        program_id: program.id.clone(),
        generated_at: state.now(),
        lines,
        rollups,
        changes: None,
    })
}

/// The report's lines; names (of key points and departments) in `reader`'s language
/// when given, as given otherwise (what a snapshot keeps).
async fn build_gap_report(
    state: &AppState,
    program: &program::Model,
    thresholds: SeverityThresholds,
    until: Option<NaiveDate>,
    reader: Option<Locale>,
) -> ApiResult<Vec<GapLine>> {
    let db = &state.read;
    let today = state.now().date_naive();
    // Independent reads, each on its own pooled connection, at the same time.
    let (points, plans, metrics, departments, owners) = tokio::try_join!(
        aggregates::point_lines(db, &program.id, until, today),
        aggregates::active_plans(db, &program.id),
        aggregates::metric_lines(db, &program.id, until),
        department::Entity::find().all(db),
        aggregates::owner_rows(db, &program.id),
    )?;
    let name_in = |name: String, translations: &str| match reader {
        Some(locale) => {
            let map = crate::http::names::translations(translations);
            cxpm_domain::values::localized(&name, &map, locale).to_owned()
        }
        None => name,
    };
    let departments: HashMap<String, String> = departments
        .into_iter()
        .map(|d| (d.id, name_in(d.name, &d.name_translations)))
        .collect();

    let mut plans_by_rel: HashMap<&str, Vec<&aggregates::ActivePlan>> = HashMap::new();
    for p in &plans {
        plans_by_rel
            .entry(p.relationship_id.as_str())
            .or_default()
            .push(p);
    }
    let scale_span = f64::from((program.scale_max - program.scale_min).max(1));
    // The provider sees its service at least a fifth of the scale better than its customer.
    let blind_spot_threshold = scale_span * 0.2;

    let mut lines = Vec::with_capacity(points.len() + metrics.len());
    for point in points {
        let g = gap::survey_gap(point.expected, point.actual);
        let relative = gap::relative_gap(g, point.expected);
        let severity = gap::severity(g, relative, thresholds);
        let previous_gap = point
            .previous_expected
            .zip(point.previous_actual)
            .map(|(e, a)| gap::survey_gap(e, a));
        let point_plans = plans_by_rel
            .get(point.relationship_id.as_str())
            .map(Vec::as_slice)
            .unwrap_or_default();
        let plan_ids: Vec<String> = point_plans.iter().map(|p| p.id.clone()).collect();
        let open_actions: i64 = point_plans.iter().map(|p| p.open_actions).sum();
        let mut findings = Vec::new();
        if g > 0.0 && plan_ids.is_empty() {
            findings.push(Finding::NoOpenPlan);
        }
        if gap::blind_spot(point.provider_rating, point.actual, blind_spot_threshold).is_some() {
            findings.push(Finding::BlindSpot);
        }
        if point
            .due_effect_target
            .is_some_and(|target| point.actual < target)
        {
            findings.push(Finding::EffectMissed);
        }
        lines.push(GapLine {
            kind: GapKind::KeyPoint,
            department_name: departments.get(&point.provider_department_id).cloned(),
            id: point.id,
            name: name_in(point.name, &point.name_translations),
            relationship_id: Some(point.relationship_id),
            department_id: Some(point.provider_department_id),
            owner_id: point.owner_id,
            owner_name: point.owner_name,
            stage_id: point.stage_id,
            period_start: point.period_start,
            period_end: point.period_end,
            expected: point.expected,
            actual: point.actual,
            gap: g,
            relative_gap: relative,
            severity: severity.into(),
            trend: gap::trend(g, previous_gap).into(),
            previous_gap,
            importance: point.importance,
            sample_size: point.sample_size.map(clamp_i32),
            plan_ids,
            open_actions: clamp_i32(open_actions),
            findings,
            change: None,
        });
    }

    let now = state.now();
    // Owner rows by sub-process and by stage, in the value stream's order, for the
    // metrics' owners: one pass, not one per metric.
    let mut by_sub_process: HashMap<&str, Vec<&aggregates::OwnerRow>> = HashMap::new();
    let mut by_stage: HashMap<&str, Vec<&aggregates::OwnerRow>> = HashMap::new();
    for o in &owners {
        by_sub_process
            .entry(o.sub_process_id.as_str())
            .or_default()
            .push(o);
        by_stage.entry(o.stage_id.as_str()).or_default().push(o);
    }
    for m in metrics {
        let direction = direction_of(&m.direction);
        let g = gap::metric_gap(direction, m.target, m.value);
        let relative = gap::relative_gap(g, m.target);
        let previous_gap = m
            .previous_value
            .map(|v| gap::metric_gap(direction, m.target, v));
        let mut findings = Vec::new();
        if is_stale(
            m.last_reading_at,
            m.created_at,
            m.update_every_days.max(1) as u32,
            now,
        ) {
            findings.push(Finding::StaleMetric);
        }
        // Its sub-process's owner rows, or its touchpoint's.
        let rows: &[&aggregates::OwnerRow] = match (&m.sub_process_id, &m.stage_id) {
            (Some(sub), _) => by_sub_process.get(sub.as_str()),
            (None, Some(stage)) => by_stage.get(stage.as_str()),
            (None, None) => None,
        }
        .map_or(&[], Vec::as_slice);
        let owner_rows: Vec<cxpm_domain::metric::OwnerRow> = rows
            .iter()
            .map(|o| cxpm_domain::metric::OwnerRow {
                department_id: &o.department_id,
                person_id: o.person_id.as_deref(),
            })
            .collect();
        let owner = cxpm_domain::metric::metric_owner(m.department_id.as_deref(), &owner_rows);
        let department_id = owner.map(|(d, _)| d.to_owned());
        let owner_id = owner.and_then(|(_, p)| p).map(str::to_owned);
        let owner_name = owner_id.as_ref().and_then(|id| {
            rows.iter()
                .find(|o| o.person_id.as_ref() == Some(id))
                .and_then(|o| o.person_name.clone())
        });
        lines.push(GapLine {
            kind: GapKind::Metric,
            id: m.id,
            name: m.name,
            relationship_id: None,
            department_name: department_id
                .as_ref()
                .and_then(|d| departments.get(d).cloned()),
            department_id,
            owner_id,
            owner_name,
            stage_id: m.stage_id,
            period_start: m.period_start,
            period_end: m.period_end,
            expected: m.target,
            actual: m.value,
            gap: g,
            relative_gap: relative,
            severity: gap::severity(g, relative, thresholds).into(),
            trend: gap::trend(g, previous_gap).into(),
            previous_gap,
            importance: 3,
            sample_size: m.sample_size.map(clamp_i32),
            plan_ids: Vec::new(),
            open_actions: 0,
            findings,
            change: None,
        });
    }
    lines.sort_by(|a, b| {
        let pa = gap::priority(a.gap, a.relative_gap, a.importance.clamp(1, 5) as u8);
        let pb = gap::priority(b.gap, b.relative_gap, b.importance.clamp(1, 5) as u8);
        pb.total_cmp(&pa).then_with(|| a.name.cmp(&b.name))
    });
    Ok(lines)
}

/// A database count or sum as the API's 32-bit integer.
fn clamp_i32(n: i64) -> i32 {
    n.clamp(0, i64::from(i32::MAX)) as i32
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
            severity: l.severity.into(),
        })
        .collect();
    let rolled = gap::rollup(&items, thresholds);
    let [met, minor, major, critical] = rolled.by_severity;
    GapRollup {
        id,
        name,
        lines: lines.len() as i32,
        relative_gap: rolled.relative_gap,
        severity: rolled.severity.into(),
        worst: rolled.worst.into(),
        lines_by_severity: SeverityCounts {
            met,
            minor,
            major,
            critical,
        },
    }
}

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
        authorize(&auth.0.actor, Action::ReadPrograms, Target::Anything)?;
        let program = load::<program::Entity>(&state.read, "program", &id).await?;
        let report = build_progress(&state, &program, locale(Some(auth.0.locale), req)).await?;
        match negotiate(format.0, req) {
            ReportFormat::Csv => Ok(Report::Csv(progress_csv(&report)?)),
            ReportFormat::Html => {
                let t = labels::labels(locale(Some(auth.0.locale), req));
                Ok(Report::Html(
                    html::progress_page(t, auth.0.time_zone, &program.name, &report)?,
                    t.lang,
                ))
            }
            ReportFormat::Json => Ok(Report::Json(report)),
        }
    }
}

/// The progress report, departments named in `reader`'s language.
async fn build_progress(
    state: &AppState,
    program: &program::Model,
    reader: Locale,
) -> ApiResult<ProgressReport> {
    use cxpm_domain::maturity::{Function, NextPhase, Phase, assess};

    let db = &state.read;
    let now = state.now();
    let today = now.date_naive();
    // Independent reads, each on its own pooled connection, at the same time.
    let (plans, by_department, departments, coverage) = tokio::try_join!(
        async { Ok::<_, ApiError>(aggregates::plan_rows(db, &program.id, today).await?) },
        async { Ok::<_, ApiError>(aggregates::department_actions(db, &program.id, today).await?) },
        async { Ok::<_, ApiError>(department::Entity::find().all(db).await?) },
        crate::http::coverage::coverage_of(state, program),
    )?;
    let by_department: HashMap<String, aggregates::DepartmentActions> = by_department
        .into_iter()
        .map(|d| (d.department_id.clone(), d))
        .collect();
    let departments: HashMap<String, department::Model> = departments
        .into_iter()
        .map(|mut d| {
            let map = crate::http::names::translations(&d.name_translations);
            d.name = cxpm_domain::values::localized(&d.name, &map, reader).to_owned();
            (d.id.clone(), d)
        })
        .collect();

    let mut plan_rows = Vec::with_capacity(plans.len());
    for p in &plans {
        let last = [Some(p.updated_at), p.steps_changed, p.actions_changed]
            .into_iter()
            .flatten()
            .max()
            .unwrap_or(p.updated_at);
        plan_rows.push(PlanProgress {
            plan_id: p.id.clone(),
            title: p.title.clone(),
            department_id: p.department_id.clone(),
            department_name: departments
                .get(&p.department_id)
                .map(|d| d.name.clone())
                .unwrap_or_default(),
            relationship_id: p.relationship_id.clone(),
            status: p.status.clone(),
            cycle: p.cycle,
            current_step: p.current_step,
            steps_settled: clamp_i32(p.steps_settled),
            steps_in_cycle: clamp_i32(p.steps_in_cycle),
            actions_done: clamp_i32(p.actions_done),
            actions_open: clamp_i32(p.actions_open),
            actions_overdue: clamp_i32(p.actions_overdue),
            days_since_last_update: (now - last).num_days(),
        });
    }
    plan_rows.sort_by(|a, b| {
        a.department_name
            .cmp(&b.department_name)
            .then(a.title.cmp(&b.title))
    });

    let mut running: HashMap<&str, i32> = HashMap::new();
    for p in plans
        .iter()
        .filter(|p| p.status == cxpm_domain::plan::PlanStatus::Active.as_str())
    {
        *running.entry(p.department_id.as_str()).or_default() += 1;
    }
    let owned: HashMap<&str, i32> = coverage
        .departments
        .iter()
        .map(|c| (c.department_id.as_str(), c.owned_touchpoints as i32))
        .collect();
    let mut dept_ids: Vec<&str> = owned.keys().copied().collect();
    dept_ids.extend(plans.iter().map(|p| p.department_id.as_str()));
    dept_ids.extend(by_department.keys().map(String::as_str));
    dept_ids.sort();
    dept_ids.dedup();
    let mut dept_rows: Vec<DepartmentProgress> = dept_ids
        .iter()
        .filter_map(|id| departments.get(*id))
        .map(|d| {
            let owned_touchpoints = owned.get(d.id.as_str()).copied().unwrap_or(0);
            let running_plans = running.get(d.id.as_str()).copied().unwrap_or(0);
            let actions = by_department.get(&d.id);
            DepartmentProgress {
                department_id: d.id.clone(),
                name: d.name.clone(),
                function: d
                    .function
                    .as_deref()
                    .and_then(|f| f.parse::<Function>().ok())
                    .map(Into::into),
                owned_touchpoints,
                running_plans,
                open_actions: actions.map(|a| clamp_i32(a.open)).unwrap_or(0),
                overdue_actions: actions.map(|a| clamp_i32(a.overdue)).unwrap_or(0),
                engaged: owned_touchpoints > 0 || running_plans > 0,
            }
        })
        .collect();
    dept_rows.sort_by(|a, b| a.name.cmp(&b.name));

    let mut engaged: Vec<Function> = dept_rows
        .iter()
        .filter(|d| d.engaged)
        .filter_map(|d| {
            departments
                .get(&d.department_id)
                .and_then(|m| m.function.as_deref())
                .and_then(|f| f.parse().ok())
        })
        .collect();
    engaged.sort_by_key(|f: &Function| f.as_str());
    engaged.dedup();
    let (phase, next) = assess(&engaged);
    let (rule, more, needs) = match next {
        NextPhase::MoreFunctions { count, any_of } => {
            (NextPhaseRule::MoreFunctions, count as u32, any_of)
        }
        NextPhase::AllOf(needs) => (NextPhaseRule::AllOf, 0, needs),
        NextPhase::Nothing => (NextPhaseRule::None, 0, vec![]),
    };
    let engaged_ids: std::collections::HashSet<&str> = dept_rows
        .iter()
        .filter(|d| d.engaged)
        .map(|d| d.department_id.as_str())
        .collect();
    let mut to_engage: Vec<crate::http::coverage::DepartmentRef> = departments
        .values()
        .filter(|d| d.active && !engaged_ids.contains(d.id.as_str()))
        .filter(|d| {
            d.function
                .as_deref()
                .and_then(|f| f.parse::<Function>().ok())
                .is_some_and(|f| needs.contains(&f))
        })
        .map(|d| crate::http::coverage::DepartmentRef {
            id: d.id.clone(),
            name: d.name.clone(),
            code: d.code.clone(),
        })
        .collect();
    to_engage.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(ProgressReport {
        program_id: program.id.clone(),
        generated_at: state.now(),
        plans: plan_rows,
        departments: dept_rows,
        coverage,
        maturity: Maturity {
            phase: match phase {
                Phase::I => PhaseName::One,
                Phase::II => PhaseName::Two,
                Phase::III => PhaseName::Three,
            },
            engaged_functions: engaged.into_iter().map(Into::into).collect(),
            next_phase_rule: rule,
            next_phase_more_functions: more,
            next_phase_needs: needs.into_iter().map(Into::into).collect(),
            next_phase_departments: to_engage,
        },
    })
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
}
