//! My profile (language, time zone) and my sessions.

use askama::Template;
use cxpm_app::directory::people::{self, ProfileChange};
use cxpm_app::directory::sign_in;
use cxpm_domain::values::Locale;
use poem::http::{StatusCode, header};
use poem::web::{Data, Form, Path, Query};
use poem::{Request, handler};
use serde::Deserialize;

use crate::app::AppState;
use crate::web::render::{
    Chrome, FieldErrors, PageError, PageResult, form_version, html, see_other, stale_notice, when,
};
use crate::web::session::{self, Viewer};
use crate::words::Words;

struct SessionLine {
    /// How it began: a mailed link, the company's account, a break-glass link.
    method: String,
    id: String,
    this: bool,
    agent: String,
    started: String,
    last_seen: String,
}

#[derive(Template)]
#[template(path = "web/me.html")]
struct MeView {
    chrome: Chrome,
    version: i32,
    locale: String,
    time_zone: String,
    locales: Vec<(&'static str, &'static str)>,
    errors: FieldErrors,
    saved: bool,
    sessions: Vec<SessionLine>,
}

impl MeView {
    fn is_locale(&self, code: &str) -> bool {
        self.locale == code
    }
}

#[derive(Debug, Deserialize, Default)]
pub struct Notice {
    saved: Option<String>,
}

async fn me_view(
    state: &AppState,
    v: &Viewer,
    errors: FieldErrors,
    input: Option<&ProfileForm>,
) -> Result<MeView, PageError> {
    let t = v.t;
    let sessions = sign_in::mine(state, v.actor(), state.web.times)
        .await
        .map_err(|e| PageError::app(e, t))?;
    let p = &v.signed.person;
    Ok(MeView {
        chrome: Chrome::signed(v, t.get("profile-title"), "me"),
        version: p.version,
        locale: input
            .map(|i| i.locale.clone())
            .unwrap_or_else(|| p.locale.clone()),
        time_zone: input
            .map(|i| i.time_zone.clone())
            .unwrap_or_else(|| p.time_zone.clone()),
        locales: Locale::ALL
            .iter()
            .map(|l| (l.as_str(), crate::web::value_stream::endonym(*l)))
            .collect(),
        errors,
        saved: false,
        sessions: sessions
            .into_iter()
            .map(|s| SessionLine {
                this: s.id == v.signed.session.id,
                method: t.get(match s.method.as_str() {
                    "oidc" => "sessions-via-oidc",
                    "break-glass" => "sessions-via-break-glass",
                    _ => "sessions-via-link",
                }),
                agent: device(&t, s.user_agent.as_deref().unwrap_or_default()),
                started: t.with(
                    "sessions-started",
                    &[("when", &when(&t, &v.tz, s.created_at))],
                ),
                last_seen: t.with(
                    "sessions-last-seen",
                    &[("when", &when(&t, &v.tz, s.last_seen_at))],
                ),
                id: s.id,
            })
            .collect(),
    })
}

/// My profile and sessions.
#[handler]
pub async fn page(req: &Request, state: Data<&AppState>, Query(n): Query<Notice>) -> PageResult {
    let v = session::viewer(&state, req).await?;
    let mut view = me_view(&state, &v, FieldErrors::default(), None).await?;
    view.saved = n.saved.is_some();
    Ok(html(StatusCode::OK, &view))
}

#[derive(Debug, Deserialize, Default)]
pub struct ProfileForm {
    csrf: Option<String>,
    #[serde(default)]
    version: String,
    #[serde(default)]
    locale: String,
    #[serde(default)]
    time_zone: String,
}

/// Saves my language and time zone.
#[handler]
pub async fn save(req: &Request, state: Data<&AppState>, Form(f): Form<ProfileForm>) -> PageResult {
    let v = session::viewer(&state, req).await?;
    session::check(&state, req, &v, f.csrf.as_deref())?;
    let expected = form_version(&f.version);
    let change = ProfileChange {
        locale: Locale::parse(&f.locale).ok(),
        time_zone: Some(f.time_zone.clone()),
    };
    match people::change_profile(&state, v.actor(), &expected, change).await {
        Ok(_) => Ok(see_other("/me?saved=1")),
        Err(e) => match FieldErrors::from_app(&e, &v.t) {
            Some(errors) => {
                let view = me_view(&state, &v, errors, Some(&f)).await?;
                Ok(html(StatusCode::UNPROCESSABLE_ENTITY, &view))
            }
            None if matches!(e, cxpm_app::AppError::Stale { .. }) => {
                let mut errors = FieldErrors::default();
                let notice = stale_notice(&state, &v, "person", &v.signed.person.id).await?;
                errors.0.push(("version".into(), notice));
                let view = me_view(&state, &v, errors, Some(&f)).await?;
                Ok(html(StatusCode::CONFLICT, &view))
            }
            None => Err(PageError::app(e, v.t)),
        },
    }
}

