//! A program's chat groups and webhooks (issue 18), for its coordinators: connect a
//! WeCom, DingTalk, Feishu, Teams or Slack group robot to chosen reminders and
//! departments, see each one's state (a broken robot says what the platform
//! answered) and latest messages, give it a new address or secret, remove it;
//! subscribe another system's webhook to events — its secret shown once —, turn it
//! off and on, give it a new secret, send a missed call again. The use cases are
//! `cxpm_app::hooks`.

use std::collections::HashMap;

use askama::Template;
use cxpm_app::hooks::page::{self as view_of, HooksView};
use cxpm_app::hooks::{channels, masked, webhooks};
use cxpm_app::store::delivery;
use cxpm_app::{AppError, Patch};
use cxpm_domain::hooks::{ChannelKind, HookState, WebhookEvent};
use cxpm_domain::values::Locale;
use poem::http::StatusCode;
use poem::web::{Data, Form, Path};
use poem::{Request, handler};

use crate::app::AppState;
use crate::web::render::{
    Chrome, PageError, PageResult, Posted, field, form_version, html, see_other, when,
};
use crate::web::session::{self, Viewer};
use crate::web::value_stream::{Choice, endonym};

pub struct CallRow {
    pub id: String,
    pub line: String,
    pub when: String,
    pub error: String,
    pub failed: bool,
}

pub struct ChannelRow {
    pub id: String,
    pub version: i32,
    pub name: String,
    pub kind: String,
    pub url: String,
    pub language: String,
    pub schedules: String,
    pub departments: String,
    pub state: String,
    pub state_key: &'static str,
    pub broken: Option<String>,
    pub calls: Vec<CallRow>,
}

pub struct WebhookRow {
    pub id: String,
    pub version: i32,
    pub url: String,
    pub events: String,
    pub state: String,
    pub state_key: &'static str,
    pub on: bool,
    pub failing: Option<String>,
    pub calls: Vec<CallRow>,
}

#[derive(Template)]
#[template(path = "web/hooks.html")]
struct HooksPage {
    chrome: Chrome,
    id: String,
    program: String,
    channels: Vec<ChannelRow>,
    webhooks: Vec<WebhookRow>,
    kinds: Vec<Choice>,
    languages: Vec<Choice>,
    schedules: Vec<Choice>,
    departments: Vec<Choice>,
    events: Vec<Choice>,
    /// A webhook's secret, shown once after it was made or rotated.
    secret: Option<String>,
    posted: Posted,
}

fn state_words(v: &Viewer, state: HookState) -> String {
    v.t.get(&format!("hooks-state-{}", state.as_str()))
}

fn event_words(v: &Viewer, event: &str) -> String {
    match event.strip_prefix("digest.") {
        Some(kind) => v.t.get(&format!("schedule-kind-{kind}")),
        None => v.t.get(&format!("hooks-event-{}", event.replace('.', "-"))),
    }
}

fn calls(v: &Viewer, rows: Option<&Vec<delivery::Model>>) -> Vec<CallRow> {
    rows.into_iter()
        .flatten()
        .map(|d| {
            let status = v.t.get(&format!("outbox-status-{}", d.status.as_str()));
            CallRow {
                id: d.id.clone(),
                line: v.t.with(
                    "hooks-delivery-line",
                    &[
                        ("event", &event_words(v, &d.event)),
                        ("status", &status),
                        ("attempts", &d.attempts.to_string()),
                    ],
                ),
                when: when(&v.t, &v.tz, d.created_at),
                error: d.last_error.clone().unwrap_or_default(),
                failed: d.status.as_str() == "failed",
            }
        })
        .collect()
}

