//! The company's sign-in: cxpm as an OpenID Connect relying party (the
//! `openidconnect` crate), speaking HTTP to the provider.
//!
//! Authorization code flow with PKCE (S256), `state` and `nonce`. The provider's
//! metadata and keys come from discovery, read when first needed and again after an
//! hour; an ID token signed with a key the set does not hold fetches the set again —
//! at most once a minute, so that forged tokens cannot make cxpm hammer the
//! provider. The ID token must be signed with an asymmetric algorithm the provider
//! announces (never `none`, never HS256 with the client secret), name this client in
//! `aud` (and `azp` when present), come from the issuer, be unexpired and not issued
//! in the future (a minute's leeway each way), and carry the nonce sent. The address
//! must be verified (`email_verified: true`), unless the operator names another claim.
//! What the identity opens is decided by the use cases
//! ([`cxpm_app::directory::oidc`]).

use std::sync::Mutex;
use std::time::{Duration, Instant};

use base64::Engine;
use cxpm_app::Clock;
use cxpm_app::directory::oidc::{Refusal, Vouched};
use cxpm_domain::values::{Email, Locale};
use openidconnect::core::{
    CoreAuthenticationFlow, CoreClient, CoreIdToken, CoreIdTokenVerifier, CoreJsonWebKeySet,
    CoreJwsSigningAlgorithm,
};
use openidconnect::{
    AccessTokenHash, AuthorizationCode, ClaimsVerificationError, ClientId, ClientSecret, CsrfToken,
    IssuerUrl, JsonWebKeySet, LanguageTag, LogoutRequest, Nonce, OAuth2TokenResponse,
    PkceCodeChallenge, PkceCodeVerifier, PostLogoutRedirectUrl, ProviderMetadataWithLogout,
    RedirectUrl, Scope, SignatureVerificationError, TokenResponse,
};
use tokio::sync::RwLock;

use crate::config::ServeArgs;

/// Provider metadata older than this is read again before use.
const METADATA_MAX_AGE: Duration = Duration::from_secs(3600);
/// At most one fetch of the key set per this, prompted by an unknown key.
const REFETCH_EVERY: Duration = Duration::from_secs(60);
/// Leeway on `exp` and `iat`, for clocks a little apart.
const LEEWAY: chrono::Duration = chrono::Duration::seconds(60);
/// The provider's answers wait at most this.
const HTTP_TIMEOUT: Duration = Duration::from_secs(10);

/// Algorithms an ID token may be signed with: asymmetric only.
const ASYMMETRIC: [CoreJwsSigningAlgorithm; 9] = [
    CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256,
    CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha384,
    CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha512,
    CoreJwsSigningAlgorithm::RsaSsaPssSha256,
    CoreJwsSigningAlgorithm::RsaSsaPssSha384,
    CoreJwsSigningAlgorithm::RsaSsaPssSha512,
    CoreJwsSigningAlgorithm::EcdsaP256Sha256,
    CoreJwsSigningAlgorithm::EcdsaP384Sha384,
    CoreJwsSigningAlgorithm::EdDsa,
];

/// The configured provider, and what cxpm learnt of it.
pub struct Oidc {
    issuer: IssuerUrl,
    client_id: ClientId,
    client_secret: Option<ClientSecret>,
    /// The name on the button, if the operator gave one.
    pub name: Option<String>,
    /// The claim that names the person instead of a verified `email`.
    claim: Option<String>,
    redirect: RedirectUrl,
    post_logout: String,
    http: reqwest::Client,
    clock: Clock,
    known: RwLock<Option<Known>>,
    refetched: Mutex<Option<Instant>>,
}

#[derive(Clone)]
struct Known {
    metadata: ProviderMetadataWithLogout,
    fetched: Instant,
}

/// A sign-in sent to the provider: where the browser goes, and what to keep.
pub struct Started {
    pub url: String,
    pub state: String,
    pub nonce: String,
    pub pkce_verifier: String,
}

/// Why a sign-in was not believed, for the record and the log.
#[derive(Debug)]
pub struct Failure {
    pub refusal: Refusal,
    pub detail: String,
    pub subject: Option<String>,
    pub email: Option<String>,
}

