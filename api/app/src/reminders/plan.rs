//! What a schedule's firing would mail: one letter per reader with something to read
//! (never an empty one), written by the front's [`RenderMail`], each with the dedupe
//! key and Message-ID it is queued under.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDate, Utc};
use cxpm_domain::reminder::{
    Digest, Ladder, Level, ScheduleKind, ScheduleParams, Timing, dedupe_key, message_id,
};
use cxpm_domain::values::{Locale, TimeZone};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use super::facts::{self, About};
use super::{Letter, Line, MAX_LINES, Mailroom, RenderMail, Rendered, Status, leadership};
use crate::store::{department, person, program, schedule};
use crate::{AppError, AppResult, Ctx};

/// One mail a firing would send.
#[derive(Debug, Clone)]
pub struct PlannedMail {
    pub recipient_id: String,
    pub to_address: String,
    pub locale: Locale,
    pub subject: String,
    pub text: String,
    pub html: String,
    /// The ids of the actions, plans, key points or gap lines it is about.
    pub items: Vec<String>,
    pub dedupe_key: String,
    pub message_id: String,
}

/// What every kind of planning reads: the schedule and its tick, the program, the
/// active people, the departments and the escalation ladder.
pub(super) struct Setting<'a> {
    pub sched: &'a schedule::Model,
    pub kind: ScheduleKind,
    pub fired_at: DateTime<Utc>,
    pub zone: TimeZone,
    /// The tick's day in the schedule's zone.
    pub today: NaiveDate,
    pub params: ScheduleParams,
    pub program: program::Model,
    /// Active people only: an inactive one is a missing rung.
    pub people: HashMap<String, person::Model>,
    pub departments: HashMap<String, department::Model>,
    pub ladder: Ladder,
    /// Where people reach cxpm, for links.
    pub base: &'a str,
    /// Every item's words, not only those the mails list (a chat channel lists its
    /// departments' items, which no one mail may show).
    pub wide: bool,
}

impl Setting<'_> {
    /// The person `id` names, if active.
    pub fn active(&self, id: &Option<String>) -> Option<String> {
        id.clone().filter(|id| self.people.contains_key(id))
    }

    pub fn department_name(&self, id: &str) -> String {
        self.departments
            .get(id)
            .map(|d| d.name.clone())
            .unwrap_or_default()
    }

    /// The day of `t` in the schedule's zone.
    pub fn day(&self, t: DateTime<Utc>) -> NaiveDate {
        t.with_timezone(&self.zone.tz()).date_naive()
    }

    /// The page of `path` (`actions/…`, `plans/…`, `key-points/…`, `my-work`): mail
    /// links open pages, never the API.
    pub fn link(&self, path: &str) -> String {
        format!("{}/{path}", self.base)
    }

    /// The program's report `name` (`gaps`, `progress`) as a page.
    pub fn report(&self, name: &str) -> String {
        self.link(&format!("programs/{}/reports/{name}", self.program.id))
    }
}

/// Reads what every kind of planning needs.
pub(super) async fn setting<'a>(
    ctx: &'a Ctx,
    sched: &'a schedule::Model,
    fired_at: DateTime<Utc>,
) -> AppResult<Setting<'a>> {
    let kind: ScheduleKind = *sched.kind;
    let zone = TimeZone::parse(&sched.time_zone).map_err(|e| AppError::internal(&e))?;
    let program = program::Entity::find_by_id(sched.program_id.clone())
        .one(&ctx.db)
        .await?
        .ok_or_else(|| AppError::not_found("program", &sched.program_id))?;
    let people: HashMap<String, person::Model> = person::Entity::find()
        .filter(person::Column::Active.eq(true))
        .all(&ctx.db)
        .await?
        .into_iter()
        .map(|p| (p.id.clone(), p))
        .collect();
    let departments: HashMap<String, department::Model> = department::Entity::find()
        .all(&ctx.db)
        .await?
        .into_iter()
        .map(|d| (d.id.clone(), d))
        .collect();
    let params = ScheduleParams {
        look_ahead_days: sched.look_ahead_days.max(0) as u32,
        escalate_after_days: sched.escalate_after_days.max(1) as u32,
        stale_after_days: sched.stale_after_days.max(1) as u32,
    };
    let mut s = Setting {
        sched,
        kind,
        fired_at,
        today: fired_at.with_timezone(&zone.tz()).date_naive(),
        zone,
        params,
        program,
        people,
        departments,
        ladder: Ladder::default(),
        base: ctx.public_url.as_ref(),
        wide: false,
    };
    s.ladder = Ladder {
        heads: s
            .departments
            .values()
            .filter_map(|d| s.active(&d.head_id).map(|h| (d.id.clone(), h)))
            .collect::<BTreeMap<_, _>>(),
        coordinator: s.active(&s.program.coordinator_id),
        sponsor: s.active(&s.program.sponsor_id),
    };
    Ok(s)
}

