//! The admins' pages over HTTP: departments (a bad code beside its field, a head
//! named), people (a bad address beside its field, a role changed, a one-time link,
//! deactivation), a token issued once and revoked, an import checked row by row
//! before anything is written (CSV with a problem, then an xlsx workbook), and the
//! audit trail's before/after. Both databases.

use cxpm_tests::{Backend, TestApp, expect_json};
use reqwest::StatusCode;
use reqwest::header::LOCATION;
use rust_xlsxwriter::Workbook;
use serde_json::Value;

use crate::pages::{app_with_mail, id, on_both, sign_in};

async fn admin_email(app: &TestApp) -> String {
    let me = expect_json(
        app.get("/api/v1/me", &app.admin_token).await,
        StatusCode::OK,
    )
    .await;
    me["email"].as_str().unwrap().to_owned()
}

async fn departments(app: &TestApp) -> Vec<Value> {
    expect_json(
        app.get("/api/v1/departments", &app.admin_token).await,
        StatusCode::OK,
    )
    .await["items"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

async fn people_named(app: &TestApp, q: &str) -> Vec<Value> {
    expect_json(
        app.get(&format!("/api/v1/people?q={q}"), &app.admin_token)
            .await,
        StatusCode::OK,
    )
    .await["items"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

async fn an_admin_runs_the_directory_in_pages(backend: Backend) {
    let (app, dir) = app_with_mail(backend, cxpm_app::Clock::system()).await;
    let email = admin_email(&app).await;
    let (b, _) = sign_in(&app, &dir, &email, "/admin/departments").await;
    let page = b.page("/admin/departments").await;
    assert!(
        page.contains("href=\"/admin/people\""),
        "Admin in the navigation"
    );
    let csrf = b.csrf().await;

    // Departments: a code that is not a code comes back beside its field.
    let bad = b
        .post(
            "/admin/departments",
            &[("csrf", &csrf), ("name", "Sales"), ("code", "sales dept!")],
        )
        .await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = bad.text().await.unwrap();
    assert!(page.contains("id=\"new-department-code-error\"") && page.contains("value=\"Sales\""));
    assert!(departments(&app).await.is_empty());
    for (name, code) in [("Sales", "SAL"), ("Logistics", "LOG")] {
        let made = b
            .post(
                "/admin/departments",
                &[("csrf", &csrf), ("name", name), ("code", code)],
            )
            .await;
        assert_eq!(made.status(), StatusCode::SEE_OTHER);
    }
    let all = departments(&app).await;
    let sales = all.iter().find(|d| d["code"] == "SAL").unwrap().clone();
    let logistics = all.iter().find(|d| d["code"] == "LOG").unwrap().clone();

    // People: a bad address beside its field; then Paula in Sales.
    let person = |name: &'static str, email: &'static str| {
        let (csrf, sales) = (csrf.clone(), id(&sales));
        move || {
            vec![
                ("csrf", csrf.clone()),
                ("name", name.to_owned()),
                ("email", email.to_owned()),
                ("role", "member".to_owned()),
                ("department_id", sales.clone()),
                ("locale", "pt-BR".to_owned()),
                ("time_zone", "America/Sao_Paulo".to_owned()),
            ]
        }
    };
    let send = |fields: Vec<(&'static str, String)>| {
        let b = &b;
        async move {
            let f: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            b.post("/admin/people", &f).await
        }
    };
    let bad = send(person("Paula Pires", "not-an-address")()).await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = bad.text().await.unwrap();
    assert!(
        page.contains("id=\"new-person-email-error\"") && page.contains("value=\"Paula Pires\"")
    );
    assert!(people_named(&app, "paula").await.is_empty());
    let made = send(person("Paula Pires", "paula@example.com")()).await;
    assert_eq!(made.status(), StatusCode::SEE_OTHER);
    let paula = people_named(&app, "paula").await[0].clone();
    assert_eq!(paula["locale"], "pt-BR");
    // Made a department head, then named head of Sales.
    let promoted = b
        .post(
            &format!("/admin/people/{}", id(&paula)),
            &[
                ("csrf", &csrf),
                ("version", "1"),
                ("op", "save"),
                ("name", "Paula Pires"),
                ("role", "department_head"),
                ("department_id", &id(&sales)),
            ],
        )
        .await;
    assert_eq!(promoted.status(), StatusCode::SEE_OTHER);
    let headed = b
        .post(
            &format!("/admin/departments/{}", id(&sales)),
            &[
                ("csrf", &csrf),
                ("version", "1"),
                ("op", "save"),
                ("name", "Sales"),
                ("code", "SAL"),
                ("head_id", &id(&paula)),
            ],
        )
        .await;
    assert_eq!(headed.status(), StatusCode::SEE_OTHER);
    let page = b.page("/admin/departments").await;
    assert!(page.contains("Paula Pires"), "Sales' head shown");
    // A stale department form keeps what was typed.
    let stale = b
        .post(
            &format!("/admin/departments/{}", id(&sales)),
            &[
                ("csrf", &csrf),
                ("version", "1"),
                ("op", "save"),
                ("name", "Sales & Marketing"),
                ("code", "SAL"),
            ],
        )
        .await;
    assert_eq!(stale.status(), StatusCode::CONFLICT);
    assert!(
        stale
            .text()
            .await
            .unwrap()
            .contains("Sales &#38; Marketing")
    );

    // A one-time link, shown once; it signs Paula in.
    let link = b
        .post(
            &format!("/admin/people/{}/link", id(&paula)),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(link.status(), StatusCode::OK);
    let page = link.text().await.unwrap();
    let at = page.find("/sign-in/link?token=").expect("the link shown");
    assert!(
        page[at..].starts_with("/sign-in/link?token=cx"),
        "{}",
        &page[at..at + 40]
    );

    // A token: its secret shown once, working against the API, then revoked.
    let issued = b
        .post(
            &format!("/admin/people/{}/tokens", id(&paula)),
            &[("csrf", &csrf), ("label", "laptop")],
        )
        .await;
    assert_eq!(issued.status(), StatusCode::OK);
    let page = issued.text().await.unwrap();
    let open = "<code class=\"secret\">";
    let at = page.find(open).unwrap() + open.len();
    let secret = page[at..at + page[at..].find('<').unwrap()].to_owned();
    assert_eq!(
        app.get("/api/v1/me", &secret).await.status(),
        StatusCode::OK
    );
    assert!(
        !b.page(&format!("/admin/people/{}/tokens", id(&paula)))
            .await
            .contains(&secret)
    );
    let tokens = expect_json(
        app.get(
            &format!("/api/v1/people/{}/tokens", id(&paula)),
            &app.admin_token,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let tid = id(&tokens["items"][0]);
    let revoked = b
        .post(
            &format!("/admin/people/{}/tokens/{tid}/revoke", id(&paula)),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(revoked.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        app.get("/api/v1/me", &secret).await.status(),
        StatusCode::UNAUTHORIZED
    );

    // Import: a CSV with a bad row shows every row and its problem; nobody is made.
    let csv = "name,email,department_code,role\nIvo Lima,ivo@example.com,LOG,member\nJia Wen,jia@example,LOG,member\n";
    let checked = b
        .upload(
            "/admin/import",
            &[("csrf", &csrf)],
            ("people.csv", csv.as_bytes().to_vec()),
        )
        .await;
    assert_eq!(checked.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = checked.text().await.unwrap();
    assert!(
        page.contains("Ivo Lima") && page.contains("Jia Wen"),
        "every row shown"
    );
    assert_eq!(page.matches("class=\"row-bad\"").count(), 1);
    assert!(!page.contains("/admin/import/confirm"));
    assert!(people_named(&app, "ivo").await.is_empty());
    // An xlsx workbook: checked, then confirmed.
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    for (c, h) in ["name", "email", "department_code", "role", "locale"]
        .iter()
        .enumerate()
    {
        sheet.write_string(0, c as u16, *h).unwrap();
    }
    for (r, row) in [
        ["Ivo Lima", "ivo@example.com", "LOG", "member", "pt-BR"],
        ["Jia Wen", "jia@example.com", "LOG", "member", "zh-CN"],
    ]
    .iter()
    .enumerate()
    {
        for (c, v) in row.iter().enumerate() {
            sheet.write_string(r as u32 + 1, c as u16, *v).unwrap();
        }
    }
    let bytes = book.save_to_buffer().unwrap();
    let checked = b
        .upload("/admin/import", &[("csrf", &csrf)], ("people.xlsx", bytes))
        .await;
    assert_eq!(checked.status(), StatusCode::OK);
    let page = checked.text().await.unwrap();
    assert!(page.contains("2 people, no problems."));
    assert!(
        people_named(&app, "ivo").await.is_empty(),
        "checking writes nothing"
    );
    let open = "<textarea name=\"text\" hidden>";
    let at = page.find(open).unwrap() + open.len();
    let text = page[at..at + page[at..].find("</textarea>").unwrap()]
        .replace("&#38;", "&")
        .replace("&#60;", "<")
        .replace("&#62;", ">")
        .replace("&#34;", "\"")
        .replace("&#39;", "'");
    let done = b
        .post("/admin/import/confirm", &[("csrf", &csrf), ("text", &text)])
        .await;
    assert_eq!(done.status(), StatusCode::SEE_OTHER);
    let to = done.headers()[LOCATION].to_str().unwrap().to_owned();
    assert!(b.page(&to).await.contains("2 people imported."));
    let ivo = people_named(&app, "ivo").await;
    assert_eq!(ivo[0]["department_id"], logistics["id"]);

    // The audit trail: the head named on Sales, before and after.
    let page = b
        .page(&format!(
            "/admin/audit?entity=department&entity_id={}",
            id(&sales)
        ))
        .await;
    assert!(page.contains("<th scope=\"row\">head_id</th>"));
    assert!(page.contains(&format!("<ins>{}</ins>", id(&paula))));
    let bad_day = b.get("/admin/audit?since=yesterday").await;
    assert_eq!(bad_day.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad_day
            .text()
            .await
            .unwrap()
            .contains("id=\"audit-since-error\"")
    );

    // Someone who is not an admin is refused the pages.
    let (m, _) = sign_in(&app, &dir, "ivo@example.com", "/").await;
    assert_eq!(m.get("/admin/people").await.status(), StatusCode::FORBIDDEN);
    assert_eq!(m.get("/admin/audit").await.status(), StatusCode::FORBIDDEN);
    assert!(!m.page("/my-work").await.contains("href=\"/admin/people\""));
    let _ = std::fs::remove_dir_all(&dir);
}

on_both!(an_admin_runs_the_directory_in_pages);
