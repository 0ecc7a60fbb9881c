//! Reports computed once per change: many readers of the same report share one
//! computation (counted at `/metrics`), and every kind of change — a measurement, a
//! department renamed (what every program reads), an action's update — is in the
//! very next report.

use cxpm_tests::{Remind, TestApp, both_databases, expect_json};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_owned()
}

/// `cxpm_report_answers_computed_total` and `…_shared_total` now.
async fn answers(app: &TestApp) -> (u64, u64) {
    let text = app
        .request(Method::GET, "/metrics", None)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let value = |name: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(name)?.trim().parse::<u64>().ok())
            .unwrap_or_else(|| panic!("{name} in {text}"))
    };
    (
        value("cxpm_report_answers_computed_total "),
        value("cxpm_report_answers_shared_total "),
    )
}

async fn measure(app: &TestApp, token: &str, point: &str, month: u32, experience: f64) {
    let body = json!({
        "period_start": format!("2026-{month:02}-01"), "period_end": format!("2026-{month:02}-28"),
        "expectation_score": 9.0, "experience_score": experience, "importance": 4,
        "sample_size": 10, "source": "survey"});
    expect_json(
        app.post(
            &format!("/api/v1/key-points/{point}/measurements"),
            token,
            &body,
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
}

async fn report(app: &TestApp, path: &str, token: &str) -> Value {
    expect_json(app.get(path, token).await, StatusCode::OK).await
}

both_databases!(
    readers_share_a_report_until_its_program_changes,
    |app: TestApp| async move {
        let r = app
            .action_to_remind(Remind {
                department: "Quality",
                program: "CX 2027",
                head: ("Helena Head", "en"),
                owner: ("Otto Owner", "en"),
                action: "Check every pallet before loading",
                due: "2099-01-15",
            })
            .await;
        let pid = id(&r.program);
        let point = expect_json(
            app.post(
                &format!("/api/v1/relationships/{}/key-points", id(&r.relationship)),
                &r.coord,
                &json!({"name": "On-time release"}),
            )
            .await,
            StatusCode::CREATED,
        )
        .await;
        measure(&app, &r.coord, &id(&point), 9, 7.0).await;
        let gaps = format!("/api/v1/programs/{pid}/reports/gaps");
        let first = report(&app, &gaps, &r.coord).await;
        assert_eq!(first["lines"][0]["actual"], 7.0);
        let (computed, shared) = answers(&app).await;

        // Sixteen readers at once: not one computation more.
        let readers = (0..16).map(|_| report(&app, &gaps, &r.coord));
        for answer in futures_util::future::join_all(readers).await {
            assert_eq!(answer, first);
        }
        assert_eq!(answers(&app).await, (computed, shared + 16));

        // A measurement: the very next report has it.
        measure(&app, &r.coord, &id(&point), 10, 8.0).await;
        let after = report(&app, &gaps, &r.coord).await;
        assert_eq!(after["lines"][0]["actual"], 8.0, "{after}");
        assert_eq!(answers(&app).await.0, computed + 1);

        // Another filter or format is another report; the same again is kept.
        let csv = format!("{gaps}?format=csv&min_severity=minor");
        let text = app.get(&csv, &r.coord).await.text().await.unwrap();
        assert!(text.contains("On-time release"), "{text}");
        assert_eq!(app.get(&csv, &r.coord).await.text().await.unwrap(), text);
        assert_eq!(answers(&app).await.0, computed + 2);

        // A department renamed (read by every program): in the very next report.
        let department = format!(
            "/api/v1/departments/{}",
            after["lines"][0]["department_id"].as_str().unwrap()
        );
        let resp = app.get(&department, &app.admin_token).await;
        let etag = resp.headers()["etag"].to_str().unwrap().to_owned();
        expect_json(
            app.patch(
                &department,
                &app.admin_token,
                Some(&etag),
                &json!({"name": "Quality assurance"}),
            )
            .await,
            StatusCode::OK,
        )
        .await;
        let renamed = report(&app, &gaps, &r.coord).await;
        assert_eq!(renamed["lines"][0]["department_name"], "Quality assurance");

        // An action's update (tied to its program through the action): the progress
        // report says so at once.
        let progress = format!("/api/v1/programs/{pid}/reports/progress");
        let before = report(&app, &progress, &r.coord).await;
        assert_eq!(before["plans"][0]["actions_done"], 0, "{before}");
        expect_json(
            app.post(
                &format!("/api/v1/actions/{}/updates", id(&r.action)),
                &r.coord,
                &json!({"status": "done", "progress": 100}),
            )
            .await,
            StatusCode::CREATED,
        )
        .await;
        let done = report(&app, &progress, &r.coord).await;
        assert_eq!(done["plans"][0]["actions_done"], 1, "{done}");
    }
);
