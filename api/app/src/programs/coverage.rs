//! Coverage: what a coordinator checks before go-live — every touchpoint and
//! sub-process owned, every department in the value stream in a relationship.

use std::collections::{BTreeMap, HashMap, HashSet};

use cxpm_domain::{Action, Actor, Target, authorize};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::store::{department, load, owner, program, relationship, stage, sub_process};
use crate::{AppResult, Ctx};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StageRef {
    pub id: String,
    pub name: String,
    pub position: i32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubProcessRef {
    pub id: String,
    pub name: String,
    pub stage_id: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnerRef {
    pub id: String,
    pub sub_process_id: String,
    pub department_id: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DepartmentRef {
    pub id: String,
    pub name: String,
    pub code: String,
}

/// One department's part in the program.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DepartmentCoverage {
    pub department_id: String,
    pub name: String,
    pub code: String,
    /// Sub-processes with a row for this department.
    pub owned_sub_processes: u32,
    /// Touchpoints (customer-facing stages) with a sub-process this department owns.
    pub owned_touchpoints: u32,
    pub relationships_as_provider: u32,
    pub relationships_as_customer: u32,
}

/// Gaps in ownership; empty lists everywhere mean ready for go-live.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Coverage {
    pub program_id: String,
    /// Customer-facing stages where no sub-process has a named owner.
    pub touchpoints_without_owner: Vec<StageRef>,
    /// Sub-processes without any owner row that names a person.
    pub sub_processes_without_owner: Vec<SubProcessRef>,
    /// Owner rows whose department has not named a person yet.
    pub owners_without_person: Vec<OwnerRef>,
    /// Departments that own part of the value stream but serve no internal customer
    /// and are no one's internal customer.
    pub departments_without_relationship: Vec<DepartmentRef>,
    /// Every department that owns a sub-process or is in a relationship, by name.
    pub departments: Vec<DepartmentCoverage>,
    /// Customer-facing stages (touchpoints) in the value stream.
    pub touchpoints: u32,
    /// Ready for go-live: at least one touchpoint, and nothing above is missing.
    pub ready: bool,
}

/// The ownership coverage of program `program_id`.
pub async fn coverage(ctx: &Ctx, actor: &Actor, program_id: &str) -> AppResult<Coverage> {
    authorize(actor, Action::ReadPrograms, Target::Anything)?;
    let program = load::<program::Entity>(&ctx.read, "program", program_id).await?;
    coverage_of(ctx, &program).await
}

/// The live value stream of a program: its stages, sub-processes and owner rows,
/// archived ones (and those under archived ones) left out.
struct Stream {
    stages: Vec<stage::Model>,
    subs: Vec<sub_process::Model>,
    owners: Vec<owner::Model>,
}

impl Stream {
    async fn read(ctx: &Ctx, program: &program::Model) -> AppResult<Self> {
        let stages = stage::Entity::find()
            .filter(stage::Column::ProgramId.eq(&program.id))
            .filter(stage::Column::Archived.eq(false))
            .order_by_asc(stage::Column::Position)
            .all(&ctx.read)
            .await?;
        let live_stages: HashSet<&str> = stages.iter().map(|s| s.id.as_str()).collect();
        let subs: Vec<sub_process::Model> = sub_process::Entity::find()
            .filter(sub_process::Column::ProgramId.eq(&program.id))
            .filter(sub_process::Column::Archived.eq(false))
            .order_by_asc(sub_process::Column::Position)
            .all(&ctx.read)
            .await?
            .into_iter()
            .filter(|s| live_stages.contains(s.stage_id.as_str()))
            .collect();
        let live_subs: HashSet<&str> = subs.iter().map(|s| s.id.as_str()).collect();
        let owners: Vec<owner::Model> = owner::Entity::find()
            .filter(owner::Column::ProgramId.eq(&program.id))
            .order_by_asc(owner::Column::Id)
            .all(&ctx.read)
            .await?
            .into_iter()
            .filter(|o| live_subs.contains(o.sub_process_id.as_str()))
            .collect();
        Ok(Self {
            stages,
            subs,
            owners,
        })
    }
}

/// Per department: sub-processes and touchpoints owned (a row, named or not),
/// relationships on each side.
#[derive(Default)]
struct Counts<'a> {
    subs: HashSet<&'a str>,
    touchpoints: HashSet<&'a str>,
    provider: u32,
    customer: u32,
}

/// Relationships counted per department on one side, by the database.
async fn per_side(
    ctx: &Ctx,
    program: &program::Model,
    side: relationship::Column,
) -> AppResult<Vec<(String, i64)>> {
    Ok(relationship::Entity::find()
        .select_only()
        .column(side)
        .column_as(relationship::Column::Id.count(), "n")
        .filter(relationship::Column::ProgramId.eq(&program.id))
        .filter(relationship::Column::Archived.eq(false))
        .group_by(side)
        .into_tuple::<(String, i64)>()
        .all(&ctx.read)
        .await?)
}

