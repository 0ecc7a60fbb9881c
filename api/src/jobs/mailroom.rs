//! What the reminders' use cases need of a front: each [`Letter`] written as a mail
//! with the askama templates ([`super::mail`]), and — for the leadership digest —
//! the program's gap lines.
//!
//! **Seam (issue 14).** The gap report is still built here, in the HTTP front
//! (`crate::http::reports`), while the reports move to `cxpm_app::reports` on their
//! own. Everything of it the reminders touch is in this file: [`GapLines`] for
//! [`Mail`] (the report's lines as plain [`GapLine`]s) and [`gap_status`] (a gap
//! line's status in the reader's words, with the reports' labels). Once the reports
//! are in `cxpm-app`, the leadership digest reads its lines from there, `GapLines`
//! goes, and the wording moves next to [`super::mail::status`].

use cxpm_app::reminders::{GapLine, GapLines, Letter, RenderMail, Rendered, Status};
use cxpm_app::store::program;
use cxpm_app::{AppError, AppResult};
use cxpm_domain::gap::Severity;
use cxpm_domain::values::Locale;

use super::mail;
use crate::app::AppState;
use crate::error::ApiError;
use crate::http::reports;

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
    let t = reports::labels::labels(locale);
    format!(
        "{}: {} {}{}",
        reports::html::severity_label(t, severity.into()),
        t.gap,
        reports::html::num(gap),
        relative_gap
            .map(|r| format!(" ({:.1} %)", r * 100.0))
            .unwrap_or_default()
    )
}

impl GapLines for Mail<'_> {
    async fn gap_lines(&self, program: &program::Model) -> AppResult<Vec<GapLine>> {
        let report = reports::build_full_report(self.0, program)
            .await
            .map_err(app_error)?;
        Ok(report
            .lines
            .into_iter()
            .map(|l| GapLine {
                id: l.id,
                name: l.name,
                department_name: l.department_name,
                owner_name: l.owner_name,
                severity: l.severity.into(),
                gap: l.gap,
                relative_gap: l.relative_gap,
            })
            .collect())
    }
}

/// The report's error, back in the application's terms (already logged where it
/// arose).
fn app_error(e: ApiError) -> AppError {
    match e {
        ApiError::Unavailable(p) => AppError::Unavailable(p.0.detail),
        ApiError::InsufficientStorage(_) => AppError::StorageFull,
        ApiError::NotFound(p) | ApiError::Unprocessable(p) | ApiError::Internal(p) => {
            AppError::Internal(p.0.detail)
        }
        other => AppError::Internal(format!("{other:?}")),
    }
}
