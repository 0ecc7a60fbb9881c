//! The pages, over HTTP as a browser would use them: sign in with a link taken from
//! the real outbox (an `.eml` in the mail folder), cookies, CSRF, permissions, a
//! stale form, a progress update. Each test runs on SQLite and PostgreSQL.

use std::path::{Path, PathBuf};
use std::time::Duration;

use cxpm_tests::{Backend, Remind, TestApp, expect_json, spawn_app_with};
use reqwest::StatusCode;
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};
use serde_json::{Value, json};

pub(crate) fn id(v: &Value) -> String {
    v["id"].as_str().unwrap_or_default().to_owned()
}

/// A server that writes its mail as `.eml` files, sent at once, on `clock`.
pub(crate) async fn app_with_mail(backend: Backend, clock: cxpm_app::Clock) -> (TestApp, PathBuf) {
    let dir = std::env::temp_dir().join(format!("cxpm-pages-{}", uuid::Uuid::now_v7().simple()));
    let mail_dir = dir.clone();
    let app = spawn_app_with(backend, |s| {
        s.mail_dir = mail_dir;
        s.dispatch_every_ms = 20;
        s.clock = clock;
    })
    .await;
    (app, dir)
}

/// A browser: no redirects followed, its session cookie kept by hand.
pub(crate) struct Browser {
    client: reqwest::Client,
    base: String,
    pub(crate) cookie: Option<String>,
}

impl Browser {
    pub(crate) fn new(app: &TestApp) -> Self {
        Self {
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            base: app.base.clone(),
            cookie: None,
        }
    }

    pub(crate) async fn get(&self, path: &str) -> reqwest::Response {
        let mut req = self.client.get(format!("{}{path}", self.base));
        if let Some(c) = &self.cookie {
            req = req.header(COOKIE, c);
        }
        req.send().await.unwrap()
    }

    pub(crate) async fn post(&self, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
        let mut req = self.client.post(format!("{}{path}", self.base)).form(form);
        if let Some(c) = &self.cookie {
            req = req.header(COOKIE, c);
        }
        req.send().await.unwrap()
    }

    /// Posts a form with a file, as `<form enctype="multipart/form-data">` does.
    pub(crate) async fn upload(
        &self,
        path: &str,
        fields: &[(&str, &str)],
        file: (&str, Vec<u8>),
    ) -> reqwest::Response {
        let mut form = reqwest::multipart::Form::new();
        for (k, v) in fields {
            form = form.text(k.to_string(), v.to_string());
        }
        form = form.part(
            "file",
            reqwest::multipart::Part::bytes(file.1).file_name(file.0.to_owned()),
        );
        let mut req = self
            .client
            .post(format!("{}{path}", self.base))
            .multipart(form);
        if let Some(c) = &self.cookie {
            req = req.header(COOKIE, c);
        }
        req.send().await.unwrap()
    }

    pub(crate) async fn page(&self, path: &str) -> String {
        let resp = self.get(path).await;
        assert_eq!(resp.status(), StatusCode::OK, "GET {path}");
        resp.text().await.unwrap()
    }

    /// The CSRF token of the session, as the pages put it in their forms.
    pub(crate) async fn csrf(&self) -> String {
        let html = self.page("/my-work").await;
        let at = html
            .find("name=\"csrf\" value=\"")
            .expect("a form with the CSRF token");
        html[at + 19..].split('"').next().unwrap().to_owned()
    }
}

const SIGN_IN: &str = "/sign-in/link?token=";

/// The sign-in links mailed to `email` so far, oldest first.
fn links_to(dir: &Path, email: &str) -> Vec<String> {
    cxpm_tests::links_mailed(dir, email, SIGN_IN)
}

/// The token of the link mailed to `email` after the first `already`.
async fn mailed_link(dir: &Path, email: &str, already: usize) -> String {
    cxpm_tests::token_of(&cxpm_tests::next_link(dir, email, SIGN_IN, already).await)
}

