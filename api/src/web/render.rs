//! Page responses: the headers every page carries, redirects, the error pages, and
//! the pieces every page shares (the chrome: title, navigation, assets, CSRF token).

use askama::Template;
use chrono::{DateTime, NaiveDate, Utc};
use cxpm_app::{AppError, Ctx, Expect};
use cxpm_domain::values::TimeZone;
use poem::http::{StatusCode, header};
use poem::{IntoResponse, Response};

use crate::web::ASSETS;
use crate::web::messages;
use crate::web::session::Viewer;
use crate::words::Words;

/// Pages load only our own script and style, post only to us, and are never framed
/// or cached.
const PAGE_CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// What every page shows around its content.
#[derive(Debug, Clone)]
pub struct Chrome {
    pub t: Words,
    pub title: String,
    /// Set when someone is signed in: their name and the session's CSRF token.
    pub nav: Option<Nav>,
    pub css: &'static str,
    pub htmx: &'static str,
    /// Which navigation item is this page.
    pub here: &'static str,
}

#[derive(Debug, Clone)]
pub struct Nav {
    pub name: String,
    pub csrf: String,
    /// The reader runs the directory: the admin pages are in the navigation.
    pub admin: bool,
}

impl Chrome {
    pub fn anonymous(t: Words, title: String) -> Self {
        Self {
            t,
            title,
            nav: None,
            css: &ASSETS.css.url,
            htmx: &ASSETS.htmx.url,
            here: "",
        }
    }

    pub fn signed(v: &Viewer, title: String, here: &'static str) -> Self {
        Self {
            nav: Some(Nav {
                name: v.signed.person.name.clone(),
                csrf: v.csrf().to_owned(),
                admin: v.actor().role == cxpm_domain::Role::Admin,
            }),
            here,
            ..Self::anonymous(v.t, title)
        }
    }

    pub fn lang(&self) -> &'static str {
        self.t.locale.as_str()
    }

    /// The CSRF token, for forms and htmx.
    pub fn csrf(&self) -> &str {
        self.nav.as_ref().map(|n| n.csrf.as_str()).unwrap_or("")
    }
}

/// A rendered page with the pages' headers.
pub fn html(status: StatusCode, page: &impl Template) -> Response {
    match page.render() {
        Ok(body) => with_headers(
            Response::builder()
                .status(status)
                .content_type("text/html; charset=utf-8")
                .body(body),
        ),
        Err(e) => {
            tracing::error!(error = %e, "a page did not render");
            with_headers(
                Response::builder()
                    .status(StatusCode::INTERNAL_SERVER_ERROR)
                    .content_type("text/plain; charset=utf-8")
                    .body("cxpm could not show this page."),
            )
        }
    }
}

fn with_headers(mut resp: Response) -> Response {
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        header::HeaderValue::from_static(PAGE_CSP),
    );
    h.insert(
        header::REFERRER_POLICY,
        header::HeaderValue::from_static("same-origin"),
    );
    h.insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    h.insert(
        header::VARY,
        header::HeaderValue::from_static("Cookie, HX-Request"),
    );
    resp
}

/// 303 See Other: after a form, the page to show.
pub fn see_other(to: &str) -> Response {
    with_headers(
        Response::builder()
            .status(StatusCode::SEE_OTHER)
            .header(header::LOCATION, to)
            .finish(),
    )
}

/// Percent-encodes `s` for a query value.
pub fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Why a page is not shown as asked.
#[derive(Debug)]
pub enum PageError {
    /// Go there instead (not signed in: the sign-in page).
    Redirect(String),
    /// A form without the session's token, or from elsewhere.
    Csrf(Words),
    /// The use case refused or failed.
    App(AppError, Words),
}

impl PageError {
    pub fn app(e: AppError, t: Words) -> Self {
        Self::App(e, t)
    }
}

