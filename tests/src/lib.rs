//! Test harness: the real cxpm server on a random port with a fresh database.
//!
//! [`spawn_app`] starts the same `App` that `cxpm serve` runs, on `127.0.0.1:0`,
//! against a new SQLite file or a new, uniquely named PostgreSQL database, and hands
//! back its address and the first admin's token. Tests talk HTTP to it as a client
//! would. The database is dropped when the [`TestApp`] is.
//!
//! PostgreSQL is found at `CXPM_TEST_POSTGRES_URL` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`). If it cannot be reached the test
//! fails: a skipped database is not a tested one.

pub mod bench;
pub mod browser;
pub mod oidc;

use std::path::PathBuf;

use anyhow::Context;
use cxpm_api::config::ServeArgs;
use cxpm_api::server::App;
use reqwest::{Method, RequestBuilder, Response, StatusCode};
use sea_orm::{ConnectionTrait, Database};
use serde_json::Value;
use tokio::sync::oneshot;

/// The databases every integration test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Declares one test per database: `both_databases!(name, |app| async move { … })`
/// becomes `name::sqlite` and `name::postgres`.
#[macro_export]
macro_rules! both_databases {
    ($(#[$meta:meta])* $name:ident, $body:expr) => {
        $(#[$meta])*
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let app = $crate::spawn_app($crate::Backend::Sqlite).await;
                ($body)(app).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let app = $crate::spawn_app($crate::Backend::Postgres).await;
                ($body)(app).await;
            }
        }
    };
    // The same, on a server whose settings `$adjust` changes.
    ($(#[$meta:meta])* $name:ident, with = $adjust:expr, $body:expr) => {
        $(#[$meta])*
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let app = $crate::spawn_app_with($crate::Backend::Sqlite, $adjust).await;
                ($body)(app).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let app = $crate::spawn_app_with($crate::Backend::Postgres, $adjust).await;
                ($body)(app).await;
            }
        }
    };
}

pub const ADMIN_TOKEN: &str = "cxpm_test_admin_token_0123456789abcdef0123456789";

/// A running server and what a test needs to talk to it.
pub struct TestApp {
    pub base: String,
    pub admin_token: String,
    pub backend: Backend,
    pub database_url: String,
    client: reqwest::Client,
    shutdown: Option<oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<()>>,
    cleanup: Cleanup,
}

enum Cleanup {
    File(PathBuf),
    Database { admin_url: String, name: String },
}

fn postgres_admin_url() -> String {
    std::env::var("CXPM_TEST_POSTGRES_URL").unwrap_or_else(|_| {
        "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable".to_owned()
    })
}

/// Starts a server on a fresh database. Its scheduler and mail dispatcher are off:
/// tests that fire or send start theirs with [`spawn_app_with`].
pub async fn spawn_app(backend: Backend) -> TestApp {
    spawn_app_with(backend, |_| {}).await
}

/// Starts a server on a fresh database with settings adjusted by `adjust`.
pub async fn spawn_app_with(backend: Backend, adjust: impl FnOnce(&mut ServeArgs)) -> TestApp {
    try_spawn_app(backend, adjust)
        .await
        .unwrap_or_else(|e| panic!("starting cxpm on {backend:?}: {e:#}"))
}

