//! Feedback rounds over HTTP, as their users meet them: a provider opens a round,
//! the customer department's people (and an outside contact) answer by their mailed
//! links, signed in, or on the page; mistakes change nothing; the round closes and
//! its answers are the key points' new measurement in the gap report; response rates
//! in the round and the progress report. Each test runs on SQLite and PostgreSQL.

use std::path::{Path, PathBuf};
use std::time::Duration;

use cxpm_tests::{
    Backend, Remind, Reminded, TestApp, expect_json, expect_problem, problem_fields, spawn_app_with,
};
use reqwest::StatusCode;
use serde_json::{Value, json};

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap_or_default().to_owned()
}

/// A server whose mail lands as `.eml` files at once, with its scheduler on (a round
/// every 50 ms) when `scheduler`, on `clock`.
async fn app_with_mail(
    backend: Backend,
    clock: cxpm_app::Clock,
    scheduler: bool,
) -> (TestApp, PathBuf) {
    let dir = std::env::temp_dir().join(format!("cxpm-rounds-{}", uuid::Uuid::now_v7().simple()));
    let mail_dir = dir.clone();
    let app = spawn_app_with(backend, |s| {
        s.mail_dir = mail_dir;
        s.dispatch_every_ms = 20;
        s.clock = clock;
        s.no_scheduler = !scheduler;
        s.scheduler_every_ms = 50;
    })
    .await;
    (app, dir)
}

const ANSWER: &str = "/feedback/answer?token=";

/// Every answer link's token mailed to `email`, oldest first.
fn answer_links(dir: &Path, email: &str) -> Vec<String> {
    cxpm_tests::links_mailed(dir, email, ANSWER)
        .iter()
        .map(|l| cxpm_tests::token_of(l))
        .collect()
}

/// The `n`-th answer link's token mailed to `email` (waiting for the dispatcher).
async fn mailed_link(dir: &Path, email: &str, n: usize) -> String {
    cxpm_tests::next_link(dir, email, ANSWER, n).await;
    answer_links(dir, email)[n].clone()
}

/// Quality (provider) → order management (customer), a plan on it, two key points,
/// three people in order management.
struct Setup {
    r: Reminded,
    points: Vec<Value>,
    customers: Vec<Value>,
}

async fn setup(app: &TestApp) -> Setup {
    let r = app
        .action_to_remind(Remind {
            department: "Planning",
            program: "CX 2027",
            head: ("Helena Head", "en"),
            owner: ("Otto Owner", "pt-BR"),
            action: "Confirm dates within a day",
            due: "2030-01-15",
        })
        .await;
    let rel = id(&r.relationship);
    let mut points = Vec::new();
    for name in ["Dates that hold", "Answers within a day"] {
        points.push(
            expect_json(
                app.post(
                    &format!("/api/v1/relationships/{rel}/key-points"),
                    &r.coord,
                    &json!({"name": name}),
                )
                .await,
                StatusCode::CREATED,
            )
            .await,
        );
    }
    let om = r.relationship["customer_department_id"].clone();
    let mut customers = Vec::new();
    for (i, locale) in ["zh-CN", "en", "pt-BR"].iter().enumerate() {
        let body = json!({"name": format!("Customer {i}"), "role": "member", "locale": locale,
            "email": format!("om{i}-{}@example.com", uuid::Uuid::now_v7().simple()),
            "department_id": om});
        customers.push(
            expect_json(
                app.post("/api/v1/people", &app.admin_token, &body).await,
                StatusCode::CREATED,
            )
            .await,
        );
    }
    Setup {
        r,
        points,
        customers,
    }
}

fn rating(point: &Value, importance: i32, expectation: f64, experience: f64) -> Value {
    json!({"key_point_id": id(point), "importance": importance,
        "expectation": expectation, "experience": experience})
}

async fn round_of(app: &TestApp, token: &str, round: &str) -> (Value, String) {
    let resp = app
        .get(&format!("/api/v1/feedback-rounds/{round}"), token)
        .await;
    let etag = resp.headers()["etag"].to_str().unwrap().to_owned();
    (expect_json(resp, StatusCode::OK).await, etag)
}

