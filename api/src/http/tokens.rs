//! Access tokens: admins issue them; everyone lists and revokes their own.

use crate::http::common::Id;
use crate::http::text;
use chrono::{DateTime, Utc};
use cxpm_app::directory::tokens;
use poem::web::Data;
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};
use serde::Deserialize;

use crate::app::AppState;
use crate::error::ApiResult;
use crate::http::bearer::BearerAuth;
use crate::http::body::Body;
use crate::http::common::path_id;
use crate::http::common::{ApiTags, Made};
use cxpm_app::store::access_token;

/// An access token, without its secret.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct Token {
    pub id: Id,
    pub person_id: Id,
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
            id: m.id.into(),
            person_id: m.person_id.into(),
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
    pub label: Option<text::Line>,
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
        id: Path<crate::http::common::Id>,
        body: Body<NewToken>,
    ) -> ApiResult<Made<IssuedToken>> {
        let person_id = path_id("person", &id)?;
        let (model, secret) =
            tokens::issue(&state, &auth.0.actor, &person_id, body.0.label.as_deref()).await?;
        Ok(Made::Created(
            Json(IssuedToken {
                token: secret,
                info: model.into(),
            }),
            None,
        ))
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
        id: Path<crate::http::common::Id>,
    ) -> ApiResult<Json<TokenList>> {
        let rows = tokens::list(&state, &auth.0.actor, &id).await?;
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
        id: Path<crate::http::common::Id>,
    ) -> ApiResult<Revoked> {
        let id = path_id("token", &id)?;
        tokens::revoke(&state, &auth.0.actor, &id).await?;
        state.tokens.forget_token(&id);
        Ok(Revoked::NoContent)
    }
}
