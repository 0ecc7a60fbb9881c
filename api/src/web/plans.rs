//! A plan: the seven steps as a stepper that shows what each step still needs, key
//! points, survey measurements, actions; earlier cycles read-only.

use askama::Template;
use chrono::NaiveDate;
use cxpm_app::plans::actions::{self as action_cases, NewAction};
use cxpm_app::plans::key_points::{self, KeyPointChange, NewKeyPoint, NewMeasurement};
use cxpm_app::plans::steps::{self, StepChange};
use cxpm_app::work::{self, PlanPage};
use cxpm_app::{AppError, Patch};
use cxpm_domain::plan::{MeasurementSource, StepStatus};
use poem::http::StatusCode;
use poem::web::{Data, Form, Path};
use poem::{Request, handler};
use serde::Deserialize;

use crate::app::AppState;
use crate::web::render::{
    Chrome, FieldErrors, PageError, PageResult, day, form_version, html, see_other, stale_notice,
};
use crate::web::session::{self, Viewer};
use crate::web::work::status_label;
use crate::words::Words;

struct StepView {
    id: String,
    form: String,
    number: i32,
    name: String,
    status: &'static str,
    status_label: String,
    needs: Vec<String>,
    current: bool,
    version: i32,
    settled: bool,
    start_label: String,
    complete_label: String,
    skip_label: String,
}

struct PointView {
    id: String,
    form: String,
    /// The edit form's name: `key-point-<id>`.
    edit: String,
    name: String,
    expects: Option<String>,
    description: Option<String>,
    version: i32,
}

struct ActionLine {
    id: String,
    title: String,
    owner: String,
    due: String,
    status_label: String,
    progress: i32,
    overdue: bool,
}

/// What a form on this page sent, kept when it comes back with a problem.
#[derive(Default)]
struct Kept {
    /// Which form: `step-<id>`, `key-point`, `measurement`, `action`.
    form: String,
    errors: FieldErrors,
    /// Someone changed the step meanwhile: who and when.
    stale: Option<String>,
    fields: std::collections::HashMap<String, String>,
}

impl Kept {
    fn get(&self, form: &str, field: &str) -> String {
        if self.form == form {
            self.fields.get(field).cloned().unwrap_or_default()
        } else {
            String::new()
        }
    }

    /// The value the form sent, when it is this form coming back; else `current`.
    fn or(&self, form: &str, field: &str, current: Option<&str>) -> String {
        if self.form == form {
            self.get(form, field)
        } else {
            current.unwrap_or_default().to_owned()
        }
    }

    fn error(&self, form: &str, field: &str) -> Option<&str> {
        if self.form == form {
            self.errors.of(field)
        } else {
            None
        }
    }
}

#[derive(Template)]
#[template(path = "web/plan.html")]
struct PlanView {
    chrome: Chrome,
    id: String,
    title: String,
    cycle: String,
    department: String,
    steps: Vec<StepView>,
    points: Vec<PointView>,
    members: Vec<(String, String)>,
    actions: Vec<ActionLine>,
    expected_label: String,
    actual_label: String,
    relationship_id: String,
    may_manage: bool,
    may_skip: bool,
    earlier: Vec<(String, Vec<(String, String)>)>,
    kept: Kept,
    feedback: crate::web::feedback::PlanRounds,
}

fn step_views(t: &Words, p: &PlanPage) -> Vec<StepView> {
    p.stepper
        .iter()
        .map(|s| StepView {
            id: s.step.id.clone(),
            form: format!("step-{}", s.step.id),
            number: s.step.number,
            name: t.get(&format!("step-{}", s.step.number)),
            status: s.status.as_str(),
            status_label: t.get(&format!("step-status-{}", s.status.as_str())),
            needs: s
                .needs
                .iter()
                .map(|r| t.get(&format!("rule-{r}")))
                .collect(),
            current: p.detail.current_step == Some(s.step.number),
            version: s.step.version,
            settled: s.status.is_settled(),
            start_label: t.n("step-start", i64::from(s.step.number)),
            complete_label: t.n("step-complete", i64::from(s.step.number)),
            skip_label: t.n("step-skip", i64::from(s.step.number)),
        })
        .collect()
}

