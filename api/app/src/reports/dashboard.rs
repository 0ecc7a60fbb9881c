//! A program's dashboard, what leadership lands on: the gap report compared with the
//! latest snapshot (when there is one) and the progress report, read together — the
//! page picks severity counts, the worst gaps, the lagging departments with their
//! plans, the maturity phase and what changed since the snapshot.

use cxpm_domain::Actor;
use cxpm_domain::values::Locale;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use super::{GapData, GapOptions, ProgressData, gaps, progress, snapshots};
use crate::store::report_snapshot;
use crate::{AppResult, Ctx};

/// The dashboard's reading.
#[derive(Debug, Clone)]
pub struct Dashboard {
    /// Compared with the latest snapshot, when there is one.
    pub gaps: GapData,
    pub progress: ProgressData,
}

/// Program `id`'s dashboard, names in `reader`'s language.
pub async fn dashboard(ctx: &Ctx, actor: &Actor, id: &str, reader: Locale) -> AppResult<Dashboard> {
    let progress = progress(ctx, actor, id, reader).await?;
    let latest: Option<String> = report_snapshot::Entity::find()
        .select_only()
        .column(report_snapshot::Column::Id)
        .filter(report_snapshot::Column::ProgramId.eq(&progress.program_id))
        .order_by_desc(report_snapshot::Column::Id)
        .into_tuple()
        .one(&ctx.read)
        .await?;
    let since = match latest {
        Some(snapshot) => snapshots::baseline(ctx, actor, id, &snapshot).await?,
        None => None,
    };
    let options = GapOptions {
        since,
        reader: Some(reader),
        ..GapOptions::default()
    };
    let gaps = gaps(ctx, actor, id, options).await?;
    Ok(Dashboard { gaps, progress })
}
