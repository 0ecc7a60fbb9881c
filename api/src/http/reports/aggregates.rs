//! The reports' heavy reading, done by the database: measurements and readings summed
//! per item and period (only the last [`HISTORY`] periods of each come back), actions
//! and steps counted per plan. A large program has hundreds of thousands of
//! measurements; the reports read a few rows per key point instead.
//!
//! One SQL text serves SQLite and PostgreSQL (window functions, `CASE`, `COALESCE`).
//! Which statuses count as open or settled is the domain's: the lists are bound from
//! [`ActionStatus::is_open`] and [`StepStatus::is_settled`], never written here.

use chrono::{DateTime, NaiveDate, Utc};
use cxpm_domain::plan::{ActionStatus, StepStatus};
use sea_orm::{ConnectionTrait, DbBackend, DbErr, FromQueryResult, Statement, Value};

use super::HISTORY;

/// A sample weighs its size; a missing or non-positive size weighs 1 (as
/// [`cxpm_domain::gap::rollup`]).
const WEIGHT: &str = "CASE WHEN sample_size IS NULL OR sample_size < 1 THEN 1 ELSE sample_size END";

/// One period of a key point: the sample-weighted means of its measurements.
#[derive(Debug, FromQueryResult)]
pub struct PointPeriod {
    pub key_point_id: String,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub expected: f64,
    pub actual: f64,
    pub provider_rating: Option<f64>,
    pub importance: i32,
    pub sample_size: Option<i64>,
}

/// One period of a metric: the sample-weighted mean of its readings.
#[derive(Debug, FromQueryResult)]
pub struct MetricPeriod {
    pub metric_id: String,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub value: f64,
    pub sample_size: Option<i64>,
}

#[derive(Debug, FromQueryResult)]
pub struct LastReading {
    pub metric_id: String,
    pub at: DateTime<Utc>,
}

/// Actions of one plan owned by one department, counted.
#[derive(Debug, FromQueryResult)]
pub struct ActionCounts {
    pub plan_id: String,
    pub department_id: String,
    pub done: i64,
    pub open: i64,
    pub overdue: i64,
    pub last_change: Option<DateTime<Utc>>,
}

/// A plan's steps in its current cycle.
#[derive(Debug, FromQueryResult)]
pub struct StepCounts {
    pub plan_id: String,
    /// The lowest step of the cycle not settled yet.
    pub current_step: Option<i32>,
    pub settled: i64,
    pub in_cycle: i64,
    /// The last change of any step of the plan, any cycle.
    pub last_change: Option<DateTime<Utc>>,
}

/// Binds `$1…$n` (PostgreSQL) or `?` (SQLite) and runs `sql`.
async fn query<T: FromQueryResult, C: ConnectionTrait>(
    db: &C,
    sql: &str,
    values: Vec<Value>,
) -> Result<Vec<T>, DbErr> {
    let backend = db.get_database_backend();
    let sql = match backend {
        DbBackend::Postgres => {
            let mut out = String::with_capacity(sql.len() + 8);
            let mut n = 0;
            for c in sql.chars() {
                if c == '?' {
                    n += 1;
                    out.push_str(&format!("${n}"));
                } else {
                    out.push(c);
                }
            }
            out
        }
        _ => sql.to_owned(),
    };
    T::find_by_statement(Statement::from_sql_and_values(backend, sql, values))
        .all(db)
        .await
}

/// `?, ?, …` for `n` values.
fn marks(n: usize) -> String {
    vec!["?"; n.max(1)].join(", ")
}

fn names<T>(items: impl Iterator<Item = T>, name: impl Fn(T) -> &'static str) -> Vec<Value> {
    items.map(|i| Value::from(name(i).to_owned())).collect()
}

/// The last [`HISTORY`] periods of each key point of the program still in use,
/// oldest first per point; measured up to `until` when given.
pub async fn point_periods<C: ConnectionTrait>(
    db: &C,
    program_id: &str,
    until: Option<NaiveDate>,
) -> Result<Vec<PointPeriod>, DbErr> {
    let mut values: Vec<Value> = vec![program_id.into()];
    let until_clause = match until {
        Some(until) => {
            values.push(until.into());
            "AND m.period_end <= ?"
        }
        None => "",
    };
    values.push((HISTORY as i64).into());
    let sql = format!(
        "SELECT key_point_id, period_start, period_end, expected, actual, provider_rating,
                importance, sample_size
         FROM (
           SELECT key_point_id, period_start,
                  MAX(period_end) AS period_end,
                  SUM(expectation_score * w) / SUM(w) AS expected,
                  SUM(experience_score * w) / SUM(w) AS actual,
                  SUM(CASE WHEN provider_rating IS NULL THEN NULL ELSE provider_rating * w END)
                    / SUM(CASE WHEN provider_rating IS NULL THEN NULL ELSE w END) AS provider_rating,
                  MAX(importance) AS importance,
                  SUM(sample_size) AS sample_size,
                  ROW_NUMBER() OVER (PARTITION BY key_point_id ORDER BY period_start DESC) AS recency
           FROM (SELECT m.key_point_id, m.period_start, m.period_end, m.expectation_score,
                        m.experience_score, m.provider_rating, m.importance, m.sample_size,
                        {WEIGHT} AS w
                 FROM measurements m
                 WHERE m.program_id = ? {until_clause}) weighted
           GROUP BY key_point_id, period_start
         ) periods
         WHERE recency <= ?
         ORDER BY key_point_id, period_start"
    );
    query(db, &sql, values).await
}

