//! A real browser for the page tests: Debian's `chromium`, driven through
//! `chromedriver` over the W3C WebDriver protocol (a few JSON calls, spoken with the
//! `reqwest` the tests already have). Never a downloaded browser: `scripts/test`
//! installs the Debian packages when they are missing, and under CI a missing driver
//! fails the test instead of skipping it.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use serde_json::{Value, json};
use tokio::process::{Child, Command};
use tokio::sync::{Mutex, MutexGuard};

/// One browser at a time on this machine: they are heavy.
static ONE_AT_A_TIME: Mutex<()> = Mutex::const_new(());

/// The W3C name of an element reference.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// A running chromedriver.
pub struct Driver {
    _child: Child,
    base: String,
    http: reqwest::Client,
    _turn: MutexGuard<'static, ()>,
}

impl Driver {
    /// Starts chromedriver on a free port; `None` when it is not installed and this is
    /// not CI (then the test says so and does nothing). Under CI its absence fails.
    pub async fn start() -> Option<Self> {
        let turn = ONE_AT_A_TIME.lock().await;
        let found = ["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"]
            .into_iter()
            .find(|p| Path::new(p).exists());
        let Some(exe) = found else {
            assert!(
                std::env::var_os("CI").is_none(),
                "chromedriver is missing under CI: scripts/test installs chromium-driver"
            );
            eprintln!("chromedriver is not installed: the browser test did not run");
            return None;
        };
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .unwrap_or(9515);
        let child = Command::new(exe)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|e| panic!("starting chromedriver: {e}"));
        let driver = Self {
            _child: child,
            base: format!("http://127.0.0.1:{port}"),
            http: reqwest::Client::new(),
            _turn: turn,
        };
        for _ in 0..100 {
            if let Ok(r) = driver
                .http
                .get(format!("{}/status", driver.base))
                .send()
                .await
                && let Ok(v) = r.json::<Value>().await
                && v["value"]["ready"] == true
            {
                return Some(driver);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("chromedriver did not become ready");
    }

    /// A new browser window `width` × `height` CSS pixels (a phone's when narrow).
    pub async fn window(&self, width: u32, height: u32) -> Window {
        self.window_in(width, height, "en-US").await
    }

    /// A new window whose browser asks for pages in `lang` (`Accept-Language`), for
    /// the pages seen before signing in.
    pub async fn window_in(&self, width: u32, height: u32, lang: &str) -> Window {
        let profile =
            std::env::temp_dir().join(format!("cxpm-chromium-{}", uuid::Uuid::now_v7().simple()));
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": "/usr/bin/chromium",
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                         "--no-first-run", "--disable-background-networking", "--disable-component-update",
                         "--disable-sync", "--hide-scrollbars", format!("--lang={lang}"),
                         format!("--user-data-dir={}", profile.display())],
                "prefs": {"intl.accept_languages": lang},
                "mobileEmulation": {"deviceMetrics": {"width": width, "height": height, "pixelRatio": 1.0}}
            }
        }}});
        let v = call(
            &self.http,
            reqwest::Method::POST,
            &format!("{}/session", self.base),
            Some(caps),
        )
        .await;
        let id = v["sessionId"]
            .as_str()
            .expect("a WebDriver session")
            .to_owned();
        Window {
            http: self.http.clone(),
            base: format!("{}/session/{id}", self.base),
        }
    }
}

async fn call(
    http: &reqwest::Client,
    method: reqwest::Method,
    url: &str,
    body: Option<Value>,
) -> Value {
    let mut req = http.request(method.clone(), url);
    if let Some(b) = body {
        req = req.json(&b);
    }
    let resp = req
        .send()
        .await
        .unwrap_or_else(|e| panic!("{method} {url}: {e}"));
    let status = resp.status();
    let v: Value = resp.json().await.unwrap_or(Value::Null);
    assert!(status.is_success(), "{method} {url}: {status} {v}");
    v["value"].clone()
}

/// One browser window (a WebDriver session).
pub struct Window {
    http: reqwest::Client,
    base: String,
}

impl Window {
    async fn post(&self, path: &str, body: Value) -> Value {
        call(
            &self.http,
            reqwest::Method::POST,
            &format!("{}{path}", self.base),
            Some(body),
        )
        .await
    }

    pub async fn goto(&self, url: &str) {
        self.post("/url", json!({"url": url})).await;
    }

    pub async fn url(&self) -> String {
        call(
            &self.http,
            reqwest::Method::GET,
            &format!("{}/url", self.base),
            None,
        )
        .await
        .as_str()
        .unwrap_or_default()
        .to_owned()
    }

