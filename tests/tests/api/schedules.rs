//! Reminder schedules: crontab lines in a time zone, checked, previewed across a
//! daylight-saving change, changed only by a coordinator with the right version.

use cxpm_tests::{
    Remind, Reminded, TestApp, both_databases, expect_json, expect_problem, problem_fields,
};
use reqwest::StatusCode;
use serde_json::{Value, json};

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_owned()
}

both_databases!(
    schedules_are_checked_previewed_and_changed_with_a_version,
    |app: TestApp| async move {
        let (_, coord) = app.someone("coordinator", None).await;
        let (_, exec) = app.someone("executive", None).await;
        let program = expect_json(
            app.post("/api/v1/programs", &coord, &json!({"name": "Reminders"}))
                .await,
            StatusCode::CREATED,
        )
        .await;
        let schedules = format!("/api/v1/programs/{}/schedules", id(&program));

        // Every bad field in one answer, each named with why.
        let bad = expect_problem(
            app.post(
                &schedules,
                &coord,
                &json!({"kind": "overdue", "cron": "0 9 * * 8", "time_zone": "Mars/Olympus",
                        "escalate_after_days": 0}),
            )
            .await,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        assert_eq!(
            problem_fields(&bad),
            ["cron", "time_zone", "escalate_after_days"]
        );
        let never = expect_problem(
            app.post(
                &schedules,
                &coord,
                &json!({"kind": "overdue", "cron": "0 9 30 2 *", "time_zone": "UTC"}),
            )
            .await,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        assert!(
            never["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains("never fires")
        );
        expect_problem(
            app.post(
                &schedules,
                &coord,
                &json!({"kind": "weekly", "cron": "0 9 * * 1", "time_zone": "UTC"}),
            )
            .await,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        expect_problem(
            app.post(
                &schedules,
                &exec,
                &json!({"kind": "overdue", "cron": "0 9 * * 1", "time_zone": "UTC"}),
            )
            .await,
            StatusCode::FORBIDDEN,
        )
        .await;

        // Weekdays at 09:00 in London: crontab's 1-5 is Monday to Friday.
        let daily = expect_json(
            app.post(
                &schedules,
                &coord,
                &json!({"kind": "overdue", "cron": "0 9 * * 1-5", "time_zone": "Europe/London",
                        "escalate_after_days": 2}),
            )
            .await,
            StatusCode::CREATED,
        )
        .await;
        assert_eq!(
            (
                &daily["look_ahead_days"],
                &daily["escalate_after_days"],
                &daily["enabled"]
            ),
            (&json!(7), &json!(2), &json!(true))
        );
        assert!(daily["next_fire_at"].is_string());
        let preview = expect_json(
            app.get(
                &format!(
                    "/api/v1/schedules/{}/preview?after=2027-03-25T12:00:00Z",
                    id(&daily)
                ),
                &exec,
            )
            .await,
            StatusCode::OK,
        )
        .await;
        let times: Vec<(&str, &str)> = preview["fire_times"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| (t["local"].as_str().unwrap(), t["utc"].as_str().unwrap()))
            .collect();
        // Friday 26 March in GMT; the clocks go forward on Sunday 28 March; Monday
        // 29 March 09:00 is 08:00 UTC. No weekend.
        assert_eq!(times.len(), 5);
        assert!(times[0].0.starts_with("2027-03-26T09:00:00") && times[0].0.ends_with("+00:00"));
        assert!(times[0].1.starts_with("2027-03-26T09:00:00"));
        assert!(times[1].0.starts_with("2027-03-29T09:00:00") && times[1].0.ends_with("+01:00"));
        assert!(times[1].1.starts_with("2027-03-29T08:00:00"));
        expect_problem(
            app.get(
                &format!("/api/v1/schedules/{}/preview?count=0", id(&daily)),
                &exec,
            )
            .await,
            StatusCode::BAD_REQUEST,
        )
        .await;

        // Changes need the version; disabling clears the next fire time.
        let path = format!("/api/v1/schedules/{}", id(&daily));
        expect_problem(
            app.patch(&path, &coord, None, &json!({"enabled": false}))
                .await,
            StatusCode::PRECONDITION_REQUIRED,
        )
        .await;
        let off = expect_json(
            app.patch(&path, &coord, Some("\"1\""), &json!({"enabled": false}))
                .await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(
            (&off["enabled"], &off["next_fire_at"]),
            (&json!(false), &Value::Null)
        );
        expect_problem(
            app.patch(&path, &coord, Some("\"1\""), &json!({"enabled": true}))
                .await,
            StatusCode::PRECONDITION_FAILED,
        )
        .await;
        let bad_change = expect_problem(
            app.patch(
                &path,
                &coord,
                Some("\"2\""),
                &json!({"cron": "61 9 * * *", "stale_after_days": 400}),
            )
            .await,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        assert_eq!(problem_fields(&bad_change), ["cron", "stale_after_days"]);
        let on = expect_json(
            app.patch(
                &path,
                &coord,
                Some("\"2\""),
                &json!({"enabled": true, "cron": "30 8 * * 0", "time_zone": "Asia/Shanghai"}),
            )
            .await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(
            (on["cron"].as_str(), on["version"].as_i64()),
            (Some("30 8 * * 0"), Some(3))
        );
        let next = on["next_fire_at"].as_str().unwrap();
        // Sundays 08:30 in Shanghai are Saturdays 00:30 UTC.
        assert!(next.contains("T00:30:00"), "{next}");

        let list = expect_json(
            app.get(&format!("{schedules}?kind=overdue&enabled=true"), &exec)
                .await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(list["items"].as_array().unwrap().len(), 1);
        let audit = expect_json(
            app.get(
                &format!("/api/v1/audit?entity_id={}", id(&daily)),
                &app.admin_token,
            )
            .await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(audit["items"].as_array().unwrap().len(), 3);
    }
);

both_databases!(
    a_dry_run_shows_one_mail_per_person_escalated_in_their_language,
    |app: TestApp| async move {
        let Reminded {
            coord,
            program,
            head,
            owner,
            action,
            ..
        } = app
            .action_to_remind(Remind {
                department: "质量检验 Quality",
                program: "Entregas",
                head: ("李娜", "zh-CN"),
                owner: ("João", "pt-BR"),
                action: "Release <checklist>",
                due: "2027-01-10",
            })
            .await;
        let schedule = |kind: &str| {
            let body = json!({"kind": kind, "cron": "0 9 * * *", "time_zone": "UTC", "escalate_after_days": 2});
            let path = format!("/api/v1/programs/{}/schedules", id(&program));
            let (app, coord) = (&app, coord.clone());
            async move { expect_json(app.post(&path, &coord, &body).await, StatusCode::CREATED).await }
        };
        let overdue = schedule("overdue").await;
        let upcoming = schedule("upcoming_due").await;
        let dry_run = |s: &Value, at: &str| {
            let path = format!("/api/v1/schedules/{}/dry-run?at={at}", id(s));
            let (app, coord) = (&app, coord.clone());
            async move { expect_json(app.post(&path, &coord, &json!({})).await, StatusCode::OK).await }
        };

        // Due in two days: the owner, in Portuguese.
        let soon = dry_run(&upcoming, "2027-01-08T09:00:00Z").await;
        let mails = soon["mails"].as_array().unwrap();
        assert_eq!(mails.len(), 1);
        assert_eq!(mails[0]["to"], owner["email"]);
        assert_eq!(
            mails[0]["subject"],
            "[cxpm] 1 ação vence em breve — Entregas"
        );
        assert!(
            mails[0]["text"]
                .as_str()
                .unwrap()
                .contains("vence em 2 dias")
        );

        // A day late: only the owner; three days late (grace 2): the head too, in Chinese.
        let late = dry_run(&overdue, "2027-01-11T09:00:00Z").await;
        assert_eq!(late["mails"].as_array().unwrap().len(), 1);
        let later = dry_run(&overdue, "2027-01-13T09:00:00Z").await;
        let mails = later["mails"].as_array().unwrap();
        let to: Vec<&Value> = mails.iter().map(|m| &m["to"]).collect();
        assert_eq!(mails.len(), 2, "{later}");
        assert!(to.contains(&&owner["email"]) && to.contains(&&head["email"]));
        let to_head = mails.iter().find(|m| m["to"] == head["email"]).unwrap();
        assert_eq!(to_head["subject"], "[cxpm] 1 项行动已逾期 — Entregas");
        assert!(
            to_head["text"]
                .as_str()
                .unwrap()
                .contains("已逾期 3 天，已上报给您（部门负责人）")
        );
        assert!(
            to_head["html"]
                .as_str()
                .unwrap()
                .contains("Release &#60;checklist&#62;")
        );
        assert_eq!(to_head["items"], json!([action["id"]]));
        // The Message-ID is stable for the schedule, tick and recipient.
        let again = dry_run(&overdue, "2027-01-13T09:00:00Z").await;
        let ids = |v: &Value| -> Vec<String> {
            v["mails"]
                .as_array()
                .unwrap()
                .iter()
                .map(|m| m["message_id"].as_str().unwrap().to_owned())
                .collect()
        };
        assert_eq!(ids(&later), ids(&again));
        assert_ne!(
            ids(&later),
            ids(&dry_run(&overdue, "2027-01-14T09:00:00Z").await)
        );

        // Done: nobody is reminded; a member may not dry-run.
        expect_json(
            app.post(
                &format!("/api/v1/actions/{}/updates", id(&action)),
                &coord,
                &json!({"status": "done", "progress": 100}),
            )
            .await,
            StatusCode::CREATED,
        )
        .await;
        assert_eq!(
            dry_run(&overdue, "2027-01-13T09:00:00Z").await["mails"],
            json!([])
        );
        let (_, member) = app.someone("member", None).await;
        expect_problem(
            app.post(
                &format!("/api/v1/schedules/{}/dry-run", id(&overdue)),
                &member,
                &json!({}),
            )
            .await,
            StatusCode::FORBIDDEN,
        )
        .await;
    }
);

both_databases!(
    running_a_schedule_queues_one_mail_per_person_once_per_tick,
    |app: TestApp| async move {
        // Three days overdue with a two-day grace: the owner and the head (five days
        // would reach the coordinator as well).
        let due = (chrono::Utc::now().date_naive() - chrono::Duration::days(3)).to_string();
        let Reminded {
            coord,
            program,
            owner,
            ..
        } = app
            .action_to_remind(Remind {
                department: "Quality",
                program: "Now",
                head: ("Ana", "pt-BR"),
                owner: ("Wang Fang", "zh-CN"),
                action: "Release checklist",
                due: &due,
            })
            .await;
        let schedule = expect_json(
            app.post(
                &format!("/api/v1/programs/{}/schedules", id(&program)),
                &coord,
                &json!({"kind": "overdue", "cron": "0 9 * * *", "time_zone": "UTC", "escalate_after_days": 2}),
            )
            .await,
            StatusCode::CREATED,
        )
        .await;
        let run = format!("/api/v1/schedules/{}/run", id(&schedule));
        let first = expect_json(app.post(&run, &coord, &json!({})).await, StatusCode::OK).await;
        assert_eq!(
            (first["planned"].as_i64(), first["queued"].as_i64()),
            (Some(2), Some(2))
        );
        let second = expect_json(app.post(&run, &coord, &json!({})).await, StatusCode::OK).await;
        if second["fired_at"] == first["fired_at"] {
            assert_eq!(second["queued"], 0, "the same tick queues nothing new");
        } else {
            assert_eq!(second["queued"], 2, "a new minute is a new tick");
        }
        let outbox = expect_json(
            app.get(
                &format!(
                    "/api/v1/outbox?schedule_id={}&recipient_id={}",
                    id(&schedule),
                    id(&owner)
                ),
                &coord,
            )
            .await,
            StatusCode::OK,
        )
        .await;
        let mail = &outbox["items"][0];
        assert_eq!(
            (
                mail["to"].as_str(),
                mail["locale"].as_str(),
                mail["status"].as_str()
            ),
            (owner["email"].as_str(), Some("zh-CN"), Some("pending"))
        );
        assert_eq!(mail["subject"], "[cxpm] 1 项行动已逾期 — Now");
        assert!(
            mail["message_id"]
                .as_str()
                .unwrap()
                .starts_with("<reminder.")
        );
        let (_, member) = app.someone("member", None).await;
        expect_problem(
            app.get("/api/v1/outbox", &member).await,
            StatusCode::FORBIDDEN,
        )
        .await;
        expect_problem(
            app.post(&run, &member, &json!({})).await,
            StatusCode::FORBIDDEN,
        )
        .await;
        let audit = expect_json(
            app.get(
                &format!("/api/v1/audit?entity_id={}", id(&schedule)),
                &app.admin_token,
            )
            .await,
            StatusCode::OK,
        )
        .await;
        assert!(
            audit["items"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["action"] == "fire")
        );
    }
);

both_databases!(
    a_plans_feedback_cadence_asks_its_owner_for_feedback_once_it_ticks,
    |app: TestApp| async move {
        let Reminded {
            coord,
            program,
            head,
            owner,
            action,
            ..
        } = app
            .action_to_remind(Remind {
                department: "Qualidade",
                program: "Entregas",
                head: ("Ana", "pt-BR"),
                owner: ("João", "pt-BR"),
                action: "Checklist de liberação",
                due: "2027-06-01",
            })
            .await;
        let plan_path = format!("/api/v1/plans/{}", action["plan_id"].as_str().unwrap());
        // Mondays at 09:00 in São Paulo (12:00 UTC), kept by João.
        let plan = expect_json(
            app.patch(
                &plan_path,
                &coord,
                Some("\"1\""),
                &json!({"owner_id": owner["id"], "cadence_cron": "0 9 * * 1",
                    "cadence_time_zone": "America/Sao_Paulo"}),
            )
            .await,
            StatusCode::OK,
        )
        .await;
        let requests = expect_json(
            app.post(
                &format!("/api/v1/programs/{}/schedules", id(&program)),
                &coord,
                &json!({"kind": "measurement_request", "cron": "0 8 * * *",
                    "time_zone": "America/Sao_Paulo", "stale_after_days": 60}),
            )
            .await,
            StatusCode::CREATED,
        )
        .await;
        let dry_run = |at: &str| {
            let path = format!("/api/v1/schedules/{}/dry-run?at={at}", id(&requests));
            let (app, coord) = (&app, coord.clone());
            async move { expect_json(app.post(&path, &coord, &json!({})).await, StatusCode::OK).await }
        };

        // The plan's cycle began now; its first tick is the first Monday 09:00 in São
        // Paulo (12:00 UTC) after now — today, on a Monday morning — and the day after
        // it the request is due.
        let now = chrono::Utc::now();
        let monday = now
            .date_naive()
            .iter_days()
            .find(|d| {
                chrono::Datelike::weekday(d) == chrono::Weekday::Mon
                    && d.and_hms_opt(12, 0, 0).unwrap().and_utc() > now
            })
            .unwrap();
        let before_monday = format!("{monday}T11:59:00Z");
        let after_monday = format!("{}T11:00:00Z", monday.succ_opt().unwrap());

        // No Monday has passed since the plan's cycle began: nothing to ask.
        assert_eq!(dry_run(&before_monday).await["mails"], json!([]));
        // From the next Monday on, its owner is asked, in Portuguese, with a link.
        let asked = dry_run(&after_monday).await;
        let mails = asked["mails"].as_array().unwrap();
        assert_eq!(mails.len(), 1, "{asked}");
        assert_eq!(mails[0]["to"], owner["email"]);
        assert_eq!(mails[0]["items"], json!([plan["id"]]));
        let text = mails[0]["text"].as_str().unwrap();
        assert!(
            text.contains(&format!(
                "feedback do cliente interno pendente desde {monday}"
            )),
            "{text}"
        );
        // Mail links open pages, never the API.
        assert!(text.contains(&format!("/plans/{}", id(&plan))));
        assert!(!text.contains("/api/"), "{text}");

        // Without an owner the plan's feedback is its department head's to ask for.
        expect_json(
            app.patch(
                &plan_path,
                &coord,
                Some("\"2\""),
                &json!({"owner_id": null}),
            )
            .await,
            StatusCode::OK,
        )
        .await;
        let asked = dry_run(&after_monday).await;
        assert_eq!(asked["mails"][0]["to"], head["email"]);

        // A paused plan asks nothing.
        expect_json(
            app.patch(
                &plan_path,
                &coord,
                Some("\"3\""),
                &json!({"status": "paused"}),
            )
            .await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(dry_run(&after_monday).await["mails"], json!([]));
    }
);
