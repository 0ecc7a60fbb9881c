//! Chat channels and signed webhooks (issue 18) against real HTTP servers on loopback:
//! one per platform (WeCom, DingTalk, Feishu, Teams, Slack), each checking the
//! signature with the platform's documented algorithm and the message's format,
//! answering errors and rate limits on demand and counting deliveries; and a webhook
//! receiver that verifies with the Standard Webhooks algorithm. A server killed with
//! SIGKILL mid-delivery and restarted delivers everything, a duplicate only for the
//! call in flight (same `webhook-id`). No target inside the network without the
//! operator's leave. Both databases.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use cxpm_tests::{
    Backend, ServerProcess, TestApp, expect_json, expect_problem, problem_fields, spawn_app_with,
};
use hmac::{Hmac, Mac};
use poem::http::StatusCode as PoemStatus;
use poem::{
    Body, EndpointExt, Request, Response, Route, Server, handler, listener::TcpListener, web::Data,
};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::pages::on_both;

const EXE: &str = env!("CARGO_BIN_EXE_cxpm-process");

fn hmac_b64(key: &[u8], msg: &[u8]) -> String {
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(key).unwrap();
    mac.update(msg);
    STANDARD.encode(mac.finalize().into_bytes())
}

/// An answer to give: status (0: hold the call, then answer normally), body, delay.
type Scripted = (u16, String, Duration);

/// One call a platform server received.
#[derive(Debug, Clone)]
struct Received {
    /// The platform (the path's first segment).
    platform: String,
    body: Value,
    headers: HashMap<String, String>,
    /// Signature and format as the platform checks them; only these count.
    accepted: bool,
}

/// The platforms' servers: what they were sent, the answers to give next, the
/// secrets they check.
#[derive(Default)]
struct Platforms {
    received: Mutex<Vec<Received>>,
    /// Per platform, answers to give before the normal one: (status, body, delay).
    script: Mutex<HashMap<String, VecDeque<Scripted>>>,
    /// Robot secrets (DingTalk, Feishu) and the webhook receiver's secrets.
    secrets: Mutex<HashMap<String, Vec<String>>>,
    /// Answer every webhook call with 503 while set.
    webhook_down: Mutex<bool>,
}

impl Platforms {
    fn secret(&self, platform: &str) -> Vec<String> {
        self.secrets
            .lock()
            .unwrap()
            .get(platform)
            .cloned()
            .unwrap_or_default()
    }

    fn script(&self, platform: &str, answers: &[(u16, &str)]) {
        let mut s = self.script.lock().unwrap();
        let q = s.entry(platform.to_owned()).or_default();
        for (status, body) in answers {
            q.push_back((*status, (*body).to_owned(), Duration::ZERO));
        }
    }

    fn accepted(&self, platform: &str) -> Vec<Received> {
        self.received
            .lock()
            .unwrap()
            .iter()
            .filter(|r| r.platform == platform && r.accepted)
            .cloned()
            .collect()
    }

    fn all(&self, platform: &str) -> Vec<Received> {
        self.received
            .lock()
            .unwrap()
            .iter()
            .filter(|r| r.platform == platform)
            .cloned()
            .collect()
    }
}

fn percent_decode(s: &str) -> String {
    s.replace("%2B", "+")
        .replace("%2F", "/")
        .replace("%3D", "=")
}

