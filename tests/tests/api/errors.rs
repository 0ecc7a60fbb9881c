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

/// The smallest value `schema` takes: its required fields only, each the least it
/// may be (the spec's patterns are the domain's email, code and crontab rules).
fn least(spec: &serde_json::Value, schema: &serde_json::Value, field: &str) -> serde_json::Value {
    use serde_json::Value;
    if let Some(name) = schema["$ref"].as_str() {
        let name = name.trim_start_matches("#/components/schemas/");
        return least(spec, &spec["components"]["schemas"][name], field);
    }
    if let Some(first) = schema["allOf"].get(0) {
        return least(spec, first, field);
    }
    if let Some(first) = schema["enum"].get(0) {
        return first.clone();
    }
    let number = || {
        let low = schema["minimum"].as_f64().unwrap_or(1.0);
        schema["maximum"].as_f64().map_or(low, |high| low.min(high))
    };
    match schema["type"].as_str() {
        Some("object") => {
            let mut o = serde_json::Map::new();
            for name in schema["required"].as_array().into_iter().flatten() {
                let name = name.as_str().unwrap();
                o.insert(
                    name.to_owned(),
                    least(spec, &schema["properties"][name], name),
                );
            }
            Value::Object(o)
        }
        Some("array") => match schema["minItems"].as_u64() {
            Some(n) if n > 0 => {
                Value::Array(vec![least(spec, &schema["items"], field); n as usize])
            }
            _ => json!([]),
        },
        Some("integer") => json!(number() as i64),
        Some("number") => json!(number()),
        Some("boolean") => json!(false),
        Some("string") => match (schema["format"].as_str(), field) {
            (Some("uuid"), _) => json!(uuid::Uuid::new_v4().to_string()),
            (Some("date" | "naive-date"), _) => json!("2031-01-15"),
            (Some("date-time"), _) => json!("2031-01-15T09:00:00Z"),
            (_, "email") => json!("someone@plant.example"),
            (_, "code") => json!("AB"),
            (_, "cron" | "cadence_cron") => json!("0 9 * * 1"),
            (_, "url") => json!("https://hooks.example.com/cxpm"),
            _ => json!("x".repeat(schema["minLength"].as_u64().unwrap_or(1) as usize)),
        },
        other => panic!("`{field}`: no least value for a schema of type {other:?}"),
    }
}

