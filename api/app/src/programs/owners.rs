//! Owner rows: which departments own a sub-process, each with its responsibility and
//! the person it names. Coordinators assign departments; a department's head names
//! its person.

use cxpm_domain::limits;
use cxpm_domain::values::required_text;
use cxpm_domain::{Action, Actor, FieldError, Target, authorize};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

use crate::directory::people::member_of;
use crate::store::{department, load, new_id, owner, parse_id, sub_process, unique, versioned};
use crate::{AppError, AppResult, Ctx, Expect, Patch};

/// A department to assign to a sub-process.
#[derive(Debug, Clone)]
pub struct NewOwner {
    pub department_id: String,
    /// A member of that department.
    pub person_id: Option<String>,
    pub responsibility: String,
}

/// What to change in an owner row.
#[derive(Debug, Clone, Default)]
pub struct OwnerChange {
    /// A coordinator's to change.
    pub responsibility: Option<String>,
    /// The department's head (or a coordinator) names the person.
    pub person_id: Patch<String>,
}

pub async fn create(
    ctx: &Ctx,
    actor: &Actor,
    sub_process_id: &str,
    new: NewOwner,
) -> AppResult<owner::Model> {
    authorize(actor, Action::ManageOwners, Target::Anything)?;
    let sub = load::<sub_process::Entity>(&ctx.db, "sub_process", sub_process_id).await?;
    let responsibility = required_text("responsibility", &new.responsibility, limits::REASON)?;
    let dept_id = parse_id("department_id", &new.department_id)?;
    let dept = unique(department::Entity::find_by_id(&dept_id), &ctx.db)
        .await?
        .ok_or_else(|| {
            FieldError::new(
                "department_id",
                format!("no department with id `{dept_id}`"),
            )
        })?;
    let person_id = match &new.person_id {
        Some(raw) => Some(member_of(&ctx.db, "person_id", raw, &dept.id).await?.id),
        None => None,
    };
    let taken = unique(
        owner::Entity::find()
            .filter(owner::Column::SubProcessId.eq(&sub.id))
            .filter(owner::Column::DepartmentId.eq(&dept.id)),
        &ctx.db,
    )
    .await?;
    if taken.is_some() {
        return Err(AppError::conflict(
            "this department already has a row for this sub-process; change that row instead",
            Some("department_id"),
        ));
    }
    let now = ctx.now();
    let model = owner::Model {
        id: new_id(),
        program_id: sub.program_id,
        sub_process_id: sub.id,
        department_id: dept.id,
        person_id,
        responsibility,
        version: 1,
        created_at: now,
        updated_at: now,
    };
    versioned::create::<owner::Entity>(&ctx.db, &actor.person_id, now, &model).await?;
    Ok(model)
}

/// A sub-process's owner rows, oldest first.
pub async fn list(ctx: &Ctx, actor: &Actor, sub_process_id: &str) -> AppResult<Vec<owner::Model>> {
    authorize(actor, Action::ReadPrograms, Target::Anything)?;
    let sub = load::<sub_process::Entity>(&ctx.read, "sub_process", sub_process_id).await?;
    Ok(owner::Entity::find()
        .filter(owner::Column::SubProcessId.eq(&sub.id))
        .order_by_asc(owner::Column::Id)
        .all(&ctx.read)
        .await?)
}

pub async fn get(ctx: &Ctx, actor: &Actor, id: &str) -> AppResult<owner::Model> {
    authorize(actor, Action::ReadPrograms, Target::Anything)?;
    load::<owner::Entity>(&ctx.read, "owner", id).await
}

pub async fn change(
    ctx: &Ctx,
    actor: &Actor,
    id: &str,
    expected: &Expect,
    change: OwnerChange,
) -> AppResult<owner::Model> {
    let before = load::<owner::Entity>(&ctx.db, "owner", id).await?;
    if change.responsibility.is_some() {
        authorize(actor, Action::ManageOwners, Target::Anything)?;
    }
    authorize(
        actor,
        Action::NameOwner,
        Target::Department(Some(&before.department_id)),
    )?;
    expected.check(before.version)?;
    let mut after = before.clone();
    if let Some(text) = &change.responsibility {
        after.responsibility = required_text("responsibility", text, limits::REASON)?;
    }
    match change.person_id {
        Patch::Keep => {}
        Patch::Clear => after.person_id = None,
        Patch::Set(raw) => {
            after.person_id = Some(
                member_of(&ctx.db, "person_id", &raw, &before.department_id)
                    .await?
                    .id,
            )
        }
    }
    versioned::update::<owner::Entity>(&ctx.db, &actor.person_id, ctx.now(), &before, after).await
}

pub async fn remove(ctx: &Ctx, actor: &Actor, id: &str, expected: &Expect) -> AppResult<()> {
    authorize(actor, Action::ManageOwners, Target::Anything)?;
    let before = load::<owner::Entity>(&ctx.db, "owner", id).await?;
    expected.check(before.version)?;
    versioned::delete::<owner::Entity>(&ctx.db, &actor.person_id, ctx.now(), &before).await
}
