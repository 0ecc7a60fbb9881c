//! The progress report: per plan the step and cycle reached, actions done, open and
//! overdue, days since the last update; per department engagement and lateness;
//! ownership coverage; and the program's maturity phase with what the next one needs.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use cxpm_domain::feedback::Respondent;
use cxpm_domain::maturity::{Function, NextPhase, Phase, assess};
use cxpm_domain::plan::PlanStatus;
use cxpm_domain::values::Locale;
use cxpm_domain::{Action, Actor, Target, authorize};
use sea_orm::EntityTrait;

use super::clamp_i32;
use super::queries::{self, DepartmentActions, PlanRow};
use crate::programs::coverage::{Coverage, DepartmentRef, coverage_of};
use crate::store::{department, load, program};
use crate::{AppError, AppResult, Ctx};

/// One plan's progress.
#[derive(Debug, Clone)]
pub struct PlanProgress {
    pub plan_id: String,
    pub title: String,
    pub department_id: String,
    pub department_name: String,
    pub relationship_id: String,
    pub status: PlanStatus,
    pub cycle: i32,
    /// The first step of the current cycle not yet done or skipped; none when all are.
    pub current_step: Option<i32>,
    /// Steps of the current cycle done or skipped.
    pub steps_settled: i32,
    pub steps_in_cycle: i32,
    pub actions_done: i32,
    pub actions_open: i32,
    pub actions_overdue: i32,
    /// Days since anything on the plan last changed (a step, an action, an update).
    pub days_since_last_update: i64,
}

/// One department's part: what it owns, what it runs, how late it is.
#[derive(Debug, Clone)]
pub struct DepartmentProgress {
    pub department_id: String,
    pub name: String,
    pub function: Option<Function>,
    pub owned_touchpoints: i32,
    pub running_plans: i32,
    pub open_actions: i32,
    pub overdue_actions: i32,
    /// Owns a touchpoint or runs a plan.
    pub engaged: bool,
    /// Its people asked in the program's feedback rounds (as customers, or rating
    /// their own work), and of them how many answered: a department whose people
    /// never answer is not engaged.
    pub feedback_asked: i32,
    pub feedback_answered: i32,
}

/// The program's feedback rounds' response, internal and outside customers apart.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FeedbackResponse {
    pub internal_asked: i32,
    pub internal_answered: i32,
    pub external_asked: i32,
    pub external_answered: i32,
}

/// How the next phase's needs read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NextPhaseRule {
    /// Phase I to II: `next_phase_more_functions` more of `next_phase_needs`.
    MoreFunctions,
    /// Phase II to III: every one of `next_phase_needs`.
    AllOf,
    /// Phase III is the last.
    None,
}

/// Where the program stands and what the next phase needs, judged by the functions
/// of the engaged departments (owning a touchpoint or running a plan).
#[derive(Debug, Clone)]
pub struct Maturity {
    pub phase: Phase,
    /// Functions of the engaged departments.
    pub engaged_functions: Vec<Function>,
    pub next_phase_rule: NextPhaseRule,
    /// With `MoreFunctions`: how many more functions must engage.
    pub next_phase_more_functions: u32,
    /// Functions that still have to engage for the next phase.
    pub next_phase_needs: Vec<Function>,
    /// The active departments with those functions not yet engaged: whom to bring in.
    pub next_phase_departments: Vec<DepartmentRef>,
}

/// The progress report of a program.
#[derive(Debug, Clone)]
pub struct ProgressData {
    pub program_id: String,
    /// The program's name, as given.
    pub program_name: String,
    pub generated_at: DateTime<Utc>,
    pub plans: Vec<PlanProgress>,
    pub departments: Vec<DepartmentProgress>,
    pub coverage: Coverage,
    pub maturity: Maturity,
    pub feedback: FeedbackResponse,
}

