//! `cxpm demo`: a realistic program written into the database, for demos
//! (`Size::Small`, to click through in Swagger UI) and benchmarks (`Size::Large`).
//!
//! Every row is made by the use cases' own constructors and checks — people of
//! parsed names and emails, the program with its default scale and thresholds, the
//! industrial template's stages, plans with their checked cadence and the cycle's
//! steps, each step settled only when the step rules allow it, action states by
//! `ActionState::apply`, measurements checked against the program's scale — but it
//! writes in bulk, in one transaction, and leaves one audit entry for the whole demo
//! instead of one per row.

mod org;
mod plans;
mod program;
mod readings;

use std::fmt;

use chrono::{Datelike, NaiveDate};
use rand::SeedableRng;
use rand::rngs::StdRng;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, PaginatorTrait,
    QueryFilter,
};

use crate::store::audit::{self, Change};
use crate::store::{department, summaries};
use crate::{AppError, AppResult, Ctx};

/// Rows per multi-row INSERT: well under SQLite's and PostgreSQL's bound-parameter limits.
const CHUNK: usize = 500;

/// How big a demo organisation to build.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Size {
    Small,
    Large,
}

/// The size of the organisation and how much history it has.
struct Shape {
    departments: usize,
    people_per_department: usize,
    sub_processes_per_stage: usize,
    relationships: usize,
    points_per_relationship: usize,
    periods: usize,
    measurements_per_period: usize,
    plans: usize,
    actions_per_plan: usize,
    metrics: usize,
    readings_per_metric: usize,
}

const SMALL: Shape = Shape {
    departments: 10,
    people_per_department: 3,
    sub_processes_per_stage: 1,
    relationships: 12,
    points_per_relationship: 2,
    periods: 6,
    measurements_per_period: 3,
    plans: 6,
    actions_per_plan: 5,
    metrics: 5,
    readings_per_metric: 6,
};

/// 2 000 relationships × 2 points × 6 months × 30 responses = 360 000 measurements,
/// 200 metrics × 700 daily readings = 140 000 readings; 2 000 plans × 7 steps = 14 000
/// steps; 2 000 plans × 25 = 50 000 actions.
const LARGE: Shape = Shape {
    departments: 50,
    people_per_department: 40,
    sub_processes_per_stage: 5,
    relationships: 2000,
    points_per_relationship: 2,
    periods: 6,
    measurements_per_period: 15,
    plans: 2000,
    actions_per_plan: 25,
    metrics: 200,
    readings_per_metric: 700,
};

/// What the demo wrote.
#[derive(Debug, Default)]
pub struct Built {
    pub program_id: String,
    /// A token for the demo's CX coordinator, so a newcomer can sign in at once.
    pub coordinator_token: String,
    pub departments: usize,
    pub people: usize,
    pub relationships: usize,
    pub key_points: usize,
    pub measurements: usize,
    pub plans: usize,
    pub steps: usize,
    pub actions: usize,
    pub metrics: usize,
    pub readings: usize,
}

impl fmt::Display for Built {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "demo program {}", self.program_id)?;
        writeln!(
            f,
            "the CX coordinator's access token, shown only now: {}",
            self.coordinator_token
        )?;
        write!(
            f,
            "{} departments, {} people, {} relationships, {} key points, {} measurements, \
             {} plans, {} steps, {} actions, {} metrics, {} readings",
            self.departments,
            self.people,
            self.relationships,
            self.key_points,
            self.measurements,
            self.plans,
            self.steps,
            self.actions,
            self.metrics,
            self.readings
        )
    }
}

/// What every part of the build works from: the shape, the seeded randomness, the
/// time it runs at.
struct Run {
    size: Size,
    shape: &'static Shape,
    seed: u64,
    rng: StdRng,
    now: chrono::DateTime<chrono::Utc>,
}

impl Run {
    fn today(&self) -> NaiveDate {
        self.now.date_naive()
    }
}

