//! The pages benchmark: on the small and the large demo organisation, on SQLite and on
//! PostgreSQL, a department head's three pages — My work, My department and one of
//! their plans — against the JSON API's matching read in the same run
//! (`/api/v1/me/actions`, `/api/v1/departments/{id}/actions`, `/api/v1/plans/{id}`).
//! Prints each page's server time p50/p95 (loopback, one request at a time), its ratio
//! to the JSON read, its SQL statement count (`X-Query-Count`) on the small and on the
//! large organisation (flat: the same), and its size.
//!
//! `scripts/bench-pages` runs it (`cargo bench -p cxpm-tests --bench pages`);
//! `BENCH_ITERATIONS` sets the samples per measurement (default 60); with
//! `BENCH_DUMP_DIR`, each answer is also written there, to look at.

use std::sync::Arc;
use std::time::{Duration, Instant};

use cxpm_api::config::DemoSize;
use cxpm_app::store::{action, person, plan};
use cxpm_app::{Clock, Ctx};
use cxpm_tests::bench::{Timing, iterations, ms, time};
use cxpm_tests::{Backend, TestApp, spawn_app};
use sea_orm::{
    ColumnTrait, Database, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect,
};

/// What one GET gave: its SQL statements and size.
struct Fetched {
    statements: u64,
    bytes: usize,
}

