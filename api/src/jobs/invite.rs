//! A feedback round's invitation and reminder mails, in the reader's language: who
//! asks, about what, by when, and the personal link (text and HTML parts).

use askama::Template;
use cxpm_app::feedback::{Invite, MailKind, WriteInvite, Written};
use cxpm_domain::feedback::Respondent;

use crate::words::Words;

/// Writes round mails with the Fluent words and the askama template.
pub struct InviteMail;

#[derive(Template)]
#[template(path = "mail/feedback.html")]
struct InviteHtml<'a> {
    lang: &'a str,
    greeting: &'a str,
    body: &'a str,
    anonymous: &'a str,
    deadline: &'a str,
    url: &'a str,
    button: &'a str,
}

impl WriteInvite for InviteMail {
    fn write(&self, i: &Invite<'_>) -> Written {
        let t = Words::new(i.locale);
        let greeting = match i.name {
            Some(name) => t.with("mail-feedback-greeting", &[("name", name)]),
            None => t.get("mail-feedback-greeting-anonymous"),
        };
        let points = i.key_points.to_string();
        let args = [
            ("provider", i.provider),
            ("customer", i.customer),
            ("points", points.as_str()),
        ];
        let body = match i.respondent {
            Respondent::Provider => t.with("mail-feedback-body-provider", &args),
            _ => t.with("mail-feedback-body", &args),
        };
        let anonymous = t.with("mail-feedback-anonymous", &args);
        let deadline = t.with(
            "mail-feedback-deadline",
            &[("deadline", &t.day(i.deadline.date_naive()))],
        );
        let subject_key = match i.kind {
            MailKind::Invitation => "mail-feedback-subject",
            MailKind::Reminder => "mail-feedback-reminder-subject",
        };
        let button = t.get("mail-feedback-button");
        let text = format!(
            "{greeting}\n\n{body}\n{anonymous}\n\n{deadline}\n\n{button}: {}\n",
            i.url
        );
        let html = InviteHtml {
            lang: i.locale.as_str(),
            greeting: &greeting,
            body: &body,
            anonymous: &anonymous,
            deadline: &deadline,
            url: i.url,
            button: &button,
        }
        .render()
        .unwrap_or_else(|e| {
            tracing::error!(error = %e, "a feedback mail's HTML did not render");
            String::new()
        });
        Written {
            subject: t.with(subject_key, &args),
            text,
            html,
        }
    }
}
