//! `Idempotency-Key` on the API's POSTs (the IETF httpapi draft): a client that
//! retries a POST after a lost answer sends the same key and gets the first answer —
//! status, body, `Location`, `ETag` — never a second row. While the first request
//! still runs, a retry gets 409; the same key with another request (method, path or
//! body) is 422. Keys are kept 24 hours per person (the bearer token's); the rules
//! are `cxpm_app::idempotency`'s. A request without the header is served as ever.

use std::sync::Arc;

use cxpm_app::idempotency::{self, Claim};
use cxpm_domain::FieldError;
use poem::http::{HeaderValue, StatusCode, header};
use poem::{Body, Endpoint, IntoResponse, Request, Response};
use sha2::{Digest, Sha256};

use crate::app::AppState;
use crate::error::ApiError;

/// The request header.
pub const HEADER: &str = "idempotency-key";

/// The headers of an answer a retry gets again.
const KEPT_HEADERS: [header::HeaderName; 3] =
    [header::CONTENT_TYPE, header::LOCATION, header::ETAG];

/// A key as the draft allows it: 1 to 255 visible ASCII characters.
fn checked_key(raw: &HeaderValue) -> Result<String, ApiError> {
    let key = raw.to_str().unwrap_or("").trim();
    if key.is_empty() || key.len() > 255 || !key.chars().all(|c| c.is_ascii_graphic()) {
        let e = FieldError::new(
            "Idempotency-Key",
            "must be 1 to 255 visible ASCII characters (a UUID, say)",
        );
        return Err(ApiError::bad_request(e.to_string(), vec![e.into()]));
    }
    Ok(key.to_owned())
}

fn problem(e: ApiError) -> poem::Result<Response> {
    Ok(e.into_response())
}

/// Serves a POST of the API with an `Idempotency-Key` once per key and person.
pub async fn idempotent<E: Endpoint>(
    ep: Arc<E>,
    mut req: Request,
    state: AppState,
) -> poem::Result<Response> {
    let key = match req.headers().get(HEADER) {
        Some(raw)
            if req.method() == poem::http::Method::POST
                && req.uri().path().starts_with("/api/") =>
        {
            match checked_key(raw) {
                Ok(k) => k,
                Err(e) => return problem(e),
            }
        }
        _ => return ep.call(req).await.map(IntoResponse::into_response),
    };
    // Keys are the caller's: without a valid token the operation answers 401 itself.
    let token = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .map(str::to_owned);
    let principal = match token {
        Some(t) => state.tokens.resolve(&state, &t).await.ok().flatten(),
        None => None,
    };
    let Some(principal) = principal else {
        return ep.call(req).await.map(IntoResponse::into_response);
    };
    let person = principal.actor.person_id.clone();
    let body = req.take_body().into_bytes().await?;
    let mut hash = Sha256::new();
    hash.update(req.method().as_str());
    hash.update(b" ");
    hash.update(req.uri().path_and_query().map(|p| p.as_str()).unwrap_or(""));
    hash.update(b"\n");
    hash.update(&body);
    let fingerprint: String = hash.finalize().iter().map(|b| format!("{b:02x}")).collect();
    match idempotency::claim(&state, &person, &key, &fingerprint)
        .await
        .map_err(|e| ApiError::from(cxpm_app::AppError::from(e)))?
    {
        Claim::First => {}
        Claim::Answered(kept) => return Ok(replay(kept)),
        Claim::Running => {
            return problem(ApiError::conflict(
                "a request with this Idempotency-Key is still being processed; retry when it has answered",
                Some("Idempotency-Key"),
            ));
        }
        Claim::Mismatch => {
            let e = FieldError::new(
                "Idempotency-Key",
                "was already used for a different request (method, path or body); use a new key",
            );
            return problem(ApiError::invalid(cxpm_domain::Invalid(vec![e])));
        }
    }
    req.set_body(Body::from(body));
    let resp = match ep.call(req).await {
        Ok(r) => r.into_response(),
        Err(e) => e.into_response(),
    };
    let status = resp.status();
    if status.is_server_error() {
        idempotency::release(&state, &person, &key).await.ok();
        return Ok(resp);
    }
    let (parts, body) = resp.into_parts();
    let bytes = body.into_bytes().await?;
    let kept: serde_json::Map<String, serde_json::Value> = KEPT_HEADERS
        .iter()
        .filter_map(|h| {
            parts
                .headers
                .get(h)
                .and_then(|v| v.to_str().ok())
                .map(|v| (h.as_str().to_owned(), serde_json::Value::from(v)))
        })
        .collect();
    if let Err(e) = idempotency::finish(
        &state,
        &person,
        &key,
        status.as_u16(),
        &serde_json::Value::Object(kept).to_string(),
        &String::from_utf8_lossy(&bytes),
    )
    .await
    {
        // The answer stands; a retry finds the claim and, after a while, takes it over.
        tracing::warn!(error = %e, "an idempotency key's answer was not kept");
    }
    Ok(Response::from_parts(parts, Body::from(bytes)))
}

/// The kept answer again, marked as such.
fn replay(kept: cxpm_app::store::idempotency_key::Model) -> Response {
    let status = kept
        .status
        .and_then(|s| u16::try_from(s).ok())
        .and_then(|s| StatusCode::from_u16(s).ok())
        .unwrap_or(StatusCode::OK);
    let mut resp = Response::builder()
        .status(status)
        .header("idempotent-replayed", "true");
    let headers: serde_json::Value = kept
        .headers
        .as_deref()
        .and_then(|h| serde_json::from_str(h).ok())
        .unwrap_or_default();
    if let Some(map) = headers.as_object() {
        for (name, value) in map {
            if let Some(v) = value.as_str() {
                resp = resp.header(name.as_str(), v);
            }
        }
    }
    resp.body(kept.body.unwrap_or_default())
}
