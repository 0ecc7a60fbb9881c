//! My work, and an action with its updates: where people post their progress.

use askama::Template;
use cxpm_app::plans::actions::{self, NewUpdate};
use cxpm_app::work::{self, ActionPage, MyAction};
use cxpm_domain::plan::{ActionStatus, Urgency};
use poem::http::StatusCode;
use poem::web::{Data, Form, Path};
use poem::{Request, handler};
use serde::Deserialize;

use crate::app::AppState;
use crate::web::render::{Chrome, FieldErrors, PageError, PageResult, day, html, see_other, when};
use crate::web::session::{self, Viewer};
use crate::words::Words;

/// An open action as a row with its inline progress form.
pub struct ActionRow {
    pub id: String,
    pub title: String,
    pub plan_id: String,
    pub plan_title: String,
    pub due: String,
    pub overdue: bool,
    pub progress: i32,
    pub status: &'static str,
    pub status_label: String,
    pub blocked_reason: Option<String>,
    pub may_post: bool,
    /// Where the form goes back to: `work` or `action`.
    pub back: &'static str,
    pub input: UpdateForm,
    pub errors: FieldErrors,
    pub posted: bool,
}

impl ActionRow {
    fn new(t: &Words, a: &cxpm_app::store::action::Model, plan_title: &str, overdue: bool) -> Self {
        let status = *a.status;
        Self {
            id: a.id.clone(),
            title: a.title.clone(),
            plan_id: a.plan_id.clone(),
            plan_title: plan_title.to_owned(),
            due: match a.due_date {
                Some(d) => t.with("due-on", &[("date", &day(t, d))]),
                None => t.get("no-due-date"),
            },
            overdue,
            progress: a.progress,
            status: status.as_str(),
            status_label: status_label(t, status),
            blocked_reason: a.blocked_reason.clone(),
            may_post: true,
            back: "work",
            input: UpdateForm::default(),
            errors: FieldErrors::default(),
            posted: false,
        }
    }

    /// The statuses the form offers, with their labels.
    pub fn statuses(&self, t: &Words) -> Vec<(&'static str, String)> {
        ActionStatus::ALL
            .iter()
            .map(|s| (s.as_str(), status_label(t, *s)))
            .collect()
    }
}

pub fn status_label(t: &Words, s: ActionStatus) -> String {
    t.get(&format!("status-{}", s.as_str()))
}

/// The progress form as sent.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct UpdateForm {
    #[serde(default)]
    pub progress: String,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub blocked_reason: String,
    #[serde(default)]
    pub comment: String,
    pub csrf: Option<String>,
    pub back: Option<String>,
}

#[derive(Template)]
#[template(path = "web/my_work.html")]
struct MyWorkPage {
    chrome: Chrome,
    groups: Vec<(String, Vec<ActionRow>)>,
    plans: Vec<(String, String)>,
    /// Feedback rounds the reader is asked to answer: (link, line).
    asked: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "web/action_row.html")]
struct RowFragment {
    chrome: Chrome,
    row: ActionRow,
}

fn group_label(t: &Words, u: Urgency) -> String {
    t.get(match u {
        Urgency::Overdue => "my-work-overdue",
        Urgency::ThisWeek => "my-work-this-week",
        Urgency::Later => "my-work-later",
        Urgency::Undated => "my-work-undated",
    })
}

/// My work: my open actions, overdue first, each with an inline update; my plans.
#[handler]
pub async fn my_work(req: &Request, state: Data<&AppState>) -> PageResult {
    let v = session::viewer(&state, req).await?;
    let page = my_work_page(&state, &v, None).await?;
    Ok(html(StatusCode::OK, &page))
}

async fn my_work_page(
    state: &AppState,
    v: &Viewer,
    failed: Option<(String, UpdateForm, FieldErrors)>,
) -> Result<MyWorkPage, PageError> {
    let t = v.t;
    let mine = work::my_work(state, v.actor())
        .await
        .map_err(|e| PageError::app(e, t))?;
    let mut groups: Vec<(String, Vec<ActionRow>)> = Vec::new();
    for u in Urgency::ALL {
        let rows: Vec<ActionRow> = mine
            .actions
            .iter()
            .filter(|a| a.urgency == u)
            .map(|a: &MyAction| {
                let mut row = ActionRow::new(&t, &a.seen.action, &a.plan_title, a.seen.overdue);
                if let Some((id, input, errors)) = &failed
                    && *id == row.id
                {
                    row.input = input.clone();
                    row.errors = errors.clone();
                }
                row
            })
            .collect();
        if !rows.is_empty() {
            groups.push((group_label(&t, u), rows));
        }
    }
    let asked = cxpm_app::feedback::rounds::pending_for(state, v.actor())
        .await
        .map_err(|e| PageError::app(e, t))?
        .into_iter()
        .map(|p| {
            let line = t.with(
                "feedback-asked-line",
                &[
                    ("provider", &p.provider),
                    ("deadline", &when(&t, &v.tz, p.deadline)),
                ],
            );
            (format!("/feedback-rounds/{}/answer", p.round_id), line)
        })
        .collect();
    Ok(MyWorkPage {
        chrome: Chrome::signed(v, t.get("my-work-title"), "work"),
        groups,
        plans: mine.plans.into_iter().map(|p| (p.id, p.title)).collect(),
        asked,
    })
}

#[derive(Template)]
#[template(path = "web/action.html")]
struct ActionView {
    chrome: Chrome,
    row: ActionRow,
    plan_title: String,
    owner: String,
    department: String,
    description: Option<String>,
    effect: Option<String>,
    updates: Vec<UpdateLine>,
}

struct UpdateLine {
    by: String,
    progress: Option<i32>,
    status: Option<String>,
    comment: Option<String>,
}

