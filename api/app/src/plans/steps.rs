//! The seven steps of a plan: working on a step, and the facts the domain's step
//! rules decide on. Completing step 7 starts the next cycle at step 3, in the same
//! transaction.

use chrono::{DateTime, NaiveDate, Utc};
use cxpm_domain::limits;
use cxpm_domain::plan::{
    ActionStatus, PlanFacts, Step, StepActor, StepRefusal, StepStatus, check_step_change,
    starts_next_cycle,
};
use cxpm_domain::schedule::CronSchedule;
use cxpm_domain::values::{TimeZone, optional_text};
use cxpm_domain::{Action, Actor, Invalid, Target, authorize};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, PaginatorTrait, QueryFilter,
};

use crate::directory::people::member_of;
use crate::hooks::events::emit;
use crate::store::{
    action, key_point, measurement, new_id, path_id, plan, step, unique, versioned,
};
use crate::{AppError, AppResult, Ctx, Expect, Patch};
use cxpm_domain::hooks::WebhookEvent;

/// What to change in a step: only the fields given.
#[derive(Debug, Clone, Default)]
pub struct StepChange {
    pub status: Option<StepStatus>,
    /// A member of the plan's department.
    pub owner_id: Patch<String>,
    pub due_date: Patch<NaiveDate>,
    pub notes: Patch<String>,
    /// Why a coordinator skips it; required to skip.
    pub skip_reason: Option<String>,
}

/// Works on step `id` of a plan's current cycle: its status (by the domain's step
/// rules), owner, due date and notes.
pub async fn change(
    ctx: &Ctx,
    actor: &Actor,
    id: &str,
    expected: &Expect,
    change: StepChange,
) -> AppResult<step::Model> {
    let (before, plan) = open_step(ctx, actor, id, expected).await?;
    let mut after = before.clone();
    edit_details(ctx, &plan, &mut after, &change).await?;
    let step_kind = Step::from_number(before.number)
        .ok_or_else(|| AppError::internal(&"stored step number"))?;
    let from: StepStatus = *before.status;
    let to = change.status.unwrap_or(from);
    let now = ctx.now();
    if to != from {
        let facts = plan_facts(&ctx.db, &plan).await?;
        let may_skip = authorize(actor, Action::SkipStep, Target::Anything).is_ok();
        check_step_change(
            step_kind,
            from,
            to,
            change.skip_reason.as_deref(),
            StepActor { may_skip },
            &facts,
        )
        .map_err(|refusal| refused(step_kind, to, refusal))?;
        after.status = to.into();
        after.skip_reason = (to == StepStatus::Skipped)
            .then(|| change.skip_reason.map(|r| r.trim().to_owned()))
            .flatten();
        (after.completed_by, after.completed_at) = if to.is_settled() {
            (Some(actor.person_id.clone()), Some(now))
        } else {
            (None, None)
        };
    }
    let txn = crate::store::begin(&ctx.db).await?;
    let after =
        versioned::update_in::<step::Entity, _>(&txn, &actor.person_id, now, &before, after)
            .await?;
    if to == StepStatus::Done && from != to {
        emit(
            &txn,
            &plan.program_id,
            WebhookEvent::StepCompleted,
            &after,
            now,
            None,
        )
        .await?;
    }
    if starts_next_cycle(step_kind, to) && from != to {
        next_cycle(&txn, &actor.person_id, &plan, now).await?;
    }
    txn.commit().await?;
    Ok(after)
}

/// Step `id` and its plan, for a change by `actor` at version `expected`: only a step
/// of the plan's current cycle may change.
async fn open_step(
    ctx: &Ctx,
    actor: &Actor,
    id: &str,
    expected: &Expect,
) -> AppResult<(step::Model, plan::Model)> {
    let id = path_id("step", id)?;
    let step = unique(step::Entity::find_by_id(&id), &ctx.db)
        .await?
        .ok_or_else(|| AppError::not_found("step", &id))?;
    let plan = unique(plan::Entity::find_by_id(&step.plan_id), &ctx.db)
        .await?
        .ok_or_else(|| AppError::not_found("plan", &step.plan_id))?;
    authorize(
        actor,
        Action::ManagePlans,
        Target::Department(Some(&plan.department_id)),
    )?;
    expected.check(step.version)?;
    if step.cycle != plan.cycle {
        return Err(AppError::conflict(
            format!(
                "this step belongs to cycle {}, which is closed; the plan is in cycle {}",
                step.cycle, plan.cycle
            ),
            None,
        ));
    }
    Ok((step, plan))
}

