//! Operational metrics on touchpoints and sub-processes, and their readings —
//! recorded by hand or pushed by other systems (ERP, CRM, service desk).

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use cxpm_domain::gap::Direction;
use cxpm_domain::limits;
use cxpm_domain::metric::{METRIC_TEMPLATES, MetricTemplate, is_stale};
use cxpm_domain::values::{Name, optional_text, required_text};
use cxpm_domain::{Action, Actor, FieldError, Invalid, Target, authorize};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::store::{
    append_in, department, load, metric, new_id, program, reading, referenced, stage, sub_process,
    summaries, unique, versioned,
};
use crate::{AppError, AppResult, Ctx, Expect, Patch};

/// A new metric on a stage or a sub-process of a program.
#[derive(Debug, Clone)]
pub struct NewMetric {
    /// Exactly one of `stage_id` and `sub_process_id`.
    pub stage_id: Option<String>,
    pub sub_process_id: Option<String>,
    /// Default: none (the sub-process's or touchpoint's owner).
    pub department_id: Option<String>,
    pub name: String,
    pub unit: String,
    pub direction: Direction,
    pub target: f64,
    pub source: Option<String>,
    /// Default 30.
    pub update_every_days: Option<i32>,
}

/// What to change in a metric: only the fields given.
#[derive(Debug, Clone, Default)]
pub struct MetricChange {
    pub name: Option<String>,
    /// Cleared: back to the sub-process's or touchpoint's owner.
    pub department_id: Patch<String>,
    pub target: Option<f64>,
    pub source: Patch<String>,
    pub update_every_days: Option<i32>,
    pub archived: Option<bool>,
}

/// A metric with whether anybody is still feeding it.
#[derive(Debug, Clone)]
pub struct MetricStatus {
    pub metric: metric::Model,
    pub last_reading_at: Option<DateTime<Utc>>,
    pub stale: bool,
}

/// A reading to record.
#[derive(Debug, Clone)]
pub struct NewReading {
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub value: f64,
    pub sample_size: Option<i32>,
    pub note: Option<String>,
    /// The pushing system's own id: the same id again records nothing new.
    pub external_id: Option<String>,
}

/// What recording a reading did.
#[derive(Debug, Clone)]
pub enum Recorded {
    /// A new reading.
    New(reading::Model),
    /// The reading first recorded under this external id; nothing new was written.
    Existing(reading::Model),
}

/// The suggested metrics for a touchpoint.
pub fn templates(actor: &Actor) -> AppResult<&'static [MetricTemplate]> {
    authorize(actor, Action::ReadPrograms, Target::Anything)?;
    Ok(&METRIC_TEMPLATES)
}

/// Defines a metric on a stage or sub-process of program `program_id`.
pub async fn create(
    ctx: &Ctx,
    actor: &Actor,
    program_id: &str,
    new: NewMetric,
) -> AppResult<metric::Model> {
    authorize(actor, Action::ManageMetrics, Target::Anything)?;
    let program = load::<program::Entity>(&ctx.db, "program", program_id).await?;
    let mut invalid = Invalid::default();
    let name = invalid.check(Name::parse(&new.name));
    let unit = invalid.check(required_text("unit", &new.unit, limits::CODE));
    let source = invalid
        .check(optional_text("source", new.source.as_deref(), limits::NAME))
        .flatten();
    invalid.check(cxpm_domain::metric::target("target", new.target));
    let every = new.update_every_days.unwrap_or(30);
    check_every(&mut invalid, every);
    if new.stage_id.is_some() == new.sub_process_id.is_some() {
        invalid.push(FieldError::new(
            "stage_id",
            "give exactly one of stage_id and sub_process_id",
        ));
    }
    invalid.into_result()?;
    let (Some(name), Some(unit)) = (name, unit) else {
        return Err(AppError::internal(&"validated fields missing"));
    };
    let (stage_id, sub_process_id) = measured_part(ctx, &program, &new).await?;
    let department_id = match &new.department_id {
        Some(raw) => Some(department_of(ctx, raw).await?),
        None => None,
    };
    let now = ctx.now();
    let model = metric::Model {
        id: new_id(),
        program_id: program.id,
        stage_id,
        sub_process_id,
        department_id,
        name: name.into_inner(),
        unit,
        direction: new.direction.as_str().to_owned(),
        target: new.target,
        source,
        update_every_days: every,
        archived: false,
        version: 1,
        created_at: now,
        updated_at: now,
    };
    versioned::create::<metric::Entity>(&ctx.db, &actor.person_id, now, &model).await?;
    Ok(model)
}

