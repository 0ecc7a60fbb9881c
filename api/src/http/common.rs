//! Pieces every API group shares: the groups' tags, versions and ETags, pagination,
//! ids, the answer to a removal.

use cxpm_domain::FieldError;
use poem_openapi::payload::Json;
use poem_openapi::registry::{MetaSchema, MetaSchemaRef};
use poem_openapi::types::{ParseFromJSON, ToJSON};
use poem_openapi::{ApiResponse, Tags};

use crate::error::{ApiError, ApiResult};

/// The groups of operations, as the spec lists them.
#[derive(Tags)]
pub enum ApiTags {
    /// Liveness and readiness.
    System,
    /// Departments of the organisation.
    Departments,
    /// People, their roles and CSV import.
    People,
    /// Access tokens.
    Tokens,
    /// The audit trail of every change.
    Audit,
    /// Programs and their cross-department team.
    Programs,
    /// The value stream: stages (touchpoints), sub-processes, templates.
    ValueStream,
    /// Who owns each sub-process, per department.
    Owners,
    /// Internal-customer relationships: who is my customer?
    Relationships,
    /// Seven-step improvement plans: key points, measurements, steps, actions, updates.
    Plans,
    /// Operational metrics and their readings.
    Metrics,
    /// What leadership reads: gaps, worst first.
    Reports,
    /// Reminder schedules.
    Reminders,
    /// Feedback rounds: internal (and outside) customers rate their providers.
    Feedback,
}

