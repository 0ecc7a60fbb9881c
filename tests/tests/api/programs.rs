//! The flow a coordinator follows to set a program up, and every rule that refuses.

use cxpm_tests::{TestApp, both_databases, expect_json, expect_problem, problem_fields};
use reqwest::StatusCode;
use serde_json::{Value, json};

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_owned()
}

/// Planning, order management, manufacturing, quality inspection and shipping, each
/// with a head; and a coordinator.
struct Org {
    plan: Value,
    om: Value,
    mfg: Value,
    qa: Value,
    ship: Value,
    heads: Vec<(Value, String)>,
    coordinator: (Value, String),
}

async fn org(app: &TestApp) -> Org {
    let plan = app.department("计划部 Planning", "PLAN").await;
    let om = app.department("订单管理 Order management", "OM").await;
    let mfg = app.department("生产制造 Manufacturing", "MFG").await;
    let qa = app.department("质量检验 Quality inspection", "QA").await;
    let ship = app.department("发运 Shipping", "SHIP").await;
    let mut heads = Vec::new();
    for d in [&plan, &om, &mfg, &qa, &ship] {
        heads.push(app.someone("department_head", d["id"].as_str()).await);
    }
    let coordinator = app.someone("coordinator", None).await;
    Org {
        plan,
        om,
        mfg,
        qa,
        ship,
        heads,
        coordinator,
    }
}

async fn program(app: &TestApp, org: &Org) -> Value {
    let resp = app
        .post(
            "/api/v1/programs",
            &org.coordinator.1,
            &json!({"name": "愉悦客户体验 Delightful CX", "business_line": "Industrial pumps", "coordinator_id": org.coordinator.0["id"]}),
        )
        .await;
    expect_json(resp, StatusCode::CREATED).await
}

