//! Reminder schedules: what a schedule reminds people of, and its parameters.
//!
//! When a schedule fires is a [`crate::schedule::CronSchedule`] in an IANA zone; this
//! module holds the rest of the rules: the kinds of reminder and the bounds of their
//! parameters (look-ahead for upcoming due dates, the grace period before an overdue
//! action escalates, how long a plan may go without an update).

use std::collections::BTreeMap;
use std::str::FromStr;

use chrono::{DateTime, NaiveDate, Utc};

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

named_enum!(
    /// Where a queued mail stands.
    OutboxStatus, "status" { Pending => "pending", Sent => "sent", Failed => "failed" }
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
    pub fn parse(cron: &str, time_zone: &str) -> Result<Self, Invalid> {
        let mut invalid = Invalid::default();
        let cron = invalid.check(CronSchedule::parse("cron", cron));
        let zone = invalid.check(TimeZone::parse(time_zone));
        invalid.into_result()?;
        let (Some(cron), Some(zone)) = (cron, zone) else {
            return Err(Invalid(vec![FieldError::new("cron", "cannot be read")]));
        };
        Ok(Self { cron, zone })
    }

    /// When it fires, in plain words in `locale`: `09:00, Monday to Friday,
    /// Asia/Shanghai`.
    pub fn describe(&self, locale: crate::values::Locale) -> String {
        let sep = if locale == crate::values::Locale::ZhCn {
            "，"
        } else {
            ", "
        };
        format!("{}{sep}{}", self.cron.describe(locale), self.zone.as_str())
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

    /// The latest fire time at or before `at`, in UTC.
    pub fn last_fire(&self, at: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.cron.last_at_or_before(self.zone, at)
    }

    /// Whether a firing at `last_fired_at` falls in the scheduled period `now` is in
    /// (from the latest tick at or before `now`): a manual run then queues nothing new
    /// unless forced, so "run now" twice does not mail everyone twice. Before the
    /// line's first tick, every earlier firing is in the same period.
    pub fn fired_this_period(
        &self,
        last_fired_at: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> bool {
        match (last_fired_at, self.last_fire(now)) {
            (None, _) => false,
            (Some(fired), Some(period_start)) => fired >= period_start,
            (Some(_), None) => true,
        }
    }
}

/// An open action with a due date, as the reminders see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueAction {
    pub id: String,
    pub department_id: String,
    pub owner_id: Option<String>,
    pub due_date: NaiveDate,
}

/// Who stands above an action's owner: its department's head, then the program's
/// coordinator, then its sponsor. Anyone may be missing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Ladder {
    /// Department id → its head's person id.
    pub heads: BTreeMap<String, String>,
    pub coordinator: Option<String>,
    pub sponsor: Option<String>,
}

/// The rungs of the escalation ladder, lowest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    Owner,
    DepartmentHead,
    Coordinator,
    Sponsor,
}

impl Level {
    pub const ALL: [Level; 4] = [
        Level::Owner,
        Level::DepartmentHead,
        Level::Coordinator,
        Level::Sponsor,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Level::Owner => "owner",
            Level::DepartmentHead => "department_head",
            Level::Coordinator => "coordinator",
            Level::Sponsor => "sponsor",
        }
    }
}

/// How high an action overdue by `days` has climbed: the owner from the first day,
/// each next rung after another `grace_days`.
pub fn escalation(days_overdue: i64, grace_days: u32) -> Option<Level> {
    if days_overdue < 1 {
        return None;
    }
    let steps = (days_overdue / i64::from(grace_days.max(1))).min(3);
    Level::ALL.get(steps as usize).copied()
}

/// One line of a reminder mail: an action, a plan or a key point.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DigestItem {
    /// The action's, plan's or key point's id.
    pub item_id: String,
    /// The rung this recipient is reminded on (their own action: [`Level::Owner`]).
    pub level: Level,
    /// Positive: days overdue (or since the plan's last update, or since the last
    /// measurement); zero or negative: days until due.
    pub days_late: i64,
}

/// Everything one person is reminded of by one firing: one mail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Digest {
    pub recipient_id: String,
    pub items: Vec<DigestItem>,
}

