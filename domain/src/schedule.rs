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

/// One field of a crontab line: what people call it, its range, and its names.
struct Field {
    label: &'static str,
    low: u32,
    high: u32,
    /// Names accepted for `low`, `low + 1`, … (`JAN`, `SUN`).
    names: &'static [&'static str],
}

const MONTH_NAMES: [&str; 12] = [
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
];

const FIELDS: [Field; 5] = [
    Field {
        label: "minute",
        low: 0,
        high: 59,
        names: &[],
    },
    Field {
        label: "hour",
        low: 0,
        high: 23,
        names: &[],
    },
    Field {
        label: "day of month",
        low: 1,
        high: 31,
        names: &[],
    },
    Field {
        label: "month",
        low: 1,
        high: 12,
        names: &MONTH_NAMES,
    },
    Field {
        label: "day of week",
        low: 0,
        high: 7,
        names: &DAY_NAMES,
    },
];

impl Field {
    fn value(&self, s: &str) -> Result<u32, String> {
        if let Ok(n) = s.parse::<u32>() {
            return if (self.low..=self.high).contains(&n) {
                Ok(n)
            } else {
                Err(format!(
                    "{} {n} is out of {}–{}",
                    self.label, self.low, self.high
                ))
            };
        }
        self.names
            .iter()
            .position(|name| name.eq_ignore_ascii_case(s))
            .map(|i| self.low + i as u32)
            .ok_or_else(|| match self.names.first() {
                Some(_) => format!(
                    "{} `{s}` is neither a number {}–{} nor a name ({})",
                    self.label,
                    self.low,
                    self.high,
                    self.names.join(", ")
                ),
                None => format!(
                    "{} `{s}` is not a number {}–{}",
                    self.label, self.low, self.high
                ),
            })
    }

    /// Checks `*`, `a`, `a-b`, `*/n`, `a/n`, `a-b/n` and lists of them, in the
    /// field's own terms.
    fn check(&self, text: &str) -> Result<(), String> {
        for item in text.split(',') {
            let (range, step) = match item.split_once('/') {
                Some((r, s)) => (r, Some(s)),
                None => (item, None),
            };
            if let Some(step) = step
                && !step.parse::<u32>().is_ok_and(|n| n >= 1)
            {
                return Err(format!(
                    "{} step `{step}` must be a whole number of at least 1",
                    self.label
                ));
            }
            match range {
                "*" | "?" => {}
                "" => return Err(format!("{} has an empty item in `{text}`", self.label)),
                r => match r.split_once('-') {
                    Some((a, b)) => {
                        let (a, b) = (self.value(a)?, self.value(b)?);
                        // Day of week: `5-7` is Friday to Sunday, `5-0` too.
                        let b = if self.high == 7 && b == 0 { 7 } else { b };
                        if b < a {
                            return Err(format!("{} range `{r}` runs backwards", self.label));
                        }
                    }
                    None => {
                        self.value(r)?;
                    }
                },
            }
        }
        Ok(())
    }
}

/// A fixed point to look for a first fire time from: a line that fires at all fires
/// within the 28 years after it (the calendar repeats its weekdays every 28 years).
fn epoch() -> DateTime<Utc> {
    DateTime::<Utc>::from_timestamp(946_684_800, 0).unwrap_or_default()
}

impl CronSchedule {
    /// The longest line, in characters as sent.
    pub const MAX_CHARS: usize = crate::limits::CRON;

    /// The shape of a line [`CronSchedule::parse`] may take, as the API's schema says
    /// it: five fields of digits, names, `*`, `?`, `,`, `-` and `/` between ASCII
    /// spaces. That each value is in range and that the line fires at all, a pattern
    /// does not say.
    pub const PATTERN: &'static str =
        r"^[ \t\n\f\r]*[0-9A-Za-z*?,/-]+([ \t\n\f\r]+[0-9A-Za-z*?,/-]+){4}[ \t\n\f\r]*$";