/// Asks for a link for `email` and opens it: the browser is then signed in.
pub(crate) async fn sign_in(
    app: &TestApp,
    dir: &Path,
    email: &str,
    next: &str,
) -> (Browser, reqwest::Response) {
    let mut b = Browser::new(app);
    let already = links_to(dir, email).len();
    let asked = b
        .post("/sign-in", &[("email", email), ("next", next)])
        .await;
    assert_eq!(asked.status(), StatusCode::OK);
    let token = mailed_link(dir, email, already).await;
    // Opening the link shows a button; only posting it signs in.
    let landing = b.get(&format!("/sign-in/link?token={token}")).await;
    assert_eq!(landing.status(), StatusCode::OK);
    assert!(landing.text().await.unwrap().contains(&token));
    let opened = b.post("/sign-in/link", &[("token", &token)]).await;
    assert_eq!(opened.status(), StatusCode::SEE_OTHER);
    let set = opened.headers()[SET_COOKIE].to_str().unwrap().to_owned();
    b.cookie = Some(set.split(';').next().unwrap().to_owned());
    (b, opened)
}

async fn the_remind_setup(app: &TestApp) -> cxpm_tests::Reminded {
    app.action_to_remind(Remind {
        department: "Quality",
        program: "CX 2027",
        head: ("Helena Head", "en"),
        owner: ("Otto Owner", "pt-BR"),
        action: "Check every pallet",
        due: "2020-01-15",
    })
    .await
}

async fn a_fresh_link_signs_in_once_with_a_safe_cookie(backend: Backend) {
    let clock = cxpm_app::Clock::system();
    let (app, dir) = app_with_mail(backend, clock.clone()).await;
    let r = the_remind_setup(&app).await;
    let email = r.owner["email"].as_str().unwrap();
    let (b, opened) = sign_in(&app, &dir, email, "/my-work").await;
    assert_eq!(opened.headers()[LOCATION], "/my-work");
    let cookie = opened.headers()[SET_COOKIE].to_str().unwrap();
    for flag in ["HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(cookie.contains(flag), "{flag} in {cookie}");
    }
    assert!(!cookie.contains("Secure"), "plain http: {cookie}");
    // My work, in the owner's own language, with the overdue action first.
    let html = b.page("/my-work").await;
    assert!(html.contains("lang=\"pt-BR\""));
    assert!(html.contains("Meu trabalho"));
    assert!(html.contains("Check every pallet"));
    assert!(html.contains("Atrasadas"));
    // The same link again signs nobody in.
    let token = mailed_link(&dir, email, 0).await;
    assert_eq!(links_to(&dir, email).len(), 1);
    let again = Browser::new(&app)
        .post("/sign-in/link", &[("token", &token)])
        .await;
    assert_eq!(again.status(), StatusCode::SEE_OTHER);
    assert_eq!(again.headers()[LOCATION], "/sign-in?notice=unusable");
    assert!(again.headers().get(SET_COOKIE).is_none());
    // A link older than 15 minutes neither.
    let late = Browser::new(&app);
    late.post("/sign-in", &[("email", email)]).await;
    let token = mailed_link(&dir, email, 1).await;
    clock.advance(chrono::Duration::minutes(16));
    let expired = late.post("/sign-in/link", &[("token", &token)]).await;
    assert_eq!(expired.headers()[LOCATION], "/sign-in?notice=unusable");
    // Signed out: the cookie no longer opens pages.
    let csrf = b.csrf().await;
    let out = b.post("/sign-out", &[("csrf", &csrf)]).await;
    assert_eq!(out.status(), StatusCode::SEE_OTHER);
    let after = b.get("/my-work").await;
    assert_eq!(after.status(), StatusCode::SEE_OTHER);
    let _ = std::fs::remove_dir_all(&dir);
}

async fn asking_for_a_link_tells_nothing_about_the_address(backend: Backend) {
    let (app, dir) = app_with_mail(backend, cxpm_app::Clock::system()).await;
    let (person, _) = app.someone("member", None).await;
    let email = person["email"].as_str().unwrap();
    let b = Browser::new(&app);
    let unknown = b.post("/sign-in", &[("email", "nobody@example.com")]).await;
    assert_eq!(unknown.status(), StatusCode::OK);
    let unknown = unknown
        .text()
        .await
        .unwrap()
        .replace("nobody@example.com", "X");
    let known = b.post("/sign-in", &[("email", email)]).await;
    assert_eq!(known.status(), StatusCode::OK);
    let known = known.text().await.unwrap().replace(email, "X");
    assert_eq!(unknown, known);
    // A malformed address is named beside its field, and nothing is sent.
    let bad = b.post("/sign-in", &[("email", "not an address")]).await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = bad.text().await.unwrap();
    assert!(html.contains("id=\"email-error\""));
    assert!(html.contains("value=\"not an address\""));
    // Three links per address per 15 minutes; more requests mail nothing.
    for _ in 0..4 {
        b.post("/sign-in", &[("email", email)]).await;
    }
    mailed_link(&dir, email, 2).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(links_to(&dir, email).len(), 3);
    let _ = std::fs::remove_dir_all(&dir);
}

