//! Issue 17's "done when", in a real browser (Debian's chromium through chromedriver),
//! from an empty database: an admin creates the departments and imports the people
//! from an xlsx workbook; a coordinator creates the seed's industrial program,
//! applies the template mapped to those departments, gives every touchpoint a
//! sub-process with a named owner, draws who serves whom and sets a reminder
//! schedule — the value stream fully covered, nothing typed anywhere but the pages.
//! Then every new page is looked at in each language at phone and desktop width,
//! with axe-core finding nothing serious.

use cxpm_tests::browser::{Driver, Window};
use cxpm_tests::{Backend, TestApp, expect_json, spawn_app_with};
use reqwest::StatusCode;
use rust_xlsxwriter::Workbook;
use serde_json::Value;

use crate::browser::{look, set_locale, sign_in};

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap_or_default().to_owned()
}

async fn api(app: &TestApp, path: &str) -> Value {
    expect_json(app.get(path, &app.admin_token).await, StatusCode::OK).await
}

const DEPARTMENTS: [(&str, &str); 5] = [
    ("Sales", "SAL"),
    ("Manufacturing", "MFG"),
    ("Quality", "QC"),
    ("Logistics", "LOG"),
    ("Service", "SRV"),
];

/// The people to import: name, email, department code, role, language.
const PEOPLE: [(&str, &str, &str, &str, &str); 6] = [
    (
        "Carla Coordinator",
        "carla@example.com",
        "",
        "coordinator",
        "en",
    ),
    (
        "Sara Sales",
        "sara@example.com",
        "SAL",
        "department_head",
        "pt-BR",
    ),
    ("Marco Maker", "marco@example.com", "MFG", "member", "pt-BR"),
    ("钱琦 Qian Qi", "qian@example.com", "QC", "member", "zh-CN"),
    ("Leo Logistics", "leo@example.com", "LOG", "member", "en"),
    ("Sven Service", "sven@example.com", "SRV", "member", "en"),
];

fn workbook(path: &std::path::Path) {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    for (c, h) in ["name", "email", "department_code", "role", "locale"]
        .iter()
        .enumerate()
    {
        sheet.write_string(0, c as u16, *h).unwrap();
    }
    for (r, p) in PEOPLE.iter().enumerate() {
        for (c, v) in [p.0, p.1, p.2, p.3, p.4].iter().enumerate() {
            sheet.write_string(r as u32 + 1, c as u16, *v).unwrap();
        }
    }
    book.save(path).unwrap();
}

/// Submits the form `form` selects (its first submit button, or the one with `op`).
async fn submit(w: &Window, form: &str, op: Option<&str>) {
    let button = match op {
        Some(op) => format!("{form} button[value='{op}']"),
        None => format!("{form} button[type=submit]"),
    };
    w.click_and_load(&button).await;
}

async fn open_all(w: &Window) {
    w.execute("document.querySelectorAll('details').forEach(d => d.open = true); return 0;")
        .await;
}

