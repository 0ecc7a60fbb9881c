//! Reminder mail through a real SMTP server on loopback (mailin-embedded), and as
//! `.eml` files when no SMTP server is configured.

use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use cxpm_tests::{Backend, Remind, Reminded, TestApp, expect_json, spawn_app_with};
use mailin_embedded::{Handler, Response, Server, SslConfig, response};
use reqwest::StatusCode;
use serde_json::{Value, json};

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_owned()
}

/// What the SMTP server received: (recipients, raw message).
type Inbox = Arc<Mutex<Vec<(Vec<String>, String)>>>;

#[derive(Clone)]
struct Collect {
    inbox: Inbox,
    to: Vec<String>,
    data: Vec<u8>,
    /// Messages still to refuse with a temporary failure before accepting any.
    refuse: Arc<std::sync::atomic::AtomicUsize>,
    /// How long the server takes to accept a message it has received.
    delay: Duration,
}

impl Handler for Collect {
    fn data_start(&mut self, _domain: &str, _from: &str, _is8bit: bool, to: &[String]) -> Response {
        self.to = to.to_vec();
        self.data.clear();
        response::OK
    }

    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.data.extend_from_slice(buf);
        Ok(())
    }

    fn mail(&mut self, _ip: std::net::IpAddr, _domain: &str, _from: &str) -> Response {
        use std::sync::atomic::Ordering;
        if self
            .refuse
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok()
        {
            return response::INTERNAL_ERROR;
        }
        response::OK
    }

    fn data_end(&mut self) -> Response {
        let raw = String::from_utf8_lossy(&self.data).into_owned();
        // Received, and then slow to say so: a client that dies now has sent the
        // mail without knowing it.
        self.inbox.lock().unwrap().push((self.to.clone(), raw));
        std::thread::sleep(self.delay);
        response::OK
    }
}

/// A real SMTP server on a free loopback port, serving from its own threads (one per
/// connection, up to 16); it refuses the first `refuse` messages with 451 (try again
/// later) and takes `delay` to accept each message.
fn smtp_server(refuse: usize, delay: Duration) -> (u16, Inbox) {
    let inbox: Inbox = Arc::default();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let mut server = Server::new(Collect {
        inbox: inbox.clone(),
        to: Vec::new(),
        data: Vec::new(),
        refuse: Arc::new(refuse.into()),
        delay,
    });
    server
        .with_name("smtp.test")
        .with_num_threads(16)
        .with_ssl(SslConfig::None)
        .unwrap()
        .with_tcp_listener(listener);
    std::thread::spawn(move || {
        let _ = server.serve();
    });
    (port, inbox)
}

