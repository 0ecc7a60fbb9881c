//! Reminders: a program's schedules ([`schedules`]), what a firing mails, and the
//! outbox the mails wait in until the dispatcher sends them ([`outbox`]).

pub mod outbox;
pub mod schedules;