#[derive(Template)]
#[template(path = "web/error.html")]
struct ErrorPage {
    chrome: Chrome,
    heading: String,
    message: String,
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let (status, t, heading, message) = match self {
            PageError::Redirect(to) => return see_other(&to),
            PageError::Csrf(t) => (
                StatusCode::FORBIDDEN,
                t,
                t.get("error-forbidden-title"),
                t.get("error-csrf"),
            ),
            PageError::App(e, t) => {
                // A refusal of what was asked (a conflict, a rule, a stale version, a
                // mistake no form showed) is the reader's to know, never a 500.
                let refused = match &e {
                    AppError::Conflict { detail, .. } | AppError::Unmet { detail, .. } => {
                        Some((StatusCode::CONFLICT, messages::localized(&t, detail)))
                    }
                    AppError::Stale { .. } => {
                        Some((StatusCode::CONFLICT, t.get("error-stale-title")))
                    }
                    AppError::Invalid(invalid) => Some((
                        StatusCode::UNPROCESSABLE_ENTITY,
                        invalid
                            .0
                            .iter()
                            .map(|f| {
                                format!("{}: {}", f.field, messages::localized(&t, &f.message))
                            })
                            .collect::<Vec<_>>()
                            .join("; "),
                    )),
                    _ => None,
                };
                if let Some((status, message)) = refused {
                    let heading = t.get("error-refused-title");
                    let page = ErrorPage {
                        chrome: Chrome::anonymous(t, heading.clone()),
                        heading,
                        message,
                    };
                    return html(status, &page);
                }
                let (status, heading, message) = match e {
                    AppError::Forbidden(_) => (
                        StatusCode::FORBIDDEN,
                        "error-forbidden-title",
                        "error-forbidden",
                    ),
                    AppError::NotFound { .. } => (
                        StatusCode::NOT_FOUND,
                        "error-not-found-title",
                        "error-not-found",
                    ),
                    AppError::Unavailable(_) | AppError::StorageFull => (
                        StatusCode::SERVICE_UNAVAILABLE,
                        "error-internal",
                        "error-unavailable",
                    ),
                    _ => (
                        StatusCode::INTERNAL_SERVER_ERROR,
                        "error-internal",
                        "error-internal",
                    ),
                };
                (status, t, t.get(heading), t.get(message))
            }
        };
        let page = ErrorPage {
            chrome: Chrome::anonymous(t, heading.clone()),
            heading,
            message,
        };
        html(status, &page)
    }
}

impl From<PageError> for poem::Error {
    fn from(e: PageError) -> Self {
        poem::Error::from_response(e.into_response())
    }
}

/// A page's outcome: a response, or why not.
pub type PageResult = Result<Response, PageError>;

/// A day as people write it in `t`'s language.
pub fn day(t: &Words, d: NaiveDate) -> String {
    t.day(d)
}

/// A moment in the reader's time zone.
pub fn when(t: &Words, tz: &TimeZone, at: DateTime<Utc>) -> String {
    let local = at.with_timezone(&tz.tz());
    format!("{} {}", day(t, local.date_naive()), local.format("%H:%M"))
}

/// The version a form was read at (its hidden `version` field), for the use case to
/// check: one that does not parse matches nothing, so the form comes back stale.
pub fn form_version(raw: &str) -> Expect {
    Expect::OneOf(raw.trim().parse::<i32>().into_iter().collect())
}

/// What a stale form says: who changed `entity` `id` last, and when, in the reader's
/// words and zone.
pub async fn stale_notice(
    ctx: &Ctx,
    v: &Viewer,
    entity: &str,
    id: &str,
) -> Result<String, PageError> {
    let (who, at) = cxpm_app::work::last_change(ctx, entity, id)
        .await
        .map_err(|e| PageError::app(e, v.t))?
        .unwrap_or_default();
    Ok(v.t.with(
        "error-stale",
        &[("who", &who), ("when", &when(&v.t, &v.tz, at))],
    ))
}

/// A form field's error, in the reader's words when it is one of ours.
#[derive(Debug, Clone, Default)]
pub struct FieldErrors(pub Vec<(String, String)>);

impl FieldErrors {
    /// The field errors of `e`, each in the reader's words.
    pub fn from_app(e: &AppError, t: &Words) -> Option<Self> {
        match e {
            AppError::Invalid(invalid) => Some(Self(
                invalid
                    .0
                    .iter()
                    .map(|f| (f.field.clone(), messages::localized(t, &f.message)))
                    .collect(),
            )),
            _ => None,
        }
    }

    /// The error of `field`, if any.
    pub fn of(&self, field: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(f, _)| f == field)
            .map(|(_, m)| m.as_str())
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Errors of fields the form does not show.
    pub fn others(&self, shown: &[&str]) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(f, _)| !shown.contains(&f.as_str()))
            .map(|(_, m)| m.as_str())
            .collect()
    }
}

/// A form posted as a map (the pages of many small forms): field `name`, `""` when
/// absent.
pub fn field<'a>(f: &'a std::collections::HashMap<String, String>, name: &str) -> &'a str {
    f.get(name).map(String::as_str).unwrap_or_default()
}