/// The mails `sched` would send when fired at `fired_at`.
pub async fn plan(
    ctx: &Ctx,
    sched: &schedule::Model,
    fired_at: DateTime<Utc>,
    mailroom: &impl Mailroom,
) -> AppResult<Vec<PlannedMail>> {
    let s = setting(ctx, sched, fired_at).await?;
    let (digests, about) = match s.kind {
        ScheduleKind::Overdue | ScheduleKind::UpcomingDue => facts::due(ctx, &s).await?,
        ScheduleKind::StalePlans => facts::stale(ctx, &s).await?,
        ScheduleKind::MeasurementRequest => facts::measurement(ctx, &s).await?,
        ScheduleKind::LeadershipDigest => return leadership::plan(ctx, &s, mailroom).await,
    };
    write(&s, digests, &about, mailroom)
}

/// One mail per digest whose reader is active, its lines in the reader's words.
fn write(
    s: &Setting<'_>,
    digests: Vec<Digest>,
    about: &HashMap<String, About>,
    render: &impl RenderMail,
) -> AppResult<Vec<PlannedMail>> {
    let mut mails = Vec::with_capacity(digests.len());
    for digest in digests {
        let Some(reader) = s.people.get(&digest.recipient_id) else {
            continue;
        };
        let locale = Locale::parse(&reader.locale).unwrap_or_default();
        let lines: Vec<Line> = digest
            .items
            .iter()
            .take(MAX_LINES)
            .map(|item| {
                let about = about.get(&item.item_id).cloned().unwrap_or_default();
                let status = match about.feedback_due {
                    Some(since) => Status::FeedbackDue {
                        since,
                        level: item.level,
                    },
                    None => Status::Days {
                        days: item.days_late,
                        level: item.level,
                    },
                };
                Line {
                    title: about.title,
                    context: about.context,
                    status,
                    link: about.link,
                }
            })
            .collect();
        // Where the whole list is: a person's own actions, or the program's report.
        let own = digest.items.iter().all(|i| i.level == Level::Owner);
        let rest_link = match s.kind {
            ScheduleKind::Overdue | ScheduleKind::UpcomingDue if own => s.link("my-work"),
            ScheduleKind::MeasurementRequest => s.report("gaps"),
            _ => s.report("progress"),
        };
        let letter = s.letter(reader, locale, lines, digest.items.len(), rest_link);
        let items = digest.items.iter().map(|i| i.item_id.clone()).collect();
        mails.push(s.planned(reader, locale, render.render(&letter)?, items));
    }
    Ok(mails)
}

impl Setting<'_> {
    /// `reader`'s letter of `lines` (of `total` items).
    pub fn letter(
        &self,
        reader: &person::Model,
        locale: Locale,
        lines: Vec<Line>,
        total: usize,
        rest_link: String,
    ) -> Letter {
        Letter {
            kind: self.kind,
            locale,
            reader: reader.name.clone(),
            program: self.program.name.clone(),
            lines,
            total,
            rest_link,
            rhythm: rhythm(self.sched, locale),
        }
    }

    /// The mail `rendered` for `reader`, with its dedupe key and Message-ID.
    pub fn planned(
        &self,
        reader: &person::Model,
        locale: Locale,
        rendered: Rendered,
        items: Vec<String>,
    ) -> PlannedMail {
        let key = dedupe_key(&self.sched.id, self.fired_at, &reader.id);
        PlannedMail {
            recipient_id: reader.id.clone(),
            to_address: reader.email.clone(),
            locale,
            subject: rendered.subject,
            text: rendered.text,
            html: rendered.html,
            items,
            message_id: message_id(&key, host(self.base)),
            dedupe_key: key,
        }
    }
}

/// When `sched` fires, in plain words in `locale`.
pub(super) fn rhythm(sched: &schedule::Model, locale: Locale) -> String {
    Timing::parse(&sched.cron, &sched.time_zone)
        .map(|t| t.describe(locale))
        .unwrap_or_else(|_| format!("{} {}", sched.cron, sched.time_zone))
}

/// The host part of the public address, for Message-IDs.
fn host(public_url: &str) -> &str {
    let rest = public_url
        .split_once("://")
        .map(|(_, r)| r)
        .unwrap_or(public_url);
    let host = rest.split(['/', ':']).next().unwrap_or("");
    if host.is_empty() { "cxpm.local" } else { host }
}

#[cfg(test)]
mod tests {
    use super::host;

    #[test]
    fn message_ids_use_the_public_host() {
        assert_eq!(host("https://cx.example.com/app"), "cx.example.com");
        assert_eq!(host("http://127.0.0.1:8080"), "127.0.0.1");
        assert_eq!(host(""), "cxpm.local");
    }
}
