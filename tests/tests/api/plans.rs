//! A department head walks one relationship through the seven steps into cycle 2.

use cxpm_tests::{TestApp, both_databases, expect_json, expect_problem, problem_fields};
use reqwest::StatusCode;
use serde_json::{Value, json};

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_owned()
}

/// Planning (provider, with a head and a member) serves order management; a
/// coordinator runs the program.
struct Setup {
    plan_dept: Value,
    om_dept: Value,
    head: (Value, String),
    member: (Value, String),
    om_head: (Value, String),
    coordinator: (Value, String),
    relationship: Value,
}

async fn setup(app: &TestApp) -> Setup {
    let plan_dept = app.department("计划部 Planning", "PLAN").await;
    let om_dept = app.department("订单管理 Order management", "OM").await;
    let head = app
        .someone("department_head", plan_dept["id"].as_str())
        .await;
    let member = app.someone("member", plan_dept["id"].as_str()).await;
    let om_head = app.someone("department_head", om_dept["id"].as_str()).await;
    let coordinator = app.someone("coordinator", None).await;
    let program = expect_json(
        app.post("/api/v1/programs", &coordinator.1, &json!({"name": "CX"}))
            .await,
        StatusCode::CREATED,
    )
    .await;
    let relationship = expect_json(
        app.post(
            &format!("/api/v1/programs/{}/relationships", id(&program)),
            &coordinator.1,
            &json!({"provider_department_id": plan_dept["id"], "customer_department_id": om_dept["id"], "delivers": "生产计划 Production plan"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    Setup {
        plan_dept,
        om_dept,
        head,
        member,
        om_head,
        coordinator,
        relationship,
    }
}

async fn step_to(app: &TestApp, token: &str, step: &Value, body: Value) -> reqwest::Response {
    let etag = format!("\"{}\"", step["version"]);
    app.patch(
        &format!("/api/v1/steps/{}", id(step)),
        token,
        Some(&etag),
        &body,
    )
    .await
}

async fn plan_detail(app: &TestApp, token: &str, plan_id: &str) -> Value {
    expect_json(
        app.get(&format!("/api/v1/plans/{plan_id}"), token).await,
        StatusCode::OK,
    )
    .await
}

fn step_of(detail: &Value, number: i64) -> Value {
    detail["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["number"] == number)
        .unwrap()
        .clone()
}

fn unmet_rules(problem: &Value) -> Vec<String> {
    assert_eq!(
        problem["type"], "urn:cxpm:problem:unmet-preconditions",
        "{problem}"
    );
    problem_fields(problem)
}

both_databases!(
    a_head_walks_a_relationship_through_seven_steps_into_cycle_two,
    |app: TestApp| async move {
        let s = setup(&app).await;
        let (head, token) = (&s.head.0, s.head.1.as_str());
        let rel = id(&s.relationship);

        let plan = expect_json(
            app.post(
                &format!("/api/v1/relationships/{rel}/plans"),
                token,
                &json!({"title": "准时交付 On-time plans", "owner_id": head["id"]}),
            )
            .await,
            StatusCode::CREATED,
        )
        .await;
        assert_eq!(
            (plan["cycle"].as_i64(), plan["department_id"].as_str()),
            (Some(1), s.plan_dept["id"].as_str())
        );
        let pid = id(&plan);
        let detail = plan_detail(&app, token, &pid).await;
        let names: Vec<&str> = detail["steps"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["name"].as_str().unwrap())
            .collect();
        assert_eq!(
            names,
            [
                "commit",
                "identify_customers",
                "learn_expectations",
                "choose_key_points",
                "analyze_gap",
                "plan_improvement",
                "feedback_loop"
            ]
        );

        // Step 3 before 1 and 2: refused, with every unmet rule named.
        let problem = expect_problem(
            step_to(&app, token, &step_of(&detail, 3), json!({"status": "done"})).await,
            StatusCode::CONFLICT,
        )
        .await;
        assert_eq!(
            unmet_rules(&problem),
            ["earlier_steps_settled", "customer_expectation_recorded"]
        );
        // A head may not skip (403: not their role's to do); a coordinator may, with
        // a reason (422 naming the field without one).
        let problem = expect_problem(
            step_to(
                &app,
                token,
                &step_of(&detail, 1),
                json!({"status": "skipped", "skip_reason": "agreed last year"}),
            )
            .await,
            StatusCode::FORBIDDEN,
        )
        .await;
        assert!(problem["detail"].as_str().unwrap().contains("coordinator"));
        let problem = expect_problem(
            step_to(
                &app,
                &s.coordinator.1,
                &step_of(&detail, 1),
                json!({"status": "skipped"}),
            )
            .await,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        assert_eq!(problem_fields(&problem), ["skip_reason"]);
        let skipped = expect_json(
            step_to(
                &app,
                &s.coordinator.1,
                &step_of(&detail, 1),
                json!({"status": "skipped", "skip_reason": "理念已认同 agreed last year"}),
            )
            .await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(skipped["skip_reason"], "理念已认同 agreed last year");
        let detail = plan_detail(&app, token, &pid).await;
        expect_json(
            step_to(&app, token, &step_of(&detail, 2), json!({"status": "done"})).await,
            StatusCode::OK,
        )
        .await;

        // Step 3 needs what the customer expects written on a key point.
        let detail = plan_detail(&app, token, &pid).await;
        let problem = expect_problem(
            step_to(&app, token, &step_of(&detail, 3), json!({"status": "done"})).await,
            StatusCode::CONFLICT,
        )
        .await;
        assert_eq!(unmet_rules(&problem), ["customer_expectation_recorded"]);
        let point = expect_json(
            app.post(
                &format!("/api/v1/relationships/{rel}/key-points"),
                token,
                &json!({"name": "交期准确 Reliable dates", "customer_expects": "Dates that hold"}),
            )
            .await,
            StatusCode::CREATED,
        )
        .await;
        for n in [3, 4] {
            let detail = plan_detail(&app, token, &pid).await;
            let done = expect_json(
                step_to(
                    &app,
                    token,
                    &step_of(&detail, n),
                    json!({"status": "done", "notes": "客户：订单管理"}),
                )
                .await,
                StatusCode::OK,
            )
            .await;
            assert_eq!(done["completed_by"], head["id"]);
        }

        // Step 5 needs a measurement this cycle; scores off the scale are refused.
        let detail = plan_detail(&app, token, &pid).await;
        let problem = expect_problem(
            step_to(&app, token, &step_of(&detail, 5), json!({"status": "done"})).await,
            StatusCode::CONFLICT,
        )
        .await;
        assert_eq!(unmet_rules(&problem), ["measurement_this_cycle"]);
        let measure = |expectation: f64, experience: f64| {
            json!({"period_start": "2026-10-01", "period_end": "2026-10-31", "expectation_score": expectation, "experience_score": experience,
               "importance": 5, "provider_rating": 8, "sample_size": 12, "source": "survey"})
        };
        let resp = app
            .post(
                &format!("/api/v1/key-points/{}/measurements", id(&point)),
                token,
                &measure(11.0, 6.0),
            )
            .await;
        assert_eq!(
            problem_fields(&expect_problem(resp, StatusCode::UNPROCESSABLE_ENTITY).await),
            ["expectation_score"]
        );
        expect_json(
            app.post(
                &format!("/api/v1/key-points/{}/measurements", id(&point)),
                token,
                &measure(9.0, 6.0),
            )
            .await,
            StatusCode::CREATED,
        )
        .await;
        expect_json(
            step_to(&app, token, &step_of(&detail, 5), json!({"status": "done"})).await,
            StatusCode::OK,
        )
        .await;

        // Step 6 needs an open action with an owner and a due date.
        let detail = plan_detail(&app, token, &pid).await;
        let problem = expect_problem(
            step_to(&app, token, &step_of(&detail, 6), json!({"status": "done"})).await,
            StatusCode::CONFLICT,
        )
        .await;
        assert_eq!(
            unmet_rules(&problem),
            ["open_action_with_owner_and_due_date"]
        );
        let action = expect_json(
        app.post(
            &format!("/api/v1/plans/{pid}/actions"),
            token,
            &json!({"title": "每周同步交期 Weekly date sync", "owner_id": s.member.0["id"], "due_date": "2026-12-15", "step_number": 6,
                    "key_point_id": point["id"], "effect_key_point_id": point["id"], "effect_target": 8.5, "effect_by": "2027-03-31"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
        expect_json(
            step_to(&app, token, &step_of(&detail, 6), json!({"status": "done"})).await,
            StatusCode::OK,
        )
        .await;

        // Step 7 needs a feedback cadence; a bad crontab line is refused with a reason.
        let detail = plan_detail(&app, token, &pid).await;
        let problem = expect_problem(
            step_to(&app, token, &step_of(&detail, 7), json!({"status": "done"})).await,
            StatusCode::CONFLICT,
        )
        .await;
        assert_eq!(unmet_rules(&problem), ["feedback_cadence"]);
        let plan_etag = format!("\"{}\"", detail["plan"]["version"]);
        let resp = app
            .patch(
                &format!("/api/v1/plans/{pid}"),
                token,
                Some(&plan_etag),
                &json!({"cadence_cron": "0 9 * *", "cadence_time_zone": "Asia/Shanghai"}),
            )
            .await;
        assert_eq!(
            problem_fields(&expect_problem(resp, StatusCode::UNPROCESSABLE_ENTITY).await),
            ["cadence_cron"]
        );
        let resp = app
            .patch(
                &format!("/api/v1/plans/{pid}"),
                token,
                Some(&plan_etag),
                &json!({"cadence_cron": "0 9 1 * *", "cadence_time_zone": "Asia/Shanghai"}),
            )
            .await;
        expect_json(resp, StatusCode::OK).await;
        let done = expect_json(
            step_to(&app, token, &step_of(&detail, 7), json!({"status": "done"})).await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(done["cycle"], 1);

        // Cycle 2 starts at step 3; cycle 1 stays as history.
        let detail = plan_detail(&app, token, &pid).await;
        assert_eq!(detail["plan"]["cycle"], 2);
        let numbers: Vec<i64> = detail["steps"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["number"].as_i64().unwrap())
            .collect();
        assert_eq!(numbers, [3, 4, 5, 6, 7]);
        assert_eq!(detail["current_step"], 3);
        let history = expect_json(
            app.get(&format!("/api/v1/plans/{pid}/steps?cycle=1"), token)
                .await,
            StatusCode::OK,
        )
        .await;
        let statuses: Vec<&str> = history["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["status"].as_str().unwrap())
            .collect();
        assert_eq!(
            statuses,
            ["skipped", "done", "done", "done", "done", "done", "done"]
        );
        let old_step = &history["items"][2];
        expect_problem(
            step_to(&app, token, old_step, json!({"status": "in_progress"})).await,
            StatusCode::CONFLICT,
        )
        .await;

        // In cycle 2 the measurement of cycle 1 no longer counts.
        let step3 = expect_json(
            step_to(&app, token, &step_of(&detail, 3), json!({"status": "done"})).await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(step3["cycle"], 2);
        let detail = plan_detail(&app, token, &pid).await;
        expect_json(
            step_to(&app, token, &step_of(&detail, 4), json!({"status": "done"})).await,
            StatusCode::OK,
        )
        .await;
        let detail = plan_detail(&app, token, &pid).await;
        let problem = expect_problem(
            step_to(&app, token, &step_of(&detail, 5), json!({"status": "done"})).await,
            StatusCode::CONFLICT,
        )
        .await;
        assert_eq!(unmet_rules(&problem), ["measurement_this_cycle"]);

        // The member works the action; done means 100.
        let member_token = &s.member.1;
        let mine = expect_json(
            app.get("/api/v1/me/actions", member_token).await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(mine["items"][0]["id"], action["id"]);
        let resp = app
            .post(
                &format!("/api/v1/actions/{}/updates", id(&action)),
                member_token,
                &json!({"status": "blocked"}),
            )
            .await;
        assert_eq!(
            problem_fields(&expect_problem(resp, StatusCode::UNPROCESSABLE_ENTITY).await),
            ["blocked_reason"]
        );
        let posted = expect_json(
        app.post(&format!("/api/v1/actions/{}/updates", id(&action)), member_token, &json!({"status": "blocked", "blocked_reason": "等待ERP数据 waiting for ERP data", "progress": 40})).await,
        StatusCode::CREATED,
    )
    .await;
        assert_eq!(
            (
                posted["action"]["status"].as_str(),
                posted["action"]["progress"].as_i64()
            ),
            (Some("blocked"), Some(40))
        );
        let posted = expect_json(
            app.post(
                &format!("/api/v1/actions/{}/updates", id(&action)),
                member_token,
                &json!({"status": "done", "comment": "完成"}),
            )
            .await,
            StatusCode::CREATED,
        )
        .await;
        assert_eq!(
            (
                posted["action"]["status"].as_str(),
                posted["action"]["progress"].as_i64()
            ),
            (Some("done"), Some(100))
        );
        assert!(posted["action"]["blocked_reason"].is_null());
        let mine = expect_json(
            app.get("/api/v1/me/actions", member_token).await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(mine["items"].as_array().unwrap().len(), 0);
        let detail = plan_detail(&app, token, &pid).await;
        let latest = detail["actions"][0]["latest_updates"].as_array().unwrap();
        assert_eq!(latest.len(), 2);
        assert_eq!(latest[0]["comment"], "完成");

        // The audit trail has every step change with its actor.
        let trail = expect_json(
            app.get("/api/v1/audit?entity=step&limit=200", &app.admin_token)
                .await,
            StatusCode::OK,
        )
        .await;
        let changes: Vec<(&str, &str)> = trail["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["action"] == "update")
            .map(|e| {
                (
                    e["after"]["status"].as_str().unwrap(),
                    e["actor_id"].as_str().unwrap(),
                )
            })
            .collect();
        // Cycle 1: one skip and six completions; cycle 2: steps 3 and 4.
        assert_eq!(changes.len(), 9, "{changes:?}");
        assert_eq!(
            changes[0],
            ("skipped", s.coordinator.0["id"].as_str().unwrap())
        );
        assert!(
            changes[1..]
                .iter()
                .all(|(status, actor)| *status == "done" && *actor == head["id"].as_str().unwrap())
        );
    }
);

both_databases!(
    who_may_change_plans_actions_and_updates,
    |app: TestApp| async move {
        let s = setup(&app).await;
        let rel = id(&s.relationship);
        let (_, exec) = app.someone("executive", None).await;
        let om_member = app.someone("member", s.om_dept["id"].as_str()).await;

        // Plans: the provider's head and a coordinator yes; another head, a member, an executive no.
        for token in [&s.om_head.1, &s.member.1, &exec] {
            expect_problem(
                app.post(
                    &format!("/api/v1/relationships/{rel}/plans"),
                    token,
                    &json!({"title": "Nope"}),
                )
                .await,
                StatusCode::FORBIDDEN,
            )
            .await;
        }
        let plan = expect_json(
            app.post(
                &format!("/api/v1/relationships/{rel}/plans"),
                &s.head.1,
                &json!({"title": "Mine"}),
            )
            .await,
            StatusCode::CREATED,
        )
        .await;
        expect_json(
            app.post(
                &format!("/api/v1/relationships/{rel}/plans"),
                &s.coordinator.1,
                &json!({"title": "Coordinated"}),
            )
            .await,
            StatusCode::CREATED,
        )
        .await;
        let pid = id(&plan);

        // Actions: a head in their own department, to their own people.
        let resp = app
            .post(
                &format!("/api/v1/plans/{pid}/actions"),
                &s.head.1,
                &json!({"title": "X", "department_id": s.om_dept["id"]}),
            )
            .await;
        expect_problem(resp, StatusCode::FORBIDDEN).await;
        let resp = app
            .post(
                &format!("/api/v1/plans/{pid}/actions"),
                &s.head.1,
                &json!({"title": "X", "owner_id": om_member.0["id"]}),
            )
            .await;
        assert_eq!(
            problem_fields(&expect_problem(resp, StatusCode::UNPROCESSABLE_ENTITY).await),
            ["owner_id"]
        );
        let resp = app
            .post(
                &format!("/api/v1/plans/{pid}/actions"),
                &s.om_head.1,
                &json!({"title": "X"}),
            )
            .await;
        expect_problem(resp, StatusCode::FORBIDDEN).await;
        let action = expect_json(
            app.post(
                &format!("/api/v1/plans/{pid}/actions"),
                &s.head.1,
                &json!({"title": "Mine", "owner_id": s.member.0["id"], "due_date": "2020-01-01"}),
            )
            .await,
            StatusCode::CREATED,
        )
        .await;
        assert_eq!(action["overdue"], true);
        let other = expect_json(
            app.post(
                &format!("/api/v1/plans/{pid}/actions"),
                &s.coordinator.1,
                &json!({"title": "Someone else's", "owner_id": s.head.0["id"]}),
            )
            .await,
            StatusCode::CREATED,
        )
        .await;
        let resp = app
            .patch(
                &format!("/api/v1/actions/{}", id(&action)),
                &s.om_head.1,
                Some("\"1\""),
                &json!({"title": "Stolen"}),
            )
            .await;
        expect_problem(resp, StatusCode::FORBIDDEN).await;
        expect_json(
            app.patch(
                &format!("/api/v1/actions/{}", id(&action)),
                &s.head.1,
                Some("\"1\""),
                &json!({"title": "Renamed"}),
            )
            .await,
            StatusCode::OK,
        )
        .await;

        // Updates: a member on their own action only; an executive never.
        let update = json!({"progress": 10});
        expect_json(
            app.post(
                &format!("/api/v1/actions/{}/updates", id(&action)),
                &s.member.1,
                &update,
            )
            .await,
            StatusCode::CREATED,
        )
        .await;
        expect_problem(
            app.post(
                &format!("/api/v1/actions/{}/updates", id(&other)),
                &s.member.1,
                &update,
            )
            .await,
            StatusCode::FORBIDDEN,
        )
        .await;
        expect_problem(
            app.post(
                &format!("/api/v1/actions/{}/updates", id(&action)),
                &exec,
                &update,
            )
            .await,
            StatusCode::FORBIDDEN,
        )
        .await;
        expect_problem(
            app.post(
                &format!("/api/v1/actions/{}/updates", id(&action)),
                &s.om_head.1,
                &update,
            )
            .await,
            StatusCode::FORBIDDEN,
        )
        .await;
        // Everyone reads.
        for token in [&exec, &om_member.1] {
            expect_json(
                app.get(&format!("/api/v1/plans/{pid}"), token).await,
                StatusCode::OK,
            )
            .await;
        }
        let dept_actions = expect_json(
            app.get(
                &format!(
                    "/api/v1/departments/{}/actions?overdue=true",
                    id(&s.plan_dept)
                ),
                &exec,
            )
            .await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(dept_actions["items"].as_array().unwrap().len(), 1);
        let dept_plans = expect_json(
            app.get(
                &format!("/api/v1/departments/{}/plans", id(&s.plan_dept)),
                &exec,
            )
            .await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(dept_plans["items"].as_array().unwrap().len(), 2);
        let updates = expect_json(
            app.get(&format!("/api/v1/actions/{}/updates", id(&action)), &exec)
                .await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(updates["items"].as_array().unwrap().len(), 1);
    }
);

both_databases!(
    the_plan_view_costs_the_same_queries_for_one_action_or_many,
    |app: TestApp| async move {
        let s = setup(&app).await;
        let token = &s.head.1;
        let plan = expect_json(
            app.post(
                &format!("/api/v1/relationships/{}/plans", id(&s.relationship)),
                token,
                &json!({"title": "Count"}),
            )
            .await,
            StatusCode::CREATED,
        )
        .await;
        let pid = id(&plan);
        let queries = |resp: &reqwest::Response| {
            resp.headers()["x-query-count"]
                .to_str()
                .unwrap()
                .parse::<u32>()
                .unwrap()
        };
        let mut counts = Vec::new();
        for round in 0..3 {
            for i in 0..(round * 4 + 1) {
                let action = expect_json(
                    app.post(
                        &format!("/api/v1/plans/{pid}/actions"),
                        token,
                        &json!({"title": format!("A{round}-{i}"), "owner_id": s.member.0["id"]}),
                    )
                    .await,
                    StatusCode::CREATED,
                )
                .await;
                expect_json(
                    app.post(
                        &format!("/api/v1/actions/{}/updates", id(&action)),
                        &s.member.1,
                        &json!({"progress": 5}),
                    )
                    .await,
                    StatusCode::CREATED,
                )
                .await;
            }
            let resp = app.get(&format!("/api/v1/plans/{pid}"), token).await;
            counts.push(queries(&resp));
            let detail = expect_json(resp, StatusCode::OK).await;
            assert!(
                detail["actions"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .all(|a| a["latest_updates"].as_array().unwrap().len() == 1)
            );
        }
        assert!(
            counts.windows(2).all(|w| w[0] == w[1]),
            "queries grew with actions: {counts:?}"
        );
        assert!(
            counts[0] <= 5,
            "plan, steps, actions, updates (+ token on a cache miss): {counts:?}"
        );
    }
);

both_databases!(
    key_point_and_measurement_rules_refuse_and_write_nothing,
    |app: TestApp| async move {
        let s = setup(&app).await;
        let rel = id(&s.relationship);
        expect_problem(
            app.post(
                &format!("/api/v1/relationships/{rel}/key-points"),
                &s.om_head.1,
                &json!({"name": "Theirs"}),
            )
            .await,
            StatusCode::FORBIDDEN,
        )
        .await;
        let point = expect_json(
            app.post(
                &format!("/api/v1/relationships/{rel}/key-points"),
                &s.head.1,
                &json!({"name": "Dates"}),
            )
            .await,
            StatusCode::CREATED,
        )
        .await;
        let path = format!("/api/v1/key-points/{}/measurements", id(&point));
        let good = json!({"period_start": "2026-10-01", "period_end": "2026-10-31", "expectation_score": 9, "experience_score": 6, "importance": 4, "source": "interview"});
        let cases = [
            ("experience_score", json!(0)),
            ("provider_rating", json!(10.5)),
            ("importance", json!(6)),
            ("period_end", json!("2026-09-01")),
            ("source", json!("gossip")),
            ("sample_size", json!(0)),
        ];
        for (field, value) in cases {
            let mut body = good.clone();
            body[field] = value;
            let problem = expect_problem(
                app.post(&path, &s.head.1, &body).await,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
            assert_eq!(problem_fields(&problem), [field], "{body}");
        }
        let listed = expect_json(app.get(&path, &s.head.1).await, StatusCode::OK).await;
        assert_eq!(listed["items"].as_array().unwrap().len(), 0);
        expect_json(app.post(&path, &s.head.1, &good).await, StatusCode::CREATED).await;
        let listed = expect_json(app.get(&path, &s.member.1).await, StatusCode::OK).await;
        assert_eq!(listed["items"][0]["source"], "interview");
    }
);

both_databases!(
    a_relationship_with_plans_is_archived_not_deleted,
    |app: TestApp| async move {
        let s = setup(&app).await;
        let rel = id(&s.relationship);
        expect_json(
            app.post(
                &format!("/api/v1/relationships/{rel}/plans"),
                &s.head.1,
                &json!({"title": "History"}),
            )
            .await,
            StatusCode::CREATED,
        )
        .await;
        let path = format!("/api/v1/relationships/{rel}");
        let resp = app
            .request(reqwest::Method::DELETE, &path, Some(&s.coordinator.1))
            .header("If-Match", "\"1\"")
            .send()
            .await
            .unwrap();
        let problem = expect_problem(resp, StatusCode::CONFLICT).await;
        assert!(
            problem["detail"]
                .as_str()
                .unwrap()
                .contains("archive it instead"),
            "{problem}"
        );
        let still = expect_json(app.get(&path, &s.coordinator.1).await, StatusCode::OK).await;
        assert_eq!(still["archived"], false);
    }
);

both_databases!(
    updates_posted_at_once_on_one_action_all_land,
    |app: TestApp| async move {
        let s = setup(&app).await;
        let plan = expect_json(
            app.post(
                &format!("/api/v1/relationships/{}/plans", id(&s.relationship)),
                &s.head.1,
                &json!({"title": "Busy"}),
            )
            .await,
            StatusCode::CREATED,
        )
        .await;
        let action = expect_json(
            app.post(
                &format!("/api/v1/plans/{}/actions", id(&plan)),
                &s.head.1,
                &json!({"title": "Shared", "owner_id": s.member.0["id"]}),
            )
            .await,
            StatusCode::CREATED,
        )
        .await;
        // An update claims no version: the head and the owner posting at the same
        // moment both land, none gets a 412 for an If-Match it never sent.
        let path = format!("/api/v1/actions/{}/updates", id(&action));
        let posts = (0..12).map(|n| {
            let (app, path) = (&app, &path);
            let token = if n % 2 == 0 { &s.head.1 } else { &s.member.1 };
            async move {
                let resp = app
                    .post(
                        path,
                        token,
                        &json!({"progress": n * 5, "comment": format!("note {n}")}),
                    )
                    .await;
                resp.status()
            }
        });
        let statuses = futures_util::future::join_all(posts).await;
        assert!(
            statuses.iter().all(|s| *s == StatusCode::CREATED),
            "{statuses:?}"
        );
        let listed = expect_json(
            app.get(&format!("{path}?limit=100"), &s.head.1).await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(listed["items"].as_array().unwrap().len(), 12, "{listed}");
        let now = expect_json(
            app.get(&format!("/api/v1/actions/{}", id(&action)), &s.head.1)
                .await,
            StatusCode::OK,
        )
        .await;
        // Twelve updates moved the action twelve times from its first version.
        assert_eq!(now["version"], 13, "{now}");
    }
);
