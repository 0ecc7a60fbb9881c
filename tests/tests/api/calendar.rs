//! Calendar feeds (issue 18, item 3) as a calendar app reads them: made on My
//! profile's calendar page, read without a session or a token at its own address,
//! parsed by an independent parser (the `icalendar` crate's), read twice with the same
//! UIDs (an import does not duplicate), an action's change raising its SEQUENCE and a
//! cancelled action marked CANCELLED, a department's feed for its members only, the
//! words in the person's language, and a revoked feed gone. Both databases.

use std::collections::BTreeMap;

use cxpm_tests::{Backend, TestApp, expect_json};
use reqwest::StatusCode;
use serde_json::json;

use crate::pages::{app_with_mail, id, on_both, sign_in};

/// Each VEVENT of `text` as its properties (name → value), by UID.
fn events(text: &str) -> BTreeMap<String, BTreeMap<String, String>> {
    let unfolded = icalendar::parser::unfold(text);
    let cal = icalendar::parser::read_calendar(&unfolded).expect("an RFC 5545 calendar");
    let mut out = BTreeMap::new();
    for c in cal.components.iter().filter(|c| c.name == "VEVENT") {
        let props: BTreeMap<String, String> = c
            .properties
            .iter()
            .map(|p| (p.name.as_str().to_owned(), p.val.as_str().to_owned()))
            .collect();
        out.insert(props["UID"].clone(), props);
    }
    out
}

/// Makes a feed on the calendar page (`department`: the reader's department's) and
/// gives its `https` address, shown once.
async fn make_feed(b: &crate::pages::Browser, department: Option<&str>) -> reqwest::Response {
    let csrf = b.csrf().await;
    let mut form = vec![("csrf", csrf.as_str())];
    if let Some(d) = department {
        form.push(("department_id", d));
    }
    b.post("/me/calendar", &form).await
}

fn address(page: &str) -> String {
    let open = "<code class=\"secret\">";
    let at = page.find(open).expect("the address shown") + open.len();
    page[at..at + page[at..].find('<').unwrap()].to_owned()
}

/// Reads a feed's address on the test server (the address names the configured
/// public URL; the test server listens on a port of its own).
async fn read(app: &TestApp, url: &str) -> reqwest::Response {
    let path = &url[url.find("/calendar/").expect("a feed address")..];
    reqwest::get(format!("{}{path}", app.base)).await.unwrap()
}

async fn a_calendar_app_follows_my_due_actions(backend: Backend) {
    let (app, dir) = app_with_mail(backend, cxpm_app::Clock::system()).await;
    let due = (chrono::Utc::now().date_naive() + chrono::Duration::days(10)).to_string();
    let due: &'static str = Box::leak(due.into_boxed_str());
    let r = app
        .action_to_remind(cxpm_tests::Remind {
            department: "Quality",
            program: "CX 2027",
            head: ("Helena Head", "en"),
            owner: ("Otto Owner", "pt-BR"),
            action: "Check every pallet",
            due,
        })
        .await;
    let (owner, _) = sign_in(&app, &dir, r.owner["email"].as_str().unwrap(), "/").await;
    assert!(owner.page("/me").await.contains("href=\"/me/calendar\""));
    let made = make_feed(&owner, None).await;
    assert_eq!(made.status(), StatusCode::OK);
    let page = made.text().await.unwrap();
    assert!(page.contains("webcal://"), "an address for a calendar app");
    let url = address(&page);
    assert!(
        url.contains("/calendar/cxcal_") && url.ends_with(".ics"),
        "{url}"
    );
    // Not shown again.
    assert!(!owner.page("/me/calendar").await.contains(&url));

    // Read without a session or a token, as a calendar app does.
    let resp = read(&app, &url).await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(
        resp.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/calendar")
    );
    let first = events(&resp.text().await.unwrap());
    let uid = format!("action-{}@", id(&r.action));
    let (key, event) = first
        .iter()
        .find(|(k, _)| k.starts_with(&uid))
        .expect("the action's event");
    assert_eq!(event["SUMMARY"], "Check every pallet");
    assert_eq!(
        event["DTSTART"],
        due.replace('-', ""),
        "an all-day event on its due date"
    );
    assert_eq!(event["STATUS"], "CONFIRMED");
    assert_eq!(event["SEQUENCE"], r.action["version"].to_string());
    assert!(
        event["DESCRIPTION"].starts_with("Plano:"),
        "in Otto's language: {}",
        event["DESCRIPTION"]
    );
    // Read again: the same events under the same UIDs (an import does not duplicate).
    let again = events(&read(&app, &url).await.text().await.unwrap());
    assert_eq!(
        first.keys().collect::<Vec<_>>(),
        again.keys().collect::<Vec<_>>()
    );

    // The action cancelled: the same UID, its SEQUENCE raised, STATUS:CANCELLED.
    let version = r.action["version"].as_i64().unwrap();
    expect_json(
        app.post(
            &format!("/api/v1/actions/{}/updates", id(&r.action)),
            &r.coord,
            &json!({"status": "cancelled", "comment": "Done by the supplier"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let after = events(&read(&app, &url).await.text().await.unwrap());
    let event = &after[key];
    assert_eq!(event["STATUS"], "CANCELLED");
    assert!(event["SEQUENCE"].parse::<i64>().unwrap() > version);

    // The department's feed: its head may make one; someone of another department may
    // not make one of Quality's.
    let dept = r.head["department_id"].as_str().unwrap().to_owned();
    let (head, _) = sign_in(&app, &dir, r.head["email"].as_str().unwrap(), "/").await;
    let made = make_feed(&head, Some(&dept)).await;
    assert_eq!(made.status(), StatusCode::OK);
    let dept_url = address(&made.text().await.unwrap());
    let dept_events = events(&read(&app, &dept_url).await.text().await.unwrap());
    assert!(dept_events.keys().any(|k| k.starts_with(&uid)));
    let other = app.department("Sales", "SAL").await;
    app.person("Sam Sales", "sam@example.com", "member", Some(&id(&other)))
        .await;
    let (sam, _) = sign_in(&app, &dir, "sam@example.com", "/").await;
    assert_eq!(
        make_feed(&sam, Some(&dept)).await.status(),
        StatusCode::FORBIDDEN
    );

    // Revoked: gone; every change audited.
    let feeds = owner.page("/me/calendar").await;
    let open = "action=\"/me/calendar/";
    let at = feeds.find(open).unwrap() + open.len();
    let feed_id: String = feeds[at..].chars().take_while(|c| *c != '/').collect();
    let csrf = owner.csrf().await;
    let revoked = owner
        .post(
            &format!("/me/calendar/{feed_id}/revoke"),
            &[("csrf", csrf.as_str())],
        )
        .await;
    assert_eq!(revoked.status(), StatusCode::SEE_OTHER);
    assert_eq!(read(&app, &url).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        read(&app, &format!("{}/calendar/cxcal_nothing.ics", app.base))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    let trail = expect_json(
        app.get("/api/v1/audit?entity=calendar_feed", &app.admin_token)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        trail["items"].as_array().unwrap().len(),
        3,
        "two made, one revoked"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

on_both!(a_calendar_app_follows_my_due_actions);
