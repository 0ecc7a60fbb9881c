//! A coordinator's set-up pages over HTTP, as a browser without JavaScript uses them:
//! the value-stream editor (the industrial template mapped to our departments, a
//! stage added, renamed in another language, moved; a sub-process and an owner row),
//! the coverage page's fixes, and who serves whom. Mistakes come back beside their
//! field with the input kept; a stale form changes nothing. Both databases.

use cxpm_tests::{Backend, TestApp, expect_json};
use reqwest::StatusCode;
use reqwest::header::LOCATION;
use serde_json::Value;

use crate::pages::{app_with_mail, id, on_both, sign_in};

struct Org {
    sales: Value,
    production: Value,
    quality: Value,
    logistics: Value,
    packer: Value,
}

async fn org(app: &TestApp) -> Org {
    let sales = app.department("Sales", "SAL").await;
    let production = app.department("Production", "PRD").await;
    let quality = app.department("Quality", "QC").await;
    let logistics = app.department("Logistics", "LOG").await;
    let packer = app
        .person(
            "Paula Packer",
            "paula@example.com",
            "member",
            Some(&id(&logistics)),
        )
        .await;
    Org {
        sales,
        production,
        quality,
        logistics,
        packer,
    }
}

/// The program's stages as the API lists them: (name, position, version, id).
async fn stages(app: &TestApp, pid: &str) -> Vec<Value> {
    let body = expect_json(
        app.get(&format!("/api/v1/programs/{pid}/stages"), &app.admin_token)
            .await,
        StatusCode::OK,
    )
    .await;
    body["items"].as_array().cloned().unwrap_or_default()
}

