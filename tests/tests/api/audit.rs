use cxpm_tests::{TestApp, both_databases, expect_json};
use reqwest::StatusCode;
use serde_json::json;

both_databases!(
    every_change_is_in_the_audit_trail_with_actor_before_and_after,
    |app: TestApp| async move {
        let dept = app.department("Order management", "OM").await;
        let dept_id = dept["id"].as_str().unwrap();
        let resp = app
            .patch(
                &format!("/api/v1/departments/{dept_id}"),
                &app.admin_token,
                Some("\"1\""),
                &json!({"name": "订单管理"}),
            )
            .await;
        expect_json(resp, StatusCode::OK).await;

        let me = expect_json(
            app.get("/api/v1/me", &app.admin_token).await,
            StatusCode::OK,
        )
        .await;
        let trail = expect_json(
            app.get(
                &format!("/api/v1/audit?entity_id={dept_id}"),
                &app.admin_token,
            )
            .await,
            StatusCode::OK,
        )
        .await;
        let items = trail["items"].as_array().unwrap();
        assert_eq!(items.len(), 2);
        assert_eq!(items[0]["action"], "create");
        assert!(items[0]["before"].is_null());
        assert_eq!(items[0]["after"]["name"], "Order management");
        assert_eq!(items[1]["action"], "update");
        assert_eq!(items[1]["before"]["name"], "Order management");
        assert_eq!(items[1]["after"]["name"], "订单管理");
        for item in items {
            assert_eq!(item["actor_id"], me["id"]);
            assert_eq!(item["entity"], "department");
        }
    }
);

both_databases!(
    the_audit_trail_filters_by_actor_and_entity_kind,
    |app: TestApp| async move {
        let (_, token) = app.someone("member", None).await;
        let me = expect_json(app.get("/api/v1/me", &token).await, StatusCode::OK).await;
        let my_tokens = expect_json(
            app.get(
                &format!("/api/v1/people/{}/tokens", me["id"].as_str().unwrap()),
                &token,
            )
            .await,
            StatusCode::OK,
        )
        .await;
        let token_id = my_tokens["items"][0]["id"].as_str().unwrap();
        assert_eq!(
            app.delete(&format!("/api/v1/tokens/{token_id}"), &token)
                .await
                .status(),
            StatusCode::NO_CONTENT
        );

        let by_actor = expect_json(
            app.get(
                &format!("/api/v1/audit?actor_id={}", me["id"].as_str().unwrap()),
                &app.admin_token,
            )
            .await,
            StatusCode::OK,
        )
        .await;
        let items = by_actor["items"].as_array().unwrap();
        assert_eq!(items.len(), 1);
        assert_eq!(items[0]["action"], "revoke");
        assert!(items[0]["after"]["revoked_at"].is_string());
        assert!(
            items[0]["after"].get("token_hash").is_none(),
            "hashes stay out of the trail"
        );

        let people = expect_json(
            app.get("/api/v1/audit?entity=person", &app.admin_token)
                .await,
            StatusCode::OK,
        )
        .await;
        // The bootstrap admin and the member.
        assert_eq!(people["items"].as_array().unwrap().len(), 2);
    }
);
