use cxpm_tests::{TestApp, both_databases, expect_json, expect_problem, problem_fields};
use reqwest::StatusCode;
use serde_json::json;

both_databases!(
    a_department_is_created_read_and_changed_with_its_etag,
    |app: TestApp| async move {
        let resp = app
            .post(
                "/api/v1/departments",
                &app.admin_token,
                &json!({"name": "计划部 Planning", "code": "plan"}),
            )
            .await;
        assert_eq!(resp.headers()["etag"], "\"1\"");
        let created = expect_json(resp, StatusCode::CREATED).await;
        assert_eq!(created["code"], "PLAN");
        assert_eq!(created["name"], "计划部 Planning");
        let id = created["id"].as_str().unwrap();

        let resp = app
            .get(&format!("/api/v1/departments/{id}"), &app.admin_token)
            .await;
        let etag = resp.headers()["etag"].to_str().unwrap().to_owned();
        let read = expect_json(resp, StatusCode::OK).await;
        assert_eq!(read, created);

        let resp = app
            .patch(
                &format!("/api/v1/departments/{id}"),
                &app.admin_token,
                Some(&etag),
                &json!({"name": "Planejamento"}),
            )
            .await;
        assert_eq!(resp.headers()["etag"], "\"2\"");
        let changed = expect_json(resp, StatusCode::OK).await;
        assert_eq!(changed["name"], "Planejamento");
        assert_eq!(changed["code"], "PLAN");
        assert_eq!(changed["version"], 2);
    }
);

both_databases!(
    a_stale_if_match_is_412_and_a_missing_one_428_and_nothing_changes,
    |app: TestApp| async move {
        let dept = app.department("Quality", "QA").await;
        let path = format!("/api/v1/departments/{}", dept["id"].as_str().unwrap());
        expect_json(
            app.patch(
                &path,
                &app.admin_token,
                Some("\"1\""),
                &json!({"name": "Quality 2"}),
            )
            .await,
            StatusCode::OK,
        )
        .await;

        let stale = app
            .patch(
                &path,
                &app.admin_token,
                Some("\"1\""),
                &json!({"name": "Lost update"}),
            )
            .await;
        expect_problem(stale, StatusCode::PRECONDITION_FAILED).await;
        let missing = app
            .patch(
                &path,
                &app.admin_token,
                None,
                &json!({"name": "Lost update"}),
            )
            .await;
        expect_problem(missing, StatusCode::PRECONDITION_REQUIRED).await;
        // An empty header names no version: as if it were not sent.
        let empty = app
            .patch(
                &path,
                &app.admin_token,
                Some(""),
                &json!({"name": "Lost update"}),
            )
            .await;
        expect_problem(empty, StatusCode::PRECONDITION_REQUIRED).await;

        let now = expect_json(app.get(&path, &app.admin_token).await, StatusCode::OK).await;
        assert_eq!(now["name"], "Quality 2");
        assert_eq!(now["version"], 2);
    }
);

both_databases!(
    a_duplicate_code_is_409_whatever_its_case,
    |app: TestApp| async move {
        app.department("Shipping", "SHIP").await;
        let resp = app
            .post(
                "/api/v1/departments",
                &app.admin_token,
                &json!({"name": "Other", "code": "ship"}),
            )
            .await;
        let problem = expect_problem(resp, StatusCode::CONFLICT).await;
        assert_eq!(problem_fields(&problem), ["code"]);

        let other = app.department("Other", "OTHER").await;
        let resp = app
            .patch(
                &format!("/api/v1/departments/{}", other["id"].as_str().unwrap()),
                &app.admin_token,
                Some("\"1\""),
                &json!({"code": "Ship"}),
            )
            .await;
        expect_problem(resp, StatusCode::CONFLICT).await;
    }
);

