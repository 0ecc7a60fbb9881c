//! Gap arithmetic: how far experience falls short of expectation, or a metric of its
//! target; how bad that is; which way it is going; and how it adds up.
//!
//! Decisions on the edge cases, each tested below:
//! - A positive gap means the customer gets less than expected (or the metric misses
//!   its target); zero or negative means met.
//! - The relative gap is `gap / |reference|` (the expectation, or the target). With a
//!   reference of 0 it is undefined: a met gap is still met, any shortfall against a
//!   zero target ("zero defects") is critical.
//! - Trend needs a previous period; with none the gap is `new`. Gaps within
//!   [`TREND_EPSILON`] of each other are `steady`.
//! - A single reading rolls up to itself; items without a sample size weigh 1.

use crate::program::SeverityThresholds;

/// Which way a metric should move.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    HigherIsBetter,
    LowerIsBetter,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::HigherIsBetter => "higher_is_better",
            Direction::LowerIsBetter => "lower_is_better",
        }
    }
}

/// How bad a gap is, by the program's thresholds on the relative gap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Met,
    Minor,
    Major,
    Critical,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Met => "met",
            Severity::Minor => "minor",
            Severity::Major => "major",
            Severity::Critical => "critical",
        }
    }
}

/// A gap's direction against the previous period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trend {
    /// No previous period to compare with.
    New,
    Better,
    Steady,
    Worse,
}

impl Trend {
    pub fn as_str(self) -> &'static str {
        match self {
            Trend::New => "new",
            Trend::Better => "better",
            Trend::Steady => "steady",
            Trend::Worse => "worse",
        }
    }
}

/// Gaps closer than this are the same for trend purposes.
pub const TREND_EPSILON: f64 = 1e-9;

/// A survey point's gap: expectation − experience.
pub fn survey_gap(expectation: f64, experience: f64) -> f64 {
    expectation - experience
}

/// A metric's gap by its direction: how far it falls short of its target.
pub fn metric_gap(direction: Direction, target: f64, actual: f64) -> f64 {
    match direction {
        Direction::HigherIsBetter => target - actual,
        Direction::LowerIsBetter => actual - target,
    }
}

/// `gap / |reference|`, undefined for a zero reference.
pub fn relative_gap(gap: f64, reference: f64) -> Option<f64> {
    if reference == 0.0 || !reference.is_finite() || !gap.is_finite() {
        None
    } else {
        Some(gap / reference.abs())
    }
}

/// Severity from the relative gap: met ≤ 0 < minor ≤ minor_max < major ≤ major_max
/// < critical. `relative` is `None` only for a zero reference: see the module doc.
pub fn severity(gap: f64, relative: Option<f64>, thresholds: SeverityThresholds) -> Severity {
    match relative {
        _ if gap <= 0.0 => Severity::Met,
        None => Severity::Critical,
        Some(r) if r <= 0.0 => Severity::Met,
        Some(r) if r <= thresholds.minor_max() => Severity::Minor,
        Some(r) if r <= thresholds.major_max() => Severity::Major,
        Some(_) => Severity::Critical,
    }
}

/// This period's gap against the previous period's.
pub fn trend(current: f64, previous: Option<f64>) -> Trend {
    match previous {
        None => Trend::New,
        Some(p) if (current - p).abs() <= TREND_EPSILON => Trend::Steady,
        Some(p) if current < p => Trend::Better,
        Some(_) => Trend::Worse,
    }
}

/// One line of a roll-up: its relative gap, the sample it stands on, its severity.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RollupLine {
    pub relative_gap: Option<f64>,
    pub sample_size: Option<u32>,
    pub severity: Severity,
}

/// A group of lines rolled up.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rollup {
    /// The sample-weighted mean relative gap, each line counted as at least 0: a
    /// point where the customer gets more than expected does not make up for one
    /// where they get less. `None` when no line has a relative gap.
    pub relative_gap: Option<f64>,
    /// The severity of that mean; the worst line's when there is no mean.
    pub severity: Severity,
    /// The worst line's severity.
    pub worst: Severity,
    /// How many lines are met, minor, major and critical.
    pub by_severity: [u32; 4],
}

