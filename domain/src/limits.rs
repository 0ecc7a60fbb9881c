//! How long each text field may be, in characters: the one place a limit is written.
//! The use cases check against these; the API schema declares the same numbers (its
//! derive takes literals), and `tests/tests/api/spec.rs` fails when the spec says
//! otherwise for any field.

/// Names, titles, labels and other one-line texts.
pub const NAME: usize = 200;
/// Descriptions, goals, notes, comments, what a customer expects.
pub const TEXT: usize = 4000;
/// Why something is blocked or skipped; what an owner is responsible for.
pub const REASON: usize = 2000;
/// What a provider delivers to its customer.
pub const DELIVERS: usize = 500;
/// An email address (RFC 5321's path limit).
pub const EMAIL: usize = 254;
/// Short codes and units (`PLAN`, `h`).
pub const CODE: usize = 32;
/// An IANA time zone name.
pub const TIME_ZONE: usize = 64;
/// A crontab line (a reminder schedule's, a plan's feedback cadence).
pub const CRON: usize = 200;

/// A chat channel's or webhook's URL.
pub const URL: usize = 2000;
/// A chat robot's signing secret.
pub const SECRET: usize = 200;

/// The limit of the text field the API calls `field`, if it has one.
/// A one-time link's token as sent (ours are far shorter; longer is never one).
pub const TOKEN: usize = 200;

pub fn max_chars(field: &str) -> Option<usize> {
    Some(match field {
        "name" | "title" | "label" | "business_line" | "effect_metric" | "external_id"
        | "source" | "q" => NAME,
        "description" | "goal" | "note" | "notes" | "comment" | "customer_expects" => TEXT,
        "blocked_reason" | "skip_reason" | "responsibility" => REASON,
        "delivers" => DELIVERS,
        "email" | "external_emails" => EMAIL,
        "code" | "unit" => CODE,
        "time_zone" | "cadence_time_zone" => TIME_ZONE,
        "cron" | "cadence_cron" => CRON,
        "token" => TOKEN,
        "url" => URL,
        "secret" => SECRET,
        _ => return None,
    })
}