/// Checks a call as its platform would, and answers as it does.
fn check(
    p: &Platforms,
    platform: &str,
    query: &str,
    headers: &HashMap<String, String>,
    raw: &str,
    body: &Value,
) -> (bool, u16, String) {
    let ok_json =
        |ok: bool, good: Value, bad: Value| (ok, 200, if ok { good } else { bad }.to_string());
    match platform {
        "wecom" => {
            let ok = body["msgtype"] == "markdown"
                && body["markdown"]["content"]
                    .as_str()
                    .is_some_and(|c| !c.is_empty() && c.len() <= 4096);
            ok_json(
                ok,
                json!({"errcode": 0, "errmsg": "ok"}),
                json!({"errcode": 40008, "errmsg": "invalid message type"}),
            )
        }
        "dingtalk" => {
            let q: HashMap<&str, &str> = query
                .split('&')
                .filter_map(|kv| kv.split_once('='))
                .collect();
            let signed = match (q.get("timestamp"), q.get("sign")) {
                (Some(ts), Some(sign)) => p.secret("dingtalk").iter().any(|secret| {
                    hmac_b64(secret.as_bytes(), format!("{ts}\n{secret}").as_bytes())
                        == percent_decode(sign)
                }),
                _ => false,
            };
            let formatted = body["msgtype"] == "markdown"
                && body["markdown"]["title"].is_string()
                && body["markdown"]["text"].is_string();
            if !signed {
                return (
                    false,
                    200,
                    json!({"errcode": 310000, "errmsg": "sign not match"}).to_string(),
                );
            }
            ok_json(
                formatted,
                json!({"errcode": 0, "errmsg": "ok"}),
                json!({"errcode": 40035, "errmsg": "invalid parameter"}),
            )
        }
        "feishu" => {
            let signed = match (body["timestamp"].as_str(), body["sign"].as_str()) {
                (Some(ts), Some(sign)) => p
                    .secret("feishu")
                    .iter()
                    .any(|secret| hmac_b64(format!("{ts}\n{secret}").as_bytes(), b"") == sign),
                _ => false,
            };
            if !signed {
                return (false, 200, json!({"code": 19021, "msg": "sign match fail or timestamp is not within one hour from current time"}).to_string());
            }
            let post = &body["content"]["post"];
            let ok = body["msg_type"] == "post"
                && post
                    .as_object()
                    .is_some_and(|o| o.values().all(|l| l["content"].is_array()));
            ok_json(
                ok,
                json!({"code": 0, "msg": "success", "data": {}}),
                json!({"code": 19001, "msg": "param invalid"}),
            )
        }
        "teams" => {
            let card = &body["attachments"][0];
            let ok = body["type"] == "message"
                && card["contentType"] == "application/vnd.microsoft.card.adaptive"
                && card["content"]["type"] == "AdaptiveCard";
            (ok, if ok { 202 } else { 400 }, String::new())
        }
        "slack" => {
            let ok = body["text"].is_string()
                && body["blocks"]
                    .as_array()
                    .is_some_and(|b| !b.is_empty() && b.len() <= 50);
            (
                ok,
                if ok { 200 } else { 400 },
                if ok { "ok" } else { "invalid_blocks" }.to_owned(),
            )
        }
        "webhook" => {
            if *p.webhook_down.lock().unwrap() {
                return (false, 503, "down for maintenance".to_owned());
            }
            // The Standard Webhooks verification: HMAC-SHA256 of "id.timestamp.body"
            // under the Base64-decoded secret, any `v1,` signature matching, and a
            // timestamp within five minutes.
            let (Some(id), Some(ts), Some(sigs)) = (
                headers.get("webhook-id"),
                headers.get("webhook-timestamp"),
                headers.get("webhook-signature"),
            ) else {
                return (false, 400, "missing headers".to_owned());
            };
            let fresh = ts
                .parse::<i64>()
                .is_ok_and(|t| (chrono::Utc::now().timestamp() - t).abs() < 300);
            let verified = p.secret("webhook").iter().any(|secret| {
                let key = STANDARD
                    .decode(secret.trim_start_matches("whsec_"))
                    .unwrap();
                let expected = hmac_b64(&key, format!("{id}.{ts}.{raw}").as_bytes());
                sigs.split(' ')
                    .any(|s| s.strip_prefix("v1,") == Some(expected.as_str()))
            });
            let ok = fresh && verified;
            (ok, if ok { 204 } else { 401 }, String::new())
        }
        _ => (false, 404, String::new()),
    }
}

#[handler]
async fn receive(req: &Request, body: Body, Data(p): Data<&Arc<Platforms>>) -> Response {
    let platform = req
        .uri()
        .path()
        .trim_start_matches('/')
        .split('/')
        .next()
        .unwrap_or("")
        .to_owned();
    let query = req.uri().query().unwrap_or("").to_owned();
    let headers: HashMap<String, String> = req
        .headers()
        .iter()
        .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap_or("").to_owned()))
        .collect();
    let raw = body.into_string().await.unwrap_or_default();
    let value: Value = serde_json::from_str(&raw).unwrap_or(Value::Null);
    let scripted = p
        .script
        .lock()
        .unwrap()
        .get_mut(&platform)
        .and_then(VecDeque::pop_front);
    let (accepted, status, answer) = match scripted {
        Some((status, answer, delay)) => {
            tokio::time::sleep(delay).await;
            if status == 0 {
                // Held, then answered normally: a call in flight.
                check(p, &platform, &query, &headers, &raw, &value)
            } else {
                (false, status, answer)
            }
        }
        None => check(p, &platform, &query, &headers, &raw, &value),
    };
    p.received.lock().unwrap().push(Received {
        platform,
        body: value,
        headers,
        accepted,
    });
    let mut resp = Response::builder().status(PoemStatus::from_u16(status).unwrap());
    if status == 429 {
        resp = resp.header("retry-after", "1");
    }
    resp.content_type("application/json").body(answer)
}

