//! The reports' heavy reading, done by the database: the running sums of measurements
//! and readings per item and period ([`crate::store::summaries`]), only the last few
//! periods of each; actions and steps counted per plan. A large program has
//! hundreds of thousands of measurements; the reports read a few rows per key point.
//!
//! One SQL text serves SQLite and PostgreSQL (`CASE`, `COALESCE`, a `MATERIALIZED`
//! common table expression, correlated subqueries on an index).
//! Which statuses count as open or settled is the domain's: the lists are bound from
//! [`ActionStatus::is_open`] and [`StepStatus::is_settled`], never written here.

use chrono::{DateTime, NaiveDate, Utc};
use cxpm_domain::plan::{ActionStatus, PlanStatus, StepStatus};
use sea_orm::{ConnectionTrait, DbErr, FromQueryResult, Value};

use crate::store::named::Stored;
use crate::store::summaries::query;

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
    pub at: Option<DateTime<Utc>>,
}

/// A plan of the program with its current cycle's steps and its actions counted.
#[derive(Debug, FromQueryResult)]
pub struct PlanRow {
    pub id: String,
    pub title: String,
    pub department_id: String,
    pub owner_id: Option<String>,
    pub created_at: DateTime<Utc>,
    pub relationship_id: String,
    pub status: Stored<PlanStatus>,
    pub cycle: i32,
    pub updated_at: DateTime<Utc>,
    /// The lowest step of the current cycle not settled yet.
    pub current_step: Option<i32>,
    pub steps_settled: i64,
    pub steps_in_cycle: i64,
    /// The last change of any step of the plan, any cycle.
    pub steps_changed: Option<DateTime<Utc>>,
    pub actions_done: i64,
    pub actions_open: i64,
    pub actions_overdue: i64,
    pub actions_changed: Option<DateTime<Utc>>,
}

/// A department's open and overdue actions in the program.
#[derive(Debug, FromQueryResult)]
pub struct DepartmentActions {
    pub department_id: String,
    pub open: i64,
    pub overdue: i64,
}

/// `?, ?, …` for `n` values.
fn marks(n: usize) -> String {
    vec!["?"; n.max(1)].join(", ")
}

fn names<T>(items: impl Iterator<Item = T>, name: impl Fn(T) -> &'static str) -> Vec<Value> {
    items.map(|i| Value::from(name(i).to_owned())).collect()
}

/// The last `periods` periods of each of `ids`, oldest first per item; with `until`,
/// only periods that ended by then.
///
/// The cut-off (the `periods`-th newest period of each item) is found once per item,
/// by an index, in a materialised table; the periods are then read by the same index.
async fn last_periods<T: FromQueryResult, C: ConnectionTrait>(
    db: &C,
    ids: &[String],
    periods: usize,
    until: Option<NaiveDate>,
    shape: PeriodShape,
) -> Result<Vec<T>, DbErr> {
    let (q_until, until_value) = until_clause(until);
    let p_until = if until.is_some() {
        "AND p.period_end <= ?"
    } else {
        ""
    };
    let PeriodShape {
        items: item_table,
        periods: period_table,
        key,
        columns,
    } = shape;
    let mut values: Vec<Value> = until_value.clone().into_iter().collect();
    values.push((periods.max(1) as i64 - 1).into());
    values.extend(ids.iter().map(|id| Value::from(id.clone())));
    values.extend(until_value);
    let sql = format!(
        "WITH cut AS MATERIALIZED (
           SELECT i.id,
                  (SELECT q.period_start FROM {period_table} q
                   WHERE q.{key} = i.id {q_until}
                   ORDER BY q.period_start DESC LIMIT 1 OFFSET ?) AS since
           FROM {item_table} i
           WHERE i.id IN ({}))
         SELECT p.{key}, p.period_start, p.period_end, {columns}
         FROM cut JOIN {period_table} p ON p.{key} = cut.id
         WHERE p.period_start >= COALESCE(cut.since, p.period_start) {p_until}
         ORDER BY p.{key}, p.period_start",
        marks(ids.len())
    );
    query(db, &sql, values).await
}

