//! Signing in with the company's account, against a real, certified OpenID Provider
//! on loopback (`oidc-provider` on Node, see `cxpm_tests::oidc`): a good sign-in over
//! plain HTTP and in the browser, and every way a sign-in must fail — a foreign or
//! replayed `state`, a replayed code, a spoiled ID token (wrong nonce, expired, wrong
//! audience, `alg: none`, HS256 with the client secret), a key the provider never
//! published, an unverified address, unknown and deactivated people — and key
//! rotation, sign-out at the provider, OpenID Connect as the only way in with the
//! break-glass link. Each on SQLite and PostgreSQL.

use std::collections::BTreeMap;

use cxpm_tests::oidc::{CLIENT_ID, CLIENT_SECRET, Provider};
use cxpm_tests::{Backend, TestApp, expect_json, spawn_app_with};
use reqwest::StatusCode;
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};
use serde_json::{Value, json};

use crate::pages::on_both;

const EXE: &str = env!("CARGO_BIN_EXE_cxpm-process");

/// A free port on loopback, for a server whose address must be known in advance.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The value of query parameter `name` in `url`.
fn param<'a>(url: &'a str, name: &str) -> &'a str {
    let at = url
        .find(&format!("{name}="))
        .unwrap_or_else(|| panic!("no {name} in {url}"));
    url[at + name.len() + 1..].split('&').next().unwrap()
}

/// The text after `after` in `html`, up to the next quote.
fn quoted<'a>(html: &'a str, after: &str) -> &'a str {
    let at = html
        .find(after)
        .unwrap_or_else(|| panic!("no {after} in {html}"));
    html[at + after.len()..].split('"').next().unwrap()
}

/// `to` (a path or an address) as an address, beside `base`.
fn absolute(base: &str, to: &str) -> String {
    if to.starts_with('/') {
        format!("{}{to}", Agent::host(base))
    } else {
        to.to_owned()
    }
}

/// Everyone the provider knows: the login is the `sub`.
fn accounts() -> Value {
    json!({
        "ana": {"email": "ana@plant.example", "email_verified": true, "name": "Ana Souza"},
        "bo": {"email": "bo@plant.example", "email_verified": false, "name": "Bo Li"},
        "stranger": {"email": "stranger@plant.example", "email_verified": true},
        "gone": {"email": "gone@plant.example", "email_verified": true},
        "nomail": {"name": "No Mail"},
    })
}

/// cxpm and a provider that know each other; Ana, Bo and Gone are people of cxpm
/// (Gone deactivated).
struct World {
    app: TestApp,
    idp: Provider,
}

async fn world(backend: Backend, tamper: Option<&str>, oidc_only: bool) -> World {
    let port = free_port();
    let public = format!("http://127.0.0.1:{port}");
    let idp = Provider::start(&public, accounts(), tamper).await;
    let issuer = idp.issuer.clone();
    let app = spawn_app_with(backend, |s| {
        s.addr = ([127, 0, 0, 1], port).into();
        s.public_url = public.clone();
        s.oidc_issuer = Some(issuer);
        s.oidc_client_id = Some(CLIENT_ID.to_owned());
        s.oidc_client_secret = Some(CLIENT_SECRET.to_owned());
        s.oidc_name = Some("Plant Login".to_owned());
        if oidc_only {
            s.sign_in = cxpm_api::config::SignIn::Oidc;
        }
    })
    .await;
    for (name, email) in [
        ("Ana Souza", "ana@plant.example"),
        ("Bo Li", "bo@plant.example"),
        ("Gone Person", "gone@plant.example"),
    ] {
        app.person(name, email, "member", None).await;
    }
    let people = expect_json(
        app.get("/api/v1/people?q=gone", &app.admin_token).await,
        StatusCode::OK,
    )
    .await;
    let gone = &people["items"][0];
    let off = app
        .request(
            reqwest::Method::PATCH,
            &format!("/api/v1/people/{}", gone["id"].as_str().unwrap()),
            Some(&app.admin_token),
        )
        .header("If-Match", format!("\"{}\"", gone["version"]))
        .json(&json!({"active": false}))
        .send()
        .await
        .unwrap();
    assert_eq!(off.status(), StatusCode::OK);
    World { app, idp }
}