/// Collects items per recipient, one item per action and recipient (the highest rung
/// wins when a person stands on two, e.g. a head who owns the action), recipients and
/// items in a stable order. Nobody gets a digest with nothing in it.
fn digests(items: impl IntoIterator<Item = (String, DigestItem)>) -> Vec<Digest> {
    let mut by_recipient: BTreeMap<String, BTreeMap<String, DigestItem>> = BTreeMap::new();
    for (recipient, item) in items {
        let mine = by_recipient.entry(recipient).or_default();
        match mine.get(&item.item_id) {
            Some(existing) if existing.level >= item.level => {}
            _ => {
                mine.insert(item.item_id.clone(), item);
            }
        }
    }
    by_recipient
        .into_iter()
        .filter(|(_, items)| !items.is_empty())
        .map(|(recipient_id, items)| {
            let mut items: Vec<DigestItem> = items.into_values().collect();
            items.sort_by(|a, b| {
                b.days_late
                    .cmp(&a.days_late)
                    .then_with(|| a.item_id.cmp(&b.item_id))
            });
            Digest {
                recipient_id,
                items,
            }
        })
        .collect()
}

/// The overdue digests of one firing on `today`: each overdue action to its owner and,
/// as it stays overdue, to each rung above in turn (cumulatively: the owner keeps
/// being reminded). A missing rung passes the item to the next one up, so an action
/// without an owner goes to its department's head from the first day.
pub fn overdue_digests(
    actions: &[DueAction],
    today: NaiveDate,
    grace_days: u32,
    ladder: &Ladder,
) -> Vec<Digest> {
    let mut items = Vec::new();
    for a in actions {
        let days_late = (today - a.due_date).num_days();
        let Some(top) = escalation(days_late, grace_days) else {
            continue;
        };
        let rung = |level: Level| -> Option<&String> {
            match level {
                Level::Owner => a.owner_id.as_ref(),
                Level::DepartmentHead => ladder.heads.get(&a.department_id),
                Level::Coordinator => ladder.coordinator.as_ref(),
                Level::Sponsor => ladder.sponsor.as_ref(),
            }
        };
        for level in Level::ALL.into_iter().filter(|l| *l <= top) {
            // A missing rung is covered by the next one that exists.
            let covered = Level::ALL
                .into_iter()
                .filter(|l| *l >= level)
                .find_map(|l| rung(l).map(|p| (l, p)));
            if let Some((at, person)) = covered {
                items.push((
                    person.clone(),
                    DigestItem {
                        item_id: a.id.clone(),
                        level: at,
                        days_late,
                    },
                ));
            }
        }
    }
    digests(items)
}

/// The owner if there is one, else the department's head.
fn owner_or_head<'a>(
    owner: Option<&'a String>,
    department_id: &str,
    ladder: &'a Ladder,
) -> Option<(Level, &'a String)> {
    match owner {
        Some(owner) => Some((Level::Owner, owner)),
        None => ladder
            .heads
            .get(department_id)
            .map(|head| (Level::DepartmentHead, head)),
    }
}

/// The upcoming digests of one firing on `today`: actions due within `look_ahead_days`
/// (today included), to their owners, or to their department's head when unowned.
pub fn upcoming_digests(
    actions: &[DueAction],
    today: NaiveDate,
    look_ahead_days: u32,
    ladder: &Ladder,
) -> Vec<Digest> {
    let items = actions.iter().filter_map(|a| {
        let days_late = (today - a.due_date).num_days();
        if days_late > 0 || -days_late > i64::from(look_ahead_days) {
            return None;
        }
        let (level, person) = owner_or_head(a.owner_id.as_ref(), &a.department_id, ladder)?;
        Some((
            person.clone(),
            DigestItem {
                item_id: a.id.clone(),
                level,
                days_late,
            },
        ))
    });
    digests(items)
}

/// Something a department keeps current — a plan, a key point's measurement — and
/// when it last did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Kept {
    pub id: String,
    pub department_id: String,
    /// The plan's owner, or the person the providing department named for the key point.
    pub owner_id: Option<String>,
    /// The last update (or the end of the last measured period); `None`: never.
    pub last: Option<NaiveDate>,
    /// When it began: a thing never kept is late from here.
    pub since: NaiveDate,
}

/// The digests for things not kept current for `stale_after_days` on `today` — stale
/// plans, key points due a measurement — to their owners, or the department's head.
pub fn stale_digests(
    kept: &[Kept],
    today: NaiveDate,
    stale_after_days: u32,
    ladder: &Ladder,
) -> Vec<Digest> {
    digests(stale_items(kept, today, stale_after_days, ladder))
}