impl Failure {
    fn new(refusal: Refusal, detail: impl Into<String>) -> Self {
        Self {
            refusal,
            detail: detail.into(),
            subject: None,
            email: None,
        }
    }
}

/// The provider could not be reached or described itself wrongly.
#[derive(Debug, thiserror::Error)]
#[error("the OpenID provider could not be read: {0}")]
pub struct Unreachable(String);

impl Oidc {
    /// The provider of `settings`, if one is configured; an error when it is only
    /// half configured.
    pub fn from_settings(settings: &ServeArgs) -> anyhow::Result<Option<Self>> {
        let Some(issuer) = settings
            .oidc_issuer
            .as_deref()
            .filter(|s| !s.trim().is_empty())
        else {
            if settings.sign_in == crate::config::SignIn::Oidc {
                anyhow::bail!("CXPM_SIGN_IN=oidc needs CXPM_OIDC_ISSUER and CXPM_OIDC_CLIENT_ID");
            }
            return Ok(None);
        };
        let client_id = settings
            .oidc_client_id
            .as_deref()
            .filter(|s| !s.trim().is_empty())
            .ok_or_else(|| {
                anyhow::anyhow!("CXPM_OIDC_ISSUER is set: CXPM_OIDC_CLIENT_ID is needed too")
            })?;
        let issuer = IssuerUrl::new(issuer.trim().trim_end_matches('/').to_owned())
            .map_err(|e| anyhow::anyhow!("CXPM_OIDC_ISSUER is not a URL: {e}"))?;
        let public = settings.public_url.trim_end_matches('/');
        let redirect = RedirectUrl::new(format!("{public}/sign-in/oidc/callback"))
            .map_err(|e| anyhow::anyhow!("CXPM_PUBLIC_URL is not a URL: {e}"))?;
        let http = reqwest::Client::builder()
            // Following redirects would let a provider's answer steer cxpm elsewhere.
            .redirect(reqwest::redirect::Policy::none())
            .timeout(HTTP_TIMEOUT)
            .build()?;
        Ok(Some(Self {
            issuer,
            client_id: ClientId::new(client_id.trim().to_owned()),
            client_secret: settings
                .oidc_client_secret
                .clone()
                .filter(|s| !s.is_empty())
                .map(ClientSecret::new),
            name: settings.oidc_name.clone().filter(|s| !s.trim().is_empty()),
            claim: settings.oidc_claim.clone().filter(|s| !s.trim().is_empty()),
            redirect,
            post_logout: format!("{public}/sign-in?notice=signed-out"),
            http,
            clock: settings.clock.clone(),
            known: RwLock::new(None),
            refetched: Mutex::new(None),
        }))
    }

    /// Whether `iss` names the configured issuer.
    pub fn is_issuer(&self, iss: &str) -> bool {
        iss.trim_end_matches('/') == self.issuer.as_str().trim_end_matches('/')
    }

    /// The provider's metadata and keys: read now if never read or over an hour old.
    async fn known(&self) -> Result<Known, Unreachable> {
        if let Some(k) = self.known.read().await.as_ref()
            && k.fetched.elapsed() < METADATA_MAX_AGE
        {
            return Ok(k.clone());
        }
        let mut slot = self.known.write().await;
        if let Some(k) = slot.as_ref()
            && k.fetched.elapsed() < METADATA_MAX_AGE
        {
            return Ok(k.clone());
        }
        let metadata = ProviderMetadataWithLogout::discover_async(self.issuer.clone(), &self.http)
            .await
            .map_err(|e| Unreachable(error_chain(&e)))?;
        let known = Known {
            metadata,
            fetched: Instant::now(),
        };
        *slot = Some(known.clone());
        Ok(known)
    }

    fn client(
        &self,
        known: &Known,
    ) -> CoreClient<
        openidconnect::EndpointSet,
        openidconnect::EndpointNotSet,
        openidconnect::EndpointNotSet,
        openidconnect::EndpointNotSet,
        openidconnect::EndpointMaybeSet,
        openidconnect::EndpointMaybeSet,
    > {
        CoreClient::from_provider_metadata(
            known.metadata.clone(),
            self.client_id.clone(),
            self.client_secret.clone(),
        )
        .set_redirect_uri(self.redirect.clone())
    }

