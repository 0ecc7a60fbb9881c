//! The reports as CSV: one row per line (gap report) or per plan (progress report),
//! in the reader's words.

use super::format::{cell, csv_text, number};
use super::views::{
    ChangeName, Finding, GapKind, GapLine, ProgressReport, SeverityName, TrendName,
};
use crate::error::ApiResult;

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
pub fn gap_csv(lines: &[GapLine]) -> ApiResult<String> {
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
pub fn progress_csv(report: &ProgressReport) -> ApiResult<String> {
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
                p.status.as_str().to_owned(),
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
