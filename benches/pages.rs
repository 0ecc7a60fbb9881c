//! The pages benchmark: on the small and the large demo organisation, on SQLite and on
//! PostgreSQL, every page of the app against the JSON API's matching read in the same
//! run — a department head's My work, My department and plan; the coordinator's
//! dashboard, report pages (goal p50 ≤ 100 ms), program, team, value stream,
//! coverage, who serves whom, metrics and reminders; an admin's people, departments
//! and audit trail (goal ≤ 30 ms) — each ≤ 2× its JSON read.
//! Prints each page's server time p50/p95 (loopback, one request at a time), its ratio
//! to the JSON read, its SQL statement count (`X-Query-Count`) on the small and on the
//! large organisation (flat: the same), and its size.
//!
//! `scripts/bench-pages` runs it (`cargo bench -p cxpm-tests --bench pages`);
//! `BENCH_ITERATIONS` sets the samples per measurement (default 60); with
//! `BENCH_DUMP_DIR`, each answer is also written there, to look at.

use std::time::{Duration, Instant};

use cxpm_api::config::DemoSize;
use cxpm_app::Ctx;
use cxpm_app::store::{action, person, plan, program};
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

/// Someone signed in: a session cookie for the pages, a token for the API.
struct Reader {
    cookie: String,
    token: String,
}

/// A page measured against the JSON read it is matched with, read by `who`
/// (0: the department head, 1: the coordinator, 2: an admin), with its goal.
struct Page {
    name: &'static str,
    page: String,
    json: String,
    who: usize,
    /// p50 goal: 100 ms for the dashboard and the report pages, 30 ms for the others.
    goal_ms: u64,
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

/// Signs `person_id` in both ways.
async fn signed(app: &TestApp, db: &DatabaseConnection, person_id: &str) -> Reader {
    let ctx = Ctx::for_command(db.clone(), app.base.as_str());
    let link =
        cxpm_app::directory::sign_in::make_link(&ctx, None, person_id, Some("/my-work"), false)
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
        token: app.token_for(person_id).await,
    }
}

/// The readers — the department head with the most open work, the program's
/// coordinator, an admin — and the pages each reads with their JSON counterparts.
async fn readers(app: &TestApp, db: &DatabaseConnection) -> (Vec<Reader>, Vec<Page>) {
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
    let program = program::Entity::find()
        .order_by_asc(program::Column::Id)
        .one(db)
        .await
        .expect("a program")
        .expect("the demo has a program");
    let pid = program.id.clone();
    let coordinator = program.coordinator_id.clone().expect("a coordinator");
    let admin = person::Entity::find()
        .filter(person::Column::Role.eq("admin"))
        .filter(person::Column::Active.eq(true))
        .one(db)
        .await
        .expect("an admin")
        .expect("the server has an admin");
    let readers = vec![
        signed(app, db, &head.id).await,
        signed(app, db, &coordinator).await,
        signed(app, db, &admin.id).await,
    ];
    let page = |name, page: String, json: String, who, goal_ms| Page {
        name,
        page,
        json,
        who,
        goal_ms,
    };
    let pages = vec![
        page(
            "my work",
            "/my-work".into(),
            "/api/v1/me/actions".into(),
            0,
            30,
        ),
        page(
            "my department",
            "/my-department".into(),
            format!("/api/v1/departments/{dept}/actions"),
            0,
            30,
        ),
        page(
            "a plan",
            format!("/plans/{plan_id}"),
            format!("/api/v1/plans/{plan_id}"),
            0,
            30,
        ),
        page(
            "dashboard",
            format!("/programs/{pid}/dashboard"),
            format!("/api/v1/programs/{pid}/reports/gaps"),
            1,
            100,
        ),
        page(
            "gap report",
            format!("/programs/{pid}/reports/gaps"),
            format!("/api/v1/programs/{pid}/reports/gaps"),
            1,
            100,
        ),
        page(
            "progress report",
            format!("/programs/{pid}/reports/progress"),
            format!("/api/v1/programs/{pid}/reports/progress"),
            1,
            100,
        ),
        page(
            "program",
            format!("/programs/{pid}"),
            format!("/api/v1/programs/{pid}/coverage"),
            1,
            30,
        ),
        page(
            "team",
            format!("/programs/{pid}/team"),
            format!("/api/v1/programs/{pid}/members"),
            1,
            30,
        ),
        page(
            "value stream",
            format!("/programs/{pid}/value-stream"),
            format!("/api/v1/programs/{pid}/stages"),
            1,
            30,
        ),
        page(
            "coverage",
            format!("/programs/{pid}/coverage"),
            format!("/api/v1/programs/{pid}/coverage"),
            1,
            30,
        ),
        page(
            "who serves whom",
            format!("/programs/{pid}/relationships"),
            format!("/api/v1/programs/{pid}/relationships"),
            1,
            30,
        ),
        page(
            "metrics",
            format!("/programs/{pid}/metrics"),
            format!("/api/v1/programs/{pid}/metrics"),
            1,
            30,
        ),
        page(
            "reminders",
            format!("/programs/{pid}/reminders"),
            format!("/api/v1/programs/{pid}/schedules"),
            1,
            30,
        ),
        page(
            "admin: people",
            "/admin/people".into(),
            "/api/v1/people?limit=200".into(),
            2,
            30,
        ),
        page(
            "admin: departments",
            "/admin/departments".into(),
            "/api/v1/departments?limit=200".into(),
            2,
            30,
        ),
        page(
            "admin: audit",
            "/admin/audit".into(),
            "/api/v1/audit?limit=200".into(),
            2,
            30,
        ),
    ];
    (readers, pages)
}