fn stale_items<'a>(
    kept: &'a [Kept],
    today: NaiveDate,
    stale_after_days: u32,
    ladder: &'a Ladder,
) -> impl Iterator<Item = (String, DigestItem)> + 'a {
    kept.iter().filter_map(move |k| {
        let days = (today - k.last.unwrap_or(k.since)).num_days();
        if days < i64::from(stale_after_days) {
            return None;
        }
        let (level, person) = owner_or_head(k.owner_id.as_ref(), &k.department_id, ladder)?;
        Some((
            person.clone(),
            DigestItem {
                item_id: k.id.clone(),
                level,
                days_late: days,
            },
        ))
    })
}

/// A plan's feedback loop (step seven): how often its internal customer is asked
/// for feedback, and when feedback last came.
#[derive(Debug, Clone, PartialEq)]
pub struct Cadenced {
    /// The plan's id.
    pub id: String,
    pub department_id: String,
    pub owner_id: Option<String>,
    pub cadence: Timing,
    /// The start of the plan's current cycle: ticks before it are not asked for.
    pub since: DateTime<Utc>,
    /// When the last measurement of the relationship's key points was recorded.
    pub last_feedback: Option<DateTime<Utc>>,
}

impl Cadenced {
    /// The cadence tick the plan's feedback is due for at `at`: its latest tick,
    /// when no feedback was recorded since. `None`: nothing is due.
    pub fn due(&self, at: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let tick = self.cadence.last_fire(at)?;
        let answered = self.last_feedback.is_some_and(|last| last >= tick);
        (tick >= self.since && !answered).then_some(tick)
    }
}

/// The measurement requests of one firing at `at` (`today` in the schedule's zone):
/// key points not measured for `stale_after_days`, and plans whose feedback cadence
/// has ticked with no feedback recorded since. Each goes to its owner, or to the
/// department's head; one digest per person with both kinds of item.
pub fn measurement_digests(
    points: &[Kept],
    plans: &[Cadenced],
    at: DateTime<Utc>,
    today: NaiveDate,
    stale_after_days: u32,
    ladder: &Ladder,
) -> Vec<Digest> {
    let feedback = plans.iter().filter_map(|p| {
        let tick = p.due(at)?;
        let (level, person) = owner_or_head(p.owner_id.as_ref(), &p.department_id, ladder)?;
        Some((
            person.clone(),
            DigestItem {
                item_id: p.id.clone(),
                level,
                days_late: (at - tick).num_days(),
            },
        ))
    });
    digests(stale_items(points, today, stale_after_days, ladder).chain(feedback))
}

/// The key that makes a firing's mail to one person unique: the same schedule, tick
/// and recipient never queue a second mail.
pub fn dedupe_key(schedule_id: &str, fired_at: DateTime<Utc>, recipient_id: &str) -> String {
    format!("{schedule_id}/{}/{recipient_id}", fired_at.timestamp())
}

/// A stable RFC 5322 Message-ID for a dedupe key, so that a mail sent twice (a crash
/// in the middle of the SMTP conversation) is folded into one by mail clients.
pub fn message_id(dedupe_key: &str, host: &str) -> String {
    let local: String = dedupe_key
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '.'
            }
        })
        .collect();
    format!("<reminder.{local}@{host}>")
}

/// Who reads a schedule's leadership digest: people by role, by team role on the
/// program, and by name. When none is named, the program's coordinator and sponsor.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Readers {
    pub roles: Vec<crate::Role>,
    pub team_roles: Vec<crate::program::TeamRole>,
    pub people: Vec<String>,
}

impl Readers {
    pub fn is_empty(&self) -> bool {
        self.roles.is_empty() && self.team_roles.is_empty() && self.people.is_empty()
    }

    /// The readers among the active `people` (id, role) and the program's `team`
    /// (person id, team role), each once, in the order of `people`; the coordinator
    /// and sponsor (`default`) when none is named.
    pub fn select<'a>(
        &self,
        people: &[(&'a str, crate::Role)],
        team: &[(&str, crate::program::TeamRole)],
        default: &[Option<&'a str>],
    ) -> Vec<&'a str> {
        if self.is_empty() {
            let mut chosen: Vec<&str> = default.iter().flatten().copied().collect();
            chosen.dedup();
            return chosen
                .into_iter()
                .filter(|id| people.iter().any(|(p, _)| p == id))
                .collect();
        }
        people
            .iter()
            .filter(|(id, role)| {
                self.roles.contains(role)
                    || self.people.iter().any(|p| p == id)
                    || team.iter().any(|(member, team_role)| {
                        member == id && self.team_roles.contains(team_role)
                    })
            })
            .map(|(id, _)| *id)
            .collect()
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
        let fields: Vec<String> = Timing::parse("0 9 * *", "Mars/Olympus")
            .unwrap_err()
            .0
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, ["cron", "time_zone"]);
    }

