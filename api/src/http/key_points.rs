//! Key experience points of a relationship and their measurements.

use crate::http::common::Id;
use crate::http::text;
use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use cxpm_app::plans::key_points;
use cxpm_domain::plan::MeasurementSource;
use poem::web::Data;
use poem_openapi::param::{Header, Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::types::MaybeUndefined;
use poem_openapi::{Enum, Object, OpenApi};
use serde::Deserialize;

use crate::app::AppState;
use crate::error::{ApiError, ApiResult};
use crate::http::bearer::BearerAuth;
use crate::http::body::Body;
use crate::http::common::{self, etag, patch};
use crate::http::common::{ApiTags, Made, Versioned};
use crate::http::names::translations;
use cxpm_app::store::{key_point, measurement};

/// What the customer cares about in a relationship (确定关键体验点).
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct KeyPoint {
    pub id: Id,
    pub program_id: Id,
    pub relationship_id: Id,
    pub name: String,
    /// The name in other languages, by locale tag; each reader is shown theirs.
    pub name_translations: BTreeMap<String, String>,
    pub description: Option<String>,
    /// What the internal customer expects, in their words.
    pub customer_expects: Option<String>,
    pub archived: bool,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<key_point::Model> for KeyPoint {
    fn from(m: key_point::Model) -> Self {
        Self {
            id: m.id.into(),
            program_id: m.program_id.into(),
            relationship_id: m.relationship_id.into(),
            name_translations: translations(&m.name_translations),
            name: m.name,
            description: m.description,
            customer_expects: m.customer_expects,
            archived: m.archived,
            version: m.version,
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }
}

#[derive(Debug, Object, Deserialize)]
#[oai(skip_serializing_if_is_none)]
#[oai(deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct NewKeyPoint {
    pub name: text::Name,
    /// The name in other languages, by locale tag.
    pub name_translations: Option<crate::http::common::Translations>,
    pub description: Option<text::Prose>,
    pub customer_expects: Option<text::Prose>,
}

#[derive(Debug, Object, Deserialize)]
#[oai(skip_serializing_if_is_none)]
#[oai(deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct KeyPointPatch {
    pub name: Option<text::Name>,
    /// Replaces the names in other languages.
    pub name_translations: Option<crate::http::common::Translations>,
    #[serde(default)]
    pub description: MaybeUndefined<text::Prose>,
    #[serde(default)]
    pub customer_expects: MaybeUndefined<text::Prose>,
    pub archived: Option<bool>,
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct KeyPointList {
    pub items: Vec<KeyPoint>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, Deserialize)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
#[oai(remote = "MeasurementSource")]
pub enum SourceName {
    Survey,
    OperationalKpi,
    ComplaintReview,
    Interview,
    /// Made by a closed feedback round; never recorded by hand.
    FeedbackRound,
}

/// Expectation against perceived experience of a key point, for one period.
/// Measurements are facts: they are recorded, never edited.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct Measurement {
    pub id: Id,
    pub key_point_id: Id,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    /// On the program's survey scale.
    pub expectation_score: f64,
    /// On the program's survey scale.
    pub experience_score: f64,
    /// How much the point matters to the customer, 1–5.
    pub importance: i32,
    /// The provider's own rating of the experience it gives; the blind spot is
    /// this minus `experience_score`.
    pub provider_rating: Option<f64>,
    pub sample_size: Option<i32>,
    pub source: SourceName,
    pub note: Option<String>,
    pub recorded_by: String,
    pub recorded_at: DateTime<Utc>,
}

impl TryFrom<measurement::Model> for Measurement {
    type Error = ApiError;

    fn try_from(m: measurement::Model) -> ApiResult<Self> {
        let source: MeasurementSource = *m.source;
        Ok(Self {
            id: m.id.into(),
            key_point_id: m.key_point_id.into(),
            period_start: m.period_start,
            period_end: m.period_end,
            expectation_score: m.expectation_score,
            experience_score: m.experience_score,
            importance: m.importance,
            provider_rating: m.provider_rating,
            sample_size: m.sample_size,
            source: source.into(),
            note: m.note,
            recorded_by: m.recorded_by,
            recorded_at: m.recorded_at,
        })
    }
}

#[derive(Debug, Object, Deserialize)]
#[oai(skip_serializing_if_is_none)]
#[oai(deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct NewMeasurement {
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub expectation_score: f64,
    pub experience_score: f64,
    #[oai(validator(minimum(value = "1"), maximum(value = "5")))]
    pub importance: i32,
    pub provider_rating: Option<f64>,
    #[oai(validator(minimum(value = "1")))]
    pub sample_size: Option<i32>,
    pub source: SourceName,
    pub note: Option<text::Prose>,
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct MeasurementList {
    pub items: Vec<Measurement>,
}

#[derive(Default)]
pub struct KeyPointsApi;

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Plans")]
impl KeyPointsApi {
    /// Choose a key experience point of a relationship
    #[oai(
        path = "/relationships/:id/key-points",
        method = "post",
        operation_id = "create_key_point"
    )]
    async fn create(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<crate::http::common::Id>,
        body: Body<NewKeyPoint>,
    ) -> ApiResult<Versioned<KeyPoint>> {
        let b = body.0;
        let new = key_points::NewKeyPoint {
            name: b.name.into(),
            name_translations: b.name_translations.map(Into::into),
            description: b.description.map(Into::into),
            customer_expects: b.customer_expects.map(Into::into),
        };
        let model = key_points::create(&state, &auth.0.actor, &id, new).await?;
        let tag = etag(model.version);
        Ok(Versioned::Created(Json(model.into()), tag, None))
    }

    /// List a relationship's key experience points
    #[oai(
        path = "/relationships/:id/key-points",
        method = "get",
        operation_id = "list_key_points"
    )]
    async fn list(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<crate::http::common::Id>,
        /// Include archived key points.
        include_archived: Query<Option<bool>>,
    ) -> ApiResult<Json<KeyPointList>> {
        let all = include_archived.0.unwrap_or(false);
        let rows = key_points::list(&state, &auth.0.actor, &id, all).await?;
        Ok(Json(KeyPointList {
            items: rows.into_iter().map(KeyPoint::from).collect(),
        }))
    }

    /// Change or archive a key experience point
    #[oai(
        path = "/key-points/:id",
        method = "patch",
        operation_id = "update_key_point"
    )]
    async fn update(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<crate::http::common::Id>,
        /// The ETag of the version the change is based on.
        #[oai(name = "If-Match")]
        if_match: Header<crate::http::common::IfMatch>,
        body: Body<KeyPointPatch>,
    ) -> ApiResult<Versioned<KeyPoint>> {
        let expected = common::if_match(Some(if_match.0.as_str()))?;
        let p = body.0;
        let change = key_points::KeyPointChange {
            name: p.name.map(Into::into),
            name_translations: p.name_translations.map(Into::into),
            description: patch(p.description.map_value(Into::into)),
            customer_expects: patch(p.customer_expects.map_value(Into::into)),
            archived: p.archived,
        };
        let after = key_points::change(&state, &auth.0.actor, &id, &expected, change).await?;
        let tag = etag(after.version);
        Ok(Versioned::Ok(Json(after.into()), tag))
    }

    /// Record a measurement of a key experience point
    ///
    /// Scores must lie on the program's survey scale (422 otherwise).
    #[oai(
        path = "/key-points/:id/measurements",
        method = "post",
        operation_id = "create_measurement"
    )]
    async fn measure(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<crate::http::common::Id>,
        body: Body<NewMeasurement>,
    ) -> ApiResult<Made<Measurement>> {
        let b = body.0;
        let new = key_points::NewMeasurement {
            period_start: b.period_start,
            period_end: b.period_end,
            expectation_score: b.expectation_score,
            experience_score: b.experience_score,
            importance: b.importance,
            provider_rating: b.provider_rating,
            sample_size: b.sample_size,
            source: MeasurementSource::from(b.source),
            note: b.note.map(Into::into),
        };
        let model = key_points::measure(&state, &auth.0.actor, &id, new).await?;
        Ok(Made::Created(Json(model.try_into()?), None))
    }

    /// List a key point's measurements, newest first
    #[oai(
        path = "/key-points/:id/measurements",
        method = "get",
        operation_id = "list_measurements"
    )]
    async fn measurements(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<crate::http::common::Id>,
    ) -> ApiResult<Json<MeasurementList>> {
        let rows = key_points::measurements(&state, &auth.0.actor, &id).await?;
        Ok(Json(MeasurementList {
            items: rows
                .into_iter()
                .map(Measurement::try_from)
                .collect::<ApiResult<_>>()?,
        }))
    }
}