async fn set_up_in_the_browser(backend: Backend) {
    let Some(driver) = Driver::start().await else {
        return;
    };
    let dir = std::env::temp_dir().join(format!("cxpm-setup-{}", uuid::Uuid::now_v7().simple()));
    std::fs::create_dir_all(&dir).unwrap();
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
    let admin = api(&app, "/api/v1/me").await;

    // The admin: departments, then the people from a workbook.
    let desk = driver.window(1280, 900).await;
    sign_in(&desk, &app, &dir, admin["email"].as_str().unwrap(), 0).await;
    for (name, code) in DEPARTMENTS {
        desk.goto(&app.url("/admin/departments")).await;
        desk.fill("#new-department-name", name).await;
        desk.fill("#new-department-code", code).await;
        submit(&desk, "form[action='/admin/departments']", None).await;
        desk.wait_for_text(&format!("{name} · {code}")).await;
    }
    let book = dir.join("people.xlsx");
    workbook(&book);
    desk.goto(&app.url("/admin/import")).await;
    desk.upload("#import-file", &book).await;
    submit(&desk, "form[action='/admin/import']", None).await;
    desk.wait_for_text("6 people, no problems.").await;
    look(&desk, "admin-import-checked", "en", 1280).await;
    submit(&desk, "form[action='/admin/import/confirm']", None).await;
    desk.wait_for_text("6 people imported.").await;

    // The coordinator: the program, the template mapped to our departments.
    let carla = driver.window(1280, 900).await;
    sign_in(&carla, &app, &dir, "carla@example.com", 0).await;
    carla.goto(&app.url("/programs")).await;
    carla.click("details > summary").await;
    carla.fill("#program-name", "CX 2027 · Pumps").await;
    submit(&carla, "form[action='/programs']", None).await;
    carla.wait_for_text("CX 2027 · Pumps").await;
    let home = carla.url().await;
    let pid = home.rsplit('/').next().unwrap().to_owned();
    let url = |p: &str| app.url(&format!("/programs/{pid}/{p}"));
    carla.goto(&url("value-stream")).await;
    for (role, dept) in [
        ("order_management", "Sales"),
        ("manufacturing", "Manufacturing"),
        ("quality_inspection", "Quality"),
        ("shipping", "Logistics"),
    ] {
        carla.select_text(&format!("#template-{role}"), dept).await;
    }
    submit(&carla, "form[action$='/template']", None).await;
    carla.wait_for_text("8. Payment collection").await;
    carla.goto(&url("coverage")).await;
    carla.wait_for_text("Touchpoint without an owner").await;
    look(&carla, "coverage-gaps", "en", 1280).await;

    // A sub-process on every touchpoint that has none, each owned and named on the
    // coverage page.
    let stages = api(&app, &format!("/api/v1/programs/{pid}/stages")).await;
    let owners_by_stage = [
        ("bidding", "Sales", "Sara Sales"),
        ("factory_visit", "Manufacturing", "Marco Maker"),
        ("order_signing", "Sales", "Sara Sales"),
        ("commissioning_installation", "Service", "Sven Service"),
        ("service_maintenance", "Service", "Sven Service"),
        ("payment_collection", "Sales", "Sara Sales"),
    ];
    for (key, dept, person) in owners_by_stage {
        let stage = stages["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["template_key"] == key)
            .unwrap();
        let sid = id(stage);
        carla.goto(&url("value-stream")).await;
        open_all(&carla).await;
        let name = format!("{} — first contact", stage["name"].as_str().unwrap());
        carla.fill(&format!("#sub-new-{sid}-name"), &name).await;
        submit(
            &carla,
            &format!("form[action='/stages/{sid}/sub-processes']"),
            None,
        )
        .await;
        carla.wait_for_text(&name).await;
        let subs = api(&app, &format!("/api/v1/stages/{sid}/sub-processes")).await;
        let sub = id(&subs["items"][0]);
        carla.goto(&url("coverage")).await;
        open_all(&carla).await;
        let form = format!("owner-new-{sub}");
        carla
            .select_text(&format!("#{form}-department"), dept)
            .await;
        carla.select_text(&format!("#{form}-person"), person).await;
        carla
            .fill(
                &format!("#{form}-responsibility"),
                "Answers the customer within a day",
            )
            .await;
        submit(
            &carla,
            &format!("form[action='/sub-processes/{sub}/owners']"),
            None,
        )
        .await;
        carla.wait_for_text("What is missing").await;
    }
    // The template's four owner rows: their people named inline.
    let coverage = api(&app, &format!("/api/v1/programs/{pid}/coverage")).await;
    let names: Vec<(String, &str)> = coverage["owners_without_person"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            let dept = o["department_id"].as_str().unwrap();
            let person = match dept {
                d if d == department_id(&coverage, "SAL") => "Sara Sales",
                d if d == department_id(&coverage, "MFG") => "Marco Maker",
                d if d == department_id(&coverage, "QC") => "钱琦 Qian Qi",
                _ => "Leo Logistics",
            };
            (id(o), person)
        })
        .collect();
    assert_eq!(names.len(), 4);
    for (oid, person) in names {
        carla.goto(&url("coverage")).await;
        carla
            .select_text(&format!("#owner-{oid}-person"), person)
            .await;
        submit(
            &carla,
            &format!("form[action='/owners/{oid}']"),
            Some("save"),
        )
        .await;
        carla.wait_for_text("What is missing").await;
    }
    // Who serves whom: the chain from the order to the service.
    for (provider, customer, delivers) in [
        (
            "Sales",
            "Manufacturing",
            "Confirmed orders with their dates",
        ),
        ("Manufacturing", "Quality", "Finished pumps to inspect"),
        ("Quality", "Logistics", "Released pumps"),
        ("Logistics", "Service", "Delivered and accepted equipment"),
        ("Service", "Sales", "What the customer said on site"),
    ] {
        carla.goto(&url("relationships")).await;
        carla
            .select_text("#new-provider_department_id", provider)
            .await;
        carla
            .select_text("#new-customer_department_id", customer)
            .await;
        carla.fill("#new-delivers", delivers).await;
        submit(&carla, "#add form", None).await;
        carla.wait_for_text(delivers).await;
    }
    carla.goto(&url("coverage")).await;
    carla
        .wait_for_text("Every touchpoint has a named owner: ready to go live.")
        .await;
    assert_eq!(
        api(&app, &format!("/api/v1/programs/{pid}/coverage")).await["ready"],
        true
    );
    // A reminder schedule, checked in words before it is saved.
    carla.goto(&url("reminders")).await;
    carla.select_text("#schedule-kind", "Overdue").await;
    carla.fill("#schedule-cron", "0 9 * * 1-5").await;
    carla.fill("#schedule-zone", "Asia/Shanghai").await;
    submit(&carla, "#new-schedule form", Some("check")).await;
    carla.wait_for_text("09:00 (Asia/Shanghai)").await;
    look(&carla, "reminders-checked", "en", 1280).await;
    submit(&carla, "#new-schedule form", Some("create")).await;
    carla.wait_for_text("Switch off").await;
    let schedules = api(&app, &format!("/api/v1/programs/{pid}/schedules")).await;
    assert_eq!(schedules["items"].as_array().unwrap().len(), 1);
    let schedule = id(&schedules["items"][0]);

    // A WeCom group connected to it, in the browser; a webhook through the API.
    carla.click_and_load("a[href$='/hooks']").await;
    carla.select("#channel-kind", "wecom").await;
    carla.fill("#channel-name", "品质部群 QA group").await;
    carla
        .fill(
            "#channel-url",
            "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=demo",
        )
        .await;
    carla.select("#channel-locale", "zh-CN").await;
    carla.click(&format!("#channel-schedule-{schedule}")).await;
    submit(&carla, "#new-channel", None).await;
    carla.wait_for_text("品质部群 QA group").await;
    let channels = api(&app, &format!("/api/v1/programs/{pid}/channels")).await;
    assert_eq!(channels["items"][0]["schedule_ids"][0], schedule.as_str());
    expect_json(
        app.post(
            &format!("/api/v1/programs/{pid}/webhooks"),
            &app.admin_token,
            &serde_json::json!({"url": "https://erp.example.com/hooks/cxpm",
                "events": ["action.created", "step.completed", "snapshot.saved"]}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;

    // A metric with some history, for its chart.
    let delivery = stages["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["template_key"] == "delivery_acceptance")
        .unwrap();
    let metric = expect_json(
        app.post(
            &format!("/api/v1/programs/{pid}/metrics"),
            &app.admin_token,
            &serde_json::json!({"stage_id": delivery["id"], "name": "On-time delivery", "unit": "%",
                "direction": "higher_is_better", "target": 95.0}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let mid = metric["id"]
        .as_str()
        .or(metric["metric"]["id"].as_str())
        .unwrap()
        .to_owned();
    for (month, value) in [(7, 86.0), (8, 89.5), (9, 88.0), (10, 92.0), (11, 94.5)] {
        expect_json(
            app.post(
                &format!("/api/v1/metrics/{mid}/readings"),
                &app.admin_token,
                &serde_json::json!({"period_start": format!("2026-{month:02}-01"),
                    "period_end": format!("2026-{month:02}-28"), "value": value}),
            )
            .await,
            StatusCode::CREATED,
        )
        .await;
    }

    // Every new page, in each language, at phone and desktop width.
    let phone = driver.window(375, 812).await;
    sign_in(&phone, &app, &dir, "carla@example.com", 1).await;
    let carla_person = api(&app, "/api/v1/people?q=carla").await["items"][0].clone();
    let program_pages = [
        ("value-stream", format!("/programs/{pid}/value-stream")),
        ("team", format!("/programs/{pid}/team")),
        ("metrics", format!("/programs/{pid}/metrics")),
        ("coverage", format!("/programs/{pid}/coverage")),
        ("relationships", format!("/programs/{pid}/relationships")),
        ("reminders", format!("/programs/{pid}/reminders")),
        ("hooks", format!("/programs/{pid}/hooks")),
        ("dry-run", format!("/schedules/{schedule}/dry-run")),
        ("calendar", "/me/calendar".to_owned()),
        ("gap-report", format!("/programs/{pid}/reports/gaps")),
        (
            "progress-report",
            format!("/programs/{pid}/reports/progress"),
        ),
    ];
    let admin_pages = [
        ("admin-people", "/admin/people".to_owned()),
        ("admin-departments", "/admin/departments".to_owned()),
        ("admin-import", "/admin/import".to_owned()),
        ("admin-audit", "/admin/audit".to_owned()),
        (
            "admin-tokens",
            format!("/admin/people/{}/tokens", id(&carla_person)),
        ),
    ];
    for (lang, tz) in [
        ("en", "UTC"),
        ("zh-CN", "Asia/Shanghai"),
        ("pt-BR", "America/Sao_Paulo"),
    ] {
        set_locale(&app, &carla_person, lang, tz).await;
        set_locale(&app, &admin, lang, tz).await;
        for (name, path) in &program_pages {
            carla.goto(&app.url(path)).await;
            look(&carla, name, lang, 1280).await;
            phone.goto(&app.url(path)).await;
            look(&phone, name, lang, 375).await;
            let wide = phone
                .execute("return document.documentElement.scrollWidth > window.innerWidth")
                .await;
            assert_eq!(
                wide,
                serde_json::json!(false),
                "{name}: nothing wider than a phone"
            );
        }
        for (name, path) in &admin_pages {
            desk.goto(&app.url(path)).await;
            look(&desk, name, lang, 1280).await;
        }
    }
    // The admin's pages on a phone too.
    let admin_phone = driver.window(375, 812).await;
    sign_in(
        &admin_phone,
        &app,
        &dir,
        admin["email"].as_str().unwrap(),
        1,
    )
    .await;
    for (name, path) in &admin_pages {
        admin_phone.goto(&app.url(path)).await;
        look(&admin_phone, name, "pt-BR", 375).await;
    }
    admin_phone.close().await;
    phone.close().await;
    carla.close().await;
    desk.close().await;
    let _ = std::fs::remove_dir_all(&dir);
}

/// The id of the department with `code` among a coverage answer's departments.
fn department_id<'a>(coverage: &'a Value, code: &str) -> &'a str {
    coverage["departments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == code)
        .and_then(|d| d["department_id"].as_str())
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_program_set_up_in_the_browser_alone_sqlite() {
    set_up_in_the_browser(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_program_set_up_in_the_browser_alone_postgres() {
    set_up_in_the_browser(Backend::Postgres).await;
}
