//! The dispatcher: sends the outbox's pending mail through SMTP (`CXPM_SMTP_URL`), or
//! writes each as an `.eml` file to `CXPM_MAIL_DIR` when no SMTP server is configured,
//! with retries and backoff.
//!
//! Any number of dispatchers may run (one per replica). Each claims a row before
//! sending it with a compare-and-set on its attempt count, which also leases it for
//! [`LEASE`]: a dispatcher that dies mid-send leaves the row to be retried when the
//! lease ends. A mail can therefore go out twice only if the process died inside the
//! SMTP conversation; it carries the same Message-ID both times, which mail clients
//! fold into one.

use std::path::PathBuf;
use std::time::Duration;

use chrono::{DateTime, Utc};
use cxpm_domain::reminder::OutboxStatus;
use lettre::message::{Mailbox, MultiPart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::db::outbox;

/// How long a claimed mail is left alone before another attempt may take it.
pub const LEASE: Duration = Duration::from_secs(60);
/// Attempts before a mail is given up as failed.
pub const MAX_ATTEMPTS: i32 = 8;
/// Mails claimed per round.
const BATCH: u64 = 20;

/// The wait before attempt `n + 1` after `n` failed: `base`, then doubling, capped at
/// an hour (with the default 30 s: 30 s, 1 min, 2 min …).
pub fn backoff(attempts: i32, base: Duration) -> chrono::Duration {
    let exp = attempts.clamp(1, 8) - 1;
    let base = i64::try_from(base.as_millis()).unwrap_or(i64::MAX).max(1);
    chrono::Duration::milliseconds(base.saturating_mul(1 << exp).min(3_600_000))
}

enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Files(PathBuf),
}

/// Where mail goes, and from whom.
pub struct Mailer {
    transport: Transport,
    from: Mailbox,
}

impl Mailer {
    /// SMTP when `smtp_url` is given (`smtp://`, `smtps://`, `?tls=required`, user and
    /// password in the URL), else `.eml` files in `mail_dir`.
    pub fn new(smtp_url: Option<&str>, from: &str, mail_dir: PathBuf) -> anyhow::Result<Self> {
        let from: Mailbox = from
            .parse()
            .map_err(|e| anyhow::anyhow!("CXPM_MAIL_FROM `{from}`: {e}"))?;
        let transport = match smtp_url.map(str::trim).filter(|u| !u.is_empty()) {
            Some(url) => Transport::Smtp(
                AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .map_err(|e| anyhow::anyhow!("CXPM_SMTP_URL: {e}"))?
                    .timeout(Some(Duration::from_secs(30)))
                    .build(),
            ),
            None => Transport::Files(mail_dir),
        };
        Ok(Self { transport, from })
    }

    /// A short description for the log: never the SMTP password.
    pub fn describe(&self) -> String {
        match &self.transport {
            Transport::Smtp(_) => "SMTP".to_owned(),
            Transport::Files(dir) => format!(".eml files in {}", dir.display()),
        }
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

/// Claims `mail` for one attempt: only if no one else has since it was read.
async fn claim(
    db: &DatabaseConnection,
    mail: &outbox::Model,
    now: DateTime<Utc>,
) -> Result<bool, sea_orm::DbErr> {
    let lease = now + chrono::Duration::from_std(LEASE).unwrap_or_default();
    let done = outbox::Entity::update_many()
        .col_expr(outbox::Column::Attempts, Expr::value(mail.attempts + 1))
        .col_expr(outbox::Column::NextAttemptAt, Expr::value(lease))
        .filter(outbox::Column::Id.eq(&mail.id))
        .filter(outbox::Column::Status.eq(OutboxStatus::Pending.as_str()))
        .filter(outbox::Column::Attempts.eq(mail.attempts))
        .exec(db)
        .await?;
    Ok(done.rows_affected == 1)
}

/// One round: claims and sends the pending mail that is due; returns how many it
/// attempted.
pub async fn dispatch_once(
    db: &DatabaseConnection,
    mailer: &Mailer,
    retry_base: Duration,
) -> Result<usize, sea_orm::DbErr> {
    let now = crate::db::now();
    let due = outbox::Entity::find()
        .filter(outbox::Column::Status.eq(OutboxStatus::Pending.as_str()))
        .filter(outbox::Column::NextAttemptAt.lte(now))
        .order_by_asc(outbox::Column::NextAttemptAt)
        .limit(BATCH)
        .all(db)
        .await?;
    let mut attempted = 0;
    for mail in due {
        if !claim(db, &mail, now).await? {
            continue;
        }
        attempted += 1;
        let attempts = mail.attempts + 1;
        let update = outbox::Entity::update_many().filter(outbox::Column::Id.eq(&mail.id));
        let update = match mailer.send(&mail).await {
            Ok(()) => update
                .col_expr(
                    outbox::Column::Status,
                    Expr::value(OutboxStatus::Sent.as_str()),
                )
                .col_expr(outbox::Column::SentAt, Expr::value(Some(crate::db::now())))
                .col_expr(outbox::Column::LastError, Expr::value(None::<String>)),
            Err(error) => {
                tracing::warn!(mail = %mail.id, attempts, %error, "reminder mail not sent");
                let status = if attempts >= MAX_ATTEMPTS {
                    OutboxStatus::Failed
                } else {
                    OutboxStatus::Pending
                };
                update
                    .col_expr(outbox::Column::Status, Expr::value(status.as_str()))
                    .col_expr(
                        outbox::Column::NextAttemptAt,
                        Expr::value(crate::db::now() + backoff(attempts, retry_base)),
                    )
                    .col_expr(outbox::Column::LastError, Expr::value(Some(error)))
            }
        };
        update.exec(db).await?;
    }
    Ok(attempted)
}

/// Runs the dispatcher until the task is dropped: a round every `every`, and at once
/// again while a round found work.
pub fn spawn(
    db: DatabaseConnection,
    mailer: Mailer,
    every: Duration,
    retry_base: Duration,
) -> tokio::task::JoinHandle<()> {
    tracing::info!(to = %mailer.describe(), every_ms = every.as_millis() as u64, "dispatcher started");
    tokio::spawn(async move {
        loop {
            match dispatch_once(&db, &mailer, retry_base).await {
                Ok(n) if n > 0 => continue,
                Ok(_) => {}
                Err(error) => tracing::warn!(%error, "dispatcher round failed"),
            }
            tokio::time::sleep(every).await;
        }
    })
}

#[cfg(test)]
mod tests {
    use super::backoff;

    #[test]
    fn backoff_doubles_up_to_an_hour() {
        let base = std::time::Duration::from_secs(30);
        let secs: Vec<i64> = (1..=9).map(|n| backoff(n, base).num_seconds()).collect();
        assert_eq!(secs, [30, 60, 120, 240, 480, 960, 1920, 3600, 3600]);
    }
}
