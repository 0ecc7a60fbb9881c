//! What every answer carries for browsers, CORS off unless configured, and the brake
//! on clients that keep presenting bad tokens, and no token in the log.

use cxpm_tests::{ServerProcess, TestApp, both_databases, expect_json, expect_problem};
use reqwest::{Method, StatusCode};

fn header<'a>(resp: &'a reqwest::Response, name: &str) -> Option<&'a str> {
    resp.headers().get(name).and_then(|v| v.to_str().ok())
}

both_databases!(
    every_answer_carries_the_security_headers,
    |app: TestApp| async move {
        let api = app.get("/api/v1/programs", &app.admin_token).await;
        assert_eq!(api.status(), StatusCode::OK);
        assert_eq!(header(&api, "x-content-type-options"), Some("nosniff"));
        assert_eq!(header(&api, "x-frame-options"), Some("DENY"));
        assert_eq!(header(&api, "referrer-policy"), Some("no-referrer"));
        assert_eq!(header(&api, "cache-control"), Some("no-store"));
        let csp = header(&api, "content-security-policy").unwrap_or_default();
        assert!(
            csp.starts_with("default-src 'none'") && csp.contains("frame-ancestors 'none'"),
            "{csp}"
        );
        // Errors too, and Swagger UI keeps its scripts but may not be framed.
        let missing = app.get("/api/v1/nothing-here", &app.admin_token).await;
        assert_eq!(missing.status(), StatusCode::NOT_FOUND);
        assert_eq!(header(&missing, "x-content-type-options"), Some("nosniff"));
        let docs = app
            .request(Method::GET, "/docs", None)
            .send()
            .await
            .unwrap();
        assert_eq!(docs.status(), StatusCode::OK);
        assert_eq!(
            header(&docs, "content-security-policy"),
            Some("frame-ancestors 'none'")
        );
    }
);

/// A browser's preflight from `origin`.
async fn preflight(app: &TestApp, origin: &str) -> reqwest::Response {
    app.request(Method::OPTIONS, "/api/v1/programs", None)
        .header("origin", origin)
        .header("access-control-request-method", "GET")
        .header("access-control-request-headers", "authorization")
        .send()
        .await
        .unwrap()
}

both_databases!(
    cross_origin_calls_are_refused_unless_configured,
    |app: TestApp| async move {
        let resp = preflight(&app, "https://cx.example.com").await;
        assert!(!resp.status().is_server_error());
        assert_eq!(header(&resp, "access-control-allow-origin"), None);
        let resp = app
            .request(Method::GET, "/api/v1/programs", Some(&app.admin_token))
            .header("origin", "https://cx.example.com")
            .send()
            .await
            .unwrap();
        assert_eq!(header(&resp, "access-control-allow-origin"), None);
    }
);

both_databases!(
    configured_origins_may_call_and_others_may_not,
    with = |s| s.cors_origins = vec!["https://cx.example.com".to_owned()],
    |app: TestApp| async move {
        let resp = preflight(&app, "https://cx.example.com").await;
        assert!(resp.status().is_success(), "{}", resp.status());
        assert_eq!(
            header(&resp, "access-control-allow-origin"),
            Some("https://cx.example.com")
        );
        let methods = header(&resp, "access-control-allow-methods").unwrap_or_default();
        assert!(methods.contains("PATCH"), "{methods}");
        let other = preflight(&app, "https://elsewhere.example").await;
        assert!(!other.status().is_server_error());
        assert_eq!(header(&other, "access-control-allow-origin"), None);
    }
);

