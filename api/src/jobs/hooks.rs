//! The hook dispatcher: a front that makes the HTTP calls the deliveries outbox owes —
//! chat messages to WeCom, DingTalk, Feishu, Teams and Slack robots, and signed
//! Standard Webhooks calls — with the same guarantees as mail: each claimed by
//! compare-and-set (and leased for twice the call's timeout), retried with backoff,
//! none lost, a duplicate only for a call in flight when the process died (a webhook's
//! carries the same `webhook-id` both times).
//!
//! Each chat robot's rate limit is kept here (per process: several replicas share
//! a robot's budget only through the platform's "rate limited" answer, which is a
//! retry later). A delivery whose robot has no budget left waits, unclaimed, until it
//! has: the dispatcher does not spin on it.
//!
//! No call reaches inside the operator's network unless allowed
//! (`CXPM_ALLOW_PRIVATE_TARGETS`): the URL is checked again before every call, and
//! the client's resolver drops private addresses, so the address connected to is the
//! address checked (a name that resolves elsewhere between check and call cannot
//! slip through); redirects are not followed.

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use cxpm_app::Ctx;
use cxpm_app::hooks::deliveries::{self, Due, Outcome, Settled, Target};
use cxpm_app::hooks::platforms::{self, Answer};
use cxpm_app::hooks::webhooks;
use cxpm_domain::hooks::{allowed_address, check_url};
use tokio::task::JoinSet;

use super::mailroom::Notices;

/// Deliveries read per round.
const BATCH: u64 = 64;

/// The most of an answer read (an error's words; a chat platform's JSON is short).
const MAX_ANSWER: usize = 64 * 1024;

/// Drops the private addresses a name resolves to (all of them: the name is refused).
struct GuardedResolver {
    allow_private: bool,
}

