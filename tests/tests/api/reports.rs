//! The gap report against a small program computed by hand.

use calamine::{Data, Reader};
use cxpm_tests::{TestApp, both_databases, expect_json, expect_problem};
use reqwest::StatusCode;
use serde_json::{Value, json};

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_owned()
}

fn close(a: &Value, b: f64) -> bool {
    a.as_f64().is_some_and(|a| (a - b).abs() < 1e-9)
}

/// One month's survey of a key point: (expectation, experience, importance, provider's own rating).
const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// An Excel workbook read back.
fn workbook(bytes: Vec<u8>) -> calamine::Xlsx<std::io::Cursor<Vec<u8>>> {
    calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).expect("an xlsx workbook")
}

async fn measure(
    app: &TestApp,
    token: &str,
    point: &Value,
    month: u32,
    scores: (f64, f64, i32, Option<f64>),
) {
    let (expectation, experience, importance, provider) = scores;
    let body = json!({
        "period_start": format!("2026-{month:02}-01"), "period_end": format!("2026-{month:02}-28"),
        "expectation_score": expectation, "experience_score": experience, "importance": importance,
        "provider_rating": provider, "sample_size": 10, "source": "survey"});
    expect_json(
        app.post(
            &format!("/api/v1/key-points/{}/measurements", id(point)),
            token,
            &body,
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
}

/// Fetches a report page and checks it is well-formed (it parses as XML) and that
/// every section holds exactly one chart; returns the page and its section ids.
async fn html_page(
    app: &TestApp,
    path: &str,
    token: &str,
    language: &str,
) -> (String, Vec<String>) {
    let resp = app
        .request(reqwest::Method::GET, path, Some(token))
        .header("accept", "text/html")
        .header("accept-language", language)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.headers()["content-type"], "text/html; charset=utf-8");
    let lang = resp.headers()["content-language"]
        .to_str()
        .unwrap()
        .to_owned();
    let text = resp.text().await.unwrap();
    let doc = roxmltree::Document::parse_with_options(
        &text,
        roxmltree::ParsingOptions {
            allow_dtd: true,
            ..Default::default()
        },
    )
    .unwrap_or_else(|e| panic!("not well-formed: {e}\n{text}"));
    assert_eq!(doc.root_element().attribute("lang"), Some(lang.as_str()));
    let sections: Vec<String> = doc
        .descendants()
        .filter(|n| n.has_tag_name("section"))
        .map(|section| {
            let charts = section
                .descendants()
                .filter(|n| n.tag_name().name() == "svg")
                .count();
            let id = section.attribute("id").unwrap_or_default().to_owned();
            assert_eq!(charts, 1, "section {id} has {charts} charts");
            id
        })
        .collect();
    (text, sections)
}

/// The bars drawn in a section's chart.
fn bars_in(page: &str, section: &str) -> usize {
    drawn_in(page, section, "rect")
}

/// The `shape` elements drawn in a section's chart.
fn drawn_in(page: &str, section: &str, shape: &str) -> usize {
    let doc = roxmltree::Document::parse_with_options(
        page,
        roxmltree::ParsingOptions {
            allow_dtd: true,
            ..Default::default()
        },
    )
    .unwrap();
    doc.descendants()
        .find(|n| n.has_tag_name("section") && n.attribute("id") == Some(section))
        .unwrap()
        .descendants()
        .filter(|n| n.tag_name().name() == shape)
        .count()
}

both_databases!(
    the_gap_report_matches_a_hand_computed_program,
    |app: TestApp| async move {
        let (_, coord) = app.someone("coordinator", None).await;
        let plan_dept = app.department("计划部 Planning", "PLAN").await;
        let qa = app.department("质量检验 Quality", "QA").await;
        let om = app.department("订单管理 Order management", "OM").await;
        let program = expect_json(
            app.post("/api/v1/programs", &coord, &json!({"name": "Gaps"}))
                .await,
            StatusCode::CREATED,
        )
        .await;
        let pid = id(&program);
        let stage = expect_json(
            app.post(
                &format!("/api/v1/programs/{pid}/stages"),
                &coord,
                &json!({"name": "Delivery", "customer_facing": true}),
            )
            .await,
            StatusCode::CREATED,
        )
        .await;
        let rel = |provider: &Value| json!({"provider_department_id": provider["id"], "customer_department_id": om["id"], "delivers": "Dates"});
        let r1 = expect_json(
            app.post(
                &format!("/api/v1/programs/{pid}/relationships"),
                &coord,
                &rel(&plan_dept),
            )
            .await,
            StatusCode::CREATED,
        )
        .await;
        let (inspector, _) = app.someone("member", qa["id"].as_str()).await;
        let mut with_owner = rel(&qa);
        with_owner["provider_person_id"] = inspector["id"].clone();
        let r2 = expect_json(
            app.post(
                &format!("/api/v1/programs/{pid}/relationships"),
                &coord,
                &with_owner,
            )
            .await,
            StatusCode::CREATED,
        )
        .await;
        let plan = expect_json(
            app.post(
                &format!("/api/v1/relationships/{}/plans", id(&r1)),
                &coord,
                &json!({"title": "Plan"}),
            )
            .await,
            StatusCode::CREATED,
        )
        .await;
        let point = |r: &Value, name: &str| {
            let path = format!("/api/v1/relationships/{}/key-points", id(r));
            let body = json!({"name": name});
            let coord = coord.clone();
            let app = &app;
            async move { expect_json(app.post(&path, &coord, &body).await, StatusCode::CREATED).await }
        };
        let met = point(&r1, "Met").await;
        let minor = point(&r1, "Minor").await;
        let major = point(&r2, "Major").await;
        measure(&app, &coord, &met, 10, (8.0, 8.0, 3, None)).await;
        measure(&app, &coord, &minor, 9, (10.0, 8.0, 4, None)).await;
        measure(&app, &coord, &minor, 10, (10.0, 9.2, 4, None)).await;
        measure(&app, &coord, &major, 9, (10.0, 9.0, 5, None)).await;
        measure(&app, &coord, &major, 10, (10.0, 8.0, 5, Some(9.9))).await;
        // Intended effects: one due yesterday that Minor (9.2) has not reached, one due
        // yesterday that Met (8) has, one on Minor not due yet.
        let today = chrono::Utc::now().date_naive();
        for (point, target, by) in [
            (&minor, 9.5, today.pred_opt().unwrap()),
            (&met, 7.0, today.pred_opt().unwrap()),
            (&minor, 9.9, today.succ_opt().unwrap()),
        ] {
            expect_json(
                app.post(
                    &format!("/api/v1/plans/{}/actions", id(&plan)),
                    &coord,
                    &json!({"title": "Shorter confirmation loop", "effect_key_point_id": point["id"],
                            "effect_target": target, "effect_by": by}),
                )
                .await,
                StatusCode::CREATED,
            )
            .await;
        }
        let metric = |name: &str, direction: &str, target: f64| json!({"stage_id": stage["id"], "name": name, "unit": "x", "direction": direction, "target": target});
        let response = expect_json(
            app.post(
                &format!("/api/v1/programs/{pid}/metrics"),
                &coord,
                &metric("Response time", "lower_is_better", 4.0),
            )
            .await,
            StatusCode::CREATED,
        )
        .await;
        let on_time = expect_json(
            app.post(
                &format!("/api/v1/programs/{pid}/metrics"),
                &coord,
                &metric("On-time delivery", "higher_is_better", 95.0),
            )
            .await,
            StatusCode::CREATED,
        )
        .await;
        for (m, value) in [(&response, 6.0), (&on_time, 90.0)] {
            let body =
                json!({"period_start": "2026-10-01", "period_end": "2026-10-31", "value": value});
            expect_json(
                app.post(
                    &format!("/api/v1/metrics/{}/readings", id(m)),
                    &coord,
                    &body,
                )
                .await,
                StatusCode::CREATED,
            )
            .await;
        }

        let report = expect_json(
            app.get(&format!("/api/v1/programs/{pid}/reports/gaps"), &coord)
                .await,
            StatusCode::OK,
        )
        .await;
        let lines = report["lines"].as_array().unwrap();
        let names: Vec<&str> = lines.iter().map(|l| l["name"].as_str().unwrap()).collect();
        // Priority = relative gap × importance: 0.5×3, 0.2×5, 0.08×4, (5/95)×3, 0.
        assert_eq!(
            names,
            ["Response time", "Major", "Minor", "On-time delivery", "Met"]
        );
        let line = |name: &str| lines.iter().find(|l| l["name"] == name).unwrap();

        let rt = line("Response time");
        assert!(close(&rt["gap"], 2.0) && close(&rt["relative_gap"], 0.5));
        assert_eq!(
            (rt["severity"].as_str(), rt["trend"].as_str()),
            (Some("critical"), Some("new"))
        );
        let ot = line("On-time delivery");
        assert!(close(&ot["gap"], 5.0) && close(&ot["relative_gap"], 5.0 / 95.0));
        assert_eq!(ot["severity"], "minor");
        let mj = line("Major");
        assert!(
            close(&mj["gap"], 2.0)
                && close(&mj["relative_gap"], 0.2)
                && close(&mj["previous_gap"], 1.0)
        );
        assert_eq!(
            (mj["severity"].as_str(), mj["trend"].as_str()),
            (Some("major"), Some("worse"))
        );
        assert_eq!(mj["findings"], json!(["no_open_plan", "blind_spot"]));
        assert_eq!(mj["department_id"], qa["id"]);
        assert_eq!(
            (&mj["owner_id"], &mj["owner_name"]),
            (&inspector["id"], &inspector["name"])
        );
        assert_eq!(line("Minor")["owner_id"], Value::Null);
        let mn = line("Minor");
        assert!(close(&mn["relative_gap"], 0.08) && close(&mn["previous_gap"], 2.0));
        assert_eq!(
            (mn["severity"].as_str(), mn["trend"].as_str()),
            (Some("minor"), Some("better"))
        );
        assert_eq!(mn["findings"], json!(["effect_missed"]));
        assert_eq!(mn["open_actions"], 3);
        assert_eq!(line("Met")["findings"], json!([]));
        assert_eq!(mn["plan_ids"].as_array().unwrap().len(), 1);
        assert_eq!(line("Met")["severity"], "met");

        // Filters and roll-ups.
        let only_major = expect_json(
            app.get(
                &format!("/api/v1/programs/{pid}/reports/gaps?min_severity=major"),
                &coord,
            )
            .await,
            StatusCode::OK,
        )
        .await;
        let names: Vec<&str> = only_major["lines"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["Response time", "Major"]);
        let by_dept = expect_json(
            app.get(
                &format!(
                    "/api/v1/programs/{pid}/reports/gaps?department_id={}",
                    id(&plan_dept)
                ),
                &coord,
            )
            .await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(by_dept["lines"].as_array().unwrap().len(), 2);
        let planning = report["rollups"]["by_department"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == plan_dept["id"])
            .unwrap();
        // Mean of 0 and 0.08, both with 10 responses.
        assert!(close(&planning["relative_gap"], 0.04));
        assert_eq!(
            (planning["lines"].as_i64(), planning["worst"].as_str()),
            (Some(2), Some("minor"))
        );
        assert_eq!(report["rollups"]["program"]["lines"], 5);
        expect_problem(
            app.get(
                &format!("/api/v1/programs/{pid}/reports/gaps?min_severity=awful"),
                &coord,
            )
            .await,
            StatusCode::BAD_REQUEST,
        )
        .await;

        // The same lines as CSV: UTF-8 with a byte-order mark, a header, one row each.
        let resp = app
            .request(
                reqwest::Method::GET,
                &format!("/api/v1/programs/{pid}/reports/gaps"),
                Some(&coord),
            )
            .header("accept", "text/csv")
            .send()
            .await
            .unwrap();
        assert_eq!(resp.headers()["content-type"], "text/csv; charset=utf-8");
        let text = resp.text().await.unwrap();
        let body = text
            .strip_prefix('\u{feff}')
            .expect("a byte-order mark for spreadsheets");
        let mut reader = csv::Reader::from_reader(body.as_bytes());
        let header: Vec<String> = reader
            .headers()
            .unwrap()
            .iter()
            .map(str::to_owned)
            .collect();
        let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        let col = |name: &str| header.iter().position(|h| h == name).unwrap();
        assert_eq!(rows.len(), lines.len());
        for (row, line) in rows.iter().zip(lines) {
            assert_eq!(&row[col("name")], line["name"].as_str().unwrap());
            assert_eq!(&row[col("severity")], line["severity"].as_str().unwrap());
            // Rounded as the pages show numbers: at most four decimals.
            let cell = &row[col("gap")];
            assert!(
                cell.split('.').nth(1).is_none_or(|d| d.len() <= 4),
                "{cell}"
            );
            assert!((cell.parse::<f64>().unwrap() - line["gap"].as_f64().unwrap()).abs() < 5e-5);
            assert_eq!(&row[col("id")], line["id"].as_str().unwrap());
        }
        assert_eq!(&rows[1][col("findings")], "no_open_plan blind_spot");

        // The same lines as an Excel workbook, read back with calamine: typed cells,
        // the lines in the JSON's order, one sheet per section.
        let resp = app
            .request(
                reqwest::Method::GET,
                &format!("/api/v1/programs/{pid}/reports/gaps"),
                Some(&coord),
            )
            .header("accept", XLSX)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.headers()["content-type"], XLSX);
        let mut book = workbook(resp.bytes().await.unwrap().to_vec());
        assert_eq!(
            book.sheet_names(),
            [
                "All measured points and metrics",
                "Gaps by department",
                "By stage",
                "By relationship"
            ]
        );
        let sheet = book
            .worksheet_range("All measured points and metrics")
            .unwrap();
        let rows: Vec<&[Data]> = sheet.rows().collect();
        let col = |name: &str| {
            rows[0]
                .iter()
                .position(|h| h == &Data::String(name.into()))
                .unwrap()
        };
        assert_eq!(rows.len(), lines.len() + 1);
        for (row, line) in rows[1..].iter().zip(lines) {
            assert_eq!(
                row[col("Point or metric")],
                Data::String(line["name"].as_str().unwrap().into())
            );
            let Data::Float(gap) = row[col("Gap")] else {
                panic!("a gap is a number: {:?}", row[col("Gap")])
            };
            assert!((gap - line["gap"].as_f64().unwrap()).abs() < 1e-9);
            let Data::DateTime(end) = &row[col("Period end")] else {
                panic!("a date is a date")
            };
            let day: chrono::NaiveDate = line["period_end"].as_str().unwrap().parse().unwrap();
            let serial = (day - chrono::NaiveDate::from_ymd_opt(1899, 12, 30).unwrap()).num_days();
            assert_eq!(end.as_f64(), serial as f64);
        }
        let departments = book.worksheet_range("Gaps by department").unwrap();
        assert_eq!(
            departments.rows().count(),
            report["rollups"]["by_department"].as_array().unwrap().len() + 1
        );

        // The printable page, in the reader's own language (Chinese, though the browser
        // asks for English), times in their zone: worst gaps (the four open ones), the
        // trend of each, and departments, one chart each.
        let (_, zh_reader) = app
            .someone_reading("executive", "zh-CN", "Asia/Shanghai")
            .await;
        let (page, sections) = html_page(
            &app,
            &format!("/api/v1/programs/{pid}/reports/gaps"),
            &zh_reader,
            "en-US,en;q=0.9",
        )
        .await;
        assert!(
            page.contains("Asia/Shanghai ("),
            "times in the reader's zone"
        );
        assert_eq!(sections, ["worst-gaps", "trend", "departments"]);
        assert!(page.contains("差距报告") && page.contains("最大差距"));
        assert_eq!(bars_in(&page, "worst-gaps"), 4);
        // One dot per period measured of the four open lines: 1 + 2 + 2 + 1.
        assert_eq!(drawn_in(&page, "trend", "circle"), 6);
        assert_eq!(bars_in(&page, "departments"), 2);
        assert!(page.contains("质量检验 Quality"));
        let (_, pt_reader) = app
            .someone_reading("executive", "pt-BR", "America/Sao_Paulo")
            .await;
        let (page, _) = html_page(
            &app,
            &format!("/api/v1/programs/{pid}/reports/gaps?format=html"),
            &pt_reader,
            "pt-PT",
        )
        .await;
        assert!(page.contains("Relatório de lacunas") && page.contains("Crítica"));
    }
);

both_databases!(
    the_progress_report_tells_steps_lateness_engagement_and_maturity,
    |app: TestApp| async move {
        let (_, coord) = app.someone("coordinator", None).await;
        let dept = |name: &str, code: &str, function: &str| {
            let body = json!({"name": name, "code": code, "function": function});
            let app = &app;
            async move {
                expect_json(
                    app.post("/api/v1/departments", &app.admin_token, &body)
                        .await,
                    StatusCode::CREATED,
                )
                .await
            }
        };
        let marketing = dept("市场部 Marketing", "MKT", "marketing").await;
        let service = dept("客服 Customer service", "SVC", "service").await;
        let it = dept("IT", "IT", "it").await;
        let member = app
            .person("Chen", "chen@example.com", "member", service["id"].as_str())
            .await;
        let pid = id(&expect_json(
            app.post("/api/v1/programs", &coord, &json!({"name": "Maturity"}))
                .await,
            StatusCode::CREATED,
        )
        .await);

        // Marketing alone: phase I, and phase II still needs service and IT.
        let stage = expect_json(
            app.post(
                &format!("/api/v1/programs/{pid}/stages"),
                &coord,
                &json!({"name": "Bidding", "customer_facing": true}),
            )
            .await,
            StatusCode::CREATED,
        )
        .await;
        let sub = expect_json(
            app.post(
                &format!("/api/v1/stages/{}/sub-processes", id(&stage)),
                &coord,
                &json!({"name": "Quote"}),
            )
            .await,
            StatusCode::CREATED,
        )
        .await;
        expect_json(
            app.post(
                &format!("/api/v1/sub-processes/{}/owners", id(&sub)),
                &coord,
                &json!({"department_id": marketing["id"], "responsibility": "Quote fast"}),
            )
            .await,
            StatusCode::CREATED,
        )
        .await;
        let report = expect_json(
            app.get(&format!("/api/v1/programs/{pid}/reports/progress"), &coord)
                .await,
            StatusCode::OK,
        )
        .await;
        // Marketing alone: phase I, and one more function will do.
        assert_eq!(report["maturity"]["phase"], "I");
        assert_eq!(report["maturity"]["next_phase_rule"], "more_functions");
        assert_eq!(report["maturity"]["next_phase_more_functions"], 1);
        assert_eq!(
            report["maturity"]["next_phase_needs"],
            json!(["sales", "service", "it", "finance"])
        );
        let to_engage: Vec<&str> = report["maturity"]["next_phase_departments"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["id"].as_str().unwrap())
            .collect();
        assert!(
            to_engage.contains(&id(&service).as_str()) && to_engage.contains(&id(&it).as_str())
        );

        // Service runs a plan for IT, IT runs one for service: phase II, needing sales and finance.
        for (provider, customer) in [(&service, &it), (&it, &service)] {
            let rel = expect_json(
            app.post(&format!("/api/v1/programs/{pid}/relationships"), &coord, &json!({"provider_department_id": provider["id"], "customer_department_id": customer["id"], "delivers": "Tickets"})).await,
            StatusCode::CREATED,
        )
        .await;
            expect_json(
                app.post(
                    &format!("/api/v1/relationships/{}/plans", id(&rel)),
                    &coord,
                    &json!({"title": format!("Plan {}", provider["code"])}),
                )
                .await,
                StatusCode::CREATED,
            )
            .await;
        }
        let plans = expect_json(
            app.get(
                &format!("/api/v1/departments/{}/plans", id(&service)),
                &coord,
            )
            .await,
            StatusCode::OK,
        )
        .await;
        let plan_id = id(&plans["items"][0]);
        for (title, due) in [("Late", "2020-01-01"), ("Later", "2999-01-01")] {
            expect_json(
                app.post(
                    &format!("/api/v1/plans/{plan_id}/actions"),
                    &coord,
                    &json!({"title": title, "owner_id": member["id"], "due_date": due}),
                )
                .await,
                StatusCode::CREATED,
            )
            .await;
        }
        let detail = expect_json(
            app.get(&format!("/api/v1/plans/{plan_id}"), &coord).await,
            StatusCode::OK,
        )
        .await;
        let first = &detail["steps"][0];
        expect_json(
            app.patch(
                &format!("/api/v1/steps/{}", id(first)),
                &coord,
                Some("\"1\""),
                &json!({"status": "done"}),
            )
            .await,
            StatusCode::OK,
        )
        .await;

        let report = expect_json(
            app.get(&format!("/api/v1/programs/{pid}/reports/progress"), &coord)
                .await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(report["maturity"]["phase"], "II");
        assert_eq!(report["maturity"]["next_phase_rule"], "all_of");
        assert_eq!(
            report["maturity"]["next_phase_needs"],
            json!(["sales", "finance"])
        );
        let row = report["plans"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["plan_id"] == plan_id.as_str())
            .unwrap();
        assert_eq!(
            (
                row["cycle"].as_i64(),
                row["current_step"].as_i64(),
                row["steps_settled"].as_i64()
            ),
            (Some(1), Some(2), Some(1))
        );
        assert_eq!(
            (
                row["actions_open"].as_i64(),
                row["actions_overdue"].as_i64(),
                row["actions_done"].as_i64()
            ),
            (Some(2), Some(1), Some(0))
        );
        assert_eq!(row["days_since_last_update"], 0);
        let svc = report["departments"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["department_id"] == service["id"])
            .unwrap();
        assert_eq!(
            (
                svc["running_plans"].as_i64(),
                svc["overdue_actions"].as_i64(),
                svc["engaged"].as_bool()
            ),
            (Some(1), Some(1), Some(true))
        );
        let mkt = report["departments"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["department_id"] == marketing["id"])
            .unwrap();
        assert_eq!(
            (mkt["owned_touchpoints"].as_i64(), mkt["function"].as_str()),
            (Some(1), Some("marketing"))
        );
        assert_eq!(
            report["coverage"]["owners_without_person"]
                .as_array()
                .unwrap()
                .len(),
            1
        );

        // A link can ask for CSV without an Accept header; Chinese titles survive.
        let text = app
            .get(
                &format!("/api/v1/programs/{pid}/reports/progress?format=csv"),
                &coord,
            )
            .await
            .text()
            .await
            .unwrap();
        let mut reader = csv::Reader::from_reader(text.trim_start_matches('\u{feff}').as_bytes());
        let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        assert_eq!(rows.len(), 2);
        assert!(
            rows.iter()
                .any(|r| &r[0] == plan_id.as_str() && &r[10] == "1"),
            "the overdue count is in the row"
        );

        // As a workbook in the reader's language: a sheet per section.
        let (_, zh_reader) = app
            .someone_reading("executive", "zh-CN", "Asia/Shanghai")
            .await;
        let resp = app
            .get(
                &format!("/api/v1/programs/{pid}/reports/progress?format=xlsx"),
                &zh_reader,
            )
            .await;
        assert_eq!(resp.status(), StatusCode::OK);
        let mut book = workbook(resp.bytes().await.unwrap().to_vec());
        let names = book.sheet_names();
        assert_eq!(
            names.len(),
            4,
            "plans, departments, coverage, maturity: {names:?}"
        );
        let plans = book.worksheet_range(&names[0]).unwrap();
        let rows: Vec<&[Data]> = plans.rows().collect();
        assert_eq!(rows.len(), 3, "a header and two plans");
        assert_eq!(rows[0][0], Data::String("计划".into()));
        assert!(
            rows[1..].iter().any(|r| r.contains(&Data::Float(1.0))),
            "the overdue count is a number"
        );

        // The printable page in Portuguese: progress by department, coverage, maturity.
        let (_, pt_reader) = app
            .someone_reading("executive", "pt-BR", "America/Sao_Paulo")
            .await;
        let (page, sections) = html_page(
            &app,
            &format!("/api/v1/programs/{pid}/reports/progress"),
            &pt_reader,
            "pt-BR,pt;q=0.9",
        )
        .await;
        assert!(
            page.contains("passo 2 de 7"),
            "the current step reads as a step"
        );
        assert_eq!(sections, ["plan-progress", "coverage", "maturity"]);
        assert!(page.contains("Progresso dos planos por departamento"));
        assert!(page.contains("Atrasadas"), "the overdue legend");
        assert_eq!(bars_in(&page, "coverage"), 4);
        assert_eq!(bars_in(&page, "maturity"), 3);
    }
);

/// A name that must come out of the HTML page as text, not markup.
const LATE: &str = "Late <script>alert('x')</script> & co";

both_databases!(
    a_report_shows_what_changed_since_a_snapshot,
    |app: TestApp| async move {
        let (_, coord) = app.someone("coordinator", None).await;
        let (_, exec) = app.someone("executive", None).await;
        let (_, member) = app.someone("member", None).await;
        let provider = app.department("Engineering", "ENG").await;
        let customer = app.department("Service", "SVC").await;
        let program = expect_json(
            app.post("/api/v1/programs", &coord, &json!({"name": "Snapshots"}))
                .await,
            StatusCode::CREATED,
        )
        .await;
        let pid = id(&program);
        let rel = expect_json(
            app.post(
                &format!("/api/v1/programs/{pid}/relationships"),
                &coord,
                &json!({"provider_department_id": provider["id"], "customer_department_id": customer["id"], "delivers": "Drawings"}),
            )
            .await,
            StatusCode::CREATED,
        )
        .await;
        let mut points = std::collections::HashMap::new();
        for name in ["Worse", "Better", "Closes", "Steady", LATE, "Gone"] {
            let point = expect_json(
                app.post(
                    &format!("/api/v1/relationships/{}/key-points", id(&rel)),
                    &coord,
                    &json!({ "name": name }),
                )
                .await,
                StatusCode::CREATED,
            )
            .await;
            points.insert(name, point);
        }
        // October: expectation 10 everywhere; gaps 1 (minor), 3 (critical), 1, 1, –, 2 (major).
        for (name, experience) in [
            ("Worse", 9.0),
            ("Better", 7.0),
            ("Closes", 9.0),
            ("Steady", 9.0),
            ("Gone", 8.0),
        ] {
            measure(&app, &coord, &points[name], 10, (10.0, experience, 3, None)).await;
        }
        let snapshots = format!("/api/v1/programs/{pid}/reports/gaps/snapshots");
        expect_problem(
            app.post(&snapshots, &member, &json!({"label": "Mine"}))
                .await,
            StatusCode::FORBIDDEN,
        )
        .await;
        let blank = expect_problem(
            app.post(&snapshots, &coord, &json!({"label": "  "})).await,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        assert_eq!(cxpm_tests::problem_fields(&blank), ["label"]);
        let before = expect_json(
            app.post(&snapshots, &coord, &json!({"label": "October review"}))
                .await,
            StatusCode::CREATED,
        )
        .await;
        assert_eq!(before["lines"], 5);
        expect_json(
            app.post(&snapshots, &exec, &json!({"label": "Board pack"}))
                .await,
            StatusCode::CREATED,
        )
        .await;

        // November: worse (minor → major), better (critical → major), closed (met),
        // unchanged, new; and one key point archived, so no longer measured.
        for (name, experience) in [
            ("Worse", 8.0),
            ("Better", 8.5),
            ("Closes", 10.0),
            ("Steady", 9.0),
            (LATE, 8.0),
        ] {
            measure(&app, &coord, &points[name], 11, (10.0, experience, 3, None)).await;
        }
        // A second, larger survey of the same period: the period's scores are the
        // sample-weighted means, (8 × 10 + 7 × 30) / 40 = 7.25.
        expect_json(
            app.post(
                &format!("/api/v1/key-points/{}/measurements", id(&points["Worse"])),
                &coord,
                &json!({"period_start": "2026-11-01", "period_end": "2026-11-30",
                        "expectation_score": 10.0, "experience_score": 7.0, "importance": 3,
                        "sample_size": 30, "source": "interview"}),
            )
            .await,
            StatusCode::CREATED,
        )
        .await;
        let gone = &points["Gone"];
        expect_json(
            app.patch(
                &format!("/api/v1/key-points/{}", id(gone)),
                &coord,
                Some(&format!("\"{}\"", gone["version"])),
                &json!({"archived": true}),
            )
            .await,
            StatusCode::OK,
        )
        .await;

        let sid = id(&before);
        let report = expect_json(
            app.get(
                &format!("/api/v1/programs/{pid}/reports/gaps?since_snapshot={sid}"),
                &exec,
            )
            .await,
            StatusCode::OK,
        )
        .await;
        let changes = &report["changes"];
        assert_eq!(changes["snapshot_id"], sid.as_str());
        assert_eq!(changes["label"], "October review");
        assert_eq!(
            [
                &changes["new"],
                &changes["worse"],
                &changes["better"],
                &changes["unchanged"],
                &changes["closed"]
            ],
            [&json!(1), &json!(1), &json!(1), &json!(1), &json!(2)]
        );
        let closed: Vec<(&str, &Value)> = changes["closed_lines"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| (l["name"].as_str().unwrap(), &l["gap"]))
            .collect();
        assert_eq!(closed, [("Closes", &json!(0.0)), ("Gone", &Value::Null)]);
        let change = |name: &str| {
            report["lines"]
                .as_array()
                .unwrap()
                .iter()
                .find(|l| l["name"] == name)
                .map(|l| l["change"].clone())
                .unwrap()
        };
        assert_eq!(change("Worse"), "worse");
        let worse = report["lines"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["name"] == "Worse")
            .unwrap();
        assert!(close(&worse["actual"], 7.25) && close(&worse["gap"], 2.75));
        assert_eq!(
            (worse["severity"].as_str(), worse["sample_size"].as_i64()),
            (Some("critical"), Some(40))
        );
        assert_eq!(change("Better"), "better");
        assert_eq!(change("Closes"), "closed");
        assert_eq!(change("Steady"), "unchanged");
        assert_eq!(change(LATE), "new");

        // A severity filter hides met lines but still counts the gaps that closed.
        let severe = expect_json(
            app.get(
                &format!(
                    "/api/v1/programs/{pid}/reports/gaps?since_snapshot={sid}&min_severity=major"
                ),
                &coord,
            )
            .await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(severe["lines"].as_array().unwrap().len(), 3);
        assert_eq!(severe["changes"]["closed"], 2);

        // The snapshot keeps the report as it was.
        let saved = expect_json(
            app.get(&format!("/api/v1/report-snapshots/{sid}"), &member)
                .await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(saved["snapshot"]["label"], "October review");
        let was_worse = saved["report"]["lines"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["name"] == "Worse")
            .unwrap();
        assert_eq!(was_worse["severity"], "minor");
        let list = expect_json(app.get(&snapshots, &member).await, StatusCode::OK).await;
        let labels: Vec<&str> = list["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["label"].as_str().unwrap())
            .collect();
        assert_eq!(labels, ["October review", "Board pack"]);

        // A snapshot that is not this program's, or not an id, names the parameter.
        for bad in [uuid::Uuid::now_v7().to_string(), "nope".to_owned()] {
            let problem = expect_problem(
                app.get(
                    &format!("/api/v1/programs/{pid}/reports/gaps?since_snapshot={bad}"),
                    &coord,
                )
                .await,
                StatusCode::BAD_REQUEST,
            )
            .await;
            assert_eq!(cxpm_tests::problem_fields(&problem), ["since_snapshot"]);
        }

        // CSV carries the change too.
        let csv = app
            .request(
                reqwest::Method::GET,
                &format!("/api/v1/programs/{pid}/reports/gaps?since_snapshot={sid}&format=csv"),
                Some(&coord),
            )
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let mut reader = csv::Reader::from_reader(csv.trim_start_matches('\u{feff}').as_bytes());
        let change_col = reader
            .headers()
            .unwrap()
            .iter()
            .position(|h| h == "change")
            .unwrap();
        let mut changes: Vec<String> = reader
            .records()
            .map(|r| r.unwrap()[change_col].to_owned())
            .collect();
        changes.sort();
        assert_eq!(changes, ["better", "closed", "new", "unchanged", "worse"]);

        // The page opens with what changed: five counts, one bar each.
        let (page, sections) = html_page(
            &app,
            &format!("/api/v1/programs/{pid}/reports/gaps?since_snapshot={sid}"),
            &coord,
            "en-GB",
        )
        .await;
        assert_eq!(sections, ["changes", "worst-gaps", "trend", "departments"]);
        assert_eq!(bars_in(&page, "changes"), 5);
        assert!(page.contains("October review") && !page.contains("<script>"));
        let doc = roxmltree::Document::parse_with_options(
            &page,
            roxmltree::ParsingOptions {
                allow_dtd: true,
                ..Default::default()
            },
        )
        .unwrap();
        assert!(doc.descendants().any(|n| n.text() == Some(LATE)));
    }
);
