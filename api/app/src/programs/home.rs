//! What a program's pages read: the list of programs, and a program's home — its
//! team, value stream, coverage, reminders and feedback rounds at a glance — in one
//! call each, decided by the permission table as the API decides.

use cxpm_domain::{Action, Actor, Target, authorize};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

use crate::feedback::{self, Summary};
use crate::programs::coverage::{Coverage, coverage_of};
use crate::programs::team::{self, TeamGroup};
use crate::store::{program, schedule, stage, sub_process};
use crate::{AppResult, Ctx};

/// A stage of the value stream and how many sub-processes it has.
#[derive(Debug, Clone)]
pub struct StageLine {
    pub stage: stage::Model,
    pub sub_processes: usize,
}

/// A program's home page.
#[derive(Debug, Clone)]
pub struct ProgramHome {
    pub program: program::Model,
    pub team: Vec<TeamGroup>,
    pub stages: Vec<StageLine>,
    pub coverage: Coverage,
    pub schedules: Vec<schedule::Model>,
    /// The latest feedback rounds, newest first.
    pub rounds: Vec<Summary>,
    /// May the reader change the program (its status, its team)?
    pub may_manage: bool,
}

/// How many rounds the home page lists.
const ROUNDS: usize = 5;

/// Every program, newest first, and whether the reader may create one.
pub async fn programs(ctx: &Ctx, actor: &Actor) -> AppResult<(Vec<program::Model>, bool)> {
    authorize(actor, Action::ReadPrograms, Target::Anything)?;
    let rows = program::Entity::find()
        .order_by_desc(program::Column::Id)
        .all(&ctx.read)
        .await?;
    let may_create = authorize(actor, Action::ManagePrograms, Target::Anything).is_ok();
    Ok((rows, may_create))
}

/// Program `id`'s home page.
pub async fn home(ctx: &Ctx, actor: &Actor, id: &str) -> AppResult<ProgramHome> {
    let (program, team) = team::of_program(ctx, actor, id).await?;
    let stages = stage::Entity::find()
        .filter(stage::Column::ProgramId.eq(&program.id))
        .filter(stage::Column::Archived.eq(false))
        .order_by_asc(stage::Column::Position)
        .all(&ctx.read)
        .await?;
    let subs = sub_process::Entity::find()
        .filter(sub_process::Column::ProgramId.eq(&program.id))
        .filter(sub_process::Column::Archived.eq(false))
        .all(&ctx.read)
        .await?;
    let stages = stages
        .into_iter()
        .map(|stage| StageLine {
            sub_processes: subs.iter().filter(|s| s.stage_id == stage.id).count(),
            stage,
        })
        .collect();
    let coverage = coverage_of(ctx, &program).await?;
    let schedules = schedule::Entity::find()
        .filter(schedule::Column::ProgramId.eq(&program.id))
        .order_by_asc(schedule::Column::Id)
        .all(&ctx.read)
        .await?;
    let mut rounds = feedback::rounds::list(ctx, actor, &program.id).await?;
    rounds.truncate(ROUNDS);
    let may_manage = authorize(actor, Action::ManagePrograms, Target::Anything).is_ok();
    Ok(ProgramHome {
        program,
        team,
        stages,
        coverage,
        schedules,
        rounds,
        may_manage,
    })
}

/// A program's team page: its seats by department, and the active people not seated
/// yet (by name), whom a coordinator may add.
#[derive(Debug, Clone)]
pub struct TeamView {
    pub program: program::Model,
    pub team: Vec<TeamGroup>,
    pub unseated: Vec<crate::store::person::Model>,
    /// Departments by id, for the unseated people's names.
    pub departments: Vec<crate::store::department::Model>,
    pub may_manage: bool,
}

/// Program `id`'s team page.
pub async fn team_page(ctx: &Ctx, actor: &Actor, id: &str) -> AppResult<TeamView> {
    use crate::store::{department, person};
    let (program, team) = team::of_program(ctx, actor, id).await?;
    let seated: std::collections::HashSet<&str> = team
        .iter()
        .flat_map(|g| g.seats.iter().map(|s| s.person.id.as_str()))
        .collect();
    let unseated = person::Entity::find()
        .filter(person::Column::Active.eq(true))
        .order_by_asc(person::Column::Name)
        .all(&ctx.read)
        .await?
        .into_iter()
        .filter(|p| !seated.contains(p.id.as_str()))
        .collect();
    let departments = department::Entity::find().all(&ctx.read).await?;
    let may_manage = authorize(actor, Action::ManagePrograms, Target::Anything).is_ok();
    Ok(TeamView {
        program,
        team,
        unseated,
        departments,
        may_manage,
    })
}