async fn organisation(
    backend: Backend,
    size: DemoSize,
) -> (TestApp, DatabaseConnection, Vec<Reader>, Vec<Page>) {
    let app = spawn_app(backend).await;
    let db = Database::connect(&app.database_url)
        .await
        .expect("the benchmark's own connection");
    cxpm_api::demo::build(&db, size, 7)
        .await
        .expect("the demo builds");
    let (readers, pages) = readers(&app, &db).await;
    (app, db, readers, pages)
}

async fn bench(backend: Backend, iterations: usize) {
    let label = match backend {
        Backend::Sqlite => "SQLite",
        Backend::Postgres => "PostgreSQL",
    };
    let client = reqwest::Client::new();
    let (small_app, small_db, small, small_pages) = organisation(backend, DemoSize::Small).await;
    let mut small_counts = Vec::new();
    for p in &small_pages {
        let f = fetch(
            &client,
            &small_app,
            &p.page,
            Auth::Cookie(&small[p.who].cookie),
        )
        .await;
        small_counts.push(f.statements);
    }
    small_db.close().await.ok();
    drop(small_app);
    let started = Instant::now();
    let (app, db, large, pages) = organisation(backend, DemoSize::Large).await;
    println!(
        "{label}: large demo built in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    for (p, small_count) in pages.iter().zip(small_counts) {
        let (name, page, json) = (p.name, &p.page, &p.json);
        let cookie = Auth::Cookie(&large[p.who].cookie);
        let bearer = Auth::Bearer(&large[p.who].token);
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
        // A report page draws its charts from all the lines: its size grows with them.
        let small_enough = p.goal_ms > 30 || last.bytes <= 100 * 1024;
        let met = p50 <= Duration::from_millis(p.goal_ms)
            && ratio <= 2.0
            && last.statements == small_count
            && small_enough;
        println!(
            "  {name:<18} page p50 {:>8} p95 {:>8} | JSON p50 {:>8} p95 {:>8} | ratio {ratio:.2}× | SQL {small_count} small / {} large | {:.1} KB {}",
            ms(p50),
            ms(p95),
            ms(j50),
            ms(j95),
            last.statements,
            last.bytes as f64 / 1024.0,
            if met {
                "(goal met)".to_owned()
            } else {
                format!(
                    "(goal: p50 ≤ {} ms, ≤ 2× JSON, flat SQL{})",
                    p.goal_ms,
                    if p.goal_ms > 30 { "" } else { ", ≤ 100 KB" }
                )
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