    /// The element `css` selects, waiting up to 5 s for it.
    pub async fn find(&self, css: &str) -> String {
        for _ in 0..50 {
            let found = self
                .http
                .post(format!("{}/element", self.base))
                .json(&json!({"using": "css selector", "value": css}))
                .send()
                .await;
            if let Ok(r) = found
                && r.status().is_success()
                && let Ok(v) = r.json::<Value>().await
                && let Some(id) = v["value"][ELEMENT].as_str()
            {
                return id.to_owned();
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("no element `{css}` on {}", self.url().await);
    }

    /// Clicks what `css` selects, finding it again while a page is still being
    /// replaced (a stale element).
    pub async fn click(&self, css: &str) {
        for _ in 0..30 {
            let id = self.find(css).await;
            let clicked = self
                .http
                .post(format!("{}/element/{id}/click", self.base))
                .json(&json!({}))
                .send()
                .await;
            if clicked.is_ok_and(|r| r.status().is_success()) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("could not click `{css}` on {}", self.url().await);
    }

    /// Clicks what `css` selects and waits (up to 10 s) until the next page has
    /// loaded: a form's answer, whatever it redirected to.
    pub async fn click_and_load(&self, css: &str) {
        self.execute("window.__cxpmOld = true; return 0;").await;
        self.click(css).await;
        for _ in 0..100 {
            let fresh = self
                .execute("return window.__cxpmOld !== true && document.readyState === 'complete';")
                .await;
            if fresh == json!(true) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("no new page after clicking `{css}` on {}", self.url().await);
    }

    /// Types `text` into the field `css` selects, after clearing it.
    pub async fn fill(&self, css: &str, text: &str) {
        let id = self.find(css).await;
        self.post(&format!("/element/{id}/clear"), json!({})).await;
        self.post(&format!("/element/{id}/value"), json!({"text": text}))
            .await;
    }

    /// Chooses `value` in the `<select>` `css` selects.
    pub async fn select(&self, css: &str, value: &str) {
        self.find(css).await;
        let script = format!(
            "const s = document.querySelector({}); s.value = {}; return s.value;",
            serde_json::to_string(css).unwrap_or_default(),
            serde_json::to_string(value).unwrap_or_default()
        );
        let chosen = self.execute(&script).await;
        assert_eq!(chosen, json!(value), "`{css}` has no option `{value}`");
    }

    /// Chooses the option labelled `label` in the `<select>` `css` selects, as a
    /// person picks it by what it says.
    pub async fn select_text(&self, css: &str, label: &str) {
        self.find(css).await;
        let script = format!(
            "const s = document.querySelector({}); const o = [...s.options].find(o => o.text.trim() === {}); if (!o) return null; s.value = o.value; return o.value;",
            serde_json::to_string(css).unwrap_or_default(),
            serde_json::to_string(label).unwrap_or_default()
        );
        let chosen = self.execute(&script).await;
        assert!(chosen.is_string(), "`{css}` has no option `{label}`");
    }

    /// Chooses the file at `path` in the `<input type=file>` `css` selects.
    pub async fn upload(&self, css: &str, path: &Path) {
        let id = self.find(css).await;
        self.post(
            &format!("/element/{id}/value"),
            json!({"text": path.display().to_string()}),
        )
        .await;
    }

    pub async fn execute(&self, script: &str) -> Value {
        self.post("/execute/sync", json!({"script": script, "args": []}))
            .await
    }

    pub async fn execute_async(&self, script: &str) -> Value {
        self.post("/execute/async", json!({"script": script, "args": []}))
            .await
    }

    /// Waits up to 5 s until the page's text holds `needle`.
    pub async fn wait_for_text(&self, needle: &str) {
        for _ in 0..50 {
            let text = self
                .execute("return document.body ? document.body.innerText : ''")
                .await;
            if text.as_str().is_some_and(|t| t.contains(needle)) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let text = self.execute("return document.body.innerText").await;
        panic!("`{needle}` never appeared on {}: {text}", self.url().await);
    }

    /// The page's serious and critical accessibility violations, by axe-core (vendored
    /// for tests only, `tests/vendor/axe-core`).
    pub async fn axe(&self) -> Vec<Value> {
        let axe = include_str!("../vendor/axe-core/axe-4.14.1.min.js");
        self.execute(&format!("{axe}\nreturn true;")).await;
        let found = self
            .execute_async(
                "const done = arguments[arguments.length - 1];
                 axe.run(document).then(r => done(r.violations
                   .filter(v => v.impact === 'serious' || v.impact === 'critical')
                   .map(v => ({id: v.id, impact: v.impact, help: v.help,
                               targets: v.nodes.map(n => n.target)}))))
                   .catch(e => done([{error: String(e)}]));",
            )
            .await;
        found.as_array().cloned().unwrap_or_default()
    }

    /// A screenshot of the viewport, as PNG, to `path`.
    pub async fn screenshot(&self, path: &Path) {
        let v = call(
            &self.http,
            reqwest::Method::GET,
            &format!("{}/screenshot", self.base),
            None,
        )
        .await;
        let png = base64_decode(v.as_str().unwrap_or_default());
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).ok();
        }
        std::fs::write(path, png).unwrap_or_else(|e| panic!("writing {}: {e}", path.display()));
    }

    pub async fn close(self) {
        let _ = self.http.delete(&self.base).send().await;
    }
}

/// Standard base64 (padding and line breaks ignored).
pub fn base64_decode(s: &str) -> Vec<u8> {
    let value = |c: u8| match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    };
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for v in s.bytes().filter_map(value) {
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    out
}
