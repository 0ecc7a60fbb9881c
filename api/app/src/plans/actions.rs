//! Actions under a plan and their append-only progress updates; the everyday lists:
//! my open actions, a department's actions.

use chrono::NaiveDate;
use cxpm_domain::limits;
use cxpm_domain::plan::{ActionState, ActionStatus, Step};
use cxpm_domain::values::{Name, TimeZone, optional_text};
use cxpm_domain::{Action, Actor, FieldError, Invalid, Target, authorize};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

use crate::directory::people::member_of;
use crate::hooks::events::emit;
use crate::store::{
    action, action_update, audit, department, key_point, load, new_id, person, plan, referenced,
    versioned,
};
use crate::{AppError, AppResult, Ctx, Expect, Patch};
use cxpm_domain::hooks::WebhookEvent;

/// A new action under a plan.
#[derive(Debug, Clone, Default)]
pub struct NewAction {
    pub title: String,
    pub description: Option<String>,
    /// A member of the action's department.
    pub owner_id: Option<String>,
    /// Default: the plan's department.
    pub department_id: Option<String>,
    pub due_date: Option<NaiveDate>,
    pub step_number: Option<i32>,
    /// A key point of the plan's relationship.
    pub key_point_id: Option<String>,
    pub effect_key_point_id: Option<String>,
    pub effect_metric: Option<String>,
    pub effect_target: Option<f64>,
    pub effect_by: Option<NaiveDate>,
}

/// What to change in an action: only the fields given. Status and progress move
/// through progress updates, so that every move is on record.
#[derive(Debug, Clone, Default)]
pub struct ActionChange {
    pub title: Option<String>,
    pub description: Patch<String>,
    pub owner_id: Patch<String>,
    pub due_date: Patch<NaiveDate>,
    pub effect_target: Patch<f64>,
    pub effect_by: Patch<NaiveDate>,
}

/// A progress update to post.
#[derive(Debug, Clone, Default)]
pub struct NewUpdate {
    /// 0–100.
    pub progress: Option<i32>,
    pub status: Option<ActionStatus>,
    /// Required when the status becomes `blocked`.
    pub blocked_reason: Option<String>,
    pub comment: Option<String>,
}

/// An action as a reader sees it: `overdue` judged by the reader's day.
#[derive(Debug, Clone)]
pub struct Seen {
    pub action: action::Model,
    pub overdue: bool,
}

impl Seen {
    pub fn on(action: action::Model, today: NaiveDate) -> Self {
        let overdue = action.status.is_overdue(action.due_date, today);
        Self { action, overdue }
    }
}

/// Adds an action to plan `plan_id`.
pub async fn add(
    ctx: &Ctx,
    actor: &Actor,
    plan_id: &str,
    new: NewAction,
) -> AppResult<action::Model> {
    let plan = load::<plan::Entity>(&ctx.db, "plan", plan_id).await?;
    let department_id = match &new.department_id {
        Some(raw) => {
            referenced::<department::Entity>(&ctx.db, "department_id", "department", raw)
                .await?
                .id
        }
        None => plan.department_id.clone(),
    };
    authorize(
        actor,
        Action::ManageActions,
        Target::Department(Some(&department_id)),
    )?;
    let mut invalid = Invalid::default();
    let title = invalid.check(Name::parse(&new.title).map_err(|e| e.at("title")));
    let description = invalid
        .check(optional_text(
            "description",
            new.description.as_deref(),
            limits::TEXT,
        ))
        .flatten();
    let effect_metric = invalid
        .check(optional_text(
            "effect_metric",
            new.effect_metric.as_deref(),
            limits::NAME,
        ))
        .flatten();
    if new
        .step_number
        .is_some_and(|n| Step::from_number(n).is_none())
    {
        invalid.push(FieldError::new("step_number", "must be 1 to 7"));
    }
    if let Some(t) = new.effect_target {
        invalid.check(cxpm_domain::metric::value("effect_target", t));
    }
    invalid.into_result()?;
    let title = title
        .ok_or_else(|| AppError::internal(&"validated title missing"))?
        .into_inner();
    let owner_id = match &new.owner_id {
        Some(raw) => Some(
            member_of(&ctx.db, "owner_id", raw, &department_id)
                .await?
                .id,
        ),
        None => None,
    };
    let key_point_id = match &new.key_point_id {
        Some(raw) => Some(point_of(ctx, "key_point_id", raw, &plan).await?),
        None => None,
    };
    let effect_key_point_id = match &new.effect_key_point_id {
        Some(raw) => Some(point_of(ctx, "effect_key_point_id", raw, &plan).await?),
        None => None,
    };
    let now = ctx.now();
    let model = action::Model {
        id: new_id(),
        program_id: plan.program_id.clone(),
        plan_id: plan.id.clone(),
        step_number: new.step_number,
        key_point_id,
        title,
        description,
        owner_id,
        department_id,
        due_date: new.due_date,
        status: ActionStatus::Open.into(),
        progress: 0,
        blocked_reason: None,
        effect_key_point_id,
        effect_metric,
        effect_target: new.effect_target,
        effect_by: new.effect_by,
        last_update_at: None,
        version: 1,
        created_at: now,
        updated_at: now,
    };
    let txn = crate::store::begin(&ctx.db).await?;
    versioned::create_in::<action::Entity, _>(&txn, &actor.person_id, now, &model).await?;
    emit(
        &txn,
        &model.program_id,
        WebhookEvent::ActionCreated,
        &model,
        now,
        None,
    )
    .await?;
    txn.commit().await?;
    Ok(model)
}

