//! Reminder mails, written in the recipient's language (en, zh-CN, pt-BR; the words in
//! `api/locales/*.ftl`, `mail-*` keys): a subject,
//! a plain-text body and an HTML body (askama templates in `api/templates/mail/`),
//! one line per item with a link to it. What a mail says is planned in
//! `cxpm_app::reminders` (a [`cxpm_app::reminders::Letter`]); this is its wording.

use askama::Template;
use chrono::NaiveDate;
pub use cxpm_app::reminders::{MAX_LINES, Rendered};
use cxpm_app::{AppError, AppResult};
use cxpm_domain::reminder::{Level, ScheduleKind};
use cxpm_domain::values::Locale;

use crate::words::Words;

/// One item of a mail, already in the recipient's words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub title: String,
    /// Where it belongs: the plan, the department.
    pub context: String,
    /// Due in, overdue by, stale for — and why it reaches this reader.
    pub status: String,
    pub link: String,
}

#[derive(Template)]
#[template(path = "mail/digest.txt")]
struct Text<'a> {
    greeting: &'a str,
    intro: &'a str,
    lines: &'a [Line],
    more: Option<&'a str>,
    more_link: &'a str,
    footer: &'a str,
}

#[derive(Template)]
#[template(path = "mail/digest.html")]
struct Html<'a> {
    lang: &'a str,
    subject: &'a str,
    greeting: &'a str,
    intro: &'a str,
    lines: &'a [Line],
    more: Option<&'a str>,
    more_link: &'a str,
    footer: &'a str,
}

/// What a mail of `kind` with `n` items is about.
pub fn topic(kind: ScheduleKind, t: Words, n: usize) -> String {
    let id = match kind {
        ScheduleKind::UpcomingDue => "mail-topic-upcoming-due",
        ScheduleKind::Overdue => "mail-topic-overdue",
        ScheduleKind::StalePlans => "mail-topic-stale-plans",
        ScheduleKind::MeasurementRequest => "mail-topic-measurement-request",
        ScheduleKind::LeadershipDigest => "mail-topic-leadership-digest",
    };
    t.n(id, n as i64)
}

/// How an item stands, `days` as the planning counts them (positive: late/stale).
pub fn status(kind: ScheduleKind, locale: Locale, days: i64, level: Level) -> String {
    let t = Words::new(locale);
    let base = match kind {
        ScheduleKind::UpcomingDue if days == 0 => t.get("mail-due-today"),
        ScheduleKind::UpcomingDue => t.n("mail-due-in", -days),
        ScheduleKind::Overdue => t.n("mail-overdue-by", days),
        _ => t.n("mail-stale-for", days),
    };
    escalated(t, base, level)
}

/// What a plan's line says when its feedback cadence asks for this period's feedback.
pub fn feedback_status(locale: Locale, since: NaiveDate, level: Level) -> String {
    let t = Words::new(locale);
    let base = t.with("mail-feedback-due", &[("since", &since.to_string())]);
    escalated(t, base, level)
}

/// `base`, with why the reader gets it when it is not their own item.
fn escalated(t: Words, base: String, level: Level) -> String {
    let why = match level {
        Level::Owner => return base,
        Level::DepartmentHead => t.get("mail-why-department-head"),
        Level::Coordinator => t.get("mail-why-coordinator"),
        Level::Sponsor => t.get("mail-why-sponsor"),
    };
    t.with("mail-escalated", &[("base", &base), ("why", &why)])
}

/// What a mail's lines are: the first [`MAX_LINES`] of `total` items, and where to
/// see the rest.
#[derive(Debug, Clone, Copy)]
pub struct Listing<'a> {
    pub lines: &'a [Line],
    pub total: usize,
    pub rest_link: &'a str,
    /// When the schedule fires, in plain words in the reader's language.
    pub rhythm: &'a str,
}