async fn try_spawn_app(
    backend: Backend,
    adjust: impl FnOnce(&mut ServeArgs),
) -> anyhow::Result<TestApp> {
    let unique = uuid::Uuid::now_v7().simple().to_string();
    let (database_url, cleanup) = match backend {
        Backend::Sqlite => {
            let path = std::env::temp_dir().join(format!("cxpm-test-{unique}.db"));
            (
                format!("sqlite://{}?mode=rwc", path.display()),
                Cleanup::File(path),
            )
        }
        Backend::Postgres => {
            let admin_url = postgres_admin_url();
            let name = format!("cxpm_test_{unique}");
            let admin = Database::connect(&admin_url).await.with_context(|| {
                format!("PostgreSQL is not reachable at {admin_url}; start it (see README) or set CXPM_TEST_POSTGRES_URL")
            })?;
            admin
                .execute_unprepared(&format!("CREATE DATABASE {name}"))
                .await?;
            admin.close().await.ok();
            // Same server and options, another database name.
            let (path, query) = admin_url.split_once('?').unwrap_or((&admin_url, ""));
            let base = path.rsplit_once('/').map(|(b, _)| b).unwrap_or(path);
            let query = if query.is_empty() {
                String::new()
            } else {
                format!("?{query}")
            };
            (
                format!("{base}/{name}{query}"),
                Cleanup::Database { admin_url, name },
            )
        }
    };
    let mut settings = ServeArgs::for_database(database_url.clone());
    settings.bootstrap_token = Some(ADMIN_TOKEN.to_owned());
    settings.database.db_max_connections = Some(4);
    settings.dispatch_every_ms = 0;
    settings.no_scheduler = true;
    settings.mail_dir = std::env::temp_dir().join(format!("cxpm-test-mail-{unique}"));
    adjust(&mut settings);
    let app = App::prepare(settings).await?;
    let addr = app.local_addr()?;
    let (tx, rx) = oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        if let Err(e) = app.run(async { rx.await.unwrap_or(()) }).await {
            eprintln!("server stopped with an error: {e:#}");
        }
    });
    Ok(TestApp {
        base: format!("http://{addr}"),
        admin_token: ADMIN_TOKEN.to_owned(),
        backend,
        database_url,
        client: reqwest::Client::new(),
        shutdown: Some(tx),
        server: Some(server),
        cleanup,
    })
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// A request with `token` as bearer (no header when `None`).
    pub fn request(&self, method: Method, path: &str, token: Option<&str>) -> RequestBuilder {
        let req = self.client.request(method, self.url(path));
        match token {
            Some(t) => req.bearer_auth(t),
            None => req,
        }
    }

    pub async fn get(&self, path: &str, token: &str) -> Response {
        send(self.request(Method::GET, path, Some(token))).await
    }

    pub async fn post(&self, path: &str, token: &str, body: &Value) -> Response {
        send(self.request(Method::POST, path, Some(token)).json(body)).await
    }

    pub async fn patch(
        &self,
        path: &str,
        token: &str,
        etag: Option<&str>,
        body: &Value,
    ) -> Response {
        let mut req = self.request(Method::PATCH, path, Some(token)).json(body);
        if let Some(etag) = etag {
            req = req.header("If-Match", etag);
        }
        send(req).await
    }

    pub async fn delete(&self, path: &str, token: &str) -> Response {
        send(self.request(Method::DELETE, path, Some(token))).await
    }

    /// Creates a department as admin and returns it.
    pub async fn department(&self, name: &str, code: &str) -> Value {
        let resp = self
            .post(
                "/api/v1/departments",
                &self.admin_token,
                &serde_json::json!({"name": name, "code": code}),
            )
            .await;
        expect_json(resp, StatusCode::CREATED).await
    }

    /// POSTs `body` to `path` as admin and returns what was created (201).
    pub async fn created(&self, path: &str, body: Value) -> Value {
        expect_json(
            self.post(path, &self.admin_token, &body).await,
            StatusCode::CREATED,
        )
        .await
    }

    /// A new department head of `department` (fresh from [`TestApp::department`], at
    /// version 1), made its head, and their token.
    pub async fn head_of(&self, department: &Value) -> (Value, String) {
        let id = department["id"].as_str().unwrap_or_default();
        let (head, token) = self.someone("department_head", Some(id)).await;
        self.set_head(department, &head).await;
        (head, token)
    }

    /// Makes `head` the head of `department` (at version 1).
    pub async fn set_head(&self, department: &Value, head: &Value) {
        let id = department["id"].as_str().unwrap_or_default();
        expect_json(
            self.patch(
                &format!("/api/v1/departments/{id}"),
                &self.admin_token,
                Some("\"1\""),
                &serde_json::json!({"head_id": head["id"]}),
            )
            .await,
            StatusCode::OK,
        )
        .await;
    }

    /// Creates a person as admin and returns it.
    pub async fn person(
        &self,
        name: &str,
        email: &str,
        role: &str,
        department_id: Option<&str>,
    ) -> Value {
        let resp = self
            .post(
                "/api/v1/people",
                &self.admin_token,
                &serde_json::json!({"name": name, "email": email, "role": role, "department_id": department_id}),
            )
            .await;
        expect_json(resp, StatusCode::CREATED).await
    }

    /// Issues a token for `person_id` as admin and returns the secret.
    pub async fn token_for(&self, person_id: &str) -> String {
        let resp = self
            .post(
                &format!("/api/v1/people/{person_id}/tokens"),
                &self.admin_token,
                &serde_json::json!({"label": "test"}),
            )
            .await;
        let body = expect_json(resp, StatusCode::CREATED).await;
        body["token"].as_str().unwrap_or_default().to_owned()
    }

    /// A person with `role` and a token for them.
    pub async fn someone(&self, role: &str, department_id: Option<&str>) -> (Value, String) {
        let email = format!("{role}-{}@example.com", uuid::Uuid::now_v7().simple());
        let person = self
            .person(&format!("A {role}"), &email, role, department_id)
            .await;
        let token = self
            .token_for(person["id"].as_str().unwrap_or_default())
            .await;
        (person, token)
    }

    /// Imports people from `csv` as the admin (`dry_run`: only check it).
    pub async fn import_people(&self, csv: &str, dry_run: bool) -> Response {
        self.request(
            Method::POST,
            &format!("/api/v1/people/import?dry_run={dry_run}"),
            Some(&self.admin_token),
        )
        .header("content-type", "text/csv")
        .body(csv.to_owned())
        .send()
        .await
        .expect("an answer")
    }

    /// [`TestApp::someone`] whose profile reads in `locale` and `time_zone`.
    pub async fn someone_reading(
        &self,
        role: &str,
        locale: &str,
        time_zone: &str,
    ) -> (Value, String) {
        let email = format!("{role}-{}@example.com", uuid::Uuid::now_v7().simple());
        let resp = self
            .post(
                "/api/v1/people",
                &self.admin_token,
                &serde_json::json!({"name": format!("A {role}"), "email": email, "role": role,
                                    "locale": locale, "time_zone": time_zone}),
            )
            .await;
        let person = expect_json(resp, StatusCode::CREATED).await;
        let token = self
            .token_for(person["id"].as_str().unwrap_or_default())
            .await;
        (person, token)
    }

    /// What reminders are about: a department (QA, `department`) with a head and an
    /// action owner, each reading in their own language, a program coordinated by a
    /// new coordinator, a relationship from QA to another department, a plan on it
    /// and one open action owned by `owner`, due `due` (YYYY-MM-DD).
    pub async fn action_to_remind(&self, setup: Remind<'_>) -> Reminded {
        let (coordinator, coord) = self.someone("coordinator", None).await;
        let qa = self.department(setup.department, "QA").await;
        let om = self.department("Order management", "OM").await;
        let reader = |(name, role, locale): (&str, &str, &str)| {
            let body = serde_json::json!({"name": name, "role": role, "locale": locale,
                "email": format!("{}@example.com", uuid::Uuid::now_v7().simple()),
                "department_id": qa["id"]});
            async move {
                expect_json(
                    self.post("/api/v1/people", &self.admin_token, &body).await,
                    StatusCode::CREATED,
                )
                .await
            }
        };
        let head = reader((setup.head.0, "department_head", setup.head.1)).await;
        let owner = reader((setup.owner.0, "member", setup.owner.1)).await;
        let id = |v: &Value| v["id"].as_str().unwrap_or_default().to_owned();
        self.set_head(&qa, &head).await;
        let created = |path: String, body: Value| {
            let coord = coord.clone();
            async move { expect_json(self.post(&path, &coord, &body).await, StatusCode::CREATED).await }
        };
        let program = created(
            "/api/v1/programs".to_owned(),
            serde_json::json!({"name": setup.program, "coordinator_id": coordinator["id"]}),
        )
        .await;
        let rel = created(
            format!("/api/v1/programs/{}/relationships", id(&program)),
            serde_json::json!({"provider_department_id": qa["id"],
                "customer_department_id": om["id"], "delivers": "Releases"}),
        )
        .await;
        let plan = created(
            format!("/api/v1/relationships/{}/plans", id(&rel)),
            serde_json::json!({"title": "Inspect before shipping"}),
        )
        .await;
        let action = created(
            format!("/api/v1/plans/{}/actions", id(&plan)),
            serde_json::json!({"title": setup.action, "owner_id": owner["id"], "due_date": setup.due}),
        )
        .await;
        Reminded {
            coord,
            program,
            relationship: rel,
            plan,
            head,
            owner,
            action,
        }
    }

    /// The number of audit entries, read as admin.
    pub async fn audit_count(&self) -> usize {
        let mut count = 0;
        let mut cursor: Option<String> = None;
        loop {
            let path = match &cursor {
                Some(c) => format!("/api/v1/audit?limit=200&cursor={c}"),
                None => "/api/v1/audit?limit=200".to_owned(),
            };
            let page = expect_json(self.get(&path, &self.admin_token).await, StatusCode::OK).await;
            count += page["items"].as_array().map(Vec::len).unwrap_or(0);
            match page["next_cursor"].as_str() {
                Some(c) => cursor = Some(c.to_owned()),
                None => return count,
            }
        }
    }
}

