//! Names in other languages — of stages, sub-processes, departments and key points:
//! `name` as given, `name_translations` by locale tag (`{"zh-CN": "计划部"}`), stored
//! as a JSON object.

use std::collections::BTreeMap;

use cxpm_domain::Invalid;
use cxpm_domain::value_stream::parse_translations;
use cxpm_domain::values::Name;

use crate::{AppError, AppResult};

/// The stored translations; a row an older version wrote without any reads as none.
pub fn translations(raw: &str) -> BTreeMap<String, String> {
    serde_json::from_str(raw).unwrap_or_default()
}

pub fn translations_json(map: &BTreeMap<String, String>) -> String {
    serde_json::to_string(map).unwrap_or_else(|_| "{}".to_owned())
}

/// A new name and its translations, checked together: every problem in one answer.
pub fn names(name: &str, raw: Option<&BTreeMap<String, String>>) -> AppResult<(String, String)> {
    let mut invalid = Invalid::default();
    let (name, map) = check_names(&mut invalid, name, raw);
    invalid.into_result()?;
    match (name, map) {
        (Some(name), Some(map)) => Ok((name, map)),
        _ => Err(AppError::internal(&"validated fields missing")),
    }
}

/// [`names`], its problems collected into `invalid` beside the caller's other fields.
pub fn check_names(
    invalid: &mut Invalid,
    name: &str,
    raw: Option<&BTreeMap<String, String>>,
) -> (Option<String>, Option<String>) {
    let name = invalid.check(Name::parse(name)).map(Name::into_inner);
    let map = match raw {
        Some(raw) => invalid
            .check(parse_translations("name_translations", raw))
            .map(|m| translations_json(&m)),
        None => Some("{}".to_owned()),
    };
    (name, map)
}

/// Applies a change's `name` and `name_translations` (either may be absent),
/// collecting what is invalid.
pub fn rename(
    invalid: &mut Invalid,
    name: Option<&str>,
    translations: Option<&BTreeMap<String, String>>,
    current_name: &mut String,
    current_translations: &mut String,
) {
    if let Some(n) = name.and_then(|n| invalid.check(Name::parse(n))) {
        *current_name = n.into_inner();
    }
    if let Some(map) =
        translations.and_then(|raw| invalid.check(parse_translations("name_translations", raw)))
    {
        *current_translations = translations_json(&map);
    }
}

/// A stored name (`name` as given, `raw` its stored translations) in `locale`: the
/// translation when there is one, the name as given otherwise.
pub fn name_in(name: &str, raw: &str, locale: cxpm_domain::values::Locale) -> String {
    cxpm_domain::values::localized(name, &translations(raw), locale).to_owned()
}