struct PeriodShape {
    items: &'static str,
    periods: &'static str,
    key: &'static str,
    columns: &'static str,
}

/// The last `periods` periods of key points, oldest first per point.
pub async fn point_periods<C: ConnectionTrait>(
    db: &C,
    ids: &[String],
    periods: usize,
    until: Option<NaiveDate>,
) -> Result<Vec<PointPeriod>, DbErr> {
    last_periods(
        db,
        ids,
        periods,
        until,
        PeriodShape {
            items: "key_points",
            periods: "key_point_periods",
            key: "key_point_id",
            columns: "p.expectation_sum / p.weight AS expected,
                      p.experience_sum / p.weight AS actual,
                      CASE WHEN p.provider_weight > 0 THEN p.provider_sum / p.provider_weight END
                        AS provider_rating,
                      p.importance, p.sample_size",
        },
    )
    .await
}

/// The last `periods` periods of metrics, oldest first per metric.
pub async fn metric_periods<C: ConnectionTrait>(
    db: &C,
    ids: &[String],
    periods: usize,
    until: Option<NaiveDate>,
) -> Result<Vec<MetricPeriod>, DbErr> {
    last_periods(
        db,
        ids,
        periods,
        until,
        PeriodShape {
            items: "metrics",
            periods: "metric_periods",
            key: "metric_id",
            columns: "p.value_sum / p.weight AS value, p.sample_size",
        },
    )
    .await
}

/// When each of these metrics last got a reading (`None`: never).
pub async fn last_readings_of<C: ConnectionTrait>(
    db: &C,
    metric_ids: &[String],
) -> Result<Vec<LastReading>, DbErr> {
    if metric_ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT m.id AS metric_id,
                (SELECT MAX(r.recorded_at) FROM readings r WHERE r.metric_id = m.id) AS at
         FROM metrics m
         WHERE m.id IN ({})",
        marks(metric_ids.len())
    );
    query(
        db,
        &sql,
        metric_ids.iter().map(|id| id.clone().into()).collect(),
    )
    .await
}

fn open_statuses() -> Vec<Value> {
    names(ActionStatus::ALL.iter().filter(|s| s.is_open()), |s| {
        s.as_str()
    })
}

/// Every plan of the program, one row each: where its current cycle stands (steps
/// settled, the first one not), its actions done, open and overdue (open, due before
/// `today`) and when anything on it last changed.
pub async fn plan_rows<C: ConnectionTrait>(
    db: &C,
    program_id: &str,
    today: NaiveDate,
) -> Result<Vec<PlanRow>, DbErr> {
    let open = open_statuses();
    let open_marks = marks(open.len());
    let settled = names(StepStatus::ALL.iter().filter(|s| s.is_settled()), |s| {
        s.as_str()
    });
    let settled_marks = marks(settled.len());
    let mut values: Vec<Value> = settled.clone();
    values.extend(settled);
    values.push(program_id.into());
    values.push(ActionStatus::Done.as_str().into());
    values.extend(open.iter().cloned());
    values.extend(open);
    values.push(today.into());
    values.push(program_id.into());
    values.push(program_id.into());
    let sql = format!(
        "SELECT p.id, p.title, p.department_id, p.owner_id, p.created_at, p.relationship_id,
                p.status, p.cycle, p.updated_at, s.current_step,
                COALESCE(s.settled, 0) AS steps_settled,
                COALESCE(s.in_cycle, 0) AS steps_in_cycle,
                s.last_change AS steps_changed,
                COALESCE(a.done, 0) AS actions_done,
                COALESCE(a.open, 0) AS actions_open,
                COALESCE(a.overdue, 0) AS actions_overdue,
                a.last_change AS actions_changed
         FROM plans p
         LEFT JOIN (
           SELECT st.plan_id,
                  MIN(CASE WHEN st.cycle = pl.cycle AND st.status NOT IN ({settled_marks})
                           THEN st.number END) AS current_step,
                  SUM(CASE WHEN st.cycle = pl.cycle AND st.status IN ({settled_marks})
                           THEN 1 ELSE 0 END) AS settled,
                  SUM(CASE WHEN st.cycle = pl.cycle THEN 1 ELSE 0 END) AS in_cycle,
                  MAX(st.updated_at) AS last_change
           FROM steps st JOIN plans pl ON pl.id = st.plan_id
           WHERE pl.program_id = ?
           GROUP BY st.plan_id) s ON s.plan_id = p.id
         LEFT JOIN (
           SELECT plan_id,
                  SUM(CASE WHEN status = ? THEN 1 ELSE 0 END) AS done,
                  SUM(CASE WHEN status IN ({open_marks}) THEN 1 ELSE 0 END) AS open,
                  SUM(CASE WHEN status IN ({open_marks}) AND due_date < ? THEN 1 ELSE 0 END)
                    AS overdue,
                  MAX(COALESCE(last_update_at, updated_at)) AS last_change
           FROM actions
           WHERE program_id = ?
           GROUP BY plan_id) a ON a.plan_id = p.id
         WHERE p.program_id = ?"
    );
    query(db, &sql, values).await
}

