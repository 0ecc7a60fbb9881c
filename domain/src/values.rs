//! Values parsed once at the edge into types that cannot hold bad data.
//!
//! Each type's `parse` reports a [`FieldError`] under the field name the API uses for
//! it; callers rename it with [`FieldError::at`] where the same kind of value sits in
//! another field.

use std::fmt;
use std::str::FromStr;

use crate::validation::FieldError;

/// A display name: trimmed, not empty, at most [`Name::MAX_CHARS`] characters, no
/// control characters. Any script is fine (`张伟`, `João Conceição`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Name(String);

impl Name {
    /// The longest name, in characters as sent (spaces around counted).
    pub const MAX_CHARS: usize = crate::limits::NAME;

    /// What [`Name::parse`] takes, as the API's schema says it (with
    /// [`Name::MAX_CHARS`] as the length): no control character, and one character at
    /// least that is not white space (Unicode's `White_Space`, what `trim` removes).
    pub const PATTERN: &'static str = r"^[^\x00-\x1f\x7f-\x9f]*[^\x00-\x20\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000][^\x00-\x1f\x7f-\x9f]*$";

    pub fn parse(s: &str) -> Result<Self, FieldError> {
        if s.chars().count() > Self::MAX_CHARS {
            return Err(FieldError::new(
                "name",
                format!("must be at most {} characters", Self::MAX_CHARS),
            ));
        }
        let trimmed = s.trim();
        if trimmed.is_empty() {
            return Err(FieldError::new(
                "name",
                "must not be empty or only whitespace",
            ));
        }
        if s.chars().any(char::is_control) {
            return Err(FieldError::new(
                "name",
                "must not contain control characters",
            ));
        }
        Ok(Self(trimmed.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

/// An email address, stored lower-cased so that uniqueness ignores case.
///
/// The check is deliberately modest (one `@`, a non-empty local part, a dotted domain,
/// no spaces): the address is proven by mail reaching it, not by a regex.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Email(String);

impl Email {
    pub const MAX_CHARS: usize = crate::limits::EMAIL;

    /// What [`Email::parse`] takes, as the API's schema says it (with
    /// [`Email::MAX_CHARS`] as the length, spaces around it counted): one `@` after a
    /// name, a dotted domain, no spaces or control characters, ASCII spaces around.
    pub const PATTERN: &'static str = r"^[ \t\n\f\r]*[^\s@\x00-\x1f\x7f-\x9f]+@[^\s@.\x00-\x1f\x7f-\x9f]+(\.[^\s@.\x00-\x1f\x7f-\x9f]+)+[ \t\n\f\r]*$";

    pub fn parse(s: &str) -> Result<Self, FieldError> {
        let err = |m: &str| Err(FieldError::new("email", m.to_owned()));
        if s.chars().count() > Self::MAX_CHARS {
            return err("must be at most 254 characters");
        }
        let s = s.trim_ascii();
        if s.is_empty() {
            return err("must not be empty");
        }
        if s.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return err("must not contain spaces");
        }
        let Some((local, domain)) = s.split_once('@') else {
            return err("must contain an `@`");
        };
        if local.is_empty() || domain.contains('@') {
            return err("must have exactly one `@` with a name before it");
        }
        let labels: Vec<&str> = domain.split('.').collect();
        if labels.len() < 2 || labels.iter().any(|l| l.is_empty()) {
            return err("must have a domain such as example.com after the `@`");
        }
        Ok(Self(s.to_lowercase()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

/// A department's short code (`PLAN`, `QA-2`): 1–32 characters of ASCII letters,
/// digits, `-` and `_`, stored upper-cased so that uniqueness ignores case.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DepartmentCode(String);

impl DepartmentCode {
    pub const MAX_CHARS: usize = crate::limits::CODE;

    /// What [`DepartmentCode::parse`] takes, as the API's schema says it (with
    /// [`DepartmentCode::MAX_CHARS`] as the length, spaces around it counted).
    pub const PATTERN: &'static str = r"^[ \t\n\f\r]*[A-Za-z0-9_-]+[ \t\n\f\r]*$";

    pub fn parse(s: &str) -> Result<Self, FieldError> {
        let too_long = s.chars().count() > Self::MAX_CHARS;
        let s = s.trim_ascii();
        if s.is_empty() || too_long {
            return Err(FieldError::new("code", "must be 1 to 32 characters"));
        }
        if !s
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return Err(FieldError::new(
                "code",
                "may contain only ASCII letters, digits, `-` and `_`",
            ));
        }
        Ok(Self(s.to_ascii_uppercase()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

/// The languages cxpm writes mail and reports in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Locale {
    #[default]
    En,
    ZhCn,
    PtBr,
}

impl Locale {
    pub const ALL: [Locale; 3] = [Locale::En, Locale::ZhCn, Locale::PtBr];

    /// The BCP 47 tag used in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Locale::En => "en",
            Locale::ZhCn => "zh-CN",
            Locale::PtBr => "pt-BR",
        }
    }

    /// Accepts the exact tags and their case variants (`zh-cn`, `pt_BR`), so a CSV
    /// typed by hand is not refused over capitalisation.
    pub fn parse(s: &str) -> Result<Self, FieldError> {
        let normalized = s.trim().replace('_', "-").to_ascii_lowercase();
        Locale::ALL
            .into_iter()
            .find(|l| l.as_str().to_ascii_lowercase() == normalized)
            .ok_or_else(|| {
                FieldError::new(
                    "locale",
                    format!("unsupported locale `{s}`; expected one of en, zh-CN, pt-BR"),
                )
            })
    }
}

impl Locale {
    /// The best locale for an `Accept-Language` header (RFC 9110 §12.5.4): the
    /// highest-weighted tag we serve, matching by language when the region differs
    /// (`zh`, `zh-Hans`, `zh-TW` → zh-CN; `pt`, `pt-PT` → pt-BR; `en-GB` → en); English
    /// when nothing matches.
    pub fn from_accept_language(header: &str) -> Locale {
        let mut tags: Vec<(f64, usize, &str)> = header
            .split(',')
            .enumerate()
            .filter_map(|(i, item)| {
                let mut parts = item.split(';');
                let tag = parts.next()?.trim();
                let q = parts
                    .filter_map(|p| p.trim().strip_prefix("q="))
                    .find_map(|q| q.trim().parse::<f64>().ok())
                    .unwrap_or(1.0);
                (!tag.is_empty() && q > 0.0).then_some((q, i, tag))
            })
            .collect();
        tags.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        tags.into_iter()
            .find_map(|(_, _, tag)| {
                let tag = tag.to_ascii_lowercase();
                let language = tag.split(['-', '_']).next().unwrap_or("");
                match language {
                    "en" => Some(Locale::En),
                    "zh" => Some(Locale::ZhCn),
                    "pt" => Some(Locale::PtBr),
                    _ => None,
                }
            })
            .unwrap_or_default()
    }
}

impl fmt::Display for Locale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An IANA time zone (`Asia/Shanghai`, `America/Sao_Paulo`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TimeZone(chrono_tz::Tz);

impl TimeZone {
    /// Every name [`TimeZone::parse`] takes (the IANA database's, as chrono-tz has
    /// it): the API's schema lists them.
    pub fn names() -> impl Iterator<Item = &'static str> {
        chrono_tz::TZ_VARIANTS.iter().map(|tz| tz.name())
    }

    pub fn parse(s: &str) -> Result<Self, FieldError> {
        chrono_tz::Tz::from_str(s.trim()).map(Self).map_err(|_| {
            FieldError::new(
                "time_zone",
                format!("unknown time zone `{s}`; expected an IANA name such as Asia/Shanghai"),
            )
        })
    }

    pub fn tz(self) -> chrono_tz::Tz {
        self.0
    }

    pub fn as_str(self) -> &'static str {
        self.0.name()
    }
}

impl Default for TimeZone {
    fn default() -> Self {
        Self(chrono_tz::UTC)
    }
}

/// What [`optional_text`] takes, as the API's schema says it (with the field's limit
/// as the length): no control character but line breaks and tabs.
pub const TEXT_PATTERN: &str = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]*$";

/// What [`required_text`] takes, as the API's schema says it: [`TEXT_PATTERN`], and
/// one character at least that is not white space.
pub const REQUIRED_TEXT_PATTERN: &str = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]*[^\x00-\x20\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000][^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]*$";

/// Optional free text (a description, a label): at most `max` characters as sent
/// (spaces around counted), no control characters but line breaks and tabs (a NUL,
/// for one, no database stores), then trimmed; an empty string means "none".
pub fn optional_text(
    field: &str,
    s: Option<&str>,
    max: usize,
) -> Result<Option<String>, FieldError> {
    let Some(raw) = s else { return Ok(None) };
    if raw.chars().count() > max {
        return Err(FieldError::new(
            field,
            format!("must be at most {max} characters"),
        ));
    }
    if raw
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(FieldError::new(
            field,
            "must not contain control characters other than line breaks and tabs",
        ));
    }
    let text = raw.trim();
    Ok((!text.is_empty()).then(|| text.to_owned()))
}

/// Free text that must say something (what a provider delivers, an owner's
/// responsibility): [`optional_text`]'s rule, and not empty once trimmed.
pub fn required_text(field: &str, s: &str, max: usize) -> Result<String, FieldError> {
    optional_text(field, Some(s), max)?
        .ok_or_else(|| FieldError::new(field, "must not be empty or only whitespace"))
}

/// The longest search term (`?q=`), in characters, spaces around it counted.
pub const SEARCH_MAX_CHARS: usize = crate::limits::NAME;

/// What [`search_term`] takes, as the API's schema says it (with
/// [`SEARCH_MAX_CHARS`] as the length): anything without a control character.
pub const SEARCH_PATTERN: &str = r"^[^\x00-\x1f\x7f-\x9f]*$";

/// A search term (`?q=`): at most 200 characters and no control characters as sent,
/// then trimmed; an empty one means "no search".
pub fn search_term(field: &str, s: Option<&str>) -> Result<Option<String>, FieldError> {
    let Some(raw) = s else { return Ok(None) };
    if raw.chars().count() > SEARCH_MAX_CHARS {
        return Err(FieldError::new(
            field,
            format!("must be at most {SEARCH_MAX_CHARS} characters"),
        ));
    }
    if raw.chars().any(char::is_control) {
        return Err(FieldError::new(
            field,
            "must not contain control characters",
        ));
    }
    let term = raw.trim();
    Ok((!term.is_empty()).then(|| term.to_owned()))
}

/// A name as `locale`'s reader sees it: its translation when there is one, else the
/// name as given.
pub fn localized<'a>(
    name: &'a str,
    translations: &'a std::collections::BTreeMap<String, String>,
    locale: Locale,
) -> &'a str {
    translations
        .get(locale.as_str())
        .map(String::as_str)
        .filter(|n| !n.trim().is_empty())
        .unwrap_or(name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn free_text_keeps_line_breaks_and_refuses_other_control_characters() {
        assert_eq!(
            optional_text("d", Some(" one\n\ttwo\r\n "), 100).unwrap(),
            Some("one\n\ttwo".to_owned())
        );
        assert_eq!(optional_text("d", Some("  "), 100).unwrap(), None);
        for bad in ["a\u{0}b", "a\u{7}b", "a\u{1b}[0m"] {
            assert_eq!(optional_text("d", Some(bad), 100).unwrap_err().field, "d");
        }
        assert!(optional_text("d", Some("abc"), 2).is_err());
    }

    #[test]
    fn a_search_term_is_trimmed_and_refuses_control_characters() {
        assert_eq!(
            search_term("q", Some(" 张 ")).unwrap(),
            Some("张".to_owned())
        );
        assert_eq!(search_term("q", Some("")).unwrap(), None);
        assert_eq!(search_term("q", None).unwrap(), None);
        for bad in ["ab\u{0}c", "a\nb"] {
            assert_eq!(search_term("q", Some(bad)).unwrap_err().field, "q");
        }
        assert!(search_term("q", Some(&"x".repeat(201))).is_err());
    }

    #[test]
    fn accept_language_picks_the_best_locale_we_serve() {
        let pick = Locale::from_accept_language;
        assert_eq!(pick("zh-CN,zh;q=0.9,en;q=0.8"), Locale::ZhCn);
        assert_eq!(pick("pt-BR"), Locale::PtBr);
        assert_eq!(pick("pt-PT;q=0.9, de"), Locale::PtBr);
        assert_eq!(pick("de-DE, fr;q=0.8"), Locale::En);
        assert_eq!(pick("en;q=0.5, zh-Hans;q=0.8"), Locale::ZhCn);
        assert_eq!(pick("zh;q=0, pt"), Locale::PtBr);
        assert_eq!(pick("en-GB,pt-BR"), Locale::En);
        assert_eq!(pick("*"), Locale::En);
        assert_eq!(pick(""), Locale::En);
        assert_eq!(pick(";;q=abc,,"), Locale::En);
    }

    #[test]
    fn names_keep_chinese_and_portuguese_text_exactly() {
        for s in ["张伟", "João Conceição", "计划部 Planning"] {
            assert_eq!(Name::parse(s).map(Name::into_inner), Ok(s.to_owned()));
        }
    }

    #[test]
    fn a_whitespace_only_name_is_refused() {
        assert_eq!(Name::parse(" \t ").unwrap_err().field, "name");
    }

    #[test]
    fn a_name_with_a_newline_is_refused() {
        assert!(Name::parse("a\nb").is_err());
    }

    #[test]
    fn emails_are_lower_cased_and_checked() {
        assert_eq!(
            Email::parse(" Li.Na@Example.COM ").map(Email::into_inner),
            Ok("li.na@example.com".into())
        );
        for bad in [
            "",
            "no-at",
            "@example.com",
            "a@b",
            "a@@b.com",
            "a b@c.com",
            "a@.com",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn department_codes_are_upper_cased_and_restricted() {
        assert_eq!(
            DepartmentCode::parse("plan-1").map(DepartmentCode::into_inner),
            Ok("PLAN-1".into())
        );
        assert!(DepartmentCode::parse("计划").is_err());
        assert!(DepartmentCode::parse("").is_err());
        assert!(DepartmentCode::parse(&"X".repeat(33)).is_err());
    }

    #[test]
    fn locales_accept_case_variants_and_refuse_others() {
        assert_eq!(Locale::parse("zh_cn"), Ok(Locale::ZhCn));
        assert_eq!(Locale::parse("pt-BR"), Ok(Locale::PtBr));
        assert_eq!(Locale::parse("fr").unwrap_err().field, "locale");
    }

    #[test]
    fn time_zones_are_iana_names() {
        assert_eq!(
            TimeZone::parse("Asia/Shanghai").map(TimeZone::as_str),
            Ok("Asia/Shanghai")
        );
        assert_eq!(
            TimeZone::parse("Mars/Olympus").unwrap_err().field,
            "time_zone"
        );
    }

    #[test]
    fn optional_text_treats_blank_as_none() {
        assert_eq!(optional_text("label", Some("  "), 10), Ok(None));
        assert_eq!(
            optional_text("label", Some(" x "), 10),
            Ok(Some("x".into()))
        );
        assert!(optional_text("label", Some("12345678901"), 10).is_err());
    }

    /// Short texts of the characters the text rules tell apart: letters, every kind of
    /// white space (controls among them and not), other controls, and CJK.
    const TRICKY: &str = "[ a\t\n\r\u{b}\u{c}\u{0}\u{1}\u{7f}\u{85}\u{9f}\u{a0}\u{1680}\u{2000}\u{200a}\u{200b}\u{2028}\u{202f}\u{3000}\u{feff}张]{0,8}";

    /// Every character of the Basic Multilingual Plane alone, doubled, and before and
    /// after a letter: the name and text patterns take exactly what their rules take.
    #[test]
    fn the_name_and_text_patterns_are_their_rules_for_every_character() {
        let name = regex::Regex::new(Name::PATTERN).unwrap();
        let optional = regex::Regex::new(TEXT_PATTERN).unwrap();
        let required = regex::Regex::new(REQUIRED_TEXT_PATTERN).unwrap();
        for c in (0..=0xffff_u32).filter_map(char::from_u32) {
            for s in [
                format!("{c}"),
                format!("{c}{c}"),
                format!("a{c}"),
                format!("{c}a"),
            ] {
                assert_eq!(Name::parse(&s).is_ok(), name.is_match(&s), "name {s:?}");
                assert_eq!(
                    optional_text("t", Some(&s), 10).is_ok(),
                    optional.is_match(&s),
                    "optional text {s:?}"
                );
                assert_eq!(
                    required_text("t", &s, 10).is_ok(),
                    required.is_match(&s),
                    "required text {s:?}"
                );
            }
        }
    }

    proptest! {
        #[test]
        fn a_parsed_name_is_never_blank_nor_padded(s in "\\PC{0,250}") {
            if let Ok(name) = Name::parse(&s) {
                prop_assert!(!name.as_str().is_empty());
                prop_assert_eq!(name.as_str().trim(), name.as_str());
                prop_assert!(name.as_str().chars().count() <= Name::MAX_CHARS);
            }
        }

        /// The schema's pattern and length say exactly what `Name::parse` takes.
        #[test]
        fn the_name_pattern_is_the_name_rule(s in TRICKY, long in any::<bool>()) {
            let pattern = regex::Regex::new(Name::PATTERN).unwrap();
            let s = if long { format!("{s}{}", "x".repeat(195)) } else { s };
            let schema = pattern.is_match(&s) && s.chars().count() <= Name::MAX_CHARS;
            prop_assert_eq!(Name::parse(&s).is_ok(), schema, "{:?}", s);
        }

        /// The schema's patterns and length say exactly what `optional_text` and
        /// `required_text` take.
        #[test]
        fn the_text_patterns_are_the_text_rules(s in TRICKY, long in any::<bool>()) {
            let optional = regex::Regex::new(TEXT_PATTERN).unwrap();
            let required = regex::Regex::new(REQUIRED_TEXT_PATTERN).unwrap();
            let s = if long { format!("{s}{}", "x".repeat(195)) } else { s };
            let fits = s.chars().count() <= 200;
            prop_assert_eq!(
                optional_text("t", Some(&s), 200).is_ok(),
                optional.is_match(&s) && fits,
                "{:?}", s
            );
            prop_assert_eq!(
                required_text("t", &s, 200).is_ok(),
                required.is_match(&s) && fits,
                "{:?}", s
            );
        }

        /// The schema's pattern and length say exactly what `Email::parse` takes.
        #[test]
        fn the_email_pattern_is_the_email_rule(s in "[ a-z0-9@.\t\n\u{a0}\u{1}\u{85}\u{3000}_-]{0,24}") {
            let pattern = regex::Regex::new(Email::PATTERN).unwrap();
            let long = format!("{s}{}", "x".repeat(240));
            for s in [s.as_str(), long.as_str()] {
                let schema = pattern.is_match(s) && s.chars().count() <= Email::MAX_CHARS;
                prop_assert_eq!(Email::parse(s).is_ok(), schema, "{:?}", s);
            }
        }

        /// The schema's pattern and length say exactly what `search_term` takes.
        #[test]
        fn the_search_pattern_is_the_search_rule(s in "[ a-z\t\n\u{a0}\u{1}\u{7f}\u{85}\u{3000}张]{0,8}", long in any::<bool>()) {
            let pattern = regex::Regex::new(SEARCH_PATTERN).unwrap();
            let s = if long { format!("{s}{}", "x".repeat(195)) } else { s };
            let schema = pattern.is_match(&s) && s.chars().count() <= SEARCH_MAX_CHARS;
            prop_assert_eq!(search_term("q", Some(&s)).is_ok(), schema, "{:?}", s);
        }

        /// The schema's pattern and length say exactly what `DepartmentCode::parse` takes.
        #[test]
        fn the_code_pattern_is_the_code_rule(s in "[ A-Za-z0-9_.\t\n\r\u{a0}\u{1}-]{0,40}") {
            let pattern = regex::Regex::new(DepartmentCode::PATTERN).unwrap();
            let schema = pattern.is_match(&s) && s.chars().count() <= DepartmentCode::MAX_CHARS;
            prop_assert_eq!(DepartmentCode::parse(&s).is_ok(), schema, "{:?}", s);
        }

        #[test]
        fn a_parsed_email_parses_again_to_itself(s in "[a-zA-Z0-9._%+-]{1,20}@[a-z0-9-]{1,10}\\.[a-z]{2,5}") {
            let email = Email::parse(&s).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(Email::parse(email.as_str()), Ok(email.clone()));
        }
    }
}
