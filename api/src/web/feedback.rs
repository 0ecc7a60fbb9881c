//! Feedback rounds as pages: the one-minute answer page (by a personal link, no
//! account; or signed in), a round's page (results, response rates, comments, close
//! early), and asking a plan's customers from the plan page.

use std::collections::HashMap;

use askama::Template;
use cxpm_app::AppError;
use cxpm_app::feedback::answers::{self, AnswerInput, Questions};
use cxpm_app::feedback::{self as cases, OpenRound, RoundView};
use cxpm_domain::FieldError;
use cxpm_domain::feedback::{AnswerRefusal, RatingInput, Respondent, RoundStatus};
use cxpm_domain::values::Locale;
use poem::http::StatusCode;
use poem::web::{Data, Form, Path, Query};
use poem::{Request, handler};
use serde::Deserialize;

use crate::app::AppState;
use crate::jobs::invite::InviteMail;
use crate::web::render::{
    Chrome, FieldErrors, PageError, PageResult, day, form_version, html, see_other, when,
};
use crate::web::session::{self, Viewer};
use crate::words::Words;

/// One key point's questions on the answer page, with what was sent.
struct Question {
    id: String,
    name: String,
    expects: Option<String>,
    importance: String,
    expectation: String,
    experience: String,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "web/feedback_answer.html")]
struct AnswerPage {
    chrome: Chrome,
    action: String,
    /// The personal link's token (answering without an account).
    token: Option<String>,
    heading: String,
    intro: String,
    anonymous: String,
    deadline: String,
    questions: Vec<Question>,
    scale: Vec<i32>,
    scale_hint: String,
    comment: String,
    errors: Vec<String>,
}

#[derive(Template)]
#[template(path = "web/feedback_notice.html")]
struct NoticePage {
    chrome: Chrome,
    heading: String,
    message: String,
    /// Where to go on from here.
    back: Option<String>,
}

fn point_name(k: &cxpm_app::store::key_point::Model, locale: Locale) -> String {
    cxpm_app::names::name_in(&k.name, &k.name_translations, locale)
}

/// The answer page for `q`, with what was sent (`sent`) and its problems.
fn answer_page(
    chrome: Chrome,
    action: String,
    token: Option<String>,
    q: &Questions,
    sent: &HashMap<String, String>,
    errors: &FieldErrors,
) -> AnswerPage {
    let t = chrome.t;
    let args = [
        ("provider", q.provider.as_str()),
        ("customer", q.customer.as_str()),
    ];
    let provider_asked = *q.invitation.respondent == Respondent::Provider;
    let get = |k: String| sent.get(&k).cloned().unwrap_or_default();
    let questions = q
        .key_points
        .iter()
        .map(|k| Question {
            name: point_name(k, t.locale),
            expects: k.customer_expects.clone(),
            importance: get(format!("imp-{}", k.id)),
            expectation: get(format!("exp-{}", k.id)),
            experience: get(format!("act-{}", k.id)),
            error: errors.of(&format!("point-{}", k.id)).map(str::to_owned),
            id: k.id.clone(),
        })
        .collect();
    let shown: Vec<String> = q
        .key_points
        .iter()
        .map(|k| format!("point-{}", k.id))
        .collect();
    let mut shown: Vec<&str> = shown.iter().map(String::as_str).collect();
    shown.push("comment");
    let mut others: Vec<String> = errors
        .others(&shown)
        .into_iter()
        .map(str::to_owned)
        .collect();
    if let Some(e) = errors.of("comment") {
        others.push(e.to_owned());
    }
    let (min, max) = (q.scale.min().to_string(), q.scale.max().to_string());
    AnswerPage {
        heading: if *q.invitation.respondent == Respondent::External {
            t.with("feedback-title-external", &args)
        } else {
            t.with("feedback-title", &args)
        },
        intro: if provider_asked {
            t.with("feedback-intro-provider", &args)
        } else {
            t.with("feedback-intro", &args)
        },
        anonymous: t.with("feedback-anonymous", &args),
        deadline: t.with(
            "feedback-deadline",
            &[("deadline", &day(&t, q.round.deadline.date_naive()))],
        ),
        questions,
        scale: (q.scale.min()..=q.scale.max()).collect(),
        scale_hint: t.with("feedback-scale", &[("min", &min), ("max", &max)]),
        comment: sent.get("comment").cloned().unwrap_or_default(),
        errors: others,
        chrome,
        action,
        token,
    }
}

