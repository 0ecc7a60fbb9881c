//! The reports as self-contained printable HTML pages: one `<section>` per part, each
//! with one inline SVG chart, in the reader's language. Templates are in
//! `api/templates/` (askama, escaped by default); the chart geometry is [`charts`].

use askama::Template;
use chrono::{DateTime, NaiveDate, Utc};
use cxpm_domain::values::TimeZone;

use super::charts::{self, BarChart, BarInput, LineChart, SeriesInput, StackChart, StackInput};
use super::views::{
    ChangeName, Finding, GapLine, GapReport, GapRollup, HISTORY, NextPhaseRule, PeriodGap,
    PhaseName, ProgressReport, SeverityName, SnapshotChanges, TrendName,
};
use crate::error::{ApiError, ApiResult};
use crate::http::departments::FunctionName;
use crate::labels::{Labels, num};

/// How many of the worst gaps the bar chart shows.
const WORST: usize = 15;
/// How many points the trend chart follows.
pub const TRENDS: usize = 6;

fn percent(v: f64) -> String {
    format!("{:.1} %", v * 100.0)
}

/// A time in the reader's zone, with UTC beside it: `2026-12-02 17:05 Asia/Shanghai
/// (09:05 UTC)`.
fn when(at: DateTime<Utc>, zone: TimeZone) -> String {
    let local = at.with_timezone(&zone.tz());
    if zone.as_str() == "UTC" {
        return at.format("%Y-%m-%d %H:%M UTC").to_string();
    }
    format!(
        "{} {} ({} UTC)",
        local.format("%Y-%m-%d %H:%M"),
        zone.as_str(),
        at.format("%H:%M")
    )
}

fn severity_class(s: SeverityName) -> &'static str {
    match s {
        SeverityName::Met => "met",
        SeverityName::Minor => "minor",
        SeverityName::Major => "major",
        SeverityName::Critical => "critical",
    }
}

pub(super) fn severity_label(t: &Labels, s: SeverityName) -> &'static str {
    crate::labels::severity_label(t, s.into())
}

pub(super) fn trend_label(t: &Labels, trend: TrendName) -> &'static str {
    t.trends[match trend {
        TrendName::New => 0,
        TrendName::Better => 1,
        TrendName::Steady => 2,
        TrendName::Worse => 3,
    }]
}

pub(super) fn finding_label(t: &Labels, f: Finding) -> &'static str {
    t.finding_names[match f {
        Finding::NoOpenPlan => 0,
        Finding::BlindSpot => 1,
        Finding::StaleMetric => 2,
        Finding::EffectMissed => 3,
    }]
}

pub(super) fn change_label(t: &Labels, c: ChangeName) -> &'static str {
    t.changes[match c {
        ChangeName::New => 0,
        ChangeName::Worse => 1,
        ChangeName::Better => 2,
        ChangeName::Unchanged => 3,
        ChangeName::Closed => 4,
    }]
}

pub(super) fn function_label(t: &Labels, f: FunctionName) -> &'static str {
    t.functions[match f {
        FunctionName::Marketing => 0,
        FunctionName::Sales => 1,
        FunctionName::Service => 2,
        FunctionName::It => 3,
        FunctionName::Finance => 4,
        FunctionName::Operations => 5,
        FunctionName::Other => 6,
    }]
}

/// A count by class, for a page's summary line.
struct Count {
    label: &'static str,
    count: usize,
    class: &'static str,
}

struct GapRow {
    name: String,
    department: String,
    /// First and last day, each kept on one line.
    period: (String, String),
    expected: String,
    actual: String,
    gap: String,
    relative: String,
    severity: &'static str,
    severity_class: &'static str,
    trend: &'static str,
    findings: String,
    change: &'static str,
}

struct ClosedRow {
    name: String,
    department: String,
    was: String,
    now: String,
}

struct ChangesView {
    label: String,
    taken_at: String,
    chart: BarChart,
    closed: Vec<ClosedRow>,
}

#[derive(Template)]
#[template(path = "gap_report.html")]
struct GapPage {
    t: &'static Labels,
    /// The app's controls above the report (the pages' route only): navigation,
    /// filters, a snapshot, downloads and print, rendered by the pages in their words.
    controls: Option<String>,
    title: String,
    generated: String,
    summary: Vec<Count>,
    changes: Option<ChangesView>,
    worst: BarChart,
    rows: Vec<GapRow>,
    trend: LineChart,
    departments: BarChart,
}

