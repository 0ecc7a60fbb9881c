//! The history of the worst lines, period by period, for the gap report's trend
//! chart.

use std::collections::HashMap;

use chrono::NaiveDate;
use cxpm_domain::gap::{self, Direction, Severity};
use cxpm_domain::{Action, Actor, Target, authorize};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use super::direction_of;
use super::gaps::{GapKind, GapLine};
use super::queries;
use crate::store::metric;
use crate::{AppResult, Ctx};

/// How many periods a trend follows.
pub const HISTORY: usize = 6;

/// One period of a line's history.
#[derive(Debug, Clone)]
pub struct PeriodGap {
    pub period_start: NaiveDate,
    pub gap: f64,
    pub relative_gap: Option<f64>,
}

/// The last [`HISTORY`] periods of the `count` worst open `lines` (worst first, as
/// the gap report ranks them): (the line's name, its gap per period). Periods judged
/// only up to `until`, as the report was.
pub async fn trend_histories(
    ctx: &Ctx,
    actor: &Actor,
    lines: &[GapLine],
    count: usize,
    until: Option<NaiveDate>,
) -> AppResult<Vec<(String, Vec<PeriodGap>)>> {
    authorize(actor, Action::ReadPrograms, Target::Anything)?;
    let worst: Vec<&GapLine> = lines
        .iter()
        .filter(|l| l.severity > Severity::Met)
        .take(count)
        .collect();
    let ids = |kind: GapKind| -> Vec<String> {
        worst
            .iter()
            .filter(|l| l.kind == kind)
            .map(|l| l.id.clone())
            .collect()
    };
    let mut histories = point_histories(ctx, &ids(GapKind::KeyPoint), until).await?;
    histories.extend(metric_histories(ctx, &ids(GapKind::Metric), until).await?);
    Ok(worst
        .iter()
        .map(|l| {
            // The same key point name stands on several relationships: the legend says
            // whose line it is.
            let name = match &l.department_name {
                Some(department) => format!("{} — {department}", l.name),
                None => l.name.clone(),
            };
            (name, histories.remove(l.id.as_str()).unwrap_or_default())
        })
        .collect())
}

async fn point_histories(
    ctx: &Ctx,
    point_ids: &[String],
    until: Option<NaiveDate>,
) -> AppResult<HashMap<String, Vec<PeriodGap>>> {
    let mut histories: HashMap<String, Vec<PeriodGap>> = HashMap::new();
    if point_ids.is_empty() {
        return Ok(histories);
    }
    for p in queries::point_periods(&ctx.read, point_ids, HISTORY, until).await? {
        if point_ids.contains(&p.key_point_id) {
            let g = gap::survey_gap(p.expected, p.actual);
            histories
                .entry(p.key_point_id)
                .or_default()
                .push(PeriodGap {
                    period_start: p.period_start,
                    gap: g,
                    relative_gap: gap::relative_gap(g, p.expected),
                });
        }
    }
    Ok(histories)
}

async fn metric_histories(
    ctx: &Ctx,
    metric_ids: &[String],
    until: Option<NaiveDate>,
) -> AppResult<HashMap<String, Vec<PeriodGap>>> {
    let mut histories: HashMap<String, Vec<PeriodGap>> = HashMap::new();
    if metric_ids.is_empty() {
        return Ok(histories);
    }
    let directions: HashMap<String, (Direction, f64)> = metric::Entity::find()
        .filter(metric::Column::Id.is_in(metric_ids.to_vec()))
        .all(&ctx.read)
        .await?
        .into_iter()
        .map(|m| (m.id, (direction_of(&m.direction), m.target)))
        .collect();
    for p in queries::metric_periods(&ctx.read, metric_ids, HISTORY, until).await? {
        let (true, Some((direction, target))) = (
            metric_ids.contains(&p.metric_id),
            directions.get(&p.metric_id),
        ) else {
            continue;
        };
        let g = gap::metric_gap(*direction, *target, p.value);
        histories.entry(p.metric_id).or_default().push(PeriodGap {
            period_start: p.period_start,
            gap: g,
            relative_gap: gap::relative_gap(g, *target),
        });
    }
    Ok(histories)
}
