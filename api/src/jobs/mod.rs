//! The jobs inside `cxpm serve`, fronts like the JSON API: the scheduler fires due
//! reminder schedules ([`scheduler`]), the dispatcher sends the outbox's mail over
//! SMTP ([`dispatch`]). The use cases are `cxpm_app::reminders`; what only a front
//! may do — write mails with the askama templates ([`mail`]), read the gap report
//! while it is still the HTTP front's — [`mailroom::Mail`] hands them.

pub mod dispatch;
pub mod hooks;
pub mod invite;
pub mod mail;
pub mod mailroom;
pub mod scheduler;
