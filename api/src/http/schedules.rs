//! Reminder schedules of a program and the outbox of reminder mails — the HTTP
//! shapes; the use cases are `cxpm_app::reminders::{schedules, outbox}`.

use crate::http::common::Id;
use crate::http::text;
use chrono::{DateTime, FixedOffset, Utc};
use cxpm_app::reminders::outbox::{self, OutboxFilter};
use cxpm_app::reminders::schedules::{self, stored_readers};
use cxpm_domain::FieldError;
use cxpm_domain::reminder::{OutboxStatus, Readers, ScheduleKind, Timing};
use cxpm_domain::values::Locale;
use poem::web::Data;
use poem_openapi::param::{Header, Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{Enum, Object, OpenApi};
use serde::Deserialize;

use crate::app::AppState;
use crate::error::{ApiError, ApiResult};
use crate::http::bearer::BearerAuth;
use crate::http::body::Body;
use crate::http::common::{self, etag, location, page, parse_id, views};
use crate::http::common::{ApiTags, TimeZoneName, Versioned};
use crate::jobs::mailroom::Mail;
use cxpm_app::store::schedule;

/// What a schedule sends, and to whom. Each firing sends one digest per person with
/// something to read (never an empty mail), in the reader's language, a link per item.
///
/// - `upcoming_due`: open actions due within `look_ahead_days` (0–90, default 7),
///   to each action's owner (its department's head when it has none).
/// - `overdue`: open actions past their due date, to the owner from the first day;
///   after `escalate_after_days` (1–90, default 3) more it climbs to the department
///   head, after as many again to the program's coordinator, then to its sponsor —
///   each rung also receives it, and everyone on the way keeps it until it is done.
/// - `stale_plans`: active plans with no change (step, action or progress update) for
///   `stale_after_days` (1–365, default 14), to the plan's owner (else the department
///   head).
/// - `measurement_request`: key points not measured for `stale_after_days`, and plans
///   whose feedback cadence has ticked with no measurement since, to the providing
///   department's named person or plan owner (else its head).
/// - `leadership_digest`: the program's ten worst open gaps with a link to the gap
///   report, to the schedule's `readers` (by role, team role or person; by default
///   the coordinator and sponsor); nothing when every gap is met.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, Deserialize)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
#[oai(remote = "ScheduleKind")]
pub enum ScheduleKindName {
    /// Actions coming due within the look-ahead, to their owners.
    UpcomingDue,
    /// Overdue actions, escalating owner → department head → coordinator → sponsor.
    Overdue,
    /// Plans nobody has updated for the stale period, to their owners.
    StalePlans,
    /// Key points whose measurement is due, to the providing department.
    MeasurementRequest,
    /// The gap and progress digest, to the program's leadership.
    LeadershipDigest,
}

/// A reminder schedule.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct Schedule {
    pub id: Id,
    pub program_id: Id,
    pub kind: ScheduleKindName,
    /// A 5-field crontab line: minute hour day-of-month month day-of-week, with 0 or 7
    /// for Sunday (`0 9 * * 1`: Mondays at 09:00).
    pub cron: String,
    /// The IANA time zone the line is read in.
    pub time_zone: String,
    /// When it fires, in plain words in the caller's own language (`09:00, Monday to
    /// Friday, Asia/Shanghai`).
    pub description: String,
    pub look_ahead_days: i32,
    pub escalate_after_days: i32,
    pub stale_after_days: i32,
    /// Who reads a `leadership_digest`; empty lists: the coordinator and sponsor.
    pub readers: ScheduleReaders,
    pub enabled: bool,
    /// The next time it fires; `null` while disabled.
    pub next_fire_at: Option<DateTime<Utc>>,
    pub last_fired_at: Option<DateTime<Utc>>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Schedule {
    /// The stored schedule, its description in `locale`.
    fn read(m: schedule::Model, locale: Locale) -> Result<Self, ApiError> {
        let kind: ScheduleKind = *m.kind;
        let description = Timing::parse(&m.cron, &m.time_zone)
            .map(|t| t.describe(locale))
            .unwrap_or_else(|_| format!("{} ({})", m.cron, m.time_zone));
        Ok(Self {
            id: m.id.into(),
            program_id: m.program_id.into(),
            kind: kind.into(),
            cron: m.cron,
            time_zone: m.time_zone,
            description,
            look_ahead_days: m.look_ahead_days,
            escalate_after_days: m.escalate_after_days,
            stale_after_days: m.stale_after_days,
            readers: ScheduleReaders::from(&stored_readers(&m.readers)),
            enabled: m.enabled,
            next_fire_at: m.next_fire_at,
            last_fired_at: m.last_fired_at,
            version: m.version,
            created_at: m.created_at,
            updated_at: m.updated_at,
        })
    }
}

#[derive(Debug, Object, Deserialize)]
#[oai(skip_serializing_if_is_none)]
#[oai(deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct NewSchedule {
    pub kind: ScheduleKindName,
    pub cron: text::Cron,
    pub time_zone: TimeZoneName,
    /// Default 7 (0–90).
    pub look_ahead_days: Option<i64>,
    /// Default 3 (1–90).
    pub escalate_after_days: Option<i64>,
    /// Default 14 (1–365).
    pub stale_after_days: Option<i64>,
    /// Who reads a `leadership_digest`; default: the coordinator and sponsor.
    pub readers: Option<ScheduleReaders>,
    /// Default true.
    pub enabled: Option<bool>,
}

