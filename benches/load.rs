//! The load benchmark: a mixed workload for a bounded time against `cxpm serve` as a
//! process of its own (release build) on loopback — coordinators assigning owners
//! (read the row, then PATCH it with its ETag), department heads posting progress
//! updates, executives reading the progress and gap reports — on SQLite and then
//! PostgreSQL. It prints throughput, p50/p99 latency per kind and overall, the error
//! count (anything but 2xx; must be 0), the server's peak RSS (goal ≤ 64 MiB), and
//! `/healthz` at the same concurrency in the same run, as the ceiling.
//!
//! `scripts/bench-load` runs it (`cargo bench -p cxpm-tests --bench load`);
//! `LOAD_SECONDS` (default 20) and `LOAD_CLIENTS` (default 16) change the run.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use cxpm_tests::bench::{env_or, peak_rss_mib};
use cxpm_tests::{Backend, ServerProcess, TestApp, spawn_app};
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};

const DEPARTMENTS: usize = 10;
const MEMBERS_PER_DEPARTMENT: usize = 3;
const ACTIONS_PER_PLAN: usize = 10;

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap_or_default().to_owned()
}

/// What the workload works on.
struct World {
    program: String,
    coordinator: String,
    executive: String,
    /// Per department: the head's token, its actions.
    heads: Vec<(String, Vec<String>)>,
    /// Owner rows with the two members of their department they alternate between.
    owners: Vec<(String, [String; 2])>,
}

async fn world(app: &TestApp) -> World {
    let (coordinator, coordinator_token) = app.someone("coordinator", None).await;
    let (_, executive) = app.someone("executive", None).await;
    let program = app
        .created(
            "/api/v1/programs",
            json!({"name": "Load", "coordinator_id": coordinator["id"]}),
        )
        .await;
    let p = id(&program);
    let stage = app
        .created(
            &format!("/api/v1/programs/{p}/stages"),
            json!({"name": "Order to delivery", "customer_facing": true}),
        )
        .await;
    let mut departments = Vec::new();
    for d in 0..DEPARTMENTS {
        let dept = app
            .department(&format!("Department {d}"), &format!("D{d}"))
            .await;
        let mut members = Vec::new();
        for m in 0..MEMBERS_PER_DEPARTMENT {
            let person = app
                .person(
                    &format!("Member {d}.{m}"),
                    &format!("m{d}.{m}@example.com"),
                    "member",
                    Some(&id(&dept)),
                )
                .await;
            members.push(id(&person));
        }
        let (_, head_token) = app.head_of(&dept).await;
        departments.push((dept, members, head_token));
    }
    let mut heads = Vec::new();
    let mut owners = Vec::new();
    for d in 0..DEPARTMENTS {
        let (dept, members, head_token) = &departments[d];
        let customer = &departments[(d + 1) % DEPARTMENTS].0;
        let sub_process = app
            .created(
                &format!("/api/v1/stages/{}/sub-processes", id(&stage)),
                json!({"name": format!("Step {d}")}),
            )
            .await;
        for o in 0..2 {
            let (owner_dept, owner_members, _) = &departments[(d + o) % DEPARTMENTS];
            let owner = app
                .created(
                    &format!("/api/v1/sub-processes/{}/owners", id(&sub_process)),
                    json!({"department_id": owner_dept["id"], "responsibility": "Runs this step"}),
                )
                .await;
            owners.push((
                id(&owner),
                [owner_members[0].clone(), owner_members[1].clone()],
            ));
        }
        let rel = app.created(&format!("/api/v1/programs/{p}/relationships"), json!({"provider_department_id": dept["id"],
            "customer_department_id": customer["id"], "delivers": "Parts", "sub_process_id": sub_process["id"]})).await;
        let point = app
            .created(
                &format!("/api/v1/relationships/{}/key-points", id(&rel)),
                json!({"name": "On time"}),
            )
            .await;
        app.created(&format!("/api/v1/key-points/{}/measurements", id(&point)), json!({"period_start": "2026-10-01",
            "period_end": "2026-10-31", "expectation_score": 4.5, "experience_score": 3.2, "importance": 4, "source": "survey"})).await;
        let plan = app
            .created(
                &format!("/api/v1/relationships/{}/plans", id(&rel)),
                json!({"title": format!("Plan {d}")}),
            )
            .await;
        let mut actions = Vec::new();
        for a in 0..ACTIONS_PER_PLAN {
            let action = app.created(&format!("/api/v1/plans/{}/actions", id(&plan)),
                json!({"title": format!("Action {d}.{a}"), "owner_id": members[a % members.len()], "due_date": "2027-03-01"})).await;
            actions.push(id(&action));
        }
        heads.push((head_token.clone(), actions));
    }
    World {
        program: p,
        coordinator: coordinator_token,
        executive,
        heads,
        owners,
    }
}