async fn send(req: RequestBuilder) -> Response {
    req.send()
        .await
        .unwrap_or_else(|e| panic!("request failed: {e}"))
}

/// Asserts the status and returns the JSON body.
pub async fn expect_json(resp: Response, status: StatusCode) -> Value {
    let got = resp.status();
    let text = resp.text().await.unwrap_or_default();
    assert_eq!(got, status, "unexpected status; body: {text}");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

/// Asserts a problem+json answer with `status` and returns it.
pub async fn expect_problem(resp: Response, status: StatusCode) -> Value {
    let content_type = resp
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let body = expect_json(resp, status).await;
    assert_eq!(content_type, "application/problem+json", "body: {body}");
    assert_eq!(body["status"], status.as_u16(), "body: {body}");
    assert!(
        body["title"].is_string() && body["detail"].is_string() && body["type"].is_string(),
        "body: {body}"
    );
    body
}

/// The fields a problem names.
pub fn problem_fields(problem: &Value) -> Vec<String> {
    problem["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .filter_map(|e| e["field"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(server) = self.server.take() {
            server.abort();
        }
        let cleanup = std::mem::replace(&mut self.cleanup, Cleanup::File(PathBuf::new()));
        // Dropping runs outside async context: a thread of its own with a runtime.
        let _ = std::thread::spawn(move || match cleanup {
            Cleanup::File(path) => {
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
                }
            }
            Cleanup::Database { admin_url, name } => {
                let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                else {
                    return;
                };
                rt.block_on(async {
                    if let Ok(admin) = Database::connect(&admin_url).await {
                        let _ = admin
                            .execute_unprepared(&format!(
                                "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                            ))
                            .await;
                        admin.close().await.ok();
                    }
                });
            }
        })
        .join();
    }
}

/// The people and words of [`TestApp::action_to_remind`]: (name, locale) pairs.
pub struct Remind<'a> {
    pub department: &'a str,
    pub program: &'a str,
    pub head: (&'a str, &'a str),
    pub owner: (&'a str, &'a str),
    pub action: &'a str,
    pub due: &'a str,
}

