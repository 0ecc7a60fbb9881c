//! The demo's plans: one on each of the first relationships, in cycle 1, with its
//! steps settled in order as far as the step rules allow, and its actions.

use chrono::{DateTime, Duration, Utc};
use cxpm_domain::plan::{
    ActionState, ActionStatus, PlanFacts, Step, StepActor, StepStatus, check_step_change,
};
use rand::Rng;
use sea_orm::ConnectionTrait;

use super::org::{LOCALES, Org};
use super::program::Program;
use super::{Built, Run, insert};
use crate::plans::plan::{NewPlan, new_plan};
use crate::plans::steps::new_steps;
use crate::store::{action, new_id, plan, relationship, step};
use crate::{AppError, AppResult};

/// The weekdays the plans' feedback cadences fall on, in turn.
const CADENCE_DAYS: [u32; 3] = [1, 3, 5];

/// Writes the plans with their steps and actions.
pub(super) async fn write(
    txn: &impl ConnectionTrait,
    run: &mut Run,
    org: &Org,
    program: &Program,
    built: &mut Built,
) -> AppResult<()> {
    let mut plans = Vec::new();
    let mut steps = Vec::new();
    let mut actions = Vec::new();
    for (i, rel) in program
        .relationships
        .iter()
        .take(run.shape.plans)
        .enumerate()
    {
        let d = org
            .departments
            .iter()
            .position(|d| d.id == rel.provider_department_id)
            .unwrap_or(0);
        let started = run.now - Duration::days(run.rng.random_range(10..200));
        let plan = plan_on(rel, i, d, org, started)?;
        let reached = run.rng.random_range(1..=7);
        let point = program
            .points
            .iter()
            .find(|(p, _)| p.relationship_id == rel.id)
            .map(|(p, _)| p.id.clone());
        let plan_actions: Vec<action::Model> = (0..run.shape.actions_per_plan)
            .map(|a| action_of(run, org, &plan, d, point.clone(), (i, a)))
            .collect::<AppResult<_>>()?;
        steps.extend(settled_steps(&plan, reached, &plan_actions, program)?);
        plans.push(plan);
        actions.extend(plan_actions);
    }
    built.plans = plans.len();
    built.steps = steps.len();
    built.actions = actions.len();
    insert(txn, plans).await?;
    insert(txn, steps).await?;
    insert(txn, actions).await?;
    Ok(())
}

/// Plan `i` on `rel`, owned by the head of its provider department `d`.
fn plan_on(
    rel: &relationship::Model,
    i: usize,
    d: usize,
    org: &Org,
    started: DateTime<Utc>,
) -> AppResult<plan::Model> {
    let new = NewPlan {
        title: format!("Improve {} ({})", rel.delivers, i + 1),
        owner_id: None,
        cadence_cron: Some(format!("0 9 * * {}", CADENCE_DAYS[i % 3])),
        cadence_time_zone: Some(LOCALES[d % LOCALES.len()].1.to_owned()),
    };
    let mut plan = new_plan(rel, &new, started)?;
    plan.owner_id = org.head(d);
    Ok(plan)
}

