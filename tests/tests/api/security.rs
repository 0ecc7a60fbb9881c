//! What every answer carries for browsers, CORS off unless configured, and the brake
//! on clients that keep presenting bad tokens.

use cxpm_tests::{TestApp, both_databases, expect_json, expect_problem};
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
