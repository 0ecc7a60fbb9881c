//! Prometheus metrics at `/metrics` (OpenMetrics text): requests by route and status,
//! latency histograms per route, the outbox's depth by status, scheduler ticks, mail
//! sends, and refused authentications.
//!
//! The route of a request is its OpenAPI operation id (`get_program`, not the path
//! with its ids), so the series stay few however many programs there are.

use std::sync::Arc;
use std::time::Instant;

use poem::http::{Method, StatusCode, header};
use poem::{Endpoint, IntoResponse, Request, Response};
use poem_openapi::OperationId;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;
use sea_orm::{DatabaseConnection, FromQueryResult, Statement};

use crate::error::problem_for_poem_error;
use crate::report_cache::ReportCounters;

/// Latency buckets, in seconds: 1 ms to 10 s.
const BUCKETS: [f64; 13] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: &'static str,
    route: String,
    status: u16,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    method: &'static str,
    route: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StatusLabel {
    status: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabel {
    outcome: &'static str,
}

/// How one mail send ended.
#[derive(Debug, Clone, Copy)]
pub enum SendOutcome {
    Sent,
    /// Failed, to be tried again.
    Retry,
    /// Failed for the last time.
    Failed,
}

fn latency_histogram() -> Histogram {
    Histogram::new(BUCKETS)
}

/// The process's metrics.
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Family<RouteLabels, Histogram>,
    outbox: Family<StatusLabel, Gauge>,
    ticks: Counter,
    sends: Family<OutcomeLabel, Counter>,
    auth_failures: Counter,
    auth_refused: Counter,
    storage_full: Gauge,
    storage_refusals: Counter,
    /// What the kept reports count.
    pub reports: ReportCounters,
    /// Whether the database has room to write; its refusals are counted here.
    pub storage: Arc<cxpm_app::store::storage::StorageHealth>,
    /// With it, `/metrics` asks for `Authorization: Bearer <token>`.
    token: Option<String>,
}

impl Metrics {
    pub fn new(token: Option<String>) -> Self {
        let mut registry = Registry::with_prefix("cxpm");
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register(
            "http_requests",
            "HTTP requests answered, by method, route (operation id) and status",
            requests.clone(),
        );
        let latency: Family<RouteLabels, Histogram> =
            Family::new_with_constructor(latency_histogram);
        registry.register(
            "http_request_duration_seconds",
            "Time to answer an HTTP request, by method and route",
            latency.clone(),
        );
        let outbox = Family::<StatusLabel, Gauge>::default();
        registry.register(
            "outbox_mails",
            "Reminder mails in the outbox, by status (read at scrape time)",
            outbox.clone(),
        );
        let ticks = Counter::default();
        registry.register(
            "scheduler_ticks",
            "Schedule ticks this process's scheduler fired",
            ticks.clone(),
        );
        let sends = Family::<OutcomeLabel, Counter>::default();
        registry.register(
            "mail_sends",
            "Reminder mail sends by this process, by outcome (sent, retry, failed)",
            sends.clone(),
        );
        let auth_failures = Counter::default();
        registry.register(
            "auth_failures",
            "Requests with an unknown, revoked or deactivated access token",
            auth_failures.clone(),
        );
        let auth_refused = Counter::default();
        registry.register(
            "auth_refused",
            "Requests refused (429) because their client had too many failed authentications",
            auth_refused.clone(),
        );
        let storage_full = Gauge::default();
        registry.register(
            "storage_full",
            "1 while the database's storage is full and writes are refused (507), else 0",
            storage_full.clone(),
        );
        let storage_refusals = Counter::default();
        registry.register(
            "storage_full_refusals",
            "Writes refused (507) because the database's storage was full",
            storage_refusals.clone(),
        );
        let reports = ReportCounters::default();
        registry.register(
            "report_answers_computed",
            "Report answers (gap, progress) computed",
            reports.computed.clone(),
        );
        registry.register(
            "report_answers_shared",
            "Report answers given without computing: kept since the program last changed, \
             or shared with a reader computing the same",
            reports.shared.clone(),
        );
        registry.register(
            "report_cache_bytes",
            "Bytes of rendered reports kept",
            reports.bytes.clone(),
        );
        Self {
            registry,
            reports,
            storage_full,
            storage_refusals,
            storage: Arc::default(),
            requests,
            latency,
            outbox,
            ticks,
            sends,
            auth_failures,
            auth_refused,
            token: token.filter(|t| !t.is_empty()),
        }
    }