/// Per department with actions in the program: its open and overdue ones (an action
/// belongs to its own department, whichever plan it serves).
pub async fn department_actions<C: ConnectionTrait>(
    db: &C,
    program_id: &str,
    today: NaiveDate,
) -> Result<Vec<DepartmentActions>, DbErr> {
    let open = open_statuses();
    let open_marks = marks(open.len());
    let mut values: Vec<Value> = open.clone();
    values.extend(open);
    values.push(today.into());
    values.push(program_id.into());
    let sql = format!(
        "SELECT department_id,
                SUM(CASE WHEN status IN ({open_marks}) THEN 1 ELSE 0 END) AS open,
                SUM(CASE WHEN status IN ({open_marks}) AND due_date < ? THEN 1 ELSE 0 END)
                  AS overdue
         FROM actions
         WHERE program_id = ?
         GROUP BY department_id"
    );
    query(db, &sql, values).await
}

/// How many of a program's feedback invitations went to a department (`None`:
/// outside contacts) as one kind of respondent, and how many were answered.
#[derive(Debug, FromQueryResult)]
pub struct FeedbackCounts {
    pub department_id: Option<String>,
    pub respondent: Stored<cxpm_domain::feedback::Respondent>,
    pub invited: i64,
    pub answered: i64,
}

/// The response counts of every feedback round of program `program_id`.
pub async fn feedback_counts<C: ConnectionTrait>(
    db: &C,
    program_id: &str,
) -> Result<Vec<FeedbackCounts>, DbErr> {
    query(
        db,
        "SELECT i.department_id, i.respondent, COUNT(*) AS invited,
                COUNT(i.answered_at) AS answered
         FROM feedback_invitations i
         JOIN feedback_rounds r ON r.id = i.round_id
         WHERE r.program_id = ?
         GROUP BY i.department_id, i.respondent",
        vec![program_id.into()],
    )
    .await
}

/// The `until` condition on a period table aliased `q`, and its bound values.
fn until_clause(until: Option<NaiveDate>) -> (&'static str, Option<Value>) {
    match until {
        Some(until) => ("AND q.period_end <= ?", Some(until.into())),
        None => ("", None),
    }
}

