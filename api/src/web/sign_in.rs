//! Signing in by a one-time link, and out.
//!
//! Opening a link (GET) never uses it up: mail scanners and chat previews fetch
//! links. It shows one button that posts the token; the session starts there, and
//! the browser goes on to the page the link was for.

use askama::Template;
use cxpm_app::directory::sign_in::{self, LinkMail, safe_next};
use cxpm_domain::values::Locale;
use poem::http::{StatusCode, header};
use poem::web::{Data, Form, Query};
use poem::{Request, Response, handler};
use serde::Deserialize;

use crate::app::AppState;
use crate::web::render::{self, Chrome, PageError, PageResult, html, see_other};
use crate::web::session::{self, anonymous_words, client};
use crate::words::Words;

#[derive(Template)]
#[template(path = "web/sign_in.html")]
struct SignInPage {
    chrome: Chrome,
    next: String,
    email: String,
    error: Option<String>,
    notice: Option<String>,
    /// The company's sign-in button's words, when OpenID Connect is configured.
    oidc: Option<String>,
    next_encoded: String,
    /// Mailed links are offered (not with `CXPM_SIGN_IN=oidc`).
    links: bool,
}

#[derive(Template)]
#[template(path = "web/sign_in_sent.html")]
struct SentPage {
    chrome: Chrome,
    sent: String,
    next_encoded: String,
}

#[derive(Template)]
#[template(path = "web/link.html")]
struct LinkPage {
    chrome: Chrome,
    token: String,
}

#[derive(Debug, Deserialize, Default)]
pub struct NextQuery {
    next: Option<String>,
    /// Set after signing out, or after a link that could not be used.
    notice: Option<String>,
}

fn sign_in_page(
    state: &AppState,
    t: Words,
    next: &str,
    email: &str,
    error: Option<String>,
    notice: Option<String>,
) -> SignInPage {
    let oidc = state.web.oidc.as_ref().map(|o| match &o.name {
        Some(name) => t.with("oidc-sign-in-with", &[("name", name)]),
        None => t.get("oidc-sign-in-company"),
    });
    SignInPage {
        chrome: Chrome::anonymous(t, t.get("sign-in-title")),
        next: next.to_owned(),
        email: email.to_owned(),
        error,
        notice,
        oidc,
        next_encoded: render::encode(next),
        links: !state.web.oidc_only,
    }
}

/// The sign-in form.
#[handler]
pub fn form(req: &Request, state: Data<&AppState>, Query(q): Query<NextQuery>) -> Response {
    let t = anonymous_words(req);
    let notice = match q.notice.as_deref() {
        Some("signed-out") => Some(t.get("signed-out")),
        Some("unusable") => Some(t.get("sign-in-link-unusable")),
        _ => None,
    };
    let next = safe_next(q.next.as_deref());
    html(
        StatusCode::OK,
        &sign_in_page(&state, t, &next, "", None, notice),
    )
}

#[derive(Debug, Deserialize)]
pub struct LinkRequest {
    #[serde(default)]
    email: String,
    next: Option<String>,
}