async fn plan_view(
    state: &AppState,
    v: &Viewer,
    id: &str,
    kept: Kept,
) -> Result<PlanView, PageError> {
    let t = v.t;
    let p = work::plan_page(state, v.actor(), id)
        .await
        .map_err(|e| PageError::app(e, t))?;
    let names: std::collections::HashMap<&str, &str> = p
        .members
        .iter()
        .map(|m| (m.id.as_str(), m.name.as_str()))
        .collect();
    let actions = p
        .detail
        .actions
        .iter()
        .map(|(seen, _)| {
            let a = &seen.action;
            let status = *a.status;
            ActionLine {
                id: a.id.clone(),
                title: a.title.clone(),
                owner: a
                    .owner_id
                    .as_deref()
                    .and_then(|o| names.get(o).map(|n| (*n).to_owned()))
                    .unwrap_or_else(|| t.get("action-none")),
                due: a
                    .due_date
                    .map(|d| day(&t, d))
                    .unwrap_or_else(|| t.get("no-due-date")),
                status_label: status_label(&t, status),
                progress: a.progress,
                overdue: seen.overdue,
            }
        })
        .collect();
    let plan = &p.detail.plan;
    let (min, max) = (
        p.program.scale_min.to_string(),
        p.program.scale_max.to_string(),
    );
    let scale = [("min", min.as_str()), ("max", max.as_str())];
    let mut earlier = Vec::new();
    for c in &p.earlier_cycles {
        let past = cxpm_app::plans::plan::steps(state, v.actor(), &plan.id, Some(*c))
            .await
            .map_err(|e| PageError::app(e, t))?;
        let lines = past
            .iter()
            .map(|s| {
                (
                    t.get(&format!("step-{}", s.number)),
                    t.get(&format!("step-status-{}", s.status.as_str())),
                )
            })
            .collect();
        earlier.push((t.n("cycle-read-only", i64::from(*c)), lines));
    }
    Ok(PlanView {
        chrome: Chrome::signed(
            v,
            t.with("plan-title", &[("title", &plan.title)]),
            "department",
        ),
        id: plan.id.clone(),
        title: t.with("plan-title", &[("title", &plan.title)]),
        cycle: t.n("plan-cycle", i64::from(plan.cycle)),
        department: p.department.name.clone(),
        steps: step_views(&t, &p),
        points: p
            .key_points
            .iter()
            .map(|k| PointView {
                id: k.id.clone(),
                form: format!("measurement-{}", k.id),
                edit: format!("key-point-{}", k.id),
                name: k.name.clone(),
                expects: k.customer_expects.clone(),
                description: k.description.clone(),
                version: k.version,
            })
            .collect(),
        relationship_id: p.relationship.id.clone(),
        members: p
            .members
            .iter()
            .map(|m| (m.id.clone(), m.name.clone()))
            .collect(),
        actions,
        expected_label: t.with("measurement-expected", &scale),
        actual_label: t.with("measurement-actual", &scale),
        may_manage: p.may_manage,
        may_skip: p.may_skip,
        earlier,
        kept,
        feedback: crate::web::feedback::plan_rounds(state, v, &p).await?,
    })
}

/// A plan's page.
#[handler]
pub async fn page(req: &Request, state: Data<&AppState>, Path(id): Path<String>) -> PageResult {
    let v = session::viewer(&state, req).await?;
    let view = plan_view(&state, &v, &id, Kept::default()).await?;
    Ok(html(StatusCode::OK, &view))
}

#[derive(Debug, Deserialize)]
pub struct StepForm {
    csrf: Option<String>,
    plan_id: String,
    /// `done`, `in_progress`, `skipped`.
    status: String,
    version: String,
    #[serde(default)]
    skip_reason: String,
}

/// Completes, starts or skips a step, as it stood when the page was read.
#[handler]
pub async fn change_step(
    req: &Request,
    state: Data<&AppState>,
    Path(id): Path<String>,
    Form(f): Form<StepForm>,
) -> PageResult {
    let v = session::viewer(&state, req).await?;
    session::check(&state, req, &v, f.csrf.as_deref())?;
    let t = v.t;
    let status = f.status.parse::<StepStatus>().ok();
    let expected = form_version(&f.version);
    let change = StepChange {
        status,
        skip_reason: Some(f.skip_reason.clone()).filter(|r| !r.trim().is_empty()),
        ..StepChange::default()
    };
    match steps::change(&state, v.actor(), &id, &expected, change).await {
        Ok(_) => Ok(see_other(&format!("/plans/{}#steps", f.plan_id))),
        Err(e) => {
            let mut kept = Kept {
                form: format!("step-{id}"),
                ..Kept::default()
            };
            kept.fields
                .insert("skip_reason".into(), f.skip_reason.clone());
            let status = match &e {
                AppError::Stale { .. } => {
                    kept.stale = Some(stale_notice(&state, &v, "step", &id).await?);
                    StatusCode::CONFLICT
                }
                AppError::Unmet { rules, .. } => {
                    kept.errors.0 = rules
                        .iter()
                        .map(|(rule, _)| ("status".to_owned(), t.get(&format!("rule-{rule}"))))
                        .collect();
                    StatusCode::CONFLICT
                }
                AppError::Invalid(_) => {
                    kept.errors = FieldErrors::from_app(&e, &v.t).unwrap_or_default();
                    StatusCode::UNPROCESSABLE_ENTITY
                }
                _ => return Err(PageError::app(e, t)),
            };
            let view = plan_view(&state, &v, &f.plan_id, kept).await?;
            Ok(html(status, &view))
        }
    }
}

