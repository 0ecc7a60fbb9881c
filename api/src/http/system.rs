//! Liveness and readiness, outside `/api/v1` and without a token.

use std::time::Duration;

use poem::web::Data;
use poem_openapi::payload::PlainText;
use poem_openapi::{ApiResponse, OpenApi};
use sea_orm::ConnectionTrait;

use crate::app::AppState;
use crate::http::common::ApiTags;

/// How long `/readyz` waits for the database before saying it is not ready.
const READINESS_TIMEOUT: Duration = Duration::from_secs(1);

#[derive(Default)]
pub struct SystemApi;

#[derive(ApiResponse)]
pub enum Readiness {
    /// The database answers.
    #[oai(status = 200)]
    Ready(PlainText<&'static str>),
    /// The database does not answer, or its storage is full.
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
    /// For readiness probes: 503 while the database cannot be reached, within a
    /// second (a request waits longer for a connection, up to the pool's acquire
    /// timeout; a probe must not), and while its storage is full (after a write was
    /// refused for lack of room, until a probe write commits again).
    #[oai(path = "/readyz", method = "get", operation_id = "get_readiness")]
    async fn ready(&self, state: Data<&AppState>) -> Readiness {
        // Through the read pool: every request reads (its token first), and it is not
        // the pool that writers waiting for a lock held elsewhere fill up.
        let storage = &state.metrics.storage;
        if storage.is_full() {
            let rechecked = tokio::time::timeout(READINESS_TIMEOUT, storage.recheck(&state.db));
            if rechecked.await.unwrap_or(true) {
                return Readiness::NotReady(PlainText("database storage full"));
            }
        }
        let probe = state.read.execute_unprepared("SELECT 1");
        match tokio::time::timeout(READINESS_TIMEOUT, probe).await {
            Ok(Ok(_)) => Readiness::Ready(PlainText("ready")),
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "not ready");
                Readiness::NotReady(PlainText("database unavailable"))
            }
            Err(_) => {
                tracing::warn!("not ready: the database did not answer within a second");
                Readiness::NotReady(PlainText("database unavailable"))
            }
        }
    }
}