impl reqwest::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let allow_private = self.allow_private;
        Box::pin(async move {
            let host = name.as_str().to_owned();
            let found: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let allowed: Vec<SocketAddr> = found
                .iter()
                .copied()
                .filter(|a| allowed_address(a.ip(), allow_private).is_ok())
                .collect();
            if allowed.is_empty() {
                let why = match found.first() {
                    Some(a) => format!(
                        "{host} resolves to {}, an address inside this network, which cxpm does not call",
                        a.ip()
                    ),
                    None => format!("{host} resolves to no address"),
                };
                return Err(std::io::Error::new(std::io::ErrorKind::PermissionDenied, why).into());
            }
            Ok(Box::new(allowed.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// Calls out, within each robot's rate limit.
pub struct Caller {
    client: reqwest::Client,
    timeout: Duration,
    connections: usize,
    allow_private: bool,
    /// Per target: when its recent calls went out.
    sent: Mutex<HashMap<String, VecDeque<Instant>>>,
}

impl Caller {
    pub fn new(timeout: Duration, connections: usize, allow_private: bool) -> anyhow::Result<Self> {
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .redirect(reqwest::redirect::Policy::none())
            .dns_resolver(Arc::new(GuardedResolver { allow_private }))
            .user_agent(concat!("cxpm/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Self {
            client,
            timeout,
            connections: connections.max(1),
            allow_private,
            sent: Mutex::new(HashMap::new()),
        })
    }

    /// How long a claimed call is left alone: twice the longest a call may take.
    fn lease(&self) -> chrono::Duration {
        chrono::Duration::from_std(self.timeout.saturating_mul(2))
            .unwrap_or(chrono::Duration::minutes(1))
    }

    /// Takes one call of `target`'s budget now, or says when the next is free.
    fn budget(&self, target: &Target) -> Result<(), Duration> {
        let Some((n, per)) = target.rate() else {
            return Ok(());
        };
        let now = Instant::now();
        let mut sent = self.sent.lock().unwrap_or_else(|p| p.into_inner());
        let recent = sent.entry(target.id().to_owned()).or_default();
        while recent
            .front()
            .is_some_and(|t| now.duration_since(*t) >= per)
        {
            recent.pop_front();
        }
        if recent.len() < n as usize {
            recent.push_back(now);
            Ok(())
        } else {
            let oldest = recent.front().copied().unwrap_or(now);
            Err(per.saturating_sub(now.duration_since(oldest)))
        }
    }

    /// Makes the call `d` owes.
    async fn call(&self, d: &Due) -> Outcome {
        let url = d.target.url();
        if let Err(refused) = check_url(url, self.allow_private) {
            return Outcome::Refused {
                status: None,
                reason: format!("URL refused: {refused}"),
            };
        }
        let now = chrono::Utc::now();
        let request = match &d.target {
            Target::Channel(c) => {
                let (url, body) = platforms::signed(
                    *c.kind,
                    &c.url,
                    c.secret.as_deref(),
                    &d.delivery.body,
                    now.timestamp_millis(),
                );
                self.client
                    .post(url)
                    .header("content-type", "application/json; charset=utf-8")
                    .body(body)
            }
            Target::Webhook(w) => {
                let ts = now.timestamp();
                let secrets = webhooks::signing_secrets(w, now);
                self.client
                    .post(&w.url)
                    .header("content-type", "application/json")
                    .header("webhook-id", &d.delivery.id)
                    .header("webhook-timestamp", ts.to_string())
                    .header(
                        "webhook-signature",
                        webhooks::signature(&secrets, &d.delivery.id, ts, &d.delivery.body),
                    )
                    .body(d.delivery.body.clone())
            }
        };
        let response = match request.send().await {
            Ok(r) => r,
            Err(e) => {
                // The resolver's refusal is a refusal, not a network failure.
                let refused = std::error::Error::source(&e)
                    .map(|s| s.to_string())
                    .filter(|s| s.contains("which cxpm does not call"));
                return match refused {
                    Some(why) => Outcome::Refused {
                        status: None,
                        reason: why,
                    },
                    None => Outcome::Later {
                        status: None,
                        reason: describe(e),
                        after: None,
                    },
                };
            }
        };
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let body = read_some(response).await;
        match &d.target {
            Target::Channel(c) => match platforms::read_answer(*c.kind, status, retry_after, &body)
            {
                Answer::Delivered => Outcome::Delivered { status },
                Answer::Later { reason, after } => Outcome::Later {
                    status: Some(status),
                    reason,
                    after,
                },
                Answer::Refused(reason) => Outcome::Refused {
                    status: Some(status),
                    reason,
                },
            },
            Target::Webhook(_) if (200..300).contains(&status) => Outcome::Delivered { status },
            Target::Webhook(_) => Outcome::Later {
                status: Some(status),
                reason: format!(
                    "HTTP {status}: {}",
                    body.chars().take(300).collect::<String>()
                ),
                after: retry_after,
            },
        }
    }
}

/// An error's chain in one line, without the URL (a robot's key is in it).
fn describe(e: reqwest::Error) -> String {
    let e = e.without_url();
    let mut words = e.to_string();
    let mut source = std::error::Error::source(&e);
    while let Some(s) = source {
        words.push_str(": ");
        words.push_str(&s.to_string());
        source = s.source();
    }
    words
}

/// Up to [`MAX_ANSWER`] bytes of an answer's body, as text.
async fn read_some(mut response: reqwest::Response) -> String {
    let mut bytes = Vec::new();
    while let Ok(Some(chunk)) = response.chunk().await {
        bytes.extend_from_slice(&chunk);
        if bytes.len() >= MAX_ANSWER {
            bytes.truncate(MAX_ANSWER);
            break;
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

/// One round: takes the due deliveries and makes their calls, up to the caller's
/// number of connections at once; returns how many it attempted.
pub async fn dispatch_once(
    ctx: &Ctx,
    caller: &Arc<Caller>,
    retry_base: Duration,
) -> Result<usize, sea_orm::DbErr> {
    let due = deliveries::due(ctx, BATCH).await?;
    let mut calling = JoinSet::new();
    let mut attempted = 0;
    for d in due {
        while calling.len() >= caller.connections {
            finish(calling.join_next().await);
        }
        if let Err(wait) = caller.budget(&d.target) {
            let until = ctx.now()
                + chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::seconds(1));
            deliveries::wait(ctx, &d.delivery, until).await?;
            continue;
        }
        if !deliveries::claim(ctx, &d.delivery, caller.lease()).await? {
            continue;
        }
        attempted += 1;
        let (ctx, caller) = (ctx.clone(), Arc::clone(caller));
        calling.spawn(async move {
            let outcome = caller.call(&d).await;
            deliveries::settle(&ctx, &d, outcome, retry_base, &Notices).await
        });
    }
    while let Some(done) = calling.join_next().await {
        finish(Some(done));
    }
    Ok(attempted)
}

fn finish(done: Option<Result<Result<Settled, sea_orm::DbErr>, tokio::task::JoinError>>) {
    match done {
        Some(Ok(Err(error))) => {
            tracing::warn!(%error, "settling a delivery failed; it is retried after its lease")
        }
        Some(Err(error)) => tracing::error!(%error, "a delivery's task ended abnormally"),
        _ => {}
    }
}

/// Runs the hook dispatcher until the task is dropped: a round every `every`, and
/// at once again while a round found work.
pub fn spawn(
    ctx: Ctx,
    caller: Caller,
    every: Duration,
    retry_base: Duration,
) -> tokio::task::JoinHandle<()> {
    // Chat and webhook calls are not urgent to the millisecond: a quarter second at
    // least between idle rounds keeps this poller off a busy SQLite file.
    let every = every.max(Duration::from_millis(250));
    tracing::info!(
        every_ms = every.as_millis() as u64,
        "hook dispatcher started"
    );
    let caller = Arc::new(caller);
    tokio::spawn(async move {
        loop {
            match dispatch_once(&ctx, &caller, retry_base).await {
                Ok(n) if n > 0 => continue,
                Ok(_) => {}
                Err(error) => tracing::warn!(%error, "hook dispatcher round failed"),
            }
            tokio::time::sleep(every).await;
        }
    })
}
