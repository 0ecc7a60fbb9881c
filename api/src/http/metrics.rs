//! Operational metrics on touchpoints and sub-processes, and their readings —
//! recorded by hand or pushed by other systems (ERP, CRM, service desk).

use chrono::{DateTime, NaiveDate, Utc};
use cxpm_domain::gap::Direction;
use cxpm_domain::metric::{METRIC_TEMPLATES, is_stale};
use cxpm_domain::values::{Name, optional_text};
use cxpm_domain::{Action, FieldError, Invalid, Target, authorize};
use poem::web::Data;
use poem_openapi::param::{Header, Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::types::MaybeUndefined;
use poem_openapi::{ApiResponse, Enum, Object, OpenApi};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, TransactionTrait};
use serde::Deserialize;

use crate::app::AppState;
use crate::auth::BearerAuth;
use crate::db::{department, metric, new_id, program, reading, stage, sub_process, versioned};
use crate::error::{ApiError, ApiResult};
use crate::http::ApiTags;
use crate::http::body::Body;
use crate::http::common::{etag, expected_version, load, referenced};
use crate::http::programs::maybe_text;

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
    pub id: String,
    pub program_id: String,
    /// The touchpoint stage it measures (or `sub_process_id`).
    pub stage_id: Option<String>,
    pub sub_process_id: Option<String>,
    /// The department that owns it, when set on the metric. Without one the gap
    /// report gives its line the department that owns its sub-process or touchpoint.
    pub department_id: Option<String>,
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
            id: m.id,
            program_id: m.program_id,
            stage_id: m.stage_id,
            sub_process_id: m.sub_process_id,
            department_id: m.department_id,
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
    pub stage_id: Option<String>,
    pub sub_process_id: Option<String>,
    /// The owning department; by default the one that owns the sub-process or
    /// touchpoint.
    pub department_id: Option<String>,
    #[oai(validator(min_length = 1, max_length = 200))]
    pub name: String,
    #[oai(validator(min_length = 1, max_length = 32))]
    pub unit: String,
    pub direction: DirectionName,
    /// 0, or between 0.000001 and 1e12 in size (either sign).
    pub target: f64,
    #[oai(validator(max_length = 200))]
    pub source: Option<String>,
    /// Default 30.
    #[oai(validator(minimum(value = "1"), maximum(value = "366")))]
    pub update_every_days: Option<i32>,
}

#[derive(Debug, Object, Deserialize)]
#[oai(skip_serializing_if_is_none)]
#[oai(deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct MetricPatch {
    #[oai(validator(min_length = 1, max_length = 200))]
    pub name: Option<String>,
    /// The owning department; `null` to go back to the sub-process's or touchpoint's.
    #[serde(default)]
    pub department_id: MaybeUndefined<String>,
    /// 0, or between 0.000001 and 1e12 in size (either sign).
    pub target: Option<f64>,
    #[serde(default)]
    pub source: MaybeUndefined<String>,
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

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct MetricList {
    pub items: Vec<MetricStatus>,
}