/// Starts the platforms' servers on a free loopback port; gives their base URL.
async fn platforms() -> (Arc<Platforms>, String) {
    let p = Arc::new(Platforms::default());
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let app = Route::new()
        .at("/*path", poem::post(receive))
        .data(Arc::clone(&p));
    tokio::spawn(async move {
        Server::new(TcpListener::bind(format!("127.0.0.1:{port}")))
            .run(app)
            .await
            .ok();
    });
    let base = format!("http://127.0.0.1:{port}");
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    (p, base)
}

async fn eventually(what: &str, mut check: impl AsyncFnMut() -> bool) {
    for _ in 0..150 {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{what}: not within fifteen seconds");
}

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap_or_default().to_owned()
}

async fn hooks_app(
    backend: Backend,
    clock: cxpm_app::Clock,
    mail_dir: std::path::PathBuf,
) -> TestApp {
    spawn_app_with(backend, |s| {
        s.allow_private_targets = true;
        s.dispatch_every_ms = 20;
        s.retry_base_ms = 50;
        s.mail_dir = mail_dir;
        s.clock = clock;
    })
    .await
}

async fn get(app: &TestApp, path: &str) -> Value {
    expect_json(app.get(path, &app.admin_token).await, StatusCode::OK).await
}

async fn patch(app: &TestApp, path: &str, body: Value) -> Value {
    let etag = app.get(path, &app.admin_token).await.headers()["etag"]
        .to_str()
        .unwrap()
        .to_owned();
    expect_json(
        app.patch(path, &app.admin_token, Some(&etag), &body).await,
        StatusCode::OK,
    )
    .await
}