/// The latencies of one kind of request, and its errors.
#[derive(Default)]
struct Tally {
    latencies: Vec<Duration>,
    errors: usize,
    first_error: Option<String>,
}

impl Tally {
    fn record(&mut self, started: Instant, status: StatusCode, what: &str) {
        self.latencies.push(started.elapsed());
        if !status.is_success() {
            self.errors += 1;
            self.first_error
                .get_or_insert_with(|| format!("{what}: {status}"));
        }
    }

    fn merge(&mut self, other: Tally) {
        self.latencies.extend(other.latencies);
        self.errors += other.errors;
        if self.first_error.is_none() {
            self.first_error = other.first_error;
        }
    }

    fn percentile(&mut self, p: f64) -> f64 {
        if self.latencies.is_empty() {
            return 0.0;
        }
        self.latencies.sort_unstable();
        let i =
            ((self.latencies.len() as f64 * p).ceil() as usize).clamp(1, self.latencies.len()) - 1;
        self.latencies[i].as_secs_f64() * 1000.0
    }

    fn line(&mut self, name: &str, seconds: f64) -> String {
        format!(
            "{name} {:.0} req/s (p50 {:.1} ms, p99 {:.1} ms)",
            self.latencies.len() as f64 / seconds,
            self.percentile(0.50),
            self.percentile(0.99)
        )
    }
}

/// One client: its share of the mix until `stop`.
async fn client(
    n: usize,
    mine: Vec<(String, [String; 2])>,
    base: Arc<str>,
    world: Arc<World>,
    stop: Arc<AtomicBool>,
    http: Client,
) -> [Tally; 3] {
    let [mut updates, mut owners, mut reports] =
        [Tally::default(), Tally::default(), Tally::default()];
    let mut round = 0usize;
    while !stop.load(Ordering::Relaxed) {
        round += 1;
        match n % 10 {
            // Heads post progress on their department's actions.
            0..=3 => {
                let (token, actions) = &world.heads[n % world.heads.len()];
                let action = &actions[round % actions.len()];
                let started = Instant::now();
                let resp = http
                    .post(format!("{base}/api/v1/actions/{action}/updates"))
                    .bearer_auth(token)
                    .json(&json!({"progress": (round * 7) % 100, "comment": "Called the carrier"}))
                    .send()
                    .await;
                let status = resp.map(|r| r.status()).unwrap_or(StatusCode::BAD_GATEWAY);
                updates.record(started, status, "POST /actions/{id}/updates");
            }
            // Coordinators assign owners: read the row, then change it with its ETag.
            // Each client has rows of its own, so no two race for one.
            4..=6 if !mine.is_empty() => {
                let (owner, people) = &mine[round % mine.len()];
                let started = Instant::now();
                let got = http
                    .get(format!("{base}/api/v1/owners/{owner}"))
                    .bearer_auth(&world.coordinator)
                    .send()
                    .await;
                let Ok(got) = got else {
                    owners.record(started, StatusCode::BAD_GATEWAY, "GET /owners/{id}");
                    continue;
                };
                let etag = got
                    .headers()
                    .get("etag")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("\"0\"")
                    .to_owned();
                owners.record(started, got.status(), "GET /owners/{id}");
                let started = Instant::now();
                let resp = http
                    .patch(format!("{base}/api/v1/owners/{owner}"))
                    .bearer_auth(&world.coordinator)
                    .header("if-match", etag)
                    .json(&json!({"person_id": people[round % 2]}))
                    .send()
                    .await;
                let status = resp.map(|r| r.status()).unwrap_or(StatusCode::BAD_GATEWAY);
                owners.record(started, status, "PATCH /owners/{id}");
            }
            // Executives read the reports.
            _ => {
                let report = if round.is_multiple_of(2) {
                    "progress"
                } else {
                    "gaps"
                };
                let started = Instant::now();
                let resp = http
                    .get(format!(
                        "{base}/api/v1/programs/{}/reports/{report}",
                        world.program
                    ))
                    .bearer_auth(&world.executive)
                    .send()
                    .await;
                let status = match resp {
                    Ok(r) => {
                        let status = r.status();
                        let _ = r.bytes().await;
                        status
                    }
                    Err(_) => StatusCode::BAD_GATEWAY,
                };
                reports.record(started, status, "GET /reports");
            }
        }
    }
    [updates, owners, reports]
}

