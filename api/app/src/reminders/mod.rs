//! Reminders: a program's schedules ([`schedules`]); what a firing mails ([`plan`]:
//! this crate gathers the facts, the domain's [`cxpm_domain::reminder`] decides who
//! reads what); firing — by hand, or the scheduler's compare-and-set claim — which
//! queues the mails in the outbox in one transaction ([`fire`], [`fire_due`]); and
//! the outbox the dispatcher sends from ([`outbox`]).
//!
//! The words of a mail are a front's (askama templates in `cxpm-api`): planning
//! hands each reader's [`Letter`] — plain data — to a [`RenderMail`] and queues what
//! it writes. Inactive people are missing rungs: their items go to the next person up.

mod channels;
mod facts;
mod fire;
mod leadership;
pub mod outbox;
pub mod page;
mod plan;
mod queries;
pub mod schedules;

use chrono::NaiveDate;
use cxpm_domain::gap::Severity;
use cxpm_domain::reminder::{Level, ScheduleKind};
use cxpm_domain::values::Locale;

pub use fire::{DueTick, Fired, due, fire, fire_due};
pub use plan::{PlannedMail, plan};

use crate::AppResult;

/// The most items one mail lists, worst first; the rest are counted, with a link to
/// a page that shows them all. A head of a large department can have hundreds of
/// overdue actions: a mail is for reading, the report is for the whole list.
pub const MAX_LINES: usize = 50;

/// What one reader's mail says, before it is written in words: the front's
/// [`RenderMail`] writes it.
#[derive(Debug, Clone, PartialEq)]
pub struct Letter {
    pub kind: ScheduleKind,
    /// The reader's language, which the mail is written in.
    pub locale: Locale,
    /// The reader's name, for the greeting.
    pub reader: String,
    /// The program's name.
    pub program: String,
    /// The first [`MAX_LINES`] items.
    pub lines: Vec<Line>,
    /// How many items there are in all.
    pub total: usize,
    /// Where the whole list is: the reader's own actions, or the program's report.
    pub rest_link: String,
    /// When the schedule fires, in plain words in the reader's language.
    pub rhythm: String,
}

/// One item of a letter.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    pub title: String,
    /// Where it belongs: the plan, the department.
    pub context: String,
    pub status: Status,
    pub link: String,
}

/// How an item stands, for the front to say in the reader's words.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Status {
    /// Days as the planning counts them (positive: late, or without an update;
    /// negative: until due), and why the item reaches this reader.
    Days { days: i64, level: Level },
    /// A plan's feedback is due since this cadence tick (its day in the schedule's
    /// zone).
    FeedbackDue { since: NaiveDate, level: Level },
    /// A gap of the leadership digest.
    Gap {
        severity: Severity,
        gap: f64,
        relative_gap: Option<f64>,
    },
}

/// A written mail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// Writes a letter as a mail: a front's (the templates live there).
pub trait RenderMail {
    fn render(&self, letter: &Letter) -> AppResult<Rendered>;
}

/// One line of a program's gap report, as the leadership digest reads it.
#[derive(Debug, Clone, PartialEq)]
pub struct GapLine {
    /// The key point's or metric's id.
    pub id: String,
    pub name: String,
    pub department_name: Option<String>,
    pub owner_name: Option<String>,
    pub severity: Severity,
    pub gap: f64,
    pub relative_gap: Option<f64>,
}

/// What firing needs of a front: writing mails and chat messages.
pub trait Mailroom: RenderMail + crate::hooks::platforms::RenderChat + Sync {}

impl<T: RenderMail + crate::hooks::platforms::RenderChat + Sync> Mailroom for T {}
