//! The labels of the HTML reports (and of the gap lines in reminder mails), read from
//! the Fluent files (`report-*` keys in `api/locales/*.ftl`) once per locale, chosen
//! by the reader's locale or `Accept-Language` ([`Locale::from_accept_language`]);
//! and numbers as people read them. JSON and CSV keep their machine names.

use std::sync::LazyLock;

use cxpm_domain::gap::Severity;
use cxpm_domain::values::Locale;

use crate::words::Words;

/// Every label a report page prints.
pub struct Labels {
    pub lang: &'static str,
    pub gap_report: &'static str,
    pub progress_report: &'static str,
    pub generated: &'static str,
    pub worst_gaps: &'static str,
    pub worst_gaps_note: &'static str,
    pub trend: &'static str,
    pub trend_note: &'static str,
    pub by_department: &'static str,
    pub by_department_note: &'static str,
    pub all_lines: &'static str,
    pub name: &'static str,
    pub department: &'static str,
    pub period: &'static str,
    pub expected: &'static str,
    pub actual: &'static str,
    pub gap: &'static str,
    pub relative_gap: &'static str,
    pub severity: &'static str,
    pub trend_column: &'static str,
    pub findings: &'static str,
    pub change: &'static str,
    pub changes_since: &'static str,
    pub closed_gaps: &'static str,
    pub nothing_measured: &'static str,
    /// met, minor, major, critical
    pub severities: [&'static str; 4],
    /// new, better, steady, worse
    pub trends: [&'static str; 4],
    /// no open plan, blind spot, stale metric, effect missed
    pub finding_names: [&'static str; 4],
    /// new, worse, better, unchanged, closed
    pub changes: [&'static str; 5],
    pub plan_progress: &'static str,
    pub plan_progress_note: &'static str,
    /// done, open, overdue
    pub action_states: [&'static str; 3],
    pub plans: &'static str,
    pub plan: &'static str,
    pub cycle: &'static str,
    pub step: &'static str,
    pub all_settled: &'static str,
    pub days_since_update: &'static str,
    pub no_plans: &'static str,
    pub coverage: &'static str,
    pub coverage_note: &'static str,
    /// touchpoints without owner, sub-processes without owner, owner rows without a
    /// person, departments without an internal customer
    pub coverage_gaps: [&'static str; 4],
    pub coverage_ready: &'static str,
    pub departments: &'static str,
    pub owned_touchpoints: &'static str,
    pub running_plans: &'static str,
    pub engaged: &'static str,
    /// The report pages' download links.
    pub download: &'static str,
    // Column headers of the workbooks (`?format=xlsx`).
    pub owner: &'static str,
    pub period_start: &'static str,
    pub period_end: &'static str,
    pub previous_gap: &'static str,
    pub importance: &'static str,
    pub sample_size: &'static str,
    pub open_actions: &'static str,
    pub lines: &'static str,
    pub worst: &'static str,
    pub by_stage: &'static str,
    pub by_relationship: &'static str,
    pub steps_settled: &'static str,
    pub feedback_asked: &'static str,
    pub coverage_gap: &'static str,
    /// Feedback rounds: answered of asked, per department.
    pub feedback_answered: &'static str,
    /// The program's feedback rounds' response, internal and outside customers.
    pub feedback_response: &'static str,
    pub yes: &'static str,
    pub no: &'static str,
    pub maturity: &'static str,
    pub maturity_note: &'static str,
    pub phase: &'static str,
    /// I, II, III: which functions each phase engages
    pub phases: [&'static str; 3],
    pub engaged_functions: &'static str,
    pub next_phase_needs: &'static str,
    /// A plan's current step, `{n}` its number: "step 3 of 7".
    pub step_of: &'static str,
    /// Phase I to II: one more function, any of those listed.
    pub next_phase_one_more: &'static str,
    /// Phase I to II with nothing engaged: two functions, among those listed.
    pub next_phase_two_more: &'static str,
    /// Phase II to III: every function listed.
    pub next_phase_all_of: &'static str,
    /// The departments with those functions not yet engaged.
    pub to_engage: &'static str,
    pub top_phase: &'static str,
    /// marketing, sales, service, it, finance, operations, other
    pub functions: [&'static str; 7],
}

/// Each locale's labels, read once from the Fluent files (`report-*` keys).
static ALL: LazyLock<Vec<(Locale, Labels)>> = LazyLock::new(|| {
    Locale::ALL
        .into_iter()
        .map(|locale| (locale, build(locale)))
        .collect()
});

/// A label lives as long as the process: three locales, read once.
fn leak(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

fn build(locale: Locale) -> Labels {
    let w = Words::new(locale);
    let s = |id: &str| leak(w.get(&format!("report-{id}")));
    Labels {
        lang: locale.as_str(),
        gap_report: s("gap-report"),
        progress_report: s("progress-report"),
        generated: s("generated"),
        worst_gaps: s("worst-gaps"),
        worst_gaps_note: s("worst-gaps-note"),
        trend: s("trend"),
        trend_note: s("trend-note"),
        by_department: s("by-department"),
        by_department_note: s("by-department-note"),
        all_lines: s("all-lines"),
        name: s("name"),
        department: s("department"),
        period: s("period"),
        expected: s("expected"),
        actual: s("actual"),
        gap: s("gap"),
        relative_gap: s("relative-gap"),
        severity: s("severity"),
        trend_column: s("trend-column"),
        findings: s("findings"),
        change: s("change"),
        changes_since: s("changes-since"),
        closed_gaps: s("closed-gaps"),
        nothing_measured: s("nothing-measured"),
        severities: ["met", "minor", "major", "critical"].map(|k| s(&format!("severity-{k}"))),
        trends: ["new", "better", "steady", "worse"].map(|k| s(&format!("trend-{k}"))),
        finding_names: [
            "no-open-plan",
            "blind-spot",
            "stale-metric",
            "effect-missed",
        ]
        .map(|k| s(&format!("finding-{k}"))),
        changes: ["new", "worse", "better", "unchanged", "closed"]
            .map(|k| s(&format!("change-{k}"))),
        plan_progress: s("plan-progress"),
        plan_progress_note: s("plan-progress-note"),
        action_states: ["done", "open", "overdue"].map(|k| s(&format!("action-{k}"))),
        plans: s("plans"),
        plan: s("plan"),
        cycle: s("cycle"),
        step: s("step"),
        all_settled: s("all-settled"),
        days_since_update: s("days-since-update"),
        no_plans: s("no-plans"),
        coverage: s("coverage"),
        coverage_note: s("coverage-note"),
        coverage_gaps: ["touchpoints", "sub-processes", "owners", "departments"]
            .map(|k| s(&format!("coverage-gap-{k}"))),
        coverage_ready: s("coverage-ready"),
        departments: s("departments"),
        owned_touchpoints: s("owned-touchpoints"),
        running_plans: s("running-plans"),
        engaged: s("engaged"),
        download: s("download"),
        owner: s("owner"),
        period_start: s("period-start"),
        period_end: s("period-end"),
        previous_gap: s("previous-gap"),
        importance: s("importance"),
        sample_size: s("sample-size"),
        open_actions: s("open-actions"),
        lines: s("lines"),
        worst: s("worst"),
        by_stage: s("by-stage"),
        by_relationship: s("by-relationship"),
        steps_settled: s("steps-settled"),
        feedback_asked: s("feedback-asked"),
        coverage_gap: s("coverage-gap"),
        feedback_answered: s("feedback-answered"),
        feedback_response: leak(w.with(
            "report-feedback-response",
            &[
                ("internal", "{internal}"),
                ("internal_asked", "{internal_asked}"),
                ("external", "{external}"),
                ("external_asked", "{external_asked}"),
            ],
        )),
        yes: s("yes"),
        no: s("no"),
        maturity: s("maturity"),
        maturity_note: s("maturity-note"),
        phase: s("phase"),
        phases: ["one", "two", "three"].map(|k| s(&format!("phase-{k}"))),
        engaged_functions: s("engaged-functions"),
        next_phase_needs: s("next-phase-needs"),
        step_of: leak(w.with("report-step-of", &[("n", "{n}")])),
        next_phase_one_more: s("next-phase-one-more"),
        next_phase_two_more: s("next-phase-two-more"),
        next_phase_all_of: s("next-phase-all-of"),
        to_engage: s("to-engage"),
        top_phase: s("top-phase"),
        functions: [
            "marketing",
            "sales",
            "service",
            "it",
            "finance",
            "operations",
            "other",
        ]
        .map(|k| s(&format!("function-{k}"))),
    }
}

/// The labels in `locale`.
pub fn labels(locale: Locale) -> &'static Labels {
    ALL.iter()
        .find(|(l, _)| *l == locale)
        .map(|(_, t)| t)
        .unwrap_or(&ALL[0].1)
}

/// A severity in the reader's words.
pub fn severity_label(t: &Labels, s: Severity) -> &'static str {
    t.severities[match s {
        Severity::Met => 0,
        Severity::Minor => 1,
        Severity::Major => 2,
        Severity::Critical => 3,
    }]
}

/// A number as people read it: at most two decimals, no trailing zeros.
pub fn num(v: f64) -> String {
    let s = format!("{v:.2}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".to_owned()
    } else {
        s.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_as_people_write_them() {
        assert_eq!(num(2.0), "2");
        assert_eq!(num(0.08), "0.08");
        assert_eq!(num(9.2), "9.2");
        assert_eq!(num(-0.001), "0");
        assert_eq!(num(1.0 / 3.0), "0.33");
    }

    #[test]
    fn labels_come_from_the_fluent_files() {
        assert_eq!(labels(Locale::ZhCn).gap_report, "差距报告");
        assert_eq!(
            labels(Locale::PtBr).step_of.replace("{n}", "3"),
            "passo 3 de 7"
        );
        assert_eq!(labels(Locale::En).functions[3], "IT");
        // No key fell back to its id.
        for locale in Locale::ALL {
            let t = labels(locale);
            assert!(
                t.severities
                    .iter()
                    .chain(&t.phases)
                    .all(|l| !l.starts_with("report-"))
            );
        }
    }
}
