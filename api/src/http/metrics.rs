//! Operational metrics on touchpoints and sub-processes, and their readings —
//! recorded by hand or pushed by other systems (ERP, CRM, service desk).

//!
//! The HTTP shapes; the use cases are `cxpm_app::metrics`.

use crate::http::common::Id;
use crate::http::text;
use chrono::{DateTime, NaiveDate, Utc};
use cxpm_app::metrics::{self, Recorded};
use cxpm_app::store::{metric, reading};
use cxpm_domain::gap::Direction;
use poem::web::Data;
use poem_openapi::param::{Header, Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::types::MaybeUndefined;
use poem_openapi::{ApiResponse, Enum, Object, OpenApi};
use serde::Deserialize;

use crate::app::AppState;
use crate::error::{ApiError, ApiResult};
use crate::http::bearer::BearerAuth;
use crate::http::body::Body;
use crate::http::common::{self, etag, location, patch};
use crate::http::common::{ApiTags, Versioned};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, Deserialize)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
#[oai(remote = "Direction")]
pub enum DirectionName {
    HigherIsBetter,
    LowerIsBetter,
}

fn direction(stored: &str) -> ApiResult<DirectionName> {
    match stored {
        "higher_is_better" => Ok(DirectionName::HigherIsBetter),
        "lower_is_better" => Ok(DirectionName::LowerIsBetter),
        other => Err(ApiError::internal(&format!("stored direction `{other}`"))),
    }
}

/// An operational metric with a target and a direction.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct Metric {
    pub id: Id,
    pub program_id: Id,
    /// The touchpoint stage it measures (or `sub_process_id`).
    pub stage_id: Option<Id>,
    pub sub_process_id: Option<Id>,
    /// The department that owns it, when set on the metric. Without one the gap
    /// report gives its line the department that owns its sub-process or touchpoint.
    pub department_id: Option<Id>,
    pub name: String,
    pub unit: String,
    pub direction: DirectionName,
    pub target: f64,
    /// Where the numbers come from (`ERP`, `service desk`).
    pub source: Option<String>,
    /// A reading is expected at least this often; past that the metric is stale.
    pub update_every_days: i32,
    pub archived: bool,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl TryFrom<metric::Model> for Metric {
    type Error = ApiError;

    fn try_from(m: metric::Model) -> ApiResult<Self> {
        Ok(Self {
            direction: direction(&m.direction)?,
            id: m.id.into(),
            program_id: m.program_id.into(),
            stage_id: m.stage_id.map(Into::into),
            sub_process_id: m.sub_process_id.map(Into::into),
            department_id: m.department_id.map(Into::into),
            name: m.name,
            unit: m.unit,
            target: m.target,
            source: m.source,
            update_every_days: m.update_every_days,
            archived: m.archived,
            version: m.version,
            created_at: m.created_at,
            updated_at: m.updated_at,
        })
    }
}

#[derive(Debug, Object, Deserialize)]
#[oai(skip_serializing_if_is_none)]
#[oai(deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct NewMetric {
    /// A stage of the program (exactly one of `stage_id` and `sub_process_id`).
    pub stage_id: Option<Id>,
    pub sub_process_id: Option<Id>,
    /// The owning department; by default the one that owns the sub-process or
    /// touchpoint.
    pub department_id: Option<Id>,
    pub name: text::Name,
    pub unit: text::Unit,
    pub direction: DirectionName,
    /// 0, or between 0.000001 and 1e12 in size (either sign).
    #[oai(validator(minimum(value = "-1000000000000"), maximum(value = "1000000000000")))]
    pub target: f64,
    pub source: Option<text::Line>,
    /// Default 30.
    #[oai(validator(minimum(value = "1"), maximum(value = "366")))]
    pub update_every_days: Option<i32>,
}

