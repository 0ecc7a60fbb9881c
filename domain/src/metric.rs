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
