//! Names in other languages: the rules live in `cxpm_app::names`.

pub use cxpm_app::names::{rename, translations, translations_json};

use std::collections::BTreeMap;

use crate::error::ApiResult;

/// A new name and its translations, checked together.
pub fn names(name: &str, raw: Option<&BTreeMap<String, String>>) -> ApiResult<(String, String)> {
    Ok(cxpm_app::names::names(name, raw)?)
}
