//! The fault benchmark, two faults under write load against `cxpm serve` as a process
//! of its own (release build):
//!
//! 1. **PostgreSQL restarted** in the middle of the load: stopped (fast shutdown, every
//!    session cut), left down for three seconds, started again:
//!    how long `/readyz` said so, how many writes were refused (503) meanwhile, that
//!    the server came back without a restart, and — counted — that every write that
//!    got a 2xx is in the database afterwards.
//! 2. **SQLite locked by another process** (a `BEGIN EXCLUSIVE` held for a while):
//!    writes answer a clear 503 after the busy timeout instead of hanging, reads keep
//!    answering, and writes succeed again once the lock is gone.
//!
//! 3. **SQLite's disk full**: the database on a 3 MiB filesystem (a tmpfs, so the
//!    benchmark runs as root) that the writers fill up; four seconds later it is grown
//!    to 256 MiB: how many writes were refused (507), how long `/readyz` said so, that
//!    writes succeeded again without a restart, and that every write answered 2xx is
//!    in the database afterwards.
//!
//! It restarts the PostgreSQL server on this machine: do not run the test suite at the
//! same time. `scripts/bench-faults` runs it (`cargo bench -p cxpm-tests --bench
//! faults`).

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use cxpm_tests::{
    Backend, ServerProcess, SmallDisk, SqliteLock, TestApp, spawn_app, spawn_app_with,
};
use reqwest::{Client, StatusCode};
use sea_orm::{ConnectionTrait, Database, Statement};
use serde_json::{Value, json};

const WRITERS: usize = 8;

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap_or_default().to_owned()
}

/// A plan with an action per writer; returns the action ids and a head's token.
async fn world(app: &TestApp) -> (Vec<String>, String) {
    let qa = app.department("Quality", "QA").await;
    let om = app.department("Order management", "OM").await;
    let (_, token) = app.head_of(&qa).await;
    let program = app
        .created("/api/v1/programs", json!({"name": "Faults"}))
        .await;
    let rel = app.created(&format!("/api/v1/programs/{}/relationships", id(&program)),
        json!({"provider_department_id": qa["id"], "customer_department_id": om["id"], "delivers": "Parts"})).await;
    let plan = app
        .created(
            &format!("/api/v1/relationships/{}/plans", id(&rel)),
            json!({"title": "Plan"}),
        )
        .await;
    let mut actions = Vec::new();
    for n in 0..WRITERS {
        let action = app
            .created(
                &format!("/api/v1/plans/{}/actions", id(&plan)),
                json!({"title": format!("Action {n}")}),
            )
            .await;
        actions.push(id(&action));
    }
    (actions, token)
}

/// What the writers saw.
#[derive(Default)]
struct Writes {
    /// The comments of the updates answered 2xx.
    acknowledged: Vec<String>,
    unavailable: usize,
    /// Answered 507: the storage is full.
    storage_full: usize,
    other: Vec<String>,
    slowest: Duration,
}

impl Writes {
    /// What the writers saw, with how many acknowledged writes are `missing`.
    fn line(&self, missing: usize) -> String {
        format!(
            "writes: {} answered 2xx, {missing} of them missing afterwards; {} answered 503; {} answered 507; {} other errors{}; slowest answer {:.2} s",
            self.acknowledged.len(),
            self.unavailable,
            self.storage_full,
            self.other.len(),
            self.other
                .first()
                .map(|e| format!(" (first: {e})"))
                .unwrap_or_default(),
            self.slowest.as_secs_f64()
        )
    }
}

/// Writers posting updates with unique comments until `stop`.
async fn write_load(base: &str, token: &str, actions: &[String], stop: Arc<AtomicBool>) -> Writes {
    let http = Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .expect("a client");
    let tasks: Vec<_> = actions
        .iter()
        .enumerate()
        .map(|(w, action)| {
            let (http, stop) = (http.clone(), stop.clone());
            let url = format!("{base}/api/v1/actions/{action}/updates");
            let token = token.to_owned();
            tokio::spawn(async move {
                let mut writes = Writes::default();
                let mut seq = 0;
                while !stop.load(Ordering::Relaxed) {
                    seq += 1;
                    let comment = format!("w{w}-{seq}");
                    let started = Instant::now();
                    let resp = http
                        .post(&url)
                        .bearer_auth(&token)
                        .json(&json!({"comment": comment}))
                        .send()
                        .await;
                    writes.slowest = writes.slowest.max(started.elapsed());
                    match resp.map(|r| r.status()) {
                        Ok(s) if s.is_success() => writes.acknowledged.push(comment),
                        Ok(StatusCode::SERVICE_UNAVAILABLE) => {
                            writes.unavailable += 1;
                            tokio::time::sleep(Duration::from_millis(50)).await;
                        }
                        Ok(StatusCode::INSUFFICIENT_STORAGE) => {
                            writes.storage_full += 1;
                            tokio::time::sleep(Duration::from_millis(50)).await;
                        }
                        Ok(s) => writes.other.push(format!("{comment}: {s}")),
                        Err(e) => writes.other.push(format!("{comment}: {e}")),
                    }
                }
                writes
            })
        })
        .collect();
    let mut all = Writes::default();
    for task in tasks {
        let w = task.await.expect("a writer");
        all.acknowledged.extend(w.acknowledged);
        all.unavailable += w.unavailable;
        all.storage_full += w.storage_full;
        all.other.extend(w.other);
        all.slowest = all.slowest.max(w.slowest);
    }
    all
}