#[derive(Debug, Object, Deserialize)]
#[oai(skip_serializing_if_is_none)]
#[oai(deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct MetricPatch {
    pub name: Option<text::Name>,
    /// The owning department; `null` to go back to the sub-process's or touchpoint's.
    #[serde(default)]
    pub department_id: MaybeUndefined<Id>,
    /// 0, or between 0.000001 and 1e12 in size (either sign).
    #[oai(validator(minimum(value = "-1000000000000"), maximum(value = "1000000000000")))]
    pub target: Option<f64>,
    #[serde(default)]
    pub source: MaybeUndefined<text::Line>,
    #[oai(validator(minimum(value = "1"), maximum(value = "366")))]
    pub update_every_days: Option<i32>,
    pub archived: Option<bool>,
}

/// A metric with whether anybody is still feeding it.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct MetricStatus {
    pub metric: Metric,
    pub last_reading_at: Option<DateTime<Utc>>,
    pub stale: bool,
}

impl TryFrom<metrics::MetricStatus> for MetricStatus {
    type Error = ApiError;

    fn try_from(s: metrics::MetricStatus) -> ApiResult<Self> {
        Ok(Self {
            metric: s.metric.try_into()?,
            last_reading_at: s.last_reading_at,
            stale: s.stale,
        })
    }
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct MetricList {
    pub items: Vec<MetricStatus>,
}

/// One value of a metric for one period. Readings are facts: never edited.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct Reading {
    pub id: Id,
    pub metric_id: Id,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub value: f64,
    pub sample_size: Option<i32>,
    pub note: Option<String>,
    /// The pushing system's own id for this reading.
    pub external_id: Option<String>,
    pub recorded_by: String,
    pub recorded_at: DateTime<Utc>,
}

impl From<reading::Model> for Reading {
    fn from(m: reading::Model) -> Self {
        Self {
            id: m.id.into(),
            metric_id: m.metric_id.into(),
            period_start: m.period_start,
            period_end: m.period_end,
            value: m.value,
            sample_size: m.sample_size,
            note: m.note,
            external_id: m.external_id,
            recorded_by: m.recorded_by,
            recorded_at: m.recorded_at,
        }
    }
}

#[derive(Debug, Object, Deserialize)]
#[oai(skip_serializing_if_is_none)]
#[oai(deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct NewReading {
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    /// Between -1e12 and 1e12.
    #[oai(validator(minimum(value = "-1000000000000"), maximum(value = "1000000000000")))]
    pub value: f64,
    #[oai(validator(minimum(value = "1")))]
    pub sample_size: Option<i32>,
    pub note: Option<text::Prose>,
    /// Your system's id for this reading: a second push with the same id returns the
    /// first reading (200) instead of counting twice.
    pub external_id: Option<text::Line>,
}

