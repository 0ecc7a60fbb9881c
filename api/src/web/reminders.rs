//! A program's reminders (issue 17, coordinators' item 7): its schedules, each with
//! its crontab line in plain words and its next five times; a new one made with a
//! crontab helper ("Check" shows the line in words in the reader's language and its
//! next five times before anything is saved); a dry run showing the real mails a
//! firing would send; run now; switch on and off; and the program's outbox — each
//! mail's status, attempts and last error.

use std::collections::HashMap;

use askama::Template;
use chrono::Utc;
use cxpm_app::AppError;
use cxpm_app::reminders::page::{self as view_of, RemindersView};
use cxpm_app::reminders::schedules::{self, NewSchedule, ScheduleChange};
use cxpm_domain::reminder::{ScheduleKind, Timing};
use poem::http::StatusCode;
use poem::web::{Data, Form, Path, Query};
use poem::{Request, handler};
use serde::Deserialize;

use crate::app::AppState;
use crate::jobs::mailroom::Mail;
use crate::web::render::{
    Chrome, FieldErrors, PageError, PageResult, Posted, field, form_version, html, see_other, when,
};
use crate::web::session::{self, Viewer};
use crate::web::value_stream::Choice;
use crate::words::Words;

pub struct ScheduleRow {
    pub id: String,
    pub version: i32,
    pub kind: String,
    pub cron: String,
    pub zone: String,
    pub words: String,
    pub next: Vec<String>,
    pub enabled: bool,
    pub last: String,
}

pub struct MailRow {
    pub when: String,
    pub to: String,
    pub subject: String,
    pub status: String,
    pub status_key: &'static str,
    pub attempts: i32,
    pub error: String,
}

/// What "Check" found: the line in words and its next times.
pub struct Checked {
    pub words: String,
    pub next: Vec<String>,
}

#[derive(Template)]
#[template(path = "web/reminders.html")]
struct RemindersPage {
    chrome: Chrome,
    id: String,
    program: String,
    schedules: Vec<ScheduleRow>,
    kinds: Vec<Choice>,
    zone: String,
    checked: Option<Checked>,
    done: Option<String>,
    outbox: Vec<MailRow>,
    posted: Posted,
    may_manage: bool,
}

/// The next `n` times of `timing`, each in its own zone, in the reader's words.
fn next_times(t: &Words, timing: &Timing, n: usize) -> Vec<String> {
    timing
        .next_after(Utc::now(), n)
        .into_iter()
        .map(|at| {
            format!(
                "{} {} ({})",
                t.day(at.date_naive()),
                at.format("%H:%M"),
                timing.zone.as_str()
            )
        })
        .collect()
}

fn reminders_page(
    v: &Viewer,
    view: RemindersView,
    posted: Posted,
    checked: Option<Checked>,
    done: Option<String>,
) -> RemindersPage {
    let t = v.t;
    let schedules = view
        .schedules
        .iter()
        .map(|s| {
            let timing = Timing::parse(&s.cron, &s.time_zone).ok();
            ScheduleRow {
                id: s.id.clone(),
                version: s.version,
                kind: t.get(&format!("schedule-kind-{}", s.kind.as_str())),
                cron: s.cron.clone(),
                zone: s.time_zone.clone(),
                words: timing
                    .as_ref()
                    .map(|x| x.describe(t.locale))
                    .unwrap_or_else(|| s.cron.clone()),
                next: match (&timing, s.enabled) {
                    (Some(x), true) => next_times(&t, x, 5),
                    _ => Vec::new(),
                },
                enabled: s.enabled,
                last: s
                    .last_fired_at
                    .map(|at| when(&t, &v.tz, at))
                    .unwrap_or_else(|| t.get("reminders-never")),
            }
        })
        .collect();
    let outbox = view
        .outbox
        .iter()
        .map(|m| MailRow {
            when: when(&t, &v.tz, m.created_at),
            to: view
                .names
                .get(&m.recipient_id)
                .cloned()
                .unwrap_or_else(|| m.to_address.clone()),
            subject: m.subject.clone(),
            status: t.get(&format!("outbox-status-{}", m.status.as_str())),
            status_key: m.status.as_str(),
            attempts: m.attempts,
            error: m.last_error.clone().unwrap_or_default(),
        })
        .collect();
    RemindersPage {
        chrome: Chrome::signed(v, t.get("reminders-title"), "programs"),
        id: view.program.id.clone(),
        program: view.program.name.clone(),
        schedules,
        kinds: ScheduleKind::ALL
            .iter()
            .map(|k| Choice {
                value: k.as_str().to_owned(),
                label: t.get(&format!("schedule-kind-{}", k.as_str())),
                chosen: false,
            })
            .collect(),
        zone: v.tz.as_str().to_owned(),
        checked,
        done,
        outbox,
        posted,
        may_manage: view.may_manage,
    }
}

#[derive(Debug, Deserialize)]
pub struct Done {
    /// After a run: how many mails it queued (`-1`: it had already fired).
    ran: Option<i64>,
}

/// The reminders page.
#[handler]
pub async fn page(
    req: &Request,
    state: Data<&AppState>,
    Path(id): Path<String>,
    Query(q): Query<Done>,
) -> PageResult {
    let v = session::viewer(&state, req).await?;
    let view = view_of::reminders(&state, v.actor(), &id)
        .await
        .map_err(|e| PageError::app(e, v.t))?;
    let done = q.ran.map(|n| {
        if n < 0 {
            v.t.get("reminders-ran-already")
        } else {
            v.t.n("reminders-ran", n)
        }
    });
    Ok(html(
        StatusCode::OK,
        &reminders_page(&v, view, Posted::default(), None, done),
    ))
}