/// Why an invitation may not answer, as a page.
fn refused_page(t: Words, r: &AnswerRefusal) -> NoticePage {
    let (heading, message) = match r {
        AnswerRefusal::AlreadyAnswered => ("feedback-answered-title", "feedback-answered"),
        _ => ("feedback-closed-title", "feedback-closed"),
    };
    NoticePage {
        chrome: Chrome::anonymous(t, t.get(heading)),
        heading: t.get(heading),
        message: t.get(message),
        back: None,
    }
}

fn unknown_link(t: Words) -> PageResult {
    let page = NoticePage {
        chrome: Chrome::anonymous(t, t.get("feedback-link-unknown-title")),
        heading: t.get("feedback-link-unknown-title"),
        message: t.get("feedback-link-unknown"),
        back: None,
    };
    Ok(html(StatusCode::NOT_FOUND, &page))
}

/// The ratings a form sent, in key point order: a point left wholly blank is "I
/// cannot say"; one half filled is a problem named on that point.
fn read_answer(
    t: &Words,
    q: &Questions,
    sent: &HashMap<String, String>,
) -> Result<(AnswerInput, Vec<String>), FieldErrors> {
    let mut errors = Vec::new();
    let mut ratings = Vec::new();
    let mut order = Vec::new();
    for k in &q.key_points {
        let field = |p: &str| {
            sent.get(&format!("{p}-{}", k.id))
                .map(|s| s.trim())
                .unwrap_or("")
        };
        let (imp, exp, act) = (field("imp"), field("exp"), field("act"));
        if imp.is_empty() && exp.is_empty() && act.is_empty() {
            continue;
        }
        match (imp.parse::<i32>(), exp.parse::<f64>(), act.parse::<f64>()) {
            (Ok(importance), Ok(expectation), Ok(experience)) => {
                ratings.push(RatingInput {
                    key_point_id: k.id.clone(),
                    importance,
                    expectation,
                    experience,
                });
                order.push(k.id.clone());
            }
            _ => errors.push((format!("point-{}", k.id), t.get("feedback-rate-all"))),
        }
    }
    if !errors.is_empty() {
        return Err(FieldErrors(errors));
    }
    let comment = sent
        .get("comment")
        .cloned()
        .filter(|c| !c.trim().is_empty());
    Ok((AnswerInput { ratings, comment }, order))
}

/// The use case's field errors on the page's fields: `ratings[i].…` is the point
/// rated i-th.
fn on_page(errors: FieldErrors, order: &[String]) -> FieldErrors {
    FieldErrors(
        errors
            .0
            .into_iter()
            .map(|(field, message)| {
                let point = field
                    .strip_prefix("ratings[")
                    .and_then(|rest| rest.split_once(']'))
                    .and_then(|(i, _)| i.parse::<usize>().ok())
                    .and_then(|i| order.get(i));
                match point {
                    Some(id) => (format!("point-{id}"), message),
                    None => (field, message),
                }
            })
            .collect(),
    )
}

#[derive(Debug, Deserialize)]
pub struct TokenQuery {
    token: Option<String>,
}

/// A personal link opened: the questions (opening never uses the link up).
#[handler]
pub async fn link_form(
    req: &Request,
    state: Data<&AppState>,
    Query(q): Query<TokenQuery>,
) -> PageResult {
    let fallback = session::anonymous_words(req);
    let token = q.token.unwrap_or_default();
    let invitation = match answers::invitation_by_link(&state.read, &token).await {
        Ok(i) => i,
        Err(AppError::NotFound { .. }) => return unknown_link(fallback),
        Err(e) => return Err(PageError::app(e, fallback)),
    };
    let t = Words::new(Locale::parse(&invitation.locale).unwrap_or_default());
    let q = answers::questions(&state, invitation)
        .await
        .map_err(|e| PageError::app(e, t))?;
    if let Some(r) = &q.refused {
        return Ok(html(StatusCode::OK, &refused_page(t, r)));
    }
    let chrome = Chrome::anonymous(t, t.get("feedback-page-title"));
    let page = answer_page(
        chrome,
        "/feedback/answer".into(),
        Some(token),
        &q,
        &HashMap::new(),
        &FieldErrors::default(),
    );
    Ok(html(StatusCode::OK, &page))
}

