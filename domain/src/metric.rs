//! Operational metrics on a touchpoint or sub-process: suggested templates, and
//! when a metric nobody feeds counts as stale.

use chrono::{DateTime, Duration, Utc};

use crate::gap::Direction;

/// A metric a touchpoint usually has, as a starting point.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MetricTemplate {
    pub key: &'static str,
    pub name: &'static str,
    pub unit: &'static str,
    pub direction: Direction,
    pub target: f64,
    pub update_every_days: u32,
}

/// Response time, first-contact resolution, repeat contacts, on-time delivery and
/// satisfaction, with the targets DESIGN.md gives as examples.
pub const METRIC_TEMPLATES: [MetricTemplate; 5] = [
    MetricTemplate {
        key: "response_time",
        name: "Response time",
        unit: "hours",
        direction: Direction::LowerIsBetter,
        target: 4.0,
        update_every_days: 7,
    },
    MetricTemplate {
        key: "first_contact_resolution",
        name: "First-contact resolution",
        unit: "%",
        direction: Direction::HigherIsBetter,
        target: 80.0,
        update_every_days: 30,
    },
    MetricTemplate {
        key: "repeat_contacts",
        name: "Repeat contacts",
        unit: "%",
        direction: Direction::LowerIsBetter,
        target: 10.0,
        update_every_days: 30,
    },
    MetricTemplate {
        key: "on_time_delivery",
        name: "On-time delivery",
        unit: "%",
        direction: Direction::HigherIsBetter,
        target: 95.0,
        update_every_days: 30,
    },
    MetricTemplate {
        key: "satisfaction",
        name: "Satisfaction",
        unit: "score",
        direction: Direction::HigherIsBetter,
        target: 8.0,
        update_every_days: 90,
    },
];

/// A metric is stale when its last reading is older than its update frequency (or
/// it has none and is older than that itself).
pub fn is_stale(
    last_reading: Option<DateTime<Utc>>,
    created: DateTime<Utc>,
    update_every_days: u32,
    now: DateTime<Utc>,
) -> bool {
    let since = last_reading.unwrap_or(created);
    now - since > Duration::days(i64::from(update_every_days))
}

/// An owner row of a sub-process, as the ownership of a metric sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OwnerRow<'a> {
    pub department_id: &'a str,
    pub person_id: Option<&'a str>,
}

/// Who a metric's gap belongs to: the department set on the metric, else the first
/// department among `rows` — the owner rows of its sub-process, or of its touchpoint's
/// sub-processes, in their order — and that department's named person on those rows.
/// `None` when nobody owns any of it yet (a coverage gap, not a line of nobody's).
pub fn metric_owner<'a>(
    set: Option<&'a str>,
    rows: &[OwnerRow<'a>],
) -> Option<(&'a str, Option<&'a str>)> {
    let department = set.or_else(|| rows.first().map(|r| r.department_id))?;
    let person = rows
        .iter()
        .filter(|r| r.department_id == department)
        .find_map(|r| r.person_id);
    Some((department, person))
}

/// The largest size a metric's target, a reading or an action's intended effect may
/// have: a trillion (in the metric's unit). Real metrics — hours, percentages, parts
/// per million, money in cents — stay far below it, and with it every gap and roll-up
/// stays a finite number.
pub const VALUE_MAX: f64 = 1e12;

/// The smallest size a non-zero target may have: gaps are divided by the target, and
/// a target nearer zero than this would make a relative gap without meaning.
pub const TARGET_MIN: f64 = 1e-6;

/// A reading's value (or an intended effect): a finite number of at most
/// [`VALUE_MAX`] in size.
pub fn value(field: &str, v: f64) -> Result<f64, crate::FieldError> {
    if v.is_finite() && v.abs() <= VALUE_MAX {
        Ok(v)
    } else {
        Err(crate::FieldError::new(
            field,
            "must be a number between -1e12 and 1e12",
        ))
    }
}

