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
        let args = [("provider", i.provider), ("customer", i.customer)];
        let n = i64::try_from(i.key_points).unwrap_or(i64::MAX);
        let body = match i.respondent {
            Respondent::Internal => "mail-feedback-body",
            Respondent::External => "mail-feedback-body-external",
            Respondent::Provider => "mail-feedback-body-provider",
        };
        let subject = match (i.kind, i.respondent) {
            (MailKind::Reminder, _) => "mail-feedback-reminder-subject",
            (MailKind::Invitation, Respondent::External) => "mail-feedback-subject-external",
            (MailKind::Invitation, _) => "mail-feedback-subject",
        };
        let body = t.with_n(body, n, &args);
        let anonymous = t.with("mail-feedback-anonymous", &args);
        let deadline = t.with(
            "mail-feedback-deadline",
            &[("deadline", &t.day(i.deadline.date_naive()))],
        );
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
            subject: t.with(subject, &args),
            text,
            html,
        }
    }
}

#[cfg(test)]
mod tests {
    use cxpm_domain::values::Locale;

    use super::*;

    fn invite(locale: Locale, respondent: Respondent, kind: MailKind, n: usize) -> Written {
        InviteMail.write(&Invite {
            kind,
            locale,
            name: None,
            respondent,
            provider: "计划部 Planning",
            customer: "Order management",
            key_points: n,
            deadline: "2026-12-10T09:00:00Z".parse().unwrap(),
            url: "https://cxpm.example/feedback/answer?token=t",
        })
    }

    #[test]
    fn a_mail_counts_its_points_and_speaks_to_whom_it_asks() {
        let one = invite(Locale::En, Respondent::Internal, MailKind::Invitation, 1);
        assert!(one.text.contains("one point to rate"), "{}", one.text);
        assert!(one.text.contains("for Order management"));
        assert!(
            one.text
                .contains("https://cxpm.example/feedback/answer?token=t")
        );
        assert!(
            one.html
                .contains("href=\"https://cxpm.example/feedback/answer?token=t\"")
        );
        let outside = invite(Locale::PtBr, Respondent::External, MailKind::Invitation, 3);
        assert!(
            outside.text.contains("para você: 3 pontos a avaliar"),
            "{}",
            outside.text
        );
        assert!(!outside.subject.contains("Order management"));
        let reminder = invite(Locale::ZhCn, Respondent::Internal, MailKind::Reminder, 2);
        assert!(reminder.subject.starts_with("提醒"), "{}", reminder.subject);
        assert!(reminder.text.contains("2 个要点待评分"));
        assert!(reminder.text.contains("2026年12月10日"));
    }
}