/// An answer sent by a personal link.
#[handler]
pub async fn link_answer(
    req: &Request,
    state: Data<&AppState>,
    Form(sent): Form<Vec<(String, String)>>,
) -> PageResult {
    let fallback = session::anonymous_words(req);
    if !session::same_origin(&state, req) {
        return Err(PageError::Csrf(fallback));
    }
    let sent: HashMap<String, String> = sent.into_iter().collect();
    let token = sent.get("token").cloned().unwrap_or_default();
    let invitation = match answers::invitation_by_link(&state.db, &token).await {
        Ok(i) => i,
        Err(AppError::NotFound { .. }) => return unknown_link(fallback),
        Err(e) => return Err(PageError::app(e, fallback)),
    };
    let t = Words::new(Locale::parse(&invitation.locale).unwrap_or_default());
    let q = answers::questions(&state, invitation.clone())
        .await
        .map_err(|e| PageError::app(e, t))?;
    let chrome = Chrome::anonymous(t, t.get("feedback-page-title"));
    let form = |errors: &FieldErrors| {
        answer_page(
            chrome.clone(),
            "/feedback/answer".into(),
            Some(token.clone()),
            &q,
            &sent,
            errors,
        )
    };
    take(&state, t, &q, &sent, invitation, form).await
}

/// Reads, checks and records an answer: thanks, the form again with its problems
/// beside their fields, or why it is refused.
async fn take(
    state: &AppState,
    t: Words,
    q: &Questions,
    sent: &HashMap<String, String>,
    invitation: cxpm_app::store::feedback_invitation::Model,
    form: impl Fn(&FieldErrors) -> AnswerPage,
) -> PageResult {
    let (input, order) = match read_answer(&t, q, sent) {
        Ok(read) => read,
        Err(errors) => return Ok(html(StatusCode::UNPROCESSABLE_ENTITY, &form(&errors))),
    };
    match answers::answer(state, invitation, input).await {
        Ok(_) => {
            let page = NoticePage {
                chrome: Chrome::anonymous(t, t.get("feedback-thanks-title")),
                heading: t.get("feedback-thanks-title"),
                message: t.get("feedback-thanks"),
                back: None,
            };
            Ok(html(StatusCode::OK, &page))
        }
        Err(AppError::Conflict { .. }) => {
            let r = q.refused.clone().unwrap_or(AnswerRefusal::AlreadyAnswered);
            Ok(html(StatusCode::CONFLICT, &refused_page(t, &r)))
        }
        Err(e) => match FieldErrors::from_app(&e, &t) {
            Some(errors) => {
                let errors = on_page(errors, &order);
                Ok(html(StatusCode::UNPROCESSABLE_ENTITY, &form(&errors)))
            }
            None => Err(PageError::app(e, t)),
        },
    }
}

/// The answer page for the signed-in person invited to round `id`.
#[handler]
pub async fn signed_form(
    req: &Request,
    state: Data<&AppState>,
    Path(id): Path<String>,
) -> PageResult {
    let v = session::viewer(&state, req).await?;
    let t = v.t;
    let invitation = answers::invitation_of(&state.read, v.actor(), &id)
        .await
        .map_err(|e| PageError::app(e, t))?;
    let q = answers::questions(&state, invitation)
        .await
        .map_err(|e| PageError::app(e, t))?;
    if let Some(r) = &q.refused {
        return Ok(html(StatusCode::OK, &refused_page(t, r)));
    }
    let chrome = Chrome::signed(&v, t.get("feedback-page-title"), "work");
    let action = format!("/feedback-rounds/{id}/answer");
    let page = answer_page(
        chrome,
        action,
        None,
        &q,
        &HashMap::new(),
        &FieldErrors::default(),
    );
    Ok(html(StatusCode::OK, &page))
}

/// An answer sent signed in.
#[handler]
pub async fn signed_answer(
    req: &Request,
    state: Data<&AppState>,
    Path(id): Path<String>,
    Form(sent): Form<Vec<(String, String)>>,
) -> PageResult {
    let v = session::viewer(&state, req).await?;
    let sent: HashMap<String, String> = sent.into_iter().collect();
    session::check(&state, req, &v, sent.get("csrf").map(String::as_str))?;
    let t = v.t;
    let invitation = answers::invitation_of(&state.db, v.actor(), &id)
        .await
        .map_err(|e| PageError::app(e, t))?;
    let q = answers::questions(&state, invitation.clone())
        .await
        .map_err(|e| PageError::app(e, t))?;
    let chrome = Chrome::signed(&v, t.get("feedback-page-title"), "work");
    let action = format!("/feedback-rounds/{id}/answer");
    let form =
        |errors: &FieldErrors| answer_page(chrome.clone(), action.clone(), None, &q, &sent, errors);
    take(&state, t, &q, &sent, invitation, form).await
}

