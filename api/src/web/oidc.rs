//! Signing in with the company's account (OpenID Connect), and out there too.
//!
//! `/sign-in/oidc` sends the browser to the provider with a fresh `state`, `nonce`
//! and PKCE challenge; the `state` also goes into a short cookie, so that an answer
//! carried to another browser (a forged or stolen callback) finds no match. The
//! callback takes the attempt once, exchanges the code, checks the ID token
//! ([`crate::oidc`]) and lets the use cases decide whom it opens a session for. Each
//! refusal is a page in the reader's language, saying what to do.

use askama::Template;
use cxpm_app::directory::oidc::{self, Begun, Finished, Refusal};
use cxpm_app::directory::sign_in::safe_next;
use poem::http::{StatusCode, header};
use poem::web::{Data, Query};
use poem::{Request, Response, handler};
use serde::Deserialize;

use crate::app::AppState;
use crate::web::render::{Chrome, PageError, PageResult, html, see_other};
use crate::web::session::{self, anonymous_words, client};
use crate::words::Words;

#[derive(Template)]
#[template(path = "web/oidc_refused.html")]
struct RefusedPage {
    chrome: Chrome,
    heading: String,
    message: String,
    again: String,
}

#[derive(Template)]
#[template(path = "web/signed_out.html")]
pub(crate) struct SignedOutPage {
    pub(crate) chrome: Chrome,
    pub(crate) message: String,
    pub(crate) url: String,
    pub(crate) go: String,
}

fn state_cookie_name(secure: bool) -> &'static str {
    if secure {
        "__Host-cxpm_oidc"
    } else {
        "cxpm_oidc"
    }
}

fn state_cookie(state: &AppState, value: &str, max_age: i64) -> String {
    let secure = state.web.secure;
    format!(
        "{}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{}",
        state_cookie_name(secure),
        if secure { "; Secure" } else { "" }
    )
}

fn refused(t: Words, status: StatusCode, heading: &str, message: String) -> Response {
    let page = RefusedPage {
        chrome: Chrome::anonymous(t, t.get(heading)),
        heading: t.get(heading),
        message,
        again: t.get("oidc-try-again"),
    };
    html(status, &page)
}

#[derive(Debug, Deserialize)]
pub struct StartQuery {
    next: Option<String>,
}

/// Sends the browser to the provider.
#[handler]
pub async fn start(
    req: &Request,
    state: Data<&AppState>,
    Query(q): Query<StartQuery>,
) -> PageResult {
    let t = anonymous_words(req);
    let Some(provider) = state.web.oidc.clone() else {
        return Err(PageError::app(
            cxpm_app::AppError::not_found("page", "/sign-in/oidc"),
            t,
        ));
    };
    let started = match provider.start(t.locale).await {
        Ok(s) => s,
        Err(e) => {
            tracing::error!(error = %e, "OpenID Connect sign-in could not start");
            let message = t.get("oidc-unreachable");
            return Ok(refused(
                t,
                StatusCode::SERVICE_UNAVAILABLE,
                "oidc-refused-title",
                message,
            ));
        }
    };
    let next = safe_next(q.next.as_deref());
    let begun = Begun {
        state: &started.state,
        nonce: &started.nonce,
        pkce_verifier: &started.pkce_verifier,
        next: Some(&next),
    };
    oidc::begin(&state, begun)
        .await
        .map_err(|e| PageError::app(e, t))?;
    let mut resp = see_other(&started.url);
    let max_age = oidc::ATTEMPT_TTL.num_seconds();
    if let Some(v) = session::header_value(&state_cookie(&state, &started.state, max_age)) {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(resp)
}

#[derive(Debug, Deserialize)]
pub struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
    /// The provider's issuer (RFC 9207), when it sends it.
    iss: Option<String>,
}

