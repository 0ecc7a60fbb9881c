//! What the reminders' use cases need of a front: each [`Letter`] written as a mail
//! with the askama templates ([`super::mail`]); a gap line's status in the reader's
//! words, with the reports' labels ([`gap_status`]).

use cxpm_app::AppResult;
use cxpm_app::hooks::deliveries::{DisabledNotice, WriteNotice};
use cxpm_app::hooks::platforms::{ChatLine, ChatText, RenderChat};
use cxpm_app::reminders::{Letter, RenderMail, Rendered, Status};
use cxpm_domain::gap::Severity;
use cxpm_domain::values::Locale;

use super::mail;
use crate::app::AppState;
use crate::labels::{labels, num, severity_label};

/// The front's side of reminding: writes mails, reads the gap report.
#[derive(Clone, Copy)]
pub struct Mail<'a>(pub &'a AppState);

impl RenderMail for Mail<'_> {
    fn render(&self, letter: &Letter) -> AppResult<Rendered> {
        let lines: Vec<mail::Line> = letter
            .lines
            .iter()
            .map(|l| mail::Line {
                title: l.title.clone(),
                context: l.context.clone(),
                status: words(letter, l.status),
                link: l.link.clone(),
            })
            .collect();
        let listing = mail::Listing {
            lines: &lines,
            total: letter.total,
            rest_link: &letter.rest_link,
            rhythm: &letter.rhythm,
        };
        mail::render(
            letter.kind,
            letter.locale,
            &letter.reader,
            &letter.program,
            listing,
        )
    }
}

impl RenderChat for Mail<'_> {
    fn render_chat(&self, letter: &Letter) -> AppResult<ChatText> {
        let t = crate::words::Words::new(letter.locale);
        let shown = letter.lines.len();
        Ok(ChatText {
            title: format!(
                "{} — {}",
                mail::topic(letter.kind, t, letter.total),
                letter.program
            ),
            lines: letter
                .lines
                .iter()
                .map(|l| ChatLine {
                    title: l.title.clone(),
                    link: l.link.clone(),
                    detail: format!("{} — {}", l.context, words(letter, l.status)),
                })
                .collect(),
            more: (letter.total > shown).then(|| t.n("mail-more", (letter.total - shown) as i64)),
            rest_link: letter.rest_link.clone(),
            open: t.get("chat-open"),
            footer: t.with("chat-footer", &[("rhythm", &letter.rhythm)]),
        })
    }
}

/// The mail telling a coordinator their webhook was disabled.
pub fn disabled_notice(n: &DisabledNotice<'_>) -> Rendered {
    let t = crate::words::Words::new(n.locale);
    let greeting = t.with("mail-greeting", &[("name", n.name)]);
    let body = t.with(
        "mail-webhook-disabled-body",
        &[("url", &n.url), ("reason", n.reason)],
    );
    let action = t.get("mail-webhook-disabled-action");
    let esc = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
    };
    Rendered {
        subject: t.with("mail-webhook-disabled-subject", &[("program", n.program)]),
        text: format!("{greeting}\n\n{body}\n\n{action}\n{}\n", n.link),
        html: format!(
            "<!doctype html><html lang=\"{}\"><body><p>{}</p><p>{}</p><p><a href=\"{}\">{}</a></p></body></html>",
            n.locale.as_str(),
            esc(&greeting),
            esc(&body),
            esc(&n.link),
            esc(&action)
        ),
    }
}

/// Writes the dispatcher's notices (it needs no server state).
pub struct Notices;

impl WriteNotice for Notices {
    fn disabled(&self, n: &DisabledNotice<'_>) -> Rendered {
        disabled_notice(n)
    }
}

/// How an item of `letter` stands, in its reader's words.
fn words(letter: &Letter, status: Status) -> String {
    match status {
        Status::Days { days, level } => mail::status(letter.kind, letter.locale, days, level),
        Status::FeedbackDue { since, level } => mail::feedback_status(letter.locale, since, level),
        Status::Gap {
            severity,
            gap,
            relative_gap,
        } => gap_status(letter.locale, severity, gap, relative_gap),
    }
}

/// A gap line's status in the gap report's words: `major: gap 1.5 (30.0 %)`.
fn gap_status(locale: Locale, severity: Severity, gap: f64, relative_gap: Option<f64>) -> String {
    let t = labels(locale);
    format!(
        "{}: {} {}{}",
        severity_label(t, severity),
        t.gap,
        num(gap),
        relative_gap
            .map(|r| format!(" ({:.1} %)", r * 100.0))
            .unwrap_or_default()
    )
}
