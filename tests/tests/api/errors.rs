//! Bad input gets a problem+json 4xx naming the field, never a 5xx, and writes nothing.

use cxpm_tests::{TestApp, both_databases, expect_json, expect_problem, problem_fields};
use reqwest::{Method, StatusCode};
use serde_json::json;

async fn raw_post(
    app: &TestApp,
    path: &str,
    content_type: &str,
    body: impl Into<reqwest::Body>,
) -> reqwest::Response {
    app.request(Method::POST, path, Some(&app.admin_token))
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap()
}

both_databases!(malformed_json_is_400, |app: TestApp| async move {
    let resp = raw_post(
        &app,
        "/api/v1/departments",
        "application/json",
        "{\"name\": ",
    )
    .await;
    assert_eq!(
        problem_fields(&expect_problem(resp, StatusCode::BAD_REQUEST).await),
        ["body"]
    );
    let resp = raw_post(&app, "/api/v1/departments", "application/json", "").await;
    expect_problem(resp, StatusCode::BAD_REQUEST).await;
});

both_databases!(
    wrong_types_missing_fields_and_unknown_enum_values_are_422_naming_the_field,
    |app: TestApp| async move {
        let cases = [
            (json!({"name": false, "code": "X"}), "name"),
            (json!({"name": "X", "code": 123}), "code"),
            (json!({"name": "X"}), "code"),
            (json!({"name": "   ", "code": "X"}), "name"),
            (json!({"name": "X", "code": "计划"}), "code"),
            (json!({"name": "X", "code": "X", "colour": "red"}), "colour"),
        ];
        for (body, field) in cases {
            let resp = app
                .post("/api/v1/departments", &app.admin_token, &body)
                .await;
            let problem = expect_problem(resp, StatusCode::UNPROCESSABLE_ENTITY).await;
            assert_eq!(problem_fields(&problem), [field], "{body}");
        }
        let resp = app
            .post(
                "/api/v1/people",
                &app.admin_token,
                &json!({"name": "A", "email": "a@example.com", "role": "owner"}),
            )
            .await;
        assert_eq!(
            problem_fields(&expect_problem(resp, StatusCode::UNPROCESSABLE_ENTITY).await),
            ["role"]
        );
        let resp = app
            .post(
                "/api/v1/people",
                &app.admin_token,
                &json!({"name": "A", "email": "nope", "role": "member"}),
            )
            .await;
        assert_eq!(
            problem_fields(&expect_problem(resp, StatusCode::UNPROCESSABLE_ENTITY).await),
            ["email"]
        );
        let resp = app
            .post(
                "/api/v1/people",
                &app.admin_token,
                &json!({"name": "A", "email": "a@example.com", "role": "member", "locale": "fr"}),
            )
            .await;
        assert_eq!(
            problem_fields(&expect_problem(resp, StatusCode::UNPROCESSABLE_ENTITY).await),
            ["locale"]
        );

        let departments = expect_json(
            app.get("/api/v1/departments", &app.admin_token).await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(departments["items"].as_array().unwrap().len(), 0);
        let people = expect_json(
            app.get("/api/v1/people", &app.admin_token).await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(people["items"].as_array().unwrap().len(), 1);
    }
);

both_databases!(
    an_oversized_body_is_413_with_or_without_a_length,
    |app: TestApp| async move {
        let huge = format!(
            "{{\"name\": \"{}\", \"code\": \"BIG\"}}",
            "x".repeat(3 * 1024 * 1024)
        );
        let resp = raw_post(
            &app,
            "/api/v1/departments",
            "application/json",
            huge.clone(),
        )
        .await;
        expect_problem(resp, StatusCode::PAYLOAD_TOO_LARGE).await;
        let chunks: Vec<Result<Vec<u8>, std::io::Error>> = huge
            .into_bytes()
            .chunks(64 * 1024)
            .map(|c| Ok(c.to_vec()))
            .collect();
        let stream = reqwest::Body::wrap_stream(futures_util::stream::iter(chunks));
        let resp = raw_post(&app, "/api/v1/departments", "application/json", stream).await;
        expect_problem(resp, StatusCode::PAYLOAD_TOO_LARGE).await;
    }
);

both_databases!(
    bad_pagination_is_400_naming_the_parameter,
    |app: TestApp| async move {
        for (query, field) in [
            ("limit=0", "limit"),
            ("limit=201", "limit"),
            ("limit=abc", "limit"),
            ("cursor=xyz", "cursor"),
        ] {
            let resp = app
                .get(&format!("/api/v1/people?{query}"), &app.admin_token)
                .await;
            assert_eq!(
                problem_fields(&expect_problem(resp, StatusCode::BAD_REQUEST).await),
                [field],
                "{query}"
            );
        }
    }
);

both_databases!(
    unknown_routes_wrong_media_types_and_unknown_ids_are_problems,
    |app: TestApp| async move {
        expect_problem(
            app.get("/api/v1/nothing-here", &app.admin_token).await,
            StatusCode::NOT_FOUND,
        )
        .await;
        expect_problem(
            app.get("/api/v1/people/not-an-id", &app.admin_token).await,
            StatusCode::NOT_FOUND,
        )
        .await;
        expect_problem(
            app.get(
                "/api/v1/people/01939a7e-0000-7000-8000-000000000000",
                &app.admin_token,
            )
            .await,
            StatusCode::NOT_FOUND,
        )
        .await;
        let resp = raw_post(&app, "/api/v1/departments", "text/plain", "name=x").await;
        expect_problem(resp, StatusCode::UNSUPPORTED_MEDIA_TYPE).await;
    }
);

both_databases!(
    a_wrong_method_is_405_naming_the_allowed_ones,
    |app: TestApp| async move {
        let resp = app
            .request(Method::PUT, "/api/v1/people", Some(&app.admin_token))
            .send()
            .await
            .unwrap();
        let allow = resp
            .headers()
            .get("allow")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        expect_problem(resp, StatusCode::METHOD_NOT_ALLOWED).await;
        for method in ["GET", "POST"] {
            assert!(allow.contains(method), "Allow: {allow}");
        }
        let resp = app
            .request(
                Method::TRACE,
                "/api/v1/people/01939a7e-0000-7000-8000-000000000000",
                Some(&app.admin_token),
            )
            .send()
            .await
            .unwrap();
        assert!(resp.headers()["allow"].to_str().unwrap().contains("PATCH"));
    }
);

both_databases!(
    a_nul_or_control_character_in_a_search_or_free_text_is_a_clear_4xx,
    |app: TestApp| async move {
        // PostgreSQL cannot store or compare a NUL in text: it must never reach it.
        for list in ["people", "departments", "programs"] {
            let resp = app
                .get(&format!("/api/v1/{list}?q=ab%00c"), &app.admin_token)
                .await;
            assert_eq!(
                problem_fields(&expect_problem(resp, StatusCode::BAD_REQUEST).await),
                ["q"],
                "{list}"
            );
        }
        let program = expect_json(
            app.post(
                "/api/v1/programs",
                &app.admin_token,
                &json!({"name": "CX", "description": "ok\u{0}not"}),
            )
            .await,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        assert_eq!(problem_fields(&program), ["description"]);
        // Line breaks and tabs in free text are fine.
        expect_json(
            app.post(
                "/api/v1/programs",
                &app.admin_token,
                &json!({"name": "CX", "description": "line one\n\tline two"}),
            )
            .await,
            StatusCode::CREATED,
        )
        .await;
    }
);
