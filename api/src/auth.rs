//! Bearer-token authentication.
//!
//! A token is `cxpm_` followed by 64 hex digits (256 random bits). Only its SHA-256
//! is stored, so a leaked database does not leak usable tokens, and a lookup by hash
//! leaks nothing through timing that would help guess a token. Resolved tokens are
//! cached for [`CACHE_TTL`]: a revocation or deactivation on this server takes effect
//! at once, on another replica within that time.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use cxpm_app::Ctx;
use cxpm_app::directory::tokens;
use cxpm_domain::{Actor, Role};

use crate::error::ApiError;

/// How long a resolved token is trusted without asking the database again.
pub const CACHE_TTL: Duration = Duration::from_secs(10);

/// Cache size at which expired entries are swept out.
const CACHE_SWEEP_AT: usize = 1024;

/// Who is calling, and with which token.
#[derive(Debug, Clone)]
pub struct Principal {
    pub actor: Actor,
    pub token_id: String,
    /// The person's own language, for words the API writes (a schedule's description,
    /// a report page): it comes before `Accept-Language`.
    pub locale: cxpm_domain::values::Locale,
    /// The person's time zone, for times on pages.
    pub time_zone: cxpm_domain::values::TimeZone,
}

/// A fresh random token; show it to its owner once and store only [`hash_token`].
pub use cxpm_app::directory::tokens::{generate_token, hash_token};

/// Resolved tokens by hash.
#[derive(Clone, Default)]
pub struct TokenCache {
    inner: Arc<Mutex<HashMap<String, (Principal, Instant)>>>,
}

impl TokenCache {
    /// The principal behind `token`, or `None` if it is unknown, revoked, or its
    /// person is inactive.
    ///
    /// Looks it up through the context's read pool; records its last use, by the
    /// context's clock, beside the request.
    pub async fn resolve(&self, ctx: &Ctx, token: &str) -> Result<Option<Principal>, ApiError> {
        let hash = hash_token(token);
        if let Some(p) = self.cached(&hash) {
            return Ok(Some(p));
        }
        let Some((token, person)) = tokens::bearer(ctx, &hash).await? else {
            return Ok(None);
        };
        let role: Role = *person.role;
        // Last use is kept to the cache's resolution: one write per token per TTL,
        // not one per request. It is bookkeeping: it happens beside the request, and a
        // database that cannot take it now (locked elsewhere) delays and fails nothing.
        let (ctx, token_id, now) = (ctx.clone(), token.id.clone(), ctx.now());
        tokio::spawn(async move {
            if let Err(e) = tokens::record_use(&ctx, &token_id, now).await {
                tracing::debug!(error = %e, "a token's last use was not recorded");
            }
        });
        let principal = Principal {
            actor: Actor {
                person_id: person.id,
                role,
                department_id: person.department_id,
            },
            token_id: token.id,
            locale: cxpm_domain::values::Locale::parse(&person.locale).unwrap_or_default(),
            time_zone: cxpm_domain::values::TimeZone::parse(&person.time_zone).unwrap_or_default(),
        };
        if let Ok(mut map) = self.inner.lock() {
            // Expired entries are dropped now and then, so a server that has seen many
            // tokens does not keep them all.
            if map.len() >= CACHE_SWEEP_AT {
                map.retain(|_, (_, at)| at.elapsed() < CACHE_TTL);
            }
            map.insert(hash, (principal.clone(), Instant::now()));
        }
        Ok(Some(principal))
    }

    fn cached(&self, hash: &str) -> Option<Principal> {
        let map = self.inner.lock().ok()?;
        map.get(hash)
            .filter(|(_, at)| at.elapsed() < CACHE_TTL)
            .map(|(p, _)| p.clone())
    }

    /// Forgets a token (it was revoked).
    pub fn forget_token(&self, token_id: &str) {
        if let Ok(mut map) = self.inner.lock() {
            map.retain(|_, (p, _)| p.token_id != token_id);
        }
    }

    /// Forgets every token of a person (their role, department or status changed).
    pub fn forget_person(&self, person_id: &str) {
        if let Ok(mut map) = self.inner.lock() {
            map.retain(|_, (p, _)| p.actor.person_id != person_id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_carry_256_random_bits() {
        let a = generate_token();
        let b = generate_token();
        assert_eq!(a.len(), 5 + 64);
        assert!(a.starts_with("cxpm_"));
        assert_ne!(a, b);
    }

    #[test]
    fn the_hash_is_sha256_hex() {
        assert_eq!(
            hash_token("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
