//! The reminder benchmark: 100 000 due actions across 2 000 people (50 departments,
//! each with a head), an overdue schedule with a three-day grace. Times firing it —
//! planning every digest and queuing it in the outbox, one transaction — on SQLite
//! and PostgreSQL, then the rate at which a dispatcher delivers the queue to an SMTP
//! sink on loopback (mailin-embedded).
//!
//! `scripts/bench-reminders` runs it (`cargo bench -p cxpm-tests --bench reminders`).

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use cxpm_tests::{Backend, spawn_app};
use sea_orm::Database;
use serde_json::{Value, json};

#[path = "common/org.rs"]
mod org;

use org::PEOPLE;

const ACTIONS: usize = 100_000;

async fn bench(backend: Backend) {
    let app = spawn_app(backend).await;
    let db = Database::connect(&app.database_url)
        .await
        .expect("the benchmark's own connection");
    let started = Instant::now();
    let (program, _) = org::organisation(&db, ACTIONS).await;
    let built = started.elapsed();
    let client = reqwest::Client::new();
    let schedule: Value = client
        .post(format!("{}/api/v1/programs/{program}/schedules", app.base))
        .bearer_auth(&app.admin_token)
        .json(&json!({"kind": "overdue", "cron": "0 9 * * *", "time_zone": "UTC", "escalate_after_days": 3}))
        .send()
        .await
        .expect("a schedule")
        .json()
        .await
        .expect("JSON");
    let schedule_id = schedule["id"].as_str().expect("an id").to_owned();
    let started = Instant::now();
    let run: Value = client
        .post(format!("{}/api/v1/schedules/{schedule_id}/run", app.base))
        .bearer_auth(&app.admin_token)
        .send()
        .await
        .expect("the run")
        .json()
        .await
        .expect("JSON");
    let fired = started.elapsed();
    let queued = run["queued"].as_u64().unwrap_or(0) as usize;

    // Delivery: a dispatching server on the same database, to an SMTP sink.
    let (port, delivered) = org::sink();
    let mut settings = cxpm_api::config::ServeArgs::for_database(app.database_url.clone());
    settings.smtp_url = Some(format!("smtp://127.0.0.1:{port}"));
    settings.dispatch_every_ms = 10;
    settings.no_scheduler = true;
    let dispatcher = cxpm_api::server::App::prepare(settings)
        .await
        .expect("a dispatching server");
    let started = Instant::now();
    tokio::spawn(dispatcher.run(std::future::pending()));
    while delivered.load(Ordering::SeqCst) < queued && started.elapsed() < Duration::from_secs(300)
    {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let sent = delivered.load(Ordering::SeqCst);
    let delivery = started.elapsed();
    let label = match backend {
        Backend::Sqlite => "SQLite",
        Backend::Postgres => "PostgreSQL",
    };
    println!(
        "{label}: {ACTIONS} due actions, {PEOPLE} people (built in {:.1} s) | fire: {} digests planned and queued in {:.2} s {} | delivery: {sent} mails in {:.1} s = {:.0} mails/s",
        built.as_secs_f64(),
        queued,
        fired.as_secs_f64(),
        if fired <= Duration::from_secs(2) {
            "(goal ≤ 2 s met)"
        } else {
            "(goal ≤ 2 s)"
        },
        delivery.as_secs_f64(),
        sent as f64 / delivery.as_secs_f64().max(1e-9),
    );
    db.close().await.ok();
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    println!("reminders: plan and queue one firing, then deliver it; release build, loopback");
    bench(Backend::Sqlite).await;
    bench(Backend::Postgres).await;
}
