use cxpm_tests::{TestApp, both_databases, expect_json, expect_problem, problem_fields};
use reqwest::StatusCode;
use serde_json::{Value, json};

both_databases!(
    chinese_and_portuguese_names_round_trip_exactly,
    |app: TestApp| async move {
        let dept = app.department("售后服务部", "SVC").await;
        for (name, email, locale, tz) in [
            ("张伟", "zhang.wei@example.cn", "zh-CN", "Asia/Shanghai"),
            (
                "João Conceição",
                "joao@example.com.br",
                "pt-BR",
                "America/Sao_Paulo",
            ),
        ] {
            let resp = app
            .post(
                "/api/v1/people",
                &app.admin_token,
                &json!({"name": name, "email": email, "role": "member", "department_id": dept["id"], "locale": locale, "time_zone": tz}),
            )
            .await;
            let created = expect_json(resp, StatusCode::CREATED).await;
            let read = expect_json(
                app.get(
                    &format!("/api/v1/people/{}", created["id"].as_str().unwrap()),
                    &app.admin_token,
                )
                .await,
                StatusCode::OK,
            )
            .await;
            assert_eq!(read["name"], name);
            assert_eq!(read["locale"], locale);
            assert_eq!(read["time_zone"], tz);
            assert_eq!(read["department_id"], dept["id"]);
        }
    }
);