/// Rolls `lines` up (a missing or zero sample weighs 1). A roll-up never looks better
/// than its lines: over-delivery counts as 0, and the worst line and the count of
/// lines per severity come with the mean.
pub fn rollup(lines: &[RollupLine], thresholds: SeverityThresholds) -> Rollup {
    let (sum, weight) = lines
        .iter()
        .filter_map(|l| Some((l.relative_gap.filter(|r| r.is_finite())?, l.sample_size)))
        .fold((0.0, 0.0), |(s, w), (r, n)| {
            let weight = f64::from(n.unwrap_or(1).max(1));
            (s + r.max(0.0) * weight, w + weight)
        });
    let relative_gap = (weight > 0.0).then(|| sum / weight);
    let worst = lines
        .iter()
        .map(|l| l.severity)
        .max()
        .unwrap_or(Severity::Met);
    let mut by_severity = [0; 4];
    for l in lines {
        by_severity[l.severity as usize] += 1;
    }
    Rollup {
        relative_gap,
        severity: relative_gap.map_or(worst, |r| severity(r, Some(r), thresholds)),
        worst,
        by_severity,
    }
}

/// Worst-first ranking key: the relative gap weighted by how much the point matters
/// (importance 1–5; metrics count as 3). An undefined relative gap that is a
/// shortfall ranks above everything.
pub fn priority(gap: f64, relative: Option<f64>, importance: u8) -> f64 {
    match relative {
        None if gap > 0.0 => f64::INFINITY,
        None => 0.0,
        Some(r) => r * f64::from(importance.clamp(1, 5)),
    }
}

/// The provider rates its own service this much above its customer, on the scale:
/// a blind spot when at least `threshold`.
pub fn blind_spot(provider_rating: Option<f64>, experience: f64, threshold: f64) -> Option<f64> {
    let diff = provider_rating? - experience;
    (diff >= threshold).then_some(diff)
}

/// How a line moved since a saved snapshot of the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Change {
    /// Open now, but not in the snapshot (absent there, or met).
    New,
    /// Open in both; more severe now, or the same severity with a larger gap.
    Worse,
    /// Open in both; less severe now, or the same severity with a smaller gap.
    Better,
    /// Open in both and the same.
    Unchanged,
    /// Open in the snapshot; met now, or no longer measured.
    Closed,
}

impl Change {
    pub fn as_str(self) -> &'static str {
        match self {
            Change::New => "new",
            Change::Worse => "worse",
            Change::Better => "better",
            Change::Unchanged => "unchanged",
            Change::Closed => "closed",
        }
    }
}

/// A line's state in one report: its gap and severity; `None` when absent.
pub type LineState = Option<(f64, Severity)>;