both_databases!(
    a_client_that_keeps_failing_to_authenticate_is_held_back,
    with = |s| s.auth_failures_per_minute = 5,
    |app: TestApp| async move {
        let wrong = "cxpm_0000000000000000000000000000000000000000000000000000000000000000";
        for _ in 0..5 {
            expect_problem(
                app.get("/api/v1/programs", wrong).await,
                StatusCode::UNAUTHORIZED,
            )
            .await;
        }
        // From now until the minute is over, this address is refused without its
        // token being looked at — a good one included.
        for token in [wrong, app.admin_token.as_str()] {
            let resp = app.get("/api/v1/programs", token).await;
            let wait: u64 = header(&resp, "retry-after")
                .and_then(|v| v.parse().ok())
                .unwrap_or_default();
            assert!((1..=60).contains(&wait), "Retry-After {wait}");
            let problem = expect_problem(resp, StatusCode::TOO_MANY_REQUESTS).await;
            assert!(
                problem["detail"]
                    .as_str()
                    .unwrap()
                    .contains("too many failed authentications")
            );
        }
        // Operations that need no token still answer.
        let health = app
            .request(Method::GET, "/healthz", None)
            .send()
            .await
            .unwrap();
        assert_eq!(health.status(), StatusCode::OK);
        // A missing token is not a failed attempt: it is a 401 that counts nothing.
        let metrics = app
            .request(Method::GET, "/metrics", None)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(metrics.contains("cxpm_auth_failures_total 5"), "{metrics}");
        assert!(metrics.contains("cxpm_auth_refused_total 2"), "{metrics}");
    }
);

both_databases!(
    the_default_limit_leaves_ordinary_use_alone,
    |app: TestApp| async move {
        // A handful of mistakes (a stale token pasted twice) changes nothing.
        let wrong = "cxpm_1111111111111111111111111111111111111111111111111111111111111111";
        for _ in 0..3 {
            expect_problem(
                app.get("/api/v1/programs", wrong).await,
                StatusCode::UNAUTHORIZED,
            )
            .await;
        }
        expect_json(
            app.get("/api/v1/programs", &app.admin_token).await,
            StatusCode::OK,
        )
        .await;
    }
);

both_databases!(tokens_never_reach_the_log, |app: TestApp| async move {
    // `cxpm serve` as a process of its own on the same database, logging everything
    // it logs at debug level, as JSON, to a file.
    let log_path =
        std::env::temp_dir().join(format!("cxpm-log-{}.json", uuid::Uuid::now_v7().simple()));
    let mut server = ServerProcess::start_logging(
        env!("CARGO_BIN_EXE_cxpm-process"),
        &app.database_url,
        &[
            ("CXPM_NO_SCHEDULER", "true"),
            ("CXPM_DISPATCH_EVERY_MS", "0"),
            ("CXPM_LOG", "debug"),
            ("CXPM_LOG_FORMAT", "json"),
        ],
        Some(std::fs::File::create(&log_path).unwrap()),
    )
    .await;
    let base = server.base.clone();
    let http = reqwest::Client::new();

    // A token issued through it, used, used wrongly, and sent malformed.
    let me = expect_json(
        http.get(format!("{base}/api/v1/me"))
            .bearer_auth(&app.admin_token)
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await;
    let issued = expect_json(
        http.post(format!(
            "{base}/api/v1/people/{}/tokens",
            me["id"].as_str().unwrap()
        ))
        .bearer_auth(&app.admin_token)
        .json(&serde_json::json!({"label": "laptop"}))
        .send()
        .await
        .unwrap(),
        StatusCode::CREATED,
    )
    .await;
    let secret = issued["token"].as_str().unwrap().to_owned();
    let wrong = format!("cxpm_{}", "ab".repeat(32));
    let malformed = "cxpm_not-a-token-but-secret-all-the-same";
    for token in [secret.as_str(), wrong.as_str(), malformed] {
        http.get(format!("{base}/api/v1/programs"))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
    }
    server.kill().await;

    let log = std::fs::read_to_string(&log_path).unwrap();
    std::fs::remove_file(&log_path).ok();
    assert!(
        log.contains("/api/v1/programs"),
        "requests are logged: {log}"
    );
    for token in [app.admin_token.as_str(), &secret, &wrong, malformed] {
        assert!(!log.contains(token), "a token in the log: {token}");
        // Nor its hex part alone, nor the stored hash of it.
        let hex = token.trim_start_matches("cxpm_");
        assert!(!log.contains(hex), "a token's secret part in the log");
        assert!(
            !log.contains(&cxpm_api::auth::hash_token(token)),
            "a token's hash in the log"
        );
    }
});
