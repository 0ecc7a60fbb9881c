//! The one error type of the HTTP edge, answered as RFC 9457 problem+json.
//!
//! Handlers return [`ApiError`]; domain errors convert into it with `From`. What the
//! client sees is safe text; what went wrong inside (a database error) goes to the log
//! only. [`problem_for_poem_error`] turns the errors poem and poem-openapi raise before
//! a handler runs (bad JSON, a bad query parameter, an unknown route) into the same
//! envelope, so every 4xx and 5xx body has one shape.

use cxpm_app::AppError;
use cxpm_domain::permission::Denied;
use cxpm_domain::{FieldError, Invalid};
use poem::Response;
use poem::http::StatusCode;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object};

pub const PROBLEM_CONTENT_TYPE: &str = "application/problem+json";

/// The problem type of a write refused because the storage is full.
pub const STORAGE_FULL: &str = "urn:cxpm:problem:storage-full";

/// An RFC 9457 problem detail.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct Problem {
    /// A URI naming the kind of problem (`about:blank` when the status says it all).
    #[oai(rename = "type")]
    pub kind: String,
    /// A short summary of the kind of problem.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// What went wrong in this request, in words.
    pub detail: String,
    /// One entry per rejected field, for validation problems.
    #[oai(default)]
    pub errors: Vec<ProblemField>,
}

/// One rejected field of a request.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct ProblemField {
    /// The field, as named in the request (`email`, `line 3: email`, `limit`).
    pub field: String,
    /// Why it was rejected.
    pub message: String,
}

impl From<FieldError> for ProblemField {
    fn from(e: FieldError) -> Self {
        Self {
            field: e.field,
            message: e.message,
        }
    }
}

/// Every error answer of the API.
#[derive(Debug, ApiResponse)]
pub enum ApiError {
    /// The request could not be read: malformed JSON, a wrong type, a bad parameter.
    #[oai(status = 400, content_type = "application/problem+json")]
    BadRequest(Json<Problem>),
    /// No valid access token was given.
    #[oai(status = 401, content_type = "application/problem+json")]
    Unauthorized(Json<Problem>),
    /// The caller's role does not allow this.
    #[oai(status = 403, content_type = "application/problem+json")]
    Forbidden(Json<Problem>),
    /// Nothing with this id exists.
    #[oai(status = 404, content_type = "application/problem+json")]
    NotFound(Json<Problem>),
    /// The request conflicts with what exists (a duplicate, a reference).
    #[oai(status = 409, content_type = "application/problem+json")]
    Conflict(Json<Problem>),
    /// `If-Match` names a version that is no longer current.
    #[oai(status = 412, content_type = "application/problem+json")]
    PreconditionFailed(Json<Problem>),
    /// The request body is larger than the server accepts.
    #[oai(status = 413, content_type = "application/problem+json")]
    PayloadTooLarge(Json<Problem>),
    /// The request body is not of a type this operation accepts.
    #[oai(status = 415, content_type = "application/problem+json")]
    UnsupportedMediaType(Json<Problem>),
    /// The request was read but a field's value is not acceptable.
    #[oai(status = 422, content_type = "application/problem+json")]
    Unprocessable(Json<Problem>),
    /// A change was sent without `If-Match`.
    #[oai(status = 428, content_type = "application/problem+json")]
    PreconditionRequired(Json<Problem>),
    /// This client failed to authenticate too often; `Retry-After` says when to try
    /// again.
    #[oai(status = 429, content_type = "application/problem+json")]
    TooManyRequests(
        Json<Problem>,
        /// Seconds to wait.
        #[oai(header = "Retry-After")]
        u64,
    ),
    /// Something failed inside the server; the log has the cause.
    #[oai(status = 500, content_type = "application/problem+json")]
    Internal(Json<Problem>),
    /// The database is not answering; try again later.
    #[oai(status = 503, content_type = "application/problem+json")]
    Unavailable(Json<Problem>),
    /// The server's storage is full: nothing was written. Try again once an operator
    /// has made room (`/readyz` says ready again); the problem's `type` is
    /// `urn:cxpm:problem:storage-full`.
    #[oai(status = 507, content_type = "application/problem+json")]
    InsufficientStorage(Json<Problem>),
}

pub type ApiResult<T> = Result<T, ApiError>;

fn problem(
    status: StatusCode,
    detail: impl Into<String>,
    errors: Vec<ProblemField>,
) -> Json<Problem> {
    Json(Problem {
        kind: "about:blank".to_owned(),
        title: status.canonical_reason().unwrap_or("Error").to_owned(),
        status: status.as_u16(),
        detail: detail.into(),
        errors,
    })
}

impl ApiError {
    pub fn bad_request(detail: impl Into<String>, errors: Vec<ProblemField>) -> Self {
        Self::BadRequest(problem(StatusCode::BAD_REQUEST, detail, errors))
    }

    pub fn unauthorized(detail: impl Into<String>) -> Self {
        Self::Unauthorized(problem(StatusCode::UNAUTHORIZED, detail, vec![]))
    }