async fn signed_out_a_mail_link_signs_in_then_opens_its_page(backend: Backend) {
    let (app, dir) = app_with_mail(backend, cxpm_app::Clock::system()).await;
    let r = the_remind_setup(&app).await;
    let path = format!("/actions/{}", id(&r.action));
    let first = Browser::new(&app).get(&path).await;
    assert_eq!(first.status(), StatusCode::SEE_OTHER);
    let to = first.headers()[LOCATION].to_str().unwrap().to_owned();
    assert_eq!(to, format!("/sign-in?next={path}"));
    let (b, opened) = sign_in(&app, &dir, r.owner["email"].as_str().unwrap(), &path).await;
    assert_eq!(opened.headers()[LOCATION].to_str().unwrap(), path);
    assert!(b.page(&path).await.contains("Check every pallet"));
    // A `next` that leaves the site goes home instead.
    let (_, elsewhere) = sign_in(
        &app,
        &dir,
        r.head["email"].as_str().unwrap(),
        "//evil.example/x",
    )
    .await;
    assert_eq!(elsewhere.headers()[LOCATION], "/start");
    let home = Browser::new(&app).get("/").await;
    assert_eq!(home.headers()[LOCATION], "/start");
    // Each role lands where its week happens: the head on My department.
    let (head, _) = sign_in(&app, &dir, r.head["email"].as_str().unwrap(), "/start").await;
    let landed = head.get("/start").await;
    assert_eq!(landed.headers()[LOCATION], "/my-department");
    let _ = std::fs::remove_dir_all(&dir);
}

