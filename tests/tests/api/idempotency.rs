//! Idempotent POSTs (issue 20, item 2): a retry with the same `Idempotency-Key` and
//! body gets the first answer (status, body, `Location`), never a second row — also
//! when the connection died after the server committed, and when the first is still
//! running (409 meanwhile); the same key with another body is a 422; keys are each
//! person's. Both databases.

use std::time::Duration;

use cxpm_tests::{TestApp, both_databases, expect_json, expect_problem, problem_fields};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tokio::io::AsyncWriteExt;

async fn post_with_key(app: &TestApp, token: &str, key: &str, body: &Value) -> reqwest::Response {
    app.request(Method::POST, "/api/v1/departments", Some(token))
        .header("Idempotency-Key", key)
        .json(body)
        .send()
        .await
        .unwrap()
}

async fn departments_coded(app: &TestApp, code: &str) -> usize {
    let list = expect_json(
        app.get("/api/v1/departments?limit=200", &app.admin_token)
            .await,
        StatusCode::OK,
    )
    .await;
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"] == code)
        .count()
}

both_databases!(
    a_retried_post_gets_the_first_answer,
    |app: TestApp| async move {
        let body = json!({"name": "Logistics", "code": "LOG"});
        let first = post_with_key(&app, &app.admin_token, "3f1c9a6e-retry-1", &body).await;
        assert_eq!(first.status(), StatusCode::CREATED);
        let location = first.headers()["location"].to_str().unwrap().to_owned();
        let etag = first.headers()["etag"].to_str().unwrap().to_owned();
        let first: Value = first.json().await.unwrap();
        assert_eq!(
            location,
            format!("/api/v1/departments/{}", first["id"].as_str().unwrap())
        );

        let again = post_with_key(&app, &app.admin_token, "3f1c9a6e-retry-1", &body).await;
        assert_eq!(again.status(), StatusCode::CREATED);
        assert_eq!(again.headers()["location"].to_str().unwrap(), location);
        assert_eq!(again.headers()["etag"].to_str().unwrap(), etag);
        assert_eq!(again.headers()["idempotent-replayed"], "true");
        let again: Value = again.json().await.unwrap();
        assert_eq!(again, first);
        assert_eq!(
            departments_coded(&app, "LOG").await,
            1,
            "never a second row"
        );

        // The same key for another request is a mistake, named.
        let other = post_with_key(
            &app,
            &app.admin_token,
            "3f1c9a6e-retry-1",
            &json!({"name": "Sales", "code": "SAL"}),
        )
        .await;
        let problem = expect_problem(other, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!(problem_fields(&problem), ["Idempotency-Key"]);
        assert_eq!(departments_coded(&app, "SAL").await, 0);

        // A refusal is kept too: the retry gets the same 409, not a new attempt.
        let dup = post_with_key(
            &app,
            &app.admin_token,
            "dup-1",
            &json!({"name": "Logistics 2", "code": "LOG"}),
        )
        .await;
        assert_eq!(dup.status(), StatusCode::CONFLICT);
        let dup_again = post_with_key(
            &app,
            &app.admin_token,
            "dup-1",
            &json!({"name": "Logistics 2", "code": "LOG"}),
        )
        .await;
        assert_eq!(dup_again.status(), StatusCode::CONFLICT);
        assert_eq!(dup_again.headers()["idempotent-replayed"], "true");

        // Keys are each person's: another person's same key is a request of its own.
        let (_, coord) = app.someone("admin", None).await;
        let theirs = post_with_key(
            &app,
            &coord,
            "3f1c9a6e-retry-1",
            &json!({"name": "Quality", "code": "QA"}),
        )
        .await;
        assert_eq!(theirs.status(), StatusCode::CREATED);

        // A bad key is named.
        let bad = post_with_key(&app, &app.admin_token, "", &body).await;
        let problem = expect_problem(bad, StatusCode::BAD_REQUEST).await;
        assert_eq!(problem_fields(&problem), ["Idempotency-Key"]);
    }
);

both_databases!(
    a_post_whose_answer_was_lost_is_retried_without_a_second_row,
    |app: TestApp| async move {
        // The client sends the request and hangs up without reading the answer.
        let addr = app.base.trim_start_matches("http://").to_owned();
        let body = json!({"name": "Planning", "code": "PLAN"}).to_string();
        let request = format!(
            "POST /api/v1/departments HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {}\r\nIdempotency-Key: lost-answer-1\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            app.admin_token,
            body.len()
        );
        let mut stream = tokio::net::TcpStream::connect(&addr).await.unwrap();
        stream.write_all(request.as_bytes()).await.unwrap();
        stream.flush().await.unwrap();
        drop(stream);
        // Wait until the server committed it (or gave up on it).
        for _ in 0..50 {
            if departments_coded(&app, "PLAN").await == 1 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let mut statuses = Vec::new();
        let retry = loop {
            let r = app
                .request(Method::POST, "/api/v1/departments", Some(&app.admin_token))
                .header("Idempotency-Key", "lost-answer-1")
                .header("content-type", "application/json")
                .body(body.clone())
                .send()
                .await
                .unwrap();
            statuses.push(r.status());
            // 409: the first is still being answered; a client waits and retries.
            if r.status() != StatusCode::CONFLICT || statuses.len() > 50 {
                break r;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        assert_eq!(retry.status(), StatusCode::CREATED, "{statuses:?}");
        assert_eq!(
            departments_coded(&app, "PLAN").await,
            1,
            "never a second row"
        );

        // Two at once with one key: one row; the other waits (409) or gets the answer.
        let send = |n: u32| {
            let app = &app;
            async move {
                let r = post_with_key(
                    app,
                    &app.admin_token,
                    "together-1",
                    &json!({"name": "Service", "code": "SVC"}),
                )
                .await;
                (n, r.status())
            }
        };
        let (a, b) = tokio::join!(send(1), send(2));
        for (_, s) in [a, b] {
            assert!(s == StatusCode::CREATED || s == StatusCode::CONFLICT, "{s}");
        }
        assert_eq!(departments_coded(&app, "SVC").await, 1);
    }
);
