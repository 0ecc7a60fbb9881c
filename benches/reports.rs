//! The report benchmark: builds the large demo organisation (`cxpm demo --size large`)
//! on SQLite and on PostgreSQL, then times the gap report and the progress report
//! over HTTP against hand-written SQL aggregates computing the same totals on the
//! same data, in the same run: for the gap report the severity counts of every
//! line from the raw measurements and readings, for the progress report the per-plan
//! totals it lists. Prints p50/p95 and the ratio of the p50s, and checks
//! that the report and the SQL agree on the totals.
//!
//! `scripts/bench-reports` runs it (`cargo bench -p cxpm-tests --bench reports`);
//! `BENCH_ITERATIONS` sets the samples per measurement (default 40).

use std::time::{Duration, Instant};

use cxpm_api::config::DemoSize;
use cxpm_app::store::summaries::placeholders;
use cxpm_tests::bench::{iterations, ms, time};
use cxpm_tests::{Backend, spawn_app_with};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, DbBackend, Statement, Value};
use serde_json::Value as Json;

/// The program's thresholds as the demo sets them.
const MINOR_MAX: f64 = 0.10;
const MAJOR_MAX: f64 = 0.25;

fn sql(backend: DbBackend, text: &str, values: Vec<Value>) -> Statement {
    Statement::from_sql_and_values(backend, placeholders(backend, text), values)
}

/// Severity counts (met, minor, major, critical) of every measured key point and
/// metric, from the raw measurements and readings: their latest period's
/// sample-weighted means against expectation or target.
const GAP_TOTALS_RAW: &str = "
WITH point_periods AS (
  SELECT key_point_id, period_start,
         SUM(w * expectation_score) / SUM(w) AS expected,
         SUM(w * experience_score) / SUM(w) AS actual,
         ROW_NUMBER() OVER (PARTITION BY key_point_id ORDER BY period_start DESC) AS recency
  FROM (SELECT m.key_point_id, m.period_start, m.expectation_score, m.experience_score,
               CASE WHEN m.sample_size IS NULL OR m.sample_size < 1 THEN 1 ELSE m.sample_size END AS w
        FROM measurements m JOIN key_points k ON k.id = m.key_point_id AND k.archived = false
        WHERE m.program_id = ?) x
  GROUP BY key_point_id, period_start),
metric_periods AS (
  SELECT metric_id, period_start, SUM(w * value) / SUM(w) AS actual,
         ROW_NUMBER() OVER (PARTITION BY metric_id ORDER BY period_start DESC) AS recency
  FROM (SELECT r.metric_id, r.period_start, r.value,
               CASE WHEN r.sample_size IS NULL OR r.sample_size < 1 THEN 1 ELSE r.sample_size END AS w
        FROM readings r JOIN metrics m ON m.id = r.metric_id AND m.archived = false
        WHERE m.program_id = ?) x
  GROUP BY metric_id, period_start),
gaps AS (
  SELECT expected AS reference, expected - actual AS gap FROM point_periods WHERE recency = 1
  UNION ALL
  SELECT m.target, CASE WHEN m.direction = 'lower_is_better' THEN p.actual - m.target
                        ELSE m.target - p.actual END
  FROM metric_periods p JOIN metrics m ON m.id = p.metric_id WHERE p.recency = 1),
judged AS (
  SELECT CASE WHEN gap <= 0 THEN 0
              WHEN reference = 0 THEN 3
              WHEN gap / ABS(reference) <= ? THEN 1
              WHEN gap / ABS(reference) <= ? THEN 2
              ELSE 3 END AS severity
  FROM gaps)
SELECT COALESCE(SUM(CASE WHEN severity = 0 THEN 1 ELSE 0 END), 0) AS met,
       COALESCE(SUM(CASE WHEN severity = 1 THEN 1 ELSE 0 END), 0) AS minor,
       COALESCE(SUM(CASE WHEN severity = 2 THEN 1 ELSE 0 END), 0) AS major,
       COALESCE(SUM(CASE WHEN severity = 3 THEN 1 ELSE 0 END), 0) AS critical
FROM judged";

/// Per plan of the program, as the progress report lists them: actions done, open
/// and overdue, steps settled in the current cycle and the first step not settled.
const PROGRESS_PER_PLAN: &str = "
SELECT p.id,
       COALESCE(a.done, 0) AS done, COALESCE(a.open, 0) AS open,
       COALESCE(a.overdue, 0) AS overdue, COALESCE(s.settled, 0) AS settled, s.current_step
FROM plans p
LEFT JOIN (SELECT plan_id,
                  SUM(CASE WHEN status = 'done' THEN 1 ELSE 0 END) AS done,
                  SUM(CASE WHEN status IN ('open', 'in_progress', 'blocked') THEN 1 ELSE 0 END) AS open,
                  SUM(CASE WHEN status IN ('open', 'in_progress', 'blocked') AND due_date < ?
                           THEN 1 ELSE 0 END) AS overdue
           FROM actions WHERE program_id = ? GROUP BY plan_id) a ON a.plan_id = p.id
LEFT JOIN (SELECT st.plan_id,
                  SUM(CASE WHEN st.status IN ('done', 'skipped') THEN 1 ELSE 0 END) AS settled,
                  MIN(CASE WHEN st.status NOT IN ('done', 'skipped') THEN st.number END) AS current_step
           FROM steps st JOIN plans pl ON pl.id = st.plan_id AND st.cycle = pl.cycle
           WHERE pl.program_id = ? GROUP BY st.plan_id) s ON s.plan_id = p.id
