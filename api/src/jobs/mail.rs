//! Reminder mails, written in the recipient's language (en, zh-CN, pt-BR): a subject,
//! a plain-text body and an HTML body (askama templates in `api/templates/mail/`),
//! one line per item with a link to it. What a mail says is planned in
//! `cxpm_app::reminders` (a [`cxpm_app::reminders::Letter`]); this is its wording.

use askama::Template;
use chrono::NaiveDate;
pub use cxpm_app::reminders::{MAX_LINES, Rendered};
use cxpm_app::{AppError, AppResult};
use cxpm_domain::reminder::{Level, ScheduleKind};
use cxpm_domain::values::Locale;

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
fn topic(kind: ScheduleKind, locale: Locale, n: usize) -> String {
    match (locale, kind) {
        (Locale::En, ScheduleKind::UpcomingDue) => format!("{n} action(s) due soon"),
        (Locale::En, ScheduleKind::Overdue) => format!("{n} overdue action(s)"),
        (Locale::En, ScheduleKind::StalePlans) => format!("{n} plan(s) without a recent update"),
        (Locale::En, ScheduleKind::MeasurementRequest) => {
            format!("{n} measurement(s) or feedback due")
        }
        (Locale::En, ScheduleKind::LeadershipDigest) => "the CX program's gaps".to_owned(),
        (Locale::ZhCn, ScheduleKind::UpcomingDue) => format!("{n} 项行动即将到期"),
        (Locale::ZhCn, ScheduleKind::Overdue) => format!("{n} 项行动已逾期"),
        (Locale::ZhCn, ScheduleKind::StalePlans) => format!("{n} 个计划久未更新"),
        (Locale::ZhCn, ScheduleKind::MeasurementRequest) => format!("{n} 项测量或反馈待完成"),
        (Locale::ZhCn, ScheduleKind::LeadershipDigest) => "客户体验项目差距摘要".to_owned(),
        (Locale::PtBr, ScheduleKind::UpcomingDue) => format!("{n} ação(ões) vencem em breve"),
        (Locale::PtBr, ScheduleKind::Overdue) => format!("{n} ação(ões) atrasada(s)"),
        (Locale::PtBr, ScheduleKind::StalePlans) => {
            format!("{n} plano(s) sem atualização recente")
        }
        (Locale::PtBr, ScheduleKind::MeasurementRequest) => {
            format!("{n} medição(ões) ou feedback pendente(s)")
        }
        (Locale::PtBr, ScheduleKind::LeadershipDigest) => "as lacunas do programa de CX".to_owned(),
    }
}

/// How an item stands, `days` as the planning counts them (positive: late/stale).
pub fn status(kind: ScheduleKind, locale: Locale, days: i64, level: Level) -> String {
    let base: String = match (locale, kind) {
        (Locale::En, ScheduleKind::UpcomingDue) if days == 0 => "due today".to_owned(),
        (Locale::En, ScheduleKind::UpcomingDue) => format!("due in {} day(s)", -days),
        (Locale::En, ScheduleKind::Overdue) => format!("{days} day(s) overdue"),
        (Locale::En, _) => format!("{days} day(s) without an update"),
        (Locale::ZhCn, ScheduleKind::UpcomingDue) if days == 0 => "今天到期".to_owned(),
        (Locale::ZhCn, ScheduleKind::UpcomingDue) => format!("{} 天后到期", -days),
        (Locale::ZhCn, ScheduleKind::Overdue) => format!("已逾期 {days} 天"),
        (Locale::ZhCn, _) => format!("{days} 天未更新"),
        (Locale::PtBr, ScheduleKind::UpcomingDue) if days == 0 => "vence hoje".to_owned(),
        (Locale::PtBr, ScheduleKind::UpcomingDue) => format!("vence em {} dia(s)", -days),
        (Locale::PtBr, ScheduleKind::Overdue) => format!("{days} dia(s) de atraso"),
        (Locale::PtBr, _) => format!("{days} dia(s) sem atualização"),
    };
    escalated(locale, base, level)
}

/// What a plan's line says when its feedback cadence asks for this period's feedback.
pub fn feedback_status(locale: Locale, since: NaiveDate, level: Level) -> String {
    let base = match locale {
        Locale::En => format!("feedback from the internal customer due since {since}"),
        Locale::ZhCn => format!("自 {since} 起应收集内部客户反馈"),
        Locale::PtBr => format!("feedback do cliente interno pendente desde {since}"),
    };
    escalated(locale, base, level)
}

/// `base`, with why the reader gets it when it is not their own item.
fn escalated(locale: Locale, base: String, level: Level) -> String {
    let why = match (locale, level) {
        (_, Level::Owner) => return base,
        (Locale::En, Level::DepartmentHead) => "to you as department head",
        (Locale::En, Level::Coordinator) => "to you as CX coordinator",
        (Locale::En, Level::Sponsor) => "to you as sponsor",
        (Locale::ZhCn, Level::DepartmentHead) => "已上报给您（部门负责人）",
        (Locale::ZhCn, Level::Coordinator) => "已上报给您（客户体验协调人）",
        (Locale::ZhCn, Level::Sponsor) => "已上报给您（项目发起人）",
        (Locale::PtBr, Level::DepartmentHead) => "escalado a você como chefe do departamento",
        (Locale::PtBr, Level::Coordinator) => "escalado a você como coordenador de CX",
        (Locale::PtBr, Level::Sponsor) => "escalado a você como patrocinador",
    };
    match locale {
        Locale::ZhCn => format!("{base}，{why}"),
        _ => format!("{base} — {why}"),
    }
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

/// The line after a cut list: how many more there are.
fn more(locale: Locale, n: usize) -> String {
    match locale {
        Locale::En => format!("…and {n} more"),
        Locale::ZhCn => format!("……另有 {n} 项"),
        Locale::PtBr => format!("…e mais {n}"),
    }
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
    let subject = format!("[cxpm] {} — {program}", topic(kind, locale, total));
    let more = (total > lines.len()).then(|| more(locale, total - lines.len()));
    let (greeting, intro, footer) = match locale {
        Locale::En => (
            format!("Hello {name},"),
            format!("In the program “{program}”:"),
            format!(
                "You receive this from the program's reminder schedule ({}); update the items in cxpm to answer.",
                listing.rhythm
            ),
        ),
        Locale::ZhCn => (
            format!("{name}，您好："),
            format!("在“{program}”项目中："),
            format!(
                "此邮件由项目的提醒计划发出（{}）；请在 cxpm 中更新相应事项。",
                listing.rhythm
            ),
        ),
        Locale::PtBr => (
            format!("Olá, {name},"),
            format!("No programa “{program}”:"),
            format!(
                "Você recebe esta mensagem pelo calendário de lembretes do programa ({}); atualize os itens no cxpm para responder.",
                listing.rhythm
            ),
        ),
    };
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
        assert_eq!(m.subject, "[cxpm] 180 overdue action(s) — CX");
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
            "due in 3 day(s)"
        );
        assert_eq!(
            status(ScheduleKind::Overdue, Locale::PtBr, 9, Level::Sponsor),
            "9 dia(s) de atraso — escalado a você como patrocinador"
        );
        assert_eq!(
            status(ScheduleKind::StalePlans, Locale::En, 20, Level::Owner),
            "20 day(s) without an update"
        );
    }
}