/// Program `program_id`'s metrics (archived ones too, when asked for), each with when
/// it last got a reading and whether it is stale by now.
pub async fn list(
    ctx: &Ctx,
    actor: &Actor,
    program_id: &str,
    include_archived: bool,
) -> AppResult<Vec<MetricStatus>> {
    authorize(actor, Action::ReadPrograms, Target::Anything)?;
    let program = load::<program::Entity>(&ctx.read, "program", program_id).await?;
    let mut select = metric::Entity::find().filter(metric::Column::ProgramId.eq(&program.id));
    if !include_archived {
        select = select.filter(metric::Column::Archived.eq(false));
    }
    let metrics = select
        .order_by_asc(metric::Column::Id)
        .all(&ctx.read)
        .await?;
    let ids: Vec<String> = metrics.iter().map(|m| m.id.clone()).collect();
    let last: HashMap<String, DateTime<Utc>> =
        crate::reports::queries::last_readings_of(&ctx.read, &ids)
            .await?
            .into_iter()
            .filter_map(|r| Some((r.metric_id, r.at?)))
            .collect();
    let now = ctx.now();
    Ok(metrics
        .into_iter()
        .map(|m| {
            let last_reading_at = last.get(&m.id).copied();
            let stale = is_stale(
                last_reading_at,
                m.created_at,
                m.update_every_days.max(1) as u32,
                now,
            );
            MetricStatus {
                metric: m,
                last_reading_at,
                stale,
            }
        })
        .collect())
}

/// Metric `id`.
pub async fn get(ctx: &Ctx, actor: &Actor, id: &str) -> AppResult<metric::Model> {
    authorize(actor, Action::ReadPrograms, Target::Anything)?;
    load::<metric::Entity>(&ctx.read, "metric", id).await
}

/// Changes or archives metric `id`.
pub async fn change(
    ctx: &Ctx,
    actor: &Actor,
    id: &str,
    expected: &Expect,
    change: MetricChange,
) -> AppResult<metric::Model> {
    authorize(actor, Action::ManageMetrics, Target::Anything)?;
    let before = load::<metric::Entity>(&ctx.db, "metric", id).await?;
    expected.check(before.version)?;
    let mut after = before.clone();
    let mut invalid = Invalid::default();
    if let Some(name) = change
        .name
        .as_deref()
        .and_then(|n| invalid.check(Name::parse(n)))
    {
        after.name = name.into_inner();
    }
    if let Some(t) = change
        .target
        .and_then(|t| invalid.check(cxpm_domain::metric::target("target", t)))
    {
        after.target = t;
    }
    change
        .source
        .text(&mut invalid, "source", limits::NAME)
        .apply(&mut after.source);
    if let Some(d) = change.update_every_days
        && check_every(&mut invalid, d)
    {
        after.update_every_days = d;
    }
    invalid.into_result()?;
    match change.department_id {
        Patch::Keep => {}
        Patch::Clear => after.department_id = None,
        Patch::Set(raw) => after.department_id = Some(department_of(ctx, &raw).await?),
    }
    if let Some(archived) = change.archived {
        after.archived = archived;
    }
    versioned::update::<metric::Entity>(&ctx.db, &actor.person_id, ctx.now(), &before, after).await
}

