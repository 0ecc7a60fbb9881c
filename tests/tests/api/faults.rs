//! A database held by someone else: a clear 503 problem+json after the busy timeout,
//! never a request that hangs, nothing half-written, and the server carries on when
//! the lock is gone; reads go on meanwhile. On SQLite another process holds the
//! file's write lock; on PostgreSQL another session holds a table lock.

use std::time::{Duration, Instant};

use cxpm_tests::{Backend, SqliteLock, TestApp, both_databases, expect_json, expect_problem};
use reqwest::StatusCode;
use sea_orm::{ConnectionTrait, Database, TransactionTrait};
use serde_json::json;

both_databases!(
    a_locked_database_is_a_clear_503_not_a_hang,
    |app: TestApp| async move {
        let create = |code: &'static str| {
            let app = &app;
            async move {
                app.post(
                    "/api/v1/departments",
                    &app.admin_token,
                    &json!({"name": "Quality", "code": code}),
                )
                .await
            }
        };
        let (reader, reader_token) = app.someone("member", None).await;
        // Hold the lock elsewhere.
        enum Held {
            Process(SqliteLock),
            Session(sea_orm::DatabaseTransaction, sea_orm::DatabaseConnection),
        }
        let held = match app.backend {
            Backend::Sqlite => Held::Process(SqliteLock::hold(&app.database_url)),
            Backend::Postgres => {
                let other = Database::connect(&app.database_url).await.unwrap();
                #[allow(clippy::disallowed_methods)] // PostgreSQL: a plain BEGIN is the lock holder
                let txn = other.begin().await.unwrap();
                // Writers locked out, readers let through: what a long write elsewhere holds.
                txn.execute_unprepared("LOCK TABLE departments IN EXCLUSIVE MODE")
                    .await
                    .unwrap();
                Held::Session(txn, other)
            }
        };

        // Writers pile up behind the lock, more of them than the pool has connections;
        // meanwhile a reader with a token never used before (its lookup, and the
        // record of its last use, meet the lock too) is answered at once.
        let started = Instant::now();
        let writes = futures_util::future::join_all(["QA", "QB", "QC", "QD", "QE", "QF"].map(
            |code| async move {
                let resp = create(code).await;
                (
                    expect_problem(resp, StatusCode::SERVICE_UNAVAILABLE).await,
                    started.elapsed(),
                )
            },
        ));
        let read = async {
            tokio::time::sleep(Duration::from_millis(300)).await;
            let asked = Instant::now();
            let me = expect_json(app.get("/api/v1/me", &reader_token).await, StatusCode::OK).await;
            (me, asked.elapsed())
        };
        let (writes, (me, read_took)) = tokio::join!(writes, read);
        assert_eq!(me["id"], reader["id"]);
        assert!(
            read_took < Duration::from_secs(2),
            "a read waited {read_took:?} behind the lock"
        );
        for (problem, waited) in writes {
            // "busy" after the busy timeout, or, for a writer that queued for a
            // connection behind those, "not answering" after the acquire timeout.
            let detail = problem["detail"].as_str().unwrap();
            assert!(
                detail.contains("busy") || detail.contains("not answering"),
                "{problem}"
            );
            // The busy timeout (5 s), not a hang.
            assert!(
                waited >= Duration::from_secs(4) && waited < Duration::from_secs(15),
                "answered after {waited:?}"
            );
        }

        // The lock goes; the server carries on, and the refused write is not there.
        match held {
            Held::Process(locker) => drop(locker),
            Held::Session(txn, other) => {
                txn.rollback().await.unwrap();
                other.close().await.ok();
            }
        }
        let listed = expect_json(
            app.get("/api/v1/departments", &app.admin_token).await,
            StatusCode::OK,
        )
        .await;
        assert!(
            listed["items"]
                .as_array()
                .unwrap()
                .iter()
                .all(|d| !d["code"].as_str().unwrap().starts_with('Q')),
            "{listed}"
        );
        expect_json(create("QA").await, StatusCode::CREATED).await;
    }
);