    pub fn tick(&self) {
        self.ticks.inc();
    }

    pub fn sent(&self, outcome: SendOutcome) {
        let outcome = match outcome {
            SendOutcome::Sent => "sent",
            SendOutcome::Retry => "retry",
            SendOutcome::Failed => "failed",
        };
        self.sends.get_or_create(&OutcomeLabel { outcome }).inc();
    }

    pub fn auth_failed(&self) {
        self.auth_failures.inc();
    }

    pub fn auth_refused(&self) {
        self.auth_refused.inc();
    }

    fn observe(&self, method: &'static str, route: String, status: StatusCode, started: Instant) {
        if status == StatusCode::INSUFFICIENT_STORAGE {
            self.storage.refused();
            self.storage_refusals.inc();
        }
        self.latency
            .get_or_create(&RouteLabels {
                method,
                route: route.clone(),
            })
            .observe(started.elapsed().as_secs_f64());
        self.requests
            .get_or_create(&RequestLabels {
                method,
                route,
                status: status.as_u16(),
            })
            .inc();
    }

    /// The OpenMetrics text, with the outbox read now.
    async fn render(&self, db: &DatabaseConnection) -> Result<String, sea_orm::DbErr> {
        #[derive(FromQueryResult)]
        struct Depth {
            status: String,
            mails: i64,
        }
        let depths = Depth::find_by_statement(Statement::from_string(
            db.get_database_backend(),
            "SELECT status, COUNT(*) AS mails FROM outbox GROUP BY status",
        ))
        .all(db)
        .await?;
        for status in cxpm_domain::reminder::OutboxStatus::ALL {
            let mails = depths
                .iter()
                .find(|d| d.status == status.as_str())
                .map_or(0, |d| d.mails);
            self.outbox
                .get_or_create(&StatusLabel {
                    status: status.as_str(),
                })
                .set(mails);
        }
        self.storage_full.set(i64::from(self.storage.is_full()));
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &self.registry)
            .map_err(|e| sea_orm::DbErr::Custom(format!("encoding metrics: {e}")))?;
        Ok(text)
    }
}

/// A method as a label: the methods the API knows, and `other` (a client can send
/// any token as a method; the series must stay few).
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

/// The route of a request no operation answered: the fixed paths by name, the rest
/// as one series.
fn unmatched_route(path: &str) -> &'static str {
    match path {
        "/metrics" => "/metrics",
        "/openapi.json" => "/openapi.json",
        "/openapi.yaml" => "/openapi.yaml",
        p if p == "/docs" || p.starts_with("/docs/") => "/docs",
        _ => "unmatched",
    }
}

/// Counts and times every request. Errors become their problem+json answer here, so
/// that their status and operation are counted too.
pub async fn observe<E: Endpoint>(
    ep: Arc<E>,
    req: Request,
    metrics: Arc<Metrics>,
) -> poem::Result<Response> {
    let started = Instant::now();
    let method = method_label(req.method());
    let path = req.uri().path().to_owned();
    let (resp, operation) = match ep.call(req).await {
        Ok(resp) => {
            let resp = resp.into_response();
            let operation = resp.data::<OperationId>().map(|o| o.0);
            (resp, operation)
        }
        Err(error) => {
            let operation = error.data::<OperationId>().map(|o| o.0);
            (problem_for_poem_error(error), operation)
        }
    };
    let route = operation.unwrap_or_else(|| unmatched_route(&path));
    metrics.observe(method, route.to_owned(), resp.status(), started);
    Ok(resp)
}

/// `GET /metrics`.
pub async fn endpoint(req: &Request, metrics: &Metrics, db: &DatabaseConnection) -> Response {
    if let Some(expected) = &metrics.token {
        let given = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or("");
        if !crate::security::secrets_match(given, expected) {
            return crate::error::ApiError::unauthorized(
                "/metrics needs the metrics token (CXPM_METRICS_TOKEN) as a bearer token",
            )
            .into_response();
        }
    }
    match metrics.render(db).await {
        Ok(text) => Response::builder()
            .content_type("application/openmetrics-text; version=1.0.0; charset=utf-8")
            .body(text),
        Err(error) => crate::error::ApiError::from(error).into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_and_methods_stay_few() {
        assert_eq!(unmatched_route("/docs/index.css"), "/docs");
        assert_eq!(unmatched_route("/api/v1/nope/123"), "unmatched");
        assert_eq!(
            method_label(&Method::from_bytes(b"BREW").unwrap_or(Method::GET)),
            "other"
        );
    }
}
