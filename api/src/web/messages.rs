//! The domain's validation messages in the reader's language. The domain and the use
//! cases speak English (the API's problem+json keeps it, with the field's name); a page
//! shows each message beside its field in the reader's words. Each known message shape
//! has a Fluent key (`invalid-*`); one we do not know yet is shown as it is.

use crate::words::Words;

/// A message shape (`{}` stands for one value) and the key that words it.
const SHAPES: &[(&str, &str)] = &[
    ("must not be empty", "invalid-empty"),
    ("must not be empty or only whitespace", "invalid-empty"),
    ("is required", "invalid-empty"),
    ("must be at most {} characters", "invalid-too-long"),
    ("must be 1 to {} characters", "invalid-too-long"),
    ("must be between {} and {}", "invalid-between"),
    ("must be {} to {}", "invalid-between"),
    ("must be at most {}", "invalid-at-most"),
    ("must be at least {}", "invalid-at-least"),
    ("must be 0 or more", "invalid-not-negative"),
    ("must be a number", "invalid-number"),
    ("must be a whole number", "invalid-whole-number"),
    ("must be a date (YYYY-MM-DD)", "invalid-date"),
    ("must not contain control characters{}", "invalid-control"),
    ("a blocked action needs a reason", "invalid-blocked-reason"),
    ("a done action is at 100", "invalid-done-at-100"),
    (
        "an update needs a progress, a status or a comment",
        "invalid-update-empty",
    ),
    ("skipping a step needs a reason", "invalid-skip-reason"),
    ("the person is deactivated{}", "invalid-person-deactivated"),
    (
        "the person does not belong to that department",
        "invalid-person-department",
    ),
    (
        "the key point belongs to another relationship",
        "invalid-key-point-relationship",
    ),
    (
        "rate at least one key point, or leave a comment",
        "invalid-answer-empty",
    ),
    (
        "a round is already open on this relationship",
        "invalid-round-open",
    ),
    (
        "has no key points to rate: choose them first",
        "invalid-round-no-points",
    ),
    ("nobody to ask: {}", "invalid-round-nobody"),
    ("unknown time zone `{}`{}", "invalid-time-zone"),
    ("unsupported locale `{}`{}", "invalid-locale"),
    (
        "unknown value `{}`; expected one of {}",
        "invalid-unknown-value",
    ),
    ("must be an https:// address", "invalid-url-https"),
    ("not an absolute URL (https://…)", "invalid-url"),
    ("`{}` is not a host name", "invalid-url"),
    ("`{}` is not a port", "invalid-url"),
    (
        "a user or password in the URL is not allowed",
        "invalid-url-userinfo",
    ),
    (
        "{} is a loopback, private, link-local or metadata address, which cxpm does not call",
        "invalid-url-private",
    ),
    (
        "{} robots do not sign; leave the secret out",
        "invalid-secret-unsigned",
    ),
    (
        "a leadership digest goes to its readers' mail, not to a group chat",
        "invalid-channel-leadership",
    ),
    ("name at least one event", "invalid-events-empty"),
];

/// `message` in the reader's words, when its shape is known.
pub fn localized(t: &Words, message: &str) -> String {
    for (shape, key) in SHAPES {
        if let Some(values) = matches(shape, message) {
            let names = ["a", "b"];
            let args: Vec<(&str, &str)> = names.iter().copied().zip(values).collect();
            return t.with(key, &args);
        }
    }
    message.to_owned()
}

/// The values that fill the `{}` of `shape` to make `message`, if it has that shape.
fn matches<'m>(shape: &str, message: &'m str) -> Option<Vec<&'m str>> {
    let mut parts = shape.split("{}");
    let first = parts.next().unwrap_or_default();
    let mut rest = message.strip_prefix(first)?;
    let mut values = Vec::new();
    let parts: Vec<&str> = parts.collect();
    for (i, literal) in parts.iter().enumerate() {
        let last = i + 1 == parts.len();
        let (value, after) = if last {
            (rest.strip_suffix(literal)?, "")
        } else if literal.is_empty() {
            return None;
        } else {
            let at = rest.find(literal)?;
            (&rest[..at], &rest[at + literal.len()..])
        };
        values.push(value);
        rest = after;
    }
    // Every placeholder has matched up to the end; a shape without one, only itself.
    rest.is_empty().then_some(values)
}

#[cfg(test)]
mod tests {
    use cxpm_domain::values::Locale;

    use super::*;

    #[test]
    fn known_messages_read_in_the_readers_language() {
        let zh = Words::new(Locale::ZhCn);
        assert_eq!(localized(&zh, "must not be empty"), "不能为空");
        assert_eq!(
            localized(&zh, "must be at most 4000 characters"),
            "最多 4000 个字符"
        );
        assert_eq!(
            localized(&zh, "must be between 1 and 10"),
            "应在 1 到 10 之间"
        );
        let pt = Words::new(Locale::PtBr);
        assert_eq!(
            localized(&pt, "skipping a step needs a reason"),
            "pular uma etapa exige um motivo"
        );
        assert_eq!(
            localized(
                &pt,
                "unknown time zone `Mars/Base`; expected an IANA name such as Asia/Shanghai"
            ),
            "fuso horário desconhecido: Mars/Base (use um nome IANA, como America/Sao_Paulo)"
        );
        // A shape not known yet stays as the domain wrote it.
        assert_eq!(localized(&zh, "the moon is full"), "the moon is full");
    }

    #[test]
    fn a_shape_matches_only_its_own_messages() {
        assert_eq!(
            matches("must be at most {}", "must be at most 100"),
            Some(vec!["100"])
        );
        assert_eq!(
            matches("must be at most {} characters", "must be at most 100"),
            None
        );
        assert_eq!(
            matches("must not be empty", "must not be empty or only whitespace"),
            None
        );
        assert_eq!(
            matches("must be {} to {}", "must be 1 to 7"),
            Some(vec!["1", "7"])
        );
    }

    #[test]
    fn every_shape_has_its_words_in_every_locale() {
        for locale in Locale::ALL {
            let t = Words::new(locale);
            for (_, key) in SHAPES {
                assert_ne!(t.get(key), *key, "{key} missing in {}", locale.as_str());
            }
        }
    }
}