/// Mails a sign-in link; the answer never tells whether the address is known.
#[handler]
pub async fn request(
    req: &Request,
    state: Data<&AppState>,
    body: Option<Form<LinkRequest>>,
) -> PageResult {
    let t = anonymous_words(req);
    let Some(Form(f)) = body else {
        return Ok(html(
            StatusCode::BAD_REQUEST,
            &sign_in_page(&state, t, "/", "", None, None),
        ));
    };
    let next = safe_next(f.next.as_deref());
    if !session::same_origin(&state, req) {
        return Err(PageError::Csrf(t));
    }
    if state.web.oidc_only {
        let error = Some(t.get("sign-in-links-off"));
        let page = sign_in_page(&state, t, &next, &f.email, error, None);
        return Ok(html(StatusCode::FORBIDDEN, &page));
    }
    if let Some(ip) = client(req) {
        if state.web.sign_in_limiter.blocked(ip).is_some() {
            let error = Some(t.get("sign-in-too-many"));
            let page = sign_in_page(&state, t, &next, &f.email, error, None);
            return Ok(html(StatusCode::TOO_MANY_REQUESTS, &page));
        }
        state.web.sign_in_limiter.failed(ip);
    }
    let asked = sign_in::request_link(&state, &f.email, Some(&next), link_mail).await;
    match asked {
        Ok(()) => {
            let page = SentPage {
                chrome: Chrome::anonymous(t, t.get("sign-in-sent-title")),
                sent: t.with("sign-in-sent", &[("email", f.email.trim())]),
                next_encoded: render::encode(&next),
            };
            Ok(html(StatusCode::OK, &page))
        }
        Err(cxpm_app::AppError::Invalid(invalid)) => {
            let message = invalid.0.first().map(|e| e.message.clone());
            let page = sign_in_page(&state, t, &next, &f.email, message, None);
            Ok(html(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
        Err(e) => Err(PageError::app(e, t)),
    }
}

/// The sign-in mail's HTML part (askama escapes every value).
#[derive(Template)]
#[template(path = "mail/sign_in.html")]
struct LinkMailHtml<'a> {
    lang: &'a str,
    greeting: &'a str,
    body: &'a str,
    url: &'a str,
    button: String,
    ignore: &'a str,
}

/// The sign-in mail, in the person's language.
fn link_mail(person: &cxpm_app::store::person::Model, locale: Locale, url: &str) -> LinkMail {
    let t = Words::new(locale);
    let greeting = t.with("mail-sign-in-greeting", &[("name", &person.name)]);
    let body = t.get("mail-sign-in-body");
    let ignore = t.get("mail-sign-in-ignore");
    let text = format!("{greeting}\n\n{body}\n\n{url}\n\n{ignore}\n");
    let page = LinkMailHtml {
        lang: locale.as_str(),
        greeting: &greeting,
        body: &body,
        url,
        button: t.get("sign-in-continue"),
        ignore: &ignore,
    };
    let html = page.render().unwrap_or_else(|e| {
        tracing::error!(error = %e, "the sign-in mail's HTML did not render");
        String::new()
    });
    LinkMail {
        subject: t.get("mail-sign-in-subject"),
        text,
        html,
    }
}

#[derive(Debug, Deserialize)]
pub struct TokenQuery {
    token: Option<String>,
}

/// A sign-in link opened: a button that posts it.
#[handler]
pub fn landing(req: &Request, Query(q): Query<TokenQuery>) -> Response {
    let t = anonymous_words(req);
    let page = LinkPage {
        chrome: Chrome::anonymous(t, t.get("sign-in-link-title")),
        token: q.token.unwrap_or_default(),
    };
    html(StatusCode::OK, &page)
}

#[derive(Debug, Deserialize)]
pub struct TokenForm {
    #[serde(default)]
    token: String,
}

/// Uses the link: starts the session, sets its cookie, goes on to the page.
#[handler]
pub async fn open(
    req: &Request,
    state: Data<&AppState>,
    body: Option<Form<TokenForm>>,
) -> PageResult {
    let t = anonymous_words(req);
    if !session::same_origin(&state, req) {
        return Err(PageError::Csrf(t));
    }
    let token = body.map(|Form(f)| f.token).unwrap_or_default();
    let agent = req
        .headers()
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok());
    let ip = client(req).map(|ip| ip.to_string());
    let times = state.web.times;
    let opened = sign_in::open(
        &state,
        &token,
        agent,
        ip.as_deref(),
        times,
        state.web.oidc_only,
    )
    .await
    .map_err(|e| PageError::app(e, t))?;
    let Some(opened) = opened else {
        return Ok(see_other("/sign-in?notice=unusable"));
    };
    let mut resp = see_other(&opened.next_path);
    if let Some(v) = session::header_value(&session::set_cookie(&state, &opened.cookie)) {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(resp)
}

#[derive(Debug, Deserialize)]
pub struct CsrfForm {
    csrf: Option<String>,
}

/// Ends this browser's session.
#[handler]
pub async fn sign_out(
    req: &Request,
    state: Data<&AppState>,
    body: Option<Form<CsrfForm>>,
) -> PageResult {
    let viewer = session::viewer(&state, req).await?;
    let token = body.and_then(|Form(f)| f.csrf);
    session::check(&state, req, &viewer, token.as_deref())?;
    let id = viewer.signed.session.id.clone();
    sign_in::end(&state, viewer.actor(), &id)
        .await
        .map_err(|e| PageError::app(e, viewer.t))?;
    // Signed in with the company's account: signed out there too, when the provider
    // offers it. A page, not a redirect: the form may post only to us.
    let t = viewer.t;
    let there = match (&state.web.oidc, &viewer.signed.session.id_token) {
        (Some(provider), Some(token)) => provider.end_session_url(token, t.locale).await,
        _ => None,
    };
    let mut resp = match there {
        Some(url) => {
            let page = crate::web::oidc::SignedOutPage {
                chrome: Chrome::anonymous(t, t.get("signed-out-title")),
                message: t.get("oidc-signing-out-there"),
                url,
                go: t.get("oidc-sign-out-there"),
            };
            html(StatusCode::OK, &page)
        }
        None => see_other("/sign-in?notice=signed-out"),
    };
    if let Some(v) = session::header_value(&session::clear_cookie(&state)) {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(resp)
}