fn hooks_page(v: &Viewer, view: HooksView, posted: Posted, secret: Option<String>) -> HooksPage {
    let t = v.t;
    let schedule_name: HashMap<&str, String> = view
        .schedules
        .iter()
        .map(|s| {
            (
                s.id.as_str(),
                t.get(&format!("schedule-kind-{}", s.kind.as_str())),
            )
        })
        .collect();
    let department_name: HashMap<&str, String> = view
        .departments
        .iter()
        .map(|d| {
            (
                d.id.as_str(),
                cxpm_app::names::name_in(&d.name, &d.name_translations, t.locale),
            )
        })
        .collect();
    let list = |ids: Vec<String>, names: &HashMap<&str, String>, none: &str| {
        let named: Vec<String> = ids
            .iter()
            .filter_map(|i| names.get(i.as_str()).cloned())
            .collect();
        if named.is_empty() {
            t.get(none)
        } else {
            named.join(", ")
        }
    };
    let channels = view
        .channels
        .iter()
        .map(|c| ChannelRow {
            id: c.id.clone(),
            version: c.version,
            name: c.name.clone(),
            kind: t.get(&format!("hooks-kind-{}", c.kind.as_str())),
            url: masked(&c.url),
            language: endonym(Locale::parse(&c.locale).unwrap_or_default()).to_owned(),
            schedules: list(channels::ids(&c.schedule_ids), &schedule_name, "hooks-none"),
            departments: list(
                channels::ids(&c.department_ids),
                &department_name,
                "hooks-all-departments",
            ),
            state: state_words(v, *c.state),
            state_key: c.state.as_str(),
            broken: c
                .last_error
                .as_ref()
                .filter(|_| *c.state == HookState::Broken)
                .map(|why| t.with("hooks-broken-why", &[("why", why)])),
            calls: calls(v, view.latest.get(&c.id)),
        })
        .collect();
    let webhooks = view
        .webhooks
        .iter()
        .map(|w| WebhookRow {
            id: w.id.clone(),
            version: w.version,
            url: w.url.clone(),
            events: webhooks::events(w)
                .iter()
                .map(|e| event_words(v, e.as_str()))
                .collect::<Vec<_>>()
                .join(", "),
            state: state_words(v, *w.state),
            state_key: w.state.as_str(),
            on: *w.state == HookState::Active,
            failing: w.failing_since.map(|since| {
                t.with(
                    "hooks-failing-since",
                    &[
                        ("when", &when(&t, &v.tz, since)),
                        ("why", w.last_error.as_deref().unwrap_or("")),
                    ],
                )
            }),
            calls: calls(v, view.latest.get(&w.id)),
        })
        .collect();
    let chosen = |prefix: &str, id: &str| posted.fields.contains_key(&format!("{prefix}{id}"));
    HooksPage {
        chrome: Chrome::signed(v, t.get("hooks-title"), "programs"),
        id: view.program.id.clone(),
        program: view.program.name.clone(),
        channels,
        webhooks,
        kinds: ChannelKind::ALL
            .iter()
            .map(|k| Choice {
                value: k.as_str().to_owned(),
                label: t.get(&format!("hooks-kind-{}", k.as_str())),
                chosen: posted.val("channel-new", "kind", "") == k.as_str(),
            })
            .collect(),
        languages: Locale::ALL
            .iter()
            .map(|l| Choice {
                value: l.as_str().to_owned(),
                label: endonym(*l).to_owned(),
                chosen: posted.val("channel-new", "locale", t.locale.as_str()) == l.as_str(),
            })
            .collect(),
        schedules: view
            .schedules
            .iter()
            .map(|s| Choice {
                value: s.id.clone(),
                label: format!(
                    "{} ({})",
                    schedule_name
                        .get(s.id.as_str())
                        .cloned()
                        .unwrap_or_default(),
                    cxpm_domain::reminder::Timing::parse(&s.cron, &s.time_zone)
                        .map(|x| x.describe(t.locale))
                        .unwrap_or_else(|_| s.cron.clone())
                ),
                chosen: chosen("schedule_", &s.id),
            })
            .collect(),
        departments: view
            .departments
            .iter()
            .map(|d| Choice {
                value: d.id.clone(),
                label: department_name
                    .get(d.id.as_str())
                    .cloned()
                    .unwrap_or_default(),
                chosen: chosen("department_", &d.id),
            })
            .collect(),
        events: WebhookEvent::ALL
            .iter()
            .map(|e| Choice {
                value: e.as_str().to_owned(),
                label: event_words(v, e.as_str()),
                chosen: chosen("event_", e.as_str()),
            })
            .collect(),
        secret,
        posted,
    }
}