/// Who reads a leadership digest: everyone active with one of `roles`, everyone on
/// the program's team with one of `team_roles`, and the `people` named. All empty:
/// the program's coordinator and sponsor. Other kinds of schedule ignore it.
#[derive(Debug, Clone, Default, Object, Deserialize)]
#[oai(skip_serializing_if_is_none)]
#[oai(deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct ScheduleReaders {
    #[oai(default)]
    #[serde(default, deserialize_with = "crate::http::body::null_is_default")]
    pub roles: Vec<crate::http::people::RoleName>,
    #[oai(default)]
    #[serde(default, deserialize_with = "crate::http::body::null_is_default")]
    pub team_roles: Vec<crate::http::programs::TeamRoleName>,
    /// Person ids.
    #[oai(default)]
    #[serde(default, deserialize_with = "crate::http::body::null_is_default")]
    pub people: Vec<Id>,
}

impl From<&Readers> for ScheduleReaders {
    fn from(r: &Readers) -> Self {
        Self {
            roles: r.roles.iter().map(|&x| x.into()).collect(),
            team_roles: r.team_roles.iter().map(|&x| x.into()).collect(),
            people: r.people.iter().cloned().map(Id::from).collect(),
        }
    }
}

impl From<ScheduleReaders> for Readers {
    fn from(r: ScheduleReaders) -> Self {
        Self {
            roles: r.roles.into_iter().map(Into::into).collect(),
            team_roles: r.team_roles.into_iter().map(Into::into).collect(),
            people: r.people.into_iter().map(String::from).collect(),
        }
    }
}

#[derive(Debug, Object, Deserialize)]
#[oai(skip_serializing_if_is_none)]
#[oai(deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct SchedulePatch {
    pub cron: Option<text::Cron>,
    pub time_zone: Option<TimeZoneName>,
    pub look_ahead_days: Option<i64>,
    pub escalate_after_days: Option<i64>,
    pub stale_after_days: Option<i64>,
    /// Replaces who reads a `leadership_digest`.
    pub readers: Option<ScheduleReaders>,
    pub enabled: Option<bool>,
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct ScheduleList {
    /// Oldest first.
    pub items: Vec<Schedule>,
    pub next_cursor: Option<Id>,
}

/// One coming fire time, in the schedule's zone and in UTC.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct FireTime {
    /// Wall-clock time in the schedule's zone, with its offset that day.
    pub local: DateTime<FixedOffset>,
    pub utc: DateTime<Utc>,
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct Preview {
    pub cron: String,
    pub time_zone: String,
    pub fire_times: Vec<FireTime>,
}

