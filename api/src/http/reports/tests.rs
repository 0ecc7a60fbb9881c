//! Reports are written by serde (fast) but described by poem-openapi (the spec):
//! both writings must be the same JSON.

use poem_openapi::types::ToJSON;

use chrono::{NaiveDate, Utc};
use serde::Serialize;

use super::views::*;
use crate::http::coverage::{
    Coverage, DepartmentCoverage, DepartmentRef, OwnerRef, StageRef, SubProcessRef,
};
use crate::http::departments::FunctionName;
use cxpm_app::reports as app;

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
            feedback_asked: 4,
            feedback_answered: 3,
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
        feedback: FeedbackResponse {
            internal_asked: 4,
            internal_answered: 3,
            external_asked: 2,
            external_answered: 1,
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