/// A step's notes, due date and owner (a member of the plan's department) as `change`
/// sets them, every field checked at once.
async fn edit_details(
    ctx: &Ctx,
    plan: &plan::Model,
    after: &mut step::Model,
    change: &StepChange,
) -> AppResult<()> {
    let mut invalid = Invalid::default();
    match &change.notes {
        Patch::Keep => {}
        Patch::Clear => after.notes = None,
        Patch::Set(v) => {
            after.notes = invalid
                .check(optional_text("notes", Some(v), limits::TEXT))
                .flatten()
        }
    }
    // Checked whenever it is sent (its rule is a reason's), used only to skip.
    invalid.check(optional_text(
        "skip_reason",
        change.skip_reason.as_deref(),
        limits::REASON,
    ));
    change.due_date.clone().apply(&mut after.due_date);
    invalid.into_result()?;
    match &change.owner_id {
        Patch::Keep => {}
        Patch::Clear => after.owner_id = None,
        Patch::Set(raw) => {
            let member = member_of(&ctx.db, "owner_id", raw, &plan.department_id).await?;
            after.owner_id = Some(member.id);
        }
    }
    Ok(())
}

/// Moves `plan` to its next cycle, with that cycle's fresh steps, inside `txn`.
async fn next_cycle(
    txn: &DatabaseTransaction,
    actor: &str,
    plan: &plan::Model,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let mut next = plan.clone();
    next.cycle = plan.cycle + 1;
    next.cycle_started_at = now;
    let next = versioned::update_in::<plan::Entity, _>(txn, actor, now, plan, next).await?;
    emit(
        txn,
        &next.program_id,
        WebhookEvent::PlanCycleStarted,
        &next,
        now,
        None,
    )
    .await?;
    for s in new_steps(&next.id, next.cycle, now) {
        versioned::create_in::<step::Entity, _>(txn, actor, now, &s).await?;
    }
    Ok(())
}

/// The domain's refusal of a step change, as the application says it.
fn refused(step: Step, to: StepStatus, refusal: StepRefusal) -> AppError {
    match refusal {
        StepRefusal::NotAllowed(why) => AppError::Forbidden(why.to_owned()),
        StepRefusal::Invalid(e) => e.into(),
        StepRefusal::Unmet(unmet) => AppError::Unmet {
            detail: format!(
                "step {} ({}) cannot become {}: {} rule(s) unmet",
                step.number(),
                step,
                to.as_str(),
                unmet.len()
            ),
            rules: unmet
                .into_iter()
                .map(|u| (u.rule.to_owned(), u.message))
                .collect(),
        },
    }
}

/// The steps of a new cycle, not started.
pub fn new_steps(plan_id: &str, cycle: i32, now: DateTime<Utc>) -> Vec<step::Model> {
    Step::of_cycle(cycle)
        .map(|s| step::Model {
            id: new_id(),
            plan_id: plan_id.to_owned(),
            cycle,
            number: s.number(),
            status: StepStatus::NotStarted.into(),
            owner_id: None,
            due_date: None,
            notes: None,
            skip_reason: None,
            completed_by: None,
            completed_at: None,
            version: 1,
            created_at: now,
            updated_at: now,
        })
        .collect()
}

/// What the step rules need to know about a plan's current cycle.
pub async fn plan_facts(db: &impl ConnectionTrait, plan: &plan::Model) -> AppResult<PlanFacts> {
    let steps = step::Entity::find()
        .filter(step::Column::PlanId.eq(&plan.id))
        .filter(step::Column::Cycle.eq(plan.cycle))
        .all(db)
        .await?
        .into_iter()
        .map(|s| {
            Ok((
                Step::from_number(s.number)
                    .ok_or_else(|| AppError::internal(&"stored step number"))?,
                *s.status,
            ))
        })
        .collect::<AppResult<Vec<_>>>()?;
    let points = key_point::Entity::find()
        .filter(key_point::Column::RelationshipId.eq(&plan.relationship_id))
        .filter(key_point::Column::Archived.eq(false))
        .all(db)
        .await?;
    let key_points_with_expectation = points
        .iter()
        .filter(|k| {
            k.customer_expects
                .as_deref()
                .is_some_and(|e| !e.trim().is_empty())
        })
        .count() as u32;
    let point_ids: Vec<String> = points.into_iter().map(|k| k.id).collect();
    let measurements_this_cycle = if point_ids.is_empty() {
        0
    } else {
        measurement::Entity::find()
            .filter(measurement::Column::KeyPointId.is_in(point_ids.clone()))
            .filter(measurement::Column::RecordedAt.gte(plan.cycle_started_at))
            .count(db)
            .await? as u32
    };
    let open: Vec<&str> = ActionStatus::ALL
        .iter()
        .filter(|s| s.is_open())
        .map(|s| s.as_str())
        .collect();
    let open_actions_with_owner_and_due = action::Entity::find()
        .filter(action::Column::PlanId.eq(&plan.id))
        .filter(action::Column::Status.is_in(open))
        .filter(action::Column::OwnerId.is_not_null())
        .filter(action::Column::DueDate.is_not_null())
        .count(db)
        .await? as u32;
    let valid_cadence = match (&plan.cadence_cron, &plan.cadence_time_zone) {
        (Some(c), Some(t)) => {
            CronSchedule::parse("cadence_cron", c).is_ok() && TimeZone::parse(t).is_ok()
        }
        _ => false,
    };
    Ok(PlanFacts {
        steps,
        key_points: point_ids.len() as u32,
        key_points_with_expectation,
        measurements_this_cycle,
        open_actions_with_owner_and_due,
        valid_cadence,
    })
}
