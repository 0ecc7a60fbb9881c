//! Signing in with the company's account (OpenID Connect): the attempts under way
//! and what a verified identity opens.
//!
//! The protocol — discovery, the authorization request, the code exchange, the ID
//! token's checks — is the web front's (it speaks HTTP to the provider). What is
//! decided here: an attempt is good once, for [`ATTEMPT_TTL`]; the identity the
//! provider vouched for opens a session only for an **active** person whose address
//! it is (people stay managed by admins: nobody is created on the fly); and every
//! attempt that got an answer from the provider ends on record, refused or not.

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use serde::Serialize;

use crate::directory::sign_in::{Opened, SessionTimes, Started, safe_next, start_session};
use crate::directory::tokens::hash_token;
use crate::store::audit::{self, Change};
use crate::store::{new_id, oidc_attempt, person, unique};
use crate::{AppResult, Ctx};

/// How long a browser has to come back from the provider.
pub const ATTEMPT_TTL: Duration = Duration::minutes(10);

/// What an attempt needs kept until the browser comes back.
#[derive(Debug, Clone)]
pub struct Begun<'a> {
    /// The `state` sent to the provider: kept hashed.
    pub state: &'a str,
    pub nonce: &'a str,
    pub pkce_verifier: &'a str,
    pub next: Option<&'a str>,
}

/// Notes a sign-in sent to the provider.
pub async fn begin(ctx: &Ctx, begun: Begun<'_>) -> AppResult<()> {
    let now = ctx.now();
    let row = oidc_attempt::Model {
        id: new_id(),
        state_hash: hash_token(begun.state),
        nonce: begun.nonce.to_owned(),
        pkce_verifier: begun.pkce_verifier.to_owned(),
        next_path: begun.next.map(|n| safe_next(Some(n))),
        created_at: now,
        expires_at: now + ATTEMPT_TTL,
        used_at: None,
        outcome: None,
        subject: None,
        email: None,
        person_id: None,
        detail: None,
    };
    oidc_attempt::Entity::insert(oidc_attempt::ActiveModel::from(row))
        .exec_without_returning(&ctx.db)
        .await?;
    Ok(())
}

/// Takes the attempt with `state`, once: `None` when it is unknown, already taken
/// (a replayed answer) or older than [`ATTEMPT_TTL`].
pub async fn take(ctx: &Ctx, state: &str) -> AppResult<Option<oidc_attempt::Model>> {
    let now = ctx.now();
    let hash = hash_token(state);
    let taken = oidc_attempt::Entity::update_many()
        .col_expr(oidc_attempt::Column::UsedAt, Expr::value(Some(now)))
        .filter(oidc_attempt::Column::StateHash.eq(&hash))
        .filter(oidc_attempt::Column::UsedAt.is_null())
        .filter(oidc_attempt::Column::ExpiresAt.gt(now))
        .exec(&ctx.db)
        .await?
        .rows_affected;
    if taken != 1 {
        return Ok(None);
    }
    Ok(unique(
        oidc_attempt::Entity::find().filter(oidc_attempt::Column::StateHash.eq(&hash)),
        &ctx.db,
    )
    .await?)
}

/// Why an attempt that reached the provider opened no session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Refusal {
    /// The provider answered with an error (the person cancelled, or was refused
    /// there), or the code could not be exchanged.
    ProviderError,
    /// The ID token failed a check: signature, algorithm, issuer, audience, expiry,
    /// nonce.
    RefusedToken,
    /// The token carries no address (nor the configured claim).
    NoEmail,
    /// The provider does not vouch for the address (`email_verified` not true).
    UnverifiedEmail,
    /// No person of cxpm has this address.
    UnknownPerson,
    /// The person with this address is deactivated.
    Deactivated,
}

impl Refusal {
    pub fn as_str(self) -> &'static str {
        match self {
            Refusal::ProviderError => "provider-error",
            Refusal::RefusedToken => "refused-token",
            Refusal::NoEmail => "no-email",
            Refusal::UnverifiedEmail => "unverified-email",
            Refusal::UnknownPerson => "unknown-person",
            Refusal::Deactivated => "deactivated",
        }
    }
}