/// Field `name` trimmed; none when blank.
pub fn optional(f: &std::collections::HashMap<String, String>, name: &str) -> Option<String> {
    Some(field(f, name).trim().to_owned()).filter(|s| !s.is_empty())
}

/// A form that came back to its page refused: which form it was, what was typed (so
/// nothing is lost), each field's error beside it, and a refusal no field explains
/// (a conflict, a stale version) above the form. Pages with many small forms (the
/// value-stream editor, the matrix, the reminders) show it on the form it names.
#[derive(Debug, Clone, Default)]
pub struct Posted {
    pub form: String,
    pub fields: std::collections::HashMap<String, String>,
    pub errors: FieldErrors,
    pub notice: Option<String>,
}

impl Posted {
    /// What form `form` shows in `field`: what was typed when it came back, else
    /// `stored`.
    pub fn val(&self, form: &str, field: &str, stored: &str) -> String {
        match self.fields.get(field) {
            Some(typed) if self.form == form => typed.clone(),
            _ => stored.to_owned(),
        }
    }

    /// The error beside `field` of `form`.
    pub fn err(&self, form: &str, field: &str) -> Option<&str> {
        (self.form == form).then(|| self.errors.of(field)).flatten()
    }

    /// Did `form` come back (to open its `<details>`)?
    pub fn is(&self, form: &str) -> bool {
        !self.form.is_empty() && self.form == form
    }

    /// What `form` says above its fields: a refusal, or errors of fields it does
    /// not show.
    pub fn notice_of<'a>(&self, form: &str, shown: impl AsRef<[&'a str]>) -> Vec<String> {
        if self.form != form {
            return Vec::new();
        }
        let mut out: Vec<String> = self.notice.iter().cloned().collect();
        out.extend(
            self.errors
                .others(shown.as_ref())
                .into_iter()
                .map(str::to_owned),
        );
        out
    }

    /// Form `form`, typed as `fields`, refused with `e`: a mistake or a refusal the
    /// reader can act on comes back to the page (422 or 409), anything else is an
    /// error page.
    pub async fn refused(
        ctx: &Ctx,
        v: &Viewer,
        form: &str,
        fields: std::collections::HashMap<String, String>,
        e: AppError,
        stale: Option<(&str, &str)>,
    ) -> Result<(StatusCode, Self), PageError> {
        let mut posted = Self {
            form: form.to_owned(),
            fields,
            ..Self::default()
        };
        let status = match &e {
            AppError::Invalid(_) => {
                posted.errors = FieldErrors::from_app(&e, &v.t).unwrap_or_default();
                StatusCode::UNPROCESSABLE_ENTITY
            }
            AppError::Conflict { detail, field } => {
                let message = messages::localized(&v.t, detail);
                match field {
                    Some(f) => posted.errors.0.push((f.clone(), message)),
                    None => posted.notice = Some(message),
                }
                StatusCode::CONFLICT
            }
            AppError::Unmet { detail, .. } => {
                posted.notice = Some(messages::localized(&v.t, detail));
                StatusCode::CONFLICT
            }
            AppError::Stale { .. } => {
                posted.notice = Some(match stale {
                    Some((entity, id)) => stale_notice(ctx, v, entity, id).await?,
                    None => v.t.get("error-stale-title"),
                });
                StatusCode::CONFLICT
            }
            _ => return Err(PageError::app(e, v.t)),
        };
        Ok((status, posted))
    }
}

#[cfg(test)]
mod refusal_tests {
    use cxpm_domain::values::Locale;

    use super::*;

    #[test]
    fn a_refusal_is_the_readers_to_know_never_a_500() {
        let t = Words::new(Locale::ZhCn);
        let conflict = AppError::conflict("a round is already open on this relationship", None);
        let resp = PageError::app(conflict, t).into_response();
        assert_eq!(resp.status(), StatusCode::CONFLICT);
        let stale = PageError::app(AppError::stale(3), t).into_response();
        assert_eq!(stale.status(), StatusCode::CONFLICT);
        let invalid = AppError::from(cxpm_domain::FieldError::new("name", "must not be empty"));
        let resp = PageError::app(invalid, t).into_response();
        assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let broken = PageError::app(AppError::Internal("x".into()), t).into_response();
        assert_eq!(broken.status(), StatusCode::INTERNAL_SERVER_ERROR);
    }
}
