//! Many readers (issue 20): the large demo organisation (`cxpm demo --size large`)
//! served by `cxpm serve` as a process of its own (release build), 16 clients at
//! once on loopback, each sending `Accept-Encoding: gzip, br` as browsers do:
//!
//! 1. `/healthz`, the ceiling;
//! 2. the same gap report (JSON) from every client;
//! 3. the same progress report (JSON);
//! 4. 16 different gap reports, one per client (distinct `until` dates: each a full
//!    computation over every key point and metric), for memory;
//! 5. the same gap report again with nothing kept (`CXPM_REPORT_CACHE_MB=0`), the
//!    figure before kept reports, in the same run;
//! 6. on PostgreSQL, two replicas on the one database, the clients split between
//!    them, then a change through one replica and the other's next report.
//!
//! Prints req/s, p50 and p99 of each, the bytes of an answer, the server's peak RSS,
//! and the goals: the same report ≥ 300 req/s with p99 ≤ 100 ms, peak RSS ≤ 128 MiB.
//!
//! `scripts/bench-readers` runs it on SQLite and PostgreSQL
//! (`cargo bench -p cxpm-tests --bench readers`); `READERS_SECONDS` (default 15) and
//! `READERS_CLIENTS` (default 16) change the run; `READERS_BACKENDS=sqlite` (or
//! `postgres`) runs one.

use std::sync::Arc;
use std::time::{Duration, Instant};

use cxpm_api::config::DemoSize;
use cxpm_tests::bench::{env_or, ms, peak_rss_mib, percentile};
use cxpm_tests::{Backend, ServerProcess, spawn_app};
use reqwest::Client;
use sea_orm::Database;

/// What one phase measured.
struct Phase {
    samples: Vec<Duration>,
    failed: usize,
    bytes: usize,
    seconds: f64,
}

/// `clients` clients for `seconds`, client `i` reading `paths[i % paths.len()]`
/// (with `token`) from server `bases[i % bases.len()]` over and over.
async fn phase(
    http: &Client,
    bases: &[&str],
    token: &str,
    paths: &[String],
    clients: usize,
    seconds: u64,
) -> Phase {
    let paths: Arc<[String]> = paths.into();
    let until = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let tasks: Vec<_> = (0..clients)
        .map(|i| {
            let (http, base, token, paths) = (
                http.clone(),
                bases[i % bases.len()].to_owned(),
                token.to_owned(),
                paths.clone(),
            );
            tokio::spawn(async move {
                let url = format!("{base}{}", paths[i % paths.len()]);
                let (mut samples, mut failed, mut bytes) = (Vec::new(), 0, 0);
                while Instant::now() < until {
                    let at = Instant::now();
                    let answer = http
                        .get(&url)
                        .bearer_auth(&token)
                        .header("accept-encoding", "gzip, br")
                        .send()
                        .await;
                    match answer {
                        Ok(r) if r.status().is_success() => match r.bytes().await {
                            Ok(b) => {
                                bytes = b.len();
                                samples.push(at.elapsed());
                            }
                            Err(_) => failed += 1,
                        },
                        _ => failed += 1,
                    }
                }
                (samples, failed, bytes)
            })
        })
        .collect();
    let mut all = Phase {
        samples: Vec::new(),
        failed: 0,
        bytes: 0,
        seconds: 0.0,
    };
    for t in tasks {
        let (samples, failed, bytes) = t.await.expect("a client");
        all.samples.extend(samples);
        all.failed += failed;
        all.bytes = all.bytes.max(bytes);
    }
    all.seconds = started.elapsed().as_secs_f64();
    all
}

/// Prints a phase; returns its req/s and p99.
fn line(label: &str, p: &mut Phase) -> (f64, Duration) {
    let rps = p.samples.len() as f64 / p.seconds;
    let (p50, p99) = (
        percentile(&mut p.samples, 0.5),
        percentile(&mut p.samples, 0.99),
    );
    println!(
        "  {label:<34} {rps:>8.1} req/s  p50 {:>9}  p99 {:>9}  {:>8.1} kB/answer  failed {}",
        ms(p50),
        ms(p99),
        p.bytes as f64 / 1000.0,
        p.failed
    );
    (rps, p99)
}

