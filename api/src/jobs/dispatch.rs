//! The dispatcher: a front that sends the outbox's pending mail through SMTP (`CXPM_SMTP_URL`), or
//! writes each as an `.eml` file to `CXPM_MAIL_DIR` when no SMTP server is configured,
//! with retries and backoff.
//!
//! Any number of dispatchers may run (one per replica). Each claims a row before
//! sending it with a compare-and-set on its attempt count, which also leases it for
//! twice the SMTP timeout: a dispatcher that dies mid-send leaves the row to be
//! retried when the lease ends. A mail can therefore go out twice only if the process
//! died inside its SMTP conversation (at most `CXPM_SMTP_CONNECTIONS` mails are in
//! one at a time); it carries the same Message-ID both times, which mail clients fold
//! into one.
//!
//! Mails go out side by side, one per pooled SMTP connection: each SMTP transaction
//! waits on the server several times (and once more on TCP's delayed
//! acknowledgement after the message body, which lettre writes apart from its
//! closing dot), so one connection at a time leaves the line idle most of the time.
//!
//! Which mails are due, the claim and how an attempt is settled are use cases
//! (`cxpm_app::reminders::outbox`); SMTP and the `.eml` files are this front's.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use cxpm_app::Ctx;
use cxpm_app::reminders::outbox::{self as outbox_cases, Settled};
use cxpm_app::store::outbox;
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::PoolConfig;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use tokio::task::JoinSet;

use crate::metrics::{Metrics, SendOutcome};

/// Mails read per round.
const BATCH: u64 = 64;

enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Files(PathBuf),
}

/// Where mail goes, and from whom.
pub struct Mailer {
    transport: Transport,
    from: Mailbox,
    timeout: Duration,
    connections: usize,
}

impl Mailer {
    /// SMTP when `smtp_url` is given (`smtp://`, `smtps://`, `?tls=required`, user and
    /// password in the URL), else `.eml` files in `mail_dir`. A send may take up to
    /// `timeout`; up to `connections` go out at once.
    pub fn new(
        smtp_url: Option<&str>,
        from: &str,
        mail_dir: PathBuf,
        timeout: Duration,
        connections: usize,
    ) -> anyhow::Result<Self> {
        let from: Mailbox = from
            .parse()
            .map_err(|e| anyhow::anyhow!("CXPM_MAIL_FROM `{from}`: {e}"))?;
        let connections = connections.max(1);
        let transport = match smtp_url.map(str::trim).filter(|u| !u.is_empty()) {
            Some(url) => Transport::Smtp(
                AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .map_err(|e| anyhow::anyhow!("CXPM_SMTP_URL: {e}"))?
                    .timeout(Some(timeout))
                    .pool_config(PoolConfig::new().max_size(connections as u32))
                    .build(),
            ),
            None => Transport::Files(mail_dir),
        };
        Ok(Self {
            transport,
            from,
            timeout,
            connections,
        })
    }

    /// A short description for the log: never the SMTP password.
    pub fn describe(&self) -> String {
        match &self.transport {
            Transport::Smtp(_) => format!("SMTP, {} connection(s)", self.connections),
            Transport::Files(dir) => format!(".eml files in {}", dir.display()),
        }
    }

    /// How long a claimed mail is left alone before another attempt may take it:
    /// twice the longest a send may take.
    pub fn lease(&self) -> chrono::Duration {
        chrono::Duration::from_std(self.timeout.saturating_mul(2))
            .unwrap_or(chrono::Duration::hours(1))
    }

    fn message(&self, mail: &outbox::Model) -> Result<Message, String> {
        let to: Mailbox = mail
            .to_address
            .parse()
            .map_err(|e| format!("recipient `{}`: {e}", mail.to_address))?;
        Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(mail.subject.clone())
            .message_id(Some(mail.message_id.clone()))
            .multipart(MultiPart::alternative_plain_html(
                mail.body_text.clone(),
                mail.body_html.clone(),
            ))
            .map_err(|e| format!("building the message: {e}"))
    }

