//! Who is reading a page: the session cookie, resolved through the use cases, and
//! the checks every unsafe request passes — the session's CSRF token and the
//! request's origin.

use cxpm_app::directory::sign_in::{self, SignedIn};
use cxpm_domain::values::{Locale, TimeZone};
use poem::Request;
use poem::http::{HeaderValue, header};
use subtle::ConstantTimeEq;

use crate::app::AppState;
use crate::web::render::{self, PageError};
use crate::words::Words;

/// The cookie's name: `__Host-` (Secure, path `/`, no domain) over https.
pub fn cookie_name(secure: bool) -> &'static str {
    if secure {
        "__Host-cxpm_session"
    } else {
        "cxpm_session"
    }
}

/// The `Set-Cookie` value of a new session: HttpOnly, SameSite=Lax, Secure over https.
pub fn set_cookie(state: &AppState, value: &str) -> String {
    let secure = state.web.secure;
    let max_age = state.web.times.absolute.num_seconds();
    format!(
        "{}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{}",
        cookie_name(secure),
        if secure { "; Secure" } else { "" }
    )
}

/// The `Set-Cookie` value that removes the session cookie.
pub fn clear_cookie(state: &AppState) -> String {
    let secure = state.web.secure;
    format!(
        "{}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{}",
        cookie_name(secure),
        if secure { "; Secure" } else { "" }
    )
}

/// The session cookie's value, if the request carries one.
pub fn cookie(req: &Request, secure: bool) -> Option<String> {
    read_cookie(req, cookie_name(secure))
}

/// The value of cookie `name`, if the request carries it.
pub fn read_cookie(req: &Request, name: &str) -> Option<String> {
    req.headers()
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

/// The words for someone not signed in: their browser's languages.
pub fn anonymous_words(req: &Request) -> Words {
    let accept = req
        .headers()
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    Words::new(Locale::from_accept_language(accept))
}

/// A signed-in reader.
#[derive(Debug, Clone)]
pub struct Viewer {
    pub signed: SignedIn,
    pub t: Words,
    pub tz: TimeZone,
}

impl Viewer {
    pub fn actor(&self) -> &cxpm_domain::Actor {
        &self.signed.actor
    }

    pub fn csrf(&self) -> &str {
        &self.signed.session.csrf_token
    }
}

/// The reader of this request, or — not signed in — the sign-in page, which brings
/// them straight back here afterwards.
pub async fn viewer(state: &AppState, req: &Request) -> Result<Viewer, PageError> {
    let found = match cookie(req, state.web.secure) {
        Some(value) => sign_in::resolve(state, &value, state.web.times)
            .await
            .map_err(|e| PageError::app(e, anonymous_words(req)))?,
        None => None,
    };
    let Some(signed) = found else {
        let here = req
            .uri()
            .path_and_query()
            .map(|p| p.as_str())
            .unwrap_or("/");
        let next = if req.method() == poem::http::Method::GET {
            here
        } else {
            req.uri().path()
        };
        return Err(PageError::Redirect(format!(
            "/sign-in?next={}",
            render::encode(next)
        )));
    };
    let locale = Locale::parse(&signed.person.locale).unwrap_or_default();
    let tz = TimeZone::parse(&signed.person.time_zone).unwrap_or_default();
    Ok(Viewer {
        signed,
        t: Words::new(locale),
        tz,
    })
}

/// An unsafe request from a page: it carries the session's CSRF token (the form's
/// `csrf` field or htmx's `X-CSRF-Token` header) and comes from our own origin.
pub fn check(
    state: &AppState,
    req: &Request,
    viewer: &Viewer,
    form_token: Option<&str>,
) -> Result<(), PageError> {
    let header_token = req
        .headers()
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok());
    let given = form_token.or(header_token).unwrap_or("");
    let token_ok: bool = given.as_bytes().ct_eq(viewer.csrf().as_bytes()).into();
    if !token_ok || !same_origin(state, req) {
        return Err(PageError::Csrf(viewer.t));
    }
    Ok(())
}

/// The request comes from our origin: its `Origin` says so, or — a browser that
/// sends none or `null` — its `Sec-Fetch-Site` does. A client that sends neither
/// (not a browser) passes on its token alone.
pub fn same_origin(state: &AppState, req: &Request) -> bool {
    let origin = req
        .headers()
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok());
    let fetch_site = req
        .headers()
        .get("sec-fetch-site")
        .and_then(|v| v.to_str().ok());
    match (origin, fetch_site) {
        (Some(o), _) if o != "null" => o.eq_ignore_ascii_case(&state.web.origin),
        (_, Some(site)) => site == "same-origin" || site == "none",
        (Some(_), None) => false,
        (None, None) => true,
    }
}

/// The client's address, for limits and the sessions list.
pub fn client(req: &Request) -> Option<std::net::IpAddr> {
    req.remote_addr().as_socket_addr().map(|a| a.ip())
}

/// A header value, if it is one.
pub fn header_value(s: &str) -> Option<HeaderValue> {
    HeaderValue::from_str(s).ok()
}

/// Who posted form `f`, its CSRF token and origin checked.
pub async fn posted_by(
    state: &AppState,
    req: &Request,
    f: &std::collections::HashMap<String, String>,
) -> Result<Viewer, PageError> {
    let v = viewer(state, req).await?;
    check(state, req, &v, f.get("csrf").map(String::as_str))?;
    Ok(v)
}