/// An action: details, intended effect, its updates, and a form to post one.
#[handler]
pub async fn action(req: &Request, state: Data<&AppState>, Path(id): Path<String>) -> PageResult {
    let v = session::viewer(&state, req).await?;
    let page = action_view(&state, &v, &id, None).await?;
    Ok(html(StatusCode::OK, &page))
}

async fn action_view(
    state: &AppState,
    v: &Viewer,
    id: &str,
    failed: Option<(UpdateForm, FieldErrors)>,
) -> Result<ActionView, PageError> {
    let t = v.t;
    let p: ActionPage = work::action_page(state, v.actor(), id)
        .await
        .map_err(|e| PageError::app(e, t))?;
    let a = &p.seen.action;
    let mut row = ActionRow::new(&t, a, &p.plan.title, p.seen.overdue);
    row.may_post = p.may_post;
    row.back = "action";
    if let Some((input, errors)) = failed {
        row.input = input;
        row.errors = errors;
    }
    let effect = match (
        &p.effect_point,
        &a.effect_metric,
        a.effect_target,
        a.effect_by,
    ) {
        (Some(point), _, Some(target), Some(by)) => Some(t.with(
            "action-effect-on-point",
            &[
                ("name", &point.name),
                ("target", &target.to_string()),
                ("date", &day(&t, by)),
            ],
        )),
        (None, Some(metric), Some(target), Some(by)) => Some(t.with(
            "action-effect-on-metric",
            &[
                ("name", metric),
                ("target", &target.to_string()),
                ("date", &day(&t, by)),
            ],
        )),
        _ => None,
    };
    let updates = p
        .updates
        .iter()
        .map(|(u, name)| UpdateLine {
            by: t.with(
                "update-by",
                &[("name", name), ("when", &when(&t, &v.tz, u.at))],
            ),
            progress: u.progress,
            status: u
                .status
                .as_deref()
                .and_then(|s| s.parse::<ActionStatus>().ok())
                .map(|s| status_label(&t, s)),
            comment: u.comment.clone(),
        })
        .collect();
    Ok(ActionView {
        chrome: Chrome::signed(v, a.title.clone(), "work"),
        plan_title: p.plan.title.clone(),
        owner: p
            .owner
            .map(|o| o.name)
            .unwrap_or_else(|| t.get("action-none")),
        department: p.department.map(|d| d.name).unwrap_or_default(),
        description: a.description.clone(),
        effect,
        updates,
        row,
    })
}

/// Posts a progress update. Without JavaScript: back to the page it came from; with
/// htmx: the action's row, redrawn. A mistake shows the form again with the input
/// kept and the message beside its field.
#[handler]
pub async fn post_update(
    req: &Request,
    state: Data<&AppState>,
    Path(id): Path<String>,
    form: Option<Form<UpdateForm>>,
) -> PageResult {
    let v = session::viewer(&state, req).await?;
    let f = form.map(|Form(f)| f).unwrap_or_default();
    session::check(&state, req, &v, f.csrf.as_deref())?;
    let t = v.t;
    let mut errors = FieldErrors::default();
    let progress = match f.progress.trim() {
        "" => None,
        p => match p.trim_end_matches('%').trim().parse::<i32>() {
            Ok(n) => Some(n),
            Err(_) => {
                errors.0.push((
                    "progress".into(),
                    "must be a whole number from 0 to 100".into(),
                ));
                None
            }
        },
    };
    let status = match f.status.as_str() {
        "" => None,
        s => s.parse::<ActionStatus>().ok(),
    };
    let htmx = req.headers().contains_key("hx-request");
    let result = if errors.is_empty() {
        let new = NewUpdate {
            progress,
            status,
            blocked_reason: Some(f.blocked_reason.clone()).filter(|r| !r.trim().is_empty()),
            comment: Some(f.comment.clone()).filter(|c| !c.trim().is_empty()),
        };
        actions::post_update(&state, v.actor(), &id, new)
            .await
            .map(|_| ())
    } else {
        Err(cxpm_app::AppError::Invalid(cxpm_domain::Invalid(
            errors
                .0
                .iter()
                .map(|(f, m)| cxpm_domain::FieldError::new(f.as_str(), m.as_str()))
                .collect(),
        )))
    };
    let back_to_action = f.back.as_deref() == Some("action");
    match result {
        Ok(()) if htmx => {
            let mut page = action_view(&state, &v, &id, None).await?;
            page.row.back = if back_to_action { "action" } else { "work" };
            page.row.posted = true;
            let fragment = RowFragment {
                chrome: page.chrome,
                row: page.row,
            };
            Ok(html(StatusCode::OK, &fragment))
        }
        Ok(()) if back_to_action => Ok(see_other(&format!("/actions/{id}"))),
        Ok(()) => Ok(see_other(&format!("/my-work#action-{id}"))),
        Err(e) => {
            let Some(errors) = FieldErrors::from_app(&e, &t) else {
                return Err(PageError::app(e, t));
            };
            if htmx || back_to_action {
                let mut page = action_view(&state, &v, &id, Some((f.clone(), errors))).await?;
                if htmx {
                    page.row.back = if back_to_action { "action" } else { "work" };
                    let fragment = RowFragment {
                        chrome: page.chrome,
                        row: page.row,
                    };
                    return Ok(html(StatusCode::UNPROCESSABLE_ENTITY, &fragment));
                }
                Ok(html(StatusCode::UNPROCESSABLE_ENTITY, &page))
            } else {
                let page = my_work_page(&state, &v, Some((id.clone(), f.clone(), errors))).await?;
                Ok(html(StatusCode::UNPROCESSABLE_ENTITY, &page))
            }
        }
    }
}