/// Builds the demo program. Fails without writing anything when the demo's
/// department codes are taken (a demo is already in this database).
pub async fn build(ctx: &Ctx, size: Size, seed: u64) -> AppResult<Built> {
    let shape = match size {
        Size::Small => &SMALL,
        Size::Large => &LARGE,
    };
    let mut run = Run {
        size,
        shape,
        seed,
        rng: StdRng::seed_from_u64(seed),
        now: ctx.now(),
    };
    let departments = org::departments(&run)?;
    refuse_a_second_demo(ctx, &departments).await?;
    let txn = crate::store::begin(&ctx.db).await?;
    let mut built = Built::default();
    let org = org::write(&txn, &run, departments, &mut built).await?;
    let program = program::write(&txn, &mut run, &org, &mut built).await?;
    readings::measurements(&txn, &mut run, &org, &program, &mut built).await?;
    plans::write(&txn, &mut run, &org, &program, &mut built).await?;
    readings::metrics(&txn, &mut run, &org, &program, &mut built).await?;
    summaries::rebuild_program(&txn, &program.program.id).await?;
    record(&txn, &run, &built).await?;
    txn.commit().await?;
    settle(ctx).await?;
    Ok(built)
}

/// A demo's department codes already taken: a demo is already in this database.
async fn refuse_a_second_demo(ctx: &Ctx, departments: &[department::Model]) -> AppResult<()> {
    let taken = department::Entity::find()
        .filter(department::Column::Code.is_in(departments.iter().map(|d| d.code.clone())))
        .count(&ctx.db)
        .await?;
    if taken > 0 {
        return Err(AppError::conflict(
            format!(
                "this database already holds a demo (department code {} exists); use a fresh database",
                departments[0].code
            ),
            None,
        ));
    }
    Ok(())
}

/// The one audit entry of the whole demo.
async fn record(txn: &impl ConnectionTrait, run: &Run, built: &Built) -> AppResult<()> {
    audit::record(
        txn,
        None,
        run.now,
        "demo",
        &built.program_id,
        Change::Import,
        None::<&()>,
        Some(&serde_json::json!({
            "size": format!("{:?}", run.size).to_lowercase(),
            "seed": run.seed,
            "program_id": built.program_id,
            "departments": built.departments,
            "people": built.people,
            "relationships": built.relationships,
            "measurements": built.measurements,
            "actions": built.actions,
            "readings": built.readings,
        })),
    )
    .await?;
    Ok(())
}

/// Fresh statistics for the planner after a bulk load (and, on PostgreSQL, the
/// visibility map that lets it read from an index alone), as autovacuum would leave
/// them.
async fn settle(ctx: &Ctx) -> AppResult<()> {
    let settle = match ctx.db.get_database_backend() {
        sea_orm::DbBackend::Postgres => "VACUUM ANALYZE",
        _ => "ANALYZE",
    };
    ctx.db.execute_unprepared(settle).await?;
    Ok(())
}

/// Inserts `models` in chunks.
async fn insert<M, A, C>(conn: &C, models: Vec<M>) -> AppResult<()>
where
    M: IntoActiveModel<A>,
    A: ActiveModelTrait + Send,
    C: ConnectionTrait,
{
    let mut rows = models
        .into_iter()
        .map(IntoActiveModel::into_active_model)
        .peekable();
    while rows.peek().is_some() {
        let batch: Vec<A> = rows.by_ref().take(CHUNK).collect();
        A::Entity::insert_many(batch)
            .exec_without_returning(conn)
            .await?;
    }
    Ok(())
}

/// The first day of the month `back` months before `day`'s month.
fn month_start(day: NaiveDate, back: u32) -> NaiveDate {
    let months = day.year() * 12 + day.month0() as i32 - back as i32;
    NaiveDate::from_ymd_opt(months.div_euclid(12), months.rem_euclid(12) as u32 + 1, 1)
        .unwrap_or(day)
}

fn month_end(start: NaiveDate) -> NaiveDate {
    month_start(start, 0)
        .checked_add_months(chrono::Months::new(1))
        .and_then(|d| d.pred_opt())
        .unwrap_or(start)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_step_back_across_years() {
        let d = NaiveDate::from_ymd_opt(2026, 2, 17).unwrap_or_default();
        assert_eq!(
            month_start(d, 0),
            NaiveDate::from_ymd_opt(2026, 2, 1).unwrap_or_default()
        );
        assert_eq!(
            month_start(d, 3),
            NaiveDate::from_ymd_opt(2025, 11, 1).unwrap_or_default()
        );
        assert_eq!(
            month_end(NaiveDate::from_ymd_opt(2024, 2, 1).unwrap_or_default()),
            NaiveDate::from_ymd_opt(2024, 2, 29).unwrap_or_default()
        );
    }
}
