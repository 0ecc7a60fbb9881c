//! Access tokens: admins issue them; everyone lists and revokes their own. A token is
//! 256 random bits, shown once and stored only as its SHA-256.

use cxpm_domain::limits;
use cxpm_domain::values::optional_text;
use cxpm_domain::{Action, Actor, Target, authorize};
use rand::RngCore;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use sha2::{Digest, Sha256};

use crate::directory::admins::{Leaving, active_admin, ways_in_without};
use crate::store::audit::{self, Change};
use crate::store::guard::{self, Guard};
use crate::store::{access_token, new_id, person, unique};
use crate::{AppError, AppResult, Ctx};

/// A new secret: `cxpm_` and 64 hex digits.
pub fn generate_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    format!("cxpm_{}", hex(&bytes))
}

/// What is stored of a token, and what it is looked up by.
pub fn hash_token(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

/// Issues a token for `person_id`: its row, and the secret, which is never stored.
pub async fn issue(
    ctx: &Ctx,
    actor: &Actor,
    person_id: &str,
    label: Option<&str>,
) -> AppResult<(access_token::Model, String)> {
    authorize(actor, Action::IssueToken, Target::Person(person_id))?;
    let person = unique(person::Entity::find_by_id(person_id), &ctx.db)
        .await?
        .ok_or_else(|| AppError::not_found("person", person_id))?;
    if !person.active {
        return Err(AppError::conflict(
            "the person is deactivated; reactivate them first",
            Some("person_id"),
        ));
    }
    let label = optional_text("label", label, limits::NAME)?.unwrap_or_else(|| "token".to_owned());
    let secret = generate_token();
    let model = access_token::Model {
        id: new_id(),
        person_id: person.id,
        label,
        token_hash: hash_token(&secret),
        created_by: actor.person_id.clone(),
        created_at: ctx.now(),
        last_used_at: None,
        revoked_at: None,
    };
    let txn = crate::store::begin(&ctx.db).await?;
    access_token::Entity::insert(access_token::ActiveModel::from(model.clone()))
        .exec_without_returning(&txn)
        .await?;
    audit::record(
        &txn,
        Some(&actor.person_id),
        ctx.now(),
        "token",
        &model.id,
        Change::Create,
        None::<&()>,
        Some(&model),
    )
    .await?;
    txn.commit().await?;
    Ok((model, secret))
}

/// A person's tokens, newest first, revoked ones included. Whether the caller may
/// look is asked first, so an id that cannot exist is no different from a stranger's.
pub async fn list(
    ctx: &Ctx,
    actor: &Actor,
    person_id: &str,
) -> AppResult<Vec<access_token::Model>> {
    authorize(actor, Action::ManageTokens, Target::Person(person_id))?;
    let person_id = crate::store::parse_id("id", person_id)
        .map_err(|_| AppError::not_found("person", person_id))?;
    Ok(access_token::Entity::find()
        .filter(access_token::Column::PersonId.eq(&person_id))
        .order_by_desc(access_token::Column::Id)
        .all(&ctx.read)
        .await?)
}

/// Revokes token `id`; revoking a revoked token changes nothing. The last usable
/// token of the active admins cannot be revoked until another is issued.
pub async fn revoke(ctx: &Ctx, actor: &Actor, id: &str) -> AppResult<()> {
    let before = unique(access_token::Entity::find_by_id(id), &ctx.db)
        .await?
        .ok_or_else(|| AppError::not_found("token", id))?;
    // Someone else's token is forbidden, like every object outside the caller's
    // reach: the answer says why, and a token's id is no secret (its hash is).
    authorize(
        actor,
        Action::ManageTokens,
        Target::Person(&before.person_id),
    )?;
    if before.revoked_at.is_some() {
        return Ok(());
    }
    let mut after = before.clone();
    after.revoked_at = Some(ctx.now());
    // The check and the revocation run under the admins' guard, so that two
    // revocations (or a revocation and a demotion) at once see each other.
    let txn = crate::store::begin(&ctx.db).await?;
    guard::take(&txn, Guard::Admins).await?;
    let holder = person::Entity::find_by_id(&before.person_id)
        .one(&txn)
        .await?;
    if holder.as_ref().is_some_and(active_admin)
        && ways_in_without(&txn, Leaving::Token(id)).await? == 0
    {
        return Err(AppError::conflict(
            "this is the last usable admin token; issue another admin a token first",
            None,
        ));
    }
    access_token::Entity::update_many()
        .set(access_token::ActiveModel {
            revoked_at: Set(after.revoked_at),
            ..Default::default()
        })
        .filter(access_token::Column::Id.eq(id))
        .filter(access_token::Column::RevokedAt.is_null())
        .exec(&txn)
        .await?;
    audit::record(
        &txn,
        Some(&actor.person_id),
        ctx.now(),
        "token",
        id,
        Change::Revoke,
        Some(&before),
        Some(&after),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// The unrevoked token stored under `hash` and its person, if they are active: who
/// a bearer token stands for.
pub async fn bearer(
    ctx: &Ctx,
    hash: &str,
) -> AppResult<Option<(access_token::Model, person::Model)>> {
    let Some(token) = unique(
        access_token::Entity::find()
            .filter(access_token::Column::TokenHash.eq(hash))
            .filter(access_token::Column::RevokedAt.is_null()),
        &ctx.read,
    )
    .await?
    else {
        return Ok(None);
    };
    let person = unique(
        person::Entity::find_by_id(&token.person_id).filter(person::Column::Active.eq(true)),
        &ctx.read,
    )
    .await?;
    Ok(person.map(|p| (token, p)))
}

/// Records that token `id` was used at `at`: bookkeeping, no audit entry.
pub async fn record_use(ctx: &Ctx, id: &str, at: chrono::DateTime<chrono::Utc>) -> AppResult<()> {
    access_token::Entity::update_many()
        .col_expr(
            access_token::Column::LastUsedAt,
            sea_orm::sea_query::Expr::value(at),
        )
        .filter(access_token::Column::Id.eq(id))
        .exec(&ctx.db)
        .await?;
    Ok(())
}
