//! The HTTP API: one module per group, one `OpenApiService` built in one place.

pub mod actions;
pub mod audit;
pub mod bearer;
pub mod body;
pub mod common;
pub mod coverage;
pub mod departments;
pub mod feedback;
pub mod hooks;
pub mod idempotency;
pub mod key_points;
pub mod metrics;
pub mod names;
pub mod owners;
pub mod people;
pub mod plans;
pub mod programs;
pub mod relationships;
pub mod reports;
pub mod schedules;
pub mod sheets;
pub mod spec;
pub mod system;
pub mod text;
pub mod tokens;
pub mod value_stream;

use poem_openapi::OpenApiService;

pub type Apis = (
    system::SystemApi,
    departments::DepartmentsApi,
    people::PeopleApi,
    tokens::TokensApi,
    audit::AuditApi,
    programs::ProgramsApi,
    value_stream::ValueStreamApi,
    owners::OwnersApi,
    relationships::RelationshipsApi,
    coverage::CoverageApi,
    (
        key_points::KeyPointsApi,
        plans::PlansApi,
        actions::ActionsApi,
        metrics::MetricsApi,
        reports::ReportsApi,
        reports::ProgressApi,
        reports::snapshots::SnapshotsApi,
        schedules::SchedulesApi,
        feedback::FeedbackApi,
        hooks::HooksApi,
    ),
);

/// The one place the service is assembled: the server, `cxpm openapi` and the spec
/// drift test all call this.
pub fn service() -> OpenApiService<Apis, ()> {
    let apis = Apis::default();
    OpenApiService::new(apis, "cxpm", env!("CARGO_PKG_VERSION")).description(
        "Runs a cross-department customer-experience improvement program: the directory \
             and access, programs and their value stream, owners and internal-customer \
             relationships, seven-step improvement plans, actions and operational metrics. \
             Errors are RFC 9457 problem+json; lists are keyset-paginated with `limit` and \
             `cursor`; changes need `If-Match`; a POST sent with an `Idempotency-Key` \
             header is done once per key and person (24 h): a retry gets the first answer.",
    )
}

/// The spec as JSON, as served at `/openapi.json` (without its `servers`).
pub fn spec_json() -> String {
    spec::json(&service().spec())
}

/// The spec as YAML, as committed under `openapi/` ([`spec`] says what it adds to
/// the generated one).
pub fn spec_yaml() -> String {
    spec::yaml(&service().spec())
}
