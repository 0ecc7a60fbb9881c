//! A strict JSON request body that names the field it rejects.
//!
//! poem-openapi's own `Json<T>` coerces `false` or `123` into a string field and
//! reports a missing field or an unknown enum value without naming it. [`Body`] reads
//! the same schema (so the spec is unchanged) but deserializes with serde, strictly,
//! and answers a 422 whose `errors` say which field was wrong and why; malformed JSON
//! is a 400.

use poem::{FromRequest, Request, RequestBody};
use poem_openapi::payload::{ParsePayload, Payload};
use poem_openapi::registry::{MetaSchemaRef, Registry};
use poem_openapi::types::Type;
use serde::de::DeserializeOwned;

use crate::error::{ApiError, ProblemField};

pub struct Body<T>(pub T);

impl<T: Type> Payload for Body<T> {
    const CONTENT_TYPE: &'static str = "application/json; charset=utf-8";

    fn check_content_type(content_type: &str) -> bool {
        matches!(content_type.parse::<mime::Mime>(), Ok(m) if m.type_() == "application"
            && (m.subtype() == "json" || m.suffix().is_some_and(|s| s == "json")))
    }

    fn schema_ref() -> MetaSchemaRef {
        T::schema_ref()
    }

    fn register(registry: &mut Registry) {
        T::register(registry);
    }
}

impl<T: Type + DeserializeOwned> ParsePayload for Body<T> {
    const IS_REQUIRED: bool = true;

    async fn from_request(request: &Request, body: &mut RequestBody) -> poem::Result<Self> {
        let data = Vec::<u8>::from_request(request, body).await?;
        parse(&data).map(Body).map_err(Into::into)
    }
}

poem_openapi::impl_apirequest_for_payload!(Body<T>, T: Type + DeserializeOwned);

/// For a field that defaults when left out (`#[serde(default, deserialize_with =
/// "crate::http::body::null_is_default")]`): an explicit `null` reads as the field
/// left out, as it does for every other optional field (the spec says they are all
/// `nullable`, [`crate::http::spec`]).
pub fn null_is_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de> + Default,
{
    use serde::Deserialize;
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// Deserializes `data`, naming the offending field on failure.
pub fn parse<T: DeserializeOwned>(data: &[u8]) -> Result<T, ApiError> {
    if data.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::bad_request(
            "the request needs a JSON body",
            vec![ProblemField {
                field: "body".into(),
                message: "missing".into(),
            }],
        ));
    }
    let mut de = serde_json::Deserializer::from_slice(data);
    let result: Result<T, (String, serde_json::Error)> = serde_path_to_error::deserialize(&mut de)
        .map_err(|err| (err.path().to_string(), err.into_inner()))
        .and_then(|v| de.end().map(|()| v).map_err(|e| (".".to_owned(), e)));
    result.map_err(|(path, inner)| {
        let message = strip_position(&inner.to_string());
        if inner.is_syntax() || inner.is_eof() {
            return ApiError::bad_request(
                format!("the request body is not valid JSON: {inner}"),
                vec![ProblemField {
                    field: "body".into(),
                    message,
                }],
            );
        }
        // A missing field is reported at its parent; serde names it in the message.
        let field = match (path.as_str(), missing_field(&message)) {
            (".", Some(f)) => f.to_owned(),
            (p, Some(f)) => format!("{p}.{f}"),
            (".", None) => "body".to_owned(),
            (p, None) => p.to_owned(),
        };
        ApiError::invalid(cxpm_domain::Invalid::from(cxpm_domain::FieldError::new(
            field, message,
        )))
    })
}

fn missing_field(message: &str) -> Option<&str> {
    let rest = message.strip_prefix("missing field `")?;
    rest.split('`').next()
}

/// serde_json appends " at line 1 column 12"; the field name says more.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_owned(),
        None => message.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Sample {
        name: String,
        count: Option<u32>,
    }

    fn field_of(result: Result<Sample, ApiError>) -> (u16, String) {
        match result {
            Err(ApiError::Unprocessable(p)) | Err(ApiError::BadRequest(p)) => {
                (p.0.status, p.0.errors[0].field.clone())
            }
            other => panic!("expected an error, got {other:?}"),
        }
    }

    #[test]
    fn a_wrong_type_is_422_naming_the_field() {
        assert_eq!(field_of(parse(br#"{"name": false}"#)), (422, "name".into()));
        assert_eq!(
            field_of(parse(br#"{"name": "a", "count": "x"}"#)),
            (422, "count".into())
        );
    }

    #[test]
    fn a_missing_field_is_422_naming_it() {
        assert_eq!(field_of(parse(br#"{}"#)), (422, "name".into()));
    }

    #[test]
    fn an_unknown_field_is_422() {
        assert_eq!(field_of(parse(br#"{"name": "a", "nmae": 1}"#)).0, 422);
    }

    #[test]
    fn malformed_json_is_400() {
        assert_eq!(field_of(parse(br#"{"name":"#)), (400, "body".into()));
        assert_eq!(field_of(parse(b"")), (400, "body".into()));
        assert_eq!(
            field_of(parse(br#"{"name":"a"} trailing"#)),
            (400, "body".into())
        );
    }
}