/// Checks a crontab line (op `check`: the page again with it in words and its next
/// five times) or creates the schedule.
#[handler]
pub async fn create(
    req: &Request,
    state: Data<&AppState>,
    Path(id): Path<String>,
    Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    let v = session::posted_by(&state, req, &f).await?;
    let kind = field(&f, "kind").parse::<ScheduleKind>();
    let timing = Timing::parse(field(&f, "cron"), field(&f, "time_zone"));
    let outcome = if field(&f, "op") == "check" {
        timing.map(|_| ()).map_err(AppError::from)
    } else {
        match kind {
            Ok(kind) => schedules::create(
                &state,
                v.actor(),
                &id,
                NewSchedule {
                    kind,
                    cron: field(&f, "cron").to_owned(),
                    time_zone: field(&f, "time_zone").to_owned(),
                    look_ahead_days: None,
                    escalate_after_days: None,
                    stale_after_days: None,
                    readers: None,
                    enabled: None,
                },
            )
            .await
            .map(|_| ()),
            Err(e) => Err(AppError::from(e)),
        }
    };
    let view = view_of::reminders(&state, v.actor(), &id)
        .await
        .map_err(|e| PageError::app(e, v.t))?;
    match outcome {
        Ok(()) if field(&f, "op") == "check" => {
            let timing = Timing::parse(field(&f, "cron"), field(&f, "time_zone"))
                .map_err(|e| PageError::app(e.into(), v.t))?;
            let checked = Checked {
                words: timing.describe(v.t.locale),
                next: next_times(&v.t, &timing, 5),
            };
            let posted = Posted {
                form: "schedule-new".to_owned(),
                fields: f,
                errors: FieldErrors::default(),
                notice: None,
            };
            Ok(html(
                StatusCode::OK,
                &reminders_page(&v, view, posted, Some(checked), None),
            ))
        }
        Ok(()) => Ok(see_other(&format!("/programs/{id}/reminders"))),
        Err(e) => {
            let (status, posted) = Posted::refused(&state, &v, "schedule-new", f, e, None).await?;
            Ok(html(status, &reminders_page(&v, view, posted, None, None)))
        }
    }
}

/// Switches a schedule on or off, as it stood when read.
#[handler]
pub async fn switch(
    req: &Request,
    state: Data<&AppState>,
    Path(id): Path<String>,
    Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    let v = session::posted_by(&state, req, &f).await?;
    let change = ScheduleChange {
        enabled: Some(field(&f, "enabled") == "true"),
        ..ScheduleChange::default()
    };
    let version = form_version(field(&f, "version"));
    let before = schedules::get(&state, v.actor(), &id)
        .await
        .map_err(|e| PageError::app(e, v.t))?;
    match schedules::change(&state, v.actor(), &id, &version, change).await {
        // Stale: the page as it stands says whether it is on.
        Ok(_) | Err(AppError::Stale { .. }) => Ok(see_other(&format!(
            "/programs/{}/reminders#schedule-{id}",
            before.program_id
        ))),
        Err(e) => Err(PageError::app(e, v.t)),
    }
}

/// Runs a schedule now, as the scheduler would (once per scheduled period).
#[handler]
pub async fn run(
    req: &Request,
    state: Data<&AppState>,
    Path(id): Path<String>,
    Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    let v = session::posted_by(&state, req, &f).await?;
    let ran = schedules::run(&state, v.actor(), &id, false, &Mail(&state))
        .await
        .map_err(|e| PageError::app(e, v.t))?;
    let before = schedules::get(&state, v.actor(), &id)
        .await
        .map_err(|e| PageError::app(e, v.t))?;
    let ran = ran.fired.map(|f| f.queued as i64).unwrap_or(-1);
    Ok(see_other(&format!(
        "/programs/{}/reminders?ran={ran}#schedule-{id}",
        before.program_id
    )))
}

pub struct PlannedView {
    pub to: String,
    pub subject: String,
    pub text: String,
}

#[derive(Template)]
#[template(path = "web/dry_run.html")]
struct DryRunPage {
    chrome: Chrome,
    program_id: String,
    kind: String,
    at: String,
    mails: Vec<PlannedView>,
}

/// What firing a schedule now would send: the real mails, sent to nobody.
#[handler]
pub async fn dry_run(req: &Request, state: Data<&AppState>, Path(id): Path<String>) -> PageResult {
    let v = session::viewer(&state, req).await?;
    let s = schedules::get(&state, v.actor(), &id)
        .await
        .map_err(|e| PageError::app(e, v.t))?;
    let planned = schedules::dry_run(&state, v.actor(), &id, None, &Mail(&state))
        .await
        .map_err(|e| PageError::app(e, v.t))?;
    let t = v.t;
    let view = DryRunPage {
        chrome: Chrome::signed(&v, t.get("dry-run-title"), "programs"),
        program_id: s.program_id.clone(),
        kind: t.get(&format!("schedule-kind-{}", s.kind.as_str())),
        at: when(&t, &v.tz, planned.fired_at),
        mails: planned
            .mails
            .into_iter()
            .map(|m| PlannedView {
                to: m.to_address,
                subject: m.subject,
                text: m.text,
            })
            .collect(),
    };
    Ok(html(StatusCode::OK, &view))
}