/// Renders one reminder mail of `kind` for `name`, about `program`.
pub fn render(
    kind: ScheduleKind,
    locale: Locale,
    name: &str,
    program: &str,
    listing: Listing<'_>,
) -> AppResult<Rendered> {
    let lines = listing.lines;
    let total = listing.total.max(lines.len());
    let t = Words::new(locale);
    let subject = format!("[cxpm] {} — {program}", topic(kind, t, total));
    let more = (total > lines.len()).then(|| t.n("mail-more", (total - lines.len()) as i64));
    let greeting = t.with("mail-greeting", &[("name", name)]);
    let intro = t.with("mail-intro", &[("program", program)]);
    let footer = t.with("mail-footer", &[("rhythm", listing.rhythm)]);
    let footer = footer.as_str();
    let text = Text {
        greeting: &greeting,
        intro: &intro,
        lines,
        more: more.as_deref(),
        more_link: listing.rest_link,
        footer,
    }
    .render()
    .map_err(|e| AppError::internal(&e))?;
    let html = Html {
        lang: locale.as_str(),
        subject: &subject,
        greeting: &greeting,
        intro: &intro,
        lines,
        more: more.as_deref(),
        more_link: listing.rest_link,
        footer,
    }
    .render()
    .map_err(|e| AppError::internal(&e))?;
    Ok(Rendered {
        subject,
        text,
        html,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line() -> Line {
        Line {
            title: "Confirm dates <within a day>".into(),
            context: "交期准确 Dates that hold · QA".into(),
            status: status(
                ScheduleKind::Overdue,
                Locale::ZhCn,
                4,
                Level::DepartmentHead,
            ),
            link: "https://cxpm.example/actions/a1".into(),
        }
    }

    #[test]
    fn a_mail_speaks_its_readers_language_in_both_parts() {
        let m = render(
            ScheduleKind::Overdue,
            Locale::ZhCn,
            "李娜",
            "愉悦客户体验",
            Listing {
                lines: &[line()],
                total: 1,
                rest_link: "https://cxpm.example/report",
                rhythm: "09:00, Monday, Asia/Shanghai",
            },
        )
        .unwrap();
        assert_eq!(m.subject, "[cxpm] 1 项行动已逾期 — 愉悦客户体验");
        assert!(
            m.text.contains("李娜，您好：")
                && m.text.contains("已逾期 4 天，已上报给您（部门负责人）")
        );
        // Plain text stays plain; HTML is escaped.
        assert!(m.text.contains("Confirm dates <within a day>"));
        assert!(m.html.contains("Confirm dates &#60;within a day&#62;"));
        assert!(
            m.html.contains("lang=\"zh-CN\"") && m.html.contains("https://cxpm.example/actions/a1")
        );
    }

    #[test]
    fn a_long_list_is_cut_and_counted_with_a_link_to_the_rest() {
        let lines = vec![line(); MAX_LINES];
        let m = render(
            ScheduleKind::Overdue,
            Locale::En,
            "Li",
            "CX",
            Listing {
                lines: &lines,
                total: 180,
                rest_link: "https://cxpm.example/report",
                rhythm: "09:00, Monday, Asia/Shanghai",
            },
        )
        .unwrap();
        assert_eq!(m.subject, "[cxpm] 180 overdue actions — CX");
        assert!(
            m.text
                .contains("…and 130 more\n  https://cxpm.example/report")
        );
        assert!(
            m.html
                .contains("<a href=\"https://cxpm.example/report\">…and 130 more</a>")
        );
        let whole = render(
            ScheduleKind::Overdue,
            Locale::En,
            "Li",
            "CX",
            Listing {
                lines: &lines,
                total: MAX_LINES,
                rest_link: "https://cxpm.example/report",
                rhythm: "09:00, Monday, Asia/Shanghai",
            },
        )
        .unwrap();
        assert!(!whole.text.contains("more") && !whole.html.contains("report"));
    }

    #[test]
    fn statuses_read_naturally() {
        assert_eq!(
            status(ScheduleKind::UpcomingDue, Locale::En, 0, Level::Owner),
            "due today"
        );
        assert_eq!(
            status(ScheduleKind::UpcomingDue, Locale::En, -3, Level::Owner),
            "due in 3 days"
        );
        assert_eq!(
            status(ScheduleKind::Overdue, Locale::PtBr, 9, Level::Sponsor),
            "9 dias de atraso — escalado a você como patrocinador"
        );
        assert_eq!(
            status(ScheduleKind::StalePlans, Locale::En, 20, Level::Owner),
            "20 days without an update"
        );
        assert_eq!(
            status(ScheduleKind::Overdue, Locale::En, 1, Level::Owner),
            "1 day overdue"
        );
    }
}