/// How many of the writes answered 2xx are not in the database.
async fn missing(writes: &Writes, database_url: &str) -> usize {
    let stored = stored_comments(database_url).await;
    writes
        .acknowledged
        .iter()
        .filter(|c| !stored.contains(*c))
        .count()
}

/// The comments of every update in the database.
async fn stored_comments(database_url: &str) -> HashSet<String> {
    let db = Database::connect(database_url).await.expect("the database");
    let rows = db
        .query_all_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT comment FROM action_updates",
        ))
        .await
        .expect("the updates");
    let comments = rows
        .iter()
        .filter_map(|r| r.try_get::<Option<String>>("", "comment").ok().flatten())
        .collect();
    db.close().await.ok();
    comments
}

fn postgres_version() -> String {
    std::fs::read_dir("/etc/postgresql")
        .expect("a Debian PostgreSQL in /etc/postgresql")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .max_by_key(|v| v.parse::<u32>().unwrap_or(0))
        .expect("a PostgreSQL version")
}

/// A fresh database with the writers' world, and `cxpm serve` on it as a process:
/// the app, the actions, a head's token, the server.
async fn serving(backend: Backend) -> (TestApp, Vec<String>, String, ServerProcess) {
    let app = spawn_app(backend).await;
    let (actions, token) = world(&app).await;
    let server =
        ServerProcess::start(env!("CARGO_BIN_EXE_cxpm-process"), &app.database_url, &[]).await;
    (app, actions, token, server)
}

/// How long PostgreSQL stays down.
const OUTAGE: Duration = Duration::from_secs(3);

async fn pg_ctlcluster(action: &str) {
    let status = tokio::process::Command::new("pg_ctlcluster")
        .args([
            "--skip-systemctl-redirect",
            &postgres_version(),
            "main",
            action,
        ])
        .status()
        .await
        .expect("pg_ctlcluster");
    assert!(status.success(), "pg_ctlcluster {action}");
}

async fn postgres_restart() {
    let (app, actions, token, mut server) = serving(Backend::Postgres).await;
    let base = server.base.clone();
    let stop = Arc::new(AtomicBool::new(false));
    let started = Instant::now();

    let probe = readiness_probe(base.clone(), started, stop.clone());
    // Down for OUTAGE: stopped (fast shutdown, every session cut), then started.
    let restart = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_secs(3)).await;
        let at = started.elapsed();
        pg_ctlcluster("stop").await;
        tokio::time::sleep(OUTAGE).await;
        pg_ctlcluster("start").await;
        (at, started.elapsed())
    });
    let writers = {
        let (base, token, stop) = (base.clone(), token.clone(), stop.clone());
        tokio::spawn(async move { write_load(&base, &token, &actions, stop).await })
    };
    tokio::time::sleep(Duration::from_secs(12)).await;
    stop.store(true, Ordering::Relaxed);
    let writes = writers.await.expect("the writers");
    let (restart_at, restarted_at) = restart.await.expect("the restart");
    let (down_at, up_again) = probe.await.expect("the probe");
    // The same process still serves.
    let still = server.ready().await;
    server.kill().await;

    let missing = missing(&writes, &app.database_url).await;
    let secs =
        |d: Option<Duration>| d.map_or("never".to_owned(), |d| format!("{:.1} s", d.as_secs_f64()));
    println!(
        "PostgreSQL stopped for {} s and started again under write load ({WRITERS} writers, 12 s):",
        OUTAGE.as_secs()
    );
    println!(
        "  stop began at {:.1} s, PostgreSQL accepting again at {:.1} s; /readyz unready from {} to {}",
        restart_at.as_secs_f64(),
        restarted_at.as_secs_f64(),
        secs(down_at),
        secs(up_again)
    );
    println!("  {}", writes.line(missing));
    println!(
        "  the same server process ready afterwards: {}",
        if still { "yes" } else { "NO" }
    );
    drop(app);
}

