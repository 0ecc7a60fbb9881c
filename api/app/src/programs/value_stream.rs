//! The value stream: stages (touchpoints when customer-facing) and their
//! sub-processes — adding, reading, renaming, moving, archiving, deleting.
//!
//! Positions are 1..n among the non-archived stages of a program (and among the
//! non-archived sub-processes of a stage). Every change of order — a create, a move,
//! an archive — first bumps the program's `stage_order` counter: that write takes
//! the program's row lock on PostgreSQL and the write lock on SQLite, so reorders of
//! one program run one after another and positions stay dense and unique.

use std::collections::BTreeMap;

use cxpm_domain::limits;
use cxpm_domain::value_stream::{dense, place, reorder};
use cxpm_domain::values::optional_text;
use cxpm_domain::{Action, Actor, FieldError, Invalid, Target, authorize};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder,
};

use crate::names::{names, rename};
use crate::store::{load, new_id, program, stage, sub_process, versioned};
use crate::{AppError, AppResult, Ctx, Expect, Patch};

/// A new stage or sub-process: its name (and the name in other languages), a
/// description (a stage's) or goal (a sub-process's), and where it goes (default:
/// last).
#[derive(Debug, Clone, Default)]
pub struct NewPart {
    pub name: String,
    pub name_translations: Option<BTreeMap<String, String>>,
    pub text: Option<String>,
    pub customer_facing: bool,
    pub position: Option<u32>,
}

/// What to change in a stage or sub-process: only the fields given.
#[derive(Debug, Clone, Default)]
pub struct PartChange {
    pub name: Option<String>,
    pub name_translations: Option<BTreeMap<String, String>>,
    /// A stage's description, a sub-process's goal.
    pub text: Patch<String>,
    /// Stages only.
    pub customer_facing: Option<bool>,
    pub position: Option<u32>,
    pub archived: Option<bool>,
}

/// Adds a stage to program `program_id`'s value stream.
pub async fn add_stage(
    ctx: &Ctx,
    actor: &Actor,
    program_id: &str,
    new: NewPart,
) -> AppResult<stage::Model> {
    authorize(actor, Action::ManageValueStream, Target::Anything)?;
    let program = load::<program::Entity>(&ctx.db, "program", program_id).await?;
    let (name, names) = names(&new.name, new.name_translations.as_ref())?;
    let description = optional_text("description", new.text.as_deref(), limits::TEXT)?;
    let now = ctx.now();
    let mut model = stage::Model {
        id: new_id(),
        program_id: program.id.clone(),
        template_key: None,
        name,
        name_translations: names,
        description,
        customer_facing: new.customer_facing,
        position: 0,
        archived: false,
        version: 1,
        created_at: now,
        updated_at: now,
    };
    let txn = lock_order(ctx, &program.id).await?;
    let order = ids(&stage_order(&txn, &program.id).await?, |s| &s.id);
    model.position = order.len() as i32 + 1;
    versioned::create_in::<stage::Entity, _>(&txn, &actor.person_id, now, &model).await?;
    if let Some(p) = placed(order, &model.id, new.position) {
        write_stage_positions(&txn, &p.1).await?;
        model.position = p.0.unwrap_or(model.position);
    }
    txn.commit().await?;
    Ok(model)
}

/// Program `program_id`'s stages in order (archived ones after, when asked for).
pub async fn stages(
    ctx: &Ctx,
    actor: &Actor,
    program_id: &str,
    include_archived: bool,
) -> AppResult<Vec<stage::Model>> {
    authorize(actor, Action::ReadPrograms, Target::Anything)?;
    let program = load::<program::Entity>(&ctx.read, "program", program_id).await?;
    let mut select = stage::Entity::find().filter(stage::Column::ProgramId.eq(&program.id));
    if !include_archived {
        select = select.filter(stage::Column::Archived.eq(false));
    }
    Ok(select
        .order_by_asc(stage::Column::Archived)
        .order_by_asc(stage::Column::Position)
        .order_by_asc(stage::Column::Id)
        .all(&ctx.read)
        .await?)
}

/// Stage `id`.
pub async fn stage(ctx: &Ctx, actor: &Actor, id: &str) -> AppResult<stage::Model> {
    authorize(actor, Action::ReadPrograms, Target::Anything)?;
    load::<stage::Entity>(&ctx.read, "stage", id).await
}