/// A signed-in department head: a session cookie for the pages, a token for the API.
struct Reader {
    cookie: String,
    token: String,
    pages: Vec<(&'static str, String, String)>,
}

async fn fetch(client: &reqwest::Client, app: &TestApp, path: &str, auth: Auth<'_>) -> Fetched {
    let request = client.get(format!("{}{path}", app.base));
    let request = match auth {
        Auth::Cookie(c) => request.header("cookie", c).header("accept", "text/html"),
        Auth::Bearer(t) => request.bearer_auth(t).header("accept", "application/json"),
    };
    let response = request.send().await.expect("the server answers");
    let status = response.status();
    let statements = response
        .headers()
        .get("x-query-count")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let body = response.bytes().await.expect("the whole body");
    if let Ok(dir) = std::env::var("BENCH_DUMP_DIR") {
        let name = path.trim_start_matches('/').replace('/', "_");
        std::fs::write(format!("{dir}/{name}.html"), &body).ok();
    }
    assert!(status.is_success(), "{path}: {status}");
    Fetched {
        statements,
        bytes: body.len(),
    }
}

#[derive(Clone, Copy)]
enum Auth<'a> {
    Cookie(&'a str),
    Bearer(&'a str),
}

/// The department head with the most open work, signed in both ways, and the paths
/// of their pages with the JSON read each is matched with.
async fn reader(app: &TestApp, db: &DatabaseConnection) -> Reader {
    // The head whose department has the most actions.
    let heads = person::Entity::find()
        .filter(person::Column::Role.eq("department_head"))
        .filter(person::Column::Active.eq(true))
        .order_by_asc(person::Column::Id)
        .all(db)
        .await
        .expect("heads");
    let mut best = None;
    for h in heads {
        let Some(dept) = h.department_id.clone() else {
            continue;
        };
        let n = action::Entity::find()
            .filter(action::Column::DepartmentId.eq(&dept))
            .count(db)
            .await
            .expect("a count");
        if best.as_ref().is_none_or(|(m, _, _)| n > *m) {
            best = Some((n, h, dept));
        }
    }
    let (_, head, dept) = best.expect("the demo has department heads");
    let plan_id: String = plan::Entity::find()
        .filter(plan::Column::DepartmentId.eq(&dept))
        .select_only()
        .column(plan::Column::Id)
        .order_by_asc(plan::Column::Id)
        .into_tuple()
        .one(db)
        .await
        .expect("a plan")
        .expect("the department has a plan");
    let ctx = Ctx {
        db: db.clone(),
        read: db.clone(),
        clock: Clock::system(),
        public_url: Arc::from(app.base.as_str()),
    };
    let link = cxpm_app::directory::sign_in::make_link(&ctx, None, &head.id, Some("/my-work"))
        .await
        .expect("a sign-in link");
    let token = link.split("token=").nth(1).expect("a token in the link");
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("a client");
    let opened = client
        .post(format!("{}/sign-in/link", app.base))
        .form(&[("token", token)])
        .send()
        .await
        .expect("the sign-in answers");
    assert_eq!(
        opened.status(),
        reqwest::StatusCode::SEE_OTHER,
        "the link signs in"
    );
    let cookie = opened
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .expect("a session cookie")
        .to_owned();
    Reader {
        cookie,
        token: app.token_for(&head.id).await,
        pages: vec![
            (
                "my work",
                "/my-work".to_owned(),
                "/api/v1/me/actions".to_owned(),
            ),
            (
                "my department",
                "/my-department".to_owned(),
                format!("/api/v1/departments/{dept}/actions"),
            ),
            (
                "a plan",
                format!("/plans/{plan_id}"),
                format!("/api/v1/plans/{plan_id}"),
            ),
        ],
    }
}

async fn organisation(backend: Backend, size: DemoSize) -> (TestApp, DatabaseConnection, Reader) {
    let app = spawn_app(backend).await;
    let db = Database::connect(&app.database_url)
        .await
        .expect("the benchmark's own connection");
    cxpm_api::demo::build(&db, size, 7)
        .await
        .expect("the demo builds");
    let reader = reader(&app, &db).await;
    (app, db, reader)
}

async fn bench(backend: Backend, iterations: usize) {
    let label = match backend {
        Backend::Sqlite => "SQLite",
        Backend::Postgres => "PostgreSQL",
    };
    let client = reqwest::Client::new();
    let (small_app, small_db, small) = organisation(backend, DemoSize::Small).await;
    let mut small_counts = Vec::new();
    for (_, page, _) in &small.pages {
        let f = fetch(&client, &small_app, page, Auth::Cookie(&small.cookie)).await;
        small_counts.push(f.statements);
    }
    small_db.close().await.ok();
    drop(small_app);
    let started = Instant::now();
    let (app, db, large) = organisation(backend, DemoSize::Large).await;
    println!(
        "{label}: large demo built in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    for ((name, page, json), small_count) in large.pages.iter().zip(small_counts) {
        let cookie = Auth::Cookie(&large.cookie);
        let bearer = Auth::Bearer(&large.token);
        let last = fetch(&client, &app, page, cookie).await;
        let Timing { p50, p95 } = time(iterations, || async {
            fetch(&client, &app, page, cookie).await;
        })
        .await;
        let Timing { p50: j50, p95: j95 } = time(iterations, || async {
            fetch(&client, &app, json, bearer).await;
        })
        .await;
        let ratio = p50.as_secs_f64() / j50.as_secs_f64();
        let met = p50 <= Duration::from_millis(30)
            && ratio <= 2.0
            && last.statements == small_count
            && last.bytes <= 100 * 1024;
        println!(
            "  {name:<14} page p50 {:>8} p95 {:>8} | JSON p50 {:>8} p95 {:>8} | ratio {ratio:.2}× | SQL {small_count} small / {} large | {:.1} KB {}",
            ms(p50),
            ms(p95),
            ms(j50),
            ms(j95),
            last.statements,
            last.bytes as f64 / 1024.0,
            if met {
                "(goal met)"
            } else {
                "(goal: p50 ≤ 30 ms, ≤ 2× JSON, flat SQL, ≤ 100 KB)"
            }
        );
    }
    db.close().await.ok();
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let iterations = iterations(60);
    println!("pages on the demo organisation, {iterations} samples each, release build, loopback");
    bench(Backend::Sqlite, iterations).await;
    bench(Backend::Postgres, iterations).await;
}