/// The last [`HISTORY`] periods of each metric of the program still in use, oldest
/// first per metric.
pub async fn metric_periods<C: ConnectionTrait>(
    db: &C,
    program_id: &str,
    until: Option<NaiveDate>,
) -> Result<Vec<MetricPeriod>, DbErr> {
    let mut values: Vec<Value> = vec![program_id.into()];
    let until_clause = match until {
        Some(until) => {
            values.push(until.into());
            "AND r.period_end <= ?"
        }
        None => "",
    };
    values.push((HISTORY as i64).into());
    let sql = format!(
        "SELECT metric_id, period_start, period_end, value, sample_size
         FROM (
           SELECT metric_id, period_start,
                  MAX(period_end) AS period_end,
                  SUM(value * w) / SUM(w) AS value,
                  SUM(sample_size) AS sample_size,
                  ROW_NUMBER() OVER (PARTITION BY metric_id ORDER BY period_start DESC) AS recency
           FROM (SELECT r.metric_id, r.period_start, r.period_end, r.value, r.sample_size,
                        {WEIGHT} AS w
                 FROM readings r JOIN metrics m ON m.id = r.metric_id
                 WHERE m.program_id = ? AND m.archived = false {until_clause}) weighted
           GROUP BY metric_id, period_start
         ) periods
         WHERE recency <= ?
         ORDER BY metric_id, period_start"
    );
    query(db, &sql, values).await
}

/// When each metric of the program last got a reading, up to `until` when given.
pub async fn last_readings<C: ConnectionTrait>(
    db: &C,
    program_id: &str,
    until: Option<NaiveDate>,
) -> Result<Vec<LastReading>, DbErr> {
    let mut values: Vec<Value> = vec![program_id.into()];
    let until_clause = match until {
        Some(until) => {
            values.push(until.into());
            "AND r.period_end <= ?"
        }
        None => "",
    };
    let sql = format!(
        "SELECT r.metric_id, MAX(r.recorded_at) AS at
         FROM readings r JOIN metrics m ON m.id = r.metric_id
         WHERE m.program_id = ? AND m.archived = false {until_clause}
         GROUP BY r.metric_id"
    );
    query(db, &sql, values).await
}

/// Per plan and owning department: actions done, open and overdue (open, due before
/// `today`), and the last change to any of them.
pub async fn action_counts<C: ConnectionTrait>(
    db: &C,
    program_id: &str,
    today: NaiveDate,
) -> Result<Vec<ActionCounts>, DbErr> {
    let open = names(ActionStatus::ALL.iter().filter(|s| s.is_open()), |s| {
        s.as_str()
    });
    let open_marks = marks(open.len());
    let mut values = vec![Value::from(ActionStatus::Done.as_str().to_owned())];
    values.extend(open.iter().cloned());
    values.extend(open);
    values.push(today.into());
    values.push(program_id.into());
    let sql = format!(
        "SELECT plan_id, department_id,
                SUM(CASE WHEN status = ? THEN 1 ELSE 0 END) AS done,
                SUM(CASE WHEN status IN ({open_marks}) THEN 1 ELSE 0 END) AS open,
                SUM(CASE WHEN status IN ({open_marks}) AND due_date < ? THEN 1 ELSE 0 END) AS overdue,
                MAX(COALESCE(last_update_at, updated_at)) AS last_change
         FROM actions
         WHERE program_id = ?
         GROUP BY plan_id, department_id"
    );
    query(db, &sql, values).await
}

/// Per plan of the program: where its current cycle stands.
pub async fn step_counts<C: ConnectionTrait>(
    db: &C,
    program_id: &str,
) -> Result<Vec<StepCounts>, DbErr> {
    let settled = names(StepStatus::ALL.iter().filter(|s| s.is_settled()), |s| {
        s.as_str()
    });
    let settled_marks = marks(settled.len());
    let mut values = settled.clone();
    values.extend(settled);
    values.push(program_id.into());
    let sql = format!(
        "SELECT s.plan_id,
                MIN(CASE WHEN s.cycle = p.cycle AND s.status NOT IN ({settled_marks})
                         THEN s.number END) AS current_step,
                SUM(CASE WHEN s.cycle = p.cycle AND s.status IN ({settled_marks})
                         THEN 1 ELSE 0 END) AS settled,
                SUM(CASE WHEN s.cycle = p.cycle THEN 1 ELSE 0 END) AS in_cycle,
                MAX(s.updated_at) AS last_change
         FROM steps s JOIN plans p ON p.id = s.plan_id
         WHERE p.program_id = ?
         GROUP BY s.plan_id"
    );
    query(db, &sql, values).await
}

/// Actions whose intended effect on a key point has a target and a date.
#[derive(Debug, FromQueryResult)]
pub struct Effect {
    pub key_point_id: String,
    pub effect_by: NaiveDate,
    pub effect_target: f64,
}

pub async fn effects<C: ConnectionTrait>(db: &C, program_id: &str) -> Result<Vec<Effect>, DbErr> {
    query(
        db,
        "SELECT effect_key_point_id AS key_point_id, effect_by, effect_target
         FROM actions
         WHERE program_id = ? AND effect_key_point_id IS NOT NULL
           AND effect_by IS NOT NULL AND effect_target IS NOT NULL",
        vec![program_id.into()],
    )
    .await
}