/// A metric's target: 0, or a number between [`TARGET_MIN`] and [`VALUE_MAX`] in size.
pub fn target(field: &str, v: f64) -> Result<f64, crate::FieldError> {
    let v = value(field, v)?;
    if v == 0.0 || v.abs() >= TARGET_MIN {
        Ok(v)
    } else {
        Err(crate::FieldError::new(
            field,
            "must be 0 or at least 0.000001 in size",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn a_metric_fed_within_its_frequency_is_fresh() {
        let created = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
        let now = Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap();
        assert!(is_stale(None, created, 30, now));
        assert!(!is_stale(Some(now - Duration::days(10)), created, 30, now));
        assert!(is_stale(Some(now - Duration::days(31)), created, 30, now));
    }

    #[test]
    fn templates_cover_the_usual_touchpoint_metrics() {
        let keys: Vec<&str> = METRIC_TEMPLATES.iter().map(|t| t.key).collect();
        assert_eq!(
            keys,
            [
                "response_time",
                "first_contact_resolution",
                "repeat_contacts",
                "on_time_delivery",
                "satisfaction"
            ]
        );
    }
}

#[cfg(test)]
mod owner_tests {
    use super::{OwnerRow, metric_owner};

    #[test]
    fn a_metric_belongs_to_its_set_department_or_its_first_owner() {
        let rows = [
            OwnerRow {
                department_id: "qa",
                person_id: None,
            },
            OwnerRow {
                department_id: "ship",
                person_id: Some("li"),
            },
            OwnerRow {
                department_id: "qa",
                person_id: Some("wang"),
            },
        ];
        assert_eq!(metric_owner(None, &rows), Some(("qa", Some("wang"))));
        assert_eq!(
            metric_owner(Some("ship"), &rows),
            Some(("ship", Some("li")))
        );
        assert_eq!(metric_owner(Some("sales"), &rows), Some(("sales", None)));
        assert_eq!(metric_owner(None, &[]), None);
    }
}

#[cfg(test)]
mod bound_tests {
    use proptest::prelude::*;

    use super::{VALUE_MAX, target, value};
    use crate::gap::{self, Direction, RollupLine};
    use crate::program::SeverityThresholds;

    #[test]
    fn values_at_the_edge_of_f64_are_refused() {
        assert!(value("value", 1.7e308).is_err());
        assert!(value("value", f64::NAN).is_err());
        assert!(target("target", -1.7e308).is_err());
        assert!(target("target", 1e-300).is_err());
        assert_eq!(target("target", 0.0), Ok(0.0));
        assert_eq!(value("value", -VALUE_MAX), Ok(-VALUE_MAX));
    }

    proptest! {
        #[test]
        fn gaps_and_rollups_stay_finite_over_the_accepted_range(
            t in -VALUE_MAX..VALUE_MAX,
            actuals in proptest::collection::vec((-VALUE_MAX..VALUE_MAX, proptest::option::of(1u32..u32::MAX)), 1..50),
            lower in any::<bool>(),
        ) {
            prop_assume!(target("target", t).is_ok());
            let direction = if lower { Direction::LowerIsBetter } else { Direction::HigherIsBetter };
            let thresholds = SeverityThresholds::default();
            let lines: Vec<RollupLine> = actuals.iter().map(|&(a, n)| {
                let g = gap::metric_gap(direction, t, a);
                prop_assert!(g.is_finite());
                let r = gap::relative_gap(g, t);
                prop_assert!(r.is_none_or(f64::is_finite));
                Ok(RollupLine { relative_gap: r, sample_size: n, severity: gap::severity(g, r, thresholds) })
            }).collect::<Result<_, TestCaseError>>()?;
            let rolled = gap::rollup(&lines, thresholds);
            prop_assert!(rolled.relative_gap.is_none_or(f64::is_finite));
        }
    }
}
