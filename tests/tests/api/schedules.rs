//! Reminder schedules: crontab lines in a time zone, checked, previewed across a
//! daylight-saving change, changed only by a coordinator with the right version.

use cxpm_tests::{TestApp, both_databases, expect_json, expect_problem, problem_fields};
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
