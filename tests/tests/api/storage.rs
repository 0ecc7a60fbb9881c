//! A database whose storage fills up, or whose commit fails: no write is answered 2xx
//! unless its commit happened, a full disk is said as such (507), and the server
//! writes again by itself once there is room.
//!
//! On SQLite the database lives on a real filesystem of 3 MiB (a tmpfs mounted by the
//! test, so it needs root, as CI has). On PostgreSQL a commit is made to fail from
//! outside (a deferred constraint trigger) and the server's connections are cut in
//! the middle of writes.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use cxpm_tests::{ADMIN_TOKEN, Backend, ServerProcess, SmallDisk, spawn_app};
use reqwest::StatusCode;
use sea_orm::{ConnectionTrait, Database};
use serde_json::{Value, json};

const EXE: &str = env!("CARGO_BIN_EXE_cxpm-process");

/// A client of one server, for this file's few requests.
struct Client {
    base: String,
    http: reqwest::Client,
}

impl Client {
    fn new(base: &str) -> Self {
        Self {
            base: base.to_owned(),
            http: reqwest::Client::new(),
        }
    }

    /// Creates department `n`: its status, and its id when created.
    async fn create(&self, n: usize) -> (StatusCode, Option<String>, Value) {
        let resp = self
            .http
            .post(format!("{}/api/v1/departments", self.base))
            .bearer_auth(ADMIN_TOKEN)
            .json(&json!({"name": format!("Department {n}"), "code": format!("D{n}")}))
            .timeout(Duration::from_secs(30))
            .send()
            .await
            .expect("an answer");
        let status = resp.status();
        let body: Value = resp.json().await.unwrap_or(Value::Null);
        let id = body["id"].as_str().map(str::to_owned);
        (status, id, body)
    }

    /// Every department's id, through the list.
    async fn department_ids(&self) -> BTreeSet<String> {
        let mut ids = BTreeSet::new();
        let mut cursor: Option<String> = None;
        loop {
            let mut url = format!("{}/api/v1/departments?limit=200", self.base);
            if let Some(c) = &cursor {
                url.push_str(&format!("&cursor={c}"));
            }
            let resp = self
                .http
                .get(url)
                .bearer_auth(ADMIN_TOKEN)
                .send()
                .await
                .expect("an answer");
            assert_eq!(resp.status(), StatusCode::OK);
            let page: Value = resp.json().await.expect("a page");
            for item in page["items"].as_array().expect("items") {
                ids.insert(item["id"].as_str().expect("an id").to_owned());
            }
            match page["next_cursor"].as_str() {
                Some(next) => cursor = Some(next.to_owned()),
                None => return ids,
            }
        }
    }

    async fn status_of(&self, path: &str) -> StatusCode {
        self.http
            .get(format!("{}{path}", self.base))
            .bearer_auth(ADMIN_TOKEN)
            .send()
            .await
            .expect("an answer")
            .status()
    }

    async fn metrics(&self) -> String {
        self.http
            .get(format!("{}/metrics", self.base))
            .send()
            .await
            .expect("an answer")
            .text()
            .await
            .expect("metrics text")
    }
}

/// The value of an unlabelled sample in OpenMetrics text.
fn sample(metrics: &str, name: &str) -> Option<f64> {
    metrics
        .lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
}

/// Whether another process can take the write lock of the SQLite file at `path` within
/// a few seconds (python3's sqlite3, `BEGIN IMMEDIATE`).
fn outside_process_takes_write_lock(path: &std::path::Path) -> bool {
    std::process::Command::new("python3")
        .args([
            "-c",
            "import sqlite3, sys\n\
             c = sqlite3.connect(sys.argv[1], timeout=6, isolation_level=None)\n\
             c.execute('BEGIN IMMEDIATE')\n\
             c.execute('ROLLBACK')",
        ])
        .arg(path)
        .status()
        .is_ok_and(|s| s.success())
}