/// Shows the plan again with a form's input kept and its errors beside the fields.
async fn refused(
    state: &AppState,
    v: &Viewer,
    plan_id: &str,
    form: &str,
    fields: &[(&str, &str)],
    e: AppError,
) -> PageResult {
    let Some(errors) = FieldErrors::from_app(&e, &v.t) else {
        return Err(PageError::app(e, v.t));
    };
    let kept = Kept {
        form: form.to_owned(),
        errors,
        stale: None,
        fields: fields
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
    };
    let view = plan_view(state, v, plan_id, kept).await?;
    Ok(html(StatusCode::UNPROCESSABLE_ENTITY, &view))
}

#[derive(Debug, Deserialize)]
pub struct ActionForm {
    csrf: Option<String>,
    #[serde(default)]
    title: String,
    #[serde(default)]
    owner_id: String,
    #[serde(default)]
    due_date: String,
    #[serde(default)]
    effect_key_point_id: String,
    #[serde(default)]
    effect_target: String,
    #[serde(default)]
    effect_by: String,
}

fn date(errors: &mut Vec<cxpm_domain::FieldError>, field: &str, raw: &str) -> Option<NaiveDate> {
    let raw = raw.trim();
    if raw.is_empty() {
        return None;
    }
    match NaiveDate::parse_from_str(raw, "%Y-%m-%d") {
        Ok(d) => Some(d),
        Err(_) => {
            errors.push(cxpm_domain::FieldError::new(
                field,
                "must be a date (YYYY-MM-DD)",
            ));
            None
        }
    }
}

fn number(errors: &mut Vec<cxpm_domain::FieldError>, field: &str, raw: &str) -> Option<f64> {
    let raw = raw.trim().replace(',', ".");
    if raw.is_empty() {
        return None;
    }
    match raw.parse::<f64>() {
        Ok(n) if n.is_finite() => Some(n),
        _ => {
            errors.push(cxpm_domain::FieldError::new(field, "must be a number"));
            None
        }
    }
}

fn some(s: &str) -> Option<String> {
    Some(s.trim().to_owned()).filter(|s| !s.is_empty())
}