/// What [`TestApp::action_to_remind`] made; `coord` is the coordinator's token.
pub struct Reminded {
    pub coord: String,
    pub program: Value,
    /// From the department to order management.
    pub relationship: Value,
    /// On that relationship; the action is on it.
    pub plan: Value,
    pub head: Value,
    pub owner: Value,
    pub action: Value,
}

/// `cxpm serve` as a process of its own, on a free loopback port.
pub struct ServerProcess {
    pub child: tokio::process::Child,
    /// `http://127.0.0.1:<port>`.
    pub base: String,
    /// Where it writes mail when no SMTP server is set; removed with the value.
    mail_dir: PathBuf,
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        // Gone first, so that it cannot write its mail folder again.
        self.child.start_kill().ok();
        std::fs::remove_dir_all(&self.mail_dir).ok();
    }
}

impl ServerProcess {
    /// Starts `exe` (`env!("CARGO_BIN_EXE_cxpm-process")` of the calling test or bench:
    /// Cargo tells only those where the crate's binaries are) as `serve` on
    /// `database_url` with `env` besides, standard output dropped (standard error goes
    /// where the caller's does), and waits until `/readyz` says ready; panics if it
    /// exits or is not ready within ten seconds. The process dies with the value.
    pub async fn start(exe: &str, database_url: &str, env: &[(&str, &str)]) -> Self {
        Self::start_logging(exe, database_url, env, None).await
    }