/// Records a reading of metric `id`, with its audit entry and its period's running
/// sums. With an external id the push is idempotent: the same id again answers the
/// reading first recorded, and counts once.
pub async fn record(ctx: &Ctx, actor: &Actor, id: &str, new: NewReading) -> AppResult<Recorded> {
    authorize(actor, Action::RecordReadings, Target::Anything)?;
    let metric = load::<metric::Entity>(&ctx.db, "metric", id).await?;
    let mut invalid = Invalid::default();
    invalid.check(cxpm_domain::metric::value("value", new.value));
    if new.period_end < new.period_start {
        invalid.push(FieldError::new(
            "period_end",
            "must not be before period_start",
        ));
    }
    if new.sample_size.is_some_and(|n| n < 1) {
        invalid.push(FieldError::new("sample_size", "must be at least 1"));
    }
    let note = invalid
        .check(optional_text("note", new.note.as_deref(), limits::TEXT))
        .flatten();
    let external_id = invalid
        .check(optional_text(
            "external_id",
            new.external_id.as_deref(),
            limits::NAME,
        ))
        .flatten();
    invalid.into_result()?;
    if let Some(existing) = find_external(ctx, &metric.id, external_id.as_deref()).await? {
        return Ok(Recorded::Existing(existing));
    }
    let model = reading::Model {
        id: new_id(),
        metric_id: metric.id.clone(),
        period_start: new.period_start,
        period_end: new.period_end,
        value: new.value,
        sample_size: new.sample_size,
        note,
        external_id: external_id.clone(),
        recorded_by: actor.person_id.clone(),
        recorded_at: ctx.now(),
    };
    // The reading, its audit entry and its period's running sums, together.
    let saved = async {
        let txn = crate::store::begin(&ctx.db).await?;
        append_in::<reading::Entity, _>(
            &txn,
            &actor.person_id,
            ctx.now(),
            "reading",
            &model.id,
            &model,
        )
        .await?;
        summaries::add_reading(&txn, &model).await?;
        crate::hooks::events::emit(
            &txn,
            &metric.program_id,
            cxpm_domain::hooks::WebhookEvent::ReadingRecorded,
            &model,
            model.recorded_at,
            None,
        )
        .await?;
        txn.commit().await
    };
    match saved.await {
        Ok(()) => Ok(Recorded::New(model)),
        // Two pushes of the same id at once: the loser answers with the winner's row.
        Err(e)
            if matches!(
                e.sql_err(),
                Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
            ) =>
        {
            let existing = find_external(ctx, &metric.id, external_id.as_deref())
                .await?
                .ok_or_else(|| AppError::from(e))?;
            Ok(Recorded::Existing(existing))
        }
        Err(e) => Err(e.into()),
    }
}

/// Metric `id`'s readings, newest period first.
pub async fn readings(ctx: &Ctx, actor: &Actor, id: &str) -> AppResult<Vec<reading::Model>> {
    authorize(actor, Action::ReadPrograms, Target::Anything)?;
    let metric = load::<metric::Entity>(&ctx.read, "metric", id).await?;
    Ok(reading::Entity::find()
        .filter(reading::Column::MetricId.eq(&metric.id))
        .order_by_desc(reading::Column::PeriodStart)
        .order_by_desc(reading::Column::Id)
        .all(&ctx.read)
        .await?)
}

/// Whether `days` is a reading interval (1 to 366 days); an invalid one is recorded.
fn check_every(invalid: &mut Invalid, days: i32) -> bool {
    let ok = (1..=366).contains(&days);
    if !ok {
        invalid.push(FieldError::new("update_every_days", "must be 1 to 366"));
    }
    ok
}

/// The stage or sub-process of `program` a new metric measures.
async fn measured_part(
    ctx: &Ctx,
    program: &program::Model,
    new: &NewMetric,
) -> AppResult<(Option<String>, Option<String>)> {
    match (&new.stage_id, &new.sub_process_id) {
        (Some(raw), _) => {
            let s = referenced::<stage::Entity>(&ctx.db, "stage_id", "stage", raw).await?;
            if s.program_id != program.id {
                return Err(
                    FieldError::new("stage_id", "the stage belongs to another program").into(),
                );
            }
            Ok((Some(s.id), None))
        }
        (None, Some(raw)) => {
            let s =
                referenced::<sub_process::Entity>(&ctx.db, "sub_process_id", "sub-process", raw)
                    .await?;
            if s.program_id != program.id {
                return Err(FieldError::new(
                    "sub_process_id",
                    "the sub-process belongs to another program",
                )
                .into());
            }
            Ok((None, Some(s.id)))
        }
        (None, None) => Err(AppError::internal(&"validated target missing")),
    }
}