struct ResultRow {
    point_id: String,
    point: String,
    who: String,
    respondents: u32,
    importance: String,
    expectation: String,
    experience: String,
}

struct RateRow {
    department: String,
    invited: u32,
    answered: u32,
    percent: String,
}

#[derive(Template)]
#[template(path = "web/feedback_round.html")]
struct RoundPage {
    chrome: Chrome,
    id: String,
    heading: String,
    status: String,
    deadline: String,
    answered: String,
    closed: Option<String>,
    hidden_note: String,
    rows: Vec<ResultRow>,
    rates: Vec<RateRow>,
    comments: Vec<(String, String)>,
    may_close: bool,
    version: i32,
    answer_link: Option<String>,
}

fn mean(v: Option<f64>) -> String {
    v.map(|m| format!("{m:.1}")).unwrap_or_else(|| "—".into())
}

fn who(t: &Words, r: Respondent) -> String {
    t.get(&format!("feedback-respondent-{}", r.as_str()))
}

fn round_page(v: &Viewer, view: RoundView, answer_link: Option<String>) -> RoundPage {
    let t = v.t;
    let s = &view.summary;
    let r = &s.round;
    let names = &view.department_names;
    let name = |id: &str| names.get(id).cloned().unwrap_or_else(|| id.to_owned());
    let args = [
        ("provider", name(&s.provider_department_id)),
        ("customer", name(&s.customer_department_id)),
    ];
    let args: Vec<(&str, &str)> = args.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let points: HashMap<&str, String> = view
        .key_points
        .iter()
        .map(|k| (k.id.as_str(), point_name(k, t.locale)))
        .collect();
    let rows = view
        .results
        .iter()
        .map(|p| ResultRow {
            point_id: p.key_point_id.clone(),
            point: points
                .get(p.key_point_id.as_str())
                .cloned()
                .unwrap_or_else(|| p.key_point_id.clone()),
            who: who(&t, p.respondent),
            respondents: p.respondents,
            importance: mean(p.importance),
            expectation: mean(p.expectation),
            experience: mean(p.experience),
        })
        .collect();
    let rates = view
        .rates
        .iter()
        .map(|(d, rate)| RateRow {
            department: d
                .as_deref()
                .map(name)
                .unwrap_or_else(|| t.get("feedback-respondent-external")),
            invited: rate.invited,
            answered: rate.answered,
            percent: rate
                .rate()
                .map(|x| format!("{:.0} %", x * 100.0))
                .unwrap_or_default(),
        })
        .collect();
    let may_close = view.may_close;
    let answered = s.answered.to_string();
    let invited = s.invited.to_string();
    RoundPage {
        chrome: Chrome::signed(v, t.with("feedback-round-title", &args), "department"),
        id: r.id.clone(),
        heading: t.with("feedback-round-title", &args),
        status: t.get(&format!("feedback-status-{}", r.status.as_str())),
        deadline: t.with(
            "feedback-deadline",
            &[("deadline", &when(&t, &v.tz, r.deadline))],
        ),
        answered: t.with(
            "feedback-answered-count",
            &[("answered", &answered), ("invited", &invited)],
        ),
        closed: r.closed_at.map(|at| {
            t.with(
                "feedback-closed-note",
                &[
                    ("when", &when(&t, &v.tz, at)),
                    ("n", &r.measurements.to_string()),
                ],
            )
        }),
        hidden_note: t.with(
            "feedback-hidden",
            &[("min", &r.min_respondents.to_string())],
        ),
        rows,
        rates,
        comments: view
            .comments
            .iter()
            .map(|(w, c)| (who(&t, *w), c.clone()))
            .collect(),
        may_close,
        version: r.version,
        answer_link,
    }
}

/// A round's page: results, response rates, comments; close it early.
#[handler]
pub async fn round(req: &Request, state: Data<&AppState>, Path(id): Path<String>) -> PageResult {
    let v = session::viewer(&state, req).await?;
    let t = v.t;
    let view = cases::rounds::read(&state, v.actor(), &id)
        .await
        .map_err(|e| PageError::app(e, t))?;
    let answer_link = match answers::invitation_of(&state.read, v.actor(), &id).await {
        Ok(i) if i.answered_at.is_none() && *view.summary.round.status == RoundStatus::Open => {
            Some(format!("/feedback-rounds/{id}/answer"))
        }
        _ => None,
    };
    Ok(html(StatusCode::OK, &round_page(&v, view, answer_link)))
}

