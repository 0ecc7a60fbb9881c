//! Slow and idle clients (issue 20, item 5): one client on 127.0.0.2 tries to hold
//! `SLOW_CONNECTIONS` (20 000) half-open connections to `cxpm serve` (release, a
//! process of its own) — a request line and one header, then a header byte every few
//! seconds, reconnecting a second after the server closes one — while a reader on
//! 127.0.0.1 asks `/healthz` and reads the database (`GET /api/v1/people?limit=1`)
//! ten times a second each. Printed: the reader's latency undisturbed (the baseline,
//! same run) and under the attack, their ratio, the connections the attacker held at
//! most, and the server's peak RSS. Both databases.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use cxpm_tests::bench::{env_or, ms, peak_rss_mib, percentile};
use cxpm_tests::{Backend, ServerProcess, spawn_app};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpSocket;

/// The server's open file descriptors now.
fn open_fds(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd")).map_or(0, |d| d.count())
}

/// One slowloris connection, again and again until `stop`.
async fn slow_client(
    server: std::net::SocketAddr,
    held: Arc<AtomicUsize>,
    peak: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
) {
    while !stop.load(Ordering::Relaxed) {
        let socket = match TcpSocket::new_v4() {
            Ok(s) => s,
            Err(_) => {
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        if socket.bind(([127, 0, 0, 2], 0).into()).is_err() {
            tokio::time::sleep(Duration::from_secs(1)).await;
            continue;
        }
        let Ok(Ok(mut stream)) =
            tokio::time::timeout(Duration::from_secs(5), socket.connect(server)).await
        else {
            tokio::time::sleep(Duration::from_secs(1)).await;
            continue;
        };
        let now = held.fetch_add(1, Ordering::Relaxed) + 1;
        peak.fetch_max(now, Ordering::Relaxed);
        let mut alive = stream
            .write_all(b"GET /api/v1/people HTTP/1.1\r\nHost: cxpm\r\n")
            .await
            .is_ok();
        while alive && !stop.load(Ordering::Relaxed) {
            // A header byte now and then; the server's close shows as a read of 0.
            let mut buf = [0u8; 256];
            match tokio::time::timeout(Duration::from_secs(3), stream.read(&mut buf)).await {
                Ok(Ok(0) | Err(_)) => alive = false,
                Ok(Ok(_)) => {}
                Err(_) => alive = stream.write_all(b"X").await.is_ok(),
            }
        }
        held.fetch_sub(1, Ordering::Relaxed);
        drop(stream);
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

struct Reads {
    health: Vec<Duration>,
    db: Vec<Duration>,
    failed: usize,
}

/// The reader on 127.0.0.1 for `seconds`: `/healthz` and a database read, ten a
/// second each, one connection kept alive (reopened when the server closes it).
async fn read_for(base: &str, token: &str, seconds: u64) -> Reads {
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let mut reads = Reads {
        health: Vec::new(),
        db: Vec::new(),
        failed: 0,
    };
    let until = Instant::now() + Duration::from_secs(seconds);
    while Instant::now() < until {
        let started = Instant::now();
        match http.get(format!("{base}/healthz")).send().await {
            Ok(r) if r.status().is_success() => reads.health.push(started.elapsed()),
            _ => reads.failed += 1,
        }
        let started = Instant::now();
        match http
            .get(format!("{base}/api/v1/people?limit=1"))
            .bearer_auth(token)
            .send()
            .await
        {
            Ok(r) if r.status().is_success() => {
                let _ = r.bytes().await;
                reads.db.push(started.elapsed());
            }
            _ => reads.failed += 1,
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    reads
}

fn line(label: &str, samples: &mut [Duration]) -> (Duration, Duration) {
    let (p50, p99) = (percentile(samples, 0.5), percentile(samples, 0.99));
    let max = samples.iter().max().copied().unwrap_or_default();
    println!(
        "  {label:<28} p50 {:>8}  p99 {:>8}  max {:>8}  ({} reads)",
        ms(p50),
        ms(p99),
        ms(max),
        samples.len()
    );
    (p50, p99)
}

async fn bench(backend: Backend) {
    let connections = env_or("SLOW_CONNECTIONS", 20_000) as usize;
    let seconds = env_or("SLOW_SECONDS", 20);
    let app = spawn_app(backend).await;
    let server = ServerProcess::start(
        env!("CARGO_BIN_EXE_cxpm-process"),
        &app.database_url,
        &[("CXPM_LOG", "error")],
    )
    .await;
    let pid = server.child.id().expect("a pid");
    let addr: std::net::SocketAddr = server.base.trim_start_matches("http://").parse().unwrap();
    println!("{backend:?}:");

    let mut calm = read_for(&server.base, &app.admin_token, 5).await;
    let (_, calm_health) = line("undisturbed /healthz", &mut calm.health);
    let (_, calm_db) = line("undisturbed database read", &mut calm.db);

    let stop = Arc::new(AtomicBool::new(false));
    let held = Arc::new(AtomicUsize::new(0));
    let peak = Arc::new(AtomicUsize::new(0));
    let attackers: Vec<_> = (0..connections)
        .map(|_| tokio::spawn(slow_client(addr, held.clone(), peak.clone(), stop.clone())))
        .collect();
    // Let the attack build up, then read beside it.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let fds_sampler = {
        let stop = stop.clone();
        tokio::spawn(async move {
            let mut most = 0;
            while !stop.load(Ordering::Relaxed) {
                most = most.max(open_fds(pid));
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            most
        })
    };
    let mut attacked = read_for(&server.base, &app.admin_token, seconds).await;
    stop.store(true, Ordering::Relaxed);
    let server_fds = fds_sampler.await.unwrap_or(0);
    for a in attackers {
        a.abort();
    }
    let (_, hot_health) = line("under attack /healthz", &mut attacked.health);
    let (_, hot_db) = line("under attack database read", &mut attacked.db);
    let rss = peak_rss_mib(pid);
    println!(
        "  attacker: {connections} tasks, held at most {} connections at once; server's open descriptors at most {server_fds}",
        peak.load(Ordering::Relaxed)
    );
    println!(
        "  p99 ratio attacked/undisturbed: /healthz {:.1}x, database read {:.1}x; failed reads {}",
        hot_health.as_secs_f64() / calm_health.as_secs_f64().max(1e-9),
        hot_db.as_secs_f64() / calm_db.as_secs_f64().max(1e-9),
        attacked.failed + calm.failed
    );
    let ok = hot_health < Duration::from_millis(100)
        && hot_db < Duration::from_millis(100)
        && rss < 128.0
        && attacked.failed == 0;
    println!(
        "  server peak RSS {rss:.0} MiB — goal (p99 ≤ 100 ms, RSS ≤ 128 MiB, no failed read): {}",
        if ok { "met" } else { "NOT met" }
    );
    drop(server);
    drop(app);
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    println!(
        "slow clients: a slowloris on 127.0.0.2 against cxpm serve (release) while 127.0.0.1 reads; client and server share 2 cores"
    );
    bench(Backend::Sqlite).await;
    bench(Backend::Postgres).await;
}