#[derive(ApiResponse)]
pub enum MetricResponse {
    #[oai(status = 200)]
    Ok(Json<Metric>, #[oai(header = "ETag")] String),
    #[oai(status = 201)]
    Created(Json<Metric>, #[oai(header = "ETag")] String),
}

/// One value of a metric for one period. Readings are facts: never edited.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct Reading {
    pub id: String,
    pub metric_id: String,
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
            id: m.id,
            metric_id: m.metric_id,
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
    pub value: f64,
    #[oai(validator(minimum(value = "1")))]
    pub sample_size: Option<i32>,
    #[oai(validator(max_length = 4000))]
    pub note: Option<String>,
    /// Your system's id for this reading: a second push with the same id returns the
    /// first reading (200) instead of counting twice.
    #[oai(validator(min_length = 1, max_length = 200))]
    pub external_id: Option<String>,
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
        authorize(&auth.0.actor, Action::ReadPrograms, Target::Anything)?;
        Ok(Json(MetricTemplateList {
            items: METRIC_TEMPLATES
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
        id: Path<String>,
        body: Body<NewMetric>,
    ) -> ApiResult<MetricResponse> {
        let actor = &auth.0.actor;
        authorize(actor, Action::ManageMetrics, Target::Anything)?;
        let program = load::<program::Entity>(&state.db, "program", &id).await?;
        let b = body.0;
        let mut invalid = Invalid::default();
        let name = invalid.check(Name::parse(&b.name));
        let unit = invalid.check(Name::parse(&b.unit).map_err(|e| e.at("unit")));
        let source = invalid
            .check(optional_text("source", b.source.as_deref(), 200))
            .flatten();
        invalid.check(cxpm_domain::metric::target("target", b.target));
        let every = b.update_every_days.unwrap_or(30);
        if !(1..=366).contains(&every) {
            invalid.push(FieldError::new("update_every_days", "must be 1 to 366"));
        }
        if b.stage_id.is_some() == b.sub_process_id.is_some() {
            invalid.push(FieldError::new(
                "stage_id",
                "give exactly one of stage_id and sub_process_id",
            ));
        }
        invalid.into_result()?;
        let (Some(name), Some(unit)) = (name, unit) else {
            return Err(ApiError::internal(&"validated fields missing"));
        };
        let (stage_id, sub_process_id) = match (&b.stage_id, &b.sub_process_id) {
            (Some(raw), _) => {
                let s = referenced::<stage::Entity>(&state.db, "stage_id", "stage", raw).await?;
                if s.program_id != program.id {
                    return Err(FieldError::new(
                        "stage_id",
                        "the stage belongs to another program",
                    )
                    .into());
                }
                (Some(s.id), None)
            }
            (None, Some(raw)) => {
                let s = referenced::<sub_process::Entity>(
                    &state.db,
                    "sub_process_id",
                    "sub-process",
                    raw,
                )
                .await?;
                if s.program_id != program.id {
                    return Err(FieldError::new(
                        "sub_process_id",
                        "the sub-process belongs to another program",
                    )
                    .into());
                }
                (None, Some(s.id))
            }
            (None, None) => return Err(ApiError::internal(&"validated target missing")),
        };
        let department_id = match &b.department_id {
            Some(raw) => Some(
                referenced::<department::Entity>(&state.db, "department_id", "department", raw)
                    .await?
                    .id,
            ),
            None => None,
        };
        let now = state.now();
        let model = metric::Model {
            id: new_id(),
            program_id: program.id,
            stage_id,
            sub_process_id,
            department_id,
            name: name.into_inner(),
            unit: unit.into_inner(),
            direction: Direction::from(b.direction).as_str().to_owned(),
            target: b.target,
            source,
            update_every_days: every,
            archived: false,
            version: 1,
            created_at: now,
            updated_at: now,
        };
        versioned::create::<metric::Entity>(&state.db, &actor.person_id, &model).await?;
        let tag = etag(model.version);
        Ok(MetricResponse::Created(Json(model.try_into()?), tag))
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
        id: Path<String>,
        /// Include archived metrics.
        include_archived: Query<Option<bool>>,
    ) -> ApiResult<Json<MetricList>> {
        authorize(&auth.0.actor, Action::ReadPrograms, Target::Anything)?;
        let program = load::<program::Entity>(&state.read, "program", &id).await?;
        let mut select = metric::Entity::find().filter(metric::Column::ProgramId.eq(&program.id));
        if !include_archived.0.unwrap_or(false) {
            select = select.filter(metric::Column::Archived.eq(false));
        }
        let metrics = select
            .order_by_asc(metric::Column::Id)
            .all(&state.read)
            .await?;
        let ids: Vec<String> = metrics.iter().map(|m| m.id.clone()).collect();
        let last: std::collections::HashMap<String, DateTime<Utc>> =
            cxpm_app::reports::queries::last_readings_of(&state.read, &ids)
                .await?
                .into_iter()
                .filter_map(|r| Some((r.metric_id, r.at?)))
                .collect();
        let now = state.now();
        let items = metrics
            .into_iter()
            .map(|m| {
                let last_reading_at = last.get(&m.id).copied();
                let stale = is_stale(
                    last_reading_at,
                    m.created_at,
                    m.update_every_days.max(1) as u32,
                    now,
                );
                Ok(MetricStatus {
                    metric: m.try_into()?,
                    last_reading_at,
                    stale,
                })
            })
            .collect::<ApiResult<_>>()?;
        Ok(Json(MetricList { items }))
    }

    /// Get a metric
    #[oai(path = "/metrics/:id", method = "get", operation_id = "get_metric")]
    async fn get(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<String>,
    ) -> ApiResult<MetricResponse> {
        authorize(&auth.0.actor, Action::ReadPrograms, Target::Anything)?;
        let model = load::<metric::Entity>(&state.read, "metric", &id).await?;
        let tag = etag(model.version);
        Ok(MetricResponse::Ok(Json(model.try_into()?), tag))
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
        id: Path<String>,
        /// The ETag of the version the change is based on.
        #[oai(name = "If-Match")]
        if_match: Header<Option<String>>,
        body: Body<MetricPatch>,
    ) -> ApiResult<MetricResponse> {
        let actor = &auth.0.actor;
        authorize(actor, Action::ManageMetrics, Target::Anything)?;
        let before = load::<metric::Entity>(&state.db, "metric", &id).await?;
        expected_version(if_match.0.as_deref(), before.version)?;
        let p = body.0;
        let mut after = before.clone();
        let mut invalid = Invalid::default();
        if let Some(name) = p
            .name
            .as_deref()
            .and_then(|n| invalid.check(Name::parse(n)))
        {
            after.name = name.into_inner();
        }
        if let Some(t) = p
            .target
            .and_then(|t| invalid.check(cxpm_domain::metric::target("target", t)))
        {
            after.target = t;
        }
        if let Some(v) = maybe_text(&mut invalid, "source", p.source, 200) {
            after.source = v;
        }
        match p.update_every_days {
            Some(d) if (1..=366).contains(&d) => after.update_every_days = d,
            Some(_) => invalid.push(FieldError::new("update_every_days", "must be 1 to 366")),
            None => {}
        }
        invalid.into_result()?;
        match p.department_id {
            MaybeUndefined::Undefined => {}
            MaybeUndefined::Null => after.department_id = None,
            MaybeUndefined::Value(raw) => {
                after.department_id = Some(
                    referenced::<department::Entity>(
                        &state.db,
                        "department_id",
                        "department",
                        &raw,
                    )
                    .await?
                    .id,
                )
            }
        }
        if let Some(archived) = p.archived {
            after.archived = archived;
        }
        let after =
            versioned::update::<metric::Entity>(&state.db, &actor.person_id, &before, after)
                .await?;
        let tag = etag(after.version);
        Ok(MetricResponse::Ok(Json(after.try_into()?), tag))
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
        id: Path<String>,
        body: Body<NewReading>,
    ) -> ApiResult<ReadingResponse> {
        let actor = &auth.0.actor;
        authorize(actor, Action::RecordReadings, Target::Anything)?;
        let metric = load::<metric::Entity>(&state.db, "metric", &id).await?;
        let b = body.0;
        let mut invalid = Invalid::default();
        invalid.check(cxpm_domain::metric::value("value", b.value));
        if b.period_end < b.period_start {
            invalid.push(FieldError::new(
                "period_end",
                "must not be before period_start",
            ));
        }
        if b.sample_size.is_some_and(|n| n < 1) {
            invalid.push(FieldError::new("sample_size", "must be at least 1"));
        }
        let note = invalid
            .check(optional_text("note", b.note.as_deref(), 4000))
            .flatten();
        let external_id = invalid
            .check(optional_text("external_id", b.external_id.as_deref(), 200))
            .flatten();
        invalid.into_result()?;
        if let Some(existing) = find_external(&state, &metric.id, external_id.as_deref()).await? {
            return Ok(ReadingResponse::Existing(Json(existing.into())));
        }
        let model = reading::Model {
            id: new_id(),
            metric_id: metric.id.clone(),
            period_start: b.period_start,
            period_end: b.period_end,
            value: b.value,
            sample_size: b.sample_size,
            note,
            external_id: external_id.clone(),
            recorded_by: actor.person_id.clone(),
            recorded_at: state.now(),
        };
        // The reading, its audit entry and its period's running sums, together.
        let saved = async {
            let txn = state.db.begin().await?;
            crate::db::append_in::<reading::Entity, _>(
                &txn,
                &actor.person_id,
                "reading",
                &model.id,
                &model,
            )
            .await?;
            crate::db::summaries::add_reading(&txn, &model).await?;
            txn.commit().await
        };
        match saved.await {
            Ok(()) => Ok(ReadingResponse::Created(Json(model.into()))),
            // Two pushes of the same id at once: the loser answers with the winner's row.
            Err(e)
                if matches!(
                    e.sql_err(),
                    Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
                ) =>
            {
                let existing = find_external(&state, &metric.id, external_id.as_deref())
                    .await?
                    .ok_or_else(|| ApiError::from(e))?;
                Ok(ReadingResponse::Existing(Json(existing.into())))
            }
            Err(e) => Err(e.into()),
        }
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
        id: Path<String>,
    ) -> ApiResult<Json<ReadingList>> {
        authorize(&auth.0.actor, Action::ReadPrograms, Target::Anything)?;
        let metric = load::<metric::Entity>(&state.read, "metric", &id).await?;
        let rows = reading::Entity::find()
            .filter(reading::Column::MetricId.eq(&metric.id))
            .order_by_desc(reading::Column::PeriodStart)
            .order_by_desc(reading::Column::Id)
            .all(&state.read)
            .await?;
        Ok(Json(ReadingList {
            items: rows.into_iter().map(Reading::from).collect(),
        }))
    }
}

async fn find_external(
    state: &AppState,
    metric_id: &str,
    external_id: Option<&str>,
) -> ApiResult<Option<reading::Model>> {
    let Some(external_id) = external_id else {
        return Ok(None);
    };
    Ok(crate::db::unique(
        reading::Entity::find()
            .filter(reading::Column::MetricId.eq(metric_id))
            .filter(reading::Column::ExternalId.eq(external_id)),
        &state.db,
    )
    .await?)
}