    /// A new sign-in: the provider's address to send the browser to, with a fresh
    /// `state`, `nonce` and PKCE challenge.
    pub async fn start(&self, locale: Locale) -> Result<Started, Unreachable> {
        let known = self.known().await?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let (url, state, nonce) = self
            .client(&known)
            .authorize_url(
                CoreAuthenticationFlow::AuthorizationCode,
                CsrfToken::new_random,
                Nonce::new_random,
            )
            .add_scope(Scope::new("email".to_owned()))
            .add_scope(Scope::new("profile".to_owned()))
            .add_ui_locale(LanguageTag::new(locale.as_str().to_owned()))
            .set_pkce_challenge(challenge)
            .url();
        Ok(Started {
            url: url.to_string(),
            state: state.secret().clone(),
            nonce: nonce.secret().clone(),
            pkce_verifier: verifier.secret().clone(),
        })
    }

    /// The provider's answer: the code exchanged (with the PKCE verifier), the ID
    /// token checked, the identity it vouches for.
    pub async fn finish(
        &self,
        code: &str,
        nonce: &str,
        pkce_verifier: &str,
    ) -> Result<Vouched, Failure> {
        let known = self
            .known()
            .await
            .map_err(|e| Failure::new(Refusal::ProviderError, e.to_string()))?;
        let client = self.client(&known);
        let exchange = client
            .exchange_code(AuthorizationCode::new(code.to_owned()))
            .map_err(|e| Failure::new(Refusal::ProviderError, e.to_string()))?
            .set_pkce_verifier(PkceCodeVerifier::new(pkce_verifier.to_owned()));
        let answer = exchange
            .request_async(&self.http)
            .await
            .map_err(|e| Failure::new(Refusal::ProviderError, error_chain(&e)))?;
        let id_token = answer
            .id_token()
            .ok_or_else(|| Failure::new(Refusal::ProviderError, "no ID token in the answer"))?;
        let nonce = Nonce::new(nonce.to_owned());
        let mut keys = known.metadata.jwks().clone();
        let claims = match self.check(id_token, &known, keys.clone(), &nonce) {
            Err(ClaimsVerificationError::SignatureVerification(
                SignatureVerificationError::NoMatchingKey,
            )) => {
                // The provider may have rotated its keys: read the set again, once.
                keys = self.refetch_keys(&known).await.map_err(|detail| {
                    Failure::new(
                        Refusal::RefusedToken,
                        format!("unknown signing key; {detail}"),
                    )
                })?;
                self.check(id_token, &known, keys.clone(), &nonce)
            }
            other => other,
        }
        .map_err(|e| Failure::new(Refusal::RefusedToken, error_chain(&e)))?;
        // The access token must be the one this ID token was issued with.
        if let Some(expected) = claims.access_token_hash() {
            let verifier = self.verifier(&known, keys);
            let actual = id_token
                .signing_alg()
                .and_then(|alg| id_token.signing_key(&verifier).map(|k| (alg, k)))
                .map_err(|e| Failure::new(Refusal::RefusedToken, e.to_string()))
                .and_then(|(alg, key)| {
                    AccessTokenHash::from_token(answer.access_token(), alg, key)
                        .map_err(|e| Failure::new(Refusal::RefusedToken, e.to_string()))
                })?;
            if actual != *expected {
                return Err(Failure::new(
                    Refusal::RefusedToken,
                    "at_hash does not match the access token",
                ));
            }
        }
        let subject = claims.subject().as_str().to_owned();
        let raw = id_token.to_string();
        let (value, verified) = match &self.claim {
            None => (
                claims.email().map(|e| e.as_str().to_owned()),
                claims.email_verified() == Some(true),
            ),
            // The operator vouches for this claim: the token's signature is checked.
            Some(name) => (payload_claim(&raw, name), true),
        };
        let fail = |refusal: Refusal, detail: &str, email: Option<String>| Failure {
            refusal,
            detail: detail.to_owned(),
            subject: Some(subject.clone()),
            email,
        };
        let Some(value) = value else {
            return Err(fail(Refusal::NoEmail, "no address in the ID token", None));
        };
        if !verified {
            return Err(fail(
                Refusal::UnverifiedEmail,
                "email_verified is not true",
                Some(value),
            ));
        }
        let email = Email::parse(&value)
            .map_err(|_| fail(Refusal::NoEmail, "the claim is not an address", Some(value)))?;
        Ok(Vouched {
            subject: subject.clone(),
            email: email.as_str().to_owned(),
            id_token: raw,
        })
    }