/// A mail a schedule would send.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct PlannedMail {
    pub recipient_id: Id,
    pub to: String,
    /// The recipient's language, which the mail is written in.
    pub locale: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    /// The actions, plans, key points or gap lines it is about.
    pub items: Vec<String>,
    /// Stable for the schedule, tick and recipient: a resent mail folds into one.
    pub message_id: String,
}

impl From<cxpm_app::reminders::PlannedMail> for PlannedMail {
    fn from(m: cxpm_app::reminders::PlannedMail) -> Self {
        Self {
            recipient_id: m.recipient_id.into(),
            to: m.to_address,
            locale: m.locale.as_str().to_owned(),
            subject: m.subject,
            text: m.text,
            html: m.html,
            items: m.items,
            message_id: m.message_id,
        }
    }
}

/// What firing a schedule would send, without sending or queuing anything.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct DryRun {
    pub schedule_id: Id,
    pub fired_at: DateTime<Utc>,
    /// One per recipient; nobody gets a mail with nothing in it.
    pub mails: Vec<PlannedMail>,
}

/// What running a schedule did.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct RunResult {
    pub schedule_id: Id,
    pub fired_at: DateTime<Utc>,
    /// Mails the firing planned (one per person with something to read).
    pub planned: i32,
    /// Of those, newly queued in the outbox.
    pub queued: i32,
    /// The schedule had already fired in this scheduled period (since its latest
    /// tick), so nothing was planned or queued; run with `force=true` to send again.
    pub already_fired_this_period: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, Deserialize)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
#[oai(remote = "OutboxStatus")]
pub enum OutboxStatusName {
    Pending,
    Sent,
    Failed,
}

/// A queued reminder mail.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct OutboxMail {
    pub id: Id,
    pub program_id: Id,
    pub schedule_id: Id,
    pub fired_at: DateTime<Utc>,
    pub recipient_id: Id,
    pub to: String,
    pub locale: String,
    pub subject: String,
    pub items: i32,
    pub message_id: String,
    pub status: OutboxStatusName,
    pub attempts: i32,
    pub next_attempt_at: DateTime<Utc>,
    pub last_error: Option<String>,
    pub sent_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

impl TryFrom<cxpm_app::store::outbox::Model> for OutboxMail {
    type Error = ApiError;

