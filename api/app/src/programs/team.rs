//! A program's team: who sits in it, in which role.

use std::collections::{BTreeMap, HashMap};

use cxpm_domain::program::TeamRole;
use cxpm_domain::{Action, Actor, Target, authorize};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};

use crate::programs::program::active_person;
use crate::store::{department, load, member, new_id, person, program, unique, versioned};
use crate::{AppError, AppResult, Ctx, Expect};

/// A seat and the person in it.
#[derive(Debug, Clone)]
pub struct Seat {
    pub seat: member::Model,
    pub person: person::Model,
}

/// The seats of one department (or of people without one).
#[derive(Debug, Clone)]
pub struct TeamGroup {
    pub department: Option<department::Model>,
    pub seats: Vec<Seat>,
}

/// Seats `person_id` in program `program_id` with `role`.
pub async fn add(
    ctx: &Ctx,
    actor: &Actor,
    program_id: &str,
    person_id: &str,
    role: TeamRole,
) -> AppResult<Seat> {
    authorize(actor, Action::ManagePrograms, Target::Anything)?;
    let program = load::<program::Entity>(&ctx.db, "program", program_id).await?;
    let person = active_person(&ctx.db, "person_id", person_id).await?;
    let taken = unique(
        member::Entity::find()
            .filter(member::Column::ProgramId.eq(&program.id))
            .filter(member::Column::PersonId.eq(&person.id)),
        &ctx.db,
    )
    .await?;
    if taken.is_some() {
        return Err(AppError::conflict(
            "this person is already in the program's team; change their role instead",
            Some("person_id"),
        ));
    }
    let now = ctx.now();
    let seat = member::Model {
        id: new_id(),
        program_id: program.id,
        person_id: person.id.clone(),
        team_role: role.into(),
        version: 1,
        created_at: now,
        updated_at: now,
    };
    versioned::create::<member::Entity>(&ctx.db, &actor.person_id, now, &seat).await?;
    Ok(Seat { seat, person })
}

/// Program `id`'s team: named departments in name order, then people without one.
pub async fn of_program(
    ctx: &Ctx,
    actor: &Actor,
    id: &str,
) -> AppResult<(program::Model, Vec<TeamGroup>)> {
    authorize(actor, Action::ReadPrograms, Target::Anything)?;
    let program = load::<program::Entity>(&ctx.read, "program", id).await?;
    let seats = member::Entity::find()
        .filter(member::Column::ProgramId.eq(&program.id))
        .order_by_asc(member::Column::Id)
        .all(&ctx.read)
        .await?;
    let people = people_by_id(
        &ctx.read,
        seats.iter().map(|s| s.person_id.clone()).collect(),
    )
    .await?;
    let dept_ids: Vec<String> = people
        .values()
        .filter_map(|p| p.department_id.clone())
        .collect();
    let departments: HashMap<String, department::Model> = if dept_ids.is_empty() {
        HashMap::new()
    } else {
        department::Entity::find()
            .filter(department::Column::Id.is_in(dept_ids))
            .all(&ctx.read)
            .await?
            .into_iter()
            .map(|d| (d.id.clone(), d))
            .collect()
    };
    let mut groups: BTreeMap<(bool, String, String), TeamGroup> = BTreeMap::new();
    for seat in seats {
        let person = people
            .get(&seat.person_id)
            .cloned()
            .ok_or_else(|| AppError::internal(&"member without person"))?;
        let dept = person
            .department_id
            .as_ref()
            .and_then(|d| departments.get(d));
        let key = match dept {
            Some(d) => (false, d.name.clone(), d.id.clone()),
            None => (true, String::new(), String::new()),
        };
        let group = groups.entry(key).or_insert_with(|| TeamGroup {
            department: dept.cloned(),
            seats: vec![],
        });
        group.seats.push(Seat { seat, person });
    }
    Ok((program, groups.into_values().collect()))
}

/// Changes seat `id`'s role.
pub async fn change_role(
    ctx: &Ctx,
    actor: &Actor,
    id: &str,
    expected: &Expect,
    role: Option<TeamRole>,
) -> AppResult<Seat> {
    authorize(actor, Action::ManagePrograms, Target::Anything)?;
    let before = load::<member::Entity>(&ctx.db, "member", id).await?;
    expected.check(before.version)?;
    let mut after = before.clone();
    if let Some(role) = role {
        after.team_role = role.into();
    }
    let seat =
        versioned::update::<member::Entity>(&ctx.db, &actor.person_id, ctx.now(), &before, after)
            .await?;
    let person = load::<person::Entity>(&ctx.db, "person", &seat.person_id).await?;
    Ok(Seat { seat, person })
}

/// Removes seat `id`.
pub async fn remove(ctx: &Ctx, actor: &Actor, id: &str, expected: &Expect) -> AppResult<()> {
    authorize(actor, Action::ManagePrograms, Target::Anything)?;
    let before = load::<member::Entity>(&ctx.db, "member", id).await?;
    expected.check(before.version)?;
    versioned::delete::<member::Entity>(&ctx.db, &actor.person_id, ctx.now(), &before).await
}

/// The programs person `id` sits in, each with the seat.
pub async fn of_person(
    ctx: &Ctx,
    actor: &Actor,
    id: &str,
) -> AppResult<Vec<(member::Model, program::Model)>> {
    authorize(actor, Action::ReadPrograms, Target::Anything)?;
    let person = load::<person::Entity>(&ctx.read, "person", id).await?;
    let seats = member::Entity::find()
        .filter(member::Column::PersonId.eq(&person.id))
        .order_by_asc(member::Column::Id)
        .all(&ctx.read)
        .await?;
    let programs: HashMap<String, program::Model> = if seats.is_empty() {
        HashMap::new()
    } else {
        program::Entity::find()
            .filter(program::Column::Id.is_in(seats.iter().map(|s| s.program_id.clone())))
            .all(&ctx.read)
            .await?
            .into_iter()
            .map(|p| (p.id.clone(), p))
            .collect()
    };
    seats
        .into_iter()
        .map(|seat| {
            let program = programs
                .get(&seat.program_id)
                .cloned()
                .ok_or_else(|| AppError::internal(&"member without program"))?;
            Ok((seat, program))
        })
        .collect()
}

/// People by id.
pub async fn people_by_id(
    db: &impl ConnectionTrait,
    ids: Vec<String>,
) -> AppResult<HashMap<String, person::Model>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(person::Entity::find()
        .filter(person::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|p| (p.id.clone(), p))
        .collect())
}
