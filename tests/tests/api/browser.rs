//! The pages in a real browser (Debian's chromium through chromedriver): sign in with
//! the link from the real outbox, post a progress update in a phone-sized window,
//! walk a plan through its steps, and look at every page in every language at phone
//! and desktop width — screenshots under `target/screenshots/pages/`, and axe-core
//! finding no serious or critical violation on any of them.

use std::path::PathBuf;
use std::time::Duration;

use cxpm_tests::browser::{Driver, Window};
use cxpm_tests::{Backend, Remind, TestApp, expect_json, spawn_app_with};
use reqwest::StatusCode;
use serde_json::{Value, json};

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap_or_default().to_owned()
}

fn shots() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/screenshots/pages")
}

/// The newest sign-in link mailed to `email` (after `already` of them).
async fn link_for(dir: &std::path::Path, email: &str, already: usize) -> String {
    cxpm_tests::next_link(dir, email, "/sign-in/link?token=", already).await
}

/// Signs in through the pages: asks for a link, opens it from the mail, continues.
pub(crate) async fn sign_in(
    w: &Window,
    app: &TestApp,
    dir: &std::path::Path,
    email: &str,
    already: usize,
) {
    w.goto(&app.url("/sign-in")).await;
    w.fill("#email", email).await;
    w.click("form[action='/sign-in'] button[type=submit]").await;
    let link = link_for(dir, email, already).await;
    w.goto(&link).await;
    w.click("form[action='/sign-in/link'] button[type=submit]")
        .await;
    for _ in 0..50 {
        if !w.url().await.contains("/sign-in") {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("still on {} after signing in", w.url().await);
}

pub(crate) async fn look(w: &Window, name: &str, lang: &str, width: u32) {
    w.screenshot(&shots().join(format!("{name}-{lang}-{width}.png")))
        .await;
    let serious = w.axe().await;
    assert!(
        serious.is_empty(),
        "{name} ({lang}, {width} px): {serious:#?}"
    );
    // Every folded form open, checked again and looked at screen by screen below the
    // first (`-2`, `-3`, …, up to five).
    w.execute("document.querySelectorAll('details').forEach(d => d.open = true); return 0;")
        .await;
    let serious = w.axe().await;
    assert!(
        serious.is_empty(),
        "{name} ({lang}, {width} px, forms open): {serious:#?}"
    );
    let screens = w
        .execute("return Math.ceil(document.documentElement.scrollHeight / window.innerHeight);")
        .await
        .as_u64()
        .unwrap_or(1)
        .min(5);
    for k in 1..screens {
        w.execute(&format!(
            "window.scrollTo(0, {k} * window.innerHeight); return 0;"
        ))
        .await;
        w.screenshot(&shots().join(format!("{name}-{lang}-{width}-{}.png", k + 1)))
            .await;
    }
    w.execute("window.scrollTo(0, 0); document.querySelectorAll('details').forEach(d => d.open = false); return 0;")
        .await;
}

pub(crate) async fn set_locale(app: &TestApp, person: &Value, locale: &str, tz: &str) {
    let now = expect_json(
        app.get(&format!("/api/v1/people/{}", id(person)), &app.admin_token)
            .await,
        StatusCode::OK,
    )
    .await;
    let resp = app
        .request(
            reqwest::Method::PATCH,
            &format!("/api/v1/people/{}", id(person)),
            Some(&app.admin_token),
        )
        .header("If-Match", format!("\"{}\"", now["version"]))
        .json(&json!({"locale": locale, "time_zone": tz}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
}

async fn walkthrough(backend: Backend) {
    let Some(driver) = Driver::start().await else {
        return;
    };
    let dir = std::env::temp_dir().join(format!("cxpm-browser-{}", uuid::Uuid::now_v7().simple()));
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mail_dir = dir.clone();
    let app = spawn_app_with(backend, |s| {
        s.mail_dir = mail_dir;
        s.dispatch_every_ms = 20;
        s.addr = format!("127.0.0.1:{port}").parse().unwrap();
        s.public_url = format!("http://127.0.0.1:{port}");
    })
    .await;
    let r = app
        .action_to_remind(Remind {
            department: "Quality",
            program: "CX 2027",
            head: ("Helena Head", "en"),
            owner: ("Otto Owner", "pt-BR"),
            action: "Check every pallet before loading",
            due: "2020-01-15",
        })
        .await;
    let plan_id = id(&r.plan);

    // The owner, on a phone: signs in from the mail, posts an update inline.
    let phone = driver.window(375, 812).await;
    let owner_email = r.owner["email"].as_str().unwrap();
    sign_in(&phone, &app, &dir, owner_email, 0).await;
    phone.wait_for_text("Meu trabalho").await;
    let at = phone.url().await;
    assert!(at.ends_with("/my-work"), "{at}");
    assert_eq!(phone.execute("return window.innerWidth").await, json!(375));
    let wide = phone
        .execute("return document.documentElement.scrollWidth > window.innerWidth")
        .await;
    assert_eq!(wide, json!(false), "nothing wider than a phone");
    phone
        .click(&format!("#action-{} summary", id(&r.action)))
        .await;
    phone
        .fill(&format!("#progress-{}", id(&r.action)), "40")
        .await;
    phone
        .fill(&format!("#comment-{}", id(&r.action)), "Metade dos paletes")
        .await;
    phone
        .click(&format!(
            "#action-{} form button[type=submit]",
            id(&r.action)
        ))
        .await;
    phone.wait_for_text("Atualização publicada").await;
    let now = expect_json(
        app.get(
            &format!("/api/v1/actions/{}", id(&r.action)),
            &app.admin_token,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(now["progress"], 40);

    // The head, at a desk: walks the plan through its first steps.
    let desk = driver.window(1280, 900).await;
    sign_in(&desk, &app, &dir, r.head["email"].as_str().unwrap(), 0).await;
    desk.goto(&app.url(&format!("/plans/{plan_id}"))).await;
    for n in 1..=2 {
        desk.click("li.step.current form:has(input[name='status'][value='done']) > button")
            .await;
        desk.wait_for_text(&format!("Complete step {}", n + 1))
            .await;
    }
    // Step 3 needs what the customer expects, on a key point: the page says so first.
    desk.wait_for_text("what the customer expects, written on a key point")
        .await;
    desk.click("#key-points > details > summary").await;
    desk.fill("#kp-name", "On-time release").await;
    desk.fill("#kp-expects", "Released within 24 hours").await;
    desk.click("form[action$='/key-points'] button[type=submit]")
        .await;
    desk.wait_for_text("On-time release").await;
    let steps = expect_json(
        app.get(&format!("/api/v1/plans/{plan_id}/steps"), &app.admin_token)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(steps["items"][0]["status"], "done");
    assert_eq!(steps["items"][1]["status"], "done");

    // Every page, in every language, at phone and desktop width.
    let pages = [
        ("my-work", "/my-work".to_owned()),
        ("action", format!("/actions/{}", id(&r.action))),
        ("plan", format!("/plans/{plan_id}")),
        ("department", "/my-department".to_owned()),
        ("profile", "/me".to_owned()),
        ("programs", "/programs".to_owned()),
        ("program", format!("/programs/{}", id(&r.program))),
        (
            "dashboard",
            format!("/programs/{}/dashboard", id(&r.program)),
        ),
    ];
    for (lang, tz) in [
        ("en", "UTC"),
        ("zh-CN", "Asia/Shanghai"),
        ("pt-BR", "America/Sao_Paulo"),
    ] {
        // The head's pages at a desk, the owner's on a phone.
        set_locale(&app, &r.head, lang, tz).await;
        for (name, path) in &pages {
            desk.goto(&app.url(path)).await;
            look(&desk, name, lang, 1280).await;
        }
        set_locale(&app, &r.owner, lang, tz).await;
        for (name, path) in &pages {
            phone.goto(&app.url(path)).await;
            look(&phone, name, lang, 375).await;
        }
    }
    // An executive, on a phone: lands on the dashboard and drills down from the
    // lagging department to its plan and to the overdue action, by tapping links.
    app.person("Eva Executive", "eva@example.com", "executive", None)
        .await;
    let exec = driver.window(375, 812).await;
    sign_in(&exec, &app, &dir, "eva@example.com", 0).await;
    exec.goto(&app.url("/")).await;
    exec.wait_for_text("Lagging departments").await;
    assert!(
        exec.url().await.ends_with("/dashboard"),
        "leadership lands on the dashboard"
    );
    exec.click_and_load(&format!("#lagging a[href='/plans/{plan_id}']"))
        .await;
    exec.click_and_load(&format!("a[href='/actions/{}']", id(&r.action)))
        .await;
    exec.wait_for_text("Check every pallet before loading")
        .await;
    exec.close().await;
    // Signed out: the sign-in page.
    let fresh = driver.window(375, 812).await;
    fresh.goto(&app.url("/sign-in")).await;
    look(&fresh, "sign-in", "en", 375).await;
    fresh.close().await;
    phone.close().await;
    desk.close().await;
    let _ = std::fs::remove_dir_all(&dir);
}

/// The personal answer link mailed to `email` (its token), from the `.eml` files.
async fn answer_token(dir: &std::path::Path, email: &str) -> String {
    cxpm_tests::token_of(&cxpm_tests::next_link(dir, email, "/feedback/answer?token=", 0).await)
}

/// A feedback round in a real browser: order management's people are asked by
/// planning; one answers on a phone in zh-CN from the mailed link; with everyone's
/// answer the round closes, and the gap report shows the new period. The answer page
/// in each language at phone and desktop width, and the round's page, looked at.
async fn a_round_on_a_phone(backend: Backend) {
    let Some(driver) = Driver::start().await else {
        return;
    };
    let dir = std::env::temp_dir().join(format!("cxpm-round-{}", uuid::Uuid::now_v7().simple()));
    let mail_dir = dir.clone();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let app = spawn_app_with(backend, |s| {
        s.mail_dir = mail_dir;
        s.dispatch_every_ms = 20;
        s.addr = format!("127.0.0.1:{port}").parse().unwrap();
        s.public_url = format!("http://127.0.0.1:{port}");
    })
    .await;
    let r = app
        .action_to_remind(Remind {
            department: "计划部 Planning",
            program: "客户体验 2027",
            head: ("王海 Wang Hai", "zh-CN"),
            owner: ("Otto Owner", "pt-BR"),
            action: "一天内确认交期",
            due: "2030-01-15",
        })
        .await;
    let rel = id(&r.relationship);
    let mut points = Vec::new();
    for (name, expects) in [
        ("交期准确 Dates that hold", "承诺的交期不再变动"),
        ("一天内答复 Answers within a day", "询问当天得到答复"),
    ] {
        let point = app
            .post(
                &format!("/api/v1/relationships/{rel}/key-points"),
                &r.coord,
                &json!({"name": name, "customer_expects": expects}),
            )
            .await;
        points.push(expect_json(point, StatusCode::CREATED).await);
    }
    let om = r.relationship["customer_department_id"].clone();
    let mut customers = Vec::new();
    for (name, locale) in [
        ("李娜 Li Na", "zh-CN"),
        ("Ann Lee", "en"),
        ("Ana Lima", "pt-BR"),
    ] {
        let body = json!({"name": name, "role": "member", "locale": locale,
            "email": format!("{}@example.com", uuid::Uuid::now_v7().simple()), "department_id": om});
        customers.push(
            expect_json(
                app.post("/api/v1/people", &app.admin_token, &body).await,
                StatusCode::CREATED,
            )
            .await,
        );
    }
    let opened = expect_json(
        app.post(
            &format!("/api/v1/programs/{}/feedback-rounds", id(&r.program)),
            &r.coord,
            &json!({"relationship_id": rel}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let round = id(&opened["items"][0]);
    let mut tokens = Vec::new();
    for c in &customers {
        tokens.push(answer_token(&dir, c["email"].as_str().unwrap()).await);
    }

    // The answer page, in each person's language, at both widths (opening a link
    // never uses it up).
    let phone = driver.window(375, 812).await;
    let desk = driver.window(1280, 900).await;
    for (token, lang) in tokens.iter().zip(["zh-CN", "en", "pt-BR"]) {
        let url = app.url(&format!("/feedback/answer?token={token}"));
        desk.goto(&url).await;
        look(&desk, "feedback-answer", lang, 1280).await;
        phone.goto(&url).await;
        look(&phone, "feedback-answer", lang, 375).await;
    }

    // 李娜 answers on her phone: a half-rated point is named, her choices kept.
    phone
        .goto(&app.url(&format!("/feedback/answer?token={}", tokens[0])))
        .await;
    phone.wait_for_text("交期准确").await;
    let wide = phone
        .execute("return document.documentElement.scrollWidth > window.innerWidth")
        .await;
    assert_eq!(wide, json!(false), "nothing wider than a phone");
    let (kp1, kp2) = (id(&points[0]), id(&points[1]));
    let choose = |field: String, value: &str| {
        format!("document.getElementById('{field}').value = '{value}'; return 0;")
    };
    phone.execute(&choose(format!("imp-{kp1}"), "5")).await;
    phone.execute(&choose(format!("exp-{kp1}"), "9")).await;
    phone.click("form button[type=submit]").await;
    phone.wait_for_text("请为此要点选择全部三项").await;
    look(&phone, "feedback-answer-problem", "zh-CN", 375).await;
    let kept = phone
        .execute(&format!(
            "return document.getElementById('exp-{kp1}').value"
        ))
        .await;
    assert_eq!(kept, json!("9"));
    phone.execute(&choose(format!("act-{kp1}"), "6")).await;
    for (field, value) in [("imp", "4"), ("exp", "8"), ("act", "7")] {
        phone
            .execute(&choose(format!("{field}-{kp2}"), value))
            .await;
    }
    phone.fill("#comment", "三月份交期改了两次").await;
    phone.click("form button[type=submit]").await;
    phone.wait_for_text("已收到您的回答").await;
    look(&phone, "feedback-thanks", "zh-CN", 375).await;

    // Ann, signed in at her desk, finds the round on My work and answers there.
    let ann = driver.window(1280, 900).await;
    sign_in(&ann, &app, &dir, customers[1]["email"].as_str().unwrap(), 0).await;
    ann.goto(&app.url("/my-work")).await;
    ann.wait_for_text("asks: how did it go?").await;
    look(&ann, "my-work-feedback", "en", 1280).await;
    ann.click("#asked a").await;
    ann.wait_for_text("Dates that hold").await;
    for (field, value) in [("imp", "5"), ("exp", "9"), ("act", "6")] {
        ann.execute(&choose(format!("{field}-{kp1}"), value)).await;
    }
    ann.click("form[action$='/answer'] button[type=submit]")
        .await;
    ann.wait_for_text("Your answer is in").await;
    ann.close().await;

    // Ana answers from her mail; with the last answer the round closes.
    let body = json!({"token": tokens[2], "ratings": [
        {"key_point_id": kp1, "importance": 5, "expectation": 9, "experience": 6},
        {"key_point_id": kp2, "importance": 3, "expectation": 8, "experience": 8}]});
    let taken = app
        .request(reqwest::Method::POST, "/api/v1/feedback/answers", None)
        .json(&body)
        .send()
        .await
        .unwrap();
    let taken = expect_json(taken, StatusCode::CREATED).await;
    assert_eq!(taken["closed_round"], true);

    // The provider's head reads the round and the gap report with the new period.
    sign_in(&desk, &app, &dir, r.head["email"].as_str().unwrap(), 0).await;
    for (lang, tz) in [
        ("zh-CN", "Asia/Shanghai"),
        ("en", "UTC"),
        ("pt-BR", "America/Sao_Paulo"),
    ] {
        set_locale(&app, &r.head, lang, tz).await;
        desk.goto(&app.url(&format!("/feedback-rounds/{round}")))
            .await;
        look(&desk, "feedback-round", lang, 1280).await;
    }
    desk.wait_for_text("三月份交期改了两次").await;
    let phone_head = driver.window(375, 812).await;
    sign_in(
        &phone_head,
        &app,
        &dir,
        r.head["email"].as_str().unwrap(),
        1,
    )
    .await;
    phone_head
        .goto(&app.url(&format!("/feedback-rounds/{round}")))
        .await;
    look(&phone_head, "feedback-round", "pt-BR", 375).await;
    let today = chrono::Utc::now().date_naive().to_string();
    let gaps = expect_json(
        app.get(
            &format!("/api/v1/programs/{}/reports/gaps", id(&r.program)),
            &r.coord,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let line = gaps["lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["id"] == kp1.as_str())
        .expect("the round's measurement is a gap line")
        .clone();
    assert_eq!(line["period_end"], today.as_str());
    assert_eq!(line["actual"].as_f64(), Some(6.0), "(6 + 6 + 6) / 3");
    desk.goto(&app.url(&format!("/programs/{}/reports/gaps", id(&r.program))))
        .await;
    desk.wait_for_text("Dates that hold").await;
    phone_head.close().await;
    phone.close().await;
    desk.close().await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_feedback_round_in_a_real_browser_sqlite() {
    a_round_on_a_phone(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_feedback_round_in_a_real_browser_postgres() {
    a_round_on_a_phone(Backend::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_in_a_real_browser_sqlite() {
    walkthrough(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_in_a_real_browser_postgres() {
    walkthrough(Backend::Postgres).await;
}
