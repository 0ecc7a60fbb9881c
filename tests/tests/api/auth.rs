use cxpm_tests::{TestApp, both_databases, expect_json, expect_problem};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

both_databases!(
    a_request_without_a_token_is_401_problem_json,
    |app: TestApp| async move {
        let resp = app
            .request(Method::GET, "/api/v1/people", None)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.headers()["www-authenticate"], "Bearer");
        expect_problem(resp, StatusCode::UNAUTHORIZED).await;
    }
);

both_databases!(an_unknown_token_is_401, |app: TestApp| async move {
    let resp = app
        .get(
            "/api/v1/people",
            "cxpm_0000000000000000000000000000000000000000000000000000000000000000",
        )
        .await;
    expect_problem(resp, StatusCode::UNAUTHORIZED).await;
});

both_databases!(
    an_executive_may_read_but_every_write_is_403_and_changes_nothing,
    |app: TestApp| async move {
        let (exec, token) = app.someone("executive", None).await;
        let audit_before = app.audit_count().await;

        let resp = app.get("/api/v1/people", &token).await;
        expect_json(resp, StatusCode::OK).await;

        let resp = app
            .post(
                "/api/v1/departments",
                &token,
                &json!({"name": "Sales", "code": "SALES"}),
            )
            .await;
        expect_problem(resp, StatusCode::FORBIDDEN).await;
        let resp = app
            .post(
                "/api/v1/people",
                &token,
                &json!({"name": "X", "email": "x@example.com", "role": "member"}),
            )
            .await;
        expect_problem(resp, StatusCode::FORBIDDEN).await;
        let resp = app
            .patch(
                &format!("/api/v1/people/{}", exec["id"].as_str().unwrap()),
                &token,
                Some("\"1\""),
                &json!({"role": "admin"}),
            )
            .await;
        expect_problem(resp, StatusCode::FORBIDDEN).await;

        assert_eq!(app.audit_count().await, audit_before);
        let departments = expect_json(
            app.get("/api/v1/departments", &app.admin_token).await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(departments["items"].as_array().unwrap().len(), 0);
    }
);

both_databases!(
    a_token_is_shown_once_listed_without_its_secret_and_revocable_by_its_owner,
    |app: TestApp| async move {
        let (member, token) = app.someone("member", None).await;
        let member_id = member["id"].as_str().unwrap();

        let me = expect_json(app.get("/api/v1/me", &token).await, StatusCode::OK).await;
        assert_eq!(me["id"], member["id"]);

        // Last use is recorded beside the request, within moments.
        let mut list = Value::Null;
        for _ in 0..250 {
            list = expect_json(
                app.get(&format!("/api/v1/people/{member_id}/tokens"), &token)
                    .await,
                StatusCode::OK,
            )
            .await;
            if list["items"][0]["last_used_at"].is_string() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        let items = list["items"].as_array().unwrap();
        assert_eq!(items.len(), 1);
        assert!(items[0].get("token").is_none() && items[0].get("token_hash").is_none());
        assert!(
            items[0]["last_used_at"].is_string(),
            "last use is recorded: {}",
            items[0]
        );

        let token_id = items[0]["id"].as_str().unwrap();
        let resp = app
            .delete(&format!("/api/v1/tokens/{token_id}"), &token)
            .await;
        assert_eq!(resp.status(), StatusCode::NO_CONTENT);

        expect_problem(
            app.get("/api/v1/me", &token).await,
            StatusCode::UNAUTHORIZED,
        )
        .await;
    }
);

both_databases!(
    nobody_but_an_admin_sees_or_revokes_someone_elses_tokens,
    |app: TestApp| async move {
        let (_, member_token) = app.someone("member", None).await;
        let (other, _other_token) = app.someone("coordinator", None).await;
        let other_id = other["id"].as_str().unwrap();

        let resp = app
            .get(&format!("/api/v1/people/{other_id}/tokens"), &member_token)
            .await;
        expect_problem(resp, StatusCode::FORBIDDEN).await;

        let list = expect_json(
            app.get(
                &format!("/api/v1/people/{other_id}/tokens"),
                &app.admin_token,
            )
            .await,
            StatusCode::OK,
        )
        .await;
        let token_id = list["items"][0]["id"].as_str().unwrap();
        // Someone else's token is forbidden, and stays valid.
        expect_problem(
            app.delete(&format!("/api/v1/tokens/{token_id}"), &member_token)
                .await,
            StatusCode::FORBIDDEN,
        )
        .await;
        // Only admins issue tokens.
        let resp = app
            .post(
                &format!("/api/v1/people/{other_id}/tokens"),
                &member_token,
                &json!({}),
            )
            .await;
        expect_problem(resp, StatusCode::FORBIDDEN).await;
    }
);

both_databases!(
    a_deactivated_persons_tokens_stop_working,
    |app: TestApp| async move {
        let (member, token) = app.someone("member", None).await;
        expect_json(app.get("/api/v1/me", &token).await, StatusCode::OK).await;
        let resp = app
            .patch(
                &format!("/api/v1/people/{}", member["id"].as_str().unwrap()),
                &app.admin_token,
                Some("\"1\""),
                &json!({"active": false}),
            )
            .await;
        expect_json(resp, StatusCode::OK).await;
        expect_problem(
            app.get("/api/v1/me", &token).await,
            StatusCode::UNAUTHORIZED,
        )
        .await;
    }
);

both_databases!(
    only_admins_read_the_audit_trail,
    |app: TestApp| async move {
        for role in ["coordinator", "department_head", "member", "executive"] {
            let (_, token) = app.someone(role, None).await;
            expect_problem(
                app.get("/api/v1/audit", &token).await,
                StatusCode::FORBIDDEN,
            )
            .await;
        }
    }
);