async fn bench(backend: Backend) {
    let seconds = env_or("READERS_SECONDS", 15);
    let clients = env_or("READERS_CLIENTS", 16) as usize;
    let app = spawn_app(backend).await;
    let db = Database::connect(&app.database_url)
        .await
        .expect("the benchmark's own connection");
    let started = Instant::now();
    let built = cxpm_api::demo::build(&db, DemoSize::Large, 7)
        .await
        .expect("the large demo builds");
    println!(
        "{backend:?}: large demo built in {:.1} s ({} key points, {} measurements, {} actions); {clients} clients, {seconds} s per phase",
        started.elapsed().as_secs_f64(),
        built.key_points,
        built.measurements,
        built.actions,
    );
    let pid = &built.program_id;
    let token = &built.coordinator_token;
    let gaps = format!("/api/v1/programs/{pid}/reports/gaps");
    let progress = format!("/api/v1/programs/{pid}/reports/progress");
    let today = chrono::Utc::now().date_naive();
    let distinct: Vec<String> = (0..clients as u64)
        .map(|i| format!("{gaps}?until={}", today - chrono::Days::new(i)))
        .collect();
    let http = Client::builder()
        .pool_max_idle_per_host(clients)
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap();

    let server = ServerProcess::start(
        env!("CARGO_BIN_EXE_cxpm-process"),
        &app.database_url,
        &[("CXPM_LOG", "error")],
    )
    .await;
    let process = server.child.id().expect("a pid");
    let base = server.base.clone();
    let healthz = ["/healthz".to_owned()];
    let (h_rps, _) = line(
        "/healthz",
        &mut phase(&http, &[&base], token, &healthz, clients, seconds).await,
    );
    let (g_rps, g_p99) = line(
        "the same gap report",
        &mut phase(
            &http,
            &[&base],
            token,
            std::slice::from_ref(&gaps),
            clients,
            seconds,
        )
        .await,
    );
    let (p_rps, p_p99) = line(
        "the same progress report",
        &mut phase(
            &http,
            &[&base],
            token,
            std::slice::from_ref(&progress),
            clients,
            seconds,
        )
        .await,
    );
    let (d_rps, d_p99) = line(
        "16 different gap reports",
        &mut phase(&http, &[&base], token, &distinct, clients, seconds).await,
    );
    let rss = peak_rss_mib(process);
    drop(server);

    let uncached = ServerProcess::start(
        env!("CARGO_BIN_EXE_cxpm-process"),
        &app.database_url,
        &[("CXPM_LOG", "error"), ("CXPM_REPORT_CACHE_MB", "0")],
    )
    .await;
    let (u_rps, u_p99) = line(
        "the same gap report, nothing kept",
        &mut phase(
            &http,
            &[&uncached.base],
            token,
            std::slice::from_ref(&gaps),
            clients,
            seconds,
        )
        .await,
    );
    let u_rss = peak_rss_mib(uncached.child.id().expect("a pid"));
    drop(uncached);

    let goal = |ok: bool| if ok { "met" } else { "MISSED" };
    println!(
        "  same gap report {g_rps:.0} req/s ({:.0} % of /healthz, {:.1}x nothing kept), p99 {}: goal ≥ 300 req/s, p99 ≤ 100 ms {}",
        100.0 * g_rps / h_rps,
        g_rps / u_rps.max(1e-9),
        ms(g_p99),
        goal(g_rps >= 300.0 && g_p99 <= Duration::from_millis(100))
    );
    println!(
        "  same progress report {p_rps:.0} req/s, p99 {}: goal ≥ 300 req/s, p99 ≤ 100 ms {}",
        ms(p_p99),
        goal(p_rps >= 300.0 && p_p99 <= Duration::from_millis(100))
    );
    println!(
        "  16 different reports {d_rps:.1} req/s, p99 {}; server peak RSS {rss:.1} MiB: goal ≤ 128 MiB {}",
        ms(d_p99),
        goal(rss <= 128.0)
    );
    println!(
        "  nothing kept: {u_rps:.1} req/s, p99 {}, peak RSS {u_rss:.1} MiB",
        ms(u_p99)
    );
    if backend == Backend::Postgres {
        two_replicas(
            &app.database_url,
            &http,
            token,
            pid,
            &gaps,
            clients,
            seconds,
        )
        .await;
    }
}

/// Two `cxpm serve` replicas on the one PostgreSQL database, the clients split between
/// them (as a load balancer would), on this one machine's two cores: the same gap
/// report from both, each replica's peak RSS; then a change through one replica and the
/// other's very next report (the per-program change counter both read).
async fn two_replicas(
    database_url: &str,
    http: &Client,
    token: &str,
    pid: &str,
    gaps: &str,
    clients: usize,
    seconds: u64,
) {
    let env = [("CXPM_LOG", "error")];
    let exe = env!("CARGO_BIN_EXE_cxpm-process");
    let one = ServerProcess::start(exe, database_url, &env).await;
    let two = ServerProcess::start(exe, database_url, &env).await;
    let bases = [one.base.as_str(), two.base.as_str()];
    let (rps, p99) = line(
        "the same gap report, two replicas",
        &mut phase(http, &bases, token, &[gaps.to_owned()], clients, seconds).await,
    );
    let rss = [one.child.id(), two.child.id()].map(|pid| peak_rss_mib(pid.expect("a pid")));
    let generated = |base: &str| {
        let url = format!("{base}{gaps}");
        async move {
            let report: serde_json::Value = http
                .get(&url)
                .bearer_auth(token)
                .send()
                .await
                .expect("a report")
                .json()
                .await
                .expect("a JSON report");
            report["generated_at"]
                .as_str()
                .unwrap_or_default()
                .to_owned()
        }
    };
    let before = generated(bases[1]).await;
    let program = format!("{}/api/v1/programs/{pid}", bases[0]);
    let etag = http
        .get(&program)
        .bearer_auth(token)
        .send()
        .await
        .expect("the program")
        .headers()["etag"]
        .clone();
    let changed = http
        .patch(&program)
        .bearer_auth(token)
        .header("if-match", etag)
        .json(&serde_json::json!({"description": "Changed through the first replica."}))
        .send()
        .await
        .expect("a change");
    assert!(changed.status().is_success(), "{}", changed.status());
    let after = generated(bases[1]).await;
    println!(
        "  two replicas: {rps:.0} req/s together ({:.0} per replica), p99 {}, peak RSS {:.1} and {:.1} MiB; a change through one is in the other's very next report: {}",
        rps / 2.0,
        ms(p99),
        rss[0],
        rss[1],
        if after != before { "yes" } else { "NO" }
    );
}

#[tokio::main]
async fn main() {
    let only = std::env::var("READERS_BACKENDS").unwrap_or_default();
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let name = format!("{backend:?}").to_lowercase();
        if only.is_empty() || only.split(',').any(|b| b == name) {
            bench(backend).await;
        }
    }
}