fn worst_chart(lines: &[GapLine]) -> BarChart {
    charts::bars(
        lines
            .iter()
            .filter(|l| l.severity > SeverityName::Met)
            .take(WORST)
            .map(|l| BarInput {
                label: l.name.clone(),
                // An undefined relative gap (a zero target missed) is drawn full.
                value: l.relative_gap.unwrap_or(f64::INFINITY),
                value_text: l.relative_gap.map(percent).unwrap_or_else(|| num(l.gap)),
                class: severity_class(l.severity),
            })
            .collect(),
    )
}

fn trend_chart(trends: &[(String, Vec<PeriodGap>)]) -> LineChart {
    let mut periods: Vec<NaiveDate> = trends
        .iter()
        .flat_map(|(_, history)| history.iter().map(|h| h.period_start))
        .collect();
    periods.sort();
    periods.dedup();
    let periods = &periods[periods.len().saturating_sub(HISTORY)..];
    let series = trends
        .iter()
        .map(|(name, history)| SeriesInput {
            name: name.clone(),
            values: periods
                .iter()
                .map(|p| {
                    history
                        .iter()
                        .find(|h| h.period_start == *p)
                        .and_then(|h| h.relative_gap)
                })
                .collect(),
        })
        .collect();
    charts::lines(
        periods
            .iter()
            .map(|p| p.format("%Y-%m-%d").to_string())
            .collect(),
        series,
        percent,
    )
}

fn changes_view(t: &Labels, zone: TimeZone, c: &SnapshotChanges) -> ChangesView {
    let counts = [
        (ChangeName::New, c.new, "critical"),
        (ChangeName::Worse, c.worse, "major"),
        (ChangeName::Better, c.better, "minor"),
        (ChangeName::Unchanged, c.unchanged, "neutral"),
        (ChangeName::Closed, c.closed, "met"),
    ];
    ChangesView {
        label: c.label.clone(),
        taken_at: when(c.taken_at, zone),
        chart: charts::bars(
            counts
                .iter()
                .map(|(name, n, class)| BarInput {
                    label: change_label(t, *name).to_owned(),
                    value: f64::from(*n),
                    value_text: n.to_string(),
                    class,
                })
                .collect(),
        ),
        closed: c
            .closed_lines
            .iter()
            .map(|l| ClosedRow {
                name: l.name.clone(),
                department: l.department_name.clone().unwrap_or_default(),
                was: num(l.was_gap),
                now: l.gap.map(num).unwrap_or_else(|| "–".to_owned()),
            })
            .collect(),
    }
}

/// The gap report as a page; `trends` are the worst lines' histories, worst first.
pub fn gap_page(
    t: &'static Labels,
    zone: TimeZone,
    program: &str,
    report: &GapReport,
    trends: &[(String, Vec<PeriodGap>)],
    controls: Option<String>,
) -> ApiResult<String> {
    let summary = [
        SeverityName::Critical,
        SeverityName::Major,
        SeverityName::Minor,
        SeverityName::Met,
    ]
    .into_iter()
    .map(|s| Count {
        label: severity_label(t, s),
        count: report.lines.iter().filter(|l| l.severity == s).count(),
        class: severity_class(s),
    })
    .collect();
    let mut by_department: Vec<&GapRollup> = report.rollups.by_department.iter().collect();
    by_department.sort_by(|a, b| {
        b.relative_gap
            .unwrap_or(0.0)
            .total_cmp(&a.relative_gap.unwrap_or(0.0))
    });
    let page = GapPage {
        t,
        controls,
        title: format!("{} — {program}", t.gap_report),
        generated: when(report.generated_at, zone),
        summary,
        changes: report.changes.as_ref().map(|c| changes_view(t, zone, c)),
        worst: worst_chart(&report.lines),
        rows: report
            .lines
            .iter()
            .map(|l| GapRow {
                name: l.name.clone(),
                department: match (&l.department_name, &l.owner_name) {
                    (Some(d), Some(o)) => format!("{d} ({o})"),
                    (Some(d), None) => d.clone(),
                    _ => String::new(),
                },
                period: (l.period_start.to_string(), l.period_end.to_string()),
                expected: num(l.expected),
                actual: num(l.actual),
                gap: num(l.gap),
                relative: l.relative_gap.map(percent).unwrap_or_default(),
                severity: severity_label(t, l.severity),
                severity_class: severity_class(l.severity),
                trend: trend_label(t, l.trend),
                findings: l
                    .findings
                    .iter()
                    .map(|f| finding_label(t, *f))
                    .collect::<Vec<_>>()
                    .join("; "),
                change: l.change.map(|c| change_label(t, c)).unwrap_or_default(),
            })
            .collect(),
        trend: trend_chart(trends),
        departments: charts::bars(
            by_department
                .into_iter()
                .map(|r| BarInput {
                    label: r.name.clone(),
                    value: r.relative_gap.unwrap_or(0.0),
                    value_text: r.relative_gap.map(percent).unwrap_or_default(),
                    class: severity_class(r.severity),
                })
                .collect(),
        ),
    };
    page.render().map_err(|e| ApiError::internal(&e))
}

