//! The fan-out benchmark (issue 18): one overdue firing for 2 000 people planned into
//! mail digests plus a message for each of 50 WeCom group robots (one per
//! department), and 50 snapshots told to 20 webhook subscribers (1 000 signed calls);
//! one robot also has a backlog of 40 messages, twice WeCom's 20 a minute. A separate
//! `cxpm serve` process (dispatcher at its default pace) drains it all to an SMTP sink
//! and a loopback HTTP server playing WeCom and the webhook receivers. Prints how long
//! each part took, that the backlogged robot never got more than 20 in a minute, and
//! the server process's CPU while it only waits for that robot's budget (goal: under
//! 10 % of a core). SQLite and PostgreSQL.
//!
//! `scripts/bench-hooks` runs it (`cargo bench -p cxpm-tests --bench hooks`).

use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use cxpm_app::store::delivery;
use cxpm_domain::reminder::OutboxStatus;
use cxpm_tests::{Backend, ServerProcess, spawn_app_with};
use poem::{EndpointExt, Request, Route, Server, handler, listener::TcpListener, web::Data};
use sea_orm::{ActiveValue::Set, Database, EntityTrait};
use serde_json::{Value, json};

#[path = "common/org.rs"]
mod org;

const EXE: &str = env!("CARGO_BIN_EXE_cxpm-process");
const ACTIONS: usize = 4_000;
const CHANNELS: usize = 50;
const WEBHOOKS: usize = 20;
const SNAPSHOTS: usize = 50;
const BACKLOG: usize = 40;

/// When each call arrived, by the path's first segment and the robot's key.
#[derive(Default)]
struct Calls(Mutex<Vec<(String, Instant)>>);

impl Calls {
    fn count(&self, prefix: &str) -> usize {
        self.0
            .lock()
            .unwrap()
            .iter()
            .filter(|(p, _)| p.starts_with(prefix))
            .count()
    }

    /// When the last call under `prefix` arrived.
    fn last(&self, prefix: &str) -> Option<Instant> {
        self.0
            .lock()
            .unwrap()
            .iter()
            .filter(|(p, _)| p.starts_with(prefix))
            .map(|(_, t)| *t)
            .max()
    }

    fn times(&self, path: &str) -> Vec<Instant> {
        self.0
            .lock()
            .unwrap()
            .iter()
            .filter(|(p, _)| p == path)
            .map(|(_, t)| *t)
            .collect()
    }
}

