//! A real OpenID Provider on loopback for the sign-in tests: `oidc-provider` from npm
//! on Node, run from `target/oidc` (where `scripts/test` installs it) with the
//! configuration a test gives. Its absence fails the test, on CI and off it: the
//! sign-in tests are never skipped.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// The client cxpm is registered as, and its secret.
pub const CLIENT_ID: &str = "cxpm";
pub const CLIENT_SECRET: &str = "a-client-secret-long-enough-for-hs256-0123456789";

/// A running provider.
pub struct Provider {
    child: Child,
    pub issuer: String,
    config: Value,
}

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/oidc")
}

impl Provider {
    /// Starts a provider that knows cxpm at `public_url` and `accounts` (login →
    /// claims), and spoils its ID tokens as `tamper` says (see tests/oidc/provider.mjs).
    pub async fn start(public_url: &str, accounts: Value, tamper: Option<&str>) -> Self {
        let config = json!({
            "port": 0,
            "clients": [{
                "client_id": CLIENT_ID,
                "client_secret": CLIENT_SECRET,
                "redirect_uris": [format!("{public_url}/sign-in/oidc/callback")],
                "post_logout_redirect_uris": [format!("{public_url}/sign-in?notice=signed-out")],
            }],
            "accounts": accounts,
            "tamper": tamper,
        });
        Self::launch(config).await
    }

    async fn launch(config: Value) -> Self {
        let dir = dir();
        assert!(
            dir.join("node_modules/oidc-provider").exists(),
            "oidc-provider is not installed in {}: scripts/test installs it (npm install --prefix target/oidc oidc-provider@9.13.3)",
            dir.display()
        );
        // Bare imports resolve from the script's folder: it runs beside node_modules.
        let script = dir.join("provider.mjs");
        std::fs::copy(
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("oidc/provider.mjs"),
            &script,
        )
        .ok();
        let mut child = Command::new("node")
            .arg(&script)
            .current_dir(&dir)
            .env("OIDC_CONFIG", config.to_string())
            .stdout(Stdio::piped())
            // OIDC_DEBUG=1 shows the provider's own log.
            .stderr(if std::env::var_os("OIDC_DEBUG").is_some() {
                Stdio::inherit()
            } else {
                Stdio::null()
            })
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|e| panic!("starting node (the OpenID Provider): {e}"));
        let stdout = child.stdout.take().expect("the provider's output");
        let mut lines = BufReader::new(stdout).lines();
        let line = tokio::time::timeout(Duration::from_secs(20), lines.next_line())
            .await
            .expect("the OpenID Provider did not start within 20 s")
            .expect("reading the provider's output")
            .expect("the OpenID Provider ended before listening");
        let started: Value = serde_json::from_str(&line).expect("the provider's first line");
        // The provider writes notices to its output later on: keep reading it, or
        // its writes fail and it stops.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        let issuer = started["issuer"].as_str().unwrap().to_owned();
        Self {
            child,
            issuer,
            config,
        }
    }

    /// Stops the provider and starts it again on the same address, with a new
    /// signing key (and spoiling as `tamper` says): a key rotation.
    pub async fn restart(&mut self, tamper: Option<&str>) {
        let _ = self.child.kill().await;
        let port: u16 = self.issuer.rsplit(':').next().unwrap().parse().unwrap();
        let mut config = self.config.clone();
        config["port"] = json!(port);
        config["tamper"] = json!(tamper);
        // The port may linger a moment after the kill.
        for _ in 0..50 {
            if std::net::TcpListener::bind(("127.0.0.1", port)).is_ok() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        *self = Self::launch(config).await;
    }

    /// Spoils the ID tokens from now on as `tamper` says (none: honest), same key.
    pub async fn tamper(&mut self, tamper: Option<&str>) {
        let url = format!(
            "{}/__test/tamper?mode={}",
            self.issuer,
            tamper.unwrap_or("")
        );
        let resp = reqwest::get(url).await.unwrap();
        assert!(resp.status().is_success());
        self.config["tamper"] = json!(tamper);
    }

    /// How many times the key set was fetched.
    pub async fn jwks_hits(&self) -> u64 {
        let v: Value = reqwest::get(format!("{}/__test/jwks-hits", self.issuer))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        v["hits"].as_u64().unwrap()
    }
}
