//! Recurring schedules written as crontab lines, in an IANA time zone.
//!
//! People write the usual 5-field crontab (`0 9 * * 1-5`: 09:00 Monday to Friday,
//! with 0 or 7 for Sunday). The `cron` crate wants a seconds field and numbers the
//! days of the week from Sunday = 1, so a crontab `1-5` read as-is would mean Sunday
//! to Thursday. [`CronSchedule::parse`] expands the day-of-week field into a set of
//! days and writes it back with day names, which both agree on.

use std::str::FromStr;

use chrono::{DateTime, Utc};

use crate::validation::FieldError;
use crate::values::TimeZone;

const DAY_NAMES: [&str; 7] = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

/// A parsed crontab line.
#[derive(Debug, Clone)]
pub struct CronSchedule {
    crontab: String,
    schedule: cron::Schedule,
}

impl PartialEq for CronSchedule {
    fn eq(&self, other: &Self) -> bool {
        self.crontab == other.crontab
    }
}

impl CronSchedule {
    /// Parses a 5-field crontab line (minute hour day-of-month month day-of-week).
    pub fn parse(field: &str, line: &str) -> Result<Self, FieldError> {
        let err = |m: String| FieldError::new(field, m);
        let parts: Vec<&str> = line.split_whitespace().collect();
        if parts.len() != 5 {
            return Err(err(format!(
                "expected 5 fields (minute hour day-of-month month day-of-week), found {}",
                parts.len()
            )));
        }
        let days =
            day_of_week(parts[4]).map_err(|m| err(format!("day-of-week `{}`: {m}", parts[4])))?;
        let translated = format!(
            "0 {} {} {} {} {}",
            parts[0], parts[1], parts[2], parts[3], days
        );
        let schedule = cron::Schedule::from_str(&translated)
            .map_err(|e| err(format!("cannot be read: {e}")))?;
        Ok(Self {
            crontab: parts.join(" "),
            schedule,
        })
    }

    /// The line as given (whitespace normalised).
    pub fn as_str(&self) -> &str {
        &self.crontab
    }

    /// The next `n` fire times strictly after `after`, as wall-clock times in `tz`.
    pub fn next_after(
        &self,
        tz: TimeZone,
        after: DateTime<Utc>,
        n: usize,
    ) -> Vec<DateTime<chrono_tz::Tz>> {
        self.schedule
            .after(&after.with_timezone(&tz.tz()))
            .take(n)
            .collect()
    }

    /// The latest fire time at or before `at`, in UTC. Fire times fall on whole
    /// minutes, so one second past `at` bounds the search from above.
    pub fn last_at_or_before(&self, tz: TimeZone, at: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let bound = (at + chrono::Duration::seconds(1)).with_timezone(&tz.tz());
        self.schedule
            .after(&bound)
            .next_back()
            .map(|t| t.with_timezone(&Utc))
    }
}

/// Expands a crontab day-of-week field into day names (`*` stays `*`).
fn day_of_week(field: &str) -> Result<String, String> {
    if field == "*" || field == "?" {
        return Ok("*".to_owned());
    }
    let mut days = [false; 7];
    for item in field.split(',') {
        let (range, step) = match item.split_once('/') {
            Some((r, s)) => (
                r,
                s.parse::<usize>().map_err(|_| format!("bad step `{s}`"))?,
            ),
            None => (item, 1),
        };
        if step == 0 {
            return Err("a step must be at least 1".to_owned());
        }
        let (start, end) = match range {
            "*" => (0, 6),
            r => match r.split_once('-') {
                Some((a, b)) => (day(a)?, day(b)?),
                None => {
                    let d = day(r)?;
                    (d, if item.contains('/') { 6 } else { d })
                }
            },
        };
        // 7 is Sunday too: `5-7` is Friday to Sunday.
        let end = if end < start && end == 0 { 7 } else { end };
        if end < start {
            return Err(format!("range `{range}` runs backwards"));
        }
        for d in (start..=end).step_by(step) {
            days[d % 7] = true;
        }
    }
    if days.iter().all(|d| *d) {
        return Ok("*".to_owned());
    }
    Ok(days
        .iter()
        .zip(DAY_NAMES)
        .filter(|(on, _)| **on)
        .map(|(_, name)| name)
        .collect::<Vec<_>>()
        .join(","))
}

