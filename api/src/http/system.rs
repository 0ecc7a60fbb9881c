//! Liveness and readiness, outside `/api/v1` and without a token.

use poem::web::Data;
use poem_openapi::payload::PlainText;
use poem_openapi::{ApiResponse, OpenApi};
use sea_orm::ConnectionTrait;

use crate::app::AppState;
use crate::http::ApiTags;

#[derive(Default)]
pub struct SystemApi;

#[derive(ApiResponse)]
pub enum Readiness {
    /// The database answers.
    #[oai(status = 200)]
    Ready(PlainText<&'static str>),
    /// The database does not answer.
    #[oai(status = 503)]
    NotReady(PlainText<&'static str>),
}

#[OpenApi(tag = "ApiTags::System")]
impl SystemApi {
    /// The process is up
    ///
    /// Answers without touching the database; for liveness probes.
    #[oai(path = "/healthz", method = "get", operation_id = "get_health")]
    async fn health(&self) -> PlainText<&'static str> {
        PlainText("ok")
    }

    /// The database answers
    ///
    /// For readiness probes: 503 while the database cannot be reached.
    #[oai(path = "/readyz", method = "get", operation_id = "get_readiness")]
    async fn ready(&self, state: Data<&AppState>) -> Readiness {
        match state.db.execute_unprepared("SELECT 1").await {
            Ok(_) => Readiness::Ready(PlainText("ready")),
            Err(e) => {
                tracing::warn!(error = %e, "not ready");
                Readiness::NotReady(PlainText("database unavailable"))
            }
        }
    }
}