async fn a_round_from_invitation_to_the_gap_report(backend: Backend) {
    let (app, dir) = app_with_mail(backend, cxpm_app::Clock::system(), false).await;
    let s = setup(&app).await;
    let pid = id(&s.r.program);
    let outside = format!("buyer-{}@customer.example", uuid::Uuid::now_v7().simple());
    let opened = expect_json(
        app.post(
            &format!("/api/v1/programs/{pid}/feedback-rounds"),
            &s.r.coord,
            &json!({"relationship_id": id(&s.r.relationship), "external_emails": [outside]}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let round = opened["items"][0].clone();
    let rid = id(&round);
    assert_eq!(
        (round["invited"].as_u64(), round["answered"].as_u64()),
        (Some(4), Some(0))
    );
    assert_eq!(round["status"], "open");
    assert_eq!(round["min_respondents"], 3);
    let email = |i: usize| s.customers[i]["email"].as_str().unwrap().to_owned();
    let (kp1, kp2) = (&s.points[0], &s.points[1]);

    // The first customer answers by the mailed link; the link works once.
    let link0 = mailed_link(&dir, &email(0), 0).await;
    let body = json!({"token": link0, "ratings": [rating(kp1, 5, 9.0, 6.0), rating(kp2, 3, 8.0, 8.0)],
        "comment": "Dates moved twice in March"});
    let taken = expect_json(
        app.request(reqwest::Method::POST, "/api/v1/feedback/answers", None)
            .json(&body)
            .send()
            .await
            .unwrap(),
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(taken["closed_round"], false);
    let again = app
        .request(reqwest::Method::POST, "/api/v1/feedback/answers", None)
        .json(&body)
        .send()
        .await
        .unwrap();
    expect_problem(again, StatusCode::CONFLICT).await;

    // A score off the scale is named, and changes nothing.
    let link1 = mailed_link(&dir, &email(1), 0).await;
    let bad = app
        .request(reqwest::Method::POST, "/api/v1/feedback/answers", None)
        .json(&json!({"token": link1, "ratings": [rating(kp1, 4, 8.0, 11.0)]}))
        .send()
        .await
        .unwrap();
    let problem = expect_problem(bad, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(problem_fields(&problem), ["ratings[0].experience"]);
    let (read, _) = round_of(&app, &s.r.coord, &rid).await;
    assert_eq!(read["round"]["answered"], 1);
    // One answer shows no means: fewer than three respondents.
    let first = &read["results"][0];
    assert_eq!(
        (first["respondents"].as_u64(), first.get("expectation")),
        (Some(1), None)
    );
    assert_eq!(read["comments"], json!([]));

    // The second answers on the page the link opens (what a phone shows).
    let client = reqwest::Client::new();
    let page = client
        .get(app.url(&format!("/feedback/answer?token={link1}")))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(html.contains("Dates that hold") && html.contains(&format!("imp-{}", id(kp1))));
    let half = client
        .post(app.url("/feedback/answer"))
        .form(&[
            ("token", link1.as_str()),
            (&format!("imp-{}", id(kp1)), "4"),
            (&format!("exp-{}", id(kp1)), "9"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(half.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let kept = half.text().await.unwrap();
    assert!(
        kept.contains("<option value=\"9\" selected>"),
        "the form keeps what was chosen"
    );
    let sent = client
        .post(app.url("/feedback/answer"))
        .form(&[
            ("token", link1.as_str()),
            (&format!("imp-{}", id(kp1)), "4"),
            (&format!("exp-{}", id(kp1)), "9"),
            (&format!("act-{}", id(kp1)), "5"),
            ("comment", ""),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(sent.status(), StatusCode::OK);
    assert!(sent.text().await.unwrap().contains("Thank you"));

    // The third answers signed in, through the API.
    let third = app.token_for(&id(&s.customers[2])).await;
    let taken = expect_json(
        app.post(
            &format!("/api/v1/feedback-rounds/{rid}/answers"),
            &third,
            &json!({"ratings": [rating(kp1, 5, 10.0, 4.0)]}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(
        taken["closed_round"], false,
        "the outside contact has not answered"
    );
    let (read, etag) = round_of(&app, &s.r.coord, &rid).await;
    let internal = read["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["key_point_id"] == id(kp1) && r["respondent"] == "internal")
        .unwrap()
        .clone();
    assert_eq!(internal["respondents"], 3);
    assert_eq!(internal["expectation"].as_f64(), Some(28.0 / 3.0));
    assert_eq!(internal["experience"].as_f64(), Some(5.0));
    assert_eq!(read["comments"][0]["body"], "Dates moved twice in March");
    let rates = read["response_rates"].as_array().unwrap();
    let om = rates
        .iter()
        .find(|r| r["department_id"] == s.r.relationship["customer_department_id"])
        .unwrap();
    assert_eq!(
        (om["invited"].as_u64(), om["answered"].as_u64()),
        (Some(3), Some(3))
    );
    let ext = rates
        .iter()
        .find(|r| r.get("department_id").is_none())
        .unwrap();
    assert_eq!(
        (ext["invited"].as_u64(), ext["answered"].as_u64()),
        (Some(1), Some(0))
    );

    // Closed early: the answers are the key point's measurement for the period.
    let closed = app
        .request(
            reqwest::Method::POST,
            &format!("/api/v1/feedback-rounds/{rid}/close"),
            Some(&s.r.coord),
        )
        .header("If-Match", &etag)
        .send()
        .await
        .unwrap();
    let closed = expect_json(closed, StatusCode::OK).await;
    assert_eq!(closed["round"]["status"], "closed");
    assert_eq!(
        closed["round"]["measurements"], 1,
        "kp2 had one answer: no measurement"
    );
    let late = app
        .request(reqwest::Method::POST, "/api/v1/feedback/answers", None)
        .json(&json!({"token": mailed_link(&dir, &outside, 0).await, "ratings": [rating(kp1, 3, 5.0, 5.0)]}))
        .send()
        .await
        .unwrap();
    expect_problem(late, StatusCode::CONFLICT).await;
    let measured = expect_json(
        app.get(
            &format!("/api/v1/key-points/{}/measurements", id(kp1)),
            &s.r.coord,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let m = &measured["items"][0];
    assert_eq!(
        (m["source"].as_str(), m["sample_size"].as_i64()),
        (Some("feedback_round"), Some(3))
    );
    let gaps = expect_json(
        app.get(&format!("/api/v1/programs/{pid}/reports/gaps"), &s.r.coord)
            .await,
        StatusCode::OK,
    )
    .await;
    let line = gaps["lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["name"] == "Dates that hold")
        .expect("the round's measurement in the gap report")
        .clone();
    assert_eq!(line["actual"].as_f64(), Some(5.0));
    assert!((line["gap"].as_f64().unwrap() - (28.0 / 3.0 - 5.0)).abs() < 1e-9);

    // Response rates in the progress report, outside customers apart.
    let progress = expect_json(
        app.get(
            &format!("/api/v1/programs/{pid}/reports/progress"),
            &s.r.coord,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        progress["feedback"],
        json!({"internal_asked": 3, "internal_answered": 3, "external_asked": 1, "external_answered": 0})
    );
    let om_row = progress["departments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["department_id"] == s.r.relationship["customer_department_id"])
        .unwrap();
    assert_eq!(
        (
            om_row["feedback_asked"].as_i64(),
            om_row["feedback_answered"].as_i64()
        ),
        (Some(3), Some(3))
    );
    let _ = std::fs::remove_dir_all(&dir);
}

async fn mistakes_are_named_and_change_nothing(backend: Backend) {
    let (app, dir) = app_with_mail(backend, cxpm_app::Clock::system(), false).await;
    let s = setup(&app).await;
    let pid = id(&s.r.program);
    let path = format!("/api/v1/programs/{pid}/feedback-rounds");
    let rel = id(&s.r.relationship);
    let bad = app
        .post(
            &path,
            &s.r.coord,
            &json!({"relationship_id": rel, "deadline": "2020-01-01T00:00:00Z",
                "external_emails": ["not an address"], "people": [id(&s.r.head)]}),
        )
        .await;
    let problem = expect_problem(bad, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(problem_fields(&problem), ["deadline", "external_emails[0]"]);
    // A member may not open a round; a person outside the customer department may
    // not be asked as its customer.
    let member = app.token_for(&id(&s.customers[0])).await;
    expect_problem(
        app.post(&path, &member, &json!({"relationship_id": rel}))
            .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    let wrong = app
        .post(
            &path,
            &s.r.coord,
            &json!({"relationship_id": rel, "people": [id(&s.r.head)]}),
        )
        .await;
    assert_eq!(
        problem_fields(&expect_problem(wrong, StatusCode::UNPROCESSABLE_ENTITY).await),
        ["people[0]"]
    );
    let listed = expect_json(app.get(&path, &s.r.coord).await, StatusCode::OK).await;
    assert_eq!(listed["items"], json!([]), "nothing was opened");

    // The head of the providing department opens it for two chosen customers.
    let head = app.token_for(&id(&s.r.head)).await;
    let chosen = [id(&s.customers[0]), id(&s.customers[1])];
    let opened = expect_json(
        app.post(
            &path,
            &head,
            &json!({"relationship_id": rel, "people": chosen}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let rid = id(&opened["items"][0]);
    assert_eq!(opened["items"][0]["invited"], 2);
    let twice = app
        .post(&path, &head, &json!({"relationship_id": rel}))
        .await;
    expect_problem(twice, StatusCode::CONFLICT).await;
    // Not invited: refused; a rating of a point not in the round: named.
    let not_asked = app.token_for(&id(&s.customers[2])).await;
    let answer_path = format!("/api/v1/feedback-rounds/{rid}/answers");
    expect_problem(
        app.post(
            &answer_path,
            &not_asked,
            &json!({"ratings": [rating(&s.points[0], 3, 5.0, 5.0)]}),
        )
        .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    let stray = app
        .post(&answer_path, &member, &json!({"ratings": [json!({"key_point_id": rid, "importance": 9, "expectation": 5, "experience": 5})]}))
        .await;
    let problem = expect_problem(stray, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(
        problem_fields(&problem),
        ["ratings[0].key_point_id", "ratings[0].importance"]
    );
    let empty = app
        .post(
            &answer_path,
            &member,
            &json!({"ratings": [], "comment": "  "}),
        )
        .await;
    assert_eq!(
        problem_fields(&expect_problem(empty, StatusCode::UNPROCESSABLE_ENTITY).await),
        ["ratings"]
    );
    // An unknown link, and a measurement by hand claiming to be a round's.
    let unknown = app
        .request(reqwest::Method::POST, "/api/v1/feedback/answers", None)
        .json(&json!({"token": "nothing-like-it", "ratings": []}))
        .send()
        .await
        .unwrap();
    expect_problem(unknown, StatusCode::NOT_FOUND).await;
    let forged = app
        .post(
            &format!("/api/v1/key-points/{}/measurements", id(&s.points[0])),
            &s.r.coord,
            &json!({"period_start": "2026-11-01", "period_end": "2026-11-30",
                "expectation_score": 8, "experience_score": 6, "importance": 3,
                "source": "feedback_round"}),
        )
        .await;
    assert_eq!(
        problem_fields(&expect_problem(forged, StatusCode::UNPROCESSABLE_ENTITY).await),
        ["source"]
    );
    let (read, _) = round_of(&app, &s.r.coord, &rid).await;
    assert_eq!(read["round"]["answered"], 0, "no mistake changed anything");
    // A stale close is refused.
    let stale = app
        .request(
            reqwest::Method::POST,
            &format!("/api/v1/feedback-rounds/{rid}/close"),
            Some(&head),
        )
        .header("If-Match", "\"7\"")
        .send()
        .await
        .unwrap();
    expect_problem(stale, StatusCode::PRECONDITION_FAILED).await;
    let _ = std::fs::remove_dir_all(&dir);
}

async fn the_reminder_goes_once_and_the_deadline_closes(backend: Backend) {
    let clock = cxpm_app::Clock::system();
    let (app, dir) = app_with_mail(backend, clock.clone(), true).await;
    let s = setup(&app).await;
    let pid = id(&s.r.program);
    let deadline = (chrono::Utc::now() + chrono::Duration::days(4)).to_rfc3339();
    let opened = expect_json(
        app.post(
            &format!("/api/v1/programs/{pid}/feedback-rounds"),
            &s.r.coord,
            &json!({"relationship_id": id(&s.r.relationship), "deadline": deadline}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let rid = id(&opened["items"][0]);
    let email = |i: usize| s.customers[i]["email"].as_str().unwrap().to_owned();
    // Three answer; past half the time, the one who did not is reminded, once.
    for i in 0..2 {
        let token = mailed_link(&dir, &email(i), 0).await;
        let body =
            json!({"token": token, "ratings": [rating(&s.points[0], 4, 8.0, 6.0 + i as f64)]});
        let resp = app
            .request(reqwest::Method::POST, "/api/v1/feedback/answers", None)
            .json(&body)
            .send()
            .await
            .unwrap();
        expect_json(resp, StatusCode::CREATED).await;
    }
    clock.advance(chrono::Duration::days(2) + chrono::Duration::hours(1));
    let reminder = mailed_link(&dir, &email(2), 1).await;
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(
        answer_links(&dir, &email(2)).len(),
        2,
        "one invitation, one reminder"
    );
    assert_eq!(
        answer_links(&dir, &email(0)).len(),
        1,
        "who answered is not reminded"
    );
    let body = json!({"token": reminder, "ratings": [rating(&s.points[0], 5, 9.0, 4.0)]});
    let resp = app
        .request(reqwest::Method::POST, "/api/v1/feedback/answers", None)
        .json(&body)
        .send()
        .await
        .unwrap();
    // Everyone asked has answered: the round closed with that answer.
    assert_eq!(
        expect_json(resp, StatusCode::CREATED).await["closed_round"],
        true
    );
    let (read, _) = round_of(&app, &s.r.coord, &rid).await;
    assert_eq!(
        (
            read["round"]["status"].as_str(),
            read["round"]["measurements"].as_i64()
        ),
        (Some("closed"), Some(1))
    );

    // A second round that nobody answers closes at its deadline, with no measurement.
    let opened = expect_json(
        app.post(
            &format!("/api/v1/programs/{pid}/feedback-rounds"),
            &s.r.coord,
            &json!({"relationship_id": id(&s.r.relationship), "deadline": (clock.now() + chrono::Duration::days(1)).to_rfc3339()}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let second = id(&opened["items"][0]);
    clock.advance(chrono::Duration::days(1) + chrono::Duration::minutes(1));
    let mut status = Value::Null;
    for _ in 0..100 {
        let (read, _) = round_of(&app, &s.r.coord, &second).await;
        status = read["round"]["status"].clone();
        if status == "closed" {
            assert_eq!(read["round"]["measurements"], 0);
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(status, "closed", "the deadline closed it");
    let _ = std::fs::remove_dir_all(&dir);
}

async fn the_plans_cadence_opens_a_round_once_per_tick(backend: Backend) {
    let clock = cxpm_app::Clock::system();
    let (app, dir) = app_with_mail(backend, clock.clone(), true).await;
    let s = setup(&app).await;
    let pid = id(&s.r.program);
    let plan_path = format!("/api/v1/plans/{}", id(&s.r.plan));
    // Every day at 09:00 UTC: the next tick comes after the plan's cycle began.
    expect_json(
        app.patch(
            &plan_path,
            &s.r.coord,
            Some("\"1\""),
            &json!({"cadence_cron": "0 9 * * *", "cadence_time_zone": "UTC"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let path = format!("/api/v1/programs/{pid}/feedback-rounds");
    let coord = s.r.coord.clone();
    let rounds = |app: &TestApp| {
        let (app, path, coord) = (app, path.clone(), coord.clone());
        let resp = app
            .request(reqwest::Method::GET, &path, Some(&coord))
            .send();
        async move { expect_json(resp.await.unwrap(), StatusCode::OK).await }
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        rounds(&app).await["items"],
        json!([]),
        "no tick since the cycle began"
    );
    clock.advance(chrono::Duration::days(1));
    let mut listed = json!([]);
    for _ in 0..100 {
        listed = rounds(&app).await["items"].clone();
        if !listed.as_array().unwrap().is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let items = listed.as_array().unwrap();
    assert_eq!(items.len(), 1, "the tick opened one round");
    assert!(items[0].get("opened_by").is_none(), "opened by the cadence");
    assert_eq!(items[0]["invited"], 3);
    mailed_link(&dir, s.customers[0]["email"].as_str().unwrap(), 0).await;
    // Later rounds of the scheduler, the same tick: nothing more.
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(rounds(&app).await["items"].as_array().unwrap().len(), 1);
    let _ = std::fs::remove_dir_all(&dir);
}

async fn the_provider_rates_itself_beside_its_customers(backend: Backend) {
    let (app, dir) = app_with_mail(backend, cxpm_app::Clock::system(), false).await;
    let s = setup(&app).await;
    let pid = id(&s.r.program);
    // A program may show results from two respondents on (planning has two people).
    let program = expect_json(
        app.patch(
            &format!("/api/v1/programs/{pid}"),
            &s.r.coord,
            Some("\"1\""),
            &json!({"min_respondents": 2}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(program["min_respondents"], 2);
    let zero = app
        .patch(
            &format!("/api/v1/programs/{pid}"),
            &s.r.coord,
            Some("\"2\""),
            &json!({"min_respondents": 0}),
        )
        .await;
    assert_eq!(
        problem_fields(&expect_problem(zero, StatusCode::UNPROCESSABLE_ENTITY).await),
        ["min_respondents"]
    );
    let opened = expect_json(
        app.post(
            &format!("/api/v1/programs/{pid}/feedback-rounds"),
            &s.r.coord,
            &json!({"relationship_id": id(&s.r.relationship), "ask_provider": true}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let rid = id(&opened["items"][0]);
    assert_eq!(
        opened["items"][0]["invited"], 3,
        "customers only: the provider's people are not customers"
    );
    let kp = &s.points[0];
    // Customers say 5 and 6; the provider believes 9.
    for (who, experience) in [
        (&s.customers[0], 5.0),
        (&s.customers[1], 6.0),
        (&s.r.head, 9.0),
        (&s.r.owner, 9.0),
    ] {
        let token = app.token_for(&id(who)).await;
        expect_json(
            app.post(
                &format!("/api/v1/feedback-rounds/{rid}/answers"),
                &token,
                &json!({"ratings": [rating(kp, 4, 9.0, experience)]}),
            )
            .await,
            StatusCode::CREATED,
        )
        .await;
    }
    let (read, etag) = round_of(&app, &s.r.coord, &rid).await;
    let provider = read["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["respondent"] == "provider")
        .unwrap()
        .clone();
    assert_eq!(provider["experience"].as_f64(), Some(9.0));
    let closed = app
        .request(
            reqwest::Method::POST,
            &format!("/api/v1/feedback-rounds/{rid}/close"),
            Some(&s.r.coord),
        )
        .header("If-Match", &etag)
        .send()
        .await
        .unwrap();
    expect_json(closed, StatusCode::OK).await;
    let measured = expect_json(
        app.get(
            &format!("/api/v1/key-points/{}/measurements", id(kp)),
            &s.r.coord,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let m = &measured["items"][0];
    assert_eq!(
        (
            m["experience_score"].as_f64(),
            m["provider_rating"].as_f64(),
            m["sample_size"].as_i64()
        ),
        (Some(5.5), Some(9.0), Some(2)),
        "the customers' mean, the provider's own belief beside it"
    );
    let gaps = expect_json(
        app.get(&format!("/api/v1/programs/{pid}/reports/gaps"), &s.r.coord)
            .await,
        StatusCode::OK,
    )
    .await;
    let line = gaps["lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["id"] == id(kp).as_str())
        .unwrap()
        .clone();
    assert!(
        line["findings"]
            .as_array()
            .unwrap()
            .contains(&json!("blind_spot")),
        "the provider believes 9 where its customers say 5.5: {line}"
    );
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

on_both!(
    a_round_from_invitation_to_the_gap_report,
    mistakes_are_named_and_change_nothing,
    the_reminder_goes_once_and_the_deadline_closes,
    the_plans_cadence_opens_a_round_once_per_tick,
    the_provider_rates_itself_beside_its_customers,
);
