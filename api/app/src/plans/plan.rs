//! Plans: opening one for a relationship, reading it whole, changing it, and the
//! lists of a department's and a relationship's plans.

use std::collections::HashMap;

use cxpm_domain::plan::PlanStatus;
use cxpm_domain::schedule::CronSchedule;
use cxpm_domain::values::{Name, TimeZone};
use cxpm_domain::{Action, Actor, FieldError, Invalid, Target, authorize};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

use crate::directory::people::member_of;
use crate::plans::actions::Seen;
use crate::plans::steps::new_steps;
use crate::store::{
    action, action_update, department, load, new_id, plan, relationship, step, versioned,
};
use crate::{AppError, AppResult, Ctx, Expect, Patch};

/// A new plan for a relationship.
#[derive(Debug, Clone, Default)]
pub struct NewPlan {
    pub title: String,
    /// A member of the provider department.
    pub owner_id: Option<String>,
    pub cadence_cron: Option<String>,
    pub cadence_time_zone: Option<String>,
}

/// What to change in a plan: only the fields given.
#[derive(Debug, Clone, Default)]
pub struct PlanChange {
    pub title: Option<String>,
    pub owner_id: Patch<String>,
    pub status: Option<PlanStatus>,
    pub cadence_cron: Patch<String>,
    pub cadence_time_zone: Patch<String>,
}

/// A plan with the steps of its current cycle and its actions, each with its latest
/// updates.
#[derive(Debug, Clone)]
pub struct PlanDetail {
    pub plan: plan::Model,
    pub steps: Vec<step::Model>,
    /// The step to work on next (the first not done or skipped), if any.
    pub current_step: Option<i32>,
    /// Each action with up to three of its latest updates, newest first.
    pub actions: Vec<(Seen, Vec<action_update::Model>)>,
}

/// Opens a plan for relationship `relationship_id`: it belongs to the provider
/// department and starts in cycle 1 with all seven steps not started.
pub async fn open(
    ctx: &Ctx,
    actor: &Actor,
    relationship_id: &str,
    new: NewPlan,
) -> AppResult<plan::Model> {
    let rel = load::<relationship::Entity>(&ctx.db, "relationship", relationship_id).await?;
    authorize(
        actor,
        Action::ManagePlans,
        Target::Department(Some(&rel.provider_department_id)),
    )?;
    let mut model = new_plan(&rel, &new, ctx.now())?;
    if let Some(raw) = &new.owner_id {
        model.owner_id = Some(
            member_of(&ctx.db, "owner_id", raw, &rel.provider_department_id)
                .await?
                .id,
        );
    }
    let now = model.created_at;
    let txn = crate::store::begin(&ctx.db).await?;
    versioned::create_in::<plan::Entity, _>(&txn, &actor.person_id, now, &model).await?;
    for s in new_steps(&model.id, 1, now) {
        versioned::create_in::<step::Entity, _>(&txn, &actor.person_id, now, &s).await?;
    }
    txn.commit().await?;
    Ok(model)
}

