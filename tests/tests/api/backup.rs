//! Backups (issue 20, item 3): `cxpm backup FILE` copies a live database while writes
//! go on — SQLite's consistent copy, PostgreSQL's `pg_dump` — and the copy passes
//! SQLite's integrity check (or restores with `pg_restore`) and holds every write
//! acknowledged before the backup began; `cxpm restore` refuses a database a cxpm
//! serves, and restores one that is free.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use cxpm_tests::{Backend, TestApp, spawn_app};

use crate::pages::on_both;
use reqwest::StatusCode;
use sea_orm::{ConnectionTrait, Database, Statement};
use serde_json::json;

const EXE: &str = env!("CARGO_BIN_EXE_cxpm-process");

/// The departments a load wrote and the server acknowledged, each with when.
type Acked = Arc<Mutex<Vec<(String, Instant)>>>;

/// Writes departments until told to stop; each acknowledged one with when.
fn write_load(app: &TestApp, stop: Arc<AtomicBool>) -> (tokio::task::JoinHandle<()>, Acked) {
    let done = Arc::new(Mutex::new(Vec::new()));
    let (base, token, acked) = (app.base.clone(), app.admin_token.clone(), Arc::clone(&done));
    let task = tokio::spawn(async move {
        let client = reqwest::Client::new();
        let mut n = 0;
        while !stop.load(Ordering::SeqCst) {
            n += 1;
            let resp = client
                .post(format!("{base}/api/v1/departments"))
                .bearer_auth(&token)
                .json(&json!({"name": format!("Department {n}"), "code": format!("B{n}")}))
                .send()
                .await;
            if let Ok(r) = resp
                && r.status() == StatusCode::CREATED
            {
                let body: serde_json::Value = r.json().await.unwrap_or_default();
                let id = body["id"].as_str().unwrap_or_default().to_owned();
                acked.lock().unwrap().push((id, Instant::now()));
            }
        }
    });
    (task, done)
}

async fn cxpm(args: &[&str], database_url: &str) -> std::process::Output {
    tokio::process::Command::new(EXE)
        .args(args)
        .env("CXPM_DATABASE_URL", database_url)
        .env("CXPM_LOG", "error")
        .output()
        .await
        .expect("running cxpm")
}

async fn department_ids(url: &str) -> BTreeSet<String> {
    let db = Database::connect(url).await.expect("the copy opens");
    let rows = db
        .query_all_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT id FROM departments",
        ))
        .await
        .expect("departments");
    db.close().await.ok();
    rows.iter()
        .map(|r| r.try_get::<String>("", "id").unwrap())
        .collect()
}

async fn a_live_database_is_backed_up_under_write_load(backend: Backend) {
    let app = spawn_app(backend).await;
    let dir = std::env::temp_dir().join(format!("cxpm-backup-{}", uuid::Uuid::now_v7().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join(match backend {
        Backend::Sqlite => "cxpm-backup.db",
        Backend::Postgres => "cxpm-backup.dump",
    });
    let stop = Arc::new(AtomicBool::new(false));
    let (load, acked) = write_load(&app, Arc::clone(&stop));
    tokio::time::sleep(Duration::from_millis(800)).await;
    let began = Instant::now();
    let out = cxpm(&["backup", file.to_str().unwrap()], &app.database_url).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    stop.store(true, Ordering::SeqCst);
    load.await.unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let before: BTreeSet<String> = acked
        .lock()
        .unwrap()
        .iter()
        .filter(|(_, at)| *at < began)
        .map(|(id, _)| id.clone())
        .collect();
    let after = acked.lock().unwrap().len() - before.len();
    assert!(
        before.len() > 5 && after > 0,
        "writes went on during the backup: {} before, {after} after",
        before.len()
    );
    // A backup never overwrites a file.
    let again = cxpm(&["backup", file.to_str().unwrap()], &app.database_url).await;
    assert!(!again.status.success());
    match backend {
        Backend::Sqlite => {
            let stdout = String::from_utf8_lossy(&out.stdout);
            assert!(stdout.contains("integrity check: ok"), "{stdout}");
            let copy = format!("sqlite://{}?mode=ro", file.display());
            let db = Database::connect(&copy).await.unwrap();
            let check = db
                .query_one_raw(Statement::from_string(
                    db.get_database_backend(),
                    "PRAGMA integrity_check",
                ))
                .await
                .unwrap()
                .unwrap();
            assert_eq!(check.try_get_by_index::<String>(0).unwrap(), "ok");
            db.close().await.ok();
            let copied = department_ids(&copy).await;
            assert!(
                before.is_subset(&copied),
                "{} acknowledged before the backup are missing",
                before.difference(&copied).count()
            );

            // Restore: refused while a cxpm serves the database, done on a free one.
            let refused = cxpm(&["restore", file.to_str().unwrap()], &app.database_url).await;
            assert!(!refused.status.success());
            assert!(
                String::from_utf8_lossy(&refused.stderr).contains("in use"),
                "{}",
                String::from_utf8_lossy(&refused.stderr)
            );
            let target = dir.join("restored.db");
            let url = format!("sqlite://{}?mode=rwc", target.display());
            let restored = cxpm(&["restore", file.to_str().unwrap()], &url).await;
            assert!(
                restored.status.success(),
                "{}",
                String::from_utf8_lossy(&restored.stderr)
            );
            assert_eq!(department_ids(&url).await, copied);
        }
        Backend::Postgres => {
            // Into a fresh database with pg_restore, as the README's drill says.
            let (base, query) = app
                .database_url
                .split_once('?')
                .unwrap_or((&app.database_url, ""));
            let (server, _) = base.rsplit_once('/').unwrap();
            let name = format!("cxpm_restore_{}", uuid::Uuid::now_v7().simple());
            let admin = Database::connect(format!("{server}/postgres?{query}"))
                .await
                .unwrap();
            admin
                .execute_unprepared(&format!("CREATE DATABASE {name}"))
                .await
                .unwrap();
            let url = format!("{server}/{name}?{query}");
            let status = std::process::Command::new("pg_restore")
                .args(["--no-owner", "--dbname", &url, file.to_str().unwrap()])
                .status()
                .unwrap();
            assert!(status.success(), "pg_restore");
            let copied = department_ids(&url).await;
            assert!(
                before.is_subset(&copied),
                "{} acknowledged before the backup are missing",
                before.difference(&copied).count()
            );
            admin
                .execute_unprepared(&format!("DROP DATABASE {name} WITH (FORCE)"))
                .await
                .ok();
            admin.close().await.ok();
        }
    }
    std::fs::remove_dir_all(&dir).ok();
}

on_both!(a_live_database_is_backed_up_under_write_load);