/// A program with one action three days overdue (owner and head to be reminded,
/// two days' grace) and an overdue schedule; returns the schedule and the two people.
async fn overdue_program(app: &TestApp) -> (Value, Value, Value, String) {
    let due = (chrono::Utc::now().date_naive() - chrono::Duration::days(3)).to_string();
    let Reminded {
        coord,
        program,
        head,
        owner,
        ..
    } = app
        .action_to_remind(Remind {
            department: "质量检验 Quality",
            program: "Entregas",
            head: ("李娜", "zh-CN"),
            owner: ("João", "pt-BR"),
            action: "Release checklist",
            due: &due,
        })
        .await;
    let schedule = expect_json(
        app.post(
            &format!("/api/v1/programs/{}/schedules", id(&program)),
            &coord,
            &json!({"kind": "overdue", "cron": "0 9 * * *", "time_zone": "UTC", "escalate_after_days": 2}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    (schedule, owner, head, coord)
}

/// Waits until the schedule's outbox holds `n` sent mails; returns them.
async fn sent(app: &TestApp, token: &str, schedule: &Value, n: usize) -> Vec<Value> {
    for _ in 0..100 {
        let outbox = expect_json(
            app.get(
                &format!("/api/v1/outbox?schedule_id={}&status=sent", id(schedule)),
                token,
            )
            .await,
            StatusCode::OK,
        )
        .await;
        let items = outbox["items"].as_array().unwrap().clone();
        if items.len() >= n {
            return items;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let all = expect_json(
        app.get(
            &format!("/api/v1/outbox?schedule_id={}", id(schedule)),
            token,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    panic!("the outbox never sent {n} mails: {all}");
}

async fn mail_over_smtp(backend: Backend) {
    let (port, inbox) = smtp_server(0, Duration::ZERO);
    let app = spawn_app_with(backend, |s| {
        s.smtp_url = Some(format!("smtp://127.0.0.1:{port}"));
        s.mail_from = "cxpm <reminders@cxpm.test>".to_owned();
        s.dispatch_every_ms = 50;
    })
    .await;
    let (schedule, owner, head, coord) = overdue_program(&app).await;
    let run = expect_json(
        app.post(
            &format!("/api/v1/schedules/{}/run", id(&schedule)),
            &coord,
            &json!({}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(run["queued"], 2);
    let rows = sent(&app, &coord, &schedule, 2).await;
    let received = inbox.lock().unwrap().clone();
    assert_eq!(received.len(), 2, "one mail per person, each once");
    for row in &rows {
        let (to, raw) = received
            .iter()
            .find(|(to, _)| to.iter().any(|t| t == row["to"].as_str().unwrap()))
            .expect("the SMTP server got the row's mail");
        assert_eq!(to.len(), 1);
        let message_id = row["message_id"].as_str().unwrap();
        assert!(raw.contains(&format!("Message-ID: {message_id}")), "{raw}");
        assert!(
            raw.contains("multipart/alternative")
                && raw.contains("text/plain")
                && raw.contains("text/html")
        );
        assert!(raw.contains("From: cxpm <reminders@cxpm.test>"));
    }
    assert!(
        received
            .iter()
            .any(|(to, _)| to[0] == owner["email"].as_str().unwrap())
    );
    assert!(
        received
            .iter()
            .any(|(to, _)| to[0] == head["email"].as_str().unwrap())
    );

    // Firing the same tick again sends nothing new.
    let again = expect_json(
        app.post(
            &format!("/api/v1/schedules/{}/run", id(&schedule)),
            &coord,
            &json!({}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    if again["fired_at"] == run["fired_at"] {
        assert_eq!(again["queued"], 0);
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert_eq!(inbox.lock().unwrap().len(), 2);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reminders_reach_a_real_smtp_server_once_sqlite() {
    mail_over_smtp(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reminders_reach_a_real_smtp_server_once_postgres() {
    mail_over_smtp(Backend::Postgres).await;
}

async fn mail_as_files(backend: Backend) {
    let dir = std::env::temp_dir().join(format!("cxpm-eml-{}", uuid::Uuid::now_v7().simple()));
    let mail_dir = dir.clone();
    let app = spawn_app_with(backend, |s| {
        s.mail_dir = mail_dir;
        s.dispatch_every_ms = 50;
    })
    .await;
    let (schedule, _, _, coord) = overdue_program(&app).await;
    expect_json(
        app.post(
            &format!("/api/v1/schedules/{}/run", id(&schedule)),
            &coord,
            &json!({}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let rows = sent(&app, &coord, &schedule, 2).await;
    for row in rows {
        let eml = std::fs::read_to_string(dir.join(format!("{}.eml", id(&row)))).unwrap();
        assert!(eml.contains(row["message_id"].as_str().unwrap()));
        assert!(eml.contains("multipart/alternative"));
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_smtp_reminders_are_written_as_eml_files_sqlite() {
    mail_as_files(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_smtp_reminders_are_written_as_eml_files_postgres() {
    mail_as_files(Backend::Postgres).await;
}

/// A second `cxpm serve` on the same database, as another replica would be.
async fn replica(database_url: &str, adjust: impl FnOnce(&mut cxpm_api::config::ServeArgs)) {
    let mut settings = cxpm_api::config::ServeArgs::for_database(database_url);
    settings.database.db_max_connections = Some(2);
    settings.dispatch_every_ms = 0;
    settings.mail_dir =
        std::env::temp_dir().join(format!("cxpm-replica-{}", uuid::Uuid::now_v7().simple()));
    adjust(&mut settings);
    let app = cxpm_api::server::App::prepare(settings).await.unwrap();
    tokio::spawn(app.run(std::future::pending()));
}

async fn missed_tick_fires_once(backend: Backend) {
    let app = spawn_app_with(backend, |s| {
        s.no_scheduler = false;
        s.scheduler_every_ms = 50;
    })
    .await;
    replica(&app.database_url, |s| {
        s.no_scheduler = false;
        s.scheduler_every_ms = 50;
    })
    .await;
    let (schedule, _, _, coord) = overdue_program(&app).await;
    // The servers were down yesterday at 09:00 and since: one missed tick (and perhaps
    // today's). Two days late then, with two days' grace: owner and head.
    let yesterday = (chrono::Utc::now() - chrono::Duration::days(1))
        .date_naive()
        .and_hms_opt(9, 0, 0)
        .unwrap()
        .and_utc();
    let db = sea_orm::Database::connect(&app.database_url).await.unwrap();
    use sea_orm::ConnectionTrait;
    let sql = match db.get_database_backend() {
        sea_orm::DbBackend::Postgres => "UPDATE schedules SET next_fire_at = $1 WHERE id = $2",
        _ => "UPDATE schedules SET next_fire_at = ? WHERE id = ?",
    };
    db.execute_raw(sea_orm::Statement::from_sql_and_values(
        db.get_database_backend(),
        sql,
        [yesterday.into(), id(&schedule).into()],
    ))
    .await
    .unwrap();
    db.close().await.ok();

    let path = format!("/api/v1/schedules/{}", id(&schedule));
    let mut fired = Value::Null;
    for _ in 0..100 {
        fired = expect_json(app.get(&path, &coord).await, StatusCode::OK).await;
        if !fired["last_fired_at"].is_null() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let last: chrono::DateTime<chrono::Utc> =
        fired["last_fired_at"].as_str().unwrap().parse().unwrap();
    let next: chrono::DateTime<chrono::Utc> =
        fired["next_fire_at"].as_str().unwrap().parse().unwrap();
    assert_eq!(last, yesterday);
    assert!(
        next > chrono::Utc::now(),
        "the next tick is after now: missed ticks fire once"
    );
    // More rounds of both schedulers change nothing.
    tokio::time::sleep(Duration::from_millis(400)).await;
    let outbox = expect_json(
        app.get(
            &format!("/api/v1/outbox?schedule_id={}", id(&schedule)),
            &coord,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let rows = outbox["items"].as_array().unwrap();
    assert_eq!(rows.len(), 2, "{outbox}");
    for row in rows {
        let at: chrono::DateTime<chrono::Utc> = row["fired_at"].as_str().unwrap().parse().unwrap();
        assert_eq!(at, yesterday);
    }
    let audit = expect_json(
        app.get(
            &format!("/api/v1/audit?entity_id={}", id(&schedule)),
            &app.admin_token,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let fires = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "fire")
        .count();
    assert_eq!(fires, 1, "two schedulers, one firing");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missed_tick_fires_once_with_two_schedulers_sqlite() {
    missed_tick_fires_once(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missed_tick_fires_once_with_two_schedulers_postgres() {
    missed_tick_fires_once(Backend::Postgres).await;
}

/// An SMTP server that refuses at first gets every mail on retry; two dispatching
/// replicas deliver each mail once.
async fn refused_then_retried(backend: Backend) {
    let (port, inbox) = smtp_server(2, Duration::ZERO);
    let smtp = format!("smtp://127.0.0.1:{port}");
    let app = spawn_app_with(backend, |s| {
        s.smtp_url = Some(smtp.clone());
        s.dispatch_every_ms = 30;
        s.retry_base_ms = 100;
    })
    .await;
    replica(&app.database_url, |s| {
        s.smtp_url = Some(smtp.clone());
        s.dispatch_every_ms = 30;
        s.retry_base_ms = 100;
    })
    .await;
    let (schedule, _, _, coord) = overdue_program(&app).await;
    expect_json(
        app.post(
            &format!("/api/v1/schedules/{}/run", id(&schedule)),
            &coord,
            &json!({}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let rows = sent(&app, &coord, &schedule, 2).await;
    // Two refusals: two retries among the two mails.
    let attempts: i64 = rows.iter().map(|r| r["attempts"].as_i64().unwrap()).sum();
    assert_eq!(attempts, 4, "{rows:?}");
    tokio::time::sleep(Duration::from_millis(300)).await;
    let received = inbox.lock().unwrap().clone();
    assert_eq!(received.len(), 2, "each mail delivered once");
    for row in &rows {
        let message_id = row["message_id"].as_str().unwrap();
        let copies = received
            .iter()
            .filter(|(_, raw)| raw.contains(message_id))
            .count();
        assert_eq!(copies, 1);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refusing_smtp_server_gets_the_mail_on_retry_once_sqlite() {
    refused_then_retried(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refusing_smtp_server_gets_the_mail_on_retry_once_postgres() {
    refused_then_retried(Backend::Postgres).await;
}

/// `cxpm serve` as a process of its own on `database_url`: dispatching to `smtp`
/// (two connections, a one-second SMTP timeout, so a two-second lease), no scheduler.
fn cxpm_process(database_url: &str, smtp: &str) -> tokio::process::Child {
    let mail_dir =
        std::env::temp_dir().join(format!("cxpm-process-{}", uuid::Uuid::now_v7().simple()));
    tokio::process::Command::new(env!("CARGO_BIN_EXE_cxpm-process"))
        .arg("serve")
        .env("CXPM_DATABASE_URL", database_url)
        .env("CXPM_DB_MAX_CONNECTIONS", "3")
        .env("CXPM_ADDR", "127.0.0.1:0")
        .env("CXPM_SMTP_URL", smtp)
        .env("CXPM_SMTP_CONNECTIONS", "2")
        .env("CXPM_SMTP_TIMEOUT_MS", "1000")
        .env("CXPM_DISPATCH_EVERY_MS", "50")
        .env("CXPM_RETRY_BASE_MS", "100")
        .env("CXPM_NO_SCHEDULER", "true")
        .env("CXPM_MAIL_DIR", mail_dir)
        .env("CXPM_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("starting the cxpm process")
}

/// The outbox rows of `schedule` with `status`.
async fn outbox_rows(app: &TestApp, token: &str, schedule: &Value, status: &str) -> Vec<Value> {
    let page = expect_json(
        app.get(
            &format!(
                "/api/v1/outbox?schedule_id={}&status={status}&limit=200",
                id(schedule)
            ),
            token,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    page["items"].as_array().unwrap().clone()
}

async fn killed_mid_dispatch(backend: Backend) {
    let app = cxpm_tests::spawn_app(backend).await;
    let (schedule, owner, _, coord) = overdue_program(&app).await;
    // Twenty more owners in the same department, each with an action three days late:
    // one mail each (the head's grace period is two days: one mail for the head too).
    let plan = {
        let token = app.token_for(&id(&owner)).await;
        let mine = expect_json(app.get("/api/v1/me/actions", &token).await, StatusCode::OK).await;
        mine["items"][0]["plan_id"].as_str().unwrap().to_owned()
    };
    let due = (chrono::Utc::now().date_naive() - chrono::Duration::days(3)).to_string();
    for n in 0..20 {
        let person = expect_json(
            app.post(
                "/api/v1/people",
                &app.admin_token,
                &json!({"name": format!("Owner {n}"), "role": "member",
                    "email": format!("owner{n}.{}@example.com", uuid::Uuid::now_v7().simple()),
                    "department_id": owner["department_id"]}),
            )
            .await,
            StatusCode::CREATED,
        )
        .await;
        expect_json(
            app.post(
                &format!("/api/v1/plans/{plan}/actions"),
                &coord,
                &json!({"title": format!("Action {n}"), "owner_id": person["id"], "due_date": due}),
            )
            .await,
            StatusCode::CREATED,
        )
        .await;
    }
    let fired = expect_json(
        app.post(
            &format!("/api/v1/schedules/{}/run", id(&schedule)),
            &coord,
            &json!({}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let queued = fired["queued"].as_u64().unwrap() as usize;
    assert_eq!(queued, 22, "{fired}");

    // The SMTP server takes 150 ms to accept each mail: the kill lands while mails
    // are in their SMTP conversation, and with most still to send.
    let (port, inbox) = smtp_server(0, Duration::from_millis(150));
    let smtp = format!("smtp://127.0.0.1:{port}");
    let mut first = cxpm_process(&app.database_url, &smtp);
    for _ in 0..400 {
        if inbox.lock().unwrap().len() >= 6 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(inbox.lock().unwrap().len() >= 6, "the process sent nothing");
    first.start_kill().unwrap(); // SIGKILL
    first.wait().await.unwrap();
    let pending = outbox_rows(&app, &coord, &schedule, "pending").await;
    assert!(!pending.is_empty(), "the kill came after the last mail");

    // Started again — and a second process beside it, on the same database.
    let _again = cxpm_process(&app.database_url, &smtp);
    let _beside = cxpm_process(&app.database_url, &smtp);
    let rows = sent(&app, &coord, &schedule, queued).await;
    assert_eq!(rows.len(), queued);
    tokio::time::sleep(Duration::from_millis(500)).await;

    // Every mail arrived; a mail arrived twice only if it was in its SMTP conversation
    // when the process died — at most one per connection — and then with the same
    // Message-ID, so mail clients show it once.
    let received = inbox.lock().unwrap().clone();
    let mut twice = 0;
    for row in &rows {
        let message_id = row["message_id"].as_str().unwrap();
        let copies = received
            .iter()
            .filter(|(_, raw)| raw.contains(&format!("Message-ID: {message_id}")))
            .count();
        assert!(copies >= 1, "{message_id} never arrived");
        twice += copies - 1;
    }
    assert!(twice <= 2, "{twice} mails arrived twice");
    assert_eq!(received.len(), queued + twice);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_process_killed_mid_dispatch_loses_no_mail_and_repeats_none_sqlite() {
    killed_mid_dispatch(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_process_killed_mid_dispatch_loses_no_mail_and_repeats_none_postgres() {
    killed_mid_dispatch(Backend::Postgres).await;
}