#[derive(Debug, Deserialize)]
pub struct CsrfForm {
    csrf: Option<String>,
}

/// Ends one of my sessions.
#[handler]
pub async fn end(
    req: &Request,
    state: Data<&AppState>,
    Path(id): Path<String>,
    Form(f): Form<CsrfForm>,
) -> PageResult {
    let v = session::viewer(&state, req).await?;
    session::check(&state, req, &v, f.csrf.as_deref())?;
    sign_in::end(&state, v.actor(), &id)
        .await
        .map_err(|e| PageError::app(e, v.t))?;
    if id == v.signed.session.id {
        return Ok(signed_out(&state));
    }
    Ok(see_other("/me#sessions"))
}

/// Ends every one of my sessions, this one included.
#[handler]
pub async fn end_all(req: &Request, state: Data<&AppState>, Form(f): Form<CsrfForm>) -> PageResult {
    let v = session::viewer(&state, req).await?;
    session::check(&state, req, &v, f.csrf.as_deref())?;
    sign_in::end_all(&state, v.actor())
        .await
        .map_err(|e| PageError::app(e, v.t))?;
    Ok(signed_out(&state))
}

fn signed_out(state: &AppState) -> poem::Response {
    let mut resp = see_other("/sign-in?notice=signed-out");
    if let Some(v) = session::header_value(&session::clear_cookie(state)) {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    resp
}

/// A session's browser and system in a reader's words ("Chrome on Android", "WeChat on
/// iPhone"), from its User-Agent; the in-app browsers of the chat apps mail and chat
/// links are opened in come first, as they also name the browser they are built on.
fn device(t: &Words, agent: &str) -> String {
    const BROWSERS: [(&str, &str); 9] = [
        ("MicroMessenger", "WeChat"),
        ("DingTalk", "DingTalk"),
        ("Lark", "Feishu"),
        ("Teams", "Teams"),
        ("Edg", "Edge"),
        ("Firefox", "Firefox"),
        ("Chrome", "Chrome"),
        ("Chromium", "Chromium"),
        ("Safari", "Safari"),
    ];
    const SYSTEMS: [(&str, &str); 7] = [
        ("Android", "Android"),
        ("iPhone", "iPhone"),
        ("iPad", "iPad"),
        ("Windows", "Windows"),
        ("Mac OS X", "macOS"),
        ("CrOS", "ChromeOS"),
        ("Linux", "Linux"),
    ];
    let browser = BROWSERS
        .iter()
        .find(|(k, _)| agent.contains(k))
        .map(|(_, n)| *n);
    let os = SYSTEMS
        .iter()
        .find(|(k, _)| agent.contains(k))
        .map(|(_, n)| *n);
    match (browser, os) {
        (Some(b), Some(o)) => t.with("sessions-device", &[("browser", b), ("os", o)]),
        (Some(n), None) | (None, Some(n)) => n.to_owned(),
        (None, None) => t.get("sessions-unknown-device"),
    }
}

#[cfg(test)]
mod tests {
    use cxpm_domain::values::Locale;

    use super::*;

    #[test]
    fn a_session_names_its_browser_and_system() {
        let en = Words::new(Locale::En);
        let android = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Mobile Safari/537.36";
        assert_eq!(device(&en, android), "Chrome on Android");
        let wechat = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.47";
        assert_eq!(
            device(&Words::new(Locale::ZhCn), wechat),
            "iPhone 上的 WeChat"
        );
        let edge = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36 Edg/131.0";
        assert_eq!(device(&Words::new(Locale::PtBr), edge), "Edge no Windows");
        assert_eq!(device(&en, "curl/8.5"), "Unknown browser");
    }
}
