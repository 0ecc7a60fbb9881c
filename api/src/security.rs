//! What every answer carries for the browser's sake (security headers, CORS when it is
//! configured), and the brake on clients that keep presenting bad access tokens.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use poem::http::{HeaderValue, header};
use poem::middleware::Cors;
use poem::{Endpoint, IntoResponse, Request, Response};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// The policy for everything but Swagger UI: no scripts, no framing, no outside
/// resources; the HTML reports' inline styles and inline SVG still render.
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; style-src 'unsafe-inline'; \
     img-src data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/// Adds the security headers to every answer: no MIME sniffing, no framing, no
/// referrer, and a strict content security policy (Swagger UI, which runs its own
/// scripts, keeps only the framing rule). API answers are not stored by caches.
pub async fn with_security_headers<E: Endpoint>(
    ep: Arc<E>,
    req: Request,
) -> poem::Result<Response> {
    let path = req.uri().path().to_owned();
    let mut resp = ep.call(req).await?.into_response();
    let headers = resp.headers_mut();
    let set = |headers: &mut poem::http::HeaderMap, name, value: &'static str| {
        headers
            .entry(name)
            .or_insert(HeaderValue::from_static(value));
    };
    set(headers, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(headers, header::X_FRAME_OPTIONS, "DENY");
    set(headers, header::REFERRER_POLICY, "no-referrer");
    set(
        headers,
        header::HeaderName::from_static("cross-origin-resource-policy"),
        "same-origin",
    );
    if path == "/docs" || path.starts_with("/docs/") {
        set(
            headers,
            header::CONTENT_SECURITY_POLICY,
            "frame-ancestors 'none'",
        );
    } else {
        set(
            headers,
            header::CONTENT_SECURITY_POLICY,
            CONTENT_SECURITY_POLICY,
        );
    }
    if path.starts_with("/api/") {
        set(headers, header::CACHE_CONTROL, "no-store");
    }
    Ok(resp)
}

/// CORS for the origins listed in `CXPM_CORS_ORIGINS`; `None` (no cross-origin
/// access at all, the default) when none are.
pub fn cors(origins: &[String]) -> Option<Cors> {
    let origins: Vec<&str> = origins
        .iter()
        .map(|o| o.trim().trim_end_matches('/'))
        .filter(|o| !o.is_empty())
        .collect();
    if origins.is_empty() {
        return None;
    }
    Some(
        Cors::new()
            .allow_origins(origins)
            .allow_methods(["GET", "POST", "PATCH", "PUT", "DELETE"])
            .allow_headers([
                "authorization",
                "content-type",
                "if-match",
                "if-none-match",
                "accept-language",
            ])
            .expose_headers(["etag", "location", "retry-after", "x-query-count"])
            .max_age(600),
    )
}

/// Whether two secrets are equal, in time that depends on neither: both are hashed
/// first (so their lengths do not show either) and the digests compared in constant
/// time. Access tokens need no such comparison: they are looked up by their SHA-256,
/// and how long a lookup of a hash takes says nothing useful about any token.
pub fn secrets_match(given: &str, expected: &str) -> bool {
    Sha256::digest(given.as_bytes())
        .ct_eq(&Sha256::digest(expected.as_bytes()))
        .into()
}

/// Entries at which expired windows are swept out.
const SWEEP_AT: usize = 4096;
/// The window failed attempts are counted in.
const WINDOW: Duration = Duration::from_secs(60);

/// Counts failed authentications per client address in one-minute windows. A client
/// that reaches the limit is refused (429, `Retry-After`) until its window ends,
/// without its token being looked at: a guesser learns nothing more, and the
/// database is spared.
#[derive(Clone)]
pub struct AuthLimiter {
    per_minute: u32,
    windows: Arc<Mutex<HashMap<IpAddr, (Instant, u32)>>>,
}

impl AuthLimiter {
    /// `per_minute` failures allowed per client and minute; 0 turns the limit off.
    pub fn new(per_minute: u32) -> Self {
        Self {
            per_minute,
            windows: Arc::default(),
        }
    }

    /// How long `client` must wait, if it has used up its failures.
    pub fn blocked(&self, client: IpAddr) -> Option<Duration> {
        if self.per_minute == 0 {
            return None;
        }
        let windows = self.windows.lock().ok()?;
        let (start, failures) = windows.get(&client)?;
        let elapsed = start.elapsed();
        (elapsed < WINDOW && *failures >= self.per_minute).then(|| WINDOW - elapsed)
    }

    /// Notes a failed authentication by `client`.
    pub fn failed(&self, client: IpAddr) {
        if self.per_minute == 0 {
            return;
        }
        let Ok(mut windows) = self.windows.lock() else {
            return;
        };
        if windows.len() >= SWEEP_AT {
            windows.retain(|_, (start, _)| start.elapsed() < WINDOW);
        }
        let entry = windows.entry(client).or_insert((Instant::now(), 0));
        if entry.0.elapsed() >= WINDOW {
            *entry = (Instant::now(), 0);
        }
        entry.1 = entry.1.saturating_add(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_client_is_held_back_after_its_failures_and_others_are_not() {
        let limiter = AuthLimiter::new(3);
        let (a, b): (IpAddr, IpAddr) = ([10, 0, 0, 1].into(), [10, 0, 0, 2].into());
        for _ in 0..2 {
            limiter.failed(a);
        }
        assert_eq!(limiter.blocked(a), None);
        limiter.failed(a);
        let wait = limiter.blocked(a).map(|d| d.as_secs());
        assert!(matches!(wait, Some(59 | 60)), "{wait:?}");
        assert_eq!(limiter.blocked(b), None);
        let off = AuthLimiter::new(0);
        for _ in 0..100 {
            off.failed(a);
        }
        assert_eq!(off.blocked(a), None);
    }

    #[test]
    fn secrets_match_only_when_equal() {
        assert!(secrets_match("cxpm_metrics", "cxpm_metrics"));
        assert!(!secrets_match("cxpm_metric", "cxpm_metrics"));
        assert!(!secrets_match("", "x"));
    }

    #[test]
    fn cors_is_off_without_origins() {
        assert!(cors(&[]).is_none());
        assert!(cors(&[" ".to_owned()]).is_none());
        assert!(cors(&["https://cx.example.com/".to_owned()]).is_some());
    }
}