async fn sqlite_locked() {
    let (app, actions, token, mut server) = serving(Backend::Sqlite).await;
    let base = server.base.clone();
    let stop = Arc::new(AtomicBool::new(false));
    let read_path = format!("{base}/api/v1/actions/{}", actions[0]);
    let writers = {
        let (base, token, stop) = (base.clone(), token.clone(), stop.clone());
        tokio::spawn(async move { write_load(&base, &token, &actions, stop).await })
    };
    tokio::time::sleep(Duration::from_secs(2)).await;
    // Another process takes the write lock for eight seconds.
    let lock = SqliteLock::hold(&app.database_url);
    // Reads meanwhile.
    let http = Client::new();
    let mut reads = Vec::new();
    let read_until = Instant::now() + Duration::from_secs(8);
    while Instant::now() < read_until {
        let started = Instant::now();
        let status = http
            .get(&read_path)
            .bearer_auth(&token)
            .send()
            .await
            .map(|r| r.status());
        reads.push((started.elapsed(), status.map(|s| s.as_u16()).unwrap_or(0)));
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    drop(lock);
    tokio::time::sleep(Duration::from_secs(3)).await;
    stop.store(true, Ordering::Relaxed);
    let writes = writers.await.expect("the writers");
    server.kill().await;
    let missing = missing(&writes, &app.database_url).await;
    let slowest_read = reads.iter().map(|(d, _)| *d).max().unwrap_or_default();
    let read_errors = reads.iter().filter(|(_, s)| *s >= 500 || *s == 0).count();
    println!("SQLite locked by another process for 8 s under write load ({WRITERS} writers):");
    println!("  {} (the busy timeout is 5 s)", writes.line(missing));
    println!(
        "  reads during the lock: {} answered, {} server errors, slowest {:.0} ms",
        reads.len(),
        read_errors,
        slowest_read.as_secs_f64() * 1000.0
    );
    drop(app);
}

/// `/readyz` every 50 ms until `stop`: when it first said unready, and when ready again
/// after that, counted from `started`.
fn readiness_probe(
    base: String,
    started: Instant,
    stop: Arc<AtomicBool>,
) -> tokio::task::JoinHandle<(Option<Duration>, Option<Duration>)> {
    tokio::spawn(async move {
        let http = Client::builder()
            .timeout(Duration::from_secs(2))
            .build()
            .expect("a client");
        let (mut down_at, mut up_again) = (None, None);
        while !stop.load(Ordering::Relaxed) {
            let ready = http
                .get(format!("{base}/readyz"))
                .send()
                .await
                .is_ok_and(|r| r.status().is_success());
            match (ready, down_at, up_again) {
                (false, None, _) => down_at = Some(started.elapsed()),
                (true, Some(_), None) => up_again = Some(started.elapsed()),
                _ => {}
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        (down_at, up_again)
    })
}

async fn sqlite_disk_full() {
    let Some(disk) = SmallDisk::mount("3m") else {
        println!("SQLite's disk full: not run (mounting a tmpfs needs root)");
        return;
    };
    let url = disk.sqlite_url();
    let app = spawn_app_with(Backend::Sqlite, |s| s.database.database_url = url.clone()).await;
    let (actions, token) = world(&app).await;
    let mut server = ServerProcess::start(env!("CARGO_BIN_EXE_cxpm-process"), &url, &[]).await;
    let base = server.base.clone();
    let stop = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let probe = readiness_probe(base.clone(), started, stop.clone());
    let writers = {
        let (base, token, stop) = (base.clone(), token.clone(), stop.clone());
        tokio::spawn(async move { write_load(&base, &token, &actions, stop).await })
    };
    // The writers fill the disk; four seconds after /readyz first says so, it grows.
    let mut full_at = None;
    while started.elapsed() < Duration::from_secs(60) {
        if !server.ready().await {
            full_at = Some(started.elapsed());
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_secs(4)).await;
    let grown_at = started.elapsed();
    disk.grow("256m");
    tokio::time::sleep(Duration::from_secs(4)).await;
    stop.store(true, Ordering::Relaxed);
    let writes = writers.await.expect("the writers");
    let (down_at, up_again) = probe.await.expect("the probe");
    let still = server.ready().await;
    server.kill().await;
    drop(app);
    let missing = missing(&writes, &url).await;
    let secs =
        |d: Option<Duration>| d.map_or("never".to_owned(), |d| format!("{:.1} s", d.as_secs_f64()));
    println!(
        "SQLite's disk (3 MiB) filled by the write load ({WRITERS} writers), grown to 256 MiB 4 s later:"
    );
    println!(
        "  full at {}, grown at {:.1} s; /readyz unready from {} to {}",
        secs(full_at),
        grown_at.as_secs_f64(),
        secs(down_at),
        secs(up_again)
    );
    println!("  {}", writes.line(missing));
    println!(
        "  the same server process ready afterwards: {}",
        if still { "yes" } else { "NO" }
    );
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    // `cargo bench --bench faults -- disk` runs one fault: postgres, lock or disk.
    let only: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let run = |name: &str| only.is_empty() || only.iter().any(|o| o == name);
    println!("faults: cxpm serve (release) under write load on loopback");
    if run("postgres") {
        postgres_restart().await;
    }
    if run("lock") {
        sqlite_locked().await;
    }
    if run("disk") {
        sqlite_disk_full().await;
    }
}
