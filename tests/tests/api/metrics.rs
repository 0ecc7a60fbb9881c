//! Operational metrics and readings, pushed once however often they are retried.

use cxpm_tests::{TestApp, both_databases, expect_json, expect_problem, problem_fields};
use reqwest::StatusCode;
use serde_json::{Value, json};

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_owned()
}

async fn program_with_stage(app: &TestApp, token: &str) -> (String, String) {
    let program = expect_json(
        app.post("/api/v1/programs", token, &json!({"name": "Metrics"}))
            .await,
        StatusCode::CREATED,
    )
    .await;
    let stage = expect_json(
        app.post(
            &format!("/api/v1/programs/{}/stages", id(&program)),
            token,
            &json!({"name": "服务保养 Service", "customer_facing": true}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    (id(&program), id(&stage))
}

both_databases!(
    a_retried_push_counts_once_and_an_unfed_metric_is_stale,
    |app: TestApp| async move {
        let (_, coord) = app.someone("coordinator", None).await;
        let (pid, stage) = program_with_stage(&app, &coord).await;
        let templates = expect_json(
            app.get("/api/v1/metric-templates", &coord).await,
            StatusCode::OK,
        )
        .await;
        let response_time = templates["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["key"] == "response_time")
            .unwrap()
            .clone();
        assert_eq!(
            (
                response_time["direction"].as_str(),
                response_time["target"].as_f64()
            ),
            (Some("lower_is_better"), Some(4.0))
        );

        let metric = expect_json(
        app.post(
            &format!("/api/v1/programs/{pid}/metrics"),
            &coord,
            &json!({"stage_id": stage, "name": "响应时间 Response time", "unit": "hours", "direction": "lower_is_better", "target": 4, "source": "service desk", "update_every_days": 7}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
        let listed = expect_json(
            app.get(&format!("/api/v1/programs/{pid}/metrics"), &coord)
                .await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(
            listed["items"][0]["stale"], false,
            "a new metric is not stale yet"
        );

        let push = json!({"period_start": "2026-11-01", "period_end": "2026-11-30", "value": 5.5, "sample_size": 120, "external_id": "SD-2026-11"});
        let path = format!("/api/v1/metrics/{}/readings", id(&metric));
        let first = expect_json(app.post(&path, &coord, &push).await, StatusCode::CREATED).await;
        let again = expect_json(app.post(&path, &coord, &push).await, StatusCode::OK).await;
        assert_eq!(again["id"], first["id"]);
        // Concurrent retries of another push still land once.
        let push2 = json!({"period_start": "2026-12-01", "period_end": "2026-12-31", "value": 4.5, "external_id": "SD-2026-12"});
        let tries =
            futures_util::future::join_all((0..4).map(|_| app.post(&path, &coord, &push2))).await;
        assert!(
            tries.iter().all(|r| r.status().is_success()),
            "{:?}",
            tries.iter().map(|r| r.status()).collect::<Vec<_>>()
        );
        let readings = expect_json(app.get(&path, &coord).await, StatusCode::OK).await;
        assert_eq!(readings["items"].as_array().unwrap().len(), 2);
        assert_eq!(readings["items"][0]["external_id"], "SD-2026-12");

        let listed = expect_json(
            app.get(&format!("/api/v1/programs/{pid}/metrics"), &coord)
                .await,
            StatusCode::OK,
        )
        .await;
        assert!(listed["items"][0]["last_reading_at"].is_string());
    }
);

both_databases!(
    metric_rules_refuse_and_write_nothing,
    |app: TestApp| async move {
        let (_, coord) = app.someone("coordinator", None).await;
        let (pid, stage) = program_with_stage(&app, &coord).await;
        let (other_pid, other_stage) = program_with_stage(&app, &coord).await;
        let _ = other_pid;
        let base = json!({"stage_id": stage, "name": "On-time delivery", "unit": "%", "direction": "higher_is_better", "target": 95});
        let cases = [
            ("direction", json!("sideways")),
            ("target", json!("high")),
            ("update_every_days", json!(0)),
            ("stage_id", json!(other_stage)),
        ];
        for (field, value) in cases {
            let mut body = base.clone();
            body[field] = value;
            let problem = expect_problem(
                app.post(&format!("/api/v1/programs/{pid}/metrics"), &coord, &body)
                    .await,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
            assert_eq!(problem_fields(&problem), [field], "{body}");
        }
        let (_, head) = app.someone("department_head", None).await;
        expect_problem(
            app.post(&format!("/api/v1/programs/{pid}/metrics"), &head, &base)
                .await,
            StatusCode::FORBIDDEN,
        )
        .await;
        let listed = expect_json(
            app.get(&format!("/api/v1/programs/{pid}/metrics"), &coord)
                .await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(listed["items"].as_array().unwrap().len(), 0);

        let metric = expect_json(
            app.post(&format!("/api/v1/programs/{pid}/metrics"), &coord, &base)
                .await,
            StatusCode::CREATED,
        )
        .await;
        let path = format!("/api/v1/metrics/{}/readings", id(&metric));
        let resp = app
            .post(
                &path,
                &head,
                &json!({"period_start": "2026-11-30", "period_end": "2026-11-01", "value": 90}),
            )
            .await;
        assert_eq!(
            problem_fields(&expect_problem(resp, StatusCode::UNPROCESSABLE_ENTITY).await),
            ["period_end"]
        );
        // Heads feed their numbers; executives only read.
        expect_json(
            app.post(
                &path,
                &head,
                &json!({"period_start": "2026-11-01", "period_end": "2026-11-30", "value": 90}),
            )
            .await,
            StatusCode::CREATED,
        )
        .await;
        let (_, exec) = app.someone("executive", None).await;
        expect_problem(
            app.post(
                &path,
                &exec,
                &json!({"period_start": "2026-11-01", "period_end": "2026-11-30", "value": 91}),
            )
            .await,
            StatusCode::FORBIDDEN,
        )
        .await;
        assert_eq!(
            expect_json(app.get(&path, &exec).await, StatusCode::OK).await["items"]
                .as_array()
                .unwrap()
                .len(),
            1
        );
    }
);

/// Time moves on the server's clock (no waiting): a metric nobody feeds turns stale
/// once its update period has passed, and fresh again with a reading.
async fn unfed_metric_turns_stale_as_time_passes(backend: cxpm_tests::Backend) {
    let clock = cxpm_app::Clock::system();
    let app = cxpm_tests::spawn_app_with(backend, |s| s.clock = clock.clone()).await;
    let (_, coord) = app.someone("coordinator", None).await;
    let (pid, stage) = program_with_stage(&app, &coord).await;
    let metric = expect_json(
        app.post(
            &format!("/api/v1/programs/{pid}/metrics"),
            &coord,
            &json!({"stage_id": stage, "name": "On-time delivery", "unit": "%", "direction": "higher_is_better", "target": 95, "update_every_days": 7}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let stale = || async {
        expect_json(
            app.get(&format!("/api/v1/programs/{pid}/metrics"), &coord)
                .await,
            StatusCode::OK,
        )
        .await["items"][0]["stale"]
            .as_bool()
            .unwrap()
    };
    clock.advance(chrono::Duration::days(6));
    assert!(!stale().await, "within its week");
    clock.advance(chrono::Duration::days(2));
    assert!(stale().await, "eight days without a reading");
    expect_json(
        app.post(
            &format!("/api/v1/metrics/{}/readings", id(&metric)),
            &coord,
            &json!({"period_start": "2026-11-01", "period_end": "2026-11-30", "value": 93}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert!(!stale().await, "fed again");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unfed_metric_turns_stale_as_the_clock_moves_sqlite() {
    unfed_metric_turns_stale_as_time_passes(cxpm_tests::Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unfed_metric_turns_stale_as_the_clock_moves_postgres() {
    unfed_metric_turns_stale_as_time_passes(cxpm_tests::Backend::Postgres).await;
}