    /// Parses a 5-field crontab line (minute hour day-of-month month day-of-week).
    /// Errors speak of the line as written (`hour 25 is out of 0–23`); a line that
    /// can never fire (`0 9 31 2 *`) is refused too. This is the one rule for every
    /// crontab line of the product: reminder schedules and plans' feedback cadences.
    pub fn parse(field: &str, line: &str) -> Result<Self, FieldError> {
        if line.chars().count() > Self::MAX_CHARS {
            return Err(FieldError::new(
                field,
                format!("must be at most {} characters", Self::MAX_CHARS),
            ));
        }
        let err = |m: String| FieldError::new(field, format!("{m} (in `{}`)", line.trim()));
        let parts: Vec<&str> = line.split_ascii_whitespace().collect();
        if parts.len() != 5 {
            return Err(err(format!(
                "expected 5 fields (minute hour day-of-month month day-of-week), found {}",
                parts.len()
            )));
        }
        for (spec, part) in FIELDS.iter().zip(&parts) {
            spec.check(part).map_err(err)?;
        }
        let days = day_of_week(parts[4]).map_err(|m| err(format!("day of week: {m}")))?;
        let translated = format!(
            "0 {} {} {} {} {}",
            parts[0], parts[1], parts[2], parts[3], days
        );
        let schedule = cron::Schedule::from_str(&translated)
            .map_err(|e| err(format!("cannot be read: {e}")))?;
        if schedule.after(&epoch()).next().is_none() {
            return Err(err("never fires: no such date in any year".to_owned()));
        }
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

/// The words a description of a crontab line uses, per language.
struct Words {
    days: [&'static str; 7],
    months: [&'static str; 12],
    every_day: &'static str,
    to: &'static str,
    and: &'static str,
    sep: &'static str,
    every_hour_at: fn(&str) -> String,
    every_minutes: fn(&str) -> String,
    days_of_month: fn(&str) -> String,
    in_months: fn(&str) -> String,
    raw: fn(&str, &str) -> String,
}

const EN: Words = Words {
    days: [
        "Sunday",
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
    ],
    months: [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ],
    every_day: "every day",
    to: " to ",
    and: ", ",
    sep: ", ",
    every_hour_at: |m| format!("every hour at minute {m}"),
    every_minutes: |n| format!("every {n} minutes"),
    days_of_month: |d| format!("on day {d} of the month"),
    in_months: |m| format!("in {m}"),
    raw: |m, h| format!("minute {m} of hour {h}"),
};

const ZH: Words = Words {
    days: ["周日", "周一", "周二", "周三", "周四", "周五", "周六"],
    months: [
        "1月", "2月", "3月", "4月", "5月", "6月", "7月", "8月", "9月", "10月", "11月", "12月",
    ],
    every_day: "每天",
    to: "至",
    and: "、",
    sep: "，",
    every_hour_at: |m| format!("每小时第 {m} 分"),
    every_minutes: |n| format!("每 {n} 分钟"),
    days_of_month: |d| format!("每月 {d} 日"),
    in_months: |m| m.to_owned(),
    raw: |m, h| format!("{h} 时 {m} 分"),
};

const PT: Words = Words {
    days: [
        "domingo", "segunda", "terça", "quarta", "quinta", "sexta", "sábado",
    ],
    months: [
        "janeiro",
        "fevereiro",
        "março",
        "abril",
        "maio",
        "junho",
        "julho",
        "agosto",
        "setembro",
        "outubro",
        "novembro",
        "dezembro",
    ],
    every_day: "todos os dias",
    to: " a ",
    and: ", ",
    sep: ", ",
    every_hour_at: |m| format!("a cada hora, no minuto {m}"),
    every_minutes: |n| format!("a cada {n} minutos"),
    days_of_month: |d| format!("no dia {d} do mês"),
    in_months: |m| format!("em {m}"),
    raw: |m, h| format!("minuto {m} da hora {h}"),
};

impl CronSchedule {
    /// The line in plain words in `locale`: `09:00, Monday to Friday`.
    pub fn describe(&self, locale: crate::values::Locale) -> String {
        use crate::values::Locale;
        let w = match locale {
            Locale::En => &EN,
            Locale::ZhCn => &ZH,
            Locale::PtBr => &PT,
        };
        let f: Vec<&str> = self.crontab.split(' ').collect();
        let (minute, hour, dom, month, dow) = (f[0], f[1], f[2], f[3], f[4]);
        let number = |s: &str| s.parse::<u32>().ok();
        let hours: Option<Vec<u32>> = hour.split(',').map(number).collect();
        let time = match (number(minute), hours, minute.strip_prefix("*/")) {
            (Some(m), Some(hs), _) => hs
                .iter()
                .map(|h| format!("{h:02}:{m:02}"))
                .collect::<Vec<_>>()
                .join(w.and),
            (Some(m), None, _) if hour == "*" => (w.every_hour_at)(&m.to_string()),
            (None, _, Some(n)) if hour == "*" => (w.every_minutes)(n),
            _ => (w.raw)(minute, hour),
        };
        let mut parts = vec![time];
        let days = day_of_week(dow).unwrap_or_else(|_| "*".to_owned());
        if dom != "*" {
            parts.push((w.days_of_month)(dom));
        }
        if days != "*" {
            parts.push(describe_days(&days, w));
        } else if dom == "*" {
            parts.push(w.every_day.to_owned());
        }
        if month != "*" {
            let names: Vec<String> = month
                .split(',')
                .map(|m| match FIELDS[3].value(m) {
                    Ok(n) => w.months[(n - 1) as usize].to_owned(),
                    Err(_) => m.to_owned(),
                })
                .collect();
            parts.push((w.in_months)(&names.join(w.and)));
        }
        parts.join(w.sep)
    }
}

/// `MON,TUE,WED,THU,FRI` as `Monday to Friday`; other sets as a list, runs of three
/// or more days as ranges.
fn describe_days(days: &str, w: &Words) -> String {
    let on: Vec<usize> = days
        .split(',')
        .filter_map(|d| DAY_NAMES.iter().position(|n| *n == d))
        .collect();
    // Monday first: Sunday counts as the week's last day.
    let mut order: Vec<usize> = on.iter().map(|d| (d + 6) % 7).collect();
    order.sort_unstable();
    let mut runs: Vec<(usize, usize)> = Vec::new();
    for d in order {
        match runs.last_mut() {
            Some((_, end)) if *end + 1 == d => *end = d,
            _ => runs.push((d, d)),
        }
    }
    let name = |monday_based: usize| w.days[(monday_based + 1) % 7];
    runs.iter()
        .map(|&(a, b)| match b - a {
            0 => name(a).to_owned(),
            1 => format!("{}{}{}", name(a), w.and, name(b)),
            _ => format!("{}{}{}", name(a), w.to, name(b)),
        })
        .collect::<Vec<_>>()
        .join(w.and)
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

    proptest::proptest! {
        /// A line the schema's pattern refuses, `CronSchedule::parse` refuses too (what
        /// the pattern takes may still be out of range or never fire).
        #[test]
        fn the_crontab_pattern_takes_every_line_the_rule_takes(s in "[ 0-9*/,?a-zA-Z\t\u{a0}-]{0,24}") {
            let pattern = regex::Regex::new(CronSchedule::PATTERN).unwrap();
            if CronSchedule::parse("cron", &s).is_ok() {
                proptest::prop_assert!(pattern.is_match(&s), "{:?}", s);
            }
        }
    }

    /// A line is at most `MAX_CHARS` long as sent, as the schema's `maxLength` says,
    /// however valid its fields.
    #[test]
    fn a_line_longer_than_the_limit_is_refused() {
        let minutes: Vec<String> = (0..60).map(|m| m.to_string()).collect();
        let line = format!("{} 9 * * *", minutes.join(","));
        assert!(CronSchedule::parse("cron", &line).is_ok());
        let padded = format!(
            "{line}{}",
            " ".repeat(CronSchedule::MAX_CHARS + 1 - line.len())
        );
        assert_eq!(padded.chars().count(), CronSchedule::MAX_CHARS + 1);
        assert_eq!(
            CronSchedule::parse("cron", &padded).unwrap_err().field,
            "cron"
        );
    }

    #[test]
    fn the_crontab_pattern_takes_the_lines_people_write() {
        let pattern = regex::Regex::new(CronSchedule::PATTERN).unwrap();
        for line in ["0 9 * * 1-5", " */15 8-18 * * MON,WED ", "0 9 1 JAN,jul ?"] {
            assert!(pattern.is_match(line), "{line}");
            assert!(CronSchedule::parse("cron", line).is_ok(), "{line}");
        }
        for line in ["0 9 * *", "0 9 * * 1 2", "0\u{a0}9 * * 1-5 x", "0 9 * * 1;"] {
            assert!(!pattern.is_match(line), "{line}");
            assert!(CronSchedule::parse("cron", line).is_err(), "{line}");
        }
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
    fn lines_read_as_plain_words_in_each_language() {
        use crate::values::Locale;
        let weekdays = CronSchedule::parse("cron", "0 9 * * 1-5").unwrap();
        assert_eq!(weekdays.describe(Locale::En), "09:00, Monday to Friday");
        assert_eq!(weekdays.describe(Locale::ZhCn), "09:00，周一至周五");
        assert_eq!(weekdays.describe(Locale::PtBr), "09:00, segunda a sexta");
        let daily = CronSchedule::parse("cron", "30 8,14 * * *").unwrap();
        assert_eq!(daily.describe(Locale::En), "08:30, 14:30, every day");
        let monthly = CronSchedule::parse("cron", "0 7 1 1,7 *").unwrap();
        assert_eq!(
            monthly.describe(Locale::En),
            "07:00, on day 1 of the month, in January, July"
        );
        let weekend = CronSchedule::parse("cron", "0 10 * * 6,0").unwrap();
        assert_eq!(weekend.describe(Locale::En), "10:00, Saturday, Sunday");
        let often = CronSchedule::parse("cron", "*/15 * * * *").unwrap();
        assert_eq!(
            often.describe(Locale::PtBr),
            "a cada 15 minutos, todos os dias"
        );
    }

    #[test]
    fn errors_name_the_field_of_the_line_as_written() {
        let message = |line: &str| CronSchedule::parse("cron", line).unwrap_err().message;
        assert_eq!(
            message("0 25 * * *"),
            "hour 25 is out of 0–23 (in `0 25 * * *`)"
        );
        assert!(message("61 9 * * *").starts_with("minute 61 is out of 0–59"));
        assert!(message("0 9 32 * *").starts_with("day of month 32 is out of 1–31"));
        assert!(message("0 9 * 13 *").starts_with("month 13 is out of 1–12"));
        assert!(message("0 9 * * 8").starts_with("day of week 8 is out of 0–7"));
        assert!(message("0 9 * * 1-5/0").contains("step `0`"));
        assert!(message("0 9 31 2 *").starts_with("never fires"));
        assert!(message("0 9 30 2 *").starts_with("never fires"));
        // Every message is free of the six-field line the cron crate reads.
        for line in ["0 25 * * *", "0 9 31 2 *", "x y z a b"] {
            assert!(!message(line).contains("0 0 "), "{}", message(line));
        }
        assert!(CronSchedule::parse("cron", "0 9 29 2 *").is_ok());
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
                .contains("hour 25")
        );
        assert!(
            CronSchedule::parse("cadence", "0 9 * * 9")
                .unwrap_err()
                .message
                .contains("day of week")
        );
        assert_eq!(
            CronSchedule::parse("cadence", "x").unwrap_err().field,
            "cadence"
        );
    }
}