/// The department a `department_id` field names.
async fn department_of(ctx: &Ctx, raw: &str) -> AppResult<String> {
    Ok(
        referenced::<department::Entity>(&ctx.db, "department_id", "department", raw)
            .await?
            .id,
    )
}

/// The reading of metric `metric_id` recorded under `external_id`, if any.
async fn find_external(
    ctx: &Ctx,
    metric_id: &str,
    external_id: Option<&str>,
) -> AppResult<Option<reading::Model>> {
    let Some(external_id) = external_id else {
        return Ok(None);
    };
    Ok(unique(
        reading::Entity::find()
            .filter(reading::Column::MetricId.eq(metric_id))
            .filter(reading::Column::ExternalId.eq(external_id)),
        &ctx.db,
    )
    .await?)
}

/// A metric on the metrics page: its status and its readings, oldest period first.
#[derive(Debug, Clone)]
pub struct MetricHistory {
    pub status: MetricStatus,
    pub readings: Vec<reading::Model>,
}

/// The metrics page of a program.
#[derive(Debug, Clone)]
pub struct MetricsView {
    pub program: program::Model,
    pub metrics: Vec<MetricHistory>,
    /// Its stages in order, to put a new metric on.
    pub stages: Vec<crate::store::stage::Model>,
    pub may_manage: bool,
    pub may_record: bool,
}

/// How many periods of a metric's history its page draws.
pub const HISTORY: usize = 24;

/// Program `program_id`'s metrics, and the history of the one in `focus` (of the
/// only one, when there is one): the readings of every metric of a large program are
/// hundreds of thousands of rows, and a page draws one chart at a time.
pub async fn page(
    ctx: &Ctx,
    actor: &Actor,
    program_id: &str,
    focus: Option<&str>,
) -> AppResult<MetricsView> {
    use crate::store::stage;
    let statuses = list(ctx, actor, program_id, false).await?;
    let program = load::<program::Entity>(&ctx.read, "program", program_id).await?;
    let focus = match (focus, statuses.as_slice()) {
        (Some(f), _) => statuses.iter().find(|s| s.metric.id == f),
        (None, [only]) => Some(only),
        _ => None,
    };
    let mut by_metric: HashMap<String, Vec<reading::Model>> = HashMap::new();
    if let Some(f) = focus {
        // The newest periods first, then drawn oldest first.
        let mut rows = reading::Entity::find()
            .filter(reading::Column::MetricId.eq(&f.metric.id))
            .order_by_desc(reading::Column::PeriodStart)
            .order_by_desc(reading::Column::Id)
            .limit(HISTORY as u64)
            .all(&ctx.read)
            .await?;
        rows.reverse();
        by_metric.insert(f.metric.id.clone(), rows);
    }
    let metrics = statuses
        .into_iter()
        .map(|status| {
            let mut readings = by_metric.remove(&status.metric.id).unwrap_or_default();
            let skip = readings.len().saturating_sub(HISTORY);
            readings.drain(..skip);
            MetricHistory { status, readings }
        })
        .collect();
    let stages = stage::Entity::find()
        .filter(stage::Column::ProgramId.eq(&program.id))
        .filter(stage::Column::Archived.eq(false))
        .order_by_asc(stage::Column::Position)
        .all(&ctx.read)
        .await?;
    Ok(MetricsView {
        program,
        metrics,
        stages,
        may_manage: authorize(actor, Action::ManageMetrics, Target::Anything).is_ok(),
        may_record: authorize(actor, Action::RecordReadings, Target::Anything).is_ok(),
    })
}