/// The ids ticked in a form: the `{prefix}{id}` boxes.
fn ticked(f: &HashMap<String, String>, prefix: &str) -> Vec<String> {
    let mut ids: Vec<String> = f
        .keys()
        .filter_map(|k| k.strip_prefix(prefix).map(str::to_owned))
        .collect();
    ids.sort();
    ids
}

async fn page_of(
    state: &AppState,
    v: &Viewer,
    program_id: &str,
    status: StatusCode,
    posted: Posted,
    secret: Option<String>,
) -> PageResult {
    let view = view_of::view(state, v.actor(), program_id)
        .await
        .map_err(|e| PageError::app(e, v.t))?;
    Ok(html(status, &hooks_page(v, view, posted, secret)))
}

/// The page.
#[handler]
pub async fn page(req: &Request, state: Data<&AppState>, Path(id): Path<String>) -> PageResult {
    let v = session::viewer(&state, req).await?;
    page_of(&state, &v, &id, StatusCode::OK, Posted::default(), None).await
}

/// Connects a chat group.
#[handler]
pub async fn create_channel(
    req: &Request,
    state: Data<&AppState>,
    Path(id): Path<String>,
    Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    let v = session::posted_by(&state, req, &f).await?;
    let kind = field(&f, "kind").parse::<ChannelKind>();
    let outcome = match kind {
        Ok(kind) => channels::create(
            &state,
            v.actor(),
            &id,
            channels::NewChannel {
                kind,
                name: field(&f, "name").to_owned(),
                url: field(&f, "url").to_owned(),
                secret: Some(field(&f, "secret").trim().to_owned()).filter(|s| !s.is_empty()),
                locale: Locale::parse(field(&f, "locale")).ok(),
                schedule_ids: ticked(&f, "schedule_"),
                department_ids: ticked(&f, "department_"),
            },
        )
        .await
        .map(|_| ()),
        Err(e) => Err(AppError::from(e)),
    };
    match outcome {
        Ok(()) => Ok(see_other(&format!("/programs/{id}/hooks#channels"))),
        Err(e) => {
            let (status, posted) = Posted::refused(&state, &v, "channel-new", f, e, None).await?;
            page_of(&state, &v, &id, status, posted, None).await
        }
    }
}

/// A channel's new address or secret (`op=fix`), or its removal (`op=remove`).
#[handler]
pub async fn change_channel(
    req: &Request,
    state: Data<&AppState>,
    Path(id): Path<String>,
    Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    let v = session::posted_by(&state, req, &f).await?;
    let before = channels::get(&state, v.actor(), &id)
        .await
        .map_err(|e| PageError::app(e, v.t))?;
    let version = form_version(field(&f, "version"));
    let outcome = if field(&f, "op") == "remove" {
        channels::delete(&state, v.actor(), &id, &version).await
    } else {
        let url = Some(field(&f, "url").trim().to_owned()).filter(|u| !u.is_empty());
        let secret = match field(&f, "secret").trim() {
            "" => Patch::Keep,
            s => Patch::Set(s.to_owned()),
        };
        channels::change(
            &state,
            v.actor(),
            &id,
            &version,
            channels::ChannelChange {
                url,
                secret,
                ..channels::ChannelChange::default()
            },
        )
        .await
        .map(|_| ())
    };
    match outcome {
        Ok(()) => Ok(see_other(&format!(
            "/programs/{}/hooks#channels",
            before.program_id
        ))),
        Err(e) => {
            let form = format!("channel-{id}");
            let (status, posted) =
                Posted::refused(&state, &v, &form, f, e, Some(("channel", &id))).await?;
            page_of(&state, &v, &before.program_id, status, posted, None).await
        }
    }
}