/// A measured key point in use: its latest period, the one before, and what its
/// report line needs of its relationship.
#[derive(Debug, FromQueryResult)]
pub struct PointLine {
    pub id: String,
    pub name: String,
    /// The name in other languages, JSON by locale tag.
    pub name_translations: String,
    pub relationship_id: String,
    pub provider_department_id: String,
    pub owner_id: Option<String>,
    pub owner_name: Option<String>,
    pub stage_id: Option<String>,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub expected: f64,
    pub actual: f64,
    pub provider_rating: Option<f64>,
    pub importance: i32,
    pub sample_size: Option<i64>,
    pub previous_expected: Option<f64>,
    pub previous_actual: Option<f64>,
    /// The highest target of actions whose intended effect on this point was due
    /// before today: a point still short of it did not get the effect.
    pub due_effect_target: Option<f64>,
}

/// One row per measured key point of the program: the two newest periods are found
/// per point by index (in a materialised table), then read by their keys.
pub async fn point_lines<C: ConnectionTrait>(
    db: &C,
    program_id: &str,
    until: Option<NaiveDate>,
    today: NaiveDate,
) -> Result<Vec<PointLine>, DbErr> {
    let (until_sql, until_value) = until_clause(until);
    let mut values: Vec<Value> = Vec::new();
    values.extend(until_value.clone());
    values.extend(until_value);
    values.push(today.into());
    values.push(program_id.into());
    let sql = format!(
        "WITH cut AS MATERIALIZED (
           SELECT k.id, k.name, k.name_translations, k.relationship_id,
                  (SELECT q.period_start FROM key_point_periods q
                   WHERE q.key_point_id = k.id {until_sql}
                   ORDER BY q.period_start DESC LIMIT 1) AS latest,
                  (SELECT q.period_start FROM key_point_periods q
                   WHERE q.key_point_id = k.id {until_sql}
                   ORDER BY q.period_start DESC LIMIT 1 OFFSET 1) AS previous,
                  (SELECT MAX(a.effect_target) FROM actions a
                   WHERE a.program_id = k.program_id AND a.effect_key_point_id = k.id
                     AND a.effect_by < ? AND a.effect_target IS NOT NULL) AS due_effect_target
           FROM key_points k
           WHERE k.program_id = ? AND k.archived = false)
         SELECT cut.id, cut.name, cut.name_translations, cut.relationship_id,
                r.provider_department_id, s.stage_id,
                r.provider_person_id AS owner_id, owner.name AS owner_name,
                cut.due_effect_target,
                c.period_start, c.period_end,
                c.expectation_sum / c.weight AS expected,
                c.experience_sum / c.weight AS actual,
                CASE WHEN c.provider_weight > 0 THEN c.provider_sum / c.provider_weight END
                  AS provider_rating,
                c.importance, c.sample_size,
                p.expectation_sum / p.weight AS previous_expected,
                p.experience_sum / p.weight AS previous_actual
         FROM cut
         JOIN key_point_periods c ON c.key_point_id = cut.id AND c.period_start = cut.latest
         LEFT JOIN key_point_periods p
           ON p.key_point_id = cut.id AND p.period_start = cut.previous
         JOIN relationships r ON r.id = cut.relationship_id
         LEFT JOIN people owner ON owner.id = r.provider_person_id
         LEFT JOIN sub_processes s ON s.id = r.sub_process_id"
    );
    query(db, &sql, values).await
}

/// An active plan of a relationship and its open actions.
#[derive(Debug, FromQueryResult)]
pub struct ActivePlan {
    pub id: String,
    pub relationship_id: String,
    pub open_actions: i64,
}

/// The program's active plans with their open actions counted.
pub async fn active_plans<C: ConnectionTrait>(
    db: &C,
    program_id: &str,
) -> Result<Vec<ActivePlan>, DbErr> {
    let open = open_statuses();
    let sql = format!(
        "SELECT p.id, p.relationship_id, COALESCE(a.open_actions, 0) AS open_actions
         FROM plans p
         LEFT JOIN (SELECT plan_id, COUNT(*) AS open_actions FROM actions
                    WHERE program_id = ? AND status IN ({})
                    GROUP BY plan_id) a ON a.plan_id = p.id
         WHERE p.program_id = ? AND p.status = ?",
        marks(open.len())
    );
    let mut values: Vec<Value> = vec![program_id.into()];
    values.extend(open);
    values.push(program_id.into());
    values.push(PlanStatus::Active.as_str().into());
    query(db, &sql, values).await
}