/// Renames, moves or archives stage `id`.
pub async fn change_stage(
    ctx: &Ctx,
    actor: &Actor,
    id: &str,
    expected: &Expect,
    change: PartChange,
) -> AppResult<stage::Model> {
    authorize(actor, Action::ManageValueStream, Target::Anything)?;
    let before = load::<stage::Entity>(&ctx.db, "stage", id).await?;
    expected.check(before.version)?;
    let mut after = before.clone();
    let mut invalid = Invalid::default();
    rename(
        &mut invalid,
        change.name.as_deref(),
        change.name_translations.as_ref(),
        &mut after.name,
        &mut after.name_translations,
    );
    change
        .text
        .text(&mut invalid, "description", limits::TEXT)
        .apply(&mut after.description);
    if let Some(v) = change.customer_facing {
        after.customer_facing = v;
    }
    invalid.into_result()?;
    if let Some(archived) = change.archived {
        after.archived = archived;
    }
    if change.position.is_some() && after.archived {
        return Err(FieldError::new(
            "position",
            "an archived stage has no position; unarchive it to place it",
        )
        .into());
    }
    let txn = lock_order(ctx, &before.program_id).await?;
    let order = ids(&stage_order(&txn, &before.program_id).await?, |s| &s.id);
    let moves = moved(
        order,
        &before.id,
        before.position,
        before.archived,
        after.archived,
        change.position,
    );
    after.position = moves.0;
    write_stage_positions(&txn, &moves.1).await?;
    let after =
        versioned::update_in::<stage::Entity, _>(&txn, &actor.person_id, ctx.now(), &before, after)
            .await?;
    txn.commit().await?;
    Ok(after)
}

/// Deletes stage `id`, which must have no sub-processes (one that has them has a
/// history: archive it instead).
pub async fn delete_stage(ctx: &Ctx, actor: &Actor, id: &str, expected: &Expect) -> AppResult<()> {
    authorize(actor, Action::ManageValueStream, Target::Anything)?;
    let before = load::<stage::Entity>(&ctx.db, "stage", id).await?;
    expected.check(before.version)?;
    let children = sub_process::Entity::find()
        .filter(sub_process::Column::StageId.eq(&before.id))
        .count(&ctx.db)
        .await?;
    if children > 0 {
        return Err(AppError::conflict(
            format!(
                "the stage has {children} sub-process(es) and so a history; archive it instead (PATCH archived: true)"
            ),
            None,
        ));
    }
    let txn = lock_order(ctx, &before.program_id).await?;
    versioned::delete_in::<stage::Entity, _>(&txn, &actor.person_id, ctx.now(), &before).await?;
    let order = ids(&stage_order(&txn, &before.program_id).await?, |s| &s.id);
    write_stage_positions(&txn, &dense(&order)).await?;
    txn.commit().await?;
    Ok(())
}

/// Adds a sub-process to stage `stage_id`.
pub async fn add_sub_process(
    ctx: &Ctx,
    actor: &Actor,
    stage_id: &str,
    new: NewPart,
) -> AppResult<sub_process::Model> {
    authorize(actor, Action::ManageValueStream, Target::Anything)?;
    let stage = load::<stage::Entity>(&ctx.db, "stage", stage_id).await?;
    let (name, names) = names(&new.name, new.name_translations.as_ref())?;
    let goal = optional_text("goal", new.text.as_deref(), limits::TEXT)?;
    let now = ctx.now();
    let mut model = sub_process::Model {
        id: new_id(),
        program_id: stage.program_id.clone(),
        stage_id: stage.id.clone(),
        template_key: None,
        name,
        name_translations: names,
        goal,
        position: 0,
        archived: false,
        version: 1,
        created_at: now,
        updated_at: now,
    };
    let txn = lock_order(ctx, &stage.program_id).await?;
    let order = ids(&sub_process_order(&txn, &stage.id).await?, |s| &s.id);
    model.position = order.len() as i32 + 1;
    versioned::create_in::<sub_process::Entity, _>(&txn, &actor.person_id, now, &model).await?;
    if let Some(p) = placed(order, &model.id, new.position) {
        write_sub_process_positions(&txn, &p.1).await?;
        model.position = p.0.unwrap_or(model.position);
    }
    txn.commit().await?;
    Ok(model)
}

/// Stage `stage_id`'s sub-processes in order (archived ones after, when asked for).
pub async fn sub_processes(
    ctx: &Ctx,
    actor: &Actor,
    stage_id: &str,
    include_archived: bool,
) -> AppResult<Vec<sub_process::Model>> {
    authorize(actor, Action::ReadPrograms, Target::Anything)?;
    let stage = load::<stage::Entity>(&ctx.read, "stage", stage_id).await?;
    let mut select = sub_process::Entity::find().filter(sub_process::Column::StageId.eq(&stage.id));
    if !include_archived {
        select = select.filter(sub_process::Column::Archived.eq(false));
    }
    Ok(select
        .order_by_asc(sub_process::Column::Archived)
        .order_by_asc(sub_process::Column::Position)
        .order_by_asc(sub_process::Column::Id)
        .all(&ctx.read)
        .await?)
}

/// Sub-process `id`.
pub async fn sub_process(ctx: &Ctx, actor: &Actor, id: &str) -> AppResult<sub_process::Model> {
    authorize(actor, Action::ReadPrograms, Target::Anything)?;
    load::<sub_process::Entity>(&ctx.read, "sub_process", id).await
}