/// The identity a verified ID token vouches for.
#[derive(Debug, Clone)]
pub struct Vouched {
    /// The provider's `sub`.
    pub subject: String,
    /// The verified address (or the configured claim's value).
    pub email: String,
    /// The ID token itself, kept with the session to hint at the provider's sign-out.
    pub id_token: String,
}

/// What became of an attempt.
#[derive(Debug, Clone)]
pub enum Finished {
    Opened(Opened),
    Refused(Refusal),
}

/// Ends the attempt with a verified identity: a session for the active person with
/// that address, or a refusal — on record either way.
pub async fn finish(
    ctx: &Ctx,
    attempt: &oidc_attempt::Model,
    vouched: Vouched,
    user_agent: Option<&str>,
    client: Option<&str>,
    times: SessionTimes,
) -> AppResult<Finished> {
    let now = ctx.now();
    let email = vouched.email.trim().to_lowercase();
    let txn = crate::store::begin(&ctx.db).await?;
    let person = unique(
        person::Entity::find().filter(person::Column::Email.eq(&email)),
        &txn,
    )
    .await?;
    let decision = match person {
        None => Err(Refusal::UnknownPerson),
        Some(p) if !p.active => Err(Refusal::Deactivated),
        Some(p) => Ok(p),
    };
    let mut after = attempt.clone();
    after.outcome = Some(match &decision {
        Ok(_) => "signed-in".to_owned(),
        Err(r) => r.as_str().to_owned(),
    });
    after.subject = Some(vouched.subject.chars().take(255).collect());
    after.email = Some(email.chars().take(320).collect());
    after.person_id = decision.as_ref().ok().map(|p| p.id.clone());
    record(&txn, attempt, &after, now).await?;
    let result = match decision {
        Ok(person) => {
            let started = Started {
                method: "oidc",
                id_token: Some(vouched.id_token),
                user_agent,
                client,
                times,
            };
            let cookie = start_session(&txn, &person, started, now).await?;
            Finished::Opened(Opened {
                cookie,
                next_path: safe_next(attempt.next_path.as_deref()),
            })
        }
        Err(r) => Finished::Refused(r),
    };
    txn.commit().await?;
    tracing::info!(attempt = %after.id, outcome = after.outcome.as_deref().unwrap_or(""), "OpenID Connect sign-in");
    Ok(result)
}

/// Ends the attempt refused before an identity was known (or not believed), on
/// record.
pub async fn refuse(
    ctx: &Ctx,
    attempt: &oidc_attempt::Model,
    refusal: Refusal,
    detail: &str,
    subject: Option<&str>,
    email: Option<&str>,
) -> AppResult<()> {
    let now = ctx.now();
    let mut after = attempt.clone();
    after.outcome = Some(refusal.as_str().to_owned());
    after.detail = Some(detail.chars().take(500).collect());
    after.subject = subject.map(|s| s.chars().take(255).collect());
    after.email = email.map(|e| e.chars().take(320).collect());
    let txn = crate::store::begin(&ctx.db).await?;
    record(&txn, attempt, &after, now).await?;
    txn.commit().await?;
    tracing::warn!(attempt = %after.id, outcome = refusal.as_str(), "OpenID Connect sign-in refused");
    Ok(())
}

/// Writes how the attempt ended, on record (by the person it matched, if any).
async fn record(
    conn: &impl ConnectionTrait,
    before: &oidc_attempt::Model,
    after: &oidc_attempt::Model,
    now: DateTime<Utc>,
) -> AppResult<()> {
    oidc_attempt::Entity::update(oidc_attempt::ActiveModel::from(after.clone()).reset_all())
        .exec(conn)
        .await?;
    audit::record(
        conn,
        after.person_id.as_deref(),
        now,
        "oidc_attempt",
        &after.id,
        Change::Update,
        Some(before),
        Some(after),
    )
    .await?;
    Ok(())
}

/// Removes attempts older than a day (their outcome stays in the audit trail).
pub async fn sweep(ctx: &Ctx) -> AppResult<u64> {
    let cutoff = ctx.now() - Duration::days(1);
    Ok(oidc_attempt::Entity::delete_many()
        .filter(oidc_attempt::Column::CreatedAt.lt(cutoff))
        .exec(&ctx.db)
        .await?
        .rows_affected)
}