async fn a_coordinator_sets_up_the_value_stream_in_pages(backend: Backend) {
    let (app, dir) = app_with_mail(backend, cxpm_app::Clock::system()).await;
    let o = org(&app).await;
    app.person(
        "Carla Coordinator",
        "carla@example.com",
        "coordinator",
        None,
    )
    .await;
    let (b, _) = sign_in(&app, &dir, "carla@example.com", "/programs").await;
    let csrf = b.csrf().await;
    let made = b
        .post("/programs", &[("csrf", &csrf), ("name", "CX 2027")])
        .await;
    let home = made.headers()[LOCATION].to_str().unwrap().to_owned();
    let pid = home.trim_start_matches("/programs/").to_owned();
    let editor = format!("/programs/{pid}/value-stream");
    let page = b.page(&editor).await;
    assert!(page.contains("Start from the industrial template"));

    // The template, its four parts mapped to our departments.
    let applied = b
        .post(
            &format!("/programs/{pid}/template"),
            &[
                ("csrf", &csrf),
                ("back", &editor),
                ("order_management", &id(&o.sales)),
                ("manufacturing", &id(&o.production)),
                ("quality_inspection", &id(&o.quality)),
                ("shipping", &id(&o.logistics)),
            ],
        )
        .await;
    assert_eq!(applied.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        applied.headers()[LOCATION].to_str().unwrap(),
        format!("{editor}#stages")
    );
    let page = b.page(&editor).await;
    assert!(page.contains("1. Bidding") && page.contains("8. Payment collection"));
    assert!(
        page.contains("acceptance</h4>"),
        "the template's sub-process"
    );
    assert!(!page.contains("Start from the industrial template"));
    assert_eq!(stages(&app, &pid).await.len(), 8);

    // A stage without a name: the form again, the message beside the field, what was
    // typed kept, nothing written.
    let bad = b
        .post(
            &format!("/programs/{pid}/stages"),
            &[
                ("csrf", &csrf),
                ("back", &editor),
                ("name", " "),
                ("description", "After the warranty"),
                ("customer_facing", "on"),
            ],
        )
        .await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = bad.text().await.unwrap();
    assert!(page.contains("id=\"stage-new-name-error\""));
    assert!(page.contains(">After the warranty</textarea>"));
    assert_eq!(stages(&app, &pid).await.len(), 8);

    // Added, with its name in Chinese; then moved up one place with a button.
    let added = b
        .post(
            &format!("/programs/{pid}/stages"),
            &[
                ("csrf", &csrf),
                ("back", &editor),
                ("name", "Spare parts"),
                ("name-zh-CN", "备件"),
                ("customer_facing", "on"),
            ],
        )
        .await;
    assert_eq!(added.status(), StatusCode::SEE_OTHER);
    let all = stages(&app, &pid).await;
    let spare = all.iter().find(|s| s["name"] == "Spare parts").unwrap();
    assert_eq!(spare["position"], 9);
    assert_eq!(spare["name_translations"]["zh-CN"], "备件");
    let sid = id(spare);
    let moved = b
        .post(
            &format!("/stages/{sid}"),
            &[
                ("csrf", &csrf),
                ("back", &editor),
                ("version", "1"),
                ("op", "up"),
            ],
        )
        .await;
    assert_eq!(moved.status(), StatusCode::SEE_OTHER);
    let all = stages(&app, &pid).await;
    let spare = all.iter().find(|s| s["name"] == "Spare parts").unwrap();
    assert_eq!(spare["position"], 8);
    // A stale edit keeps what was typed and says who changed it.
    let stale = b
        .post(
            &format!("/stages/{sid}"),
            &[
                ("csrf", &csrf),
                ("back", &editor),
                ("version", "1"),
                ("op", "save"),
                ("name", "Spares and repairs"),
            ],
        )
        .await;
    assert_eq!(stale.status(), StatusCode::CONFLICT);
    let page = stale.text().await.unwrap();
    assert!(page.contains("value=\"Spares and repairs\"") && page.contains("Carla Coordinator"));
    assert!(
        stages(&app, &pid)
            .await
            .iter()
            .any(|s| s["name"] == "Spare parts")
    );

    // Coverage: the template's owner rows name nobody yet; Logistics names Paula on
    // the coverage page itself.
    let coverage = format!("/programs/{pid}/coverage");
    let page = b.page(&coverage).await;
    assert_eq!(page.matches("Owner without a person").count(), 4);
    assert!(page.contains("Touchpoint without an owner"));
    let owners = expect_json(
        app.get(
            &format!("/api/v1/programs/{pid}/coverage"),
            &app.admin_token,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let row = owners["owners_without_person"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["department_id"] == o.logistics["id"])
        .unwrap()
        .clone();
    // Someone outside Logistics is refused beside the field.
    let outsider = app
        .person(
            "Sam Sales",
            "sam@example.com",
            "member",
            Some(&id(&o.sales)),
        )
        .await;
    let wrong = b
        .post(
            &format!("/owners/{}", id(&row)),
            &[
                ("csrf", &csrf),
                ("back", &coverage),
                ("version", "1"),
                ("op", "save"),
                ("person_id", &id(&outsider)),
            ],
        )
        .await;
    assert!(wrong.status().is_client_error(), "{}", wrong.status());
    let page = wrong.text().await.unwrap();
    assert!(page.contains(&format!("id=\"owner-{}-person-error\"", id(&row))));
    let named = b
        .post(
            &format!("/owners/{}", id(&row)),
            &[
                ("csrf", &csrf),
                ("back", &coverage),
                ("version", "1"),
                ("op", "save"),
                ("person_id", &id(&o.packer)),
            ],
        )
        .await;
    assert_eq!(named.status(), StatusCode::SEE_OTHER);
    assert!(
        named.headers()[LOCATION]
            .to_str()
            .unwrap()
            .starts_with(&coverage)
    );
    let page = b.page(&coverage).await;
    assert_eq!(page.matches("Owner without a person").count(), 3);

    // Who serves whom: Production serves Logistics.
    let matrix = format!("/programs/{pid}/relationships");
    assert!(b.page(&matrix).await.contains("No relationships yet."));
    let same = b
        .post(
            &matrix,
            &[
                ("csrf", &csrf),
                ("back", &matrix),
                ("provider_department_id", &id(&o.production)),
                ("customer_department_id", &id(&o.production)),
                ("delivers", "Finished pumps"),
            ],
        )
        .await;
    assert!(same.status().is_client_error());
    let page = same.text().await.unwrap();
    assert!(page.contains("value=\"Finished pumps\"") && page.contains("class=\"error\""));
    let made = b
        .post(
            &matrix,
            &[
                ("csrf", &csrf),
                ("back", &matrix),
                ("provider_department_id", &id(&o.production)),
                ("customer_department_id", &id(&o.logistics)),
                ("delivers", "Finished pumps"),
            ],
        )
        .await;
    assert_eq!(made.status(), StatusCode::SEE_OTHER);
    let page = b.page(&matrix).await;
    assert!(page.contains("<th scope=\"row\">Production</th>"));
    assert!(page.contains("<th scope=\"col\">Logistics</th>"));
    assert!(page.contains("Finished pumps") && page.contains("0 key points"));
    let rels = expect_json(
        app.get(
            &format!("/api/v1/programs/{pid}/relationships"),
            &app.admin_token,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let rid = id(&rels["items"][0]);
    let retired = b
        .post(
            &format!("/relationships/{rid}/retire"),
            &[("csrf", &csrf), ("version", "1"), ("id", &rid)],
        )
        .await;
    assert_eq!(retired.status(), StatusCode::SEE_OTHER);
    assert!(b.page(&matrix).await.contains("No relationships yet."));

    // A member reads the pages but is offered no form, and a form of theirs is
    // refused.
    app.person(
        "Mo Member",
        "mo@example.com",
        "member",
        Some(&id(&o.quality)),
    )
    .await;
    let (m, _) = sign_in(&app, &dir, "mo@example.com", "/").await;
    let page = m.page(&editor).await;
    assert!(page.contains("Bidding") && !page.contains("action=\"/stages/"));
    let mcsrf = m.csrf().await;
    let refused = m
        .post(
            &format!("/programs/{pid}/stages"),
            &[("csrf", &mcsrf), ("name", "Mine")],
        )
        .await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let _ = std::fs::remove_dir_all(&dir);
}

on_both!(a_coordinator_sets_up_the_value_stream_in_pages);

async fn schedules_of(app: &TestApp, pid: &str) -> Vec<Value> {
    expect_json(
        app.get(
            &format!("/api/v1/programs/{pid}/schedules"),
            &app.admin_token,
        )
        .await,
        StatusCode::OK,
    )
    .await["items"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

async fn reminders_are_set_up_checked_and_run_from_their_page(backend: Backend) {
    let (app, dir) = app_with_mail(backend, cxpm_app::Clock::system()).await;
    let r = app
        .action_to_remind(cxpm_tests::Remind {
            department: "Quality",
            program: "CX 2027",
            head: ("Helena Head", "en"),
            owner: ("Otto Owner", "en"),
            action: "Check every pallet",
            due: "2020-01-15",
        })
        .await;
    let pid = id(&r.program);
    let coordinator = expect_json(
        app.get(
            &format!(
                "/api/v1/people/{}",
                r.program["coordinator_id"].as_str().unwrap()
            ),
            &app.admin_token,
        )
        .await,
        StatusCode::OK,
    )
    .await["email"]
        .as_str()
        .unwrap()
        .to_owned();
    let (b, _) = sign_in(&app, &dir, &coordinator, "/").await;
    let csrf = b.csrf().await;
    let path = format!("/programs/{pid}/reminders");
    assert!(b.page(&path).await.contains("A new schedule"));
    let existing = schedules_of(&app, &pid).await.len();

    // A line that is not a crontab line: the message beside it, what was typed kept.
    let ask = |op: &'static str, cron: &'static str| {
        vec![
            ("csrf", csrf.clone()),
            ("op", op.to_owned()),
            ("kind", "overdue".to_owned()),
            ("cron", cron.to_owned()),
            ("time_zone", "Asia/Shanghai".to_owned()),
        ]
    };
    let post = |fields: Vec<(&'static str, String)>| {
        let b = &b;
        let to = format!("/programs/{pid}/schedules");
        async move {
            let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            b.post(&to, &pairs).await
        }
    };
    let bad = post(ask("check", "every morning")).await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = bad.text().await.unwrap();
    assert!(
        page.contains("id=\"schedule-cron-error\"") && page.contains("value=\"every morning\"")
    );
    // Check: the line in words and its next five times; nothing is saved.
    let checked = post(ask("check", "0 9 * * 1-5")).await;
    assert_eq!(checked.status(), StatusCode::OK);
    let page = checked.text().await.unwrap();
    let at = page
        .find("id=\"schedule-checked\"")
        .expect("the check's answer");
    let answer = &page[at..at + page[at..].find("</div>").unwrap()];
    assert_eq!(
        answer.matches("09:00 (Asia/Shanghai)").count(),
        5,
        "{answer}"
    );
    assert!(
        page.contains("value=\"0 9 * * 1-5\""),
        "the line kept in the form"
    );
    assert_eq!(schedules_of(&app, &pid).await.len(), existing);
    // Created.
    let made = post(ask("create", "0 9 * * 1-5")).await;
    assert_eq!(made.status(), StatusCode::SEE_OTHER);
    let all = schedules_of(&app, &pid).await;
    assert_eq!(all.len(), existing + 1);
    let sid = id(all.iter().find(|s| s["cron"] == "0 9 * * 1-5").unwrap());
    let page = b.page(&path).await;
    assert!(page.contains(&format!("id=\"schedule-{sid}\"")));

    // The dry run shows the owner's real mail and queues nothing.
    let dry = b.page(&format!("/schedules/{sid}/dry-run")).await;
    assert!(
        dry.contains("Check every pallet"),
        "the overdue action in the mail"
    );
    assert!(dry.contains(r.owner["email"].as_str().unwrap()));
    // Run now: queued once; a second run in the same period sends nothing twice.
    let ran = b
        .post(&format!("/schedules/{sid}/run"), &[("csrf", &csrf)])
        .await;
    assert_eq!(ran.status(), StatusCode::SEE_OTHER);
    let to = ran.headers()[LOCATION].to_str().unwrap().to_owned();
    assert!(to.contains("?ran=") && !to.contains("ran=-1"), "{to}");
    assert!(b.page(&to).await.contains("mail"));
    let again = b
        .post(&format!("/schedules/{sid}/run"), &[("csrf", &csrf)])
        .await;
    let to = again.headers()[LOCATION].to_str().unwrap().to_owned();
    assert!(to.contains("ran=-1"), "{to}");
    assert!(b.page(&to).await.contains("nothing was sent twice"));
    // The outbox lists the mail with its status and attempts.
    let page = b.page(&path).await;
    let at = page.find("id=\"outbox\"").unwrap();
    assert!(page[at..].contains("Otto Owner"));
    // Switched off: no next times; a member sees the schedules but no forms.
    let off = b
        .post(
            &format!("/schedules/{sid}"),
            &[("csrf", &csrf), ("version", "1"), ("enabled", "false")],
        )
        .await;
    assert_eq!(off.status(), StatusCode::SEE_OTHER);
    let now = schedules_of(&app, &pid).await;
    assert_eq!(
        now.iter().find(|s| s["id"] == sid.as_str()).unwrap()["enabled"],
        false
    );
    let (m, _) = sign_in(&app, &dir, r.owner["email"].as_str().unwrap(), "/").await;
    let page = m.page(&path).await;
    assert!(
        page.contains("Overdue")
            && !page.contains("A new schedule")
            && !page.contains("id=\"outbox\"")
    );
    let _ = std::fs::remove_dir_all(&dir);
}

on_both!(reminders_are_set_up_checked_and_run_from_their_page);

async fn a_team_is_kept_on_its_page(backend: Backend) {
    let (app, dir) = app_with_mail(backend, cxpm_app::Clock::system()).await;
    let o = org(&app).await;
    app.person(
        "Carla Coordinator",
        "carla@example.com",
        "coordinator",
        None,
    )
    .await;
    let (b, _) = sign_in(&app, &dir, "carla@example.com", "/programs").await;
    let csrf = b.csrf().await;
    let made = b
        .post("/programs", &[("csrf", &csrf), ("name", "CX 2027")])
        .await;
    let pid = made.headers()[LOCATION]
        .to_str()
        .unwrap()
        .trim_start_matches("/programs/")
        .to_owned();
    let path = format!("/programs/{pid}/team");
    let page = b.page(&path).await;
    assert!(
        page.contains("Paula Packer · Logistics"),
        "who may be added"
    );
    let add = |role: &'static str| {
        let (b, path, csrf, packer) = (&b, path.clone(), csrf.clone(), id(&o.packer));
        async move {
            b.post(
                &path,
                &[("csrf", &csrf), ("person_id", &packer), ("team_role", role)],
            )
            .await
        }
    };
    assert_eq!(
        add("touchpoint_owner").await.status(),
        StatusCode::SEE_OTHER
    );
    // Twice: refused beside the person, nothing changed.
    let twice = add("member").await;
    assert_eq!(twice.status(), StatusCode::CONFLICT);
    assert!(
        twice
            .text()
            .await
            .unwrap()
            .contains("id=\"seat-new-person-error\"")
    );
    let members = || async {
        expect_json(
            app.get(&format!("/api/v1/programs/{pid}/members"), &app.admin_token)
                .await,
            StatusCode::OK,
        )
        .await
    };
    let team = members().await;
    let seat = team["departments"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|d| d["members"].as_array().unwrap().clone())
        .find(|m| m["person_id"] == o.packer["id"])
        .unwrap();
    assert_eq!(seat["team_role"], "touchpoint_owner");
    let sid = id(&seat);
    let changed = b
        .post(
            &format!("{path}/{sid}"),
            &[
                ("csrf", &csrf),
                ("version", "1"),
                ("op", "save"),
                ("team_role", "sponsor"),
            ],
        )
        .await;
    assert_eq!(changed.status(), StatusCode::SEE_OTHER);
    let stale = b
        .post(
            &format!("{path}/{sid}"),
            &[
                ("csrf", &csrf),
                ("version", "1"),
                ("op", "save"),
                ("team_role", "member"),
            ],
        )
        .await;
    assert_eq!(stale.status(), StatusCode::CONFLICT);
    assert!(stale.text().await.unwrap().contains("Carla Coordinator"));
    let removed = b
        .post(
            &format!("{path}/{sid}"),
            &[("csrf", &csrf), ("version", "2"), ("op", "remove")],
        )
        .await;
    assert_eq!(removed.status(), StatusCode::SEE_OTHER);
    assert!(
        !members()
            .await
            .to_string()
            .contains(o.packer["id"].as_str().unwrap())
    );
    let _ = std::fs::remove_dir_all(&dir);
}

on_both!(a_team_is_kept_on_its_page);

async fn a_report_page_filters_saves_a_snapshot_and_prints(backend: Backend) {
    let (app, dir) = app_with_mail(backend, cxpm_app::Clock::system()).await;
    let r = app
        .action_to_remind(cxpm_tests::Remind {
            department: "Quality",
            program: "CX 2027",
            head: ("Helena Head", "en"),
            owner: ("Otto Owner", "en"),
            action: "Check every pallet",
            due: "2020-01-15",
        })
        .await;
    let pid = id(&r.program);
    // Two key points: one met, one badly missed.
    for (name, expectation, experience) in
        [("Dates that hold", 9.0, 4.0), ("Clean papers", 8.0, 8.0)]
    {
        let point = expect_json(
            app.post(
                &format!("/api/v1/relationships/{}/key-points", id(&r.relationship)),
                &r.coord,
                &serde_json::json!({"name": name}),
            )
            .await,
            StatusCode::CREATED,
        )
        .await;
        expect_json(
            app.post(
                &format!("/api/v1/key-points/{}/measurements", id(&point)),
                &r.coord,
                &serde_json::json!({"period_start": "2026-10-01", "period_end": "2026-10-31",
                    "expectation_score": expectation, "experience_score": experience,
                    "importance": 4, "sample_size": 10, "source": "survey"}),
            )
            .await,
            StatusCode::CREATED,
        )
        .await;
    }
    let coordinator = expect_json(
        app.get(
            &format!(
                "/api/v1/people/{}",
                r.program["coordinator_id"].as_str().unwrap()
            ),
            &app.admin_token,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let (b, _) = sign_in(&app, &dir, coordinator["email"].as_str().unwrap(), "/").await;
    let path = format!("/programs/{pid}/reports/gaps");
    let all = b.page(&path).await;
    assert!(all.contains("Dates that hold") && all.contains("Clean papers"));
    assert!(all.contains("action=\"/programs/") && all.contains("data-print"));
    // The print button's script is ours, and the page's policy lets it (and only it) run.
    let resp = b.get(&path).await;
    let csp = resp.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        csp.contains("script-src 'self'") && csp.contains("form-action 'self'"),
        "{csp}"
    );
    let at = all.find("/static/print-").unwrap();
    let src: String = all[at..].chars().take_while(|c| *c != '"').collect();
    assert_eq!(b.get(&src).await.status(), StatusCode::OK);
    // At least major: the met point is left out, in the page and in its CSV.
    let major = b.page(&format!("{path}?severity=major")).await;
    assert!(major.contains("Dates that hold") && !major.contains("Clean papers"));
    assert!(
        major.contains("href=\"?severity=major&#38;format=csv\""),
        "the download keeps the filter"
    );
    let csv = b
        .get(&format!("{path}?severity=major&format=csv"))
        .await
        .text()
        .await
        .unwrap();
    assert!(csv.contains("Dates that hold") && !csv.contains("Clean papers"));
    // A snapshot saved from the page: the report then compares with it.
    let csrf = b.csrf().await;
    let saved = b
        .post(
            &format!("{path}/snapshots"),
            &[("csrf", &csrf), ("label", "Before the pilot")],
        )
        .await;
    assert_eq!(saved.status(), StatusCode::SEE_OTHER);
    let to = saved.headers()[LOCATION].to_str().unwrap().to_owned();
    assert!(to.contains("since="), "{to}");
    let page = b.page(&to).await;
    assert!(page.contains("Before the pilot&#34; saved: the report now shows"));
    assert!(page.contains("selected>Before the pilot"));
    // A blank name saves nothing and says why.
    let blank = b
        .post(
            &format!("{path}/snapshots"),
            &[("csrf", &csrf), ("label", " ")],
        )
        .await;
    assert_eq!(blank.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let listed = expect_json(
        app.get(
            &format!("/api/v1/programs/{pid}/reports/gaps/snapshots"),
            &r.coord,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(listed["items"].as_array().unwrap().len(), 1);
    let _ = std::fs::remove_dir_all(&dir);
}

on_both!(a_report_page_filters_saves_a_snapshot_and_prints);

async fn metrics_are_charted_and_fed_from_their_page(backend: Backend) {
    let (app, dir) = app_with_mail(backend, cxpm_app::Clock::system()).await;
    app.person(
        "Carla Coordinator",
        "carla@example.com",
        "coordinator",
        None,
    )
    .await;
    let (b, _) = sign_in(&app, &dir, "carla@example.com", "/programs").await;
    let csrf = b.csrf().await;
    let made = b
        .post("/programs", &[("csrf", &csrf), ("name", "CX 2027")])
        .await;
    let pid = made.headers()[LOCATION]
        .to_str()
        .unwrap()
        .trim_start_matches("/programs/")
        .to_owned();
    b.post(
        &format!("/programs/{pid}/stages"),
        &[
            ("csrf", &csrf),
            ("name", "Delivery"),
            ("customer_facing", "on"),
        ],
    )
    .await;
    let stage = id(&stages(&app, &pid).await[0]);
    let path = format!("/programs/{pid}/metrics");
    assert!(b.page(&path).await.contains("No metric yet."));
    let new = |target: &'static str| {
        let (b, path, csrf, stage) = (&b, path.clone(), csrf.clone(), stage.clone());
        async move {
            b.post(
                &path,
                &[
                    ("csrf", csrf.as_str()),
                    ("stage_id", stage.as_str()),
                    ("name", "On-time delivery"),
                    ("unit", "%"),
                    ("target", target),
                    ("direction", "higher_is_better"),
                ],
            )
            .await
        }
    };
    let bad = new("ninety").await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = bad.text().await.unwrap();
    assert!(page.contains("id=\"metric-new-target-error\"") && page.contains("value=\"ninety\""));
    assert_eq!(new("95").await.status(), StatusCode::SEE_OTHER);
    let metrics = expect_json(
        app.get(&format!("/api/v1/programs/{pid}/metrics"), &app.admin_token)
            .await,
        StatusCode::OK,
    )
    .await;
    let mid = metrics["items"][0]["metric"]["id"]
        .as_str()
        .or(metrics["items"][0]["id"].as_str())
        .unwrap()
        .to_owned();
    let record = |from: &'static str, to: &'static str, value: &'static str| {
        let (b, url, csrf) = (&b, format!("{path}/{mid}/readings"), csrf.clone());
        async move {
            b.post(
                &url,
                &[
                    ("csrf", csrf.as_str()),
                    ("period_start", from),
                    ("period_end", to),
                    ("value", value),
                ],
            )
            .await
        }
    };
    // A value that is not a number, and a period that ends before it starts.
    let bad = record("2026-10-01", "2026-10-31", "lots").await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad.text()
            .await
            .unwrap()
            .contains(&format!("id=\"reading-{mid}-value-error\""))
    );
    let backwards = record("2026-10-31", "2026-10-01", "90").await;
    assert_eq!(backwards.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        backwards
            .text()
            .await
            .unwrap()
            .contains(&format!("id=\"reading-{mid}-period_end-error\""))
    );
    for (from, to, value) in [
        ("2026-09-01", "2026-09-30", "88,5"),
        ("2026-10-01", "2026-10-31", "91"),
        ("2026-11-01", "2026-11-30", "96"),
    ] {
        assert_eq!(
            record(from, to, value).await.status(),
            StatusCode::SEE_OTHER
        );
    }
    let page = b.page(&path).await;
    // The history against its target: two lines of three points each.
    assert_eq!(page.matches("<polyline").count(), 2);
    assert_eq!(page.matches("class=\"s0 dot\"").count(), 3);
    assert!(page.contains("88.5 %") && page.contains("96 %"));
    let _ = std::fs::remove_dir_all(&dir);
}

on_both!(metrics_are_charted_and_fed_from_their_page);