#[derive(Debug, Deserialize)]
pub struct CloseForm {
    csrf: Option<String>,
    version: String,
}

/// Closes a round early: its answers become measurements.
#[handler]
pub async fn close(
    req: &Request,
    state: Data<&AppState>,
    Path(id): Path<String>,
    Form(f): Form<CloseForm>,
) -> PageResult {
    let v = session::viewer(&state, req).await?;
    session::check(&state, req, &v, f.csrf.as_deref())?;
    match cases::rounds::close(&state, v.actor(), &id, &form_version(&f.version)).await {
        Ok(_) | Err(AppError::Conflict { .. }) => Ok(see_other(&format!("/feedback-rounds/{id}"))),
        Err(AppError::Stale { .. }) => Ok(see_other(&format!("/feedback-rounds/{id}"))),
        Err(e) => Err(PageError::app(e, v.t)),
    }
}

#[derive(Debug, Deserialize)]
pub struct AskForm {
    csrf: Option<String>,
    program_id: String,
    relationship_id: String,
    plan_id: String,
    #[serde(default)]
    ask_provider: Option<String>,
}

/// Asks a plan's customers now: a round on its relationship, for a week.
#[handler]
pub async fn ask(req: &Request, state: Data<&AppState>, Form(f): Form<AskForm>) -> PageResult {
    let v = session::viewer(&state, req).await?;
    session::check(&state, req, &v, f.csrf.as_deref())?;
    let new = OpenRound {
        relationship_id: Some(f.relationship_id.clone()),
        ask_provider: f.ask_provider.is_some(),
        ..OpenRound::default()
    };
    match cases::rounds::open(&state, v.actor(), &f.program_id, new, &InviteMail).await {
        Ok(rounds) => match rounds.first() {
            Some(r) => Ok(see_other(&format!("/feedback-rounds/{}", r.id))),
            None => Ok(see_other(&format!("/plans/{}#feedback", f.plan_id))),
        },
        // Already open, no key points, nobody to ask: the plan page says which.
        Err(e @ (AppError::Conflict { .. } | AppError::Invalid(_))) => {
            let message = match &e {
                AppError::Invalid(i) => {
                    i.0.first()
                        .map(|f: &FieldError| f.message.clone())
                        .unwrap_or_default()
                }
                other => other.to_string(),
            };
            let t = v.t;
            let page = NoticePage {
                chrome: Chrome::signed(&v, t.get("feedback-not-opened"), "department"),
                heading: t.get("feedback-not-opened"),
                message: crate::web::messages::localized(&t, &message),
                back: Some(format!("/plans/{}#feedback", f.plan_id)),
            };
            Ok(html(StatusCode::CONFLICT, &page))
        }
        Err(e) => Err(PageError::app(e, v.t)),
    }
}

/// A round as the plan page lists it.
pub struct RoundLine {
    pub id: String,
    pub label: String,
}

/// The plan page's feedback section: the relationship's latest rounds, and whether
/// the reader may ask the customers now.
pub struct PlanRounds {
    pub rounds: Vec<RoundLine>,
    pub may_ask: bool,
    pub program_id: String,
}

/// The feedback section of plan page `p`.
pub async fn plan_rounds(
    state: &AppState,
    v: &Viewer,
    p: &cxpm_app::work::PlanPage,
) -> Result<PlanRounds, PageError> {
    let t = v.t;
    let rounds = cases::rounds::of_relationship(state, v.actor(), &p.relationship.id, 5)
        .await
        .map_err(|e| PageError::app(e, t))?;
    let open = rounds.iter().any(|r| *r.round.status == RoundStatus::Open);
    let may_ask = !open
        && !p.key_points.is_empty()
        && cases::rounds::may_run(v.actor(), &p.relationship.provider_department_id);
    let rounds = rounds
        .iter()
        .map(|s| {
            let status = t.get(&format!("feedback-status-{}", s.round.status.as_str()));
            let answered = t.with(
                "feedback-answered-count",
                &[
                    ("answered", &s.answered.to_string()),
                    ("invited", &s.invited.to_string()),
                ],
            );
            RoundLine {
                id: s.round.id.clone(),
                label: format!("{} · {status} · {answered}", day(&t, s.round.period_start)),
            }
        })
        .collect();
    Ok(PlanRounds {
        rounds,
        may_ask,
        program_id: p.program.id.clone(),
    })
}