async fn chat_channels_get_their_platforms_message(backend: Backend) {
    let dir = std::env::temp_dir().join(format!("cxpm-hooks-{}", uuid::Uuid::now_v7().simple()));
    let clock = cxpm_app::Clock::system();
    let app = hooks_app(backend, clock.clone(), dir.clone()).await;
    let (p, base) = platforms().await;
    p.secrets
        .lock()
        .unwrap()
        .insert("dingtalk".into(), vec!["SECdingtalk0123456789".into()]);
    p.secrets
        .lock()
        .unwrap()
        .insert("feishu".into(), vec!["feishu-bot-secret".into()]);
    let r = app
        .action_to_remind(cxpm_tests::Remind {
            department: "Quality",
            head: ("Li Na", "zh-CN"),
            owner: ("Ana", "pt-BR"),
            program: "Delightful deliveries",
            action: "Confirm dates within a day",
            due: "2026-01-05",
        })
        .await;
    let program = id(&r.program);
    let qa = r.plan["department_id"].as_str().unwrap().to_owned();
    let sched = app
        .created(
            &format!("/api/v1/programs/{program}/schedules"),
            json!({"kind": "overdue", "cron": "0 9 * * *", "time_zone": "Asia/Shanghai"}),
        )
        .await;
    let channel = |kind: &str, locale: &str, secret: Option<&str>, departments: Vec<String>| {
        let mut body = json!({"kind": kind, "name": format!("{kind} group"),
            "url": format!("{base}/{kind}/robot?key=secret-key-{kind}"), "locale": locale,
            "schedule_ids": [id(&sched)], "department_ids": departments});
        if let Some(s) = secret {
            body["secret"] = json!(s);
        }
        body
    };
    let mut channels = HashMap::new();
    for (kind, locale, secret) in [
        ("wecom", "zh-CN", None),
        ("dingtalk", "zh-CN", Some("SECdingtalk0123456789")),
        ("feishu", "zh-CN", Some("feishu-bot-secret")),
        ("teams", "en", None),
        ("slack", "pt-BR", None),
    ] {
        let c = app
            .created(
                &format!("/api/v1/programs/{program}/channels"),
                channel(kind, locale, secret, vec![qa.clone()]),
            )
            .await;
        // Write-only: the key in the URL and the secret are never shown.
        assert_eq!(c["url"], format!("{}/…", base));
        assert_eq!(c["has_secret"], secret.is_some());
        assert!(!c.to_string().contains("secret-key") && !c.to_string().contains("SECdingtalk"));
        channels.insert(kind, c);
    }
    // Another department's channel: nothing of its own is due, so no message.
    let other = app.department("Finance", "FIN").await;
    let quiet = app
        .created(
            &format!("/api/v1/programs/{program}/channels"),
            channel("slack", "en", None, vec![id(&other)]),
        )
        .await;
    // Slack answers the first call "rate limited": a retry later, not a failure.
    p.script("slack", &[(429, "rate_limited")]);

    let run = expect_json(
        app.post(
            &format!("/api/v1/schedules/{}/run", id(&sched)),
            &app.admin_token,
            &json!({}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert!(run["queued"].as_i64().unwrap() >= 1, "{run}");
    eventually("every platform accepted one message", async || {
        ["wecom", "dingtalk", "feishu", "teams", "slack"]
            .iter()
            .all(|k| p.accepted(k).len() == 1)
    })
    .await;
    let wecom = &p.accepted("wecom")[0].body["markdown"]["content"];
    assert!(
        wecom
            .as_str()
            .unwrap()
            .contains("Confirm dates within a day"),
        "{wecom}"
    );
    assert!(
        wecom.as_str().unwrap().contains("逾期"),
        "in the channel's language: {wecom}"
    );
    assert!(
        wecom.as_str().unwrap().contains("/actions/"),
        "links into the web app: {wecom}"
    );
    let slack = p.accepted("slack")[0].body.to_string();
    assert!(slack.contains("atraso"), "Portuguese: {slack}");
    let teams = p.accepted("teams")[0].body.to_string();
    assert!(teams.contains("overdue"), "{teams}");
    assert_eq!(p.all("slack").len(), 2, "the rate-limited call was retried");
    let log = get(
        &app,
        &format!("/api/v1/channels/{}/deliveries", id(&channels["slack"])),
    )
    .await;
    assert_eq!(log["items"][0]["status"], "sent", "{log}");
    assert_eq!(log["items"][0]["attempts"], 2, "{log}");
    let quiet_log = get(&app, &format!("/api/v1/channels/{}/deliveries", id(&quiet))).await;
    assert_eq!(
        quiet_log["items"].as_array().unwrap().len(),
        0,
        "never an empty message"
    );

    // Firing the same tick again queues nothing twice.
    let again = expect_json(
        app.post(
            &format!("/api/v1/schedules/{}/run", id(&sched)),
            &app.admin_token,
            &json!({}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(again["already_fired_this_period"], true);

    // A robot whose key the platform refuses breaks the channel; it stops retrying
    // and says why, until someone changes it.
    p.script(
        "wecom",
        &[(200, r#"{"errcode":93000,"errmsg":"invalid webhook url"}"#)],
    );
    // A run by hand fires the current minute: the next minute is a new tick.
    clock.advance(chrono::Duration::minutes(1));
    expect_json(
        app.post(
            &format!("/api/v1/schedules/{}/run?force=true", id(&sched)),
            &app.admin_token,
            &json!({}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let wecom_path = format!("/api/v1/channels/{}", id(&channels["wecom"]));
    eventually("the refused channel shows broken", async || {
        get(&app, &wecom_path).await["state"] == "broken"
    })
    .await;
    let broken = get(&app, &wecom_path).await;
    assert!(
        broken["last_error"].as_str().unwrap().contains("93000"),
        "{broken}"
    );
    assert_eq!(p.all("wecom").len(), 2, "a refusal is not retried");
    let fixed = patch(
        &app,
        &wecom_path,
        json!({"url": format!("{base}/wecom/robot?key=new-key")}),
    )
    .await;
    assert_eq!(fixed["state"], "active");
    assert!(fixed.get("last_error").is_none());

    // A DingTalk robot with the wrong secret: the platform's "sign not match".
    let ding_path = format!("/api/v1/channels/{}", id(&channels["dingtalk"]));
    patch(&app, &ding_path, json!({"secret": "SECwrong"})).await;
    clock.advance(chrono::Duration::minutes(1));
    expect_json(
        app.post(
            &format!("/api/v1/schedules/{}/run?force=true", id(&sched)),
            &app.admin_token,
            &json!({}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    eventually("a bad signature breaks the channel", async || {
        get(&app, &ding_path).await["state"] == "broken"
    })
    .await;
    assert!(
        get(&app, &ding_path).await["last_error"]
            .as_str()
            .unwrap()
            .contains("310000")
    );

    // No secret in the audit trail.
    let audit = get(&app, "/api/v1/audit?limit=200").await.to_string();
    assert!(
        !audit.contains("SECdingtalk")
            && !audit.contains("feishu-bot-secret")
            && !audit.contains("secret-key")
    );

    // Bad input names the field and changes nothing.
    let bad = expect_problem(
        app.post(
            &format!("/api/v1/programs/{program}/channels"),
            &app.admin_token,
            &json!({"kind": "wecom", "name": "x", "url": format!("{base}/wecom"), "secret": "s",
                "schedule_ids": [id(&r.program)]}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(problem_fields(&bad), ["secret"]);
    let bad = expect_problem(
        app.post(
            &format!("/api/v1/programs/{program}/channels"),
            &app.admin_token,
            &json!({"kind": "wecom", "name": "x", "url": format!("{base}/wecom"),
                "schedule_ids": [id(&r.program)]}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(problem_fields(&bad), ["schedule_ids[0]"]);
    std::fs::remove_dir_all(dir).ok();
}

async fn webhooks_are_signed_retried_and_disabled_after_a_day(backend: Backend) {
    let dir = std::env::temp_dir().join(format!("cxpm-hooks-{}", uuid::Uuid::now_v7().simple()));
    let clock = cxpm_app::Clock::system();
    let app = hooks_app(backend, clock.clone(), dir.clone()).await;
    let (p, base) = platforms().await;
    let (coordinator, coord) = app.someone("coordinator", None).await;
    let program = expect_json(
        app.post(
            "/api/v1/programs",
            &coord,
            &json!({"name": "CX", "coordinator_id": coordinator["id"]}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let pid = id(&program);
    let hook = app
        .created(
            &format!("/api/v1/programs/{pid}/webhooks"),
            json!({"url": format!("{base}/webhook/cxpm"), "events": ["snapshot.saved", "action.created"]}),
        )
        .await;
    let secret = hook["secret"]
        .as_str()
        .expect("the secret, shown once")
        .to_owned();
    assert!(secret.starts_with("whsec_"));
    let hook_path = format!("/api/v1/webhooks/{}", id(&hook));
    assert!(
        get(&app, &hook_path).await.get("secret").is_none(),
        "shown once only"
    );
    p.secrets
        .lock()
        .unwrap()
        .insert("webhook".into(), vec![secret.clone()]);

    let snapshot = app
        .created(
            &format!("/api/v1/programs/{pid}/reports/gaps/snapshots"),
            json!({"label": "Before"}),
        )
        .await;
    eventually("the receiver verified the event", async || {
        p.accepted("webhook").len() == 1
    })
    .await;
    let got = p.accepted("webhook")[0].clone();
    assert_eq!(got.body["type"], "snapshot.saved");
    assert_eq!(got.body["data"]["program_id"], pid);
    assert_eq!(got.body["data"]["object"]["id"], snapshot["id"]);

    // Rotation: both secrets sign for a day, so a receiver with either verifies.
    let before = app.get(&hook_path, &app.admin_token).await.headers()["etag"]
        .to_str()
        .unwrap()
        .to_owned();
    let rotated = expect_json(
        app.request(
            reqwest::Method::POST,
            &format!("{hook_path}/rotate-secret"),
            Some(&app.admin_token),
        )
        .header("if-match", before)
        .send()
        .await
        .unwrap(),
        StatusCode::OK,
    )
    .await;
    let new_secret = rotated["secret"].as_str().unwrap().to_owned();
    assert_ne!(new_secret, secret);
    p.secrets
        .lock()
        .unwrap()
        .insert("webhook".into(), vec![new_secret.clone()]);
    app.created(
        &format!("/api/v1/programs/{pid}/reports/gaps/snapshots"),
        json!({"label": "After"}),
    )
    .await;
    eventually("verified with the new secret", async || {
        p.accepted("webhook").len() == 2
    })
    .await;
    let sigs = p.accepted("webhook")[1].headers["webhook-signature"].clone();
    assert_eq!(
        sigs.split(' ').count(),
        2,
        "signed with both secrets: {sigs}"
    );
    p.secrets
        .lock()
        .unwrap()
        .insert("webhook".into(), vec![secret.clone()]);
    app.created(
        &format!("/api/v1/programs/{pid}/reports/gaps/snapshots"),
        json!({"label": "Old receiver"}),
    )
    .await;
    eventually("still verified with the old secret", async || {
        p.accepted("webhook").len() == 3
    })
    .await;
    p.secrets
        .lock()
        .unwrap()
        .insert("webhook".into(), vec![new_secret.clone()]);

    // Failures are retried under the same webhook-id.
    p.script("webhook", &[(500, "oops"), (502, "bad gateway")]);
    app.created(
        &format!("/api/v1/programs/{pid}/reports/gaps/snapshots"),
        json!({"label": "Retried"}),
    )
    .await;
    eventually("delivered after two failures", async || {
        p.accepted("webhook").len() == 4
    })
    .await;
    let calls = p.all("webhook");
    let last_three: Vec<&String> = calls[calls.len() - 3..]
        .iter()
        .map(|r| &r.headers["webhook-id"])
        .collect();
    assert!(
        last_three.iter().all(|i| *i == last_three[0]),
        "{last_three:?}"
    );
    let log = get(&app, &format!("{hook_path}/deliveries")).await;
    let retried = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| &d["id"] == last_three[0])
        .unwrap();
    assert_eq!(retried["attempts"], 3, "{retried}");
    assert_eq!(retried["status"], "sent");

    // A receiver down for a day: the subscription is disabled, shown, and its
    // coordinator mailed.
    *p.webhook_down.lock().unwrap() = true;
    app.created(
        &format!("/api/v1/programs/{pid}/reports/gaps/snapshots"),
        json!({"label": "Lost?"}),
    )
    .await;
    eventually("the failure is shown", async || {
        get(&app, &hook_path).await["failing_since"].is_string()
    })
    .await;
    clock.advance(chrono::Duration::hours(25));
    eventually("disabled after a day of failures", async || {
        get(&app, &hook_path).await["state"] == "disabled"
    })
    .await;
    let shown = get(&app, &hook_path).await;
    assert!(
        shown["last_error"].as_str().unwrap().contains("503"),
        "{shown}"
    );
    eventually("the coordinator is mailed", async || {
        cxpm_tests::mails_in(&dir).iter().any(|m| {
            let text = cxpm_tests::mail_text(m);
            text.contains(coordinator["email"].as_str().unwrap()) && text.contains("turned off")
        })
    })
    .await;
    // Turned on again, the missed call is redelivered by hand, under its own id.
    *p.webhook_down.lock().unwrap() = false;
    let on = patch(&app, &hook_path, json!({"state": "active"})).await;
    assert!(on.get("failing_since").is_none());
    let log = get(&app, &format!("{hook_path}/deliveries")).await;
    let missed = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["status"] == "failed")
        .expect("the missed call")
        .clone();
    let accepted = p.accepted("webhook").len();
    expect_json(
        app.post(
            &format!("{hook_path}/deliveries/{}/redeliver", id(&missed)),
            &app.admin_token,
            &json!({}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    eventually("redelivered", async || {
        p.accepted("webhook").len() == accepted + 1
    })
    .await;
    assert_eq!(
        p.accepted("webhook").last().unwrap().headers["webhook-id"],
        id(&missed)
    );
    std::fs::remove_dir_all(dir).ok();
}

async fn no_target_inside_the_network_without_leave(backend: Backend) {
    let dir = std::env::temp_dir().join(format!("cxpm-hooks-{}", uuid::Uuid::now_v7().simple()));
    let app = spawn_app_with(backend, |s| {
        s.dispatch_every_ms = 20;
        s.mail_dir = dir.clone();
    })
    .await;
    let program = app.created("/api/v1/programs", json!({"name": "CX"})).await;
    let pid = id(&program);
    for (url, why) in [
        ("http://erp.example.com/hook", "https"),
        ("https://127.0.0.1/hook", "loopback"),
        ("https://169.254.169.254/latest/meta-data", "metadata"),
        ("https://[::1]:8443/hook", "loopback"),
        ("https://10.0.0.5/hook", "private"),
        ("https://user:pw@erp.example.com/hook", "password"),
    ] {
        let resp = app
            .post(
                &format!("/api/v1/programs/{pid}/webhooks"),
                &app.admin_token,
                &json!({"url": url, "events": ["action.created"]}),
            )
            .await;
        let problem = expect_problem(resp, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!(
            problem_fields(&problem),
            ["url"],
            "{url} ({why}): {problem}"
        );
    }
    let listed = get(&app, &format!("/api/v1/programs/{pid}/webhooks")).await;
    assert_eq!(
        listed["items"].as_array().unwrap().len(),
        0,
        "nothing was made"
    );
    // A name is checked where it resolves, at every call: `localhost` is refused
    // when the call is made, and the channel says why.
    let sched = app
        .created(
            &format!("/api/v1/programs/{pid}/schedules"),
            json!({"kind": "stale_plans", "cron": "0 9 * * *", "time_zone": "UTC"}),
        )
        .await;
    let hook = app
        .created(
            &format!("/api/v1/programs/{pid}/webhooks"),
            json!({"url": "https://localhost:9/hook", "events": ["snapshot.saved"]}),
        )
        .await;
    let channel = app
        .created(
            &format!("/api/v1/programs/{pid}/channels"),
            json!({"kind": "teams", "name": "Inside", "url": "https://localhost:9/teams", "schedule_ids": [id(&sched)]}),
        )
        .await;
    app.created(
        &format!("/api/v1/programs/{pid}/reports/gaps/snapshots"),
        json!({"label": "x"}),
    )
    .await;
    let log_path = format!("/api/v1/webhooks/{}/deliveries", id(&hook));
    eventually("the call is refused at delivery", async || {
        get(&app, &log_path).await["items"][0]["last_error"]
            .as_str()
            .is_some_and(|e| e.contains("which cxpm does not call"))
    })
    .await;
    assert_eq!(
        get(&app, &format!("/api/v1/channels/{}", id(&channel))).await["state"],
        "active"
    );
    std::fs::remove_dir_all(dir).ok();
}

async fn killed_mid_delivery_delivers_everything_once(backend: Backend) {
    // Set up on an in-process server whose dispatcher is off: the calls wait.
    let app = spawn_app_with(backend, |s| s.allow_private_targets = true).await;
    let (p, base) = platforms().await;
    let program = app.created("/api/v1/programs", json!({"name": "CX"})).await;
    let pid = id(&program);
    let hook = app
        .created(
            &format!("/api/v1/programs/{pid}/webhooks"),
            json!({"url": format!("{base}/webhook/in"), "events": ["snapshot.saved"]}),
        )
        .await;
    p.secrets.lock().unwrap().insert(
        "webhook".into(),
        vec![hook["secret"].as_str().unwrap().to_owned()],
    );
    for n in 0..10 {
        app.created(
            &format!("/api/v1/programs/{pid}/reports/gaps/snapshots"),
            json!({"label": format!("S{n}")}),
        )
        .await;
    }
    // The receiver holds the first call it gets for a long while: cxpm is killed
    // while that call is in flight.
    p.script
        .lock()
        .unwrap()
        .entry("webhook".into())
        .or_default()
        .push_back((0, String::new(), Duration::from_secs(4)));
    let env = [
        ("CXPM_ALLOW_PRIVATE_TARGETS", "true"),
        ("CXPM_DISPATCH_EVERY_MS", "20"),
        ("CXPM_HOOK_CONNECTIONS", "1"),
        ("CXPM_HOOK_TIMEOUT_MS", "1000"),
        ("CXPM_RETRY_BASE_MS", "100"),
        ("CXPM_NO_SCHEDULER", "true"),
    ];
    let mut first = ServerProcess::start(EXE, &app.database_url, &env).await;
    eventually("a call is in flight", async || {
        p.script.lock().unwrap()["webhook"].is_empty()
    })
    .await;
    first.kill().await;
    let _second = ServerProcess::start(EXE, &app.database_url, &env).await;
    eventually("every event delivered", async || {
        let ids: std::collections::BTreeSet<String> = p
            .accepted("webhook")
            .iter()
            .map(|r| r.headers["webhook-id"].clone())
            .collect();
        ids.len() == 10
    })
    .await;
    tokio::time::sleep(Duration::from_secs(5)).await;
    let calls: Vec<String> = p
        .all("webhook")
        .iter()
        .map(|r| r.headers["webhook-id"].clone())
        .collect();
    let mut counts: HashMap<&String, usize> = HashMap::new();
    for c in &calls {
        *counts.entry(c).or_default() += 1;
    }
    let twice: Vec<_> = counts.iter().filter(|(_, n)| **n > 1).collect();
    assert!(
        twice.len() <= 1,
        "a duplicate only for the call in flight: {twice:?}"
    );
    assert!(twice.iter().all(|(_, n)| **n == 2), "{twice:?}");
    let log = get(&app, &format!("/api/v1/webhooks/{}/deliveries", id(&hook))).await;
    assert!(
        log["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|d| d["status"] == "sent"),
        "{log}"
    );
}

async fn a_coordinator_connects_groups_and_webhooks_in_pages(backend: Backend) {
    let (app, dir) = crate::pages::app_with_mail(backend, cxpm_app::Clock::system()).await;
    let cora = app
        .person("Cora Coordinator", "cora@example.com", "coordinator", None)
        .await;
    let program = app
        .created(
            "/api/v1/programs",
            json!({"name": "CX 2027", "coordinator_id": cora["id"]}),
        )
        .await;
    let pid = id(&program);
    let sched = app
        .created(
            &format!("/api/v1/programs/{pid}/schedules"),
            json!({"kind": "overdue", "cron": "0 9 * * 1-5", "time_zone": "Asia/Shanghai"}),
        )
        .await;
    let (b, _) = crate::pages::sign_in(&app, &dir, "cora@example.com", "/").await;
    let reminders = b.page(&format!("/programs/{pid}/reminders")).await;
    assert!(reminders.contains(&format!("href=\"/programs/{pid}/hooks\"")));
    let page = b.page(&format!("/programs/{pid}/hooks")).await;
    assert!(page.contains("No chat group receives"), "{page}");
    let csrf = b.csrf().await;
    let schedule_box = format!("schedule_{}", id(&sched));
    // A plain-http address: refused beside its field, the rest kept.
    let refused = b
        .post(
            &format!("/programs/{pid}/channels"),
            &[
                ("csrf", &csrf),
                ("kind", "wecom"),
                ("name", "QA group"),
                (
                    "url",
                    "http://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k",
                ),
                ("locale", "zh-CN"),
                (&schedule_box, "on"),
            ],
        )
        .await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = refused.text().await.unwrap();
    assert!(
        html.contains("id=\"channel-url-error\">must be an https:// address"),
        "{html}"
    );
    assert!(html.contains("value=\"QA group\""));
    assert!(
        html.contains(&format!("name=\"{schedule_box}\" checked")),
        "the ticked box stays ticked"
    );
    let made = b
        .post(
            &format!("/programs/{pid}/channels"),
            &[
                ("csrf", &csrf),
                ("kind", "wecom"),
                ("name", "QA group"),
                (
                    "url",
                    "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=robot-key",
                ),
                ("locale", "zh-CN"),
                (&schedule_box, "on"),
            ],
        )
        .await;
    assert_eq!(made.status(), StatusCode::SEE_OTHER);
    let page = b.page(&format!("/programs/{pid}/hooks")).await;
    assert!(
        page.contains("QA group") && page.contains("https://qyapi.weixin.qq.com/…"),
        "{page}"
    );
    assert!(
        !page.contains("robot-key"),
        "the robot's key is never shown"
    );
    let listed = get(&app, &format!("/api/v1/programs/{pid}/channels")).await;
    assert_eq!(listed["items"][0]["schedule_ids"], json!([id(&sched)]));
    assert_eq!(listed["items"][0]["locale"], "zh-CN");

    // A webhook needs an event; made, its secret is shown once.
    let refused = b
        .post(
            &format!("/programs/{pid}/webhooks"),
            &[("csrf", &csrf), ("url", "https://erp.example.com/cxpm")],
        )
        .await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused
            .text()
            .await
            .unwrap()
            .contains("id=\"webhook-events-error\"")
    );
    let made = b
        .post(
            &format!("/programs/{pid}/webhooks"),
            &[
                ("csrf", &csrf),
                ("url", "https://erp.example.com/cxpm"),
                ("event_snapshot.saved", "on"),
                ("event_action.created", "on"),
            ],
        )
        .await;
    assert_eq!(made.status(), StatusCode::OK);
    let html = made.text().await.unwrap();
    assert!(html.contains("<code class=\"secret\">whsec_"), "{html}");
    let page = b.page(&format!("/programs/{pid}/hooks")).await;
    assert!(!page.contains("whsec_"), "shown once");
    let hooks = get(&app, &format!("/api/v1/programs/{pid}/webhooks")).await;
    let hook = hooks["items"][0].clone();
    assert_eq!(hook["events"], json!(["action.created", "snapshot.saved"]));
    let off = b
        .post(
            &format!("/webhooks/{}", id(&hook)),
            &[("csrf", &csrf), ("version", "1"), ("op", "off")],
        )
        .await;
    assert_eq!(off.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        get(&app, &format!("/api/v1/webhooks/{}", id(&hook))).await["state"],
        "disabled"
    );
    // A stale form changes nothing.
    let stale = b
        .post(
            &format!("/webhooks/{}", id(&hook)),
            &[("csrf", &csrf), ("version", "1"), ("op", "on")],
        )
        .await;
    assert_eq!(stale.status(), StatusCode::CONFLICT);
    assert_eq!(
        get(&app, &format!("/api/v1/webhooks/{}", id(&hook))).await["state"],
        "disabled"
    );
    // Someone who does not run the program's reminders does not see the page.
    app.person("Mo Member", "mo@example.com", "member", None)
        .await;
    let (m, _) = crate::pages::sign_in(&app, &dir, "mo@example.com", "/").await;
    assert_eq!(
        m.get(&format!("/programs/{pid}/hooks")).await.status(),
        StatusCode::FORBIDDEN
    );
    std::fs::remove_dir_all(dir).ok();
}

on_both!(
    a_coordinator_connects_groups_and_webhooks_in_pages,
    chat_channels_get_their_platforms_message,
    webhooks_are_signed_retried_and_disabled_after_a_day,
    no_target_inside_the_network_without_leave,
    killed_mid_delivery_delivers_everything_once,
);