struct PlanRow {
    title: String,
    department: String,
    cycle: i32,
    step: String,
    done: i32,
    open: i32,
    overdue: i32,
    days: i64,
}

struct DepartmentRow {
    name: String,
    owned: i32,
    running: i32,
    open: i32,
    overdue: i32,
    engaged: &'static str,
    /// `answered / asked (rate)`, or a dash when nobody was asked.
    feedback: String,
}

struct PhaseBox {
    roman: &'static str,
    text: &'static str,
    /// The text on up to two lines, each cut to fit the box.
    lines: Vec<String>,
    x: f64,
    class: &'static str,
}

#[derive(Template)]
#[template(path = "progress_report.html")]
struct ProgressPage {
    t: &'static Labels,
    controls: Option<String>,
    title: String,
    generated: String,
    done: &'static str,
    open: &'static str,
    overdue: &'static str,
    legend: Vec<Count>,
    progress: StackChart,
    plans: Vec<PlanRow>,
    departments: Vec<DepartmentRow>,
    coverage: BarChart,
    coverage_ready: bool,
    phase: &'static str,
    phases: Vec<PhaseBox>,
    engaged: String,
    needs: String,
    needs_rule: &'static str,
    to_engage: String,
    /// The program's feedback response, when anyone was asked.
    feedback_line: Option<String>,
}

/// Actions per department — done, open but not overdue, overdue (a plan's open count
/// includes its overdue ones) — in the order departments first appear.
fn actions_by_department(report: &ProgressReport) -> Vec<(String, [i32; 3])> {
    let mut by_department: Vec<(String, [i32; 3])> = Vec::new();
    for p in &report.plans {
        let row = match by_department
            .iter_mut()
            .find(|(name, _)| *name == p.department_name)
        {
            Some(row) => row,
            None => {
                by_department.push((p.department_name.clone(), [0; 3]));
                let last = by_department.len() - 1;
                &mut by_department[last]
            }
        };
        row.1[0] += p.actions_done;
        row.1[1] += (p.actions_open - p.actions_overdue).max(0);
        row.1[2] += p.actions_overdue;
    }
    by_department
}

/// The three phases as boxes, those reached, the current one and those ahead.
fn phase_boxes(t: &'static Labels, current: usize) -> Vec<PhaseBox> {
    (0..3)
        .map(|i| PhaseBox {
            roman: ROMANS[i],
            text: t.phases[i],
            lines: charts::wrap(t.phases[i], 32, 2),
            x: 4.0 + i as f64 * 240.0,
            class: match i.cmp(&current) {
                std::cmp::Ordering::Less => "reached",
                std::cmp::Ordering::Equal => "current",
                std::cmp::Ordering::Greater => "ahead",
            },
        })
        .collect()
}

const ROMANS: [&str; 3] = ["I", "II", "III"];

fn plan_rows(t: &Labels, report: &ProgressReport) -> Vec<PlanRow> {
    report
        .plans
        .iter()
        .map(|p| PlanRow {
            title: p.title.clone(),
            department: p.department_name.clone(),
            cycle: p.cycle,
            step: p
                .current_step
                .map(|s| t.step_of.replace("{n}", &s.to_string()))
                .unwrap_or_else(|| t.all_settled.to_owned()),
            done: p.actions_done,
            open: p.actions_open,
            overdue: p.actions_overdue,
            days: p.days_since_last_update,
        })
        .collect()
}