/// What happened to a line between a snapshot (`before`) and now (`after`). `None`
/// when it was open in neither: a met line staying met is no news.
pub fn change_since(before: LineState, after: LineState) -> Option<Change> {
    let open = |s: LineState| s.filter(|(_, severity)| *severity > Severity::Met);
    match (open(before), open(after)) {
        (None, None) => None,
        (None, Some(_)) => Some(Change::New),
        (Some(_), None) => Some(Change::Closed),
        (Some((was, was_severity)), Some((now, now_severity))) => Some(
            match now_severity.cmp(&was_severity).then_with(|| {
                if (now - was).abs() <= TREND_EPSILON {
                    std::cmp::Ordering::Equal
                } else {
                    now.total_cmp(&was)
                }
            }) {
                std::cmp::Ordering::Greater => Change::Worse,
                std::cmp::Ordering::Less => Change::Better,
                std::cmp::Ordering::Equal => Change::Unchanged,
            },
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn t() -> SeverityThresholds {
        SeverityThresholds::default()
    }

    #[test]
    fn survey_and_metric_gaps_are_positive_when_short() {
        assert_eq!(survey_gap(9.0, 6.0), 3.0);
        assert_eq!(metric_gap(Direction::HigherIsBetter, 80.0, 72.0), 8.0);
        assert_eq!(metric_gap(Direction::LowerIsBetter, 4.0, 6.0), 2.0);
        assert_eq!(metric_gap(Direction::LowerIsBetter, 4.0, 3.0), -1.0);
    }

    #[test]
    fn every_severity_class_at_its_boundaries() {
        let sev = |gap: f64, reference: f64| severity(gap, relative_gap(gap, reference), t());
        assert_eq!(sev(0.0, 10.0), Severity::Met);
        assert_eq!(sev(-1.0, 10.0), Severity::Met);
        assert_eq!(sev(1.0, 10.0), Severity::Minor); // 10 %
        assert_eq!(sev(1.5, 10.0), Severity::Major); // 15 %
        assert_eq!(sev(2.5, 10.0), Severity::Major); // 25 %
        assert_eq!(sev(2.6, 10.0), Severity::Critical);
    }

    #[test]
    fn a_zero_target_is_met_or_critical() {
        assert_eq!(relative_gap(2.0, 0.0), None);
        assert_eq!(severity(0.0, relative_gap(0.0, 0.0), t()), Severity::Met);
        assert_eq!(
            severity(2.0, relative_gap(2.0, 0.0), t()),
            Severity::Critical
        );
        assert_eq!(priority(2.0, None, 1), f64::INFINITY);
    }

    #[test]
    fn trend_without_a_previous_period_is_new() {
        assert_eq!(trend(3.0, None), Trend::New);
        assert_eq!(trend(2.0, Some(3.0)), Trend::Better);
        assert_eq!(trend(4.0, Some(3.0)), Trend::Worse);
        assert_eq!(trend(3.0, Some(3.0)), Trend::Steady);
    }

    fn line(relative_gap: f64, sample_size: Option<u32>) -> RollupLine {
        RollupLine {
            relative_gap: Some(relative_gap),
            sample_size,
            severity: severity(relative_gap, Some(relative_gap), t()),
        }
    }

    #[test]
    fn a_single_reading_rolls_up_to_itself_and_samples_weigh() {
        assert_eq!(rollup(&[line(0.2, None)], t()).relative_gap, Some(0.2));
        let r = rollup(&[line(0.1, Some(30)), line(0.4, Some(10))], t());
        assert!((r.relative_gap.unwrap() - 0.175).abs() < 1e-12);
        assert_eq!(rollup(&[], t()).relative_gap, None);
        assert_eq!(rollup(&[], t()).severity, Severity::Met);
    }

    #[test]
    fn over_delivery_does_not_hide_a_gap() {
        // Two major lines and a point where the customer gets far more than expected:
        // what the first week's report rolled up to 5.4 % "minor".
        let r = rollup(
            &[line(0.25, None), line(0.167, None), line(-0.25, None)],
            t(),
        );
        assert!((r.relative_gap.unwrap() - (0.25 + 0.167) / 3.0).abs() < 1e-12);
        assert_eq!(r.worst, Severity::Major);
        assert_eq!(r.by_severity, [1, 0, 2, 0]);
    }

    #[test]
    fn a_blind_spot_is_the_provider_rating_itself_well_above_its_customer() {
        assert_eq!(blind_spot(Some(9.0), 6.0, 2.0), Some(3.0));
        assert_eq!(blind_spot(Some(7.0), 6.0, 2.0), None);
        assert_eq!(blind_spot(None, 6.0, 2.0), None);
    }

    #[test]
    fn changes_since_a_snapshot() {
        let open = |g: f64, s: Severity| Some((g, s));
        assert_eq!(
            change_since(None, open(2.0, Severity::Minor)),
            Some(Change::New)
        );
        assert_eq!(
            change_since(open(0.0, Severity::Met), open(2.0, Severity::Major)),
            Some(Change::New)
        );
        assert_eq!(
            change_since(open(2.0, Severity::Minor), None),
            Some(Change::Closed)
        );
        assert_eq!(
            change_since(open(2.0, Severity::Minor), open(-1.0, Severity::Met)),
            Some(Change::Closed)
        );
        assert_eq!(
            change_since(open(2.0, Severity::Minor), open(3.0, Severity::Critical)),
            Some(Change::Worse)
        );
        assert_eq!(
            change_since(open(2.0, Severity::Minor), open(2.5, Severity::Minor)),
            Some(Change::Worse)
        );
        assert_eq!(
            change_since(open(3.0, Severity::Major), open(2.5, Severity::Major)),
            Some(Change::Better)
        );
        // A smaller gap on a shrunken expectation can still be more severe: severity wins.
        assert_eq!(
            change_since(open(3.0, Severity::Minor), open(2.0, Severity::Major)),
            Some(Change::Worse)
        );
        assert_eq!(
            change_since(open(2.0, Severity::Minor), open(2.0, Severity::Minor)),
            Some(Change::Unchanged)
        );
        assert_eq!(change_since(None, open(0.0, Severity::Met)), None);
        assert_eq!(change_since(None, None), None);
    }

    proptest! {
        #[test]
        fn a_change_and_its_reverse_mirror_each_other(a in -10.0f64..10.0, b in -10.0f64..10.0) {
            let state = |g: f64| Some((g, severity(g, relative_gap(g, 10.0), t())));
            let forth = change_since(state(a), state(b));
            let back = change_since(state(b), state(a));
            let mirrored = forth.map(|c| match c {
                Change::New => Change::Closed,
                Change::Closed => Change::New,
                Change::Worse => Change::Better,
                Change::Better => Change::Worse,
                Change::Unchanged => Change::Unchanged,
            });
            prop_assert_eq!(mirrored, back);
        }
    }

    proptest! {
        #[test]
        fn the_relative_gap_has_the_gaps_sign(gap in -1e6f64..1e6, reference in -1e6f64..1e6) {
            if let Some(r) = relative_gap(gap, reference) {
                prop_assert_eq!(r.signum() == gap.signum() || gap == 0.0, true);
            }
        }

        #[test]
        fn severity_never_falls_as_the_gap_grows(reference in 0.1f64..1e4, a in 0.0f64..1e4, b in 0.0f64..1e4) {
            let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
            let s = |g: f64| severity(g, relative_gap(g, reference), t());
            prop_assert!(s(lo) <= s(hi));
        }

        #[test]
        fn the_two_directions_mirror_each_other(target in -1e6f64..1e6, actual in -1e6f64..1e6) {
            prop_assert_eq!(metric_gap(Direction::HigherIsBetter, target, actual), -metric_gap(Direction::LowerIsBetter, target, actual));
        }

        #[test]
        fn a_rollup_never_looks_better_than_its_lines(items in proptest::collection::vec((-2.0f64..2.0, proptest::option::of(1u32..1000)), 1..20)) {
            let lines: Vec<RollupLine> = items.iter().map(|&(r, n)| line(r, n)).collect();
            let r = rollup(&lines, t());
            let mean = r.relative_gap.unwrap();
            let clamped: Vec<f64> = items.iter().map(|(r, _)| r.max(0.0)).collect();
            let min = clamped.iter().copied().fold(f64::INFINITY, f64::min);
            let max = clamped.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            // Between its lines, over-delivery counted as 0: never below zero.
            prop_assert!(mean >= min - 1e-9 && mean <= max + 1e-9);
            // The worst line is carried, and no milder than any line.
            prop_assert!(lines.iter().all(|l| l.severity <= r.worst));
            prop_assert!(r.severity <= r.worst);
            prop_assert_eq!(r.by_severity.iter().sum::<u32>() as usize, lines.len());
            // How far a point exceeds expectation changes nothing.
            let exceeding_more: Vec<RollupLine> = items.iter().map(|&(g, n)| line(if g < 0.0 { g * 10.0 } else { g }, n)).collect();
            prop_assert_eq!(rollup(&exceeding_more, t()).relative_gap, r.relative_gap);
        }
    }
}