/// A day number (0–7, 0 and 7 Sunday) or name (`mon`, `MON`).
fn day(s: &str) -> Result<usize, String> {
    if let Ok(n) = s.parse::<usize>() {
        return if n <= 7 {
            Ok(n)
        } else {
            Err(format!("day `{n}` is not 0–7"))
        };
    }
    DAY_NAMES
        .iter()
        .position(|name| name.eq_ignore_ascii_case(s))
        .ok_or_else(|| format!("unknown day `{s}`"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Datelike, TimeZone as _, Timelike, Weekday};

    fn tz(name: &str) -> TimeZone {
        TimeZone::parse(name).unwrap()
    }

    #[test]
    fn crontab_day_numbers_mean_what_crontab_means() {
        assert_eq!(day_of_week("1-5").unwrap(), "MON,TUE,WED,THU,FRI");
        assert_eq!(day_of_week("0").unwrap(), "SUN");
        assert_eq!(day_of_week("7").unwrap(), "SUN");
        assert_eq!(day_of_week("5-7").unwrap(), "SUN,FRI,SAT");
        assert_eq!(day_of_week("mon,wed").unwrap(), "MON,WED");
        assert_eq!(day_of_week("*/2").unwrap(), "SUN,TUE,THU,SAT");
        assert_eq!(day_of_week("0-6").unwrap(), "*");
        assert!(day_of_week("8").is_err());
        assert!(day_of_week("5-2").is_err());
    }

    #[test]
    fn weekdays_at_nine_fire_monday_to_friday() {
        let s = CronSchedule::parse("cadence", "0 9 * * 1-5").unwrap();
        // Saturday 2026-11-28 noon UTC.
        let after = Utc.with_ymd_and_hms(2026, 11, 28, 12, 0, 0).unwrap();
        let next = s.next_after(tz("Asia/Shanghai"), after, 5);
        let days: Vec<Weekday> = next.iter().map(|d| d.weekday()).collect();
        assert_eq!(
            days,
            [
                Weekday::Mon,
                Weekday::Tue,
                Weekday::Wed,
                Weekday::Thu,
                Weekday::Fri
            ]
        );
        assert!(next.iter().all(|d| d.hour() == 9 && d.minute() == 0));
    }

    #[test]
    fn wall_clock_time_holds_across_a_dst_change() {
        // Europe/Berlin moves to summer time on Sunday 2025-03-30.
        let s = CronSchedule::parse("cadence", "0 9 * * 1-5").unwrap();
        let after = Utc.with_ymd_and_hms(2025, 3, 28, 10, 0, 0).unwrap();
        let next = s.next_after(tz("Europe/Berlin"), after, 1);
        assert_eq!(next[0].to_rfc3339(), "2025-03-31T09:00:00+02:00");
    }

    #[test]
    fn the_last_tick_looks_back_across_a_dst_change() {
        let s = CronSchedule::parse("cadence", "0 9 * * 1-5").unwrap();
        let berlin = tz("Europe/Berlin");
        // Monday 08:30 summer time: the last tick was Friday 09:00 winter time.
        let monday = Utc.with_ymd_and_hms(2025, 3, 31, 6, 30, 0).unwrap();
        let friday = Utc.with_ymd_and_hms(2025, 3, 28, 8, 0, 0).unwrap();
        assert_eq!(s.last_at_or_before(berlin, monday), Some(friday));
        // At the tick itself, the tick.
        let nine = Utc.with_ymd_and_hms(2025, 3, 31, 7, 0, 0).unwrap();
        assert_eq!(s.last_at_or_before(berlin, nine), Some(nine));
    }

    #[test]
    fn bad_lines_say_why() {
        assert!(
            CronSchedule::parse("cadence", "0 9 * *")
                .unwrap_err()
                .message
                .contains("expected 5 fields")
        );
        assert!(
            CronSchedule::parse("cadence", "0 25 * * *")
                .unwrap_err()
                .message
                .contains("cannot be read")
        );
        assert!(
            CronSchedule::parse("cadence", "0 9 * * 9")
                .unwrap_err()
                .message
                .contains("day-of-week")
        );
        assert_eq!(
            CronSchedule::parse("cadence", "x").unwrap_err().field,
            "cadence"
        );
    }
}