    fn try_from(m: cxpm_app::store::outbox::Model) -> Result<Self, ApiError> {
        let status: OutboxStatus = *m.status;
        Ok(Self {
            id: m.id.into(),
            program_id: (m.program_id.unwrap_or_default()).into(),
            schedule_id: (m.schedule_id.unwrap_or_default()).into(),
            fired_at: m.fired_at,
            recipient_id: m.recipient_id.into(),
            to: m.to_address,
            locale: m.locale,
            subject: m.subject,
            items: m.items,
            message_id: m.message_id,
            status: status.into(),
            attempts: m.attempts,
            next_attempt_at: m.next_attempt_at,
            last_error: m.last_error,
            sent_at: m.sent_at,
            created_at: m.created_at,
        })
    }
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct OutboxList {
    /// Oldest first.
    pub items: Vec<OutboxMail>,
    pub next_cursor: Option<Id>,
}

#[derive(Default)]
pub struct SchedulesApi;

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Reminders")]
impl SchedulesApi {
    /// Create a reminder schedule
    ///
    /// A 5-field crontab line (0 or 7 for Sunday) read in an IANA time zone; a line
    /// that cannot be read, an unknown zone, or a line that never fires is a 422
    /// naming the field and why.
    #[oai(
        path = "/programs/:id/schedules",
        method = "post",
        operation_id = "create_schedule"
    )]
    async fn create(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<crate::http::common::Id>,
        body: Body<NewSchedule>,
    ) -> ApiResult<Versioned<Schedule>> {
        let b = body.0;
        let new = schedules::NewSchedule {
            kind: b.kind.into(),
            cron: b.cron.into(),
            time_zone: b.time_zone.0,
            look_ahead_days: b.look_ahead_days,
            escalate_after_days: b.escalate_after_days,
            stale_after_days: b.stale_after_days,
            readers: b.readers.map(Into::into),
            enabled: b.enabled,
        };
        let model = schedules::create(&state, &auth.0.actor, &id, new).await?;
        let (tag, at) = (etag(model.version), location("schedules", &model.id));
        Ok(Versioned::Created(
            Json(Schedule::read(model, auth.0.locale)?),
            tag,
            at,
        ))
    }

    /// List a program's reminder schedules
    #[oai(
        path = "/programs/:id/schedules",
        method = "get",
        operation_id = "list_schedules"
    )]
    #[allow(clippy::too_many_arguments)]
    async fn list(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<crate::http::common::Id>,
        /// Only schedules of this kind.
        kind: Query<Option<ScheduleKindName>>,
        /// Only enabled (or disabled) schedules.
        enabled: Query<Option<bool>>,
        /// Page size, 1–200 (default 50).
        limit: Query<Option<crate::http::common::Limit>>,
        /// The `next_cursor` of the previous page.
        cursor: Query<Option<crate::http::common::Cursor>>,
    ) -> ApiResult<Json<ScheduleList>> {
        let page = page(limit.0, cursor.0)?;
        let filter = schedules::ScheduleFilter {
            kind: kind.0.map(Into::into),
            enabled: enabled.0,
        };
        let (rows, next_cursor) =
            schedules::list(&state, &auth.0.actor, &id, &filter, &page).await?;
        Ok(Json(ScheduleList {
            items: rows
                .into_iter()
                .map(|m| Schedule::read(m, auth.0.locale))
                .collect::<ApiResult<_>>()?,
            next_cursor: next_cursor.map(Into::into),
        }))
    }

    /// Get a reminder schedule
    #[oai(path = "/schedules/:id", method = "get", operation_id = "get_schedule")]
    async fn get(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<crate::http::common::Id>,
    ) -> ApiResult<Versioned<Schedule>> {
        let model = schedules::get(&state, &auth.0.actor, &id).await?;
        let tag = etag(model.version);
        Ok(Versioned::Ok(
            Json(Schedule::read(model, auth.0.locale)?),
            tag,
        ))
    }

    /// Change, enable or disable a reminder schedule
    ///
    /// Its kind stays. A new line, zone or re-enabling sets the next fire time anew
    /// (from now: ticks missed while disabled are not fired).
    #[oai(
        path = "/schedules/:id",
        method = "patch",
        operation_id = "update_schedule"
    )]
    async fn update(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<crate::http::common::Id>,
        /// The ETag of the version the change is based on.
        #[oai(name = "If-Match")]
        if_match: Header<crate::http::common::IfMatch>,
        body: Body<SchedulePatch>,
    ) -> ApiResult<Versioned<Schedule>> {
        let expected = common::if_match(Some(if_match.0.as_str()))?;
        let p = body.0;
        let change = schedules::ScheduleChange {
            cron: p.cron.map(Into::into),
            time_zone: p.time_zone.map(|z| z.0),
            look_ahead_days: p.look_ahead_days,
            escalate_after_days: p.escalate_after_days,
            stale_after_days: p.stale_after_days,
            readers: p.readers.map(Into::into),
            enabled: p.enabled,
        };
        let after = schedules::change(&state, &auth.0.actor, &id, &expected, change).await?;
        let tag = etag(after.version);
        Ok(Versioned::Ok(
            Json(Schedule::read(after, auth.0.locale)?),
            tag,
        ))
    }

    /// See the mails a schedule would send now
    ///
    /// Plans the firing as if it happened at `at` (default now) — one digest per
    /// recipient in their language, overdue items escalated by days late — and sends
    /// and queues nothing.
    #[oai(
        path = "/schedules/:id/dry-run",
        method = "post",
        operation_id = "dry_run_schedule"
    )]
    async fn dry_run(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<crate::http::common::Id>,
        /// Plan as of this instant (RFC 3339; default now).
        at: Query<Option<DateTime<Utc>>>,
    ) -> ApiResult<Json<DryRun>> {
        let run = schedules::dry_run(&state, &auth.0.actor, &id, at.0, &Mail(&state)).await?;
        Ok(Json(DryRun {
            schedule_id: run.schedule_id.into(),
            fired_at: run.fired_at,
            mails: run.mails.into_iter().map(PlannedMail::from).collect(),
        }))
    }

    /// Run a schedule now
    ///
    /// Fires it for the current minute (a crontab's finest tick) as the scheduler
    /// would: one digest per person, queued in the outbox in one transaction. When the
    /// schedule already fired in the current scheduled period (since its latest tick,
    /// by the scheduler or by hand), nothing is queued and the answer says
    /// `already_fired_this_period: true`, unless `force=true`. A mail already queued
    /// for the same schedule, tick and recipient is never queued again.
    #[oai(
        path = "/schedules/:id/run",
        method = "post",
        operation_id = "run_schedule"
    )]
    async fn run(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<crate::http::common::Id>,
        /// Send again although it already fired in this scheduled period.
        force: Query<Option<bool>>,
    ) -> ApiResult<Json<RunResult>> {
        let force = force.0.unwrap_or(false);
        let run = schedules::run(&state, &auth.0.actor, &id, force, &Mail(&state)).await?;
        Ok(Json(RunResult {
            schedule_id: run.schedule_id.into(),
            fired_at: run.fired_at,
            planned: run.fired.map_or(0, |f| f.planned as i32),
            queued: run.fired.map_or(0, |f| f.queued as i32),
            already_fired_this_period: run.fired.is_none(),
        }))
    }

    /// Read the outbox of reminder mails
    #[oai(path = "/outbox", method = "get", operation_id = "list_outbox")]
    #[allow(clippy::too_many_arguments)]
    async fn outbox(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        /// Only mails in this state.
        status: Query<Option<OutboxStatusName>>,
        /// Only mails to this person.
        recipient_id: Query<Option<Id>>,
        /// Only mails of this schedule.
        schedule_id: Query<Option<Id>>,
        /// Page size, 1–200 (default 50).
        limit: Query<Option<crate::http::common::Limit>>,
        /// The `next_cursor` of the previous page.
        cursor: Query<Option<crate::http::common::Cursor>>,
    ) -> ApiResult<Json<OutboxList>> {
        let page = page(limit.0, cursor.0)?;
        let bad = |e: FieldError| ApiError::bad_request(e.to_string(), vec![e.into()]);
        let id = |field: &str, raw: Option<String>| {
            raw.map(|raw| parse_id(field, &raw).map_err(bad))
                .transpose()
        };
        let filter = OutboxFilter {
            status: status.0.map(Into::into),
            recipient_id: id("recipient_id", recipient_id.0.map(Into::into))?,
            schedule_id: id("schedule_id", schedule_id.0.map(Into::into))?,
        };
        let (rows, next_cursor) = outbox::list(&state, &auth.0.actor, &filter, &page).await?;
        Ok(Json(OutboxList {
            items: views(rows)?,
            next_cursor: next_cursor.map(Into::into),
        }))
    }

    /// Preview a schedule's next fire times
    ///
    /// The next `count` times (default 5) after `after` (default now), in the
    /// schedule's zone with that day's offset — daylight-saving changes included —
    /// and in UTC.
    #[oai(
        path = "/schedules/:id/preview",
        method = "get",
        operation_id = "preview_schedule"
    )]
    async fn preview(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<crate::http::common::Id>,
        /// How many fire times, 1–50 (default 5).
        #[oai(validator(minimum(value = "1"), maximum(value = "50")))]
        count: Query<Option<u32>>,
        /// Start after this instant (RFC 3339; default now).
        after: Query<Option<DateTime<Utc>>>,
    ) -> ApiResult<Json<Preview>> {
        let count = count.0.unwrap_or(5);
        if !(1..=50).contains(&count) {
            let e = FieldError::new("count", "must be between 1 and 50");
            return Err(ApiError::bad_request(e.to_string(), vec![e.into()]));
        }
        let (model, times) =
            schedules::preview(&state, &auth.0.actor, &id, count as usize, after.0).await?;
        Ok(Json(Preview {
            cron: model.cron,
            time_zone: model.time_zone,
            fire_times: times
                .into_iter()
                .map(|t| FireTime {
                    local: t,
                    utc: t.with_timezone(&Utc),
                })
                .collect(),
        }))
    }
}
