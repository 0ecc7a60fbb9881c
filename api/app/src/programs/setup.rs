//! What a coordinator's set-up pages read, each in one call and a fixed number of
//! queries: the value stream as a tree (stages → sub-processes → owner rows) with the
//! departments and people to assign and the coverage beside it; and who serves whom,
//! the relationships as a provider × customer matrix with each one's key points,
//! worst current gap and plans.

use std::collections::HashMap;

use cxpm_domain::gap::Severity;
use cxpm_domain::{Action, Actor, Target, authorize};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

use crate::programs::coverage::{Coverage, coverage_of};
use crate::reports::full_gap_report;
use crate::store::{
    department, key_point, load, owner, person, plan, program, relationship, stage, sub_process,
};
use crate::{AppResult, Ctx};

/// A sub-process and its owner rows (oldest first).
#[derive(Debug, Clone)]
pub struct SubNode {
    pub sub: sub_process::Model,
    pub owners: Vec<owner::Model>,
}

/// A stage and its sub-processes, in order.
#[derive(Debug, Clone)]
pub struct StageNode {
    pub stage: stage::Model,
    pub subs: Vec<SubNode>,
}

/// The value-stream editor's page.
#[derive(Debug, Clone)]
pub struct ValueStreamView {
    pub program: program::Model,
    pub stages: Vec<StageNode>,
    /// Active departments, by name: what may own a sub-process.
    pub departments: Vec<department::Model>,
    /// Active people, by name: who may be named on an owner row (a member of its
    /// department).
    pub people: Vec<person::Model>,
    pub coverage: Coverage,
    /// May the reader change the stages and sub-processes?
    pub may_edit: bool,
    /// May the reader add and change owner rows?
    pub may_own: bool,
}

/// Program `program_id`'s value stream, for its editor.
pub async fn value_stream(
    ctx: &Ctx,
    actor: &Actor,
    program_id: &str,
) -> AppResult<ValueStreamView> {
    authorize(actor, Action::ReadPrograms, Target::Anything)?;
    let program = load::<program::Entity>(&ctx.read, "program", program_id).await?;
    let stages = stage::Entity::find()
        .filter(stage::Column::ProgramId.eq(&program.id))
        .filter(stage::Column::Archived.eq(false))
        .order_by_asc(stage::Column::Position)
        .all(&ctx.read)
        .await?;
    let subs = sub_process::Entity::find()
        .filter(sub_process::Column::ProgramId.eq(&program.id))
        .filter(sub_process::Column::Archived.eq(false))
        .order_by_asc(sub_process::Column::Position)
        .all(&ctx.read)
        .await?;
    let owners = owner::Entity::find()
        .filter(owner::Column::ProgramId.eq(&program.id))
        .order_by_asc(owner::Column::Id)
        .all(&ctx.read)
        .await?;
    let (departments, people) = directory(ctx).await?;
    let coverage = coverage_of(ctx, &program).await?;
    let mut owners_of: HashMap<String, Vec<owner::Model>> = HashMap::new();
    for o in owners {
        owners_of
            .entry(o.sub_process_id.clone())
            .or_default()
            .push(o);
    }
    let mut subs_of: HashMap<String, Vec<SubNode>> = HashMap::new();
    for sub in subs {
        let owners = owners_of.remove(&sub.id).unwrap_or_default();
        subs_of
            .entry(sub.stage_id.clone())
            .or_default()
            .push(SubNode { sub, owners });
    }
    let stages = stages
        .into_iter()
        .map(|stage| StageNode {
            subs: subs_of.remove(&stage.id).unwrap_or_default(),
            stage,
        })
        .collect();
    Ok(ValueStreamView {
        program,
        stages,
        departments,
        people,
        coverage,
        may_edit: authorize(actor, Action::ManageValueStream, Target::Anything).is_ok(),
        may_own: authorize(actor, Action::ManageOwners, Target::Anything).is_ok(),
    })
}

/// The active departments and people, each by name.
async fn directory(ctx: &Ctx) -> AppResult<(Vec<department::Model>, Vec<person::Model>)> {
    let departments = department::Entity::find()
        .filter(department::Column::Active.eq(true))
        .order_by_asc(department::Column::Name)
        .all(&ctx.read)
        .await?;
    let people = person::Entity::find()
        .filter(person::Column::Active.eq(true))
        .order_by_asc(person::Column::Name)
        .all(&ctx.read)
        .await?;
    Ok((departments, people))
}

/// One relationship as a cell of the matrix shows it.
#[derive(Debug, Clone)]
pub struct Cell {
    pub relationship: relationship::Model,
    pub key_points: usize,
    /// The worst severity among its key points' latest gaps; none when unmeasured.
    pub worst: Option<Severity>,
    /// Its plans, newest first.
    pub plans: Vec<plan::Model>,
}

/// Who serves whom in a program.
#[derive(Debug, Clone)]
pub struct Matrix {
    pub program: program::Model,
    /// The departments in a relationship (the rows and columns), by name.
    pub departments: Vec<department::Model>,
    /// Every active department, by name: what a new relationship may join.
    pub all_departments: Vec<department::Model>,
    pub cells: Vec<Cell>,
    /// May the reader add and retire relationships?
    pub may_edit: bool,
}

/// Program `program_id`'s relationships as a provider × customer matrix.
pub async fn matrix(ctx: &Ctx, actor: &Actor, program_id: &str) -> AppResult<Matrix> {
    authorize(actor, Action::ReadPrograms, Target::Anything)?;
    let program = load::<program::Entity>(&ctx.read, "program", program_id).await?;
    let relationships = relationship::Entity::find()
        .filter(relationship::Column::ProgramId.eq(&program.id))
        .filter(relationship::Column::Archived.eq(false))
        .order_by_asc(relationship::Column::Id)
        .all(&ctx.read)
        .await?;
    let key_points = key_point::Entity::find()
        .filter(key_point::Column::ProgramId.eq(&program.id))
        .filter(key_point::Column::Archived.eq(false))
        .all(&ctx.read)
        .await?;
    let plans = plan::Entity::find()
        .filter(plan::Column::ProgramId.eq(&program.id))
        .order_by_desc(plan::Column::Id)
        .all(&ctx.read)
        .await?;
    let gaps = full_gap_report(ctx, &program).await?;
    let (all_departments, _) = directory(ctx).await?;
    let mut worst: HashMap<&str, Severity> = HashMap::new();
    for line in &gaps.lines {
        if let Some(r) = line.relationship_id.as_deref() {
            let w = worst.entry(r).or_insert(line.severity);
            *w = (*w).max(line.severity);
        }
    }
    let cells: Vec<Cell> = relationships
        .into_iter()
        .map(|r| Cell {
            key_points: key_points
                .iter()
                .filter(|k| k.relationship_id == r.id)
                .count(),
            worst: worst.get(r.id.as_str()).copied(),
            plans: plans
                .iter()
                .filter(|p| p.relationship_id == r.id)
                .cloned()
                .collect(),
            relationship: r,
        })
        .collect();
    let departments = all_departments
        .iter()
        .filter(|d| {
            cells.iter().any(|c| {
                c.relationship.provider_department_id == d.id
                    || c.relationship.customer_department_id == d.id
            })
        })
        .cloned()
        .collect();
    Ok(Matrix {
        program,
        departments,
        all_departments,
        cells,
        may_edit: authorize(actor, Action::ManageRelationships, Target::Anything).is_ok(),
    })
}