/// A new active plan on `rel` in its first cycle, started `now`, its title and
/// cadence checked (every problem at once); without an owner, whose membership of the
/// provider department the caller checks.
pub fn new_plan(
    rel: &relationship::Model,
    new: &NewPlan,
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<plan::Model> {
    let mut invalid = Invalid::default();
    let title = invalid.check(Name::parse(&new.title).map_err(|e| e.at("title")));
    let cadence = cadence(
        &mut invalid,
        new.cadence_cron.clone(),
        new.cadence_time_zone.clone(),
    );
    invalid.into_result()?;
    let (Some(title), Some((cadence_cron, cadence_time_zone))) = (title, cadence) else {
        return Err(AppError::internal(
            &"a checked plan lost its title or cadence",
        ));
    };
    Ok(plan::Model {
        id: new_id(),
        program_id: rel.program_id.clone(),
        relationship_id: rel.id.clone(),
        title: title.into_inner(),
        department_id: rel.provider_department_id.clone(),
        owner_id: None,
        status: PlanStatus::Active.into(),
        cycle: 1,
        cycle_started_at: now,
        cadence_cron,
        cadence_time_zone,
        version: 1,
        created_at: now,
        updated_at: now,
    })
}

/// Plan `id` whole: its current cycle's steps, its actions and their latest updates,
/// read in a fixed number of queries however many actions there are.
pub async fn detail(ctx: &Ctx, actor: &Actor, id: &str) -> AppResult<PlanDetail> {
    authorize(actor, Action::ReadPrograms, Target::Anything)?;
    let plan = load::<plan::Entity>(&ctx.read, "plan", id).await?;
    let steps = steps_of(ctx, &plan, plan.cycle).await?;
    let actions = action::Entity::find()
        .filter(action::Column::PlanId.eq(&plan.id))
        .order_by_asc(action::Column::Id)
        .all(&ctx.read)
        .await?;
    let mut updates: HashMap<String, Vec<action_update::Model>> = HashMap::new();
    if !actions.is_empty() {
        for u in action_update::Entity::find()
            .filter(action_update::Column::ActionId.is_in(actions.iter().map(|a| a.id.clone())))
            .order_by_desc(action_update::Column::Id)
            .all(&ctx.read)
            .await?
        {
            let list = updates.entry(u.action_id.clone()).or_default();
            if list.len() < 3 {
                list.push(u);
            }
        }
    }
    let current_step = steps
        .iter()
        .find(|s| !s.status.is_settled())
        .map(|s| s.number);
    let today = ctx.now().date_naive();
    let actions = actions
        .into_iter()
        .map(|a| {
            let latest = updates.remove(&a.id).unwrap_or_default();
            (Seen::on(a, today), latest)
        })
        .collect();
    Ok(PlanDetail {
        plan,
        steps,
        current_step,
        actions,
    })
}

/// Changes plan `id`: title, owner, status, feedback cadence.
pub async fn change(
    ctx: &Ctx,
    actor: &Actor,
    id: &str,
    expected: &Expect,
    change: PlanChange,
) -> AppResult<plan::Model> {
    let before = load::<plan::Entity>(&ctx.db, "plan", id).await?;
    authorize(
        actor,
        Action::ManagePlans,
        Target::Department(Some(&before.department_id)),
    )?;
    expected.check(before.version)?;
    let mut after = before.clone();
    let mut invalid = Invalid::default();
    if let Some(title) = &change.title
        && let Some(t) = invalid.check(Name::parse(title).map_err(|e| e.at("title")))
    {
        after.title = t.into_inner();
    }
    if let Some(status) = change.status {
        after.status = status.into();
    }
    let mut cron = before.cadence_cron.clone();
    change.cadence_cron.apply(&mut cron);
    let mut tz = before.cadence_time_zone.clone();
    change.cadence_time_zone.apply(&mut tz);
    if let Some((cron, tz)) = cadence(&mut invalid, cron, tz) {
        after.cadence_cron = cron;
        after.cadence_time_zone = tz;
    }
    invalid.into_result()?;
    match change.owner_id {
        Patch::Keep => {}
        Patch::Clear => after.owner_id = None,
        Patch::Set(raw) => {
            after.owner_id = Some(
                member_of(&ctx.db, "owner_id", &raw, &before.department_id)
                    .await?
                    .id,
            )
        }
    }
    versioned::update::<plan::Entity>(&ctx.db, &actor.person_id, ctx.now(), &before, after).await
}

/// The steps of plan `id` in `cycle` (default: the current one), history included.
pub async fn steps(
    ctx: &Ctx,
    actor: &Actor,
    id: &str,
    cycle: Option<i32>,
) -> AppResult<Vec<step::Model>> {
    authorize(actor, Action::ReadPrograms, Target::Anything)?;
    let plan = load::<plan::Entity>(&ctx.read, "plan", id).await?;
    steps_of(ctx, &plan, cycle.unwrap_or(plan.cycle)).await
}

async fn steps_of(ctx: &Ctx, plan: &plan::Model, cycle: i32) -> AppResult<Vec<step::Model>> {
    Ok(step::Entity::find()
        .filter(step::Column::PlanId.eq(&plan.id))
        .filter(step::Column::Cycle.eq(cycle))
        .order_by_asc(step::Column::Number)
        .all(&ctx.read)
        .await?)
}

/// The plans of department `id`, perhaps only those with `status`.
pub async fn of_department(
    ctx: &Ctx,
    actor: &Actor,
    id: &str,
    status: Option<PlanStatus>,
) -> AppResult<Vec<plan::Model>> {
    authorize(actor, Action::ReadPrograms, Target::Anything)?;
    let dept = load::<department::Entity>(&ctx.read, "department", id).await?;
    let mut select = plan::Entity::find().filter(plan::Column::DepartmentId.eq(&dept.id));
    if let Some(s) = status {
        select = select.filter(plan::Column::Status.eq(s.as_str()));
    }
    Ok(select.order_by_asc(plan::Column::Id).all(&ctx.read).await?)
}

/// The plans of relationship `id`.
pub async fn of_relationship(ctx: &Ctx, actor: &Actor, id: &str) -> AppResult<Vec<plan::Model>> {
    authorize(actor, Action::ReadPrograms, Target::Anything)?;
    let rel = load::<relationship::Entity>(&ctx.read, "relationship", id).await?;
    Ok(plan::Entity::find()
        .filter(plan::Column::RelationshipId.eq(&rel.id))
        .order_by_asc(plan::Column::Id)
        .all(&ctx.read)
        .await?)
}

/// A cadence is a crontab line and a time zone, both or neither; blank is none. What
/// is wrong goes into `invalid`.
fn cadence(
    invalid: &mut Invalid,
    cron: Option<String>,
    tz: Option<String>,
) -> Option<(Option<String>, Option<String>)> {
    let cron = cron.map(|c| c.trim().to_owned()).filter(|c| !c.is_empty());
    let tz = tz.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty());
    let cron = match cron {
        Some(c) => Some(
            invalid
                .check(CronSchedule::parse("cadence_cron", &c))?
                .as_str()
                .to_owned(),
        ),
        None => None,
    };
    let tz = match tz {
        Some(t) => Some(
            invalid
                .check(TimeZone::parse(&t).map_err(|e| e.at("cadence_time_zone")))?
                .as_str()
                .to_owned(),
        ),
        None => None,
    };
    match (&cron, &tz) {
        (Some(_), None) => {
            invalid.push(FieldError::new(
                "cadence_time_zone",
                "a cadence needs a time zone",
            ));
            None
        }
        (None, Some(_)) => {
            invalid.push(FieldError::new(
                "cadence_cron",
                "a time zone needs a cadence",
            ));
            None
        }
        _ => Some((cron, tz)),
    }
}