/// The progress report of program `program_id`, departments named in `reader`'s
/// language.
pub async fn progress(
    ctx: &Ctx,
    actor: &Actor,
    program_id: &str,
    reader: Locale,
) -> AppResult<ProgressData> {
    authorize(actor, Action::ReadPrograms, Target::Anything)?;
    let program = load::<program::Entity>(&ctx.read, "program", program_id).await?;
    let db = &ctx.read;
    let now = ctx.now();
    let today = now.date_naive();
    // Independent reads, each on its own pooled connection, at the same time.
    let (plans, by_department, departments, coverage, counts) = tokio::try_join!(
        async { Ok::<_, AppError>(queries::plan_rows(db, &program.id, today).await?) },
        async { Ok::<_, AppError>(queries::department_actions(db, &program.id, today).await?) },
        async { Ok::<_, AppError>(department::Entity::find().all(db).await?) },
        coverage_of(ctx, &program),
        async { Ok::<_, AppError>(queries::feedback_counts(db, &program.id).await?) },
    )?;
    let by_department: HashMap<String, DepartmentActions> = by_department
        .into_iter()
        .map(|d| (d.department_id.clone(), d))
        .collect();
    let departments: HashMap<String, department::Model> = departments
        .into_iter()
        .map(|mut d| {
            let map = crate::names::translations(&d.name_translations);
            d.name = cxpm_domain::values::localized(&d.name, &map, reader).to_owned();
            (d.id.clone(), d)
        })
        .collect();
    let plan_rows = plan_progress(&plans, &departments, now);
    let (asked, feedback) = feedback_response(&counts);
    let mut dept_rows = department_progress(&plans, &by_department, &departments, &coverage);
    add_feedback(&mut dept_rows, &asked, &departments);
    let maturity = maturity(&dept_rows, &departments);
    Ok(ProgressData {
        program_id: program.id,
        program_name: program.name,
        generated_at: ctx.now(),
        plans: plan_rows,
        departments: dept_rows,
        coverage,
        maturity,
        feedback,
    })
}

/// Asked and answered by department (customers and providers rating themselves),
/// and the program's totals with outside customers apart.
fn feedback_response(
    counts: &[queries::FeedbackCounts],
) -> (HashMap<String, (i32, i32)>, FeedbackResponse) {
    let mut by_department: HashMap<String, (i32, i32)> = HashMap::new();
    let mut total = FeedbackResponse::default();
    for c in counts {
        let (asked, answered) = (clamp_i32(c.invited), clamp_i32(c.answered));
        match (*c.respondent, &c.department_id) {
            (Respondent::External, _) | (_, None) => {
                total.external_asked += asked;
                total.external_answered += answered;
            }
            (who, Some(d)) => {
                let e = by_department.entry(d.clone()).or_default();
                e.0 += asked;
                e.1 += answered;
                if who == Respondent::Internal {
                    total.internal_asked += asked;
                    total.internal_answered += answered;
                }
            }
        }
    }
    (by_department, total)
}

/// Each department's feedback response on its row; a department asked that has no
/// row yet gets one.
fn add_feedback(
    rows: &mut Vec<DepartmentProgress>,
    asked: &HashMap<String, (i32, i32)>,
    departments: &HashMap<String, department::Model>,
) {
    for (id, (n, answered)) in asked {
        if !rows.iter().any(|r| &r.department_id == id)
            && let Some(d) = departments.get(id)
        {
            rows.push(DepartmentProgress {
                department_id: d.id.clone(),
                name: d.name.clone(),
                function: function_of(d),
                owned_touchpoints: 0,
                running_plans: 0,
                open_actions: 0,
                overdue_actions: 0,
                engaged: false,
                feedback_asked: 0,
                feedback_answered: 0,
            });
        }
        if let Some(row) = rows.iter_mut().find(|r| &r.department_id == id) {
            row.feedback_asked = *n;
            row.feedback_answered = *answered;
        }
    }
    rows.sort_by(|a, b| a.name.cmp(&b.name));
}

/// Each plan's progress, by department name, then title.
fn plan_progress(
    plans: &[PlanRow],
    departments: &HashMap<String, department::Model>,
    now: DateTime<Utc>,
) -> Vec<PlanProgress> {
    let mut rows: Vec<PlanProgress> = plans
        .iter()
        .map(|p| {
            let last = [Some(p.updated_at), p.steps_changed, p.actions_changed]
                .into_iter()
                .flatten()
                .max()
                .unwrap_or(p.updated_at);
            PlanProgress {
                plan_id: p.id.clone(),
                title: p.title.clone(),
                department_id: p.department_id.clone(),
                department_name: departments
                    .get(&p.department_id)
                    .map(|d| d.name.clone())
                    .unwrap_or_default(),
                relationship_id: p.relationship_id.clone(),
                status: *p.status,
                cycle: p.cycle,
                current_step: p.current_step,
                steps_settled: clamp_i32(p.steps_settled),
                steps_in_cycle: clamp_i32(p.steps_in_cycle),
                actions_done: clamp_i32(p.actions_done),
                actions_open: clamp_i32(p.actions_open),
                actions_overdue: clamp_i32(p.actions_overdue),
                days_since_last_update: (now - last).num_days(),
            }
        })
        .collect();
    rows.sort_by(|a, b| {
        a.department_name
            .cmp(&b.department_name)
            .then(a.title.cmp(&b.title))
    });
    rows
}