/// The cycle's steps, every one before `reached` done and `reached` in progress —
/// each change as the step rules allow it, given the plan's key points, the
/// measurements recorded now (after the cycle began), its actions and cadence; a
/// step the rules do not let complete stays in progress, and the rest not started.
fn settled_steps(
    plan: &plan::Model,
    reached: i32,
    actions: &[action::Model],
    program: &Program,
) -> AppResult<Vec<step::Model>> {
    let points = program
        .points
        .iter()
        .filter(|(p, _)| p.relationship_id == plan.relationship_id)
        .count() as u32;
    let open_actions = actions
        .iter()
        .filter(|a| a.status.is_open() && a.owner_id.is_some() && a.due_date.is_some())
        .count() as u32;
    let mut facts = PlanFacts {
        steps: Step::of_cycle(1)
            .map(|s| (s, StepStatus::NotStarted))
            .collect(),
        key_points: points,
        key_points_with_expectation: points,
        measurements_this_cycle: points,
        open_actions_with_owner_and_due: open_actions,
        valid_cadence: plan.cadence_cron.is_some(),
    };
    let started = plan.cycle_started_at;
    let mut steps = new_steps(&plan.id, 1, started);
    let mut reached = reached;
    let by_owner = StepActor { may_skip: false };
    for (k, s) in steps.iter_mut().enumerate() {
        let step = facts.steps[k].0;
        let mut to = match s.number.cmp(&reached) {
            std::cmp::Ordering::Less => StepStatus::Done,
            std::cmp::Ordering::Equal => StepStatus::InProgress,
            std::cmp::Ordering::Greater => StepStatus::NotStarted,
        };
        // A step the plan cannot complete yet is where it stands.
        if check_step_change(step, StepStatus::NotStarted, to, None, by_owner, &facts).is_err() {
            reached = s.number;
            to = StepStatus::InProgress;
        }
        check_step_change(step, StepStatus::NotStarted, to, None, by_owner, &facts)
            .map_err(|refusal| AppError::internal(&format!("demo step refused: {refusal:?}")))?;
        facts.steps[k].1 = to;
        let done = to == StepStatus::Done;
        s.status = to.into();
        s.owner_id = plan.owner_id.clone();
        s.due_date = Some(started.date_naive() + Duration::days(i64::from(s.number) * 14));
        s.completed_by = plan.owner_id.clone().filter(|_| done);
        s.completed_at = done.then_some(started + Duration::days(i64::from(s.number) * 12));
    }
    Ok(steps)
}

/// Action `a` of plan `i`, in a state `ActionState::apply` accepts.
fn action_of(
    run: &mut Run,
    org: &Org,
    plan: &plan::Model,
    d: usize,
    point: Option<String>,
    (i, a): (usize, usize),
) -> AppResult<action::Model> {
    let roll: f64 = run.rng.random();
    let status = match roll {
        r if r < 0.40 => ActionStatus::Done,
        r if r < 0.65 => ActionStatus::InProgress,
        r if r < 0.85 => ActionStatus::Open,
        r if r < 0.90 => ActionStatus::Blocked,
        _ => ActionStatus::Cancelled,
    };
    let progress = match status {
        ActionStatus::Done => None,
        ActionStatus::Open => Some(0),
        ActionStatus::Cancelled => Some(run.rng.random_range(0..50)),
        _ => Some(run.rng.random_range(10..90)),
    };
    let new = ActionState {
        status: ActionStatus::Open,
        progress: 0,
        blocked_reason: None,
    };
    let reason = (status == ActionStatus::Blocked).then(|| "Waiting for ERP data".to_owned());
    let state = new
        .apply(Some(status), progress, Some(reason))
        .map_err(|e| AppError::Invalid(cxpm_domain::Invalid(e)))?;
    let staff = &org.staff[d];
    let owner = staff[run.rng.random_range(0..staff.len())].clone();
    let with_effect = a == 0;
    let today = run.today();
    Ok(action::Model {
        id: new_id(),
        program_id: plan.program_id.clone(),
        plan_id: plan.id.clone(),
        step_number: Some(Step::PlanImprovement.number()),
        key_point_id: point.clone(),
        title: format!("Action {} of plan {}", a + 1, i + 1),
        description: None,
        owner_id: Some(owner),
        department_id: plan.department_id.clone(),
        due_date: Some(today + Duration::days(run.rng.random_range(-60..90))),
        status: state.status.into(),
        progress: state.progress,
        blocked_reason: state.blocked_reason,
        effect_key_point_id: point.filter(|_| with_effect),
        effect_metric: None,
        effect_target: with_effect.then_some(8.5),
        effect_by: with_effect.then(|| today - Duration::days(run.rng.random_range(-30..60))),
        last_update_at: None,
        version: 1,
        created_at: plan.created_at,
        updated_at: plan.created_at,
    })
}