/// Adds an action to the plan: owner, due date, intended effect.
#[handler]
pub async fn add_action(
    req: &Request,
    state: Data<&AppState>,
    Path(id): Path<String>,
    Form(f): Form<ActionForm>,
) -> PageResult {
    let v = session::viewer(&state, req).await?;
    session::check(&state, req, &v, f.csrf.as_deref())?;
    let mut errors = Vec::new();
    let due_date = date(&mut errors, "due_date", &f.due_date);
    let effect_by = date(&mut errors, "effect_by", &f.effect_by);
    let effect_target = number(&mut errors, "effect_target", &f.effect_target);
    let result = if errors.is_empty() {
        let new = NewAction {
            title: f.title.clone(),
            owner_id: some(&f.owner_id),
            due_date,
            effect_key_point_id: some(&f.effect_key_point_id),
            effect_target,
            effect_by,
            ..NewAction::default()
        };
        action_cases::add(&state, v.actor(), &id, new)
            .await
            .map(|_| ())
    } else {
        Err(AppError::Invalid(cxpm_domain::Invalid(errors)))
    };
    match result {
        Ok(()) => Ok(see_other(&format!("/plans/{id}#actions"))),
        Err(e) => {
            let fields = [
                ("title", f.title.as_str()),
                ("owner_id", f.owner_id.as_str()),
                ("due_date", f.due_date.as_str()),
                ("effect_key_point_id", f.effect_key_point_id.as_str()),
                ("effect_target", f.effect_target.as_str()),
                ("effect_by", f.effect_by.as_str()),
            ];
            refused(&state, &v, &id, "action", &fields, e).await
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct KeyPointForm {
    csrf: Option<String>,
    relationship_id: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    customer_expects: String,
}

/// Adds a key point to the plan's relationship.
#[handler]
pub async fn add_key_point(
    req: &Request,
    state: Data<&AppState>,
    Path(id): Path<String>,
    Form(f): Form<KeyPointForm>,
) -> PageResult {
    let v = session::viewer(&state, req).await?;
    session::check(&state, req, &v, f.csrf.as_deref())?;
    let new = NewKeyPoint {
        name: f.name.clone(),
        customer_expects: some(&f.customer_expects),
        ..NewKeyPoint::default()
    };
    match key_points::create(&state, v.actor(), &f.relationship_id, new).await {
        Ok(_) => Ok(see_other(&format!("/plans/{id}#key-points"))),
        Err(e) => {
            let fields = [
                ("name", f.name.as_str()),
                ("customer_expects", f.customer_expects.as_str()),
            ];
            refused(&state, &v, &id, "key-point", &fields, e).await
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct KeyPointEditForm {
    csrf: Option<String>,
    plan_id: String,
    #[serde(default)]
    version: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    customer_expects: String,
    #[serde(default)]
    description: String,
}

/// Changes a key point's name, what the customer expects and its description, at the
/// version the form was read at: sent stale, the plan comes back saying who changed
/// it and when, with the input kept.
#[handler]
pub async fn edit_key_point(
    req: &Request,
    state: Data<&AppState>,
    Path(id): Path<String>,
    Form(f): Form<KeyPointEditForm>,
) -> PageResult {
    let v = session::viewer(&state, req).await?;
    session::check(&state, req, &v, f.csrf.as_deref())?;
    let expected = form_version(&f.version);
    let text = |s: &str| match s.trim() {
        "" => Patch::Clear,
        t => Patch::Set(t.to_owned()),
    };
    let change = KeyPointChange {
        name: Some(f.name.clone()),
        customer_expects: text(&f.customer_expects),
        description: text(&f.description),
        ..KeyPointChange::default()
    };
    let form = format!("key-point-{id}");
    match key_points::change(&state, v.actor(), &id, &expected, change).await {
        Ok(_) => Ok(see_other(&format!("/plans/{}#{form}", f.plan_id))),
        Err(e) => {
            let fields = [
                ("name", f.name.as_str()),
                ("customer_expects", f.customer_expects.as_str()),
                ("description", f.description.as_str()),
            ];
            if !matches!(e, AppError::Stale { .. }) {
                return refused(&state, &v, &f.plan_id, &form, &fields, e).await;
            }
            let kept = Kept {
                form,
                errors: FieldErrors::default(),
                stale: Some(stale_notice(&state, &v, "key_point", &id).await?),
                fields: fields
                    .iter()
                    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                    .collect(),
            };
            let view = plan_view(&state, &v, &f.plan_id, kept).await?;
            Ok(html(StatusCode::CONFLICT, &view))
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct MeasurementForm {
    csrf: Option<String>,
    plan_id: String,
    #[serde(default)]
    expectation_score: String,
    #[serde(default)]
    experience_score: String,
    #[serde(default)]
    importance: String,
    #[serde(default)]
    sample_size: String,
}

/// Records a survey measurement of a key point for this month so far.
#[handler]
pub async fn measure(
    req: &Request,
    state: Data<&AppState>,
    Path(id): Path<String>,
    Form(f): Form<MeasurementForm>,
) -> PageResult {
    let v = session::viewer(&state, req).await?;
    session::check(&state, req, &v, f.csrf.as_deref())?;
    let mut errors = Vec::new();
    let expected = number(&mut errors, "expectation_score", &f.expectation_score);
    let actual = number(&mut errors, "experience_score", &f.experience_score);
    let importance = match f.importance.trim() {
        "" => Some(3),
        s => s.parse::<i32>().ok().or_else(|| {
            errors.push(cxpm_domain::FieldError::new("importance", "must be 1 to 5"));
            None
        }),
    };
    let sample_size = match f.sample_size.trim() {
        "" => None,
        s => s.parse::<i32>().ok().or_else(|| {
            errors.push(cxpm_domain::FieldError::new(
                "sample_size",
                "must be a whole number",
            ));
            None
        }),
    };
    for (field, value) in [
        ("expectation_score", expected),
        ("experience_score", actual),
    ] {
        if value.is_none() && !errors.iter().any(|e| e.field == field) {
            errors.push(cxpm_domain::FieldError::new(field, "is required"));
        }
    }
    let today = work::today_for(&state, v.tz.as_str());
    let result = match (errors.is_empty(), expected, actual, importance) {
        (true, Some(e), Some(a), Some(i)) => {
            let new = NewMeasurement {
                period_start: today.with_day0(0).unwrap_or(today),
                period_end: today,
                expectation_score: e,
                experience_score: a,
                importance: i,
                provider_rating: None,
                sample_size,
                source: MeasurementSource::Survey,
                note: None,
            };
            key_points::measure(&state, v.actor(), &id, new)
                .await
                .map(|_| ())
        }
        _ => Err(AppError::Invalid(cxpm_domain::Invalid(errors))),
    };
    match result {
        Ok(()) => Ok(see_other(&format!("/plans/{}#key-points", f.plan_id))),
        Err(e) => {
            let fields = [
                ("expectation_score", f.expectation_score.as_str()),
                ("experience_score", f.experience_score.as_str()),
                ("importance", f.importance.as_str()),
                ("sample_size", f.sample_size.as_str()),
            ];
            refused(
                &state,
                &v,
                &f.plan_id,
                &format!("measurement-{id}"),
                &fields,
                e,
            )
            .await
        }
    }
}

use chrono::Datelike;