    /// [`ServerProcess::start`], its log (standard error) written to `log` when given.
    pub async fn start_logging(
        exe: &str,
        database_url: &str,
        env: &[(&str, &str)],
        log: Option<std::fs::File>,
    ) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let mail_dir = std::env::temp_dir().join(format!("cxpm-process-{port}"));
        let child = tokio::process::Command::new(exe)
            .arg("serve")
            .env("CXPM_DATABASE_URL", database_url)
            .env("CXPM_ADDR", format!("127.0.0.1:{port}"))
            .env("CXPM_MAIL_DIR", &mail_dir)
            .env("CXPM_LOG", "error")
            .envs(env.iter().copied())
            .stdout(std::process::Stdio::null())
            .stderr(log.map_or_else(std::process::Stdio::inherit, Into::into))
            .kill_on_drop(true)
            .spawn()
            .expect("starting cxpm");
        let mut server = Self {
            child,
            base: format!("http://127.0.0.1:{port}"),
            mail_dir,
        };
        // Another server could take the port between its release above and cxpm's
        // bind; cxpm then exits (the address is in use), which the loop below sees.
        for _ in 0..400 {
            if let Ok(Some(status)) = server.child.try_wait() {
                panic!("cxpm exited before it was ready: {status}");
            }
            if server.ready().await {
                return server;
            }
            tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        }
        panic!("cxpm was not ready within ten seconds at {}", server.base);
    }

    /// Whether `/readyz` says ready now.
    pub async fn ready(&self) -> bool {
        reqwest::Client::new()
            .get(format!("{}/readyz", self.base))
            .timeout(std::time::Duration::from_secs(2))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
    }

    /// Kills it (SIGKILL) and waits for it to be gone.
    pub async fn kill(&mut self) {
        self.child.start_kill().ok();
        self.child.wait().await.ok();
    }
}

/// Another process (python3's sqlite3) holding the write lock (`BEGIN EXCLUSIVE`) of the
/// SQLite database behind a `sqlite://` URL, from when [`SqliteLock::hold`] returns
/// until the value is dropped — also when a test fails first.
pub struct SqliteLock(std::process::Child);

impl SqliteLock {
    pub fn hold(database_url: &str) -> Self {
        let rest = database_url.trim_start_matches("sqlite://");
        let path = rest.split('?').next().unwrap_or(rest);
        let mut child = std::process::Command::new("python3")
            .args([
                "-c",
                "import sqlite3, sys, time\n\
                 c = sqlite3.connect(sys.argv[1], isolation_level=None)\n\
                 c.execute('BEGIN EXCLUSIVE')\n\
                 print('locked', flush=True)\n\
                 time.sleep(600)",
                path,
            ])
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("python3 holding the lock");
        let stdout = child.stdout.take().expect("its output");
        let lock = Self(child);
        // Held from the moment it says so.
        let mut line = String::new();
        std::io::BufRead::read_line(&mut std::io::BufReader::new(stdout), &mut line).ok();
        assert_eq!(line.trim(), "locked", "python3 took the lock");
        lock
    }
}

impl Drop for SqliteLock {
    fn drop(&mut self) {
        self.0.kill().ok();
        self.0.wait().ok();
    }
}

/// A real filesystem of a few MiB (a tmpfs mounted for the test), for what a database
/// does when its disk fills up. Unmounted when the value is dropped.
pub struct SmallDisk {
    pub path: PathBuf,
}

impl SmallDisk {
    /// Mounts a tmpfs of `size` (`3m`) in a fresh folder. Mounting needs root, which
    /// CI has: there a failure to mount fails the test. Elsewhere it answers `None`
    /// and the caller says the test was not run.
    pub fn mount(size: &str) -> Option<Self> {
        let path =
            std::env::temp_dir().join(format!("cxpm-disk-{}", uuid::Uuid::now_v7().simple()));
        std::fs::create_dir_all(&path).expect("a folder to mount on");
        let mounted = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(&path)
            .status()
            .is_ok_and(|s| s.success());
        if !mounted {
            std::fs::remove_dir(&path).ok();
            assert!(
                std::env::var_os("CI").is_none(),
                "mounting a {size} tmpfs failed; CI runs as root and must be able to"
            );
            eprintln!("not run: mounting a tmpfs needs root");
            return None;
        }
        Some(Self { path })
    }

