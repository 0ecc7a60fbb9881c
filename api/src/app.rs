//! What every front running in the server reaches: the use cases' context and the
//! HTTP front's own state. Assembling and running the server is [`crate::server`].

use cxpm_app::Ctx;
use cxpm_app::directory::sign_in::SessionTimes;

use crate::auth::TokenCache;
use crate::config::ServeArgs;
use crate::metrics::Metrics;
use crate::report_cache::ReportCache;
use crate::security::AuthLimiter;

/// What every handler can reach: the use cases' context (pools, clock, public URL;
/// `state.db` reads through to it) and what only the HTTP front keeps.
#[derive(Clone)]
pub struct AppState {
    pub ctx: Ctx,
    pub tokens: TokenCache,
    /// Failed authentications per client, to refuse those that keep failing.
    pub auth_limiter: AuthLimiter,
    pub metrics: std::sync::Arc<Metrics>,
    /// The pages' settings: sessions, sign-in limits, cookies.
    pub web: WebSettings,
    /// Rendered reports kept until their program changes, and the turns to compute
    /// them.
    pub reports: std::sync::Arc<ReportCache>,
}

impl std::ops::Deref for AppState {
    type Target = Ctx;

    fn deref(&self) -> &Ctx {
        &self.ctx
    }
}

/// The pages' settings: sessions, sign-in limits, cookies. They live here, with the
/// state that holds them, so that the pages (`crate::web`) depend on this module and
/// not the other way round.
#[derive(Clone)]
pub struct WebSettings {
    pub times: SessionTimes,
    /// Sign-in link requests per client address.
    pub sign_in_limiter: AuthLimiter,
    /// Cookies are `Secure` (and `__Host-`) when people reach cxpm over https.
    pub secure: bool,
    /// `scheme://host[:port]` of the public address, for the Origin check.
    pub origin: String,
    /// The company's sign-in (OpenID Connect), when configured.
    pub oidc: Option<std::sync::Arc<crate::oidc::Oidc>>,
    /// Only the company's sign-in (and break-glass links) lets people in.
    pub oidc_only: bool,
}

impl WebSettings {
    /// An error when the company's sign-in is half configured.
    pub fn new(settings: &ServeArgs) -> anyhow::Result<Self> {
        let url = settings.public_url.trim_end_matches('/');
        let origin = match url.split_once("://") {
            Some((scheme, rest)) => format!("{scheme}://{}", rest.split('/').next().unwrap_or("")),
            None => url.to_owned(),
        };
        let oidc = crate::oidc::Oidc::from_settings(settings)?.map(std::sync::Arc::new);
        Ok(Self {
            times: SessionTimes {
                idle: chrono::Duration::minutes(i64::from(settings.session_idle_minutes.max(1))),
                absolute: chrono::Duration::hours(i64::from(settings.session_max_hours.max(1))),
            },
            sign_in_limiter: AuthLimiter::new(settings.sign_in_requests_per_minute),
            secure: url.starts_with("https://"),
            origin,
            oidc_only: oidc.is_some() && settings.sign_in == crate::config::SignIn::Oidc,
            oidc,
        })
    }
}