/// A measured metric in use: its latest period, the one before, its stage (its own,
/// or its sub-process's) and its last reading.
#[derive(Debug, FromQueryResult)]
pub struct MetricLine {
    pub id: String,
    pub name: String,
    pub direction: String,
    pub target: f64,
    pub update_every_days: i32,
    pub created_at: DateTime<Utc>,
    pub stage_id: Option<String>,
    pub sub_process_id: Option<String>,
    /// The department set on the metric, if any.
    pub department_id: Option<String>,
    pub last_reading_at: Option<DateTime<Utc>>,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub value: f64,
    pub sample_size: Option<i64>,
    pub previous_value: Option<f64>,
}

/// One row per measured metric of the program, as [`point_lines`] reads key points.
pub async fn metric_lines<C: ConnectionTrait>(
    db: &C,
    program_id: &str,
    until: Option<NaiveDate>,
) -> Result<Vec<MetricLine>, DbErr> {
    let (until_sql, until_value) = until_clause(until);
    let mut values: Vec<Value> = Vec::new();
    values.extend(until_value.clone());
    values.extend(until_value);
    values.push(program_id.into());
    let sql = format!(
        "WITH cut AS MATERIALIZED (
           SELECT m.id, m.name, m.direction, m.target, m.update_every_days, m.created_at,
                  COALESCE(m.stage_id, sp.stage_id) AS stage_id, m.sub_process_id,
                  m.department_id,
                  (SELECT MAX(r.recorded_at) FROM readings r WHERE r.metric_id = m.id)
                    AS last_reading_at,
                  (SELECT q.period_start FROM metric_periods q
                   WHERE q.metric_id = m.id {until_sql}
                   ORDER BY q.period_start DESC LIMIT 1) AS latest,
                  (SELECT q.period_start FROM metric_periods q
                   WHERE q.metric_id = m.id {until_sql}
                   ORDER BY q.period_start DESC LIMIT 1 OFFSET 1) AS previous
           FROM metrics m
           LEFT JOIN sub_processes sp ON sp.id = m.sub_process_id
           WHERE m.program_id = ? AND m.archived = false)
         SELECT cut.id, cut.name, cut.direction, cut.target, cut.update_every_days,
                cut.created_at, cut.stage_id, cut.sub_process_id, cut.department_id,
                cut.last_reading_at,
                c.period_start, c.period_end, c.value_sum / c.weight AS value, c.sample_size,
                p.value_sum / p.weight AS previous_value
         FROM cut
         JOIN metric_periods c ON c.metric_id = cut.id AND c.period_start = cut.latest
         LEFT JOIN metric_periods p ON p.metric_id = cut.id AND p.period_start = cut.previous"
    );
    query(db, &sql, values).await
}

/// An owner row of a live sub-process, with its stage and its person's name, in the
/// value stream's order: what a metric's line is owned by.
#[derive(Debug, FromQueryResult)]
pub struct OwnerRow {
    pub sub_process_id: String,
    pub stage_id: String,
    pub department_id: String,
    pub person_id: Option<String>,
    pub person_name: Option<String>,
}

pub async fn owner_rows<C: ConnectionTrait>(
    db: &C,
    program_id: &str,
) -> Result<Vec<OwnerRow>, DbErr> {
    query(
        db,
        "SELECT o.sub_process_id, s.stage_id, o.department_id, o.person_id,
                p.name AS person_name
         FROM owners o
         JOIN sub_processes s ON s.id = o.sub_process_id
         LEFT JOIN people p ON p.id = o.person_id
         WHERE o.program_id = ? AND s.archived = false
         ORDER BY s.position, o.id",
        vec![program_id.into()],
    )
    .await
}