    #[test]
    fn a_second_run_in_the_same_period_is_a_repeat() {
        use chrono::TimeZone as _;
        let daily = Timing::parse("0 9 * * *", "UTC").unwrap();
        let at = |h, m| Utc.with_ymd_and_hms(2026, 12, 2, h, m, 0).unwrap();
        assert!(!daily.fired_this_period(None, at(10, 0)));
        assert!(daily.fired_this_period(Some(at(9, 0)), at(10, 2)));
        assert!(daily.fired_this_period(Some(at(10, 0)), at(10, 2)));
        // Yesterday's firing is another period.
        let yesterday = Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap();
        assert!(!daily.fired_this_period(Some(yesterday), at(10, 2)));
        // Fired at 08:59, before today's tick: today's period has not been served.
        assert!(!daily.fired_this_period(Some(at(8, 59)), at(9, 30)));
    }

    #[test]
    fn a_line_that_never_fires_is_refused() {
        let err = Timing::parse("0 9 30 2 *", "UTC").unwrap_err();
        assert_eq!(err.0[0].field, "cron");
        assert!(err.0[0].message.contains("never fires"));
    }

    #[test]
    fn daily_nine_oclock_in_london_moves_in_utc_across_the_spring_change() {
        let timing = Timing::parse("0 9 * * *", "Europe/London").unwrap();
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

    fn day(d: &str) -> NaiveDate {
        NaiveDate::parse_from_str(d, "%Y-%m-%d").unwrap()
    }

    fn action(id: &str, owner: Option<&str>, due: &str) -> DueAction {
        DueAction {
            id: id.into(),
            department_id: "qa".into(),
            owner_id: owner.map(Into::into),
            due_date: day(due),
        }
    }

    fn ladder() -> Ladder {
        Ladder {
            heads: BTreeMap::from([("qa".to_owned(), "head".to_owned())]),
            coordinator: Some("coord".into()),
            sponsor: Some("sponsor".into()),
        }
    }

    fn recipients(ds: &[Digest]) -> Vec<&str> {
        ds.iter().map(|d| d.recipient_id.as_str()).collect()
    }

    #[test]
    fn escalation_climbs_one_rung_per_grace_period() {
        assert_eq!(escalation(0, 3), None);
        assert_eq!(escalation(-4, 3), None);
        assert_eq!(escalation(1, 3), Some(Level::Owner));
        assert_eq!(escalation(3, 3), Some(Level::DepartmentHead));
        assert_eq!(escalation(6, 3), Some(Level::Coordinator));
        assert_eq!(escalation(9, 3), Some(Level::Sponsor));
        assert_eq!(escalation(900, 3), Some(Level::Sponsor));
        assert_eq!(escalation(1, 0), Some(Level::DepartmentHead));
    }

    #[test]
    fn an_overdue_action_reaches_its_owner_then_the_head() {
        let today = day("2026-11-25");
        let early = overdue_digests(
            &[action("a", Some("li"), "2026-11-24")],
            today,
            3,
            &ladder(),
        );
        assert_eq!(recipients(&early), ["li"]);
        let late = overdue_digests(
            &[action("a", Some("li"), "2026-11-21")],
            today,
            3,
            &ladder(),
        );
        assert_eq!(recipients(&late), ["head", "li"]);
        assert_eq!(late[0].items[0].level, Level::DepartmentHead);
        assert_eq!(late[0].items[0].days_late, 4);
        let very = overdue_digests(
            &[action("a", Some("li"), "2026-11-01")],
            today,
            3,
            &ladder(),
        );
        assert_eq!(recipients(&very), ["coord", "head", "li", "sponsor"]);
    }

    #[test]
    fn a_missing_rung_passes_the_item_up_and_nobody_gets_an_empty_mail() {
        let today = day("2026-11-25");
        let unowned = overdue_digests(&[action("a", None, "2026-11-24")], today, 3, &ladder());
        assert_eq!(recipients(&unowned), ["head"]);
        let headless = Ladder {
            heads: BTreeMap::new(),
            ..ladder()
        };
        let d = overdue_digests(&[action("a", None, "2026-11-24")], today, 3, &headless);
        assert_eq!(recipients(&d), ["coord"]);
        assert!(
            overdue_digests(
                &[action("a", Some("li"), "2026-11-30")],
                today,
                3,
                &ladder()
            )
            .is_empty()
        );
        assert!(overdue_digests(&[], today, 3, &ladder()).is_empty());
    }

    #[test]
    fn one_mail_per_person_with_all_their_items_worst_first() {
        let today = day("2026-11-25");
        let actions = [
            action("a", Some("li"), "2026-11-24"),
            action("b", Some("li"), "2026-11-10"),
            action("c", Some("head"), "2026-11-20"),
        ];
        let ds = overdue_digests(&actions, today, 3, &ladder());
        let li = ds.iter().find(|d| d.recipient_id == "li").unwrap();
        let ids: Vec<&str> = li.items.iter().map(|i| i.item_id.as_str()).collect();
        assert_eq!(ids, ["b", "a"]);
        // The head owns c and heads its department: one line, on the higher rung.
        let head = ds.iter().find(|d| d.recipient_id == "head").unwrap();
        let c: Vec<&DigestItem> = head.items.iter().filter(|i| i.item_id == "c").collect();
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].level, Level::DepartmentHead);
    }

    #[test]
    fn upcoming_covers_today_to_the_look_ahead() {
        let today = day("2026-11-25");
        let actions = [
            action("today", Some("li"), "2026-11-25"),
            action("week", Some("li"), "2026-12-02"),
            action("later", Some("li"), "2026-12-03"),
            action("late", Some("li"), "2026-11-24"),
            action("nobody", None, "2026-11-26"),
        ];
        let ds = upcoming_digests(&actions, today, 7, &ladder());
        assert_eq!(recipients(&ds), ["head", "li"]);
        let li: Vec<&str> = ds[1].items.iter().map(|i| i.item_id.as_str()).collect();
        assert_eq!(li, ["today", "week"]);
    }

    #[test]
    fn stale_things_go_to_their_owner_or_the_head_once_past_the_period() {
        let today = day("2026-11-25");
        let kept = |id: &str, owner: Option<&str>, last: Option<&str>| Kept {
            id: id.into(),
            department_id: "qa".into(),
            owner_id: owner.map(Into::into),
            last: last.map(day),
            since: day("2026-10-01"),
        };
        let ds = stale_digests(
            &[
                kept("fresh", Some("li"), Some("2026-11-20")),
                kept("stale", Some("li"), Some("2026-11-10")),
                kept("edge", Some("li"), Some("2026-11-11")),
                kept("never", None, None),
            ],
            today,
            14,
            &ladder(),
        );
        assert_eq!(recipients(&ds), ["head", "li"]);
        assert_eq!(ds[0].items[0].item_id, "never");
        assert_eq!(ds[0].items[0].days_late, 55);
        let li: Vec<&str> = ds[1].items.iter().map(|i| i.item_id.as_str()).collect();
        assert_eq!(li, ["stale", "edge"]);
    }

    fn cadenced(last_feedback: Option<&str>) -> Cadenced {
        Cadenced {
            id: "plan".into(),
            department_id: "qa".into(),
            owner_id: Some("li".into()),
            // Mondays at 09:00 in São Paulo (UTC-3).
            cadence: Timing::parse("0 9 * * 1", "America/Sao_Paulo").unwrap(),
            since: "2026-11-01T00:00:00Z".parse().unwrap(),
            last_feedback: last_feedback.map(|t| t.parse().unwrap()),
        }
    }

    #[test]
    fn a_plans_feedback_is_due_from_its_cadence_tick_until_feedback_comes() {
        // Wednesday 25 November: the last tick was Monday 23rd, 09:00 -03:00.
        let at: DateTime<Utc> = "2026-11-25T12:00:00Z".parse().unwrap();
        let tick: DateTime<Utc> = "2026-11-23T12:00:00Z".parse().unwrap();
        assert_eq!(cadenced(None).due(at), Some(tick));
        assert_eq!(cadenced(Some("2026-11-20T10:00:00Z")).due(at), Some(tick));
        assert_eq!(cadenced(Some("2026-11-23T12:00:00Z")).due(at), None);
        // A tick at the very instant counts.
        assert_eq!(cadenced(None).due(tick), Some(tick));
        // A cycle that began after the last tick asks nothing yet.
        let mut fresh = cadenced(None);
        fresh.since = "2026-11-24T00:00:00Z".parse().unwrap();
        assert_eq!(fresh.due(at), None);
    }

    #[test]
    fn measurement_requests_put_points_and_plans_in_one_mail() {
        let at: DateTime<Utc> = "2026-11-25T12:00:00Z".parse().unwrap();
        let point = Kept {
            id: "point".into(),
            department_id: "qa".into(),
            owner_id: Some("li".into()),
            last: None,
            since: day("2026-10-01"),
        };
        let mut unowned = cadenced(None);
        unowned.id = "unowned".into();
        unowned.owner_id = None;
        let ds = measurement_digests(
            &[point],
            &[
                cadenced(None),
                unowned,
                cadenced(Some("2026-11-24T08:00:00Z")),
            ],
            at,
            day("2026-11-25"),
            30,
            &ladder(),
        );
        assert_eq!(recipients(&ds), ["head", "li"]);
        assert_eq!(ds[0].items[0].item_id, "unowned");
        let li: Vec<(&str, i64)> = ds[1]
            .items
            .iter()
            .map(|i| (i.item_id.as_str(), i.days_late))
            .collect();
        assert_eq!(li, [("point", 55), ("plan", 2)]);
    }

    #[test]
    fn message_ids_are_stable_and_well_formed() {
        let at = now();
        let key = dedupe_key("01a2-b", at, "p-1");
        assert_eq!(key, dedupe_key("01a2-b", at, "p-1"));
        assert_ne!(key, dedupe_key("01a2-b", at, "p-2"));
        let id = message_id(&key, "cxpm.example");
        assert!(id.starts_with("<reminder.") && id.ends_with("@cxpm.example>"));
        assert!(!id[1..id.len() - 1].contains(['<', '>', '/', ' ']));
    }

    proptest::proptest! {
        #[test]
        fn every_overdue_action_reaches_someone_and_no_digest_is_empty(
            dues in proptest::collection::vec((0usize..4, 0i64..40), 0..30),
            grace in 1u32..10,
        ) {
            let owners = [Some("li"), Some("wang"), None, Some("head")];
            let today = day("2026-11-25");
            let actions: Vec<DueAction> = dues
                .iter()
                .enumerate()
                .map(|(i, (o, late))| DueAction {
                    id: format!("a{i}"),
                    department_id: "qa".into(),
                    owner_id: owners[*o].map(Into::into),
                    due_date: today - chrono::Duration::days(*late),
                })
                .collect();
            let ds = overdue_digests(&actions, today, grace, &ladder());
            proptest::prop_assert!(ds.iter().all(|d| !d.items.is_empty()));
            let mut seen: Vec<&str> = ds.iter().map(|d| d.recipient_id.as_str()).collect();
            seen.dedup();
            proptest::prop_assert_eq!(seen.len(), ds.len());
            for a in actions.iter().filter(|a| a.due_date < today) {
                proptest::prop_assert!(ds.iter().any(|d| d.items.iter().any(|i| i.item_id == a.id)));
                if let Some(owner) = &a.owner_id {
                    proptest::prop_assert!(ds.iter().any(|d| &d.recipient_id == owner
                        && d.items.iter().any(|i| i.item_id == a.id)));
                }
            }
        }
    }

    #[test]
    fn kinds_read_back() {
        for k in ScheduleKind::ALL {
            assert_eq!(k.as_str().parse::<ScheduleKind>(), Ok(*k));
        }
        assert_eq!("weekly".parse::<ScheduleKind>().unwrap_err().field, "kind");
    }
}

#[cfg(test)]
mod readers_tests {
    use super::Readers;
    use crate::Role;
    use crate::program::TeamRole;

    #[test]
    fn a_digest_reaches_the_named_roles_team_roles_and_people() {
        let people = [
            ("exec", Role::Executive),
            ("coord", Role::Coordinator),
            ("head", Role::DepartmentHead),
            ("li", Role::Member),
        ];
        let team = [("head", TeamRole::ALL[0])];
        let default = [Some("coord"), None];
        assert_eq!(
            Readers::default().select(&people, &team, &default),
            ["coord"]
        );
        let executives = Readers {
            roles: vec![Role::Executive],
            people: vec!["li".into()],
            ..Readers::default()
        };
        assert_eq!(executives.select(&people, &team, &default), ["exec", "li"]);
        let team_role = Readers {
            team_roles: vec![TeamRole::ALL[0]],
            ..Readers::default()
        };
        assert_eq!(team_role.select(&people, &team, &default), ["head"]);
    }
}