#[derive(ApiResponse)]
pub enum ReadingResponse {
    /// Recorded.
    #[oai(status = 201)]
    Created(Json<Reading>),
    /// Already recorded under this external id; nothing new was written.
    #[oai(status = 200)]
    Existing(Json<Reading>),
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct ReadingList {
    pub items: Vec<Reading>,
}

/// A suggested metric for a touchpoint.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct MetricTemplateView {
    pub key: String,
    pub name: String,
    pub unit: String,
    pub direction: DirectionName,
    pub target: f64,
    pub update_every_days: i32,
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct MetricTemplateList {
    pub items: Vec<MetricTemplateView>,
}

#[derive(Default)]
pub struct MetricsApi;

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Metrics")]
impl MetricsApi {
    /// Suggested metrics for a touchpoint
    #[oai(
        path = "/metric-templates",
        method = "get",
        operation_id = "list_metric_templates"
    )]
    async fn templates(&self, auth: BearerAuth) -> ApiResult<Json<MetricTemplateList>> {
        let templates = metrics::templates(&auth.0.actor)?;
        Ok(Json(MetricTemplateList {
            items: templates
                .iter()
                .map(|t| MetricTemplateView {
                    key: t.key.to_owned(),
                    name: t.name.to_owned(),
                    unit: t.unit.to_owned(),
                    direction: t.direction.into(),
                    target: t.target,
                    update_every_days: t.update_every_days as i32,
                })
                .collect(),
        }))
    }

    /// Define a metric on a stage or sub-process
    #[oai(
        path = "/programs/:id/metrics",
        method = "post",
        operation_id = "create_metric"
    )]
    async fn create(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<crate::http::common::Id>,
        body: Body<NewMetric>,
    ) -> ApiResult<Versioned<Metric>> {
        let b = body.0;
        let new = metrics::NewMetric {
            stage_id: b.stage_id.map(Into::into),
            sub_process_id: b.sub_process_id.map(Into::into),
            department_id: b.department_id.map(Into::into),
            name: b.name.into(),
            unit: b.unit.into(),
            direction: b.direction.into(),
            target: b.target,
            source: b.source.map(Into::into),
            update_every_days: b.update_every_days,
        };
        let model = metrics::create(&state, &auth.0.actor, &id, new).await?;
        let (tag, at) = (etag(model.version), location("metrics", &model.id));
        Ok(Versioned::Created(Json(model.try_into()?), tag, at))
    }

    /// A program's metrics, with which are stale
    #[oai(
        path = "/programs/:id/metrics",
        method = "get",
        operation_id = "list_metrics"
    )]
    async fn list(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<crate::http::common::Id>,
        /// Include archived metrics.
        include_archived: Query<Option<bool>>,
    ) -> ApiResult<Json<MetricList>> {
        let all = include_archived.0.unwrap_or(false);
        let rows = metrics::list(&state, &auth.0.actor, &id, all).await?;
        Ok(Json(MetricList {
            items: common::views(rows)?,
        }))
    }

    /// Get a metric
    #[oai(path = "/metrics/:id", method = "get", operation_id = "get_metric")]
    async fn get(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<crate::http::common::Id>,
    ) -> ApiResult<Versioned<Metric>> {
        let model = metrics::get(&state, &auth.0.actor, &id).await?;
        let tag = etag(model.version);
        Ok(Versioned::Ok(Json(model.try_into()?), tag))
    }

    /// Change or archive a metric
    #[oai(
        path = "/metrics/:id",
        method = "patch",
        operation_id = "update_metric"
    )]
    async fn update(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<crate::http::common::Id>,
        /// The ETag of the version the change is based on.
        #[oai(name = "If-Match")]
        if_match: Header<crate::http::common::IfMatch>,
        body: Body<MetricPatch>,
    ) -> ApiResult<Versioned<Metric>> {
        let expected = common::if_match(Some(if_match.0.as_str()))?;
        let p = body.0;
        let change = metrics::MetricChange {
            name: p.name.map(Into::into),
            department_id: patch(p.department_id.map_value(Into::into)),
            target: p.target,
            source: patch(p.source.map_value(Into::into)),
            update_every_days: p.update_every_days,
            archived: p.archived,
        };
        let after = metrics::change(&state, &auth.0.actor, &id, &expected, change).await?;
        let tag = etag(after.version);
        Ok(Versioned::Ok(Json(after.try_into()?), tag))
    }

    /// Record a reading of a metric
    ///
    /// With an `external_id` the push is idempotent: the same id again answers 200
    /// with the reading first recorded, and counts once.
    #[oai(
        path = "/metrics/:id/readings",
        method = "post",
        operation_id = "create_reading"
    )]
    async fn record(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<crate::http::common::Id>,
        body: Body<NewReading>,
    ) -> ApiResult<ReadingResponse> {
        let b = body.0;
        let new = metrics::NewReading {
            period_start: b.period_start,
            period_end: b.period_end,
            value: b.value,
            sample_size: b.sample_size,
            note: b.note.map(Into::into),
            external_id: b.external_id.map(Into::into),
        };
        Ok(
            match metrics::record(&state, &auth.0.actor, &id, new).await? {
                Recorded::New(r) => ReadingResponse::Created(Json(r.into())),
                Recorded::Existing(r) => ReadingResponse::Existing(Json(r.into())),
            },
        )
    }

    /// A metric's readings, newest period first
    #[oai(
        path = "/metrics/:id/readings",
        method = "get",
        operation_id = "list_readings"
    )]
    async fn readings(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<crate::http::common::Id>,
    ) -> ApiResult<Json<ReadingList>> {
        let rows = metrics::readings(&state, &auth.0.actor, &id).await?;
        Ok(Json(ReadingList {
            items: rows.into_iter().map(Reading::from).collect(),
        }))
    }
}