/// The provider's answer: whatever it comes to, the attempt's cookie is removed.
#[handler]
pub async fn callback(
    req: &Request,
    state: Data<&AppState>,
    Query(q): Query<CallbackQuery>,
) -> PageResult {
    let mut resp = answer(req, &state, q).await?;
    if let Some(v) = session::header_value(&state_cookie(&state, "", 0)) {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(resp)
}

async fn answer(req: &Request, state: &AppState, q: CallbackQuery) -> PageResult {
    let t = anonymous_words(req);
    let Some(provider) = state.web.oidc.clone() else {
        return Err(PageError::app(
            cxpm_app::AppError::not_found("page", "/sign-in/oidc/callback"),
            t,
        ));
    };
    let unusable = || {
        refused(
            t,
            StatusCode::BAD_REQUEST,
            "oidc-refused-title",
            t.get("oidc-unusable"),
        )
    };
    // The answer must come back to the browser that asked.
    let cookie = session::read_cookie(req, state_cookie_name(state.web.secure));
    let Some(given) = q.state.as_deref().filter(|s| !s.is_empty()) else {
        return Ok(unusable());
    };
    let same = cookie.as_deref().is_some_and(|c| {
        use subtle::ConstantTimeEq;
        c.as_bytes().ct_eq(given.as_bytes()).into()
    });
    if !same {
        tracing::warn!(
            "OpenID Connect answer for another browser's sign-in, or without its cookie"
        );
        return Ok(unusable());
    }
    let Some(attempt) = oidc::take(state, given)
        .await
        .map_err(|e| PageError::app(e, t))?
    else {
        tracing::warn!("OpenID Connect answer for an unknown, used or expired sign-in");
        return Ok(unusable());
    };
    // An answer from another provider than ours (a mix-up attack) is refused.
    if let Some(iss) = q.iss.as_deref()
        && !provider.is_issuer(iss)
    {
        let detail = format!("the answer names another issuer: {iss}");
        oidc::refuse(state, &attempt, Refusal::ProviderError, &detail, None, None)
            .await
            .map_err(|e| PageError::app(e, t))?;
        return Ok(unusable());
    }
    if let Some(error) = q.error.as_deref() {
        let detail = match q.error_description.as_deref() {
            Some(d) => format!("the provider answered {error}: {d}"),
            None => format!("the provider answered {error}"),
        };
        oidc::refuse(state, &attempt, Refusal::ProviderError, &detail, None, None)
            .await
            .map_err(|e| PageError::app(e, t))?;
        tracing::info!(error, "the OpenID provider answered with an error");
        let message = t.get("oidc-provider-said-no");
        return Ok(refused(
            t,
            StatusCode::FORBIDDEN,
            "oidc-refused-title",
            message,
        ));
    }
    let code = q.code.as_deref().unwrap_or_default();
    let vouched = match provider
        .finish(code, &attempt.nonce, &attempt.pkce_verifier)
        .await
    {
        Ok(v) => v,
        Err(failure) => {
            tracing::warn!(detail = %failure.detail, outcome = failure.refusal.as_str(), "OpenID Connect sign-in not believed");
            let (subject, email) = (failure.subject.as_deref(), failure.email.as_deref());
            let detail = &failure.detail;
            oidc::refuse(state, &attempt, failure.refusal, detail, subject, email)
                .await
                .map_err(|e| PageError::app(e, t))?;
            return Ok(refusal_page(t, failure.refusal, email));
        }
    };
    let agent = req
        .headers()
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok());
    let ip = client(req).map(|ip| ip.to_string());
    let email = vouched.email.clone();
    let finished = oidc::finish(
        state,
        &attempt,
        vouched,
        agent,
        ip.as_deref(),
        state.web.times,
    )
    .await
    .map_err(|e| PageError::app(e, t))?;
    match finished {
        Finished::Opened(opened) => {
            let mut resp = see_other(&opened.next_path);
            if let Some(v) = session::header_value(&session::set_cookie(state, &opened.cookie)) {
                resp.headers_mut().append(header::SET_COOKIE, v);
            }
            Ok(resp)
        }
        Finished::Refused(r) => Ok(refusal_page(t, r, Some(&email))),
    }
}

/// The page for a refused sign-in: what happened, and what to do.
fn refusal_page(t: Words, refusal: Refusal, email: Option<&str>) -> Response {
    let email = email.unwrap_or("");
    let (status, key) = match refusal {
        Refusal::UnknownPerson => (StatusCode::FORBIDDEN, "oidc-unknown-person"),
        Refusal::Deactivated => (StatusCode::FORBIDDEN, "oidc-deactivated"),
        Refusal::UnverifiedEmail => (StatusCode::FORBIDDEN, "oidc-unverified-email"),
        Refusal::NoEmail => (StatusCode::FORBIDDEN, "oidc-no-email"),
        Refusal::RefusedToken => (StatusCode::BAD_REQUEST, "oidc-refused-token"),
        // Mostly a code replayed or too old; a provider down shows at the start.
        Refusal::ProviderError => (StatusCode::BAD_REQUEST, "oidc-provider-failed"),
    };
    let message = t.with(key, &[("email", email)]);
    refused(t, status, "oidc-refused-title", message)
}
