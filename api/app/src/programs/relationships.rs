//! Internal-customer relationships ("who is my customer?"): provider → customer, with
//! what is delivered, the person each side names, and the sub-process it serves.

use cxpm_domain::limits;
use cxpm_domain::values::required_text;
use cxpm_domain::{Action, Actor, FieldError, Target, authorize};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Select};

use crate::directory::people::member_of;
use crate::store::{
    department, load, new_id, parse_id, program, relationship, sub_process, unique, versioned,
};
use crate::{AppError, AppResult, Ctx, Expect, Patch};

#[derive(Debug, Clone, Default)]
pub struct NewRelationship {
    pub provider_department_id: String,
    pub customer_department_id: String,
    pub delivers: String,
    pub provider_person_id: Option<String>,
    pub customer_person_id: Option<String>,
    pub sub_process_id: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct RelationshipChange {
    pub delivers: Option<String>,
    pub provider_person_id: Patch<String>,
    pub customer_person_id: Patch<String>,
    pub sub_process_id: Patch<String>,
    pub archived: Option<bool>,
}

/// Which relationships a list holds (ids already read); the filters combine with AND.
#[derive(Debug, Clone, Default)]
pub struct RelationshipFilter {
    pub program_id: Option<String>,
    pub provider_department_id: Option<String>,
    pub customer_department_id: Option<String>,
    pub include_archived: bool,
}

async fn department_named(
    db: &impl ConnectionTrait,
    field: &str,
    raw: &str,
) -> AppResult<department::Model> {
    let id = parse_id(field, raw)?;
    unique(department::Entity::find_by_id(&id), db)
        .await?
        .ok_or_else(|| FieldError::new(field, format!("no department with id `{id}`")).into())
}

pub async fn create(
    ctx: &Ctx,
    actor: &Actor,
    program_id: &str,
    new: NewRelationship,
) -> AppResult<relationship::Model> {
    authorize(actor, Action::ManageRelationships, Target::Anything)?;
    let program = load::<program::Entity>(&ctx.db, "program", program_id).await?;
    let delivers = required_text("delivers", &new.delivers, limits::DELIVERS)?;
    let provider = department_named(
        &ctx.db,
        "provider_department_id",
        &new.provider_department_id,
    )
    .await?;
    let customer = department_named(
        &ctx.db,
        "customer_department_id",
        &new.customer_department_id,
    )
    .await?;
    if provider.id == customer.id {
        return Err(FieldError::new(
            "customer_department_id",
            "a department cannot be its own internal customer",
        )
        .into());
    }
    let provider_person_id = match &new.provider_person_id {
        Some(raw) => Some(
            member_of(&ctx.db, "provider_person_id", raw, &provider.id)
                .await?
                .id,
        ),
        None => None,
    };
    let customer_person_id = match &new.customer_person_id {
        Some(raw) => Some(
            member_of(&ctx.db, "customer_person_id", raw, &customer.id)
                .await?
                .id,
        ),
        None => None,
    };
    let sub_process_id = match &new.sub_process_id {
        Some(raw) => Some(sub_process_of(&ctx.db, raw, &program.id).await?),
        None => None,
    };
    ensure_unique(
        &ctx.db,
        &program.id,
        &provider.id,
        &customer.id,
        &delivers,
        None,
    )
    .await?;
    let now = ctx.now();
    let model = relationship::Model {
        id: new_id(),
        program_id: program.id,
        provider_department_id: provider.id,
        provider_person_id,
        customer_department_id: customer.id,
        customer_person_id,
        delivers,
        sub_process_id,
        archived: false,
        version: 1,
        created_at: now,
        updated_at: now,
    };
    versioned::create::<relationship::Entity>(&ctx.db, &actor.person_id, now, &model).await?;
    Ok(model)
}

/// A program's relationships, oldest first.
pub async fn of_program(
    ctx: &Ctx,
    actor: &Actor,
    program_id: &str,
    filter: RelationshipFilter,
) -> AppResult<Vec<relationship::Model>> {
    authorize(actor, Action::ReadPrograms, Target::Anything)?;
    let program = load::<program::Entity>(&ctx.read, "program", program_id).await?;
    list(
        ctx,
        RelationshipFilter {
            program_id: Some(program.id),
            ..filter
        },
    )
    .await
}

/// Who a department serves (`customers: true`: its internal customers) or who serves
/// it, within a program when `program_id` is given.
pub async fn of_department(
    ctx: &Ctx,
    actor: &Actor,
    department_id: &str,
    customers: bool,
    program_id: Option<String>,
    include_archived: bool,
) -> AppResult<Vec<relationship::Model>> {
    authorize(actor, Action::ReadPrograms, Target::Anything)?;
    let dept = load::<department::Entity>(&ctx.read, "department", department_id).await?;
    let (provider_department_id, customer_department_id) = if customers {
        (Some(dept.id), None)
    } else {
        (None, Some(dept.id))
    };
    list(
        ctx,
        RelationshipFilter {
            program_id,
            provider_department_id,
            customer_department_id,
            include_archived,
        },
    )
    .await
}

async fn list(ctx: &Ctx, filter: RelationshipFilter) -> AppResult<Vec<relationship::Model>> {
    let mut select: Select<relationship::Entity> = relationship::Entity::find();
    if let Some(id) = &filter.program_id {
        select = select.filter(relationship::Column::ProgramId.eq(id));
    }
    if let Some(id) = &filter.provider_department_id {
        select = select.filter(relationship::Column::ProviderDepartmentId.eq(id));
    }
    if let Some(id) = &filter.customer_department_id {
        select = select.filter(relationship::Column::CustomerDepartmentId.eq(id));
    }
    if !filter.include_archived {
        select = select.filter(relationship::Column::Archived.eq(false));
    }
    Ok(select
        .order_by_asc(relationship::Column::Id)
        .all(&ctx.read)
        .await?)
}

pub async fn get(ctx: &Ctx, actor: &Actor, id: &str) -> AppResult<relationship::Model> {
    authorize(actor, Action::ReadPrograms, Target::Anything)?;
    load::<relationship::Entity>(&ctx.read, "relationship", id).await
}

pub async fn change(
    ctx: &Ctx,
    actor: &Actor,
    id: &str,
    expected: &Expect,
    change: RelationshipChange,
) -> AppResult<relationship::Model> {
    authorize(actor, Action::ManageRelationships, Target::Anything)?;
    let before = load::<relationship::Entity>(&ctx.db, "relationship", id).await?;
    expected.check(before.version)?;
    let mut after = before.clone();
    if let Some(text) = &change.delivers {
        after.delivers = required_text("delivers", text, limits::DELIVERS)?;
    }
    match change.provider_person_id {
        Patch::Keep => {}
        Patch::Clear => after.provider_person_id = None,
        Patch::Set(raw) => {
            let person = member_of(
                &ctx.db,
                "provider_person_id",
                &raw,
                &before.provider_department_id,
            )
            .await?;
            after.provider_person_id = Some(person.id)
        }
    }
    match change.customer_person_id {
        Patch::Keep => {}
        Patch::Clear => after.customer_person_id = None,
        Patch::Set(raw) => {
            let person = member_of(
                &ctx.db,
                "customer_person_id",
                &raw,
                &before.customer_department_id,
            )
            .await?;
            after.customer_person_id = Some(person.id)
        }
    }
    match change.sub_process_id {
        Patch::Keep => {}
        Patch::Clear => after.sub_process_id = None,
        Patch::Set(raw) => {
            after.sub_process_id = Some(sub_process_of(&ctx.db, &raw, &before.program_id).await?)
        }
    }
    if let Some(archived) = change.archived {
        after.archived = archived;
    }
    if after.delivers != before.delivers {
        ensure_unique(
            &ctx.db,
            &after.program_id,
            &after.provider_department_id,
            &after.customer_department_id,
            &after.delivers,
            Some(&after.id),
        )
        .await?;
    }
    versioned::update::<relationship::Entity>(&ctx.db, &actor.person_id, ctx.now(), &before, after)
        .await
}

/// Deletes a relationship nothing refers to; one with plans has history (409:
/// archive it instead).
pub async fn remove(ctx: &Ctx, actor: &Actor, id: &str, expected: &Expect) -> AppResult<()> {
    authorize(actor, Action::ManageRelationships, Target::Anything)?;
    let before = load::<relationship::Entity>(&ctx.db, "relationship", id).await?;
    expected.check(before.version)?;
    versioned::delete::<relationship::Entity>(&ctx.db, &actor.person_id, ctx.now(), &before).await
}

async fn sub_process_of(
    db: &impl ConnectionTrait,
    raw: &str,
    program_id: &str,
) -> AppResult<String> {
    let id = parse_id("sub_process_id", raw)?;
    let sub = unique(sub_process::Entity::find_by_id(&id), db)
        .await?
        .ok_or_else(|| {
            FieldError::new("sub_process_id", format!("no sub-process with id `{id}`"))
        })?;
    if sub.program_id != program_id {
        return Err(FieldError::new(
            "sub_process_id",
            "the sub-process belongs to another program",
        )
        .into());
    }
    Ok(sub.id)
}

async fn ensure_unique(
    db: &impl ConnectionTrait,
    program_id: &str,
    provider: &str,
    customer: &str,
    delivers: &str,
    except: Option<&str>,
) -> AppResult<()> {
    let mut select = relationship::Entity::find()
        .filter(relationship::Column::ProgramId.eq(program_id))
        .filter(relationship::Column::ProviderDepartmentId.eq(provider))
        .filter(relationship::Column::CustomerDepartmentId.eq(customer))
        .filter(relationship::Column::Delivers.eq(delivers));
    if let Some(id) = except {
        select = select.filter(relationship::Column::Id.ne(id));
    }
    if unique(select, db).await?.is_some() {
        return Err(AppError::conflict(
            "this relationship already exists in the program",
            Some("delivers"),
        ));
    }
    Ok(())
}