both_databases!(
    a_duplicate_email_is_409_whatever_its_case,
    |app: TestApp| async move {
        app.person("Ana", "ana@example.com", "member", None).await;
        let resp = app
            .post(
                "/api/v1/people",
                &app.admin_token,
                &json!({"name": "Ana 2", "email": "ANA@example.com", "role": "member"}),
            )
            .await;
        let problem = expect_problem(resp, StatusCode::CONFLICT).await;
        assert_eq!(problem_fields(&problem), ["email"]);
        let all = expect_json(
            app.get("/api/v1/people?q=ana", &app.admin_token).await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(all["items"].as_array().unwrap().len(), 1);
    }
);

both_databases!(
    people_filter_by_department_role_status_and_name,
    |app: TestApp| async move {
        let plan = app.department("Planning", "PLAN").await;
        let plan_id = plan["id"].as_str().unwrap();
        app.person("Li Na", "li@example.com", "department_head", Some(plan_id))
            .await;
        let member = app
            .person("Chen Jie", "chen@example.com", "member", Some(plan_id))
            .await;
        app.person("Maria Souza", "maria@example.com", "member", None)
            .await;

        let names = |v: serde_json::Value| -> Vec<String> {
            v["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p["name"].as_str().unwrap().to_owned())
                .collect()
        };
        let in_plan = expect_json(
            app.get(
                &format!("/api/v1/people?department_id={plan_id}"),
                &app.admin_token,
            )
            .await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(names(in_plan), ["Li Na", "Chen Jie"]);
        let members = expect_json(
            app.get("/api/v1/people?role=member", &app.admin_token)
                .await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(names(members), ["Chen Jie", "Maria Souza"]);
        let found = expect_json(
            app.get("/api/v1/people?q=SOUZA", &app.admin_token).await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(names(found), ["Maria Souza"]);

        let resp = app
            .patch(
                &format!("/api/v1/people/{}", member["id"].as_str().unwrap()),
                &app.admin_token,
                Some("\"1\""),
                &json!({"active": false}),
            )
            .await;
        assert_eq!(expect_json(resp, StatusCode::OK).await["active"], false);
        let inactive = expect_json(
            app.get("/api/v1/people?active=false", &app.admin_token)
                .await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(names(inactive), ["Chen Jie"]);
        let resp = app.get("/api/v1/people?role=owner", &app.admin_token).await;
        expect_problem(resp, StatusCode::BAD_REQUEST).await;
    }
);

both_databases!(
    a_person_is_changed_field_by_field,
    |app: TestApp| async move {
        let dept = app.department("Planning", "PLAN").await;
        let person = app
            .person("Li Na", "li@example.com", "member", dept["id"].as_str())
            .await;
        let path = format!("/api/v1/people/{}", person["id"].as_str().unwrap());
        let resp = app
            .patch(
                &path,
                &app.admin_token,
                Some("\"1\""),
                &json!({"role": "department_head", "locale": "zh-CN", "department_id": null}),
            )
            .await;
        let changed = expect_json(resp, StatusCode::OK).await;
        assert_eq!(changed["role"], "department_head");
        assert_eq!(changed["locale"], "zh-CN");
        assert!(changed["department_id"].is_null());
        assert_eq!(changed["name"], "Li Na");

        let resp = app
            .patch(
                &path,
                &app.admin_token,
                Some("\"2\""),
                &json!({"time_zone": "Mars/Olympus"}),
            )
            .await;
        assert_eq!(
            problem_fields(&expect_problem(resp, StatusCode::UNPROCESSABLE_ENTITY).await),
            ["time_zone"]
        );
    }
);

const GOOD_CSV: &str = "name,email,department_code,role,locale,time_zone\n\
张伟,zhang.wei@example.cn,plan,department_head,zh-CN,Asia/Shanghai\n\
João Conceição,joao@example.com.br,,member,pt-BR,America/Sao_Paulo\n\
\"Smith, Anne\",anne@example.com,PLAN,coordinator,,\n";

both_databases!(
    a_csv_dry_run_validates_and_writes_nothing,
    |app: TestApp| async move {
        app.department("计划部", "PLAN").await;
        let audit_before = app.audit_count().await;
        let report = expect_json(app.import_people(GOOD_CSV, true).await, StatusCode::OK).await;
        assert_eq!(report["dry_run"], true);
        assert_eq!(report["rows"], 3);
        assert_eq!(report["created"].as_array().unwrap().len(), 0);
        assert_eq!(app.audit_count().await, audit_before);
        let people = expect_json(
            app.get("/api/v1/people", &app.admin_token).await,
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
    a_csv_import_creates_everyone_with_names_intact_and_audited,
    |app: TestApp| async move {
        let dept = app.department("计划部", "PLAN").await;
        let report = expect_json(app.import_people(GOOD_CSV, false).await, StatusCode::OK).await;
        assert_eq!(report["created"].as_array().unwrap().len(), 3);
        let in_plan = expect_json(
            app.get(
                &format!(
                    "/api/v1/people?department_id={}",
                    dept["id"].as_str().unwrap()
                ),
                &app.admin_token,
            )
            .await,
            StatusCode::OK,
        )
        .await;
        let names: Vec<&str> = in_plan["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["张伟", "Smith, Anne"]);
        let joao = expect_json(
            app.get("/api/v1/people?q=jo%C3%A3o", &app.admin_token)
                .await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(joao["items"][0]["name"], "João Conceição");
        let trail = expect_json(
            app.get("/api/v1/audit?entity=person&limit=200", &app.admin_token)
                .await,
            StatusCode::OK,
        )
        .await;
        let imports = trail["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["action"] == "import")
            .count();
        assert_eq!(imports, 3);
    }
);

both_databases!(
    a_csv_with_any_bad_line_writes_nothing_and_names_every_line,
    |app: TestApp| async move {
        app.department("Planning", "PLAN").await;
        app.person("Existing", "taken@example.com", "member", None)
            .await;
        let csv = "name,email,department_code,role\n\
Good One,good@example.com,PLAN,member\n\
,not-an-email,NOPE,owner\n\
Taken,taken@example.com,,member\n\
Twice,good@example.com,,member\n";
        let audit_before = app.audit_count().await;
        let problem = expect_problem(
            app.import_people(csv, false).await,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        assert_eq!(
            problem_fields(&problem),
            [
                "line 3: name",
                "line 3: email",
                "line 3: role",
                "line 5: email"
            ],
            "format errors come first: {problem}"
        );
        // With the format fixed, references are checked: unknown code, taken email.
        let csv = "name,email,department_code,role\nGood One,good@example.com,NOPE,member\nTaken,taken@example.com,,member\n";
        let problem = expect_problem(
            app.import_people(csv, false).await,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        assert_eq!(
            problem_fields(&problem),
            ["line 2: department_code", "line 3: email"]
        );
        assert_eq!(app.audit_count().await, audit_before);
        let people = expect_json(
            app.get("/api/v1/people", &app.admin_token).await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(
            people["items"].as_array().unwrap().len(),
            2,
            "the admin and Existing only"
        );
    }
);

both_databases!(
    admins_deactivating_each_other_at_once_leave_one_admin,
    |app: TestApp| async move {
        // A ring of admins, each deactivating the next, all at the same moment: each
        // alone would be allowed (others remain), all together would lock everyone
        // out. The checks must see each other.
        let me = expect_json(
            app.get("/api/v1/me", &app.admin_token).await,
            StatusCode::OK,
        )
        .await;
        let mut ring = vec![(me, app.admin_token.clone())];
        for _ in 0..5 {
            ring.push(app.someone("admin", None).await);
        }
        let n = ring.len();
        let deactivations = (0..n).map(|i| {
            let (app, ring) = (&app, &ring);
            async move {
                let (next, _) = &ring[(i + 1) % n];
                let path = format!("/api/v1/people/{}", next["id"].as_str().unwrap());
                let etag = format!("\"{}\"", next["version"]);
                app.patch(&path, &ring[i].1, Some(&etag), &json!({"active": false}))
                    .await
                    .status()
            }
        });
        let statuses = futures_util::future::join_all(deactivations).await;
        // Whoever is still an admin reads who is.
        let mut active = 0;
        for (_, token) in &ring {
            let resp = app
                .get("/api/v1/people?role=admin&active=true", token)
                .await;
            if resp.status() == StatusCode::OK {
                let people = expect_json(resp, StatusCode::OK).await;
                active = people["items"].as_array().unwrap().len();
                break;
            }
        }
        assert!(active >= 1, "no active admin left: {statuses:?}");
        let refused = statuses.iter().filter(|s| **s != StatusCode::OK).count();
        assert_eq!(active, refused, "{statuses:?}");
    }
);

both_databases!(
    admins_revoking_each_others_last_tokens_at_once_keep_a_way_in,
    |app: TestApp| async move {
        async fn token_id(app: &TestApp, person: Value, token: String) -> String {
            let path = format!("/api/v1/people/{}/tokens", person["id"].as_str().unwrap());
            let listed = expect_json(app.get(&path, &token).await, StatusCode::OK).await;
            listed["items"][0]["id"].as_str().unwrap().to_owned()
        }
        let me = expect_json(
            app.get("/api/v1/me", &app.admin_token).await,
            StatusCode::OK,
        )
        .await;
        let first = token_id(&app, me, app.admin_token.clone()).await;
        let (second_admin, second) = app.someone("admin", None).await;
        let second_id = token_id(&app, second_admin, second.clone()).await;
        // Each revokes the other's only token at the same moment.
        let (revoke_second, revoke_first) = (
            format!("/api/v1/tokens/{second_id}"),
            format!("/api/v1/tokens/{first}"),
        );
        let (a, b) = tokio::join!(
            app.delete(&revoke_second, &app.admin_token),
            app.delete(&revoke_first, &second),
        );
        // One lands; the other is refused as the last way in — or, when the first
        // revocation already took its caller's token, as unauthenticated.
        let statuses = [a.status(), b.status()];
        assert_eq!(
            statuses
                .iter()
                .filter(|s| **s == StatusCode::NO_CONTENT)
                .count(),
            1,
            "{statuses:?}"
        );
        assert!(
            statuses.contains(&StatusCode::CONFLICT)
                || statuses.contains(&StatusCode::UNAUTHORIZED),
            "{statuses:?}"
        );
        let still = [&app.admin_token, &second];
        let mut ways_in = 0;
        for token in still {
            if app.get("/api/v1/me", token).await.status() == StatusCode::OK {
                ways_in += 1;
            }
        }
        assert_eq!(ways_in, 1);
    }
);

both_databases!(
    the_last_admin_cannot_be_deactivated_demoted_or_locked_out,
    |app: TestApp| async move {
        let me = expect_json(
            app.get("/api/v1/me", &app.admin_token).await,
            StatusCode::OK,
        )
        .await;
        let path = format!("/api/v1/people/{}", me["id"].as_str().unwrap());
        let etag = format!("\"{}\"", me["version"]);
        for (body, field) in [
            (json!({"active": false}), "active"),
            (json!({"role": "coordinator"}), "role"),
        ] {
            let problem = expect_problem(
                app.patch(&path, &app.admin_token, Some(&etag), &body).await,
                StatusCode::CONFLICT,
            )
            .await;
            assert_eq!(problem_fields(&problem), [field]);
        }
        // Nor can their last token be revoked.
        let tokens = expect_json(
            app.get(&format!("{path}/tokens"), &app.admin_token).await,
            StatusCode::OK,
        )
        .await;
        let only = tokens["items"][0]["id"].as_str().unwrap().to_owned();
        let problem = expect_problem(
            app.delete(&format!("/api/v1/tokens/{only}"), &app.admin_token)
                .await,
            StatusCode::CONFLICT,
        )
        .await;
        assert!(
            problem["detail"]
                .as_str()
                .unwrap()
                .contains("last usable admin token")
        );
        expect_json(
            app.get("/api/v1/me", &app.admin_token).await,
            StatusCode::OK,
        )
        .await;

        // A second admin without a token is no way in: still refused.
        let second = app
            .person("Second admin", "second.admin@example.com", "admin", None)
            .await;
        let problem = expect_problem(
            app.patch(
                &path,
                &app.admin_token,
                Some(&etag),
                &json!({"active": false}),
            )
            .await,
            StatusCode::CONFLICT,
        )
        .await;
        assert!(
            problem["detail"].as_str().unwrap().contains("usable token"),
            "{problem}"
        );

        // With a second admin and their token both become possible.
        app.token_for(second["id"].as_str().unwrap()).await;
        let resp = app
            .delete(&format!("/api/v1/tokens/{only}"), &app.admin_token)
            .await;
        assert_eq!(resp.status(), StatusCode::NO_CONTENT);
        expect_problem(
            app.get("/api/v1/me", &app.admin_token).await,
            StatusCode::UNAUTHORIZED,
        )
        .await;
    }
);

both_databases!(
    an_admin_may_step_down_once_another_admin_can_sign_in,
    |app: TestApp| async move {
        let me = expect_json(
            app.get("/api/v1/me", &app.admin_token).await,
            StatusCode::OK,
        )
        .await;
        // Another admin, with a token of their own.
        app.someone("admin", None).await;
        let after = expect_json(
            app.patch(
                &format!("/api/v1/people/{}", me["id"].as_str().unwrap()),
                &app.admin_token,
                Some(&format!("\"{}\"", me["version"])),
                &json!({"role": "coordinator"}),
            )
            .await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(after["role"], "coordinator");
    }
);

/// A workbook with these rows (the first the header), every cell text.
fn workbook(rows: &[&[&str]]) -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (r, row) in rows.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            sheet.write_string(r as u32, c as u16, *cell).unwrap();
        }
    }
    book.save_to_buffer().unwrap()
}

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

async fn import_xlsx(app: &TestApp, bytes: Vec<u8>, dry_run: bool) -> reqwest::Response {
    app.request(
        reqwest::Method::POST,
        &format!("/api/v1/people/import?dry_run={dry_run}"),
        Some(&app.admin_token),
    )
    .header("content-type", XLSX)
    .body(bytes)
    .send()
    .await
    .unwrap()
}

both_databases!(
    an_xlsx_import_reads_like_the_csv_one_with_the_sheets_row_numbers,
    |app: TestApp| async move {
        app.department("计划部", "PLAN").await;
        let header: &[&str] = &["name", "email", "department_code", "role", "locale"];
        let bad = workbook(&[
            header,
            &[
                "张伟",
                "zhang.wei@example.cn",
                "PLAN",
                "department_head",
                "zh-CN",
            ],
            &["", "not-an-email", "PLAN", "owner", ""],
        ]);
        let audit_before = app.audit_count().await;
        let problem = expect_problem(
            import_xlsx(&app, bad, true).await,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        assert_eq!(
            problem_fields(&problem),
            ["line 3: name", "line 3: email", "line 3: role"],
            "{problem}"
        );
        let good = workbook(&[
            header,
            &[
                "张伟",
                "zhang.wei@example.cn",
                "PLAN",
                "department_head",
                "zh-CN",
            ],
            &[
                "João Conceição",
                "joao@example.com.br",
                "",
                "member",
                "pt-BR",
            ],
        ]);
        let dry = expect_json(import_xlsx(&app, good.clone(), true).await, StatusCode::OK).await;
        assert_eq!(dry["dry_run"], true);
        assert_eq!(
            app.audit_count().await,
            audit_before,
            "a dry run writes nothing"
        );
        let done = expect_json(import_xlsx(&app, good, false).await, StatusCode::OK).await;
        let names: Vec<&str> = done["created"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["张伟", "João Conceição"]);
        // Not a workbook at all: a 400 saying so, nothing written.
        let junk = import_xlsx(&app, b"PK not really".to_vec(), false).await;
        expect_problem(junk, StatusCode::BAD_REQUEST).await;
    }
);