    /// Gives the filesystem `size` in all (`20m`), in place: what an operator who
    /// frees space does.
    pub fn grow(&self, size: &str) {
        let grown = std::process::Command::new("mount")
            .args(["-o", &format!("remount,size={size}")])
            .arg(&self.path)
            .status()
            .is_ok_and(|s| s.success());
        assert!(grown, "growing the tmpfs at {}", self.path.display());
    }

    /// A `sqlite://` URL for a database file on it.
    pub fn sqlite_url(&self) -> String {
        format!("sqlite://{}/cxpm.db?mode=rwc", self.path.display())
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        std::process::Command::new("umount")
            .arg("-l")
            .arg(&self.path)
            .status()
            .ok();
        std::fs::remove_dir(&self.path).ok();
    }
}

/// A mail file as a reader sees it: the headers, and each part's body decoded
/// (base64, or quoted-printable's soft breaks and `=3D`).
pub fn mail_text(raw: &str) -> String {
    let raw = raw.replace("\r\n", "\n");
    let mut out = String::new();
    let mut base64 = false;
    let mut in_body = false;
    let mut chunk = String::new();
    for line in raw.lines() {
        if line.starts_with("--") {
            if !chunk.is_empty() {
                out.push_str(&String::from_utf8_lossy(&browser::base64_decode(&chunk)));
                out.push('\n');
                chunk.clear();
            }
            base64 = false;
            in_body = false;
            out.push_str(line);
            out.push('\n');
            continue;
        }
        if !in_body && line.eq_ignore_ascii_case("Content-Transfer-Encoding: base64") {
            base64 = true;
        }
        if !in_body && line.is_empty() {
            in_body = true;
        }
        if in_body && base64 {
            chunk.push_str(line.trim());
        } else {
            out.push_str(line);
            out.push('\n');
        }
    }
    if !chunk.is_empty() {
        out.push_str(&String::from_utf8_lossy(&browser::base64_decode(&chunk)));
    }
    out.replace("=\n", "").replace("=3D", "=")
}

/// The mails written to `dir` so far, oldest first (files are named by the outbox
/// row's time-ordered id), each as [`mail_text`] reads it. A file still being
/// written (`.<id>.eml.partial`) is not a mail yet and is left out.
pub fn mails_in(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<std::path::PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.extension().is_some_and(|e| e == "eml")
                && !p
                    .file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with('.'))
        })
        .collect();
    names.sort();
    names
        .iter()
        .filter_map(|p| std::fs::read_to_string(p).ok())
        .map(|raw| mail_text(&raw))
        .collect()
}

/// The links starting with `path` (e.g. `/sign-in/link?token=`) in the mails to
/// `email` in `dir`, oldest first, each as the whole URL.
pub fn links_mailed(dir: &std::path::Path, email: &str, path: &str) -> Vec<String> {
    mails_in(dir)
        .iter()
        .filter(|text| {
            text.lines()
                .any(|l| l.starts_with("To:") && l.contains(email))
        })
        .filter_map(|text| {
            let at = text.find(path)?;
            let start = text[..at].rfind("http")?;
            Some(
                text[start..]
                    .chars()
                    .take_while(|c| !c.is_whitespace() && *c != '"' && *c != '<')
                    .collect(),
            )
        })
        .collect()
}

/// The token at the end of a mailed link.
pub fn token_of(link: &str) -> String {
    link.rsplit("token=")
        .next()
        .unwrap_or_default()
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect()
}

/// Waits (up to ten seconds) for a link starting with `path` in a mail to `email`
/// beyond the first `already` of them, and gives the newest.
pub async fn next_link(dir: &std::path::Path, email: &str, path: &str, already: usize) -> String {
    for _ in 0..200 {
        let links = links_mailed(dir, email, path);
        if links.len() > already {
            return links[links.len() - 1].clone();
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("no mail to {email} with a {path} link");
}
