//! Access tokens: admins issue them; everyone lists and revokes their own.

use chrono::{DateTime, Utc};
use cxpm_domain::values::optional_text;
use cxpm_domain::{Action, Target, authorize};
use poem::web::Data;
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set, TransactionTrait};

use crate::app::AppState;
use crate::audit::{self, Change};
use crate::auth::{BearerAuth, generate_token, hash_token};
use crate::db::guard::{self, Guard};
use crate::db::{access_token, new_id, person};
use crate::error::{ApiError, ApiResult};
use crate::http::ApiTags;
use crate::http::body::Body;
use crate::http::common::path_id;
use crate::http::people::{Leaving, active_admin, admin_ways_in_without};
use serde::Deserialize;

/// An access token, without its secret.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct Token {
    pub id: String,
    pub person_id: String,
    pub label: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    /// When the token was last used, to within a few seconds.
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl From<access_token::Model> for Token {
    fn from(m: access_token::Model) -> Self {
        Self {
            id: m.id,
            person_id: m.person_id,
            label: m.label,
            created_by: m.created_by,
            created_at: m.created_at,
            last_used_at: m.last_used_at,
            revoked_at: m.revoked_at,
        }
    }
}

#[derive(Debug, Object, Deserialize)]
#[oai(skip_serializing_if_is_none)]
#[oai(deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct NewToken {
    /// What the token is for (`laptop`, `ERP integration`).
    #[oai(validator(max_length = 200))]
    pub label: Option<String>,
}

/// A new token. `token` is shown this once; only its hash is kept.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct IssuedToken {
    /// The secret: send it as `Authorization: Bearer <token>`.
    pub token: String,
    #[oai(flatten)]
    pub info: Token,
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct TokenList {
    pub items: Vec<Token>,
}

#[derive(ApiResponse)]
pub enum Issued {
    #[oai(status = 201)]
    Created(Json<IssuedToken>),
}

#[derive(ApiResponse)]
pub enum Revoked {
    /// Revoked (or already revoked).
    #[oai(status = 204)]
    NoContent,
}

#[derive(Default)]
pub struct TokensApi;

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Tokens")]
impl TokensApi {
    /// Issue a token for a person
    #[oai(
        path = "/people/:id/tokens",
        method = "post",
        operation_id = "create_token"
    )]
    async fn issue(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<String>,
        body: Body<NewToken>,
    ) -> ApiResult<Issued> {
        let actor = &auth.0.actor;
        authorize(actor, Action::IssueToken, Target::Person(&id))?;
        let person_id = path_id("person", &id)?;
        let person = crate::db::unique(person::Entity::find_by_id(&person_id), &state.db)
            .await?
            .ok_or_else(|| ApiError::not_found("person", &person_id))?;
        if !person.active {
            return Err(ApiError::conflict(
                "the person is deactivated; reactivate them first",
                Some("person_id"),
            ));
        }
        let label = optional_text("label", body.0.label.as_deref(), 200)?
            .unwrap_or_else(|| "token".to_owned());
        let secret = generate_token();
        let model = access_token::Model {
            id: new_id(),
            person_id,
            label,
            token_hash: hash_token(&secret),
            created_by: actor.person_id.clone(),
            created_at: state.now(),
            last_used_at: None,
            revoked_at: None,
        };
        let txn = state.db.begin().await?;
        access_token::Entity::insert(access_token::ActiveModel::from(model.clone()))
            .exec_without_returning(&txn)
            .await?;
        audit::record(
            &txn,
            Some(&actor.person_id),
            "token",
            &model.id,
            Change::Create,
            None::<&()>,
            Some(&model),
        )
        .await?;
        txn.commit().await?;
        Ok(Issued::Created(Json(IssuedToken {
            token: secret,
            info: model.into(),
        })))
    }

    /// List a person's tokens
    ///
    /// Your own, or anyone's for an admin. Newest first; revoked ones included.
    #[oai(
        path = "/people/:id/tokens",
        method = "get",
        operation_id = "list_tokens"
    )]
    async fn list(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<String>,
    ) -> ApiResult<Json<TokenList>> {
        authorize(&auth.0.actor, Action::ManageTokens, Target::Person(&id))?;
        let person_id = path_id("person", &id)?;
        let rows = access_token::Entity::find()
            .filter(access_token::Column::PersonId.eq(&person_id))
            .order_by_desc(access_token::Column::Id)
            .all(&state.read)
            .await?;
        Ok(Json(TokenList {
            items: rows.into_iter().map(Token::from).collect(),
        }))
    }

    /// Revoke a token
    ///
    /// Your own, or anyone's for an admin. It stops working at once on this server.
    #[oai(path = "/tokens/:id", method = "delete", operation_id = "revoke_token")]
    async fn revoke(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<String>,
    ) -> ApiResult<Revoked> {
        let actor = &auth.0.actor;
        let id = path_id("token", &id)?;
        let before = crate::db::unique(access_token::Entity::find_by_id(&id), &state.db)
            .await?
            .ok_or_else(|| ApiError::not_found("token", &id))?;
        // Someone else's token is forbidden, like every object outside the caller's
        // reach: the answer says why, and a token's id is no secret (its hash is).
        authorize(
            actor,
            Action::ManageTokens,
            Target::Person(&before.person_id),
        )?;
        if before.revoked_at.is_some() {
            return Ok(Revoked::NoContent);
        }
        let mut after = before.clone();
        after.revoked_at = Some(state.now());
        // The check and the revocation run under the admins' guard, so that two
        // revocations (or a revocation and a demotion) at once see each other.
        let txn = state.db.begin().await?;
        guard::take(&txn, Guard::Admins).await?;
        // cxpm is never left without a way in: the last usable token of the active
        // admins cannot be revoked until another is issued.
        let holder = person::Entity::find_by_id(&before.person_id)
            .one(&txn)
            .await?;
        if holder.as_ref().is_some_and(active_admin)
            && admin_ways_in_without(&txn, Leaving::Token(&id)).await? == 0
        {
            return Err(ApiError::conflict(
                "this is the last usable admin token; issue another admin a token first",
                None,
            ));
        }
        access_token::Entity::update_many()
            .set(access_token::ActiveModel {
                revoked_at: Set(after.revoked_at),
                ..Default::default()
            })
            .filter(access_token::Column::Id.eq(&id))
            .filter(access_token::Column::RevokedAt.is_null())
            .exec(&txn)
            .await?;
        audit::record(
            &txn,
            Some(&actor.person_id),
            "token",
            &id,
            Change::Revoke,
            Some(&before),
            Some(&after),
        )
        .await?;
        txn.commit().await?;
        state.tokens.forget_token(&id);
        Ok(Revoked::NoContent)
    }
}