/// A browser over plain HTTP: redirects taken one at a time, cookies kept per host.
struct Agent {
    http: reqwest::Client,
    jar: BTreeMap<String, BTreeMap<String, String>>,
    language: &'static str,
}

impl Agent {
    fn new() -> Self {
        Self {
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            jar: BTreeMap::new(),
            language: "en",
        }
    }

    fn host(url: &str) -> String {
        url.split('/').take(3).collect::<Vec<_>>().join("/")
    }

    fn cookies(&self, url: &str) -> Option<String> {
        let jar = self.jar.get(&Self::host(url))?;
        (!jar.is_empty()).then(|| {
            jar.iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("; ")
        })
    }

    fn keep(&mut self, url: &str, resp: &reqwest::Response) {
        let jar = self.jar.entry(Self::host(url)).or_default();
        for set in resp.headers().get_all(SET_COOKIE) {
            let pair = set.to_str().unwrap().split(';').next().unwrap();
            let (k, v) = pair.split_once('=').unwrap();
            if v.is_empty() || set.to_str().unwrap().contains("Max-Age=0") {
                jar.remove(k);
            } else {
                jar.insert(k.to_owned(), v.to_owned());
            }
        }
    }

    async fn get(&mut self, url: &str) -> reqwest::Response {
        let mut req = self.http.get(url).header("Accept-Language", self.language);
        if let Some(c) = self.cookies(url) {
            req = req.header(COOKIE, c);
        }
        let resp = req.send().await.unwrap();
        self.keep(url, &resp);
        resp
    }

    async fn post(&mut self, url: &str, form: &[(&str, &str)]) -> reqwest::Response {
        let mut req = self.http.post(url).form(form);
        if let Some(c) = self.cookies(url) {
            req = req.header(COOKIE, c);
        }
        let resp = req.send().await.unwrap();
        self.keep(url, &resp);
        resp
    }

    fn location(base: &str, resp: &reqwest::Response) -> String {
        absolute(base, resp.headers()[LOCATION].to_str().unwrap())
    }

    /// From cxpm's button to the provider and through its login form as `login`:
    /// the callback URL the provider sends the browser back with (not yet opened).
    async fn through_provider(&mut self, w: &World, login: &str) -> String {
        let start = w.app.url("/sign-in/oidc?next=/my-work");
        let resp = self.get(&start).await;
        assert_eq!(resp.status(), StatusCode::SEE_OTHER, "the button");
        let mut url = Self::location(&start, &resp);
        assert!(url.starts_with(&w.idp.issuer), "to the provider: {url}");
        assert!(url.contains("code_challenge_method=S256"), "PKCE: {url}");
        assert!(url.contains("nonce="), "a nonce: {url}");
        for _ in 0..10 {
            if url.starts_with(&w.app.base) {
                assert!(url.contains("/sign-in/oidc/callback?"), "{url}");
                return url;
            }
            let resp = self.get(&url).await;
            if resp.status() == StatusCode::OK {
                // The provider's login form: any password.
                let html = resp.text().await.unwrap();
                let action = absolute(&w.idp.issuer, quoted(&html, "action=\""));
                let resp = self
                    .post(
                        &action,
                        &[("prompt", "login"), ("login", login), ("password", "any")],
                    )
                    .await;
                assert!(resp.status().is_redirection(), "{}", resp.status());
                url = Self::location(&action, &resp);
            } else {
                assert!(resp.status().is_redirection(), "{url}: {}", resp.status());
                url = Self::location(&url, &resp);
            }
        }
        panic!("no way back to cxpm from the provider");
    }

    /// The whole sign-in as `login`: cxpm's answer to the callback.
    async fn sign_in(&mut self, w: &World, login: &str) -> reqwest::Response {
        let callback = self.through_provider(w, login).await;
        self.get(&callback).await
    }

    fn session(&self, w: &World) -> Option<String> {
        self.jar.get(&w.app.base)?.get("cxpm_session").cloned()
    }
}