/// A versioned resource with its ETag: `Ok` (200) when read or changed, `Created`
/// (201) when made, with its address in `Location` when it has one of its own
/// ([`location`]). One enum for every resource; operations that only read or change
/// answer with [`Tagged`], so the spec lists exactly the statuses each can give.
#[derive(ApiResponse)]
pub enum Versioned<T: ParseFromJSON + ToJSON> {
    #[oai(status = 200)]
    Ok(Json<T>, #[oai(header = "ETag")] String),
    #[oai(status = 201)]
    Created(
        Json<T>,
        #[oai(header = "ETag")] String,
        #[oai(header = "Location")] Option<String>,
    ),
}

/// A versioned resource read or changed (200), with its ETag.
#[derive(ApiResponse)]
pub enum Tagged<T: ParseFromJSON + ToJSON> {
    #[oai(status = 200)]
    Ok(Json<T>, #[oai(header = "ETag")] String),
}

/// Something made that has no version of its own (201), with its address in
/// `Location` when it has one.
#[derive(ApiResponse)]
pub enum Made<T: ParseFromJSON + ToJSON> {
    #[oai(status = 201)]
    Created(Json<T>, #[oai(header = "Location")] Option<String>),
}

/// Where a made resource is read: `/api/v1/{collection}/{id}`, for `Location`.
pub fn location(collection: &str, id: &str) -> Option<String> {
    Some(format!("/api/v1/{collection}/{id}"))
}

/// The answer to a removal.
#[derive(ApiResponse)]
pub enum Deleted {
    /// Removed.
    #[oai(status = 204)]
    NoContent,
}

pub const DEFAULT_LIMIT: u64 = 50;
pub const MAX_LIMIT: u64 = 200;

/// The ETag of a resource at `version`.
pub fn etag(version: i32) -> String {
    format!("\"{version}\"")
}

/// The versions an `If-Match` header accepts, for a use case to check. Missing → 428;
/// `*` → any; a tag that is not one of ours matches nothing (412 when checked).
pub fn if_match(if_match: Option<&str>) -> ApiResult<cxpm_app::Expect> {
    // An empty header names no version at all: as if it were not sent.
    let Some(raw) = if_match.map(str::trim).filter(|raw| !raw.is_empty()) else {
        return Err(ApiError::if_match_required());
    };
    if raw == "*" {
        return Ok(cxpm_app::Expect::AnyVersion);
    }
    Ok(cxpm_app::Expect::OneOf(
        raw.split(',')
            .map(str::trim)
            .filter_map(|tag| {
                let tag = tag.strip_prefix("W/").unwrap_or(tag);
                tag.trim_matches('"').parse::<i32>().ok()
            })
            .collect(),
    ))
}

/// Stored rows as their API views.
pub fn views<M, V: TryFrom<M, Error = ApiError>>(rows: Vec<M>) -> ApiResult<Vec<V>> {
    rows.into_iter().map(V::try_from).collect()
}

/// A PATCH field as a change: absent keeps, `null` clears, a value sets.
pub fn patch<T>(field: poem_openapi::types::MaybeUndefined<T>) -> cxpm_app::Patch<T> {
    use poem_openapi::types::MaybeUndefined;
    match field {
        MaybeUndefined::Undefined => cxpm_app::Patch::Keep,
        MaybeUndefined::Null => cxpm_app::Patch::Clear,
        MaybeUndefined::Value(v) => cxpm_app::Patch::Set(v),
    }
}

pub use cxpm_app::store::parse_id;

/// Implements poem-openapi's `Type` for a newtype: its name in the spec, the schema
/// a field of it refers to, and what registering it adds (a named schema, or nothing).
macro_rules! schema_type {
    ($name:ident, $type_name:literal, $schema_ref:expr, $register:expr) => {
        impl poem_openapi::types::Type for $name {
            const IS_REQUIRED: bool = true;

            type RawValueType = Self;

            type RawElementValueType = Self;

            fn name() -> std::borrow::Cow<'static, str> {
                $type_name.into()
            }

            fn schema_ref() -> MetaSchemaRef {
                ($schema_ref)()
            }

            fn register(registry: &mut poem_openapi::registry::Registry) {
                let register: fn(&mut poem_openapi::registry::Registry) = $register;
                register(registry);
            }

            fn as_raw_value(&self) -> Option<&Self::RawValueType> {
                Some(self)
            }

            fn raw_element_iter<'a>(
                &'a self,
            ) -> Box<dyn Iterator<Item = &'a Self::RawElementValueType> + 'a> {
                Box::new(self.as_raw_value().into_iter())
            }
        }
    };
}

/// Implements poem-openapi's parameter traits for a newtype over the text as sent,
/// with the given inline schema: the use case (or [`page`], [`if_match`],
/// [`search_pattern`]) checks the text, so a mistake is a problem naming the
/// parameter, never poem's own parse error.
macro_rules! text_parameter {
    ($name:ident, $type_name:literal, $schema:expr) => {
        $crate::http::common::schema_type!($name, $type_name, $schema, |_| {});

        impl poem_openapi::types::ParseFromParameter for $name {
            fn parse_from_parameter(value: &str) -> poem_openapi::types::ParseResult<Self> {
                Ok(Self(value.to_owned()))
            }
        }
    };
}

/// Reads and writes a newtype over text as a JSON string (in a body or an answer).
macro_rules! json_text {
    ($name:ident) => {
        impl poem_openapi::types::ParseFromJSON for $name {
            fn parse_from_json(
                value: Option<serde_json::Value>,
            ) -> poem_openapi::types::ParseResult<Self> {
                match value {
                    Some(serde_json::Value::String(s)) => Ok(Self(s)),
                    other => Err(poem_openapi::types::ParseError::expected_type(
                        other.unwrap_or_default(),
                    )),
                }
            }
        }

        impl poem_openapi::types::ToJSON for $name {
            fn to_json(&self) -> Option<serde_json::Value> {
                Some(serde_json::Value::String(self.0.clone()))
            }
        }
    };
}

/// Implements poem-openapi's `Type` for a newtype whose schema is registered once
/// under `$schema_name` (built by `$schema`) and referred to by every field of it.
macro_rules! named_schema {
    ($name:ident, $schema_name:literal, $schema:expr) => {
        $crate::http::common::schema_type!(
            $name,
            $schema_name,
            || MetaSchemaRef::Reference($schema_name.to_owned()),
            |registry| {
                registry.create_schema::<$name, _>($schema_name.to_owned(), |_| $schema);
            }
        );
    };
}

pub(crate) use {json_text, schema_type, text_parameter};

/// An id: `format: uuid` in the spec, wherever it stands — an address, a query, a body
/// or an answer. Any text is taken here; one that is not a UUID cannot name anything,
/// so the use case answers for it as for any id that does not exist (404 in an
/// address, 422 naming the field in a body, 400 naming the parameter in a query).
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(transparent)]
pub struct Id(pub String);

impl From<String> for Id {
    fn from(s: String) -> Self {
        Self(s)
    }
}

impl From<&str> for Id {
    fn from(s: &str) -> Self {
        Self(s.to_owned())
    }
}

impl From<Id> for String {
    fn from(id: Id) -> Self {
        id.0
    }
}

json_text!(Id);

