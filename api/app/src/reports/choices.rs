//! What a report page offers to filter by, in one call: the program's departments in
//! its value stream or relationships, its stages, and its latest snapshots; and
//! whether the reader may save one.

use cxpm_domain::{Action, Actor, Target, authorize};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::programs::coverage::coverage_of;
use crate::store::{department, load, program, report_snapshot, stage};
use crate::{AppResult, Ctx};

/// How many of the latest snapshots a report page offers to compare with.
pub const SNAPSHOTS: u64 = 50;

#[derive(Debug, Clone)]
pub struct ReportChoices {
    pub program: program::Model,
    /// The departments with a part in the program, by name.
    pub departments: Vec<department::Model>,
    /// Its stages in order.
    pub stages: Vec<stage::Model>,
    /// Its latest snapshots, newest first: id, label, when.
    pub snapshots: Vec<(String, String, chrono::DateTime<chrono::Utc>)>,
    pub may_snapshot: bool,
}

/// The choices of program `program_id`'s report pages.
pub async fn choices(ctx: &Ctx, actor: &Actor, program_id: &str) -> AppResult<ReportChoices> {
    authorize(actor, Action::ReadPrograms, Target::Anything)?;
    let program = load::<program::Entity>(&ctx.read, "program", program_id).await?;
    let coverage = coverage_of(ctx, &program).await?;
    let ids: Vec<String> = coverage
        .departments
        .iter()
        .map(|d| d.department_id.clone())
        .collect();
    let departments = department::Entity::find()
        .filter(department::Column::Id.is_in(ids))
        .order_by_asc(department::Column::Name)
        .all(&ctx.read)
        .await?;
    let stages = stage::Entity::find()
        .filter(stage::Column::ProgramId.eq(&program.id))
        .filter(stage::Column::Archived.eq(false))
        .order_by_asc(stage::Column::Position)
        .all(&ctx.read)
        .await?;
    let snapshots = report_snapshot::Entity::find()
        .select_only()
        .columns([
            report_snapshot::Column::Id,
            report_snapshot::Column::Label,
            report_snapshot::Column::CreatedAt,
        ])
        .filter(report_snapshot::Column::ProgramId.eq(&program.id))
        .order_by_desc(report_snapshot::Column::Id)
        .limit(SNAPSHOTS)
        .into_tuple::<(String, String, chrono::DateTime<chrono::Utc>)>()
        .all(&ctx.read)
        .await?;
    Ok(ReportChoices {
        program,
        departments,
        stages,
        snapshots,
        may_snapshot: authorize(actor, Action::SaveSnapshots, Target::Anything).is_ok(),
    })
}