    pub fn too_many_requests(detail: impl Into<String>, wait: std::time::Duration) -> Self {
        Self::TooManyRequests(
            problem(StatusCode::TOO_MANY_REQUESTS, detail, vec![]),
            wait.as_secs().max(1),
        )
    }

    pub fn forbidden(detail: impl Into<String>) -> Self {
        Self::Forbidden(problem(StatusCode::FORBIDDEN, detail, vec![]))
    }

    pub fn not_found(entity: &str, id: &str) -> Self {
        Self::NotFound(problem(
            StatusCode::NOT_FOUND,
            format!("no {entity} with id `{id}`"),
            vec![],
        ))
    }

    pub fn conflict(detail: impl Into<String>, field: Option<&str>) -> Self {
        let detail = detail.into();
        let errors = field
            .map(|f| {
                vec![ProblemField {
                    field: f.to_owned(),
                    message: detail.clone(),
                }]
            })
            .unwrap_or_default();
        Self::Conflict(problem(StatusCode::CONFLICT, detail, errors))
    }

    pub fn stale(current_version: i32) -> Self {
        Self::PreconditionFailed(problem(
            StatusCode::PRECONDITION_FAILED,
            format!(
                "the resource has changed since you read it (current ETag \"{current_version}\"); read it again and reapply your change"
            ),
            vec![],
        ))
    }

    pub fn if_match_required() -> Self {
        Self::PreconditionRequired(if_match_problem())
    }

    pub fn invalid(invalid: Invalid) -> Self {
        let detail = match invalid.0.as_slice() {
            [one] => format!("{}: {}", one.field, one.message),
            many => format!("{} fields are invalid", many.len()),
        };
        Self::Unprocessable(problem(
            StatusCode::UNPROCESSABLE_ENTITY,
            detail,
            invalid.0.into_iter().map(ProblemField::from).collect(),
        ))
    }

    /// A refusal by the domain's rules: 409, every unmet rule listed by name.
    pub fn unmet(detail: impl Into<String>, rules: Vec<(String, String)>) -> Self {
        let mut body = problem(
            StatusCode::CONFLICT,
            detail,
            rules
                .into_iter()
                .map(|(field, message)| ProblemField { field, message })
                .collect(),
        );
        body.0.kind = "urn:cxpm:problem:unmet-preconditions".to_owned();
        Self::Conflict(body)
    }

    pub fn unavailable(detail: impl Into<String>) -> Self {
        Self::Unavailable(problem(StatusCode::SERVICE_UNAVAILABLE, detail, vec![]))
    }

    /// The database's storage is full; the write changed nothing.
    pub fn storage_full() -> Self {
        let mut body = problem(
            StatusCode::INSUFFICIENT_STORAGE,
            "the server's storage is full: nothing was written; try again once there is room",
            vec![],
        );
        body.0.kind = STORAGE_FULL.to_owned();
        Self::InsufficientStorage(body)
    }

    /// An unexpected failure: the cause is logged, the client gets a generic answer.
    pub fn internal(cause: &dyn std::fmt::Display) -> Self {
        tracing::error!(%cause, "internal error");
        Self::Internal(problem(
            StatusCode::INTERNAL_SERVER_ERROR,
            "the server failed to handle this request; it has been logged",
            vec![],
        ))
    }
}

impl From<FieldError> for ApiError {
    fn from(e: FieldError) -> Self {
        Self::invalid(Invalid::from(e))
    }
}

impl From<Invalid> for ApiError {
    fn from(e: Invalid) -> Self {
        Self::invalid(e)
    }
}

impl From<Denied> for ApiError {
    fn from(e: Denied) -> Self {
        Self::forbidden(format!("your role ({}) does not allow this", e.role))
    }
}

impl From<sea_orm::DbErr> for ApiError {
    fn from(e: sea_orm::DbErr) -> Self {
        AppError::from(e).into()
    }
}

/// The one place a use case's refusal or failure becomes an HTTP status.
impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        match e {
            AppError::NotFound { entity, id } => Self::not_found(&entity, &id),
            AppError::Forbidden(why) => Self::forbidden(why),
            AppError::Invalid(invalid) => Self::invalid(invalid),
            AppError::Conflict { detail, field } => Self::conflict(detail, field.as_deref()),
            AppError::Stale { current_version } => Self::stale(current_version),
            AppError::Unmet { detail, rules } => Self::unmet(detail, rules),
            AppError::Unavailable(why) => Self::unavailable(why),
            AppError::StorageFull => Self::storage_full(),
            AppError::Internal(_) => Self::Internal(problem(
                StatusCode::INTERNAL_SERVER_ERROR,
                "the server failed to handle this request; it has been logged",
                vec![],
            )),
        }
    }
}

