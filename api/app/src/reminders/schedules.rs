//! Reminder schedules of a program: what to remind of, when (a crontab line in an
//! IANA zone), with which parameters, and a preview of the next fire times; running
//! one by hand, or planning its firing without sending anything.
//!
//! The rules — the kinds, the parameters' bounds, a line that must parse and fire —
//! are [`cxpm_domain::reminder`]'s. Each schedule keeps its next fire time, which the
//! scheduler claims by compare-and-set ([`super::fire`]).

use std::collections::HashSet;

use chrono::{DateTime, FixedOffset, Timelike, Utc};
use cxpm_domain::reminder::{Readers, ScheduleKind, ScheduleParams, Timing};
use cxpm_domain::validation::Invalid;
use cxpm_domain::{Action, Actor, FieldError, Target, authorize};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use super::{Fired, Mailroom, PlannedMail};
use crate::store::page::Page;
use crate::store::{load, new_id, parse_id, person, program, schedule, versioned};
use crate::{AppError, AppResult, Ctx, Expect};

/// A new schedule; what is not given takes its default.
#[derive(Debug, Clone)]
pub struct NewSchedule {
    pub kind: ScheduleKind,
    pub cron: String,
    pub time_zone: String,
    pub look_ahead_days: Option<i64>,
    pub escalate_after_days: Option<i64>,
    pub stale_after_days: Option<i64>,
    /// Who reads a leadership digest (people by id as given); `None`: the
    /// coordinator and sponsor.
    pub readers: Option<Readers>,
    pub enabled: Option<bool>,
}

/// What to change in a schedule: only the fields given. Its kind stays.
#[derive(Debug, Clone, Default)]
pub struct ScheduleChange {
    pub cron: Option<String>,
    pub time_zone: Option<String>,
    pub look_ahead_days: Option<i64>,
    pub escalate_after_days: Option<i64>,
    pub stale_after_days: Option<i64>,
    pub readers: Option<Readers>,
    pub enabled: Option<bool>,
}

/// Which schedules of a program a list shows.
#[derive(Debug, Clone, Default)]
pub struct ScheduleFilter {
    pub kind: Option<ScheduleKind>,
    pub enabled: Option<bool>,
}