impl std::ops::Deref for Id {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Id {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

text_parameter!(Id, "string_uuid", || {
    MetaSchemaRef::Inline(Box::new(MetaSchema::new_with_format("string", "uuid")))
});

/// An IANA time zone name in a request (`Asia/Shanghai`): the spec's `TimeZone`
/// schema lists every name the domain takes ([`cxpm_domain::values::TimeZone::names`]),
/// once, referred to by each field. Any text is read here; the use case checks it, so
/// an unknown name is a 422 naming the field.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(transparent)]
pub struct TimeZoneName(pub String);

named_schema!(TimeZoneName, "TimeZone", {
    let mut schema = MetaSchema::new("string");
    schema.description = Some("An IANA time zone name.");
    schema.enum_items = cxpm_domain::values::TimeZone::names()
        .map(|n| serde_json::Value::String(n.to_owned()))
        .collect();
    schema
});

json_text!(TimeZoneName);

/// A list's `?cursor=`: the `next_cursor` of the page before (a UUID), or empty for
/// the first page, as clients that build the address from the previous answer send it.
/// Any text is read here; [`page`] checks it, so a cursor this server did not issue is
/// a 400 naming `cursor`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor(pub String);

text_parameter!(Cursor, "string_cursor", || {
    let mut empty = MetaSchema::new("string");
    empty.max_length = Some(0);
    let mut schema = MetaSchema::ANY;
    schema.any_of = vec![
        MetaSchemaRef::Inline(Box::new(MetaSchema::new_with_format("string", "uuid"))),
        MetaSchemaRef::Inline(Box::new(empty)),
    ];
    MetaSchemaRef::Inline(Box::new(schema))
});

/// A list's `?q=` search: the spec's schema is the domain's rule
/// ([`cxpm_domain::values::SEARCH_PATTERN`], [`cxpm_domain::values::SEARCH_MAX_CHARS`]).
/// Any text is read here; [`search_pattern`] checks it, so a bad term is a 400 naming
/// `q`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchText(pub String);

text_parameter!(SearchText, "string_search", || {
    let mut schema = MetaSchema::new("string");
    schema.max_length = Some(cxpm_domain::values::SEARCH_MAX_CHARS);
    schema.pattern = Some(cxpm_domain::values::SEARCH_PATTERN.to_owned());
    MetaSchemaRef::Inline(Box::new(schema))
});

/// A list's `?limit=`: 1–200, default 50 ([`MAX_LIMIT`], [`DEFAULT_LIMIT`]); [`page`]
/// reads it, so anything else is a 400 naming `limit`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limit(pub String);

text_parameter!(Limit, "integer_limit", || {
    let mut schema = MetaSchema::new("integer");
    schema.minimum = Some(1.0);
    schema.maximum = Some(MAX_LIMIT as f64);
    schema.default = Some(DEFAULT_LIMIT.into());
    MetaSchemaRef::Inline(Box::new(schema))
});

/// An `If-Match` header as sent: [`if_match`] reads it, so an empty one is a 428 like
/// a missing one (the spec says it is not empty).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IfMatch(pub String);

impl IfMatch {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

text_parameter!(IfMatch, "string_if_match", || {
    let mut schema = MetaSchema::new("string");
    schema.min_length = Some(1);
    MetaSchemaRef::Inline(Box::new(schema))
});

/// An `If-Match` header where it is optional (rotating a webhook's secret): empty is
/// as if it were not sent, so the spec sets no `minLength`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OptionalIfMatch(pub String);

impl OptionalIfMatch {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

text_parameter!(OptionalIfMatch, "string_optional_if_match", || {
    MetaSchemaRef::Inline(Box::new(MetaSchema::new("string")))
});

/// A request's `name_translations`: the name in other languages, by locale tag. The
/// spec's `NameTranslations` schema has one property per language the domain serves
/// ([`cxpm_domain::values::Locale::ALL`]), each a [`super::text::Name`], and, read from
/// a request body, no other (`http::spec`); a `null` for a language is leaving it
/// out. The use case checks the tags and the names, so a mistake is a 422 naming
/// `name_translations.<tag>`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Translations(pub std::collections::BTreeMap<String, String>);

impl From<Translations> for std::collections::BTreeMap<String, String> {
    fn from(t: Translations) -> Self {
        t.0
    }
}

impl<'de> serde::Deserialize<'de> for Translations {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let given = std::collections::BTreeMap::<String, Option<String>>::deserialize(d)?;
        Ok(Self(
            given
                .into_iter()
                .filter_map(|(tag, name)| name.map(|n| (tag, n)))
                .collect(),
        ))
    }
}

named_schema!(Translations, "NameTranslations", {
    let mut schema = MetaSchema::new("object");
    schema.description = Some(
        "The name in other languages, by locale tag; each reader is shown theirs, else \
         `name`.",
    );
    schema.properties = cxpm_domain::values::Locale::ALL
        .iter()
        .map(|l| {
            let name = <super::text::Name as poem_openapi::types::Type>::schema_ref();
            (l.as_str(), name)
        })
        .collect();
    schema
});

impl poem_openapi::types::ParseFromJSON for Translations {
    fn parse_from_json(value: Option<serde_json::Value>) -> poem_openapi::types::ParseResult<Self> {
        let value = value.unwrap_or_default();
        serde_json::from_value(value.clone())
            .map_err(|_| poem_openapi::types::ParseError::expected_type(value))
    }
}

impl poem_openapi::types::ToJSON for Translations {
    fn to_json(&self) -> Option<serde_json::Value> {
        serde_json::to_value(&self.0).ok()
    }
}

/// A path id; one that cannot exist is simply not found.
pub fn path_id(entity: &str, raw: &str) -> ApiResult<String> {
    parse_id("id", raw).map_err(|_| ApiError::not_found(entity, raw))
}

pub use cxpm_app::store::page::Page;

/// The page a list asks for: `limit` (1–200, default 50) and the `cursor` a previous
/// page gave; a bad one is a 400 naming the parameter.
pub fn page(limit: Option<Limit>, cursor: Option<Cursor>) -> ApiResult<Page> {
    let limit = match limit {
        None => Some(DEFAULT_LIMIT),
        Some(l) => l.0.trim().parse::<u64>().ok(),
    }
    .filter(|l| (1..=MAX_LIMIT).contains(l));
    let Some(limit) = limit else {
        return Err(ApiError::bad_request(
            format!("limit must be between 1 and {MAX_LIMIT}"),
            vec![FieldError::new("limit", format!("must be between 1 and {MAX_LIMIT}")).into()],
        ));
    };
    let after = match cursor.as_ref().map(|c| c.0.trim()) {
        None | Some("") => None,
        Some(c) => Some(parse_id("cursor", c).map_err(|e| {
            ApiError::bad_request("cursor is not one this server issued", vec![e.into()])
        })?),
    };
    Ok(Page { limit, after })
}

/// The LIKE pattern for a list's `?q=` search, if there is one: a bad term is a 400
/// naming the parameter.
pub fn search_pattern(q: Option<&SearchText>) -> ApiResult<Option<String>> {
    let term = cxpm_domain::values::search_term("q", q.map(|q| q.0.as_str()))
        .map_err(|e| ApiError::bad_request(e.to_string(), vec![e.into()]))?;
    Ok(term.as_deref().map(contains_pattern))
}

/// A LIKE pattern matching `needle` anywhere, with its wildcards escaped.
pub fn contains_pattern(needle: &str) -> String {
    let escaped = needle
        .to_lowercase()
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the use case answers when it checks the versions `header` accepts
    /// against version `current`.
    fn checked(header: Option<&str>, current: i32) -> ApiResult<()> {
        Ok(if_match(header)?.check(current)?)
    }

    #[test]
    fn if_match_accepts_strong_weak_and_star() {
        assert!(checked(Some("\"3\""), 3).is_ok());
        assert!(checked(Some("W/\"3\""), 3).is_ok());
        assert!(checked(Some("*"), 3).is_ok());
        assert!(checked(Some("\"2\", \"3\""), 3).is_ok());
    }

    #[test]
    fn a_stale_or_garbled_if_match_is_412_and_none_is_428() {
        assert!(matches!(
            checked(Some("\"2\""), 3),
            Err(ApiError::PreconditionFailed(_))
        ));
        assert!(matches!(
            checked(Some("nonsense"), 3),
            Err(ApiError::PreconditionFailed(_))
        ));
        assert!(matches!(
            checked(None, 3),
            Err(ApiError::PreconditionRequired(_))
        ));
    }

    #[test]
    fn pages_refuse_out_of_range_limits_and_foreign_cursors() {
        let limit = |l: &str| Some(Limit(l.to_owned()));
        assert!(page(limit("0"), None).is_err());
        assert!(page(limit("201"), None).is_err());
        assert!(page(limit("abc"), None).is_err());
        assert_eq!(page(limit("200"), None).map(|p| p.limit).ok(), Some(200));
        assert!(page(None, Some(Cursor("abc".into()))).is_err());
        assert!(page(None, Some(Cursor(String::new()))).is_ok_and(|p| p.after.is_none()));
        assert_eq!(page(None, None).map(|p| p.limit).ok(), Some(DEFAULT_LIMIT));
    }

    #[test]
    fn like_patterns_escape_wildcards() {
        assert_eq!(contains_pattern("50%_A"), "%50\\%\\_a%");
    }
}