/// Action `id`.
pub async fn get(ctx: &Ctx, actor: &Actor, id: &str) -> AppResult<action::Model> {
    authorize(actor, Action::ReadPrograms, Target::Anything)?;
    load::<action::Entity>(&ctx.read, "action", id).await
}

/// Changes action `id`: title, description, owner, due date, intended effect.
pub async fn change(
    ctx: &Ctx,
    actor: &Actor,
    id: &str,
    expected: &Expect,
    change: ActionChange,
) -> AppResult<action::Model> {
    let before = load::<action::Entity>(&ctx.db, "action", id).await?;
    authorize(
        actor,
        Action::ManageActions,
        Target::Department(Some(&before.department_id)),
    )?;
    expected.check(before.version)?;
    let mut after = before.clone();
    let mut invalid = Invalid::default();
    if let Some(title) = change
        .title
        .as_deref()
        .and_then(|t| invalid.check(Name::parse(t).map_err(|e| e.at("title"))))
    {
        after.title = title.into_inner();
    }
    change
        .description
        .text(&mut invalid, "description", limits::TEXT)
        .apply(&mut after.description);
    change.due_date.apply(&mut after.due_date);
    change.effect_by.apply(&mut after.effect_by);
    match change.effect_target {
        Patch::Set(t) => {
            if let Some(t) = invalid.check(cxpm_domain::metric::value("effect_target", t)) {
                after.effect_target = Some(t);
            }
        }
        other => other.apply(&mut after.effect_target),
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
    if after == before {
        return Ok(after);
    }
    let now = ctx.now();
    let txn = crate::store::begin(&ctx.db).await?;
    let after =
        versioned::update_in::<action::Entity, _>(&txn, &actor.person_id, now, &before, after)
            .await?;
    emit(
        &txn,
        &after.program_id,
        WebhookEvent::ActionUpdated,
        &after,
        now,
        None,
    )
    .await?;
    txn.commit().await?;
    Ok(after)
}

/// Appends one progress update to action `id` as it stands now and moves the action,
/// in one transaction.
///
/// An update claims no version (there is no If-Match to send): two people posting at
/// once must both land. So the transaction first takes the action's row
/// ([`versioned::lock_in`]) and reads it inside; a concurrent post waits for it.
pub async fn post_update(
    ctx: &Ctx,
    actor: &Actor,
    id: &str,
    new: NewUpdate,
) -> AppResult<(action_update::Model, action::Model)> {
    let db = &ctx.db;
    // Not found and forbidden are answered without taking any lock.
    let seen = load::<action::Entity>(db, "action", id).await?;
    may_post_update(actor, &seen)?;
    let comment = optional_text("comment", new.comment.as_deref(), limits::TEXT)?;
    if new.progress.is_none() && new.status.is_none() && comment.is_none() {
        return Err(
            FieldError::new("body", "an update needs a progress, a status or a comment").into(),
        );
    }
    let txn = crate::store::begin(db).await?;
    let before = versioned::lock_in::<action::Entity, _>(&txn, &seen).await?;
    // The owner may have changed meanwhile; ask again of the row as it is.
    may_post_update(actor, &before)?;
    let current = ActionState {
        status: *before.status,
        progress: before.progress,
        blocked_reason: before.blocked_reason.clone(),
    };
    let next = current
        .apply(new.status, new.progress, new.blocked_reason.map(Some))
        .map_err(|errors| AppError::Invalid(Invalid(errors)))?;
    let now = ctx.now();
    let mut after = before.clone();
    after.status = next.status.into();
    after.progress = next.progress;
    after.blocked_reason = next.blocked_reason;
    after.last_update_at = Some(now);
    let update = action_update::Model {
        id: new_id(),
        action_id: before.id.clone(),
        author_id: actor.person_id.clone(),
        at: now,
        progress: new
            .progress
            .or((next.progress != current.progress).then_some(next.progress)),
        status: (next.status != current.status || new.status.is_some())
            .then(|| next.status.as_str().to_owned()),
        comment,
    };
    let after =
        versioned::update_in::<action::Entity, _>(&txn, &actor.person_id, now, &before, after)
            .await?;
    action_update::Entity::insert(action_update::ActiveModel::from(update.clone()))
        .exec_without_returning(&txn)
        .await?;
    audit::record(
        &txn,
        Some(&actor.person_id),
        now,
        "action_update",
        &update.id,
        audit::Change::Create,
        None::<&()>,
        Some(&update),
    )
    .await?;
    emit(
        &txn,
        &after.program_id,
        WebhookEvent::ActionUpdated,
        &after,
        now,
        None,
    )
    .await?;
    txn.commit().await?;
    Ok((update, after))
}

/// Action `id`'s progress updates, newest first.
pub async fn updates(ctx: &Ctx, actor: &Actor, id: &str) -> AppResult<Vec<action_update::Model>> {
    authorize(actor, Action::ReadPrograms, Target::Anything)?;
    let action = load::<action::Entity>(&ctx.read, "action", id).await?;
    Ok(action_update::Entity::find()
        .filter(action_update::Column::ActionId.eq(&action.id))
        .order_by_desc(action_update::Column::Id)
        .all(&ctx.read)
        .await?)
}

/// The actor's open actions, soonest due first (undated last); overdue by the date
/// in their own time zone.
pub async fn mine(ctx: &Ctx, actor: &Actor) -> AppResult<Vec<Seen>> {
    let me = load::<person::Entity>(&ctx.read, "person", &actor.person_id).await?;
    let tz = TimeZone::parse(&me.time_zone).unwrap_or_default();
    let today = ctx.now().with_timezone(&tz.tz()).date_naive();
    let rows = action::Entity::find()
        .filter(action::Column::OwnerId.eq(&me.id))
        .filter(action::Column::Status.is_in(ActionStatus::open().map(ActionStatus::as_str)))
        .order_by_asc(Expr::col(action::Column::DueDate).is_null())
        .order_by_asc(action::Column::DueDate)
        .order_by_asc(action::Column::Id)
        .all(&ctx.read)
        .await?;
    Ok(rows.into_iter().map(|a| Seen::on(a, today)).collect())
}

/// The actions of department `id`, perhaps only those with `status`, or only those
/// (not) overdue.
pub async fn of_department(
    ctx: &Ctx,
    actor: &Actor,
    id: &str,
    status: Option<ActionStatus>,
    overdue: Option<bool>,
) -> AppResult<Vec<Seen>> {
    authorize(actor, Action::ReadPrograms, Target::Anything)?;
    let dept = load::<department::Entity>(&ctx.read, "department", id).await?;
    let mut select = action::Entity::find().filter(action::Column::DepartmentId.eq(&dept.id));
    if let Some(s) = status {
        select = select.filter(action::Column::Status.eq(s.as_str()));
    }
    let rows = select
        .order_by_asc(Expr::col(action::Column::DueDate).is_null())
        .order_by_asc(action::Column::DueDate)
        .order_by_asc(action::Column::Id)
        .all(&ctx.read)
        .await?;
    let today = ctx.now().date_naive();
    Ok(rows
        .into_iter()
        .map(|a| Seen::on(a, today))
        .filter(|s| overdue.is_none_or(|want| s.overdue == want))
        .collect())
}

/// A key point of the plan's relationship, or an invalid `field`.
async fn point_of(ctx: &Ctx, field: &str, raw: &str, plan: &plan::Model) -> AppResult<String> {
    let point = referenced::<key_point::Entity>(&ctx.db, field, "key point", raw).await?;
    if point.relationship_id != plan.relationship_id {
        return Err(FieldError::new(field, "the key point belongs to another relationship").into());
    }
    Ok(point.id)
}

/// Whether `actor` may post an update on `action`.
pub fn may_post(actor: &Actor, action: &action::Model) -> bool {
    may_post_update(actor, action).is_ok()
}

/// The action's owner, its department's head and coordinators may post on it.
fn may_post_update(actor: &Actor, action: &action::Model) -> AppResult<()> {
    authorize(
        actor,
        Action::PostUpdate,
        Target::Department(Some(&action.department_id)),
    )
    .or_else(|_| {
        authorize(
            actor,
            Action::PostUpdate,
            Target::Person(action.owner_id.as_deref().unwrap_or("")),
        )
    })?;
    Ok(())
}
