//! The value stream: stages (touchpoints when customer-facing), their sub-processes,
//! and the built-in industrial template — the HTTP shapes; the use cases are
//! `cxpm_app::programs::{value_stream, template}`.

use crate::http::common::Id;
use crate::http::text;
use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use cxpm_app::programs::{template, value_stream};
use poem::web::Data;
use poem_openapi::param::{Header, Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::types::MaybeUndefined;
use poem_openapi::{Object, OpenApi};
use serde::Deserialize;

use crate::app::AppState;
use crate::error::ApiResult;
use crate::http::bearer::BearerAuth;
use crate::http::body::Body;
use crate::http::common::Deleted;
use crate::http::common::{self, etag, location, patch};
use crate::http::common::{ApiTags, Versioned};
use crate::http::names::translations;
use cxpm_app::store::{stage, sub_process};

/// A stage of the value stream; a customer-facing one is a touchpoint.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct Stage {
    pub id: Id,
    pub program_id: Id,
    pub name: String,
    /// The name in other languages, by locale (`zh-CN`, `pt-BR`, `en`).
    pub name_translations: BTreeMap<String, String>,
    pub description: Option<String>,
    /// Customer-facing: this stage is a touchpoint.
    pub customer_facing: bool,
    /// 1..n among the program's non-archived stages; 0 once archived.
    pub position: i32,
    pub archived: bool,
    /// Set on stages a template created.
    pub template_key: Option<String>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<stage::Model> for Stage {
    fn from(m: stage::Model) -> Self {
        Self {
            name_translations: translations(&m.name_translations),
            id: m.id.into(),
            program_id: m.program_id.into(),
            name: m.name,
            description: m.description,
            customer_facing: m.customer_facing,
            position: m.position,
            archived: m.archived,
            template_key: m.template_key,
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
pub struct NewStage {
    pub name: text::Name,
    pub name_translations: Option<crate::http::common::Translations>,
    pub description: Option<text::Prose>,
    pub customer_facing: bool,
    /// Where to insert it (1 = first); default last.
    #[oai(validator(minimum(value = "1")))]
    pub position: Option<u32>,
}

/// Only the fields to change. `position` moves the stage; `archived: true` takes it
/// out of the order (its sub-processes stay, as history).
#[derive(Debug, Object, Deserialize)]
#[oai(skip_serializing_if_is_none)]
#[oai(deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct StagePatch {
    pub name: Option<text::Name>,
    pub name_translations: Option<crate::http::common::Translations>,
    #[serde(default)]
    pub description: MaybeUndefined<text::Prose>,
    pub customer_facing: Option<bool>,
    #[oai(validator(minimum(value = "1")))]
    pub position: Option<u32>,
    pub archived: Option<bool>,
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct StageList {
    pub items: Vec<Stage>,
}

/// A sub-process of a stage, with its goal.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct SubProcess {
    pub id: Id,
    pub program_id: Id,
    pub stage_id: Id,
    pub name: String,
    pub name_translations: BTreeMap<String, String>,
    pub goal: Option<String>,
    /// 1..n among the stage's non-archived sub-processes; 0 once archived.
    pub position: i32,
    pub archived: bool,
    pub template_key: Option<String>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<sub_process::Model> for SubProcess {
    fn from(m: sub_process::Model) -> Self {
        Self {
            name_translations: translations(&m.name_translations),
            id: m.id.into(),
            program_id: m.program_id.into(),
            stage_id: m.stage_id.into(),
            name: m.name,
            goal: m.goal,
            position: m.position,
            archived: m.archived,
            template_key: m.template_key,
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
pub struct NewSubProcess {
    pub name: text::Name,
    pub name_translations: Option<crate::http::common::Translations>,
    pub goal: Option<text::Prose>,
    #[oai(validator(minimum(value = "1")))]
    pub position: Option<u32>,
}

#[derive(Debug, Object, Deserialize)]
#[oai(skip_serializing_if_is_none)]
#[oai(deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct SubProcessPatch {
    pub name: Option<text::Name>,
    pub name_translations: Option<crate::http::common::Translations>,
    #[serde(default)]
    pub goal: MaybeUndefined<text::Prose>,
    #[oai(validator(minimum(value = "1")))]
    pub position: Option<u32>,
    pub archived: Option<bool>,
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct SubProcessList {
    pub items: Vec<SubProcess>,
}

/// Which of your departments plays each role the template names. Any may be left
/// out and given on a later application.
#[derive(Debug, Object, Deserialize, Default)]
#[oai(skip_serializing_if_is_none)]
#[oai(deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct IndustrialDepartments {
    pub order_management: Option<Id>,
    pub manufacturing: Option<Id>,
    pub quality_inspection: Option<Id>,
    pub shipping: Option<Id>,
}

#[derive(Debug, Object, Deserialize, Default)]
#[oai(skip_serializing_if_is_none)]
#[oai(deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct ApplyTemplate {
    #[serde(default)]
    pub departments: Option<IndustrialDepartments>,
}

/// What applying a template did. Applying it again creates only what is missing.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct TemplateResult {
    pub stages_created: u32,
    pub sub_processes_created: u32,
    pub owners_created: u32,
    /// The program's value stream after the application, in order.
    pub stages: Vec<Stage>,
}

#[derive(Default)]
pub struct ValueStreamApi;

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::ValueStream")]
impl ValueStreamApi {
    /// Add a stage to a program's value stream
    #[oai(
        path = "/programs/:id/stages",
        method = "post",
        operation_id = "create_stage"
    )]
    async fn create_stage(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<crate::http::common::Id>,
        body: Body<NewStage>,
    ) -> ApiResult<Versioned<Stage>> {
        let b = body.0;
        let new = value_stream::NewPart {
            name: b.name.into(),
            name_translations: b.name_translations.map(Into::into),
            text: b.description.map(Into::into),
            customer_facing: b.customer_facing,
            position: b.position,
        };
        let model = value_stream::add_stage(&state, &auth.0.actor, &id, new).await?;
        let (tag, at) = (etag(model.version), location("stages", &model.id));
        Ok(Versioned::Created(Json(model.into()), tag, at))
    }

    /// List a program's stages in order
    #[oai(
        path = "/programs/:id/stages",
        method = "get",
        operation_id = "list_stages"
    )]
    async fn list_stages(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<crate::http::common::Id>,
        /// Include archived stages (after the others).
        include_archived: Query<Option<bool>>,
    ) -> ApiResult<Json<StageList>> {
        let all = include_archived.0.unwrap_or(false);
        let rows = value_stream::stages(&state, &auth.0.actor, &id, all).await?;
        Ok(Json(StageList {
            items: rows.into_iter().map(Stage::from).collect(),
        }))
    }

    /// Get a stage
    #[oai(path = "/stages/:id", method = "get", operation_id = "get_stage")]
    async fn get_stage(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<crate::http::common::Id>,
    ) -> ApiResult<Versioned<Stage>> {
        let model = value_stream::stage(&state, &auth.0.actor, &id).await?;
        let tag = etag(model.version);
        Ok(Versioned::Ok(Json(model.into()), tag))
    }

    /// Rename, move or archive a stage
    #[oai(path = "/stages/:id", method = "patch", operation_id = "update_stage")]
    async fn update_stage(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<crate::http::common::Id>,
        /// The ETag of the version the change is based on.
        #[oai(name = "If-Match")]
        if_match: Header<crate::http::common::IfMatch>,
        body: Body<StagePatch>,
    ) -> ApiResult<Versioned<Stage>> {
        let expected = common::if_match(Some(if_match.0.as_str()))?;
        let p = body.0;
        let change = value_stream::PartChange {
            name: p.name.map(Into::into),
            name_translations: p.name_translations.map(Into::into),
            text: patch(p.description.map_value(Into::into)),
            customer_facing: p.customer_facing,
            position: p.position,
            archived: p.archived,
        };
        let after =
            value_stream::change_stage(&state, &auth.0.actor, &id, &expected, change).await?;
        let tag = etag(after.version);
        Ok(Versioned::Ok(Json(after.into()), tag))
    }

    /// Delete a stage that has no sub-processes
    ///
    /// A stage with sub-processes has history: archive it instead (409).
    #[oai(path = "/stages/:id", method = "delete", operation_id = "delete_stage")]
    async fn delete_stage(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<crate::http::common::Id>,
        /// The ETag of the version the deletion is based on.
        #[oai(name = "If-Match")]
        if_match: Header<crate::http::common::IfMatch>,
    ) -> ApiResult<Deleted> {
        let expected = common::if_match(Some(if_match.0.as_str()))?;
        value_stream::delete_stage(&state, &auth.0.actor, &id, &expected).await?;
        Ok(Deleted::NoContent)
    }

    /// Add a sub-process to a stage
    #[oai(
        path = "/stages/:id/sub-processes",
        method = "post",
        operation_id = "create_sub_process"
    )]
    async fn create_sub_process(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<crate::http::common::Id>,
        body: Body<NewSubProcess>,
    ) -> ApiResult<Versioned<SubProcess>> {
        let b = body.0;
        let new = value_stream::NewPart {
            name: b.name.into(),
            name_translations: b.name_translations.map(Into::into),
            text: b.goal.map(Into::into),
            customer_facing: false,
            position: b.position,
        };
        let model = value_stream::add_sub_process(&state, &auth.0.actor, &id, new).await?;
        let (tag, at) = (etag(model.version), location("sub-processes", &model.id));
        Ok(Versioned::Created(Json(model.into()), tag, at))
    }

    /// List a stage's sub-processes in order
    #[oai(
        path = "/stages/:id/sub-processes",
        method = "get",
        operation_id = "list_sub_processes"
    )]
    async fn list_sub_processes(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<crate::http::common::Id>,
        /// Include archived sub-processes (after the others).
        include_archived: Query<Option<bool>>,
    ) -> ApiResult<Json<SubProcessList>> {
        let all = include_archived.0.unwrap_or(false);
        let rows = value_stream::sub_processes(&state, &auth.0.actor, &id, all).await?;
        Ok(Json(SubProcessList {
            items: rows.into_iter().map(SubProcess::from).collect(),
        }))
    }

    /// Get a sub-process
    #[oai(
        path = "/sub-processes/:id",
        method = "get",
        operation_id = "get_sub_process"
    )]
    async fn get_sub_process(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<crate::http::common::Id>,
    ) -> ApiResult<Versioned<SubProcess>> {
        let model = value_stream::sub_process(&state, &auth.0.actor, &id).await?;
        let tag = etag(model.version);
        Ok(Versioned::Ok(Json(model.into()), tag))
    }

    /// Rename, move or archive a sub-process
    #[oai(
        path = "/sub-processes/:id",
        method = "patch",
        operation_id = "update_sub_process"
    )]
    async fn update_sub_process(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<crate::http::common::Id>,
        /// The ETag of the version the change is based on.
        #[oai(name = "If-Match")]
        if_match: Header<crate::http::common::IfMatch>,
        body: Body<SubProcessPatch>,
    ) -> ApiResult<Versioned<SubProcess>> {
        let expected = common::if_match(Some(if_match.0.as_str()))?;
        let p = body.0;
        let change = value_stream::PartChange {
            name: p.name.map(Into::into),
            name_translations: p.name_translations.map(Into::into),
            text: patch(p.goal.map_value(Into::into)),
            customer_facing: None,
            position: p.position,
            archived: p.archived,
        };
        let after =
            value_stream::change_sub_process(&state, &auth.0.actor, &id, &expected, change).await?;
        let tag = etag(after.version);
        Ok(Versioned::Ok(Json(after.into()), tag))
    }

    /// Apply the industrial value-stream template
    ///
    /// Creates the eight stages of an industrial manufacturer's value stream (bidding
    /// to payment collection, names in English and Chinese, manufacturing internal),
    /// the delivery-and-acceptance sub-process with its goal, and an owner row for each
    /// of the four departments you map. Applying it again creates only what is missing.
    #[oai(
        path = "/programs/:id/templates/industrial",
        method = "post",
        operation_id = "apply_industrial_template"
    )]
    async fn apply_industrial(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<crate::http::common::Id>,
        body: Body<ApplyTemplate>,
    ) -> ApiResult<Json<TemplateResult>> {
        let m = body.0.departments.unwrap_or_default();
        let mapping = template::IndustrialDepartments {
            order_management: m.order_management.map(Into::into),
            manufacturing: m.manufacturing.map(Into::into),
            quality_inspection: m.quality_inspection.map(Into::into),
            shipping: m.shipping.map(Into::into),
        };
        let done = template::apply_industrial(&state, &auth.0.actor, &id, mapping).await?;
        Ok(Json(TemplateResult {
            stages_created: done.stages_created,
            sub_processes_created: done.sub_processes_created,
            owners_created: done.owners_created,
            stages: done.stages.into_iter().map(Stage::from).collect(),
        }))
    }
}
