//! Where reminders and events reach people besides mail (issue 18): a program's chat
//! channels ([`channels`], which receive schedules' digests) and webhook
//! subscriptions ([`webhooks`], which receive its events, [`events`]); the HTTP calls
//! both owe, kept in a durable outbox of their own ([`deliveries`]) that the
//! dispatcher drains; each platform's format, signing and answers ([`platforms`]).
//!
//! The rules — kinds, events, which targets may be called — are
//! [`cxpm_domain::hooks`]'s. The words of a chat message are a front's
//! ([`platforms::RenderChat`]); the HTTP calls are the dispatcher's.

pub mod channels;
pub mod deliveries;
pub mod events;
pub mod page;
pub mod platforms;
pub mod webhooks;

use cxpm_domain::FieldError;
use cxpm_domain::hooks::{Refused, check_url};

use crate::Ctx;

/// `url` checked as a target cxpm may call (and stored trimmed), under the
/// context's rule on private targets.
fn checked_url(ctx: &Ctx, url: &str) -> Result<String, FieldError> {
    check_url(url, ctx.allow_private_targets)
        .map_err(|refused: Refused| FieldError::new("url", refused.to_string()))?;
    Ok(url.trim().to_owned())
}

/// A URL as answers show it: its scheme and host, the rest (which holds a robot's
/// key) hidden.
pub fn masked(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) => {
            let host = rest.split(['/', '?', '#']).next().unwrap_or("");
            format!("{scheme}://{host}/…")
        }
        None => "…".to_owned(),
    }
}