async fn healthz_client(base: Arc<str>, stop: Arc<AtomicBool>, http: Client) -> Tally {
    let mut tally = Tally::default();
    while !stop.load(Ordering::Relaxed) {
        let started = Instant::now();
        let status = http
            .get(format!("{base}/healthz"))
            .send()
            .await
            .map(|r| r.status())
            .unwrap_or(StatusCode::BAD_GATEWAY);
        tally.record(started, status, "GET /healthz");
    }
    tally
}

async fn bench(backend: Backend) {
    let seconds = env_or("LOAD_SECONDS", 20);
    let clients = env_or("LOAD_CLIENTS", 16) as usize;
    let app = spawn_app(backend).await;
    let world = Arc::new(world(&app).await);

    // The server under load: the cxpm program as a process of its own.
    let mut server = ServerProcess::start(
        env!("CARGO_BIN_EXE_cxpm-process"),
        &app.database_url,
        &[("CXPM_LOG", "warn")],
    )
    .await;
    let pid = server.child.id().expect("a pid");
    let base: Arc<str> = server.base.as_str().into();
    let http = Client::builder()
        .pool_max_idle_per_host(clients)
        .build()
        .expect("a client");

    // The mix.
    let stop = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    // Owner rows are dealt out among the clients that assign owners, so that no two
    // race for one row (a race would be a correct 412, and count as an error here).
    let assigners: Vec<usize> = (0..clients)
        .filter(|n| (4..=6).contains(&(n % 10)))
        .collect();
    let mut rows = vec![Vec::new(); clients];
    for (i, owner) in world.owners.iter().enumerate() {
        if let Some(n) = assigners.get(i % assigners.len().max(1)) {
            rows[*n].push(owner.clone());
        }
    }
    let tasks: Vec<_> = rows
        .into_iter()
        .enumerate()
        .map(|(n, mine)| {
            tokio::spawn(client(
                n,
                mine,
                base.clone(),
                world.clone(),
                stop.clone(),
                http.clone(),
            ))
        })
        .collect();
    tokio::time::sleep(Duration::from_secs(seconds)).await;
    stop.store(true, Ordering::Relaxed);
    let mut kinds = [Tally::default(), Tally::default(), Tally::default()];
    for task in tasks {
        for (kind, tally) in kinds.iter_mut().zip(task.await.expect("a client")) {
            kind.merge(tally);
        }
    }
    let mixed_seconds = started.elapsed().as_secs_f64();
    let rss_after_mix = peak_rss_mib(pid);

    // The ceiling: /healthz at the same concurrency.
    let stop = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let tasks: Vec<_> = (0..clients)
        .map(|_| tokio::spawn(healthz_client(base.clone(), stop.clone(), http.clone())))
        .collect();
    tokio::time::sleep(Duration::from_secs(seconds.div_ceil(2))).await;
    stop.store(true, Ordering::Relaxed);
    let mut health = Tally::default();
    for task in tasks {
        health.merge(task.await.expect("a client"));
    }
    let health_seconds = started.elapsed().as_secs_f64();
    let peak = peak_rss_mib(pid);
    server.kill().await;

    let label = match backend {
        Backend::Sqlite => "SQLite",
        Backend::Postgres => "PostgreSQL",
    };
    let mut all = Tally::default();
    let [mut updates, mut owners, mut reports] = kinds;
    let lines = [
        updates.line("heads' updates", mixed_seconds),
        owners.line("owner assignments (GET + PATCH)", mixed_seconds),
        reports.line("report reads", mixed_seconds),
    ];
    for kind in [updates, owners, reports] {
        all.merge(kind);
    }
    println!("{label}, {clients} clients, {seconds} s:");
    println!(
        "  mixed: {}, errors {}{}",
        all.line("all", mixed_seconds),
        all.errors,
        all.first_error
            .as_deref()
            .map(|e| format!(" (first: {e})"))
            .unwrap_or_default()
    );
    for line in lines {
        println!("    {line}");
    }
    println!(
        "  ceiling: {}, errors {}",
        health.line("/healthz", health_seconds),
        health.errors
    );
    println!(
        "  server peak RSS {:.1} MiB after the mix, {:.1} MiB at the end {}",
        rss_after_mix,
        peak,
        if peak <= 64.0 {
            "(goal ≤ 64 MiB met)"
        } else {
            "(goal ≤ 64 MiB)"
        }
    );
    drop(app);
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    println!(
        "load: mixed workload against cxpm serve (release) on loopback; client and server share 2 cores"
    );
    bench(Backend::Sqlite).await;
    bench(Backend::Postgres).await;
}
