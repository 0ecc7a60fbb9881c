//! The JSON API's security scheme: a bearer token, resolved through the token cache
//! ([`crate::auth`]), with failed attempts counted per client.

use poem::Request;
use poem_openapi::SecurityScheme;
use poem_openapi::auth::Bearer;

use crate::app::AppState;
use crate::auth::Principal;
use crate::error::ApiError;

/// The authenticated caller of an operation.
#[derive(SecurityScheme)]
#[oai(
    ty = "bearer",
    bearer_format = "cxpm_<64 hex digits>",
    checker = "authenticate"
)]
pub struct BearerAuth(pub Principal);

async fn authenticate(req: &Request, bearer: Bearer) -> poem::Result<Principal> {
    let state = req
        .data::<AppState>()
        .ok_or_else(|| ApiError::internal(&"application state missing"))?;
    let client = req.remote_addr().as_socket_addr().map(|a| a.ip());
    if let Some(wait) = client.and_then(|ip| state.auth_limiter.blocked(ip)) {
        state.metrics.auth_refused();
        return Err(ApiError::too_many_requests(
            "too many failed authentications from this address; try again later",
            wait,
        )
        .into());
    }
    match state.tokens.resolve(state, &bearer.token).await? {
        Some(principal) => Ok(principal),
        None => {
            state.metrics.auth_failed();
            if let Some(ip) = client {
                state.auth_limiter.failed(ip);
            }
            Err(ApiError::unauthorized(
                "the access token is unknown, revoked, or belongs to a deactivated person",
            )
            .into())
        }
    }
}