/// Renames, moves or archives sub-process `id`.
pub async fn change_sub_process(
    ctx: &Ctx,
    actor: &Actor,
    id: &str,
    expected: &Expect,
    change: PartChange,
) -> AppResult<sub_process::Model> {
    authorize(actor, Action::ManageValueStream, Target::Anything)?;
    let before = load::<sub_process::Entity>(&ctx.db, "sub_process", id).await?;
    expected.check(before.version)?;
    let mut after = before.clone();
    let mut invalid = Invalid::default();
    rename(
        &mut invalid,
        change.name.as_deref(),
        change.name_translations.as_ref(),
        &mut after.name,
        &mut after.name_translations,
    );
    change
        .text
        .text(&mut invalid, "goal", limits::TEXT)
        .apply(&mut after.goal);
    invalid.into_result()?;
    if let Some(archived) = change.archived {
        after.archived = archived;
    }
    if change.position.is_some() && after.archived {
        return Err(FieldError::new(
            "position",
            "an archived sub-process has no position; unarchive it to place it",
        )
        .into());
    }
    let txn = lock_order(ctx, &before.program_id).await?;
    let order = ids(&sub_process_order(&txn, &before.stage_id).await?, |s| &s.id);
    let moves = moved(
        order,
        &before.id,
        before.position,
        before.archived,
        after.archived,
        change.position,
    );
    after.position = moves.0;
    write_sub_process_positions(&txn, &moves.1).await?;
    let after = versioned::update_in::<sub_process::Entity, _>(
        &txn,
        &actor.person_id,
        ctx.now(),
        &before,
        after,
    )
    .await?;
    txn.commit().await?;
    Ok(after)
}

/// Moves of rows to positions.
type Moves = Vec<(String, i32)>;

fn ids<T>(rows: &[T], id: impl Fn(&T) -> &String) -> Vec<String> {
    rows.iter().map(|r| id(r).clone()).collect()
}

/// Where a new row appended to `order` goes when asked for `position`: its position
/// and every move, or nothing to move.
fn placed(mut order: Vec<String>, id: &str, position: Option<u32>) -> Option<(Option<i32>, Moves)> {
    order.push(id.to_owned());
    let moves = reorder(&order, &id.to_owned(), position? as usize)?;
    let mine = moves.iter().find(|(m, _)| m == id).map(|(_, p)| *p);
    Some((mine, moves))
}

/// The position of a changed row and every move, itself included: what the row said
/// was read outside the lock and may already be stale.
fn moved(
    order: Vec<String>,
    id: &str,
    position: i32,
    was_archived: bool,
    archived: bool,
    to: Option<u32>,
) -> (i32, Moves) {
    let others: Vec<String> = order.into_iter().filter(|s| s != id).collect();
    let (position, mut moves) = place(
        &others,
        &id.to_owned(),
        position,
        was_archived,
        archived,
        to.map(|p| p as usize),
    );
    moves.push((id.to_owned(), position));
    (position, moves)
}

/// Opens a transaction whose first write bumps the program's order counter, so
/// that changes to the order of one program's stages and sub-processes run one at
/// a time on both databases.
pub(crate) async fn lock_order(ctx: &Ctx, program_id: &str) -> AppResult<DatabaseTransaction> {
    let txn = crate::store::begin(&ctx.db).await?;
    program::Entity::update_many()
        .col_expr(
            program::Column::StageOrder,
            sea_orm::sea_query::ExprTrait::add(Expr::col(program::Column::StageOrder), 1),
        )
        .filter(program::Column::Id.eq(program_id))
        .exec(&txn)
        .await?;
    Ok(txn)
}

pub(crate) async fn stage_order(
    conn: &impl ConnectionTrait,
    program_id: &str,
) -> AppResult<Vec<stage::Model>> {
    Ok(stage::Entity::find()
        .filter(stage::Column::ProgramId.eq(program_id))
        .filter(stage::Column::Archived.eq(false))
        .order_by_asc(stage::Column::Position)
        .order_by_asc(stage::Column::Id)
        .all(conn)
        .await?)
}

pub(crate) async fn sub_process_order(
    conn: &impl ConnectionTrait,
    stage_id: &str,
) -> AppResult<Vec<sub_process::Model>> {
    Ok(sub_process::Entity::find()
        .filter(sub_process::Column::StageId.eq(stage_id))
        .filter(sub_process::Column::Archived.eq(false))
        .order_by_asc(sub_process::Column::Position)
        .order_by_asc(sub_process::Column::Id)
        .all(conn)
        .await?)
}

/// Positions are the order, not an edit of the row: they move without a new version.
async fn write_stage_positions(
    txn: &DatabaseTransaction,
    moves: &[(String, i32)],
) -> AppResult<()> {
    for (id, position) in moves {
        stage::Entity::update_many()
            .col_expr(stage::Column::Position, Expr::value(*position))
            .filter(stage::Column::Id.eq(id))
            .filter(stage::Column::Position.ne(*position))
            .exec(txn)
            .await?;
    }
    Ok(())
}

async fn write_sub_process_positions(
    txn: &DatabaseTransaction,
    moves: &[(String, i32)],
) -> AppResult<()> {
    for (id, position) in moves {
        sub_process::Entity::update_many()
            .col_expr(sub_process::Column::Position, Expr::value(*position))
            .filter(sub_process::Column::Id.eq(id))
            .filter(sub_process::Column::Position.ne(*position))
            .exec(txn)
            .await?;
    }
    Ok(())
}
