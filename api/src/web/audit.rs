//! The audit trail as a page (issue 17, item 10): every change, newest first, filtered
//! by kind of record, record, who and when, each with a before/after view of the
//! fields it changed.

use askama::Template;
use chrono::{NaiveDate, TimeZone as _};
use cxpm_app::directory::admin as view_of;
use cxpm_app::directory::audit::AuditFilter;
use poem::http::StatusCode;
use poem::web::{Data, Query};
use poem::{Request, handler};
use serde::Deserialize;
use serde_json::Value;

use crate::app::AppState;
use crate::web::render::{Chrome, FieldErrors, PageError, PageResult, html, when};
use crate::web::session;

/// One field a change touched: its name, and its value before and after.
pub struct Diff {
    pub field: String,
    pub before: String,
    pub after: String,
}

pub struct EventRow {
    pub id: String,
    pub when: String,
    pub who: String,
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    /// "3 fields changed".
    pub changed: String,
    pub diffs: Vec<Diff>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct AuditQuery {
    #[serde(default)]
    pub entity: String,
    #[serde(default)]
    pub entity_id: String,
    #[serde(default)]
    pub actor_id: String,
    /// `YYYY-MM-DD`, in the reader's zone: from the start of that day.
    #[serde(default)]
    pub since: String,
    /// `YYYY-MM-DD`: up to the end of that day.
    #[serde(default)]
    pub until: String,
    /// The cursor of an older page.
    pub before: Option<String>,
}

#[derive(Template)]
#[template(path = "web/audit.html")]
struct AuditPage {
    chrome: Chrome,
    events: Vec<EventRow>,
    entities: Vec<String>,
    filter: AuditQuery,
    older: Option<String>,
    errors: FieldErrors,
}

impl AuditPage {
    /// The link to the older page, with the filters kept.
    fn older_link(&self, cursor: &str) -> String {
        let f = &self.filter;
        let pairs = [
            ("entity", f.entity.as_str()),
            ("entity_id", f.entity_id.as_str()),
            ("actor_id", f.actor_id.as_str()),
            ("since", f.since.as_str()),
            ("until", f.until.as_str()),
            ("before", cursor),
        ];
        let query: Vec<String> = pairs
            .iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| format!("{k}={}", crate::web::render::encode(v)))
            .collect();
        format!("/admin/audit?{}", query.join("&"))
    }
}

/// A stored JSON value as a reader reads it.
fn shown(v: Option<&Value>) -> String {
    match v {
        None | Some(Value::Null) => "—".to_owned(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}

/// The fields `before` and `after` differ in (every field of a creation or deletion),
/// the bookkeeping (`version`, `updated_at`) left out.
fn diffs(before: Option<&str>, after: Option<&str>) -> Vec<Diff> {
    let parse = |s: Option<&str>| -> serde_json::Map<String, Value> {
        s.and_then(|s| serde_json::from_str::<Value>(s).ok())
            .and_then(|v| v.as_object().cloned())
            .unwrap_or_default()
    };
    let (b, a) = (parse(before), parse(after));
    let mut keys: Vec<&String> = b.keys().chain(a.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter(|k| !matches!(k.as_str(), "version" | "updated_at" | "token_hash"))
        .filter(|k| b.get(*k) != a.get(*k))
        .map(|k| Diff {
            field: k.clone(),
            before: shown(b.get(k)),
            after: shown(a.get(k)),
        })
        .collect()
}

/// The trail, filtered.
#[handler]
pub async fn page(
    req: &Request,
    state: Data<&AppState>,
    Query(q): Query<AuditQuery>,
) -> PageResult {
    let v = session::viewer(&state, req).await?;
    let t = v.t;
    let mut errors = FieldErrors::default();
    let mut day = |field: &str, raw: &str, end: bool| {
        if raw.trim().is_empty() {
            return None;
        }
        match NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d") {
            Ok(d) => {
                let d = if end { d.succ_opt().unwrap_or(d) } else { d };
                let local = d.and_hms_opt(0, 0, 0)?;
                v.tz.tz()
                    .from_local_datetime(&local)
                    .earliest()
                    .map(|at| at.with_timezone(&chrono::Utc))
            }
            Err(_) => {
                errors.0.push((field.to_owned(), t.get("audit-bad-day")));
                None
            }
        }
    };
    let since = day("since", &q.since, false);
    let until = day("until", &q.until, true);
    let some = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
    let filter = AuditFilter {
        entity: some(&q.entity),
        entity_id: some(&q.entity_id),
        actor_id: some(&q.actor_id),
        since,
        until,
    };
    let view = view_of::audit(&state, v.actor(), &filter, q.before.as_deref())
        .await
        .map_err(|e| PageError::app(e, t))?;
    let events = view
        .events
        .iter()
        .map(|e| EventRow {
            id: e.id.clone(),
            when: when(&t, &v.tz, e.at),
            who: e
                .actor_id
                .as_ref()
                .and_then(|id| view.names.get(id).cloned())
                .unwrap_or_else(|| t.get("audit-system")),
            action: e.action.clone(),
            entity: e.entity.clone(),
            entity_id: e.entity_id.clone(),
            diffs: diffs(e.before.as_deref(), e.after.as_deref()),
            changed: String::new(),
        })
        .map(|mut row: EventRow| {
            row.changed = t.n("audit-fields", row.diffs.len() as i64);
            row
        })
        .collect();
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = AuditPage {
        chrome: Chrome::signed(&v, t.get("audit-title"), "admin"),
        events,
        entities: view.entities,
        filter: q,
        older: view.older,
        errors,
    };
    Ok(html(status, &page))
}