async fn eventually(what: &str, mut check: impl AsyncFnMut() -> bool) {
    for _ in 0..100 {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{what}: not within ten seconds");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_loses_no_acknowledged_write_and_recovers_without_a_restart() {
    let Some(disk) = SmallDisk::mount("3m") else {
        return;
    };
    let url = disk.sqlite_url();
    let env = [("CXPM_BOOTSTRAP_TOKEN", ADMIN_TOKEN)];
    let mut server = ServerProcess::start(EXE, &url, &env).await;
    let client = Client::new(&server.base);
    let before = client.department_ids().await;

    // One client creates departments one after another until the disk has refused
    // plenty of them.
    let mut acknowledged = BTreeSet::new();
    let mut statuses = BTreeMap::<u16, usize>::new();
    let mut n = 0;
    let mut storage_full_problem = Value::Null;
    while statuses.get(&507).copied().unwrap_or(0) < 300 && n < 6000 {
        n += 1;
        let (status, id, body) = client.create(n).await;
        *statuses.entry(status.as_u16()).or_default() += 1;
        match status {
            StatusCode::CREATED => {
                acknowledged.insert(id.expect("a created department's id"));
            }
            StatusCode::INSUFFICIENT_STORAGE => storage_full_problem = body,
            other => panic!("request {n} answered {other}: {body} (so far {statuses:?})"),
        }
    }
    assert!(
        statuses.get(&507).copied().unwrap_or(0) >= 300,
        "the disk never filled: {statuses:?}"
    );
    assert_eq!(
        storage_full_problem["type"], "urn:cxpm:problem:storage-full",
        "{storage_full_problem}"
    );
    assert!(
        storage_full_problem["detail"]
            .as_str()
            .is_some_and(|d| d.contains("storage is full")),
        "{storage_full_problem}"
    );

    // Said as such while it lasts: not ready, counted.
    assert!(!server.ready().await, "/readyz said ready on a full disk");
    let metrics = client.metrics().await;
    assert_eq!(
        sample(&metrics, "cxpm_storage_full"),
        Some(1.0),
        "{metrics}"
    );
    assert!(
        sample(&metrics, "cxpm_storage_full_refusals_total").is_some_and(|v| v >= 300.0),
        "{metrics}"
    );
    // Reads go on.
    assert_eq!(
        client.status_of("/api/v1/departments").await,
        StatusCode::OK
    );

    // The operator makes room; writes succeed again, without a restart.
    disk.grow("20m");
    eventually("/readyz ready once there is room", async || {
        server.ready().await
    })
    .await;
    for _ in 0..20 {
        n += 1;
        let (status, id, body) = client.create(n).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        acknowledged.insert(id.expect("an id"));
    }
    assert_eq!(
        sample(&client.metrics().await, "cxpm_storage_full"),
        Some(0.0)
    );
    // No connection of the server holds the write lock for good.
    let path = disk.path.join("cxpm.db");
    assert!(
        outside_process_takes_write_lock(&path),
        "another process could not take the write lock"
    );

    // Every acknowledged write is there, each readable by id, and nothing refused is.
    let expect: BTreeSet<String> = before.union(&acknowledged).cloned().collect();
    assert_eq!(client.department_ids().await, expect, "{statuses:?}");
    for id in &acknowledged {
        let path = format!("/api/v1/departments/{id}");
        assert_eq!(client.status_of(&path).await, StatusCode::OK, "{path}");
    }

    // And after the process is killed and started again.
    server.kill().await;
    let server = ServerProcess::start(EXE, &url, &env).await;
    let client = Client::new(&server.base);
    assert_eq!(client.department_ids().await, expect);
}

/// Connections cut in the middle of writes, and a commit that fails: every write
/// answered 2xx is there afterwards, none that failed is, and the server writes on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_a_failed_commit_or_a_cut_connection_acknowledges_nothing() {
    let app = spawn_app(Backend::Postgres).await;
    let client = Client::new(&app.base);
    let outside = Database::connect(&app.database_url)
        .await
        .expect("connecting from outside");
    // A check that runs at COMMIT, not at the INSERT: a department whose code starts
    // with `FAIL` makes its transaction's commit fail.
    outside
        .execute_unprepared(
            "CREATE FUNCTION refuse_fail() RETURNS trigger LANGUAGE plpgsql AS $$ \
             BEGIN IF NEW.code LIKE 'FAIL%' THEN RAISE EXCEPTION 'refused at commit'; END IF; \
             RETURN NULL; END $$; \
             CREATE CONSTRAINT TRIGGER refuse_fail AFTER INSERT ON departments \
             DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION refuse_fail();",
        )
        .await
        .expect("the trigger");
    let before = client.department_ids().await;

    let mut acknowledged = BTreeSet::new();
    let create_named = |code: String| {
        let client = &client;
        async move {
            let resp = client
                .http
                .post(format!("{}/api/v1/departments", client.base))
                .bearer_auth(ADMIN_TOKEN)
                .json(&json!({"name": code.clone(), "code": code}))
                .send()
                .await
                .expect("an answer");
            let status = resp.status();
            let body: Value = resp.json().await.unwrap_or(Value::Null);
            (status, body)
        }
    };
    // Failed commits, each on one of the pool's connections, and then writes that
    // must commit for real on those same connections.
    for round in 0..3 {
        for i in 0..6 {
            let (status, body) = create_named(format!("FAIL{round}{i}")).await;
            assert!(
                status.is_server_error() && status != StatusCode::INSUFFICIENT_STORAGE,
                "a failed commit answered {status}: {body}"
            );
        }
        for i in 0..6 {
            let (status, body) = create_named(format!("OK{round}{i}")).await;
            assert_eq!(status, StatusCode::CREATED, "{body}");
            acknowledged.insert(body["id"].as_str().expect("an id").to_owned());
        }
    }

    // Connections cut while writes run: some fail (503), the rest are kept. A write
    // whose connection was cut after its COMMIT reached the server but before the
    // answer came back may be there although it answered 503 (no one can know); it
    // is the only kind of write allowed to be there unacknowledged.
    let writers = (0..4).map(|w| {
        let create_named = &create_named;
        async move {
            let (mut ok, mut unknown) = (Vec::new(), Vec::new());
            for i in 0..40 {
                let code = format!("W{w}N{i}");
                let (status, body) = create_named(code.clone()).await;
                match status {
                    StatusCode::CREATED => ok.push(body["id"].as_str().expect("id").to_owned()),
                    StatusCode::SERVICE_UNAVAILABLE => unknown.push(code),
                    other => panic!("a write answered {other}: {body}"),
                }
            }
            (ok, unknown)
        }
    });
    let cutter = async {
        for _ in 0..5 {
            tokio::time::sleep(Duration::from_millis(60)).await;
            outside
                .execute_unprepared(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
                     WHERE datname = current_database() AND pid <> pg_backend_pid()",
                )
                .await
                .expect("cutting connections");
        }
    };
    let (written, ()) = tokio::join!(futures_util::future::join_all(writers), cutter);
    let mut unknown = BTreeSet::new();
    for (ok, maybe) in written {
        acknowledged.extend(ok);
        unknown.extend(maybe);
    }

    let outside = Database::connect(&app.database_url)
        .await
        .expect("connecting again");
    let stored: BTreeMap<String, String> = outside
        .query_all_raw(sea_orm::Statement::from_string(
            outside.get_database_backend(),
            "SELECT id, code FROM departments",
        ))
        .await
        .expect("the departments")
        .into_iter()
        .map(|row| {
            (
                row.try_get::<String>("", "id").expect("an id"),
                row.try_get::<String>("", "code").expect("a code"),
            )
        })
        .collect();
    for id in &acknowledged {
        assert!(
            stored.contains_key(id),
            "acknowledged department {id} is missing"
        );
    }
    for (id, code) in &stored {
        assert!(
            before.contains(id) || acknowledged.contains(id) || unknown.contains(code),
            "department {code} is stored but was refused"
        );
    }
    // The server writes on: a connection cut while it sat in the pool fails the
    // request that meets it first (503), and the pool opens a fresh one.
    let mut after = Vec::new();
    for i in 0..10 {
        let (status, _) = create_named(format!("AFTER{i}")).await;
        after.push(status.as_u16());
        if status == StatusCode::CREATED {
            break;
        }
    }
    assert_eq!(after.last(), Some(&201), "{after:?}");
}