async fn a_progress_update_from_my_work(backend: Backend) {
    let (app, dir) = app_with_mail(backend, cxpm_app::Clock::system()).await;
    let r = the_remind_setup(&app).await;
    let (b, _) = sign_in(&app, &dir, r.owner["email"].as_str().unwrap(), "/my-work").await;
    let path = format!("/actions/{}/updates", id(&r.action));
    // Without the session's token: 403, nothing changes.
    let forged = b.post(&path, &[("progress", "90")]).await;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    let csrf = b.csrf().await;
    // A mistake comes back beside its field with the input kept.
    let bad = b
        .post(
            &path,
            &[
                ("csrf", &csrf),
                ("progress", "lots"),
                ("comment", "keep me"),
            ],
        )
        .await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = bad.text().await.unwrap();
    assert!(html.contains("aria-invalid=\"true\""));
    assert!(html.contains("keep me"));
    let blocked = b
        .post(&path, &[("csrf", &csrf), ("status", "blocked")])
        .await;
    assert_eq!(blocked.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // The domain's message, beside its field in the reader's language (pt-BR).
    let html = blocked.text().await.unwrap();
    assert!(
        html.contains("uma ação bloqueada precisa de um motivo"),
        "{html}"
    );
    let action_url = format!("/api/v1/actions/{}", id(&r.action));
    let before = expect_json(app.get(&action_url, &app.admin_token).await, StatusCode::OK).await;
    assert_eq!(before["progress"], 0);
    // A good one lands, back on my work.
    let ok = b
        .post(
            &path,
            &[
                ("csrf", &csrf),
                ("progress", "60"),
                ("status", "in_progress"),
                ("comment", "half the pallets"),
            ],
        )
        .await;
    assert_eq!(ok.status(), StatusCode::SEE_OTHER);
    let after = expect_json(app.get(&action_url, &app.admin_token).await, StatusCode::OK).await;
    assert_eq!(after["progress"], 60);
    assert_eq!(after["status"], "in_progress");
    // With htmx the answer is the action's row, redrawn.
    let row = b
        .client
        .post(format!("{}{path}", b.base))
        .header(COOKIE, b.cookie.clone().unwrap())
        .header("HX-Request", "true")
        .header("X-CSRF-Token", &csrf)
        .form(&[("progress", "70")])
        .send()
        .await
        .unwrap();
    assert_eq!(row.status(), StatusCode::OK);
    let fragment = row.text().await.unwrap();
    assert!(fragment.starts_with("<article"), "{fragment}");
    assert!(fragment.contains("70 %"));
    let page = b.page(&format!("/actions/{}", id(&r.action))).await;
    assert!(page.contains("half the pallets"));
    let _ = std::fs::remove_dir_all(&dir);
}

async fn another_departments_head_may_not_work_on_a_plan(backend: Backend) {
    let (app, dir) = app_with_mail(backend, cxpm_app::Clock::system()).await;
    let r = the_remind_setup(&app).await;
    let plan_id = id(&r.plan);
    let other = app.department("Shipping", "SHP").await;
    let (stranger, _) = app.someone("department_head", Some(&id(&other))).await;
    let (b, _) = sign_in(&app, &dir, stranger["email"].as_str().unwrap(), "/").await;
    let plan = b.page(&format!("/plans/{plan_id}")).await;
    assert!(
        !plan.contains("action=\"/steps/"),
        "no step forms for a stranger"
    );
    let steps = expect_json(
        app.get(&format!("/api/v1/plans/{plan_id}/steps"), &app.admin_token)
            .await,
        StatusCode::OK,
    )
    .await;
    let step = &steps["items"][0];
    let csrf = b.csrf().await;
    let version = step["version"].to_string();
    let refused = b
        .post(
            &format!("/steps/{}", id(step)),
            &[
                ("csrf", &csrf),
                ("plan_id", &plan_id),
                ("status", "in_progress"),
                ("version", &version),
            ],
        )
        .await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let text = refused.text().await.unwrap();
    assert!(
        !text.contains("Inspect before shipping"),
        "a 403 page leaks nothing"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

async fn a_stale_step_form_shows_who_changed_it(backend: Backend) {
    let (app, dir) = app_with_mail(backend, cxpm_app::Clock::system()).await;
    let r = the_remind_setup(&app).await;
    let plan_id = id(&r.plan);
    let (b, _) = sign_in(&app, &dir, r.head["email"].as_str().unwrap(), "/").await;
    let steps = expect_json(
        app.get(&format!("/api/v1/plans/{plan_id}/steps"), &app.admin_token)
            .await,
        StatusCode::OK,
    )
    .await;
    let step = &steps["items"][0];
    let read_at = step["version"].to_string();
    // Someone else works on the step after the page was read.
    let changed = app
        .request(
            reqwest::Method::PATCH,
            &format!("/api/v1/steps/{}", id(step)),
            Some(&r.coord),
        )
        .header("If-Match", format!("\"{read_at}\""))
        .json(&json!({"status": "in_progress"}))
        .send()
        .await
        .unwrap();
    assert_eq!(changed.status(), StatusCode::OK);
    let csrf = b.csrf().await;
    let stale = b
        .post(
            &format!("/steps/{}", id(step)),
            &[
                ("csrf", &csrf),
                ("plan_id", &plan_id),
                ("status", "done"),
                ("version", &read_at),
            ],
        )
        .await;
    assert_eq!(stale.status(), StatusCode::CONFLICT);
    let html = stale.text().await.unwrap();
    assert!(
        html.contains("Someone changed this while you were editing"),
        "{html}"
    );
    assert!(html.contains("A coordinator"), "who changed it");
    let now = expect_json(
        app.get(&format!("/api/v1/plans/{plan_id}/steps"), &app.admin_token)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        now["items"][0]["status"], "in_progress",
        "the stale form changed nothing"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

async fn a_key_point_is_edited_on_its_plan_page(backend: Backend) {
    let (app, dir) = app_with_mail(backend, cxpm_app::Clock::system()).await;
    let r = the_remind_setup(&app).await;
    let plan_id = id(&r.plan);
    let rel = id(&r.relationship);
    let point = app
        .created(
            &format!("/api/v1/relationships/{rel}/key-points"),
            json!({"name": "Dates that hold"}),
        )
        .await;
    let (b, _) = sign_in(&app, &dir, r.head["email"].as_str().unwrap(), "/").await;
    let page = b.page(&format!("/plans/{plan_id}")).await;
    assert!(page.contains(&format!("action=\"/key-points/{}\"", id(&point))));
    let csrf = b.csrf().await;
    let path = format!("/key-points/{}", id(&point));
    let read_at = point["version"].to_string();
    let saved = b
        .post(
            &path,
            &[
                ("csrf", &csrf),
                ("plan_id", &plan_id),
                ("version", &read_at),
                ("name", "Delivery dates that hold"),
                ("customer_expects", "a date we can plan on, within a day"),
                ("description", ""),
            ],
        )
        .await;
    assert_eq!(saved.status(), StatusCode::SEE_OTHER);
    let url = format!("/api/v1/relationships/{rel}/key-points");
    let current = || async {
        let list = expect_json(app.get(&url, &app.admin_token).await, StatusCode::OK).await;
        list["items"][0].clone()
    };
    let now = current().await;
    assert_eq!(now["name"], "Delivery dates that hold");
    assert_eq!(
        now["customer_expects"],
        "a date we can plan on, within a day"
    );
    // The same form again, read at the old version: 409, the input kept, who changed it.
    let stale = b
        .post(
            &path,
            &[
                ("csrf", &csrf),
                ("plan_id", &plan_id),
                ("version", &read_at),
                ("name", "Dates, my way"),
                ("customer_expects", ""),
                ("description", ""),
            ],
        )
        .await;
    assert_eq!(stale.status(), StatusCode::CONFLICT);
    let html = stale.text().await.unwrap();
    assert!(html.contains("Someone changed this while you were editing"));
    assert!(html.contains("Dates, my way"), "the input is kept");
    let after = current().await;
    assert_eq!(after["name"], "Delivery dates that hold", "nothing changed");
    // A blank name comes back beside its field.
    let version = after["version"].to_string();
    let blank = b
        .post(
            &path,
            &[
                ("csrf", &csrf),
                ("plan_id", &plan_id),
                ("version", &version),
                ("name", " "),
            ],
        )
        .await;
    assert_eq!(blank.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        blank
            .text()
            .await
            .unwrap()
            .contains("aria-invalid=\"true\"")
    );
    let _ = std::fs::remove_dir_all(&dir);
}

async fn deactivating_a_person_ends_their_sessions(backend: Backend) {
    let (app, dir) = app_with_mail(backend, cxpm_app::Clock::system()).await;
    let r = the_remind_setup(&app).await;
    let (b, _) = sign_in(&app, &dir, r.owner["email"].as_str().unwrap(), "/").await;
    b.page("/my-work").await;
    let person = expect_json(
        app.get(
            &format!("/api/v1/people/{}", id(&r.owner)),
            &app.admin_token,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let off = app
        .request(
            reqwest::Method::PATCH,
            &format!("/api/v1/people/{}", id(&r.owner)),
            Some(&app.admin_token),
        )
        .header("If-Match", format!("\"{}\"", person["version"]))
        .json(&json!({"active": false}))
        .send()
        .await
        .unwrap();
    assert_eq!(off.status(), StatusCode::OK);
    assert_eq!(b.get("/my-work").await.status(), StatusCode::SEE_OTHER);
    let _ = std::fs::remove_dir_all(&dir);
}

async fn my_sessions_end_one_or_all(backend: Backend) {
    let (app, dir) = app_with_mail(backend, cxpm_app::Clock::system()).await;
    let (person, _) = app.someone("member", None).await;
    let email = person["email"].as_str().unwrap();
    let (first, _) = sign_in(&app, &dir, email, "/").await;
    let (second, _) = sign_in(&app, &dir, email, "/").await;
    let me = first.page("/me").await;
    assert_eq!(
        me.matches("/me/sessions/").count(),
        3,
        "two sessions and end-all"
    );
    let csrf = second.csrf().await;
    let all = second
        .post("/me/sessions/end-all", &[("csrf", &csrf)])
        .await;
    assert_eq!(all.status(), StatusCode::SEE_OTHER);
    assert_eq!(first.get("/me").await.status(), StatusCode::SEE_OTHER);
    assert_eq!(second.get("/me").await.status(), StatusCode::SEE_OTHER);
    let _ = std::fs::remove_dir_all(&dir);
}

async fn pages_carry_their_security_headers(backend: Backend) {
    let (app, dir) = app_with_mail(backend, cxpm_app::Clock::system()).await;
    let b = Browser::new(&app);
    let resp = b.get("/sign-in").await;
    let h = resp.headers();
    let csp = h["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("script-src 'self'") && csp.contains("form-action 'self'"));
    assert_eq!(h["referrer-policy"], "same-origin");
    assert_eq!(h["cache-control"], "no-store");
    // The API keeps its own.
    let api = b.get("/healthz").await;
    assert!(
        api.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("default-src 'none'")
    );
    // A page's static file has a hashed name and a long cache.
    let html = resp.text().await.unwrap();
    let at = html.find("/static/htmx-").unwrap();
    let src: String = html[at..].chars().take_while(|c| *c != '"').collect();
    let js = b.get(&src).await;
    assert_eq!(js.status(), StatusCode::OK);
    assert!(
        js.headers()["cache-control"]
            .to_str()
            .unwrap()
            .contains("immutable")
    );
    // A cross-site form post is refused even with a session.
    let forged = b
        .client
        .post(format!("{}/sign-in", b.base))
        .header("Origin", "https://evil.example")
        .form(&[("email", "admin@cxpm.local")])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    let _ = std::fs::remove_dir_all(&dir);
}

async fn a_report_page_offers_its_workbook_and_csv(backend: Backend) {
    let (app, dir) = app_with_mail(backend, cxpm_app::Clock::system()).await;
    let r = the_remind_setup(&app).await;
    let (b, _) = sign_in(&app, &dir, r.head["email"].as_str().unwrap(), "/my-work").await;
    for name in ["gaps", "progress"] {
        let path = format!("/programs/{}/reports/{name}", id(&r.program));
        let page = b.page(&path).await;
        assert!(
            page.contains("href=\"?format=xlsx\""),
            "{name}: a download link"
        );
        let book = b.get(&format!("{path}?format=xlsx")).await;
        assert_eq!(book.status(), StatusCode::OK);
        assert_eq!(
            book.headers()["content-type"],
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        );
        let bytes = book.bytes().await.unwrap().to_vec();
        let workbook: calamine::Xlsx<_> =
            calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).expect("a workbook");
        assert!(!calamine::Reader::sheet_names(&workbook).is_empty());
        let csv = b.get(&format!("{path}?format=csv")).await;
        assert_eq!(csv.headers()["content-type"], "text/csv; charset=utf-8");
        assert!(csv.text().await.unwrap().starts_with('\u{feff}'));
    }
    // Signed out: the sign-in page, not the file.
    let anonymous = Browser::new(&app);
    let resp = anonymous
        .get(&format!(
            "/programs/{}/reports/gaps?format=xlsx",
            id(&r.program)
        ))
        .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let _ = std::fs::remove_dir_all(&dir);
}

async fn a_coordinator_creates_and_starts_a_program(backend: Backend) {
    let (app, dir) = app_with_mail(backend, cxpm_app::Clock::system()).await;
    let coordinator = app
        .person(
            "Carla Coordinator",
            "carla@example.com",
            "coordinator",
            None,
        )
        .await;
    let (b, _) = sign_in(&app, &dir, "carla@example.com", "/programs").await;
    let list = b.page("/programs").await;
    assert!(list.contains("No program yet.") && list.contains("action=\"/programs\""));
    let csrf = b.csrf().await;
    // No name: the form again, the mistake beside the field, the input kept.
    let bad = b
        .post(
            "/programs",
            &[("csrf", &csrf), ("name", "  "), ("business_line", "Pumps")],
        )
        .await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = bad.text().await.unwrap();
    assert!(page.contains("id=\"program-name-error\"") && page.contains("value=\"Pumps\""));
    let made = b
        .post(
            "/programs",
            &[
                ("csrf", &csrf),
                ("name", "愉悦客户体验 Delightful CX"),
                ("business_line", "Pumps"),
            ],
        )
        .await;
    assert_eq!(made.status(), StatusCode::SEE_OTHER);
    let at = made.headers()[LOCATION].to_str().unwrap().to_owned();
    let home = b.page(&at).await;
    assert!(home.contains("愉悦客户体验 Delightful CX") && home.contains("Draft"));
    assert!(
        home.contains("Carla Coordinator"),
        "its creator coordinates it"
    );
    assert!(home.contains("No touchpoint in the value stream yet"));
    let started = b
        .post(
            &format!("{at}/status"),
            &[("csrf", &csrf), ("status", "active"), ("version", "1")],
        )
        .await;
    assert_eq!(started.status(), StatusCode::SEE_OTHER);
    assert!(b.page(&at).await.contains("Close the program"));
    // A stale form changes nothing.
    let stale = b
        .post(
            &format!("{at}/status"),
            &[("csrf", &csrf), ("status", "closed"), ("version", "1")],
        )
        .await;
    assert_eq!(stale.status(), StatusCode::SEE_OTHER);
    let pid = at.trim_start_matches("/programs/");
    let program = expect_json(
        app.get(&format!("/api/v1/programs/{pid}"), &app.admin_token)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        (program["status"].as_str(), &program["coordinator_id"]),
        (Some("active"), &coordinator["id"])
    );
    // A member reads the programs but may not create one.
    app.person("Mo Member", "mo@example.com", "member", None)
        .await;
    let (m, _) = sign_in(&app, &dir, "mo@example.com", "/programs").await;
    let list = m.page("/programs").await;
    assert!(list.contains("Delightful CX") && !list.contains("action=\"/programs\""));
    let csrf = m.csrf().await;
    let refused = m
        .post("/programs", &[("csrf", &csrf), ("name", "Mine")])
        .await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let _ = std::fs::remove_dir_all(&dir);
}

async fn an_executive_drills_down_from_the_dashboard_to_an_action(backend: Backend) {
    let (app, dir) = app_with_mail(backend, cxpm_app::Clock::system()).await;
    let r = the_remind_setup(&app).await;
    let pid = id(&r.program);
    // A key point its customers rate far below what they expect, and a review's snapshot.
    let point = expect_json(
        app.post(
            &format!("/api/v1/relationships/{}/key-points", id(&r.relationship)),
            &r.coord,
            &json!({"name": "Pallets checked"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    expect_json(
        app.post(
            &format!("/api/v1/key-points/{}/measurements", id(&point)),
            &r.coord,
            &json!({"period_start": "2026-11-01", "period_end": "2026-11-30", "expectation_score": 9,
                "experience_score": 4, "importance": 5, "sample_size": 10, "source": "survey"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    expect_json(
        app.post(
            &format!("/api/v1/programs/{pid}/reports/gaps/snapshots"),
            &r.coord,
            &json!({"label": "November review"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    app.person("Eva Executive", "eva@example.com", "executive", None)
        .await;
    let (b, _) = sign_in(&app, &dir, "eva@example.com", "/my-work").await;
    let landed = b.get("/start").await;
    assert_eq!(
        landed.headers()[LOCATION].to_str().unwrap(),
        format!("/programs/{pid}/dashboard"),
        "leadership lands on the dashboard"
    );
    let board = b.page(&format!("/programs/{pid}/dashboard")).await;
    assert!(
        board.contains("Pallets checked") && board.contains("Critical"),
        "the worst gap"
    );
    assert!(
        board.contains("Quality") && board.contains("1 overdue of 1 open actions"),
        "the lagging department"
    );
    assert!(
        board.contains("November review"),
        "the change since the last review"
    );
    // Department → plan → action.
    let plan_link = format!("/plans/{}", id(&r.plan));
    assert!(board.contains(&format!("href=\"{plan_link}\"")));
    let plan = b.page(&plan_link).await;
    let action_link = format!("/actions/{}", id(&r.action));
    assert!(plan.contains(&format!("href=\"{action_link}\"")));
    assert!(b.page(&action_link).await.contains("Check every pallet"));
    let _ = std::fs::remove_dir_all(&dir);
}

macro_rules! on_both {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    super::$name(cxpm_tests::Backend::Sqlite).await;
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    super::$name(cxpm_tests::Backend::Postgres).await;
                }
            }
        )*
    };
}

pub(crate) use on_both;

on_both!(
    a_fresh_link_signs_in_once_with_a_safe_cookie,
    asking_for_a_link_tells_nothing_about_the_address,
    signed_out_a_mail_link_signs_in_then_opens_its_page,
    a_progress_update_from_my_work,
    another_departments_head_may_not_work_on_a_plan,
    a_stale_step_form_shows_who_changed_it,
    a_key_point_is_edited_on_its_plan_page,
    deactivating_a_person_ends_their_sessions,
    my_sessions_end_one_or_all,
    pages_carry_their_security_headers,
    a_report_page_offers_its_workbook_and_csv,
    a_coordinator_creates_and_starts_a_program,
    an_executive_drills_down_from_the_dashboard_to_an_action,
);