    fn verifier(&self, known: &Known, keys: CoreJsonWebKeySet) -> CoreIdTokenVerifier<'static> {
        let announced = known.metadata.id_token_signing_alg_values_supported();
        let mut allowed: Vec<CoreJwsSigningAlgorithm> = ASYMMETRIC
            .iter()
            .filter(|a| announced.contains(a))
            .cloned()
            .collect();
        if allowed.is_empty() {
            allowed.push(CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256);
        }
        let clock = self.clock.clone();
        let later = self.clock.clone();
        // No client secret: an HMAC-signed token has no key to be checked with.
        CoreIdTokenVerifier::new_public_client(
            self.client_id.clone(),
            known.metadata.issuer().clone(),
            keys,
        )
        .set_allowed_algs(allowed)
        .set_time_fn(move || clock.now() - LEEWAY)
        .set_issue_time_verifier_fn(move |iat| {
            if iat > later.now() + LEEWAY {
                Err("issued in the future".to_owned())
            } else {
                Ok(())
            }
        })
    }

    fn check<'t>(
        &self,
        id_token: &'t CoreIdToken,
        known: &Known,
        keys: CoreJsonWebKeySet,
        nonce: &Nonce,
    ) -> Result<&'t openidconnect::core::CoreIdTokenClaims, ClaimsVerificationError> {
        id_token.claims(&self.verifier(known, keys), nonce)
    }

    /// The key set read again, unless it was read so less than a minute ago.
    async fn refetch_keys(&self, known: &Known) -> Result<CoreJsonWebKeySet, String> {
        {
            let mut last = self.refetched.lock().unwrap_or_else(|e| e.into_inner());
            if last.is_some_and(|t| t.elapsed() < REFETCH_EVERY) {
                return Err("the key set was read again less than a minute ago".to_owned());
            }
            *last = Some(Instant::now());
        }
        let keys = JsonWebKeySet::fetch_async(known.metadata.jwks_uri(), &self.http)
            .await
            .map_err(|e| error_chain(&e))?;
        tracing::info!(
            keys = keys.keys().len(),
            "read the OpenID provider's keys again"
        );
        let mut slot = self.known.write().await;
        if let Some(k) = slot.as_mut() {
            k.metadata = k.metadata.clone().set_jwks(keys.clone());
        }
        Ok(keys)
    }

    /// Where to send the browser to end the provider's session too, if the provider
    /// offers it: back to the sign-in page afterwards.
    pub async fn end_session_url(&self, id_token: &str, locale: Locale) -> Option<String> {
        let known = self.known().await.ok()?;
        let endpoint = known
            .metadata
            .additional_metadata()
            .end_session_endpoint
            .clone()?;
        let mut request = LogoutRequest::from(endpoint)
            .set_client_id(self.client_id.clone())
            .add_ui_locale(LanguageTag::new(locale.as_str().to_owned()));
        if let Ok(token) = id_token.parse::<CoreIdToken>() {
            request = request.set_id_token_hint(&token);
        }
        if let Ok(back) = PostLogoutRedirectUrl::new(self.post_logout.clone()) {
            request = request.set_post_logout_redirect_uri(back);
        }
        Some(request.http_get_url().to_string())
    }
}

/// A claim of a token whose signature was checked, read from its payload.
fn payload_claim(token: &str, name: &str) -> Option<String> {
    let payload = token.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .ok()?;
    let value: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    value.get(name)?.as_str().map(str::to_owned)
}

/// An error with its causes, for the log and the record.
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}
