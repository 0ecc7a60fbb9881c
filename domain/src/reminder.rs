//! Reminder schedules: what a schedule reminds people of, and its parameters.
//!
//! When a schedule fires is a [`crate::schedule::CronSchedule`] in an IANA zone; this
//! module holds the rest of the rules: the kinds of reminder and the bounds of their
//! parameters (look-ahead for upcoming due dates, the grace period before an overdue
//! action escalates, how long a plan may go without an update).

use std::str::FromStr;

use chrono::{DateTime, Utc};

use crate::program::named_enum;
use crate::schedule::CronSchedule;
use crate::validation::{FieldError, Invalid};
use crate::values::TimeZone;

named_enum!(
    /// What a schedule reminds of.
    ScheduleKind, "kind" {
        UpcomingDue => "upcoming_due",
        Overdue => "overdue",
        StalePlans => "stale_plans",
        MeasurementRequest => "measurement_request",
        LeadershipDigest => "leadership_digest",
    }
);

/// A schedule's parameters, each within its bounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScheduleParams {
    /// Actions due within this many days count as upcoming (0–90).
    pub look_ahead_days: u32,
    /// An overdue action escalates one level up the organisation after each this
    /// many days (1–90): owner, department head, coordinator, sponsor.
    pub escalate_after_days: u32,
    /// A plan nobody has updated for this many days is stale (1–365).
    pub stale_after_days: u32,
}

impl Default for ScheduleParams {
    fn default() -> Self {
        Self {
            look_ahead_days: 7,
            escalate_after_days: 3,
            stale_after_days: 14,
        }
    }
}

impl ScheduleParams {
    /// Checks each parameter against its bounds, all at once.
    pub fn new(
        look_ahead_days: i64,
        escalate_after_days: i64,
        stale_after_days: i64,
    ) -> Result<Self, Invalid> {
        let mut invalid = Invalid::default();
        let mut within = |field: &str, value: i64, min: i64, max: i64| {
            if (min..=max).contains(&value) {
                value as u32
            } else {
                invalid.push(FieldError::new(
                    field,
                    format!("must be between {min} and {max} days"),
                ));
                0
            }
        };
        let params = Self {
            look_ahead_days: within("look_ahead_days", look_ahead_days, 0, 90),
            escalate_after_days: within("escalate_after_days", escalate_after_days, 1, 90),
            stale_after_days: within("stale_after_days", stale_after_days, 1, 365),
        };
        invalid.into_result().map(|()| params)
    }
}

/// When a schedule fires: a crontab line in a zone that fires at least once.
#[derive(Debug, Clone, PartialEq)]
pub struct Timing {
    pub cron: CronSchedule,
    pub zone: TimeZone,
}

impl Timing {
    /// Parses the crontab line (`cron`) and the zone (`time_zone`), naming the field
    /// that is wrong; a line that can never fire (`0 9 30 2 *`) is refused too.
    pub fn parse(cron: &str, time_zone: &str, now: DateTime<Utc>) -> Result<Self, Invalid> {
        let mut invalid = Invalid::default();
        let cron = invalid.check(CronSchedule::parse("cron", cron));
        let zone = invalid.check(TimeZone::parse(time_zone));
        invalid.into_result()?;
        let (Some(cron), Some(zone)) = (cron, zone) else {
            return Err(Invalid(vec![FieldError::new("cron", "cannot be read")]));
        };
        let timing = Self { cron, zone };
        if timing.next_after(now, 1).is_empty() {
            return Err(Invalid(vec![FieldError::new(
                "cron",
                "never fires (no such date in any year)",
            )]));
        }
        Ok(timing)
    }

    /// The next `n` fire times strictly after `after`, in the schedule's zone.
    pub fn next_after(&self, after: DateTime<Utc>, n: usize) -> Vec<DateTime<chrono_tz::Tz>> {
        self.cron.next_after(self.zone, after, n)
    }

    /// The next fire time strictly after `after`, in UTC.
    pub fn next_fire(&self, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.next_after(after, 1)
            .first()
            .map(|t| t.with_timezone(&Utc))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2027-03-26T00:00:00Z")
            .map(|t| t.with_timezone(&Utc))
            .unwrap()
    }

    #[test]
    fn parameters_have_bounds_and_every_bad_one_is_named() {
        assert_eq!(
            ScheduleParams::new(7, 3, 14).unwrap(),
            ScheduleParams::default()
        );
        let fields: Vec<String> = ScheduleParams::new(91, 0, 366)
            .unwrap_err()
            .0
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(
            fields,
            ["look_ahead_days", "escalate_after_days", "stale_after_days"]
        );
        assert!(ScheduleParams::new(0, 1, 1).is_ok());
    }

    #[test]
    fn a_bad_line_and_a_bad_zone_are_both_named() {
        let fields: Vec<String> = Timing::parse("0 9 * *", "Mars/Olympus", now())
            .unwrap_err()
            .0
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, ["cron", "time_zone"]);
    }

    #[test]
    fn a_line_that_never_fires_is_refused() {
        let err = Timing::parse("0 9 30 2 *", "UTC", now()).unwrap_err();
        assert_eq!(err.0[0].field, "cron");
        assert!(err.0[0].message.contains("never fires"));
    }

    #[test]
    fn daily_nine_oclock_in_london_moves_in_utc_across_the_spring_change() {
        let timing = Timing::parse("0 9 * * *", "Europe/London", now()).unwrap();
        let utc: Vec<String> = timing
            .next_after(now(), 3)
            .iter()
            .map(|t| t.with_timezone(&Utc).to_rfc3339())
            .collect();
        // 28 March 2027: clocks go forward at 01:00 GMT.
        assert_eq!(
            utc,
            [
                "2027-03-26T09:00:00+00:00",
                "2027-03-27T09:00:00+00:00",
                "2027-03-28T08:00:00+00:00"
            ]
        );
        assert_eq!(
            timing.next_fire(now()).map(|t| t.to_rfc3339()).as_deref(),
            Some("2027-03-26T09:00:00+00:00")
        );
    }

    #[test]
    fn kinds_read_back() {
        for k in ScheduleKind::ALL {
            assert_eq!(k.as_str().parse::<ScheduleKind>(), Ok(*k));
        }
        assert_eq!("weekly".parse::<ScheduleKind>().unwrap_err().field, "kind");
    }
}