WHERE p.program_id = ?";

/// The per-plan rows summed: done, open, overdue, settled.
async fn per_plan_totals(db: &DatabaseConnection, statement: Statement) -> Vec<i64> {
    let rows = db
        .query_all_raw(statement)
        .await
        .expect("the SQL aggregate runs");
    ["done", "open", "overdue", "settled"]
        .iter()
        .map(|c| {
            rows.iter()
                .map(|r| r.try_get::<i64>("", c).expect("an integer"))
                .sum()
        })
        .collect()
}

async fn totals(db: &DatabaseConnection, statement: Statement, columns: &[&str]) -> Vec<i64> {
    let row = db
        .query_one_raw(statement)
        .await
        .expect("the SQL aggregate runs")
        .expect("one row");
    columns
        .iter()
        .map(|c| row.try_get::<i64>("", c).expect("an integer total"))
        .collect()
}

async fn bench(backend: Backend, iterations: usize) {
    // Every sample computes: kept reports would measure the cache, not the report.
    let app = spawn_app_with(backend, |s| s.report_cache_mb = 0).await;
    let db = Database::connect(&app.database_url)
        .await
        .expect("the benchmark's own connection");
    let started = Instant::now();
    let built = cxpm_api::demo::build(&db, DemoSize::Large, 7)
        .await
        .expect("the large demo builds");
    let build_time = started.elapsed();
    let kind = db.get_database_backend();
    let program = built.program_id.clone();
    let token = built.coordinator_token.clone();
    let client = reqwest::Client::new();
    let get = |path: String| {
        let request = client
            .get(format!("{}{path}", app.base))
            .bearer_auth(&token)
            .header("accept", "application/json");
        async move {
            let response = request.send().await.expect("the report answers");
            assert!(response.status().is_success(), "{}", response.status());
            response.bytes().await.expect("the whole body")
        }
    };
    let gaps = format!("/api/v1/programs/{program}/reports/gaps");
    let progress = format!("/api/v1/programs/{program}/reports/progress");
    let today = chrono::Utc::now().date_naive();

    // The report and the SQL must agree before their speeds mean anything.
    let report: Json = serde_json::from_slice(&get(gaps.clone()).await).expect("JSON");
    let lines = report["lines"].as_array().expect("lines");
    let by_report: Vec<i64> = ["met", "minor", "major", "critical"]
        .iter()
        .map(|s| lines.iter().filter(|l| l["severity"] == *s).count() as i64)
        .collect();
    let gap_sql = || {
        sql(
            kind,
            GAP_TOTALS_RAW,
            vec![
                program.clone().into(),
                program.clone().into(),
                MINOR_MAX.into(),
                MAJOR_MAX.into(),
            ],
        )
    };
    let by_sql = totals(&db, gap_sql(), &["met", "minor", "major", "critical"]).await;
    assert_eq!(by_report, by_sql, "severity counts: report vs SQL");
    let report: Json = serde_json::from_slice(&get(progress.clone()).await).expect("JSON");
    let plans = report["plans"].as_array().expect("plans");
    let sum = |field: &str| {
        plans
            .iter()
            .map(|p| p[field].as_i64().unwrap_or(0))
            .sum::<i64>()
    };
    let by_report = vec![
        sum("actions_done"),
        sum("actions_open"),
        sum("actions_overdue"),
        sum("steps_settled"),
    ];
    let progress_sql = || {
        sql(
            kind,
            PROGRESS_PER_PLAN,
            vec![
                today.into(),
                program.clone().into(),
                program.clone().into(),
                program.clone().into(),
            ],
        )
    };
    let by_sql = per_plan_totals(&db, progress_sql()).await;
    assert_eq!(by_report, by_sql, "action and step totals: report vs SQL");

    let label = match backend {
        Backend::Sqlite => "SQLite",
        Backend::Postgres => "PostgreSQL",
    };
    println!(
        "{label}: large demo built in {:.1} s ({} measurements, {} readings, {} actions, {} steps)",
        build_time.as_secs_f64(),
        built.measurements,
        built.readings,
        built.actions,
        built.steps
    );
    for (name, path, statement) in [
        ("gap report", gaps, &gap_sql as &dyn Fn() -> Statement),
        ("progress report", progress, &progress_sql),
    ] {
        let report = time(iterations, || {
            let fetch = get(path.clone());
            async move {
                fetch.await;
            }
        })
        .await;
        let db = &db;
        let baseline = time(iterations, || {
            let statement = statement();
            async move {
                db.query_all_raw(statement).await.expect("the SQL runs");
            }
        })
        .await;
        let ratio = report.p50.as_secs_f64() / baseline.p50.as_secs_f64();
        println!(
            "  {name:<16} report p50 {:>9} p95 {:>9} | SQL p50 {:>9} p95 {:>9} | ratio {ratio:.2}× {}",
            ms(report.p50),
            ms(report.p95),
            ms(baseline.p50),
            ms(baseline.p95),
            if report.p50 <= Duration::from_millis(100) && ratio <= 2.0 {
                "(goal met)"
            } else {
                "(goal: p50 ≤ 100 ms and ≤ 2×)"
            }
        );
    }
    db.close().await.ok();
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let iterations = iterations(40);
    println!("reports on the large demo, {iterations} samples each, release build, loopback");
    bench(Backend::Sqlite, iterations).await;
    bench(Backend::Postgres, iterations).await;
}