/// The stored readers; what cannot be read is left out (a row older versions wrote
/// holds `{}`: the coordinator and sponsor).
pub fn stored_readers(raw: &str) -> Readers {
    let value: serde_json::Value = serde_json::from_str(raw).unwrap_or_default();
    let names = |key: &str| -> Vec<String> {
        value[key]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    Readers {
        roles: names("roles")
            .iter()
            .filter_map(|r| r.parse().ok())
            .collect(),
        team_roles: names("team_roles")
            .iter()
            .filter_map(|r| r.parse().ok())
            .collect(),
        people: names("people"),
    }
}

/// The readers as stored: domain names in a JSON object.
fn readers_json(r: &Readers) -> String {
    serde_json::json!({
        "roles": r.roles.iter().map(|x| x.as_str()).collect::<Vec<_>>(),
        "team_roles": r.team_roles.iter().map(|x| x.as_str()).collect::<Vec<_>>(),
        "people": r.people,
    })
    .to_string()
}

/// The readers of a request, the people checked to exist: stored form.
async fn checked_readers(ctx: &Ctx, r: &Readers) -> AppResult<String> {
    // Every named person in one query, each missing one named by its place.
    let mut ids = Vec::with_capacity(r.people.len());
    for (i, raw) in r.people.iter().enumerate() {
        ids.push(parse_id(&format!("readers.people[{i}]"), raw)?);
    }
    let active: HashSet<String> = person::Entity::find()
        .filter(person::Column::Id.is_in(ids.clone()))
        .filter(person::Column::Active.eq(true))
        .all(&ctx.db)
        .await?
        .into_iter()
        .map(|p| p.id)
        .collect();
    if let Some(i) = ids.iter().position(|id| !active.contains(id)) {
        return Err(FieldError::new(
            format!("readers.people[{i}]"),
            "no active person with this id",
        )
        .into());
    }
    Ok(readers_json(r))
}

/// The parameters from what was given and what there was, checked together.
fn params(
    look_ahead: Option<i64>,
    escalate_after: Option<i64>,
    stale_after: Option<i64>,
    base: ScheduleParams,
) -> Result<ScheduleParams, Invalid> {
    ScheduleParams::new(
        look_ahead.unwrap_or(i64::from(base.look_ahead_days)),
        escalate_after.unwrap_or(i64::from(base.escalate_after_days)),
        stale_after.unwrap_or(i64::from(base.stale_after_days)),
    )
}

/// The cron line and zone, and the parameters, checked at once (every bad field in
/// one answer).
fn check(
    cron: &str,
    time_zone: &str,
    params: Result<ScheduleParams, Invalid>,
) -> AppResult<(Timing, ScheduleParams)> {
    let timing = Timing::parse(cron, time_zone);
    match (timing, params) {
        (Ok(t), Ok(p)) => Ok((t, p)),
        (t, p) => {
            let mut errors = Vec::new();
            if let Err(Invalid(e)) = t {
                errors.extend(e);
            }
            if let Err(Invalid(e)) = p {
                errors.extend(e);
            }
            Err(Invalid(errors).into())
        }
    }
}

fn stored_params(m: &schedule::Model) -> ScheduleParams {
    ScheduleParams {
        look_ahead_days: m.look_ahead_days.max(0) as u32,
        escalate_after_days: m.escalate_after_days.max(0) as u32,
        stale_after_days: m.stale_after_days.max(0) as u32,
    }
}

/// A stored schedule's timing; one that no longer reads is a failure of ours.
fn stored_timing(m: &schedule::Model) -> AppResult<Timing> {
    Timing::parse(&m.cron, &m.time_zone)
        .map_err(|e| AppError::internal(&format!("stored schedule: {e:?}")))
}

/// Creates a schedule for program `program_id`.
pub async fn create(
    ctx: &Ctx,
    actor: &Actor,
    program_id: &str,
    new: NewSchedule,
) -> AppResult<schedule::Model> {
    authorize(actor, Action::ManageSchedules, Target::Anything)?;
    let program = load::<program::Entity>(&ctx.db, "program", program_id).await?;
    let now = ctx.now();
    let (timing, params) = check(
        &new.cron,
        &new.time_zone,
        params(
            new.look_ahead_days,
            new.escalate_after_days,
            new.stale_after_days,
            ScheduleParams::default(),
        ),
    )?;
    let readers = match &new.readers {
        Some(r) => checked_readers(ctx, r).await?,
        None => "{}".to_owned(),
    };
    let enabled = new.enabled.unwrap_or(true);
    let model = schedule::Model {
        id: new_id(),
        program_id: program.id,
        kind: new.kind.into(),
        cron: timing.cron.as_str().to_owned(),
        time_zone: timing.zone.as_str().to_owned(),
        look_ahead_days: params.look_ahead_days as i32,
        escalate_after_days: params.escalate_after_days as i32,
        stale_after_days: params.stale_after_days as i32,
        readers,
        enabled,
        next_fire_at: if enabled { timing.next_fire(now) } else { None },
        last_fired_at: None,
        version: 1,
        created_at: now,
        updated_at: now,
    };
    versioned::create::<schedule::Entity>(&ctx.db, &actor.person_id, now, &model).await?;
    Ok(model)
}

/// One page of program `program_id`'s schedules, oldest first, and the next cursor.
pub async fn list(
    ctx: &Ctx,
    actor: &Actor,
    program_id: &str,
    filter: &ScheduleFilter,
    page: &Page,
) -> AppResult<(Vec<schedule::Model>, Option<String>)> {
    authorize(actor, Action::ReadPrograms, Target::Anything)?;
    let program = load::<program::Entity>(&ctx.read, "program", program_id).await?;
    let mut select = schedule::Entity::find().filter(schedule::Column::ProgramId.eq(&program.id));
    if let Some(kind) = filter.kind {
        select = select.filter(schedule::Column::Kind.eq(kind.as_str()));
    }
    if let Some(enabled) = filter.enabled {
        select = select.filter(schedule::Column::Enabled.eq(enabled));
    }
    let rows = page
        .apply(select, schedule::Column::Id)
        .all(&ctx.read)
        .await?;
    Ok(page.finish(rows, |r| &r.id))
}

/// Schedule `id`.
pub async fn get(ctx: &Ctx, actor: &Actor, id: &str) -> AppResult<schedule::Model> {
    authorize(actor, Action::ReadPrograms, Target::Anything)?;
    load::<schedule::Entity>(&ctx.read, "schedule", id).await
}

/// Changes, enables or disables schedule `id`. A new line, zone or re-enabling sets
/// the next fire time anew (from now: ticks missed while disabled are not fired).
pub async fn change(
    ctx: &Ctx,
    actor: &Actor,
    id: &str,
    expected: &Expect,
    change: ScheduleChange,
) -> AppResult<schedule::Model> {
    authorize(actor, Action::ManageSchedules, Target::Anything)?;
    let before = load::<schedule::Entity>(&ctx.db, "schedule", id).await?;
    expected.check(before.version)?;
    let now = ctx.now();
    let (timing, params) = check(
        change.cron.as_deref().unwrap_or(&before.cron),
        change.time_zone.as_deref().unwrap_or(&before.time_zone),
        params(
            change.look_ahead_days,
            change.escalate_after_days,
            change.stale_after_days,
            stored_params(&before),
        ),
    )?;
    let mut after = before.clone();
    after.cron = timing.cron.as_str().to_owned();
    after.time_zone = timing.zone.as_str().to_owned();
    after.look_ahead_days = params.look_ahead_days as i32;
    after.escalate_after_days = params.escalate_after_days as i32;
    after.stale_after_days = params.stale_after_days as i32;
    if let Some(r) = &change.readers {
        after.readers = checked_readers(ctx, r).await?;
    }
    if let Some(enabled) = change.enabled {
        after.enabled = enabled;
    }
    let retimed = after.cron != before.cron
        || after.time_zone != before.time_zone
        || (after.enabled && !before.enabled);
    if !after.enabled {
        after.next_fire_at = None;
    } else if retimed || after.next_fire_at.is_none() {
        after.next_fire_at = timing.next_fire(now);
    }
    versioned::update::<schedule::Entity>(&ctx.db, &actor.person_id, now, &before, after).await
}

/// Schedule `id`'s next `count` fire times after `after` (default now), in its zone
/// with that day's offset.
pub async fn preview(
    ctx: &Ctx,
    actor: &Actor,
    id: &str,
    count: usize,
    after: Option<DateTime<Utc>>,
) -> AppResult<(schedule::Model, Vec<DateTime<FixedOffset>>)> {
    let model = get(ctx, actor, id).await?;
    let after = after.unwrap_or_else(|| ctx.now());
    let times = stored_timing(&model)?
        .next_after(after, count)
        .into_iter()
        .map(|t| t.fixed_offset())
        .collect();
    Ok((model, times))
}

/// What firing a schedule would send.
#[derive(Debug, Clone)]
pub struct DryRun {
    pub schedule_id: String,
    pub fired_at: DateTime<Utc>,
    /// One per recipient; nobody gets a mail with nothing in it.
    pub mails: Vec<PlannedMail>,
}

/// Plans schedule `id`'s firing as if it happened at `at` (default now), and sends
/// and queues nothing.
pub async fn dry_run(
    ctx: &Ctx,
    actor: &Actor,
    id: &str,
    at: Option<DateTime<Utc>>,
    mailroom: &impl Mailroom,
) -> AppResult<DryRun> {
    authorize(actor, Action::ManageSchedules, Target::Anything)?;
    let model = load::<schedule::Entity>(&ctx.db, "schedule", id).await?;
    let fired_at = at.unwrap_or_else(|| ctx.now());
    let mails = super::plan(ctx, &model, fired_at, mailroom).await?;
    Ok(DryRun {
        schedule_id: model.id,
        fired_at,
        mails,
    })
}

/// What running a schedule by hand did.
#[derive(Debug, Clone)]
pub struct Run {
    pub schedule_id: String,
    /// The current minute: a crontab's finest tick.
    pub fired_at: DateTime<Utc>,
    /// `None`: it had already fired in this scheduled period, and nothing was
    /// planned or queued.
    pub fired: Option<Fired>,
}

/// Fires schedule `id` for the current minute as the scheduler would — unless it
/// already fired in the current scheduled period (since its latest tick, by the
/// scheduler or by hand) and `force` is not set.
pub async fn run(
    ctx: &Ctx,
    actor: &Actor,
    id: &str,
    force: bool,
    mailroom: &impl Mailroom,
) -> AppResult<Run> {
    authorize(actor, Action::ManageSchedules, Target::Anything)?;
    let model = load::<schedule::Entity>(&ctx.db, "schedule", id).await?;
    let now = ctx.now();
    let fired_at = now
        .with_second(0)
        .and_then(|t| t.with_nanosecond(0))
        .unwrap_or(now);
    let timing = stored_timing(&model)?;
    let fired = if !force && timing.fired_this_period(model.last_fired_at, now) {
        None
    } else {
        Some(super::fire(ctx, &model, fired_at, Some(&actor.person_id), mailroom).await?)
    };
    Ok(Run {
        schedule_id: model.id,
        fired_at,
        fired,
    })
}