#[handler]
async fn receive(req: &Request, Data(calls): Data<&Arc<Calls>>) -> poem::Response {
    let key = req.uri().query().unwrap_or("").to_owned();
    let path = format!("{}?{key}", req.uri().path());
    calls.0.lock().unwrap().push((path, Instant::now()));
    poem::Response::builder()
        .content_type("application/json")
        .body(r#"{"errcode":0,"errmsg":"ok"}"#)
}

async fn receiver() -> (Arc<Calls>, String) {
    let calls = Arc::new(Calls::default());
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a port");
    let port = listener.local_addr().expect("its address").port();
    drop(listener);
    let app = Route::new()
        .at("/*path", poem::post(receive))
        .data(Arc::clone(&calls));
    tokio::spawn(async move {
        Server::new(TcpListener::bind(format!("127.0.0.1:{port}")))
            .run(app)
            .await
            .ok();
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    (calls, format!("http://127.0.0.1:{port}"))
}

/// CPU seconds (user and system) process `pid` has used.
fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // The fields after the command's closing parenthesis; utime and stime are the
    // 14th and 15th of the line, in clock ticks (100 a second on Linux).
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (ticks(11) + ticks(12)) / 100.0
}

async fn post(client: &reqwest::Client, base: &str, token: &str, path: &str, body: Value) -> Value {
    let resp = client
        .post(format!("{base}{path}"))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .expect("the call");
    let status = resp.status();
    let value: Value = resp.json().await.unwrap_or(Value::Null);
    assert!(status.is_success(), "{path}: {status} {value}");
    value
}

async fn until(what: &str, limit: Duration, mut done: impl FnMut() -> bool) -> Duration {
    let started = Instant::now();
    while !done() {
        assert!(started.elapsed() < limit, "{what}: not within {limit:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    started.elapsed()
}

async fn bench(backend: Backend) {
    let app = spawn_app_with(backend, |s| s.allow_private_targets = true).await;
    let db = Database::connect(&app.database_url)
        .await
        .expect("the benchmark's own connection");
    let (program, departments) = org::organisation(&db, ACTIONS).await;
    let (calls, base) = receiver().await;
    let client = reqwest::Client::new();
    let token = app.admin_token.clone();
    let schedule = post(
        &client,
        &app.base,
        &token,
        &format!("/api/v1/programs/{program}/schedules"),
        json!({"kind": "overdue", "cron": "0 9 * * *", "time_zone": "UTC"}),
    )
    .await;
    let mut channels = Vec::new();
    for (i, dept) in departments.iter().take(CHANNELS).enumerate() {
        let c = post(
            &client,
            &app.base,
            &token,
            &format!("/api/v1/programs/{program}/channels"),
            json!({"kind": "wecom", "name": format!("Group {i}"), "locale": "zh-CN",
                "url": format!("{base}/wecom/send?key=robot{i:02}"),
                "schedule_ids": [schedule["id"]], "department_ids": [dept]}),
        )
        .await;
        channels.push(c["id"].as_str().expect("an id").to_owned());
    }
    for i in 0..WEBHOOKS {
        post(
            &client,
            &app.base,
            &token,
            &format!("/api/v1/programs/{program}/webhooks"),
            json!({"url": format!("{base}/webhook/{i:02}"), "events": ["snapshot.saved"]}),
        )
        .await;
    }
    let run = post(
        &client,
        &app.base,
        &token,
        &format!(
            "/api/v1/schedules/{}/run",
            schedule["id"].as_str().unwrap_or("")
        ),
        json!({}),
    )
    .await;
    let mails = run["queued"].as_u64().unwrap_or(0) as usize;
    for i in 0..SNAPSHOTS {
        post(
            &client,
            &app.base,
            &token,
            &format!("/api/v1/programs/{program}/reports/gaps/snapshots"),
            json!({"label": format!("Week {i}")}),
        )
        .await;
    }
    // The backlog: robot 00 owes BACKLOG messages in all.
    let now = cxpm_app::Clock::system().now();
    let backlog: Vec<delivery::ActiveModel> = (1..BACKLOG)
        .map(|n| delivery::ActiveModel {
            id: Set(cxpm_app::store::new_id()),
            program_id: Set(program.clone()),
            channel_id: Set(Some(channels[0].clone())),
            webhook_id: Set(None),
            event: Set("digest.overdue".to_owned()),
            dedupe_key: Set(format!("bench:{n}")),
            body: Set(
                json!({"msgtype": "markdown", "markdown": {"content": format!("backlog {n}")}})
                    .to_string(),
            ),
            status: Set(OutboxStatus::Pending.into()),
            attempts: Set(0),
            next_attempt_at: Set(now),
            last_error: Set(None),
            last_status: Set(None),
            sent_at: Set(None),
            created_at: Set(now),
        })
        .collect();
    delivery::Entity::insert_many(backlog)
        .exec_without_returning(&db)
        .await
        .expect("the backlog");

    let (port, delivered) = org::sink();
    let smtp = format!("smtp://127.0.0.1:{port}");
    let env = [
        ("CXPM_SMTP_URL", smtp.as_str()),
        ("CXPM_ALLOW_PRIVATE_TARGETS", "true"),
        ("CXPM_NO_SCHEDULER", "true"),
    ];
    let started = Instant::now();
    let server = ServerProcess::start(EXE, &app.database_url, &env).await;
    let pid = server.child.id().expect("a pid");
    until("the webhook calls", Duration::from_secs(300), || {
        calls.count("/webhook/") >= WEBHOOKS * SNAPSHOTS
    })
    .await;
    until("one message per robot", Duration::from_secs(300), || {
        calls.count("/wecom/") >= CHANNELS - 1 + 20
    })
    .await;
    until("the mails", Duration::from_secs(600), || {
        delivered.load(Ordering::SeqCst) >= mails
    })
    .await;
    let mails_in = started.elapsed();
    let since = |t: Option<Instant>| t.map_or(0.0, |t| t.duration_since(started).as_secs_f64());
    let webhooks_in = since(calls.last("/webhook/"));
    let channels_in = since(calls.last("/wecom/"));
    let busy = started.elapsed();
    // Now only robot 00's backlog is left, waiting for its budget.
    let cpu_before = cpu_seconds(pid);
    let waiting = Instant::now();
    let robot = "/wecom/send?key=robot00";
    until("the backlog", Duration::from_secs(200), || {
        calls.times(robot).len() >= BACKLOG
    })
    .await;
    let waited = waiting.elapsed();
    let cpu = (cpu_seconds(pid) - cpu_before) / waited.as_secs_f64();
    let times = calls.times(robot);
    let most_in_a_minute = times
        .iter()
        .map(|t| {
            times
                .iter()
                .filter(|u| **u >= *t && u.duration_since(*t) < Duration::from_secs(60))
                .count()
        })
        .max()
        .unwrap_or(0);
    let label = match backend {
        Backend::Sqlite => "SQLite",
        Backend::Postgres => "PostgreSQL",
    };
    println!(
        "{label}: {mails} mails in {:.1} s, {} webhook calls in {:.1} s, {} robot messages in {:.1} s (everything but one robot's backlog done in {:.1} s) | robot 00: {} messages in {:.0} s, at most {most_in_a_minute} in any minute (WeCom: 20) | server CPU while waiting for its budget: {:.1} % of a core {}",
        mails_in.as_secs_f64(),
        WEBHOOKS * SNAPSHOTS,
        webhooks_in,
        CHANNELS - 1 + 20,
        channels_in,
        busy.as_secs_f64(),
        times.len(),
        (busy + waited).as_secs_f64(),
        cpu * 100.0,
        if cpu < 0.10 {
            "(goal < 10 % met)"
        } else {
            "(goal < 10 %)"
        },
    );
    drop(server);
    db.close().await.ok();
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    println!(
        "hooks: fan-out of one firing to mail, 50 WeCom robots and 20 webhooks; release build, loopback"
    );
    bench(Backend::Sqlite).await;
    bench(Backend::Postgres).await;
}