both_databases!(
    a_coordinator_sets_up_a_program_from_team_to_coverage,
    |app: TestApp| async move {
        let org = org(&app).await;
        let (coord, token) = (&org.coordinator.0, org.coordinator.1.as_str());
        let program = program(&app, &org).await;
        let pid = id(&program);
        assert_eq!(program["status"], "draft");
        assert_eq!(
            (program["scale_min"].as_i64(), program["scale_max"].as_i64()),
            (Some(1), Some(10))
        );
        assert_eq!(
            (program["minor_max"].as_f64(), program["major_max"].as_f64()),
            (Some(0.10), Some(0.25))
        );

        // The team: the coordinator joined on creation; add the five heads.
        for (head, _) in &org.heads {
            let resp = app
                .post(
                    &format!("/api/v1/programs/{pid}/members"),
                    token,
                    &json!({"person_id": head["id"], "team_role": "touchpoint_owner"}),
                )
                .await;
            expect_json(resp, StatusCode::CREATED).await;
        }
        let team = expect_json(
            app.get(&format!("/api/v1/programs/{pid}/members"), token)
                .await,
            StatusCode::OK,
        )
        .await;
        let groups = team["departments"].as_array().unwrap();
        assert_eq!(
            groups.len(),
            6,
            "five departments and the coordinator without one: {team}"
        );
        assert!(groups.last().unwrap()["department_id"].is_null());
        assert_eq!(
            groups.last().unwrap()["members"][0]["team_role"],
            "coordinator"
        );
        let mine = expect_json(
            app.get(&format!("/api/v1/people/{}/programs", id(coord)), token)
                .await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(mine["items"][0]["program"]["id"], pid.as_str());

        // The industrial template: eight stages, manufacturing internal, names in two languages.
        let mapping = json!({"departments": {
        "order_management": org.om["id"], "manufacturing": org.mfg["id"],
        "quality_inspection": org.qa["id"], "shipping": org.ship["id"]}});
        let applied = expect_json(
            app.post(
                &format!("/api/v1/programs/{pid}/templates/industrial"),
                token,
                &mapping,
            )
            .await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(
            (
                applied["stages_created"].as_u64(),
                applied["sub_processes_created"].as_u64(),
                applied["owners_created"].as_u64()
            ),
            (Some(8), Some(1), Some(4))
        );
        let stages = applied["stages"].as_array().unwrap();
        let names: Vec<&str> = stages
            .iter()
            .map(|s| s["name_translations"]["zh-CN"].as_str().unwrap())
            .collect();
        assert_eq!(
            names,
            [
                "项目投标",
                "工厂考察",
                "订单签署",
                "产品制造",
                "发货验收",
                "调试安装",
                "服务保养",
                "收款"
            ]
        );
        let internal: Vec<&str> = stages
            .iter()
            .filter(|s| s["customer_facing"] == false)
            .map(|s| s["name"].as_str().unwrap())
            .collect();
        assert_eq!(internal, ["Manufacturing"]);
        let positions: Vec<i64> = stages
            .iter()
            .map(|s| s["position"].as_i64().unwrap())
            .collect();
        assert_eq!(positions, [1, 2, 3, 4, 5, 6, 7, 8]);

        // Applying it twice duplicates nothing.
        let again = expect_json(
            app.post(
                &format!("/api/v1/programs/{pid}/templates/industrial"),
                token,
                &mapping,
            )
            .await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(
            (
                again["stages_created"].as_u64(),
                again["sub_processes_created"].as_u64(),
                again["owners_created"].as_u64()
            ),
            (Some(0), Some(0), Some(0))
        );
        assert_eq!(again["stages"].as_array().unwrap().len(), 8);

        // Coverage before: every touchpoint unowned, four owner rows without a person.
        let before = expect_json(
            app.get(&format!("/api/v1/programs/{pid}/coverage"), token)
                .await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(before["ready"], false);
        assert_eq!(
            before["touchpoints_without_owner"]
                .as_array()
                .unwrap()
                .len(),
            7
        );
        assert_eq!(before["owners_without_person"].as_array().unwrap().len(), 4);
        assert_eq!(
            before["departments_without_relationship"]
                .as_array()
                .unwrap()
                .len(),
            4
        );

        // Each head names their own department's person on the delivery sub-process.
        let delivery = stages
            .iter()
            .find(|s| s["template_key"] == "delivery_acceptance")
            .unwrap();
        let subs = expect_json(
            app.get(
                &format!("/api/v1/stages/{}/sub-processes", id(delivery)),
                token,
            )
            .await,
            StatusCode::OK,
        )
        .await;
        let sub = &subs["items"][0];
        assert!(
            sub["goal"]
                .as_str()
                .unwrap()
                .contains("agreed delivery time")
        );
        let owners = expect_json(
            app.get(&format!("/api/v1/sub-processes/{}/owners", id(sub)), token)
                .await,
            StatusCode::OK,
        )
        .await;
        for row in owners["items"].as_array().unwrap() {
            let (head, head_token) = org
                .heads
                .iter()
                .find(|(h, _)| h["department_id"] == row["department_id"])
                .unwrap();
            let resp = app
                .patch(
                    &format!("/api/v1/owners/{}", id(row)),
                    head_token,
                    Some("\"1\""),
                    &json!({"person_id": head["id"]}),
                )
                .await;
            assert_eq!(
                expect_json(resp, StatusCode::OK).await["person_id"],
                head["id"]
            );
        }

        // Planning serves order management and the production floor, as in the seed.
        for (customer, delivers) in [
            (&org.om, "Production plan and delivery dates"),
            (&org.mfg, "Production schedule"),
        ] {
            let resp = app
            .post(
                &format!("/api/v1/programs/{pid}/relationships"),
                token,
                &json!({"provider_department_id": org.plan["id"], "customer_department_id": customer["id"], "delivers": delivers, "sub_process_id": sub["id"]}),
            )
            .await;
            expect_json(resp, StatusCode::CREATED).await;
        }
        for provider in [&org.qa, &org.ship] {
            let resp = app
            .post(
                &format!("/api/v1/programs/{pid}/relationships"),
                token,
                &json!({"provider_department_id": provider["id"], "customer_department_id": org.om["id"], "delivers": "Dispatch status"}),
            )
            .await;
            expect_json(resp, StatusCode::CREATED).await;
        }
        let customers = expect_json(
            app.get(
                &format!(
                    "/api/v1/departments/{}/customers?program_id={pid}",
                    id(&org.plan)
                ),
                token,
            )
            .await,
            StatusCode::OK,
        )
        .await;
        let mut served: Vec<&str> = customers["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["customer_department_id"].as_str().unwrap())
            .collect();
        served.sort_unstable();
        let mut expected = vec![
            org.om["id"].as_str().unwrap(),
            org.mfg["id"].as_str().unwrap(),
        ];
        expected.sort_unstable();
        assert_eq!(served, expected);
        let providers = expect_json(
            app.get(
                &format!("/api/v1/departments/{}/providers", id(&org.om)),
                token,
            )
            .await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(providers["items"].as_array().unwrap().len(), 3);

        // Coverage after: the delivery touchpoint is owned, every owner row named, every
        // owning department in a relationship; the other six touchpoints still wait.
        let after = expect_json(
            app.get(&format!("/api/v1/programs/{pid}/coverage"), token)
                .await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(after["owners_without_person"].as_array().unwrap().len(), 0);
        assert_eq!(
            after["departments_without_relationship"]
                .as_array()
                .unwrap()
                .len(),
            0
        );
        assert_eq!(
            after["touchpoints_without_owner"].as_array().unwrap().len(),
            6
        );
        assert_eq!(
            after["sub_processes_without_owner"]
                .as_array()
                .unwrap()
                .len(),
            0
        );
        let plan_row = after["departments"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["code"] == "PLAN")
            .unwrap();
        assert_eq!(
            (
                plan_row["relationships_as_provider"].as_u64(),
                plan_row["owned_sub_processes"].as_u64()
            ),
            (Some(2), Some(0))
        );
        let om_row = after["departments"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["code"] == "OM")
            .unwrap();
        assert_eq!(
            (
                om_row["owned_touchpoints"].as_u64(),
                om_row["relationships_as_customer"].as_u64()
            ),
            (Some(1), Some(3))
        );

        // Every change carries its actor in the audit trail.
        let trail = expect_json(
            app.get("/api/v1/audit?entity=owner&limit=200", &app.admin_token)
                .await,
            StatusCode::OK,
        )
        .await;
        let updates: Vec<&Value> = trail["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["action"] == "update")
            .collect();
        assert_eq!(updates.len(), 4);
        assert!(
            updates
                .iter()
                .all(|e| e["actor_id"] == e["after"]["person_id"]),
            "each head named themself"
        );
    }
);

both_databases!(
    program_rules_refuse_bad_scales_thresholds_and_people_and_write_nothing,
    |app: TestApp| async move {
        let (_, coord) = app.someone("coordinator", None).await;
        let (gone, _) = app.someone("executive", None).await;
        let resp = app
            .patch(
                &format!("/api/v1/people/{}", id(&gone)),
                &app.admin_token,
                Some("\"1\""),
                &json!({"active": false}),
            )
            .await;
        expect_json(resp, StatusCode::OK).await;
        let cases = [
            (
                json!({"name": "P", "scale_min": 5, "scale_max": 6}),
                "scale_max",
            ),
            (
                json!({"name": "P", "minor_max": 0.3, "major_max": 0.2}),
                "major_max",
            ),
            (
                json!({"name": "P", "sponsor_id": "01939a7e-0000-7000-8000-000000000000"}),
                "sponsor_id",
            ),
            (json!({"name": "P", "sponsor_id": gone["id"]}), "sponsor_id"),
            (json!({"name": "P", "status": "paused"}), "status"),
            (json!({"name": " "}), "name"),
        ];
        for (body, field) in cases {
            let resp = app.post("/api/v1/programs", &coord, &body).await;
            assert_eq!(
                problem_fields(&expect_problem(resp, StatusCode::UNPROCESSABLE_ENTITY).await),
                [field],
                "{body}"
            );
        }
        let list = expect_json(app.get("/api/v1/programs", &coord).await, StatusCode::OK).await;
        assert_eq!(list["items"].as_array().unwrap().len(), 0);
    }
);

both_databases!(
    only_coordinators_and_admins_shape_a_program,
    |app: TestApp| async move {
        let org = org(&app).await;
        let program = program(&app, &org).await;
        let pid = id(&program);
        let (_, member) = app.someone("member", org.plan["id"].as_str()).await;
        let (_, exec) = app.someone("executive", None).await;
        let head = &org.heads[0].1;
        for token in [head.as_str(), member.as_str(), exec.as_str()] {
            expect_problem(
                app.post("/api/v1/programs", token, &json!({"name": "Mine"}))
                    .await,
                StatusCode::FORBIDDEN,
            )
            .await;
            let resp = app
                .post(
                    &format!("/api/v1/programs/{pid}/stages"),
                    token,
                    &json!({"name": "Quote", "customer_facing": true}),
                )
                .await;
            expect_problem(resp, StatusCode::FORBIDDEN).await;
            let resp = app
            .post(&format!("/api/v1/programs/{pid}/relationships"), token, &json!({"provider_department_id": org.plan["id"], "customer_department_id": org.om["id"], "delivers": "Plans"}))
            .await;
            expect_problem(resp, StatusCode::FORBIDDEN).await;
            // Reading is for everyone.
            expect_json(
                app.get(&format!("/api/v1/programs/{pid}/coverage"), token)
                    .await,
                StatusCode::OK,
            )
            .await;
        }
        let stages = expect_json(
            app.get(&format!("/api/v1/programs/{pid}/stages"), head)
                .await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(stages["items"].as_array().unwrap().len(), 0);
    }
);

both_databases!(
    the_team_refuses_a_second_seat_and_unknown_roles,
    |app: TestApp| async move {
        let org = org(&app).await;
        let pid = id(&program(&app, &org).await);
        let token = &org.coordinator.1;
        let head = &org.heads[0].0;
        let resp = app
            .post(
                &format!("/api/v1/programs/{pid}/members"),
                token,
                &json!({"person_id": head["id"], "team_role": "member"}),
            )
            .await;
        let seat = expect_json(resp, StatusCode::CREATED).await;
        let resp = app
            .post(
                &format!("/api/v1/programs/{pid}/members"),
                token,
                &json!({"person_id": head["id"], "team_role": "sponsor"}),
            )
            .await;
        assert_eq!(
            problem_fields(&expect_problem(resp, StatusCode::CONFLICT).await),
            ["person_id"]
        );
        let resp = app
            .post(
                &format!("/api/v1/programs/{pid}/members"),
                token,
                &json!({"person_id": head["id"], "team_role": "boss"}),
            )
            .await;
        assert_eq!(
            problem_fields(&expect_problem(resp, StatusCode::UNPROCESSABLE_ENTITY).await),
            ["team_role"]
        );

        let path = format!("/api/v1/members/{}", id(&seat));
        let changed = expect_json(
            app.patch(
                &path,
                token,
                Some("\"1\""),
                &json!({"team_role": "touchpoint_owner"}),
            )
            .await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(changed["team_role"], "touchpoint_owner");
        let resp = app
            .request(reqwest::Method::DELETE, &path, Some(token))
            .header("If-Match", "\"1\"")
            .send()
            .await
            .unwrap();
        expect_problem(resp, StatusCode::PRECONDITION_FAILED).await;
        let resp = app
            .request(reqwest::Method::DELETE, &path, Some(token))
            .header("If-Match", "\"2\"")
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::NO_CONTENT);
        let team = expect_json(
            app.get(&format!("/api/v1/programs/{pid}/members"), token)
                .await,
            StatusCode::OK,
        )
        .await;
        let seats: usize = team["departments"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| g["members"].as_array().unwrap().len())
            .sum();
        assert_eq!(seats, 1, "only the coordinator is left");
    }
);

both_databases!(
    owner_rows_refuse_outsiders_duplicates_and_other_departments_heads,
    |app: TestApp| async move {
        let org = org(&app).await;
        let pid = id(&program(&app, &org).await);
        let token = &org.coordinator.1;
        let stage = expect_json(
            app.post(
                &format!("/api/v1/programs/{pid}/stages"),
                token,
                &json!({"name": "Bidding", "customer_facing": true}),
            )
            .await,
            StatusCode::CREATED,
        )
        .await;
        let sub = expect_json(
            app.post(
                &format!("/api/v1/stages/{}/sub-processes", id(&stage)),
                token,
                &json!({"name": "Quote", "goal": "Quote within 24 h"}),
            )
            .await,
            StatusCode::CREATED,
        )
        .await;
        let owners_path = format!("/api/v1/sub-processes/{}/owners", id(&sub));
        let (plan_head, plan_token) = &org.heads[0];
        let (om_head, om_token) = &org.heads[1];

        // A person from another department: 422, nothing written.
        let resp = app.post(&owners_path, token, &json!({"department_id": org.plan["id"], "person_id": om_head["id"], "responsibility": "Plan capacity"})).await;
        assert_eq!(
            problem_fields(&expect_problem(resp, StatusCode::UNPROCESSABLE_ENTITY).await),
            ["person_id"]
        );
        let row = expect_json(
            app.post(
                &owners_path,
                token,
                &json!({"department_id": org.plan["id"], "responsibility": "Plan capacity"}),
            )
            .await,
            StatusCode::CREATED,
        )
        .await;
        // The same department twice: 409.
        let resp = app
            .post(
                &owners_path,
                token,
                &json!({"department_id": org.plan["id"], "responsibility": "Again"}),
            )
            .await;
        assert_eq!(
            problem_fields(&expect_problem(resp, StatusCode::CONFLICT).await),
            ["department_id"]
        );
        // Another department's head may not name the person, nor may the own head change the responsibility.
        let row_path = format!("/api/v1/owners/{}", id(&row));
        expect_problem(
            app.patch(
                &row_path,
                om_token,
                Some("\"1\""),
                &json!({"person_id": om_head["id"]}),
            )
            .await,
            StatusCode::FORBIDDEN,
        )
        .await;
        expect_problem(
            app.patch(
                &row_path,
                plan_token,
                Some("\"1\""),
                &json!({"responsibility": "Less"}),
            )
            .await,
            StatusCode::FORBIDDEN,
        )
        .await;
        let named = expect_json(
            app.patch(
                &row_path,
                plan_token,
                Some("\"1\""),
                &json!({"person_id": plan_head["id"]}),
            )
            .await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(named["version"], 2);
        let owners = expect_json(app.get(&owners_path, token).await, StatusCode::OK).await;
        assert_eq!(owners["items"].as_array().unwrap().len(), 1);
        assert_eq!(owners["items"][0]["responsibility"], "Plan capacity");

        // A stage with sub-processes is archived, not deleted.
        let resp = app
            .request(
                reqwest::Method::DELETE,
                &format!("/api/v1/stages/{}", id(&stage)),
                Some(token),
            )
            .header("If-Match", "\"1\"")
            .send()
            .await
            .unwrap();
        expect_problem(resp, StatusCode::CONFLICT).await;
        let archived = expect_json(
            app.patch(
                &format!("/api/v1/stages/{}", id(&stage)),
                token,
                Some("\"1\""),
                &json!({"archived": true}),
            )
            .await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(
            (
                archived["archived"].as_bool(),
                archived["position"].as_i64()
            ),
            (Some(true), Some(0))
        );
        let listed = expect_json(
            app.get(&format!("/api/v1/programs/{pid}/stages"), token)
                .await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(listed["items"].as_array().unwrap().len(), 0);
    }
);

both_databases!(
    relationships_refuse_self_service_duplicates_and_foreign_sub_processes,
    |app: TestApp| async move {
        let org = org(&app).await;
        let pid = id(&program(&app, &org).await);
        let other = expect_json(
            app.post(
                "/api/v1/programs",
                &org.coordinator.1,
                &json!({"name": "Other line"}),
            )
            .await,
            StatusCode::CREATED,
        )
        .await;
        let other_stage = expect_json(
            app.post(
                &format!("/api/v1/programs/{}/stages", id(&other)),
                &org.coordinator.1,
                &json!({"name": "X", "customer_facing": true}),
            )
            .await,
            StatusCode::CREATED,
        )
        .await;
        let foreign_sub = expect_json(
            app.post(
                &format!("/api/v1/stages/{}/sub-processes", id(&other_stage)),
                &org.coordinator.1,
                &json!({"name": "Y"}),
            )
            .await,
            StatusCode::CREATED,
        )
        .await;
        let path = format!("/api/v1/programs/{pid}/relationships");
        let token = &org.coordinator.1;
        let base = json!({"provider_department_id": org.plan["id"], "customer_department_id": org.om["id"], "delivers": "Production plan"});

        let mut own = base.clone();
        own["customer_department_id"] = org.plan["id"].clone();
        assert_eq!(
            problem_fields(
                &expect_problem(
                    app.post(&path, token, &own).await,
                    StatusCode::UNPROCESSABLE_ENTITY
                )
                .await
            ),
            ["customer_department_id"]
        );
        let mut foreign = base.clone();
        foreign["sub_process_id"] = foreign_sub["id"].clone();
        assert_eq!(
            problem_fields(
                &expect_problem(
                    app.post(&path, token, &foreign).await,
                    StatusCode::UNPROCESSABLE_ENTITY
                )
                .await
            ),
            ["sub_process_id"]
        );
        let mut outsider = base.clone();
        outsider["provider_person_id"] = org.heads[1].0["id"].clone();
        assert_eq!(
            problem_fields(
                &expect_problem(
                    app.post(&path, token, &outsider).await,
                    StatusCode::UNPROCESSABLE_ENTITY
                )
                .await
            ),
            ["provider_person_id"]
        );

        let created = expect_json(app.post(&path, token, &base).await, StatusCode::CREATED).await;
        assert_eq!(
            problem_fields(
                &expect_problem(app.post(&path, token, &base).await, StatusCode::CONFLICT).await
            ),
            ["delivers"]
        );
        let listed = expect_json(app.get(&path, token).await, StatusCode::OK).await;
        assert_eq!(listed["items"].as_array().unwrap().len(), 1);

        let archived = expect_json(
            app.patch(
                &format!("/api/v1/relationships/{}", id(&created)),
                token,
                Some("\"1\""),
                &json!({"archived": true}),
            )
            .await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(archived["archived"], true);
        assert_eq!(
            expect_json(app.get(&path, token).await, StatusCode::OK).await["items"]
                .as_array()
                .unwrap()
                .len(),
            0
        );
        assert_eq!(
            expect_json(
                app.get(&format!("{path}?include_archived=true"), token)
                    .await,
                StatusCode::OK
            )
            .await["items"]
                .as_array()
                .unwrap()
                .len(),
            1
        );
    }
);

both_databases!(
    stage_positions_stay_dense_and_unique_under_concurrent_moves,
    |app: TestApp| async move {
        let (_, token) = app.someone("coordinator", None).await;
        let program = expect_json(
            app.post("/api/v1/programs", &token, &json!({"name": "Reorder"}))
                .await,
            StatusCode::CREATED,
        )
        .await;
        let pid = id(&program);
        let applied = expect_json(
            app.post(
                &format!("/api/v1/programs/{pid}/templates/industrial"),
                &token,
                &json!({}),
            )
            .await,
            StatusCode::OK,
        )
        .await;
        let stages: Vec<String> = applied["stages"]
            .as_array()
            .unwrap()
            .iter()
            .map(id)
            .collect();

        // Eight clients each move a different stage to a different place at once.
        let mut moves = Vec::new();
        for (i, stage) in stages.iter().enumerate() {
            let app = &app;
            let token = token.clone();
            let target = (i * 5) % 8 + 1;
            moves.push(async move {
                app.patch(
                    &format!("/api/v1/stages/{stage}"),
                    &token,
                    Some("\"1\""),
                    &json!({"position": target}),
                )
                .await
                .status()
            });
        }
        let statuses = futures_util::future::join_all(moves).await;
        assert!(
            statuses.iter().all(|s| *s == StatusCode::OK),
            "{statuses:?}"
        );

        let listed = expect_json(
            app.get(&format!("/api/v1/programs/{pid}/stages"), &token)
                .await,
            StatusCode::OK,
        )
        .await;
        let positions: Vec<i64> = listed["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["position"].as_i64().unwrap())
            .collect();
        assert_eq!(positions, [1, 2, 3, 4, 5, 6, 7, 8]);
        let mut ids: Vec<String> = listed["items"].as_array().unwrap().iter().map(id).collect();
        ids.sort();
        let mut expected = stages.clone();
        expected.sort();
        assert_eq!(ids, expected);

        // A move of one stage shifts the others without costing them their ETag.
        let etag_of = |stage: &Value| format!("\"{}\"", stage["version"]);
        let first = &listed["items"][0];
        let moved = expect_json(
            app.patch(
                &format!("/api/v1/stages/{}", id(first)),
                &token,
                Some(&etag_of(first)),
                &json!({"position": 8}),
            )
            .await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(moved["position"], 8);
        let second = &listed["items"][1];
        let renamed = app
            .patch(
                &format!("/api/v1/stages/{}", id(second)),
                &token,
                Some(&etag_of(second)),
                &json!({"name": "Renamed"}),
            )
            .await;
        assert_eq!(expect_json(renamed, StatusCode::OK).await["position"], 1);
    }
);

both_databases!(
    what_is_made_says_where_it_is_read,
    |app: TestApp| async move {
        // Every 201 of a resource with an address of its own carries `Location`, and
        // reading it gives back the resource just made.
        let made = async |path: String, body: Value, collection: &str| {
            let resp = app.post(&path, &app.admin_token, &body).await;
            let location = resp
                .headers()
                .get("location")
                .map(|l| l.to_str().unwrap().to_owned());
            let made = expect_json(resp, StatusCode::CREATED).await;
            let id = made["id"].as_str().unwrap().to_owned();
            assert_eq!(
                location,
                Some(format!("/api/v1/{collection}/{id}")),
                "POST {path}"
            );
            let read = expect_json(
                app.get(location.as_deref().unwrap(), &app.admin_token)
                    .await,
                StatusCode::OK,
            )
            .await;
            // (A plan is read with its steps and actions, a snapshot with its report.)
            let read_id = match collection {
                "plans" => &read["plan"]["id"],
                "report-snapshots" => &read["snapshot"]["id"],
                _ => &read["id"],
            };
            assert_eq!(read_id, &made["id"], "GET {location:?}");
            id
        };
        let qa = made(
            "/api/v1/departments".into(),
            json!({"name": "Quality", "code": "QA"}),
            "departments",
        )
        .await;
        let om = made(
            "/api/v1/departments".into(),
            json!({"name": "Order management", "code": "OM"}),
            "departments",
        )
        .await;
        made(
            "/api/v1/people".into(),
            json!({"name": "Li Na", "email": "li.na@plant.example", "role": "member",
                "department_id": qa}),
            "people",
        )
        .await;
        let program = made("/api/v1/programs".into(), json!({"name": "CX"}), "programs").await;
        let stage = made(
            format!("/api/v1/programs/{program}/stages"),
            json!({"name": "Delivery", "customer_facing": true}),
            "stages",
        )
        .await;
        let sub = made(
            format!("/api/v1/stages/{stage}/sub-processes"),
            json!({"name": "Final inspection"}),
            "sub-processes",
        )
        .await;
        made(
            format!("/api/v1/sub-processes/{sub}/owners"),
            json!({"department_id": qa, "responsibility": "Release each lot"}),
            "owners",
        )
        .await;
        let rel = made(
            format!("/api/v1/programs/{program}/relationships"),
            json!({"provider_department_id": qa, "customer_department_id": om,
                "delivers": "Released lots"}),
            "relationships",
        )
        .await;
        let plan = made(
            format!("/api/v1/relationships/{rel}/plans"),
            json!({"title": "Inspect before shipping"}),
            "plans",
        )
        .await;
        made(
            format!("/api/v1/plans/{plan}/actions"),
            json!({"title": "Add a second check"}),
            "actions",
        )
        .await;
        made(
            format!("/api/v1/programs/{program}/metrics"),
            json!({"name": "Lead time", "unit": "h", "target": 48, "stage_id": stage,
                "direction": "lower_is_better"}),
            "metrics",
        )
        .await;
        made(
            format!("/api/v1/programs/{program}/reports/gaps/snapshots"),
            json!({"label": "Baseline"}),
            "report-snapshots",
        )
        .await;
        made(
            format!("/api/v1/programs/{program}/schedules"),
            json!({"kind": "overdue", "cron": "0 9 * * 1", "time_zone": "Asia/Shanghai"}),
            "schedules",
        )
        .await;
        made(
            format!("/api/v1/programs/{program}/channels"),
            json!({"kind": "slack", "name": "QA", "url": "https://hooks.example.com/services/x"}),
            "channels",
        )
        .await;
        made(
            format!("/api/v1/programs/{program}/webhooks"),
            json!({"url": "https://erp.example.com/cxpm", "events": ["action.created"]}),
            "webhooks",
        )
        .await;
    }
);