async fn department_counts(
    ctx: &Ctx,
    program: &program::Model,
    stream: &Stream,
) -> AppResult<Vec<DepartmentCoverage>> {
    let as_provider = per_side(ctx, program, relationship::Column::ProviderDepartmentId).await?;
    let as_customer = per_side(ctx, program, relationship::Column::CustomerDepartmentId).await?;
    let live_stages: HashMap<&str, &stage::Model> =
        stream.stages.iter().map(|s| (s.id.as_str(), s)).collect();
    let live_subs: HashMap<&str, &sub_process::Model> =
        stream.subs.iter().map(|s| (s.id.as_str(), s)).collect();
    let mut counts: BTreeMap<&str, Counts> = BTreeMap::new();
    for o in &stream.owners {
        let c = counts.entry(o.department_id.as_str()).or_default();
        c.subs.insert(o.sub_process_id.as_str());
        if let Some(sub) = live_subs.get(o.sub_process_id.as_str())
            && let Some(stage) = live_stages.get(sub.stage_id.as_str())
            && stage.customer_facing
        {
            c.touchpoints.insert(stage.id.as_str());
        }
    }
    for (department, n) in &as_provider {
        counts.entry(department.as_str()).or_default().provider += *n as u32;
    }
    for (department, n) in &as_customer {
        counts.entry(department.as_str()).or_default().customer += *n as u32;
    }
    let departments: HashMap<String, department::Model> = if counts.is_empty() {
        HashMap::new()
    } else {
        department::Entity::find()
            .filter(department::Column::Id.is_in(counts.keys().map(|k| k.to_string())))
            .all(&ctx.read)
            .await?
            .into_iter()
            .map(|d| (d.id.clone(), d))
            .collect()
    };
    let mut per_department: Vec<DepartmentCoverage> = counts
        .iter()
        .filter_map(|(id, c)| {
            departments.get(*id).map(|d| DepartmentCoverage {
                department_id: d.id.clone(),
                name: d.name.clone(),
                code: d.code.clone(),
                owned_sub_processes: c.subs.len() as u32,
                owned_touchpoints: c.touchpoints.len() as u32,
                relationships_as_provider: c.provider,
                relationships_as_customer: c.customer,
            })
        })
        .collect();
    per_department.sort_by(|a, b| {
        a.name
            .cmp(&b.name)
            .then(a.department_id.cmp(&b.department_id))
    });
    Ok(per_department)
}

/// The coverage of `program`: also the ownership section of the progress report.
pub async fn coverage_of(ctx: &Ctx, program: &program::Model) -> AppResult<Coverage> {
    let stream = Stream::read(ctx, program).await?;
    let per_department = department_counts(ctx, program, &stream).await?;
    let (touchpoints_without_owner, sub_processes_without_owner) = unowned(&stream);
    let owners_without_person: Vec<OwnerRef> = stream
        .owners
        .iter()
        .filter(|o| o.person_id.is_none())
        .map(|o| OwnerRef {
            id: o.id.clone(),
            sub_process_id: o.sub_process_id.clone(),
            department_id: o.department_id.clone(),
        })
        .collect();
    let departments_without_relationship: Vec<DepartmentRef> = per_department
        .iter()
        .filter(|d| {
            d.owned_sub_processes > 0
                && d.relationships_as_provider == 0
                && d.relationships_as_customer == 0
        })
        .map(|d| DepartmentRef {
            id: d.department_id.clone(),
            name: d.name.clone(),
            code: d.code.clone(),
        })
        .collect();
    let counts = cxpm_domain::program::CoverageCounts {
        touchpoints: stream.stages.iter().filter(|s| s.customer_facing).count(),
        touchpoints_without_owner: touchpoints_without_owner.len(),
        sub_processes_without_owner: sub_processes_without_owner.len(),
        owners_without_person: owners_without_person.len(),
        departments_without_relationship: departments_without_relationship.len(),
    };
    Ok(Coverage {
        program_id: program.id.clone(),
        touchpoints_without_owner,
        sub_processes_without_owner,
        owners_without_person,
        departments_without_relationship,
        departments: per_department,
        touchpoints: counts.touchpoints as u32,
        ready: counts.ready(),
    })
}

/// Touchpoints where no sub-process has a named owner, and sub-processes without any
/// owner row that names a person.
fn unowned(stream: &Stream) -> (Vec<StageRef>, Vec<SubProcessRef>) {
    let named_subs: HashSet<&str> = stream
        .owners
        .iter()
        .filter(|o| o.person_id.is_some())
        .map(|o| o.sub_process_id.as_str())
        .collect();
    let owned_stages: HashSet<&str> = stream
        .subs
        .iter()
        .filter(|s| named_subs.contains(s.id.as_str()))
        .map(|s| s.stage_id.as_str())
        .collect();
    let touchpoints: Vec<StageRef> = stream
        .stages
        .iter()
        .filter(|s| s.customer_facing && !owned_stages.contains(s.id.as_str()))
        .map(|s| StageRef {
            id: s.id.clone(),
            name: s.name.clone(),
            position: s.position,
        })
        .collect();
    let sub_processes: Vec<SubProcessRef> = stream
        .subs
        .iter()
        .filter(|s| !named_subs.contains(s.id.as_str()))
        .map(|s| SubProcessRef {
            id: s.id.clone(),
            name: s.name.clone(),
            stage_id: s.stage_id.clone(),
        })
        .collect();
    (touchpoints, sub_processes)
}