fn department_rows(t: &'static Labels, report: &ProgressReport) -> Vec<DepartmentRow> {
    report
        .departments
        .iter()
        .map(|d| DepartmentRow {
            name: d.name.clone(),
            owned: d.owned_touchpoints,
            running: d.running_plans,
            open: d.open_actions,
            overdue: d.overdue_actions,
            engaged: if d.engaged { t.yes } else { t.no },
            feedback: match d.feedback_asked {
                0 => "—".to_owned(),
                asked => format!(
                    "{} / {asked} ({:.0} %)",
                    d.feedback_answered,
                    f64::from(d.feedback_answered) * 100.0 / f64::from(asked)
                ),
            },
        })
        .collect()
}

/// What is still missing before every touchpoint has an owner, one bar per kind.
fn coverage_chart(t: &Labels, report: &ProgressReport) -> BarChart {
    let cov = &report.coverage;
    let counts = [
        cov.touchpoints_without_owner.len(),
        cov.sub_processes_without_owner.len(),
        cov.owners_without_person.len(),
        cov.departments_without_relationship.len(),
    ];
    charts::bars(
        t.coverage_gaps
            .iter()
            .zip(counts)
            .map(|(label, n)| BarInput {
                label: (*label).to_owned(),
                value: n as f64,
                value_text: n.to_string(),
                class: if n == 0 { "met" } else { "major" },
            })
            .collect(),
    )
}

/// The program's feedback response in a sentence, when anyone was asked.
fn feedback_line(t: &Labels, report: &ProgressReport) -> Option<String> {
    let f = &report.feedback;
    (f.internal_asked + f.external_asked > 0).then(|| {
        t.feedback_response
            .replace("{internal_asked}", &f.internal_asked.to_string())
            .replace("{internal}", &f.internal_answered.to_string())
            .replace("{external_asked}", &f.external_asked.to_string())
            .replace("{external}", &f.external_answered.to_string())
    })
}

/// The progress report as a page.
pub fn progress_page(
    t: &'static Labels,
    zone: TimeZone,
    program: &str,
    report: &ProgressReport,
    controls: Option<String>,
) -> ApiResult<String> {
    let [done, open, overdue] = t.action_states;
    let by_department = actions_by_department(report);
    let totals = by_department.iter().fold([0; 3], |acc, (_, v)| {
        [acc[0] + v[0], acc[1] + v[1], acc[2] + v[2]]
    });
    let progress = charts::stacked(
        by_department
            .into_iter()
            .map(|(label, v)| StackInput {
                label,
                segments: vec![
                    (f64::from(v[0]), "done"),
                    (f64::from(v[1]), "open"),
                    (f64::from(v[2]), "overdue"),
                ],
            })
            .collect(),
    );
    let phase_index = match report.maturity.phase {
        PhaseName::One => 0,
        PhaseName::Two => 1,
        PhaseName::Three => 2,
    };
    let functions = |fs: &[FunctionName]| {
        fs.iter()
            .map(|f| function_label(t, *f))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let page = ProgressPage {
        t,
        controls,
        title: format!("{} — {program}", t.progress_report),
        generated: when(report.generated_at, zone),
        done,
        open,
        overdue,
        legend: [(done, "done"), (open, "open"), (overdue, "overdue")]
            .into_iter()
            .zip(totals)
            .map(|((label, class), n)| Count {
                label,
                count: n as usize,
                class,
            })
            .collect(),
        progress,
        plans: plan_rows(t, report),
        departments: department_rows(t, report),
        feedback_line: feedback_line(t, report),
        coverage: coverage_chart(t, report),
        coverage_ready: report.coverage.ready,
        phase: ROMANS[phase_index],
        phases: phase_boxes(t, phase_index),
        engaged: functions(&report.maturity.engaged_functions),
        needs: functions(&report.maturity.next_phase_needs),
        needs_rule: match report.maturity.next_phase_rule {
            NextPhaseRule::MoreFunctions if report.maturity.next_phase_more_functions > 1 => {
                t.next_phase_two_more
            }
            NextPhaseRule::MoreFunctions => t.next_phase_one_more,
            NextPhaseRule::AllOf | NextPhaseRule::None => t.next_phase_all_of,
        },
        to_engage: report
            .maturity
            .next_phase_departments
            .iter()
            .map(|d| d.name.as_str())
            .collect::<Vec<_>>()
            .join(if t.lang == "zh-CN" { "、" } else { ", " }),
    };
    page.render().map_err(|e| ApiError::internal(&e))
}