    /// Sends one mail; the error is what the outbox records.
    pub async fn send(&self, mail: &outbox::Model) -> Result<(), String> {
        let message = self.message(mail)?;
        match &self.transport {
            Transport::Smtp(smtp) => smtp
                .send(message)
                .await
                .map(|_| ())
                .map_err(|e| format!("SMTP: {e}")),
            Transport::Files(dir) => {
                tokio::fs::create_dir_all(dir)
                    .await
                    .map_err(|e| format!("{}: {e}", dir.display()))?;
                // Written aside, then renamed: a reader never sees half a mail.
                let path = dir.join(format!("{}.eml", mail.id));
                let partial = dir.join(format!(".{}.eml.partial", mail.id));
                tokio::fs::write(&partial, message.formatted())
                    .await
                    .map_err(|e| format!("{}: {e}", partial.display()))?;
                tokio::fs::rename(&partial, &path)
                    .await
                    .map_err(|e| format!("{}: {e}", path.display()))
            }
        }
    }
}

/// Sends one claimed mail and records how it went.
async fn deliver(
    ctx: &Ctx,
    mailer: &Mailer,
    metrics: &Metrics,
    mail: outbox::Model,
    retry_base: Duration,
) -> Result<(), sea_orm::DbErr> {
    let sent = mailer.send(&mail).await;
    let settled = outbox_cases::settle(ctx, &mail, sent, retry_base).await?;
    metrics.sent(match settled {
        Settled::Sent => SendOutcome::Sent,
        Settled::Retry => SendOutcome::Retry,
        Settled::Failed => SendOutcome::Failed,
    });
    Ok(())
}

/// One round: claims and sends the pending mail that is due, up to the mailer's
/// number of connections at once; returns how many it attempted. A mail is claimed
/// only when a connection is free for it, so its lease runs from its own send.
pub async fn dispatch_once(
    ctx: &Ctx,
    mailer: &Arc<Mailer>,
    metrics: &Arc<Metrics>,
    retry_base: Duration,
) -> Result<usize, sea_orm::DbErr> {
    let due = outbox_cases::due(ctx, BATCH).await?;
    let mut sending = JoinSet::new();
    let mut attempted = 0;
    let mut failed = None;
    for mail in due {
        while sending.len() >= mailer.connections {
            keep_first_error(sending.join_next().await, &mut failed);
        }
        if failed.is_some() || !outbox_cases::claim(ctx, &mail, mailer.lease()).await? {
            continue;
        }
        attempted += 1;
        let (ctx, mailer, metrics) = (ctx.clone(), Arc::clone(mailer), Arc::clone(metrics));
        sending.spawn(async move { deliver(&ctx, &mailer, &metrics, mail, retry_base).await });
    }
    while let Some(done) = sending.join_next().await {
        keep_first_error(Some(done), &mut failed);
    }
    match failed {
        Some(error) => Err(error),
        None => Ok(attempted),
    }
}

/// Keeps the first database error of a round's sends (the round stops claiming
/// then); a send's task cannot panic short of a bug, which is logged.
fn keep_first_error(
    done: Option<Result<Result<(), sea_orm::DbErr>, tokio::task::JoinError>>,
    failed: &mut Option<sea_orm::DbErr>,
) {
    match done {
        Some(Ok(Err(error))) if failed.is_none() => *failed = Some(error),
        Some(Err(error)) => tracing::error!(%error, "a mail's send task ended abnormally"),
        _ => {}
    }
}

/// Runs the dispatcher until the task is dropped: a round every `every`, and at once
/// again while a round found work.
pub fn spawn(
    ctx: Ctx,
    mailer: Mailer,
    metrics: Arc<Metrics>,
    every: Duration,
    retry_base: Duration,
) -> tokio::task::JoinHandle<()> {
    tracing::info!(to = %mailer.describe(), every_ms = every.as_millis() as u64, "dispatcher started");
    let mailer = Arc::new(mailer);
    tokio::spawn(async move {
        loop {
            match dispatch_once(&ctx, &mailer, &metrics, retry_base).await {
                Ok(n) if n > 0 => continue,
                Ok(_) => {}
                Err(error) => tracing::warn!(%error, "dispatcher round failed"),
            }
            tokio::time::sleep(every).await;
        }
    })
}