both_databases!(
    every_request_body_refuses_unknown_fields_and_takes_null_for_optional_ones,
    |app: TestApp| async move {
        // The spec says both of every JSON request body (`additionalProperties: false`,
        // optional properties `nullable`); the server holds to both. Each body is the
        // least its schema takes, every optional field `null`, and one field the schema
        // does not define: the answer must be a 422 naming that field alone — any
        // `null` refused would be named first.
        let spec: serde_json::Value = serde_json::from_str(&cxpm_api::http::spec_json()).unwrap();
        let mut bodies = 0;
        for (path, item) in spec["paths"].as_object().unwrap() {
            for (method, op) in item.as_object().unwrap() {
                let Some(media) = op["requestBody"]["content"]
                    .as_object()
                    .and_then(|c| c.iter().find(|(m, _)| m.starts_with("application/json")))
                    .map(|(_, media)| media)
                else {
                    continue;
                };
                let mut schema = &media["schema"];
                if let Some(name) = schema["$ref"].as_str() {
                    schema = &spec["components"]["schemas"]
                        [name.trim_start_matches("#/components/schemas/")];
                }
                let name = format!("{method} {path}");
                assert_eq!(schema["additionalProperties"], false, "{name}");
                let mut body = least(&spec, schema, "body");
                let required = schema["required"].as_array().cloned().unwrap_or_default();
                for (field, property) in schema["properties"].as_object().unwrap() {
                    if !required.iter().any(|r| r == field) {
                        assert_eq!(property["nullable"], true, "{name}: {field}");
                        body[field] = serde_json::Value::Null;
                    }
                }
                body["zz_not_a_field"] = json!(true);
                let mut address = path.clone();
                for p in op["parameters"].as_array().into_iter().flatten() {
                    if p["in"] == "path" {
                        let id = uuid::Uuid::new_v4().to_string();
                        address =
                            address.replace(&format!("{{{}}}", p["name"].as_str().unwrap()), &id);
                    }
                }
                let resp = app
                    .request(
                        Method::from_bytes(method.to_uppercase().as_bytes()).unwrap(),
                        &address,
                        Some(&app.admin_token),
                    )
                    .header("if-match", "\"1\"")
                    .json(&body)
                    .send()
                    .await
                    .unwrap();
                let problem = expect_problem(resp, StatusCode::UNPROCESSABLE_ENTITY).await;
                assert_eq!(
                    problem_fields(&problem),
                    ["zz_not_a_field"],
                    "{name}: {body}"
                );
                bodies += 1;
            }
        }
        assert!(bodies >= 40, "{bodies} JSON request bodies");
        // Nothing was written.
        let departments = expect_json(
            app.get("/api/v1/departments", &app.admin_token).await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(departments["items"].as_array().unwrap().len(), 0);
    }
);

both_databases!(
    every_text_rule_the_spec_states_is_held_on_creation_and_change,
    |app: TestApp| async move {
        // The rules the spec gives a text (a pattern, a length counted as sent), held
        // by the server as stated — on a PATCH's clearable texts too — each a 422
        // naming the field, and nothing changed.
        let program = app.created("/api/v1/programs", json!({"name": "CX"})).await;
        let id = program["id"].as_str().unwrap().to_owned();
        let address = format!("/api/v1/programs/{id}");
        let change = async |body: serde_json::Value| {
            app.patch(&address, &app.admin_token, Some("\"1\""), &body)
                .await
        };
        let padded = format!(" {} ", "x".repeat(199));
        for (field, value) in [
            ("name", json!("\u{3000} \u{a0}")),
            ("name", json!("line\none")),
            ("name", json!(padded)),
            ("description", json!("x".repeat(4001))),
            ("description", json!("page\u{c}break")),
            ("business_line", json!("x".repeat(201))),
            ("business_line", json!("bell\u{7}")),
        ] {
            let body = json!({ field: value });
            let problem =
                expect_json(change(body.clone()).await, StatusCode::UNPROCESSABLE_ENTITY).await;
            assert_eq!(problem_fields(&problem), [field], "{body}");
            let problem = expect_json(
                app.post(
                    "/api/v1/programs",
                    &app.admin_token,
                    &json!({"name": "CX 2", field: value}),
                )
                .await,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
            assert_eq!(problem_fields(&problem), [field], "{body}");
        }
        // What the spec allows is taken: the longest texts, line breaks and tabs in
        // free text, any script.
        let body = json!({
            "name": format!("计划 {}", "x".repeat(197)),
            "description": format!("one\r\n\ttwo {}", "x".repeat(3990)),
            "business_line": "x".repeat(200),
        });
        let changed = expect_json(change(body).await, StatusCode::OK).await;
        assert_eq!(changed["version"], 2, "only the valid change was applied");
        // Numbers out of their stated range too.
        for (field, value) in [
            ("scale_max", json!(101)),
            ("minor_max", json!(0)),
            ("major_max", json!(10)),
        ] {
            let problem = expect_problem(
                app.post(
                    "/api/v1/programs",
                    &app.admin_token,
                    &json!({"name": "CX 3", field: value}),
                )
                .await,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
            assert_eq!(problem_fields(&problem), [field]);
        }
        // A chat's URL is absolute.
        let problem = expect_json(
            app.post(
                &format!("/api/v1/programs/{id}/channels"),
                &app.admin_token,
                &json!({"name": "QA", "kind": "slack", "url": "/services/T0/B0/x"}),
            )
            .await,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        assert_eq!(problem_fields(&problem), ["url"]);
    }
);
