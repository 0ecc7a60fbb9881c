//! Prometheus metrics at `/metrics`: requests by route and status, latency, the
//! outbox's depth, scheduler ticks; open by default, behind a token when one is set.

use cxpm_tests::{TestApp, both_databases, expect_json, expect_problem};
use reqwest::{Method, StatusCode};

async fn scrape(app: &TestApp, token: Option<&str>) -> reqwest::Response {
    app.request(Method::GET, "/metrics", token)
        .send()
        .await
        .unwrap()
}

both_databases!(
    metrics_count_requests_by_operation_and_status,
    |app: TestApp| async move {
        for _ in 0..3 {
            expect_json(
                app.get("/api/v1/programs", &app.admin_token).await,
                StatusCode::OK,
            )
            .await;
        }
        expect_problem(
            app.get("/api/v1/programs/not-an-id", &app.admin_token)
                .await,
            StatusCode::NOT_FOUND,
        )
        .await;
        expect_problem(
            app.get("/api/v1/no/such/route", &app.admin_token).await,
            StatusCode::NOT_FOUND,
        )
        .await;
        let resp = scrape(&app, None).await;
        assert_eq!(resp.status(), StatusCode::OK);
        let kind = resp.headers()["content-type"].to_str().unwrap().to_owned();
        assert!(kind.starts_with("application/openmetrics-text"), "{kind}");
        let text = resp.text().await.unwrap();
        for line in [
            r#"cxpm_http_requests_total{method="GET",route="list_programs",status="200"} 3"#,
            r#"cxpm_http_requests_total{method="GET",route="get_program",status="404"} 1"#,
            r#"cxpm_http_requests_total{method="GET",route="unmatched",status="404"} 1"#,
            r#"cxpm_http_request_duration_seconds_count{method="GET",route="list_programs"} 3"#,
            r#"cxpm_outbox_mails{status="pending"} 0"#,
            "cxpm_scheduler_ticks_total 0",
            "# EOF",
        ] {
            assert!(text.contains(line), "missing `{line}` in\n{text}");
        }
        let bucket = r#"cxpm_http_request_duration_seconds_bucket{le="+Inf",method="GET",route="list_programs"} 3"#;
        assert!(text.contains(bucket), "{text}");
        // Ids never become labels.
        assert!(!text.contains("not-an-id"));
    }
);

both_databases!(
    a_metrics_token_closes_metrics_to_others,
    with = |s| s.metrics_token = Some("scrape-secret-0123456789".to_owned()),
    |app: TestApp| async move {
        expect_problem(scrape(&app, None).await, StatusCode::UNAUTHORIZED).await;
        expect_problem(
            scrape(&app, Some("scrape-secret")).await,
            StatusCode::UNAUTHORIZED,
        )
        .await;
        // An API token is not the metrics token.
        expect_problem(
            scrape(&app, Some(&app.admin_token)).await,
            StatusCode::UNAUTHORIZED,
        )
        .await;
        let resp = scrape(&app, Some("scrape-secret-0123456789")).await;
        assert_eq!(resp.status(), StatusCode::OK);
        assert!(
            resp.text()
                .await
                .unwrap()
                .contains("cxpm_http_requests_total")
        );
    }
);