/// Subscribes a webhook; the page shows its secret once.
#[handler]
pub async fn create_webhook(
    req: &Request,
    state: Data<&AppState>,
    Path(id): Path<String>,
    Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    let v = session::posted_by(&state, req, &f).await?;
    let made = webhooks::create(
        &state,
        v.actor(),
        &id,
        webhooks::NewWebhook {
            url: field(&f, "url").to_owned(),
            events: ticked(&f, "event_"),
        },
    )
    .await;
    match made {
        Ok(hook) => {
            page_of(
                &state,
                &v,
                &id,
                StatusCode::OK,
                Posted::default(),
                Some(hook.secret),
            )
            .await
        }
        Err(e) => {
            let (status, posted) = Posted::refused(&state, &v, "webhook-new", f, e, None).await?;
            page_of(&state, &v, &id, status, posted, None).await
        }
    }
}

/// Turns a webhook off or on (`op=off`, `op=on`), gives it a new secret
/// (`op=rotate`: shown once), or removes it (`op=remove`).
#[handler]
pub async fn change_webhook(
    req: &Request,
    state: Data<&AppState>,
    Path(id): Path<String>,
    Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    let v = session::posted_by(&state, req, &f).await?;
    let before = webhooks::get(&state, v.actor(), &id)
        .await
        .map_err(|e| PageError::app(e, v.t))?;
    let version = form_version(field(&f, "version"));
    let program = before.program_id.clone();
    let switch = |on: bool| webhooks::WebhookChange {
        state: Some(if on {
            HookState::Active
        } else {
            HookState::Disabled
        }),
        ..webhooks::WebhookChange::default()
    };
    let outcome = match field(&f, "op") {
        "remove" => webhooks::delete(&state, v.actor(), &id, &version)
            .await
            .map(|_| None),
        "rotate" => webhooks::rotate(&state, v.actor(), &id, &version)
            .await
            .map(|w| Some(w.secret)),
        op => webhooks::change(&state, v.actor(), &id, &version, switch(op == "on"))
            .await
            .map(|_| None),
    };
    match outcome {
        Ok(Some(secret)) => {
            page_of(
                &state,
                &v,
                &program,
                StatusCode::OK,
                Posted::default(),
                Some(secret),
            )
            .await
        }
        Ok(None) => Ok(see_other(&format!("/programs/{program}/hooks#webhooks"))),
        Err(e) => {
            let form = format!("webhook-{id}");
            let (status, posted) =
                Posted::refused(&state, &v, &form, f, e, Some(("webhook", &id))).await?;
            page_of(&state, &v, &program, status, posted, None).await
        }
    }
}

/// Sends a webhook's call again.
#[handler]
pub async fn redeliver(
    req: &Request,
    state: Data<&AppState>,
    Path((id, delivery_id)): Path<(String, String)>,
    Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    let v = session::posted_by(&state, req, &f).await?;
    let hook = webhooks::get(&state, v.actor(), &id)
        .await
        .map_err(|e| PageError::app(e, v.t))?;
    match webhooks::redeliver(&state, v.actor(), &id, &delivery_id).await {
        Ok(_) => Ok(see_other(&format!(
            "/programs/{}/hooks#webhook-{id}",
            hook.program_id
        ))),
        Err(e) => {
            let form = format!("webhook-{id}");
            let (status, posted) = Posted::refused(&state, &v, &form, f, e, None).await?;
            page_of(&state, &v, &hook.program_id, status, posted, None).await
        }
    }
}