both_databases!(
    a_department_cannot_sit_under_itself,
    |app: TestApp| async move {
        let top = app.department("Operations", "OPS").await;
        let top_id = top["id"].as_str().unwrap();
        let resp = app
            .post(
                "/api/v1/departments",
                &app.admin_token,
                &json!({"name": "Shipping", "code": "SHIP", "parent_id": top_id}),
            )
            .await;
        let child = expect_json(resp, StatusCode::CREATED).await;

        let resp = app
            .patch(
                &format!("/api/v1/departments/{top_id}"),
                &app.admin_token,
                Some("\"1\""),
                &json!({"parent_id": child["id"]}),
            )
            .await;
        let problem = expect_problem(resp, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!(problem_fields(&problem), ["parent_id"]);

        let resp = app
        .post("/api/v1/departments", &app.admin_token, &json!({"name": "X", "code": "X", "parent_id": "01939a7e-0000-7000-8000-000000000000"}))
        .await;
        assert_eq!(
            problem_fields(&expect_problem(resp, StatusCode::UNPROCESSABLE_ENTITY).await),
            ["parent_id"]
        );

        let children = expect_json(
            app.get(
                &format!("/api/v1/departments?parent_id={top_id}"),
                &app.admin_token,
            )
            .await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(children["items"].as_array().unwrap().len(), 1);
    }
);

both_databases!(
    a_head_must_belong_to_the_department,
    |app: TestApp| async move {
        let plan = app.department("Planning", "PLAN").await;
        let plan_id = plan["id"].as_str().unwrap();
        let qa = app.department("Quality", "QA").await;
        let outsider = app
            .person(
                "Li Na",
                "li.na@example.com",
                "department_head",
                qa["id"].as_str(),
            )
            .await;
        let insider = app
            .person(
                "Wang Fang",
                "wang.fang@example.com",
                "department_head",
                Some(plan_id),
            )
            .await;
        let path = format!("/api/v1/departments/{plan_id}");

        let resp = app
            .patch(
                &path,
                &app.admin_token,
                Some("\"1\""),
                &json!({"head_id": outsider["id"]}),
            )
            .await;
        assert_eq!(
            problem_fields(&expect_problem(resp, StatusCode::UNPROCESSABLE_ENTITY).await),
            ["head_id"]
        );

        let resp = app
            .patch(
                &path,
                &app.admin_token,
                Some("\"1\""),
                &json!({"head_id": insider["id"]}),
            )
            .await;
        assert_eq!(
            expect_json(resp, StatusCode::OK).await["head_id"],
            insider["id"]
        );
        let resp = app
            .patch(
                &path,
                &app.admin_token,
                Some("\"2\""),
                &json!({"head_id": null}),
            )
            .await;
        assert!(expect_json(resp, StatusCode::OK).await["head_id"].is_null());
    }
);

both_databases!(
    departments_page_by_cursor_and_filter_by_search_and_status,
    |app: TestApp| async move {
        for i in 0..5 {
            app.department(&format!("Dept {i}"), &format!("D{i}")).await;
        }
        let zh = app.department("售后服务部", "SVC").await;
        let mut seen = Vec::new();
        let mut cursor = String::new();
        loop {
            let page = expect_json(
                app.get(
                    &format!("/api/v1/departments?limit=2&cursor={cursor}"),
                    &app.admin_token,
                )
                .await,
                StatusCode::OK,
            )
            .await;
            for item in page["items"].as_array().unwrap() {
                seen.push(item["code"].as_str().unwrap().to_owned());
            }
            match page["next_cursor"].as_str() {
                Some(c) => cursor = c.to_owned(),
                None => break,
            }
        }
        assert_eq!(seen, ["D0", "D1", "D2", "D3", "D4", "SVC"]);

        let found = expect_json(
            app.get("/api/v1/departments?q=%E5%94%AE%E5%90%8E", &app.admin_token)
                .await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(found["items"].as_array().unwrap().len(), 1);
        let found = expect_json(
            app.get("/api/v1/departments?q=dept%203", &app.admin_token)
                .await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(found["items"][0]["code"], "D3");

        let resp = app
            .patch(
                &format!("/api/v1/departments/{}", zh["id"].as_str().unwrap()),
                &app.admin_token,
                Some("\"1\""),
                &json!({"active": false}),
            )
            .await;
        expect_json(resp, StatusCode::OK).await;
        let inactive = expect_json(
            app.get("/api/v1/departments?active=false", &app.admin_token)
                .await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(inactive["items"].as_array().unwrap().len(), 1);
        assert_eq!(inactive["items"][0]["code"], "SVC");
    }
);