/// Turns any error raised outside a handler into problem+json, keeping the status
/// poem chose and naming the offending parameter or field where it is known.
pub fn problem_for_poem_error(err: poem::Error) -> Response {
    use poem_openapi::error::{
        AuthorizationError, ContentTypeError, ParseMultipartError, ParseParamError,
        ParseRequestPayloadError,
    };

    if err.is_from_response() {
        let mut resp = err.into_response();
        if resp.status() == StatusCode::UNAUTHORIZED {
            resp.headers_mut().insert(
                poem::http::header::WWW_AUTHENTICATE,
                poem::http::HeaderValue::from_static("Bearer"),
            );
        }
        return resp;
    }
    let status = err.status();
    // The spec marks `If-Match` required where the server needs it; missing, it is
    // the 428 a use case would answer, not a 400 about a parameter.
    if err
        .downcast_ref::<ParseParamError>()
        .is_some_and(|e| e.name.eq_ignore_ascii_case("If-Match"))
    {
        return problem_response(StatusCode::PRECONDITION_REQUIRED, if_match_problem().0);
    }
    let (status, detail, errors) = if let Some(e) = err.downcast_ref::<ParseParamError>() {
        (
            StatusCode::BAD_REQUEST,
            format!("parameter `{}`: {}", e.name, e.reason),
            vec![ProblemField {
                field: e.name.to_owned(),
                message: e.reason.clone(),
            }],
        )
    } else if let Some(e) = err.downcast_ref::<ParseRequestPayloadError>() {
        let field = payload_field(&e.reason);
        (
            StatusCode::BAD_REQUEST,
            format!("the request body could not be read: {}", e.reason),
            vec![ProblemField {
                field: field.unwrap_or_else(|| "body".to_owned()),
                message: e.reason.clone(),
            }],
        )
    } else if let Some(e) = err.downcast_ref::<ParseMultipartError>() {
        (StatusCode::BAD_REQUEST, e.reason.clone(), vec![])
    } else if let Some(e) = err.downcast_ref::<ContentTypeError>() {
        (StatusCode::UNSUPPORTED_MEDIA_TYPE, e.to_string(), vec![])
    } else if err.downcast_ref::<AuthorizationError>().is_some() {
        (
            StatusCode::UNAUTHORIZED,
            "this operation needs an `Authorization: Bearer <token>` header".to_owned(),
            vec![],
        )
    } else if status.is_server_error() {
        tracing::error!(cause = %err, "unhandled server error");
        (
            status,
            "the server failed to handle this request; it has been logged".to_owned(),
            vec![],
        )
    } else {
        (status, err.to_string(), vec![])
    };
    problem_response(status, problem(status, detail, errors).0)
}

/// The 428 of a change sent without `If-Match`.
fn if_match_problem() -> Json<Problem> {
    problem(
        StatusCode::PRECONDITION_REQUIRED,
        "this change needs an If-Match header with the ETag you read",
        vec![ProblemField {
            field: "If-Match".to_owned(),
            message: "missing".to_owned(),
        }],
    )
}

/// poem-openapi names the failing property in its messages as `field "x"` or in
/// serde's `missing field `x``; pull it out so the problem names the field.
fn payload_field(reason: &str) -> Option<String> {
    for (open, close) in [("field `", '`'), ("field \"", '"'), ("property \"", '"')] {
        if let Some(start) = reason.rfind(open) {
            let rest = &reason[start + open.len()..];
            if let Some(end) = rest.find(close) {
                return Some(rest[..end].to_owned());
            }
        }
    }
    None
}

pub fn problem_response(status: StatusCode, problem: Problem) -> Response {
    let body = serde_json::json!({
        "type": problem.kind,
        "title": problem.title,
        "status": problem.status,
        "detail": problem.detail,
        "errors": problem.errors.iter().map(|e| serde_json::json!({"field": e.field, "message": e.message})).collect::<Vec<_>>(),
    });
    let mut resp = Response::builder()
        .status(status)
        .content_type(PROBLEM_CONTENT_TYPE)
        .body(body.to_string());
    if status == StatusCode::UNAUTHORIZED {
        resp.headers_mut().insert(
            poem::http::header::WWW_AUTHENTICATE,
            poem::http::HeaderValue::from_static("Bearer"),
        );
    }
    resp
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use poem::IntoResponse;
    use sea_orm::{DbErr, RuntimeErr, SqlxError};

    use super::{ApiError, payload_field};

    #[test]
    fn payload_errors_name_their_field() {
        assert_eq!(
            payload_field("failed to parse \"string\": field \"email\" missing").as_deref(),
            Some("email")
        );
        assert_eq!(
            payload_field("missing field `name` at line 1").as_deref(),
            Some("name")
        );
        assert_eq!(payload_field("expected value at line 1 column 1"), None);
    }

    #[test]
    fn a_lost_connection_is_503_and_other_failures_500() {
        let status = |e: DbErr| ApiError::from(e).into_response().status().as_u16();
        let broken = || {
            RuntimeErr::SqlxError(Arc::new(SqlxError::Io(std::io::Error::from(
                std::io::ErrorKind::ConnectionReset,
            ))))
        };
        assert_eq!(status(DbErr::Query(broken())), 503);
        assert_eq!(status(DbErr::Custom("a bug".into())), 500);
    }
}
