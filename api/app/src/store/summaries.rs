//! Running sums per key point and period (`key_point_periods`) and per metric and
//! period (`metric_periods`), added to in the same transaction as each measurement
//! or reading. Measurements and readings are append-only, so a sum is never taken
//! back; the gap report divides them (sample-weighted means) instead of reading every
//! response.
//!
//! A sample weighs its size, a missing or non-positive size weighs 1, as
//! [`cxpm_domain::gap::rollup`] weighs.

use sea_orm::{ConnectionTrait, DbErr, Statement, Value};

use super::{measurement, reading};

fn weight(sample_size: Option<i32>) -> f64 {
    f64::from(sample_size.filter(|n| *n >= 1).unwrap_or(1))
}

/// `?` placeholders as the backend wants them (`$1…` on PostgreSQL).
/// Binds `?` placeholders and runs `sql`, one SQL text for both databases.
pub async fn query<T: sea_orm::FromQueryResult, C: ConnectionTrait>(
    db: &C,
    sql: &str,
    values: Vec<sea_orm::Value>,
) -> Result<Vec<T>, DbErr> {
    let backend = db.get_database_backend();
    T::find_by_statement(sea_orm::Statement::from_sql_and_values(
        backend,
        placeholders(backend, sql),
        values,
    ))
    .all(db)
    .await
}

pub fn placeholders(backend: sea_orm::DbBackend, sql: &str) -> String {
    match backend {
        sea_orm::DbBackend::Postgres => {
            let mut out = String::with_capacity(sql.len() + 16);
            let mut n = 0;
            for c in sql.chars() {
                if c == '?' {
                    n += 1;
                    out.push('$');
                    out.push_str(&n.to_string());
                } else {
                    out.push(c);
                }
            }
            out
        }
        _ => sql.to_owned(),
    }
}

async fn exec<C: ConnectionTrait>(conn: &C, sql: &str, values: Vec<Value>) -> Result<(), DbErr> {
    let backend = conn.get_database_backend();
    conn.execute_raw(Statement::from_sql_and_values(
        backend,
        placeholders(backend, sql),
        values,
    ))
    .await
    .map(|_| ())
}

/// Adds one measurement to its period's sums.
pub async fn add_measurement<C: ConnectionTrait>(
    conn: &C,
    m: &measurement::Model,
) -> Result<(), DbErr> {
    let w = weight(m.sample_size);
    let (provider_weight, provider_sum) = match m.provider_rating {
        Some(r) => (w, w * r),
        None => (0.0, 0.0),
    };
    exec(
        conn,
        "INSERT INTO key_point_periods (key_point_id, program_id, period_start, period_end,
             measurements, weight, expectation_sum, experience_sum, provider_weight,
             provider_sum, importance, sample_size)
         VALUES (?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (key_point_id, period_start) DO UPDATE SET
             period_end = CASE WHEN excluded.period_end > key_point_periods.period_end
                               THEN excluded.period_end ELSE key_point_periods.period_end END,
             measurements = key_point_periods.measurements + 1,
             weight = key_point_periods.weight + excluded.weight,
             expectation_sum = key_point_periods.expectation_sum + excluded.expectation_sum,
             experience_sum = key_point_periods.experience_sum + excluded.experience_sum,
             provider_weight = key_point_periods.provider_weight + excluded.provider_weight,
             provider_sum = key_point_periods.provider_sum + excluded.provider_sum,
             importance = CASE WHEN excluded.importance > key_point_periods.importance
                               THEN excluded.importance ELSE key_point_periods.importance END,
             sample_size = CASE WHEN excluded.sample_size IS NULL THEN key_point_periods.sample_size
                                ELSE COALESCE(key_point_periods.sample_size, 0) + excluded.sample_size END",
        vec![
            m.key_point_id.clone().into(),
            m.program_id.clone().into(),
            m.period_start.into(),
            m.period_end.into(),
            w.into(),
            (w * m.expectation_score).into(),
            (w * m.experience_score).into(),
            provider_weight.into(),
            provider_sum.into(),
            m.importance.into(),
            m.sample_size.map(i64::from).into(),
        ],
    )
    .await
}

/// Adds one reading to its period's sums.
pub async fn add_reading<C: ConnectionTrait>(conn: &C, r: &reading::Model) -> Result<(), DbErr> {
    let w = weight(r.sample_size);
    exec(
        conn,
        "INSERT INTO metric_periods (metric_id, period_start, period_end, readings, weight,
             value_sum, sample_size)
         VALUES (?, ?, ?, 1, ?, ?, ?)
         ON CONFLICT (metric_id, period_start) DO UPDATE SET
             period_end = CASE WHEN excluded.period_end > metric_periods.period_end
                               THEN excluded.period_end ELSE metric_periods.period_end END,
             readings = metric_periods.readings + 1,
             weight = metric_periods.weight + excluded.weight,
             value_sum = metric_periods.value_sum + excluded.value_sum,
             sample_size = CASE WHEN excluded.sample_size IS NULL THEN metric_periods.sample_size
                                ELSE COALESCE(metric_periods.sample_size, 0) + excluded.sample_size END",
        vec![
            r.metric_id.clone().into(),
            r.period_start.into(),
            r.period_end.into(),
            w.into(),
            (w * r.value).into(),
            r.sample_size.map(i64::from).into(),
        ],
    )
    .await
}

/// Sums a program's measurements and readings afresh (after a bulk load).
pub async fn rebuild_program<C: ConnectionTrait>(conn: &C, program_id: &str) -> Result<(), DbErr> {
    let weighted = "CASE WHEN sample_size IS NULL OR sample_size < 1 THEN 1 ELSE sample_size END";
    exec(
        conn,
        "DELETE FROM key_point_periods WHERE program_id = ?",
        vec![program_id.into()],
    )
    .await?;
    exec(
        conn,
        &format!(
            "INSERT INTO key_point_periods (key_point_id, program_id, period_start, period_end,
                 measurements, weight, expectation_sum, experience_sum, provider_weight,
                 provider_sum, importance, sample_size)
             SELECT key_point_id, program_id, period_start, MAX(period_end), COUNT(*),
                 SUM(w), SUM(w * expectation_score), SUM(w * experience_score),
                 SUM(CASE WHEN provider_rating IS NULL THEN 0 ELSE w END),
                 SUM(CASE WHEN provider_rating IS NULL THEN 0 ELSE w * provider_rating END),
                 MAX(importance), SUM(sample_size)
             FROM (SELECT m.*, {weighted} AS w FROM measurements m WHERE m.program_id = ?) x
             GROUP BY key_point_id, program_id, period_start"
        ),
        vec![program_id.into()],
    )
    .await?;
    exec(
        conn,
        "DELETE FROM metric_periods WHERE metric_id IN (SELECT id FROM metrics WHERE program_id = ?)",
        vec![program_id.into()],
    )
    .await?;
    exec(
        conn,
        &format!(
            "INSERT INTO metric_periods (metric_id, period_start, period_end, readings, weight,
                 value_sum, sample_size)
             SELECT metric_id, period_start, MAX(period_end), COUNT(*), SUM(w), SUM(w * value),
                 SUM(sample_size)
             FROM (SELECT r.*, {weighted} AS w
                   FROM readings r JOIN metrics m ON m.id = r.metric_id
                   WHERE m.program_id = ?) x
             GROUP BY metric_id, period_start"
        ),
        vec![program_id.into()],
    )
    .await
}
