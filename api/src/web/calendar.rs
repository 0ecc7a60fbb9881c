//! Calendar feeds (issue 18, item 3): on My profile's calendar page a person makes a
//! feed of their own due actions (or their department's), copies its address — shown
//! once, as `webcal://` for a calendar app and `https://` — and revokes it; and the
//! feed itself, `/calendar/{secret}.ics`, RFC 5545 written with the `icalendar` crate:
//! one all-day event per action with a stable UID, its SEQUENCE raised with each change
//! (the action's version), a cancelled action as `STATUS:CANCELLED`, the words in the
//! person's language; and the next feedback ticks of the plans the person owns.

use std::collections::HashMap;

use askama::Template;
use cxpm_app::calendar::{self, Feed, FeedItem};
use cxpm_app::names;
use icalendar::{Calendar, Component, Event, EventLike, EventStatus};
use poem::http::{StatusCode, header};
use poem::web::{Data, Form, Path};
use poem::{Request, Response, handler};

use crate::app::AppState;
use crate::web::render::{Chrome, PageError, PageResult, html, see_other, when};
use crate::web::session::{self, Viewer};
use crate::words::Words;

/// The feed: `/calendar/{secret}.ics`. No session and no bearer token: the secret in
/// the address is the feed's own. A revoked or unknown feed is a plain 404.
#[handler]
pub async fn read_feed(
    state: Data<&AppState>,
    Path(file): Path<String>,
) -> Result<Response, PageError> {
    let t = Words::new(cxpm_domain::values::Locale::En);
    let secret = file.strip_suffix(".ics").unwrap_or(&file);
    let found = calendar::read(&state, secret)
        .await
        .map_err(|e| PageError::app(e, t))?;
    let Some(feed) = found else {
        return Ok(Response::builder()
            .status(StatusCode::NOT_FOUND)
            .content_type("text/plain; charset=utf-8")
            .body("no such calendar"));
    };
    let body = ics(&state.public_url, &feed);
    Ok(Response::builder()
        .status(StatusCode::OK)
        .content_type("text/calendar; charset=utf-8")
        .header(header::CACHE_CONTROL, "no-store")
        .header(header::REFERRER_POLICY, "no-referrer")
        .body(body))
}

/// The feed as RFC 5545 text.
pub fn ics(public_url: &str, feed: &Feed) -> String {
    let t = Words::new(feed.locale);
    let host = public_url
        .split("://")
        .nth(1)
        .unwrap_or(public_url)
        .trim_end_matches('/');
    let name = match &feed.department {
        Some(d) => t.with(
            "calendar-name-department",
            &[(
                "department",
                &names::name_in(&d.name, &d.name_translations, t.locale),
            )],
        ),
        None => t.with("calendar-name-mine", &[("name", feed.person.name.as_str())]),
    };
    let mut cal = Calendar::new();
    cal.name(&name);
    for e in &feed.events {
        let mut event = Event::new();
        event
            .uid(&format!("{}@{host}", e.uid))
            .all_day(e.day)
            .timestamp(e.changed_at)
            .add_property("SEQUENCE", e.sequence.to_string());
        match &e.what {
            FeedItem::Action { action, plan_title } => {
                let status = t.get(&format!("status-{}", action.status.as_str()));
                event
                    .summary(&action.title)
                    .description(&t.with(
                        "calendar-action",
                        &[
                            ("plan", plan_title.as_str()),
                            ("status", status.as_str()),
                            ("progress", &action.progress.to_string()),
                        ],
                    ))
                    .url(&format!("{public_url}/actions/{}", action.id));
                if calendar::cancelled(action) {
                    event.status(EventStatus::Cancelled);
                } else {
                    event.status(EventStatus::Confirmed);
                }
            }
            FeedItem::FeedbackTick { plan } => {
                event
                    .summary(&t.with("calendar-feedback", &[("plan", plan.title.as_str())]))
                    .url(&format!("{public_url}/plans/{}", plan.id))
                    .status(EventStatus::Confirmed);
            }
        }
        cal.push(event.done());
    }
    cal.done().to_string()
}

pub struct FeedRow {
    pub id: String,
    pub what: String,
    pub created: String,
    pub read: String,
    pub revoked: Option<String>,
}

#[derive(Template)]
#[template(path = "web/calendar.html")]
struct CalendarPage {
    chrome: Chrome,
    feeds: Vec<FeedRow>,
    /// A feed just made: its addresses, shown once.
    made: Option<(String, String)>,
    /// The reader's department (its id, the button's words), for a department feed.
    department: Option<(String, String)>,
}

async fn calendar_page(state: &AppState, v: &Viewer, made: Option<(String, String)>) -> PageResult {
    let t = v.t;
    let lines = calendar::mine(state, v.actor())
        .await
        .map_err(|e| PageError::app(e, t))?;
    let dept_name = |d: &cxpm_app::store::department::Model| {
        names::name_in(&d.name, &d.name_translations, t.locale)
    };
    let department = match &v.signed.person.department_id {
        Some(id) => cxpm_app::directory::departments::get(state, v.actor(), id)
            .await
            .ok()
            .map(|d| {
                (
                    d.id.clone(),
                    t.with("calendar-new-department", &[("department", &dept_name(&d))]),
                )
            }),
        None => None,
    };
    let view = CalendarPage {
        chrome: Chrome::signed(v, t.get("calendar-title"), "me"),
        feeds: lines
            .iter()
            .map(|l| FeedRow {
                id: l.feed.id.clone(),
                what: match &l.department {
                    Some(d) => t.with("calendar-feed-department", &[("department", &dept_name(d))]),
                    None => t.get("calendar-feed-mine"),
                },
                created: when(&t, &v.tz, l.feed.created_at),
                read: l
                    .feed
                    .last_read_at
                    .map(|at| when(&t, &v.tz, at))
                    .unwrap_or_else(|| t.get("reminders-never")),
                revoked: l.feed.revoked_at.map(|at| when(&t, &v.tz, at)),
            })
            .collect(),
        made,
        department,
    };
    Ok(html(StatusCode::OK, &view))
}

/// My calendar feeds.
#[handler]
pub async fn page(req: &Request, state: Data<&AppState>) -> PageResult {
    let v = session::viewer(&state, req).await?;
    calendar_page(&state, &v, None).await
}

/// Makes a feed (`department`: my department's) and shows its address once.
#[handler]
pub async fn create(
    req: &Request,
    state: Data<&AppState>,
    Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    let v = session::posted_by(&state, req, &f).await?;
    let department = f.get("department_id").filter(|d| !d.is_empty());
    let (_, secret) = calendar::create(&state, v.actor(), department.map(String::as_str))
        .await
        .map_err(|e| PageError::app(e, v.t))?;
    let https = format!("{}/calendar/{secret}.ics", state.public_url);
    let webcal = https
        .replacen("https://", "webcal://", 1)
        .replacen("http://", "webcal://", 1);
    calendar_page(&state, &v, Some((webcal, https))).await
}

/// Revokes one of my feeds.
#[handler]
pub async fn revoke(
    req: &Request,
    state: Data<&AppState>,
    Path(id): Path<String>,
    Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    let v = session::posted_by(&state, req, &f).await?;
    calendar::revoke(&state, v.actor(), &id)
        .await
        .map_err(|e| PageError::app(e, v.t))?;
    Ok(see_other("/me/calendar"))
}
