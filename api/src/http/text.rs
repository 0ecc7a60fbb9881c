//! The texts of request bodies, one type per kind of text. A field's type names the
//! domain rule its use case holds it to, and the type's schema states that rule — its
//! length from [`cxpm_domain::limits`], its pattern from the domain, proven equal to
//! the rule by the domain's property tests — so the spec cannot say other than what
//! the server enforces, and a `PATCH`'s clearable text says it as its `POST` does.
//!
//! Any JSON string is read here; the use case checks it, so a text that breaks its
//! rule is a 422 naming the field, with the domain's words.

use cxpm_domain::limits;
use cxpm_domain::schedule::CronSchedule;
use cxpm_domain::values::{
    DepartmentCode, Email as EmailRule, Name as NameRule, REQUIRED_TEXT_PATTERN, TEXT_PATTERN,
};
use poem_openapi::registry::{MetaSchema, MetaSchemaRef};

use super::common::{json_text, text_parameter};

/// A text's schema: a string of `min..=max` characters matching `pattern`, or of
/// `format`.
fn schema(
    min: usize,
    max: usize,
    pattern: Option<&str>,
    format: Option<&'static str>,
) -> MetaSchemaRef {
    let mut schema = match format {
        Some(format) => MetaSchema::new_with_format("string", format),
        None => MetaSchema::new("string"),
    };
    schema.min_length = (min > 0).then_some(min);
    schema.max_length = Some(max);
    schema.pattern = pattern.map(str::to_owned);
    MetaSchemaRef::Inline(Box::new(schema))
}

/// Declares a kind of text: its type, and its schema from the domain's rule.
macro_rules! text_kind {
    ($(#[$doc:meta])* $name:ident, $type_name:literal, $min:expr, $max:expr, $pattern:expr, $format:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub String);

        impl From<$name> for String {
            fn from(text: $name) -> Self {
                text.0
            }
        }

        impl std::ops::Deref for $name {
            type Target = str;

            fn deref(&self) -> &str {
                &self.0
            }
        }

        json_text!($name);

        text_parameter!($name, $type_name, || schema($min, $max, $pattern, $format));
    };
}

text_kind!(
    /// A name or a title (`cxpm_domain::values::Name`): one line, not blank, no
    /// control character.
    Name,
    "string_name",
    1,
    NameRule::MAX_CHARS,
    Some(NameRule::PATTERN),
    None
);

text_kind!(
    /// A short optional text (a business line, a source, a label): no control
    /// character but line breaks and tabs; empty is none.
    Line,
    "string_line",
    0,
    limits::NAME,
    Some(TEXT_PATTERN),
    None
);

text_kind!(
    /// A long optional text (a description, a goal, notes, a comment): no control
    /// character but line breaks and tabs; empty is none.
    Prose,
    "string_prose",
    0,
    limits::TEXT,
    Some(TEXT_PATTERN),
    None
);

text_kind!(
    /// Why something is blocked or skipped: [`Prose`]'s rule, shorter.
    Reason,
    "string_reason",
    0,
    limits::REASON,
    Some(TEXT_PATTERN),
    None
);

text_kind!(
    /// What a provider delivers to its customer: text that says something.
    Delivers,
    "string_delivers",
    1,
    limits::DELIVERS,
    Some(REQUIRED_TEXT_PATTERN),
    None
);

text_kind!(
    /// What an owner is responsible for: text that says something.
    Responsibility,
    "string_responsibility",
    1,
    limits::REASON,
    Some(REQUIRED_TEXT_PATTERN),
    None
);

text_kind!(
    /// A metric's unit (`h`, `%`, `days`): short text that says something.
    Unit,
    "string_unit",
    1,
    limits::CODE,
    Some(REQUIRED_TEXT_PATTERN),
    None
);

text_kind!(
    /// The address of a chat robot or a webhook: an absolute URL (`https://…`; that
    /// it is https and not a private address is the server's setting, which a schema
    /// cannot say).
    Url,
    "string_url",
    1,
    limits::URL,
    None,
    Some("uri")
);

text_kind!(
    /// An email address (`cxpm_domain::values::Email`): one `@`, a dotted domain, no
    /// white space inside.
    Email,
    "string_email",
    3,
    EmailRule::MAX_CHARS,
    Some(EmailRule::PATTERN),
    None
);

text_kind!(
    /// A department's code (`PLAN`, `QA-2`): letters, digits, `-` and `_`.
    Code,
    "string_code",
    1,
    DepartmentCode::MAX_CHARS,
    Some(DepartmentCode::PATTERN),
    None
);

text_kind!(
    /// A crontab line of five fields (`0 9 * * MON`); that each value is in range and
    /// that the line fires at all, the use case checks.
    Cron,
    "string_cron",
    1,
    CronSchedule::MAX_CHARS,
    Some(CronSchedule::PATTERN),
    None
);