/// The outcomes of the company sign-ins on record, oldest first.
async fn outcomes(app: &TestApp) -> Vec<String> {
    let trail = expect_json(
        app.get(
            "/api/v1/audit?entity=oidc_attempt&limit=200",
            &app.admin_token,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    trail["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["after"]["outcome"].as_str().unwrap_or("").to_owned())
        .collect()
}

async fn a_good_sign_in_over_http_opens_a_session_once(backend: Backend) {
    let w = world(backend, None, false).await;
    let mut a = Agent::new();
    let page = a.get(&w.app.url("/sign-in")).await.text().await.unwrap();
    assert!(page.contains("Sign in with Plant Login"), "the button");
    assert!(
        page.contains("name=\"email\""),
        "mailed links still offered"
    );

    let callback = a.through_provider(&w, "ana").await;
    let resp = a.get(&callback).await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(resp.headers()[LOCATION], "/my-work");
    let cookie = a.session(&w).expect("a session cookie");
    let set: Vec<_> = resp.headers().get_all(SET_COOKIE).iter().collect();
    assert!(
        set.iter()
            .any(|c| c.to_str().unwrap().starts_with("cxpm_session=")
                && c.to_str().unwrap().contains("HttpOnly")
                && c.to_str().unwrap().contains("SameSite=Lax"))
    );
    let work = a.get(&w.app.url("/my-work")).await;
    assert_eq!(work.status(), StatusCode::OK);
    let me = a.get(&w.app.url("/me")).await.text().await.unwrap();
    assert!(me.contains("with the company account"), "{me}");

    // The same answer again: its state is used up; no second session.
    let replay = a.get(&callback).await;
    assert_eq!(replay.status(), StatusCode::BAD_REQUEST);
    assert!(replay.text().await.unwrap().contains("already used"));
    // The code of the first answer with a fresh sign-in's state: the provider
    // refuses a code twice (and its PKCE verifier was another).
    let mut other = Agent::new();
    let fresh = other.through_provider(&w, "ana").await;
    let fresh_state = param(&fresh, "state");
    let old_code = param(&callback, "code");
    let forged = w.app.url(&format!(
        "/sign-in/oidc/callback?code={old_code}&state={fresh_state}"
    ));
    let refused = other.get(&forged).await;
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    assert!(other.session(&w).is_none());
    assert_eq!(outcomes(&w.app).await, ["signed-in", "provider-error"]);

    // Signing out ends the session here and sends the browser to the provider's
    // end_session_endpoint with the ID token as a hint.
    let html = a.get(&w.app.url("/my-work")).await.text().await.unwrap();
    let csrf = quoted(&html, "name=\"csrf\" value=\"").to_owned();
    let out = a.post(&w.app.url("/sign-out"), &[("csrf", &csrf)]).await;
    assert_eq!(out.status(), StatusCode::OK);
    let html = out.text().await.unwrap();
    let there = quoted(&html, "http-equiv=\"refresh\" content=\"0;url=")
        .replace("&amp;", "&")
        .replace("&#38;", "&");
    assert!(
        there.starts_with(&format!("{}/session/end?", w.idp.issuer)),
        "{there}"
    );
    assert!(there.contains("id_token_hint="), "{there}");
    let mut old = Agent::new();
    old.jar
        .entry(w.app.base.clone())
        .or_default()
        .insert("cxpm_session".into(), cookie);
    assert_eq!(
        old.get(&w.app.url("/my-work")).await.status(),
        StatusCode::SEE_OTHER,
        "the session is over"
    );
    // The provider accepts the hint and, once confirmed there, comes back to cxpm.
    let confirm = a.get(&there).await;
    assert_eq!(confirm.status(), StatusCode::OK);
    let html = confirm.text().await.unwrap();
    let action = absolute(&w.idp.issuer, quoted(&html, "action=\""));
    let xsrf = quoted(&html, "name=\"xsrf\" value=\"");
    let done = a.post(&action, &[("xsrf", xsrf), ("logout", "yes")]).await;
    assert!(done.status().is_redirection());
    let mut back = Agent::location(&action, &done);
    for _ in 0..5 {
        if back.starts_with(&w.app.base) {
            break;
        }
        let r = a.get(&back).await;
        back = Agent::location(&back, &r);
    }
    assert_eq!(back, w.app.url("/sign-in?notice=signed-out"));
}

async fn an_answer_for_another_browser_signs_no_one_in(backend: Backend) {
    let w = world(backend, None, false).await;
    let mut a = Agent::new();
    let callback = a.through_provider(&w, "ana").await;
    // Carried to another browser (no state cookie there): refused.
    let mut elsewhere = Agent::new();
    let resp = elsewhere.get(&callback).await;
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    assert!(elsewhere.session(&w).is_none());
    // A state that is not the one sent, even with a matching cookie: no such sign-in.
    let mut forger = Agent::new();
    let wrong = callback.replace("state=", "state=x");
    let state = param(&wrong, "state");
    forger
        .jar
        .entry(w.app.base.clone())
        .or_default()
        .insert("cxpm_oidc".into(), state.to_owned());
    let resp = forger.get(&wrong).await;
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    assert!(forger.session(&w).is_none());
    // The answer said to come from another issuer (a mix-up): refused, and on record.
    let mut mixed = Agent::new();
    let other = mixed.through_provider(&w, "ana").await;
    assert!(
        other.contains("&iss="),
        "the provider names itself (RFC 9207): {other}"
    );
    let at = other.find("&iss=").unwrap();
    let rest = other[at + 5..]
        .find('&')
        .map(|i| &other[at + 5 + i..])
        .unwrap_or("");
    let mixed_up = format!("{}&iss=https%3A%2F%2Fevil.example{rest}", &other[..at]);
    let resp = mixed.get(&mixed_up).await;
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    assert!(mixed.session(&w).is_none());
    // The answer in its own browser still works: nothing above used it up.
    let resp = a.get(&callback).await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert!(a.session(&w).is_some());
    // The provider's error answer (the person cancelled there) is on record.
    let mut c = Agent::new();
    let callback = c.through_provider(&w, "ana").await;
    let state = param(&callback, "state");
    let cancelled = w.app.url(&format!(
        "/sign-in/oidc/callback?error=access_denied&state={state}"
    ));
    let resp = c.get(&cancelled).await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    assert!(c.session(&w).is_none());
    assert_eq!(
        outcomes(&w.app).await,
        ["provider-error", "signed-in", "provider-error"]
    );
}

async fn a_spoiled_id_token_is_refused(backend: Backend) {
    let mut w = world(backend, None, false).await;
    // Each spoiled the way an attacker (or a misconfigured provider) would, re-signed
    // with the provider's own key; the audit trail says which check caught it.
    let spoiled = [
        ("wrong-nonce", "nonce"),
        ("expired", "Expired"),
        ("wrong-aud", "audience"),
        ("alg-none", "No signature"),
        ("hs256", "HS256"),
    ];
    for (tamper, _) in spoiled {
        w.idp.tamper(Some(tamper)).await;
        let mut a = Agent::new();
        let resp = a.sign_in(&w, "ana").await;
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST, "{tamper}");
        let page = resp.text().await.unwrap();
        assert!(page.contains("so it was not trusted"), "{tamper}: {page}");
        assert!(a.session(&w).is_none(), "{tamper}");
    }
    let trail = expect_json(
        w.app
            .get(
                "/api/v1/audit?entity=oidc_attempt&limit=200",
                &w.app.admin_token,
            )
            .await,
        StatusCode::OK,
    )
    .await;
    let items = trail["items"].as_array().unwrap();
    assert_eq!(items.len(), spoiled.len());
    for ((tamper, says), event) in spoiled.iter().zip(items) {
        assert_eq!(event["after"]["outcome"], "refused-token", "{tamper}");
        let detail = event["after"]["detail"].as_str().unwrap();
        assert!(detail.contains(says), "{tamper}: {detail}");
    }
    // The same provider, honest again: Ana gets in.
    w.idp.tamper(None).await;
    let mut a = Agent::new();
    assert_eq!(a.sign_in(&w, "ana").await.status(), StatusCode::SEE_OTHER);
}

async fn the_provider_rotates_its_keys(backend: Backend) {
    let mut w = world(backend, None, false).await;
    let mut a = Agent::new();
    assert_eq!(a.sign_in(&w, "ana").await.status(), StatusCode::SEE_OTHER);
    // A new signing key, unknown to cxpm: the key set is read again, once.
    w.idp.restart(None).await;
    let mut b = Agent::new();
    assert_eq!(b.sign_in(&w, "ana").await.status(), StatusCode::SEE_OTHER);
    assert_eq!(w.idp.jwks_hits().await, 1, "read again after the rotation");
    // A token signed with a key the provider never published: refused, and within
    // the minute the key set is not read again for it.
    w.idp.restart(Some("foreign-key")).await;
    for _ in 0..2 {
        let mut c = Agent::new();
        assert_eq!(c.sign_in(&w, "ana").await.status(), StatusCode::BAD_REQUEST);
    }
    assert_eq!(
        w.idp.jwks_hits().await,
        0,
        "no fetch on demand within a minute"
    );
}

async fn only_verified_addresses_of_active_people_get_in(backend: Backend) {
    let w = world(backend, None, false).await;
    let cases = [
        ("bo", "bo@plant.example", "not verified"),
        (
            "stranger",
            "stranger@plant.example",
            "nobody in cxpm has that address",
        ),
        ("gone", "gone@plant.example", "deactivated"),
        ("nomail", "", "sent no email address"),
    ];
    for (login, email, says) in cases {
        let mut a = Agent::new();
        let resp = a.sign_in(&w, login).await;
        assert_eq!(resp.status(), StatusCode::FORBIDDEN, "{login}");
        let page = resp.text().await.unwrap();
        assert!(page.contains(says), "{login}: {page}");
        assert!(page.contains(email), "{login}");
        assert!(a.session(&w).is_none(), "{login}");
    }
    // In the reader's language.
    let mut a = Agent::new();
    a.language = "zh-CN";
    let resp = a.sign_in(&w, "stranger").await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    assert!(
        resp.text()
            .await
            .unwrap()
            .contains("cxpm 中没有使用该地址的人员")
    );
    assert_eq!(
        outcomes(&w.app).await,
        [
            "unverified-email",
            "unknown-person",
            "deactivated",
            "no-email",
            "unknown-person"
        ]
    );
}

/// `cxpm break-glass EMAIL` on the server's database: its link, or its failure.
fn break_glass(app: &TestApp, email: &str) -> Result<String, String> {
    let out = std::process::Command::new(EXE)
        .args(["break-glass", "--database-url", &app.database_url])
        .args(["--public-url", &app.base, email])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    if out.status.success() {
        Ok(text.lines().last().unwrap().trim().to_owned())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

async fn with_oidc_only_links_are_refused_but_break_glass(backend: Backend) {
    let w = world(backend, None, true).await;
    let mut a = Agent::new();
    let page = a.get(&w.app.url("/sign-in")).await.text().await.unwrap();
    assert!(page.contains("Sign in with Plant Login"));
    assert!(!page.contains("name=\"email\""), "no mailed links offered");
    let asked = a
        .post(&w.app.url("/sign-in"), &[("email", "ana@plant.example")])
        .await;
    assert_eq!(asked.status(), StatusCode::FORBIDDEN);
    assert!(asked.text().await.unwrap().contains("turned off"));
    // A link an admin made for Ana is refused…
    let people = expect_json(
        w.app.get("/api/v1/people?q=ana", &w.app.admin_token).await,
        StatusCode::OK,
    )
    .await;
    let ana = people["items"][0]["id"].as_str().unwrap().to_owned();
    let made = expect_json(
        w.app
            .post(
                &format!("/api/v1/people/{ana}/sign-in-links"),
                &w.app.admin_token,
                &json!({}),
            )
            .await,
        StatusCode::CREATED,
    )
    .await;
    let token = param(made["url"].as_str().unwrap(), "token").to_owned();
    let opened = a
        .post(&w.app.url("/sign-in/link"), &[("token", &token)])
        .await;
    assert_eq!(opened.status(), StatusCode::SEE_OTHER);
    assert_eq!(opened.headers()[LOCATION], "/sign-in?notice=unusable");
    assert!(a.session(&w).is_none());
    // …the company's sign-in works…
    assert_eq!(a.sign_in(&w, "ana").await.status(), StatusCode::SEE_OTHER);
    // …and the break-glass link, for admins only, once.
    assert!(
        break_glass(&w.app, "ana@plant.example")
            .unwrap_err()
            .contains("admins only")
    );
    assert!(break_glass(&w.app, "nobody@plant.example").is_err());
    let link = break_glass(&w.app, "admin@cxpm.local").unwrap();
    assert!(
        link.starts_with(&w.app.url("/sign-in/link?token=")),
        "{link}"
    );
    let token = param(&link, "token");
    let mut admin = Agent::new();
    let opened = admin
        .post(&w.app.url("/sign-in/link"), &[("token", token)])
        .await;
    assert_eq!(opened.status(), StatusCode::SEE_OTHER);
    assert_eq!(opened.headers()[LOCATION], "/admin/people");
    assert!(admin.session(&w).is_some());
    let again = Agent::new()
        .post(&w.app.url("/sign-in/link"), &[("token", token)])
        .await;
    assert_eq!(again.headers()[LOCATION], "/sign-in?notice=unusable");
    // On record, marked: the first admin's link printed at the first start (with
    // OpenID Connect the only way in, it is a break-glass link too) and this one.
    let trail = expect_json(
        w.app
            .get(
                "/api/v1/audit?entity=sign_in_link&limit=200",
                &w.app.admin_token,
            )
            .await,
        StatusCode::OK,
    )
    .await;
    let glass = trail["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["after"]["break_glass"] == true)
        .count();
    assert_eq!(glass, 2);
}

/// In the real browser: the sign-in page with the company's button in every
/// language at phone and desktop width, through the provider's own login form and
/// back signed in; and the page for someone cxpm does not know.
async fn in_the_browser(backend: Backend) {
    let Some(driver) = cxpm_tests::browser::Driver::start().await else {
        return;
    };
    let w = world(backend, None, false).await;
    for lang in ["en", "zh-CN", "pt-BR"] {
        for (width, height) in [(375, 812), (1280, 900)] {
            let win = driver.window_in(width, height, lang).await;
            win.goto(&w.app.url("/sign-in")).await;
            win.find("#oidc").await;
            crate::browser::look(&win, "sign-in-oidc", lang, width).await;
            // Someone the company knows and cxpm does not.
            win.click("#oidc").await;
            win.fill("input[name=login]", "stranger").await;
            win.fill("input[name=password]", "any").await;
            win.click_and_load("button[type=submit]").await;
            win.wait_for_text("stranger@plant.example").await;
            assert!(win.url().await.contains("/sign-in/oidc/callback"));
            crate::browser::look(&win, "oidc-refused", lang, width).await;
            win.close().await;
        }
    }
    // Ana signs in through the provider's form and lands where she was going.
    let win = driver.window(1280, 900).await;
    win.goto(&w.app.url("/my-work")).await;
    win.click("#oidc").await;
    win.fill("input[name=login]", "ana").await;
    win.fill("input[name=password]", "any").await;
    win.click_and_load("button[type=submit]").await;
    for _ in 0..50 {
        if win.url().await.ends_with("/my-work") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(win.url().await.ends_with("/my-work"), "{}", win.url().await);
    win.goto(&w.app.url("/me")).await;
    win.wait_for_text("with the company account").await;
    win.close().await;
}

on_both!(
    in_the_browser,
    a_good_sign_in_over_http_opens_a_session_once,
    an_answer_for_another_browser_signs_no_one_in,
    a_spoiled_id_token_is_refused,
    the_provider_rotates_its_keys,
    only_verified_addresses_of_active_people_get_in,
    with_oidc_only_links_are_refused_but_break_glass,
);