fn function_of(d: &department::Model) -> Option<Function> {
    d.function.map(|f| f.0)
}

/// Each department that owns a touchpoint, runs a plan or has actions, by name.
fn department_progress(
    plans: &[PlanRow],
    by_department: &HashMap<String, DepartmentActions>,
    departments: &HashMap<String, department::Model>,
    coverage: &Coverage,
) -> Vec<DepartmentProgress> {
    let mut running: HashMap<&str, i32> = HashMap::new();
    for p in plans.iter().filter(|p| p.status == PlanStatus::Active) {
        *running.entry(p.department_id.as_str()).or_default() += 1;
    }
    let owned: HashMap<&str, i32> = coverage
        .departments
        .iter()
        .map(|c| (c.department_id.as_str(), c.owned_touchpoints as i32))
        .collect();
    let mut dept_ids: Vec<&str> = owned.keys().copied().collect();
    dept_ids.extend(plans.iter().map(|p| p.department_id.as_str()));
    dept_ids.extend(by_department.keys().map(String::as_str));
    dept_ids.sort();
    dept_ids.dedup();
    let mut rows: Vec<DepartmentProgress> = dept_ids
        .iter()
        .filter_map(|id| departments.get(*id))
        .map(|d| {
            let owned_touchpoints = owned.get(d.id.as_str()).copied().unwrap_or(0);
            let running_plans = running.get(d.id.as_str()).copied().unwrap_or(0);
            let actions = by_department.get(&d.id);
            DepartmentProgress {
                department_id: d.id.clone(),
                name: d.name.clone(),
                function: function_of(d),
                owned_touchpoints,
                running_plans,
                open_actions: actions.map(|a| clamp_i32(a.open)).unwrap_or(0),
                overdue_actions: actions.map(|a| clamp_i32(a.overdue)).unwrap_or(0),
                engaged: owned_touchpoints > 0 || running_plans > 0,
                feedback_asked: 0,
                feedback_answered: 0,
            }
        })
        .collect();
    rows.sort_by(|a, b| a.name.cmp(&b.name));
    rows
}

/// The phase the engaged departments' functions reach, and whom to bring in next.
fn maturity(
    rows: &[DepartmentProgress],
    departments: &HashMap<String, department::Model>,
) -> Maturity {
    let mut engaged: Vec<Function> = rows
        .iter()
        .filter(|d| d.engaged)
        .filter_map(|d| departments.get(&d.department_id).and_then(function_of))
        .collect();
    engaged.sort_by_key(|f: &Function| f.as_str());
    engaged.dedup();
    let (phase, next) = assess(&engaged);
    let (rule, more, needs) = match next {
        NextPhase::MoreFunctions { count, any_of } => {
            (NextPhaseRule::MoreFunctions, count as u32, any_of)
        }
        NextPhase::AllOf(needs) => (NextPhaseRule::AllOf, 0, needs),
        NextPhase::Nothing => (NextPhaseRule::None, 0, vec![]),
    };
    let engaged_ids: HashSet<&str> = rows
        .iter()
        .filter(|d| d.engaged)
        .map(|d| d.department_id.as_str())
        .collect();
    let mut to_engage: Vec<DepartmentRef> = departments
        .values()
        .filter(|d| d.active && !engaged_ids.contains(d.id.as_str()))
        .filter(|d| function_of(d).is_some_and(|f| needs.contains(&f)))
        .map(|d| DepartmentRef {
            id: d.id.clone(),
            name: d.name.clone(),
            code: d.code.clone(),
        })
        .collect();
    to_engage.sort_by(|a, b| a.name.cmp(&b.name));
    Maturity {
        phase,
        engaged_functions: engaged,
        next_phase_rule: rule,
        next_phase_more_functions: more,
        next_phase_needs: needs,
        next_phase_departments: to_engage,
    }
}
