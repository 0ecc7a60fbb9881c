//! The value stream: stages (touchpoints when customer-facing), their sub-processes,
//! and the built-in industrial template.
//!
//! Positions are 1..n among the non-archived stages of a program (and among the
//! non-archived sub-processes of a stage). Every change of order — a create, a move,
//! an archive — first bumps the program's `stage_order` counter: that write takes
//! the program's row lock on PostgreSQL and the write lock on SQLite, so reorders of
//! one program run one after another and positions stay dense and unique.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use cxpm_domain::templates::{
    INDUSTRIAL_DEPARTMENT_KEYS, INDUSTRIAL_STAGES, INDUSTRIAL_SUB_PROCESSES,
};
use cxpm_domain::value_stream::{dense, place, reorder};

use crate::http::names::{names, rename, translations, translations_json};
use cxpm_domain::values::optional_text;
use cxpm_domain::{Action, FieldError, Invalid, Target, authorize};
use poem::web::Data;
use poem_openapi::param::{Header, Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::types::MaybeUndefined;
use poem_openapi::{ApiResponse, Object, OpenApi};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, TransactionTrait,
};
use serde::Deserialize;

use crate::app::AppState;
use crate::auth::BearerAuth;
use crate::db::{department, new_id, owner, program, stage, sub_process, versioned};
use crate::error::{ApiError, ApiResult};
use crate::http::ApiTags;
use crate::http::body::Body;
use crate::http::common::{etag, expected_version, load, parse_id};
use crate::http::programs::{Deleted, maybe_text};

/// A stage of the value stream; a customer-facing one is a touchpoint.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct Stage {
    pub id: String,
    pub program_id: String,
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
            id: m.id,
            program_id: m.program_id,
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
    #[oai(validator(min_length = 1, max_length = 200))]
    pub name: String,
    pub name_translations: Option<BTreeMap<String, String>>,
    #[oai(validator(max_length = 4000))]
    pub description: Option<String>,
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
    #[oai(validator(min_length = 1, max_length = 200))]
    pub name: Option<String>,
    pub name_translations: Option<BTreeMap<String, String>>,
    #[serde(default)]
    pub description: MaybeUndefined<String>,
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

#[derive(ApiResponse)]
pub enum StageResponse {
    #[oai(status = 200)]
    Ok(Json<Stage>, #[oai(header = "ETag")] String),
    #[oai(status = 201)]
    Created(Json<Stage>, #[oai(header = "ETag")] String),
}

/// A sub-process of a stage, with its goal.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct SubProcess {
    pub id: String,
    pub program_id: String,
    pub stage_id: String,
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
            id: m.id,
            program_id: m.program_id,
            stage_id: m.stage_id,
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
    #[oai(validator(min_length = 1, max_length = 200))]
    pub name: String,
    pub name_translations: Option<BTreeMap<String, String>>,
    #[oai(validator(max_length = 4000))]
    pub goal: Option<String>,
    #[oai(validator(minimum(value = "1")))]
    pub position: Option<u32>,
}

#[derive(Debug, Object, Deserialize)]
#[oai(skip_serializing_if_is_none)]
#[oai(deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct SubProcessPatch {
    #[oai(validator(min_length = 1, max_length = 200))]
    pub name: Option<String>,
    pub name_translations: Option<BTreeMap<String, String>>,
    #[serde(default)]
    pub goal: MaybeUndefined<String>,
    #[oai(validator(minimum(value = "1")))]
    pub position: Option<u32>,
    pub archived: Option<bool>,
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct SubProcessList {
    pub items: Vec<SubProcess>,
}

#[derive(ApiResponse)]
pub enum SubProcessResponse {
    #[oai(status = 200)]
    Ok(Json<SubProcess>, #[oai(header = "ETag")] String),
    #[oai(status = 201)]
    Created(Json<SubProcess>, #[oai(header = "ETag")] String),
}

/// Which of your departments plays each role the template names. Any may be left
/// out and given on a later application.
#[derive(Debug, Object, Deserialize, Default)]
#[oai(skip_serializing_if_is_none)]
#[oai(deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct IndustrialDepartments {
    pub order_management: Option<String>,
    pub manufacturing: Option<String>,
    pub quality_inspection: Option<String>,
    pub shipping: Option<String>,
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
        id: Path<String>,
        body: Body<NewStage>,
    ) -> ApiResult<StageResponse> {
        let actor = &auth.0.actor;
        authorize(actor, Action::ManageValueStream, Target::Anything)?;
        let program = load::<program::Entity>(&state.db, "program", &id).await?;
        let b = body.0;
        let (name, names) = names(&b.name, b.name_translations.as_ref())?;
        let description = optional_text("description", b.description.as_deref(), 4000)?;
        let now = state.now();
        let mut model = stage::Model {
            id: new_id(),
            program_id: program.id.clone(),
            template_key: None,
            name,
            name_translations: names,
            description,
            customer_facing: b.customer_facing,
            position: 0,
            archived: false,
            version: 1,
            created_at: now,
            updated_at: now,
        };
        let txn = lock_order(&state, &program.id).await?;
        let order = stage_order(&txn, &program.id).await?;
        model.position = order.len() as i32 + 1;
        versioned::create_in::<stage::Entity, _>(&txn, &actor.person_id, &model).await?;
        if let Some(position) = b.position {
            let mut ids: Vec<String> = order.iter().map(|s| s.id.clone()).collect();
            ids.push(model.id.clone());
            if let Some(moves) = reorder(&ids, &model.id, position as usize) {
                write_stage_positions(&txn, &moves).await?;
                model.position = moves
                    .iter()
                    .find(|(id, _)| *id == model.id)
                    .map(|(_, p)| *p)
                    .unwrap_or(model.position);
            }
        }
        txn.commit().await?;
        let tag = etag(model.version);
        Ok(StageResponse::Created(Json(model.into()), tag))
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
        id: Path<String>,
        /// Include archived stages (after the others).
        include_archived: Query<Option<bool>>,
    ) -> ApiResult<Json<StageList>> {
        authorize(&auth.0.actor, Action::ReadPrograms, Target::Anything)?;
        let program = load::<program::Entity>(&state.read, "program", &id).await?;
        let mut select = stage::Entity::find().filter(stage::Column::ProgramId.eq(&program.id));
        if !include_archived.0.unwrap_or(false) {
            select = select.filter(stage::Column::Archived.eq(false));
        }
        let rows = select
            .order_by_asc(stage::Column::Archived)
            .order_by_asc(stage::Column::Position)
            .order_by_asc(stage::Column::Id)
            .all(&state.read)
            .await?;
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
        id: Path<String>,
    ) -> ApiResult<StageResponse> {
        authorize(&auth.0.actor, Action::ReadPrograms, Target::Anything)?;
        let model = load::<stage::Entity>(&state.read, "stage", &id).await?;
        let tag = etag(model.version);
        Ok(StageResponse::Ok(Json(model.into()), tag))
    }

    /// Rename, move or archive a stage
    #[oai(path = "/stages/:id", method = "patch", operation_id = "update_stage")]
    async fn update_stage(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<String>,
        /// The ETag of the version the change is based on.
        #[oai(name = "If-Match")]
        if_match: Header<Option<String>>,
        body: Body<StagePatch>,
    ) -> ApiResult<StageResponse> {
        let actor = &auth.0.actor;
        authorize(actor, Action::ManageValueStream, Target::Anything)?;
        let before = load::<stage::Entity>(&state.db, "stage", &id).await?;
        expected_version(if_match.0.as_deref(), before.version)?;
        let p = body.0;
        let mut after = before.clone();
        let mut invalid = Invalid::default();
        rename(
            &mut invalid,
            p.name.as_deref(),
            p.name_translations.as_ref(),
            &mut after.name,
            &mut after.name_translations,
        );
        if let Some(v) = maybe_text(&mut invalid, "description", p.description, 4000) {
            after.description = v;
        }
        if let Some(v) = p.customer_facing {
            after.customer_facing = v;
        }
        invalid.into_result()?;
        if let Some(archived) = p.archived {
            after.archived = archived;
        }
        if p.position.is_some() && after.archived {
            return Err(FieldError::new(
                "position",
                "an archived stage has no position; unarchive it to place it",
            )
            .into());
        }

        let txn = lock_order(&state, &before.program_id).await?;
        let order = stage_order(&txn, &before.program_id).await?;
        let others: Vec<String> = order
            .iter()
            .map(|s| s.id.clone())
            .filter(|s| *s != before.id)
            .collect();
        let (position, others) = place(
            &others,
            &before.id,
            before.position,
            before.archived,
            after.archived,
            p.position.map(|p| p as usize),
        );
        after.position = position;
        // The moved row's position is written with the others: what `before` says
        // was read outside the lock and may already be stale.
        let mut moves = others;
        moves.push((before.id.clone(), position));
        write_stage_positions(&txn, &moves).await?;
        let after =
            versioned::update_in::<stage::Entity, _>(&txn, &actor.person_id, &before, after)
                .await?;
        txn.commit().await?;
        let tag = etag(after.version);
        Ok(StageResponse::Ok(Json(after.into()), tag))
    }

    /// Delete a stage that has no sub-processes
    ///
    /// A stage with sub-processes has history: archive it instead (409).
    #[oai(path = "/stages/:id", method = "delete", operation_id = "delete_stage")]
    async fn delete_stage(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<String>,
        /// The ETag of the version the deletion is based on.
        #[oai(name = "If-Match")]
        if_match: Header<Option<String>>,
    ) -> ApiResult<Deleted> {
        let actor = &auth.0.actor;
        authorize(actor, Action::ManageValueStream, Target::Anything)?;
        let before = load::<stage::Entity>(&state.db, "stage", &id).await?;
        expected_version(if_match.0.as_deref(), before.version)?;
        let children = sub_process::Entity::find()
            .filter(sub_process::Column::StageId.eq(&before.id))
            .count(&state.db)
            .await?;
        if children > 0 {
            return Err(ApiError::conflict(
                format!(
                    "the stage has {children} sub-process(es) and so a history; archive it instead (PATCH archived: true)"
                ),
                None,
            ));
        }
        let txn = lock_order(&state, &before.program_id).await?;
        versioned::delete_in::<stage::Entity, _>(&txn, &actor.person_id, &before).await?;
        let order = stage_order(&txn, &before.program_id).await?;
        write_stage_positions(
            &txn,
            &dense(&order.iter().map(|s| s.id.clone()).collect::<Vec<_>>()),
        )
        .await?;
        txn.commit().await?;
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
        id: Path<String>,
        body: Body<NewSubProcess>,
    ) -> ApiResult<SubProcessResponse> {
        let actor = &auth.0.actor;
        authorize(actor, Action::ManageValueStream, Target::Anything)?;
        let stage = load::<stage::Entity>(&state.db, "stage", &id).await?;
        let b = body.0;
        let (name, names) = names(&b.name, b.name_translations.as_ref())?;
        let goal = optional_text("goal", b.goal.as_deref(), 4000)?;
        let now = state.now();
        let mut model = sub_process::Model {
            id: new_id(),
            program_id: stage.program_id.clone(),
            stage_id: stage.id.clone(),
            template_key: None,
            name,
            name_translations: names,
            goal,
            position: 0,
            archived: false,
            version: 1,
            created_at: now,
            updated_at: now,
        };
        let txn = lock_order(&state, &stage.program_id).await?;
        let order = sub_process_order(&txn, &stage.id).await?;
        model.position = order.len() as i32 + 1;
        versioned::create_in::<sub_process::Entity, _>(&txn, &actor.person_id, &model).await?;
        if let Some(position) = b.position {
            let mut ids: Vec<String> = order.iter().map(|s| s.id.clone()).collect();
            ids.push(model.id.clone());
            if let Some(moves) = reorder(&ids, &model.id, position as usize) {
                write_sub_process_positions(&txn, &moves).await?;
                model.position = moves
                    .iter()
                    .find(|(id, _)| *id == model.id)
                    .map(|(_, p)| *p)
                    .unwrap_or(model.position);
            }
        }
        txn.commit().await?;
        let tag = etag(model.version);
        Ok(SubProcessResponse::Created(Json(model.into()), tag))
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
        id: Path<String>,
        /// Include archived sub-processes (after the others).
        include_archived: Query<Option<bool>>,
    ) -> ApiResult<Json<SubProcessList>> {
        authorize(&auth.0.actor, Action::ReadPrograms, Target::Anything)?;
        let stage = load::<stage::Entity>(&state.read, "stage", &id).await?;
        let mut select =
            sub_process::Entity::find().filter(sub_process::Column::StageId.eq(&stage.id));
        if !include_archived.0.unwrap_or(false) {
            select = select.filter(sub_process::Column::Archived.eq(false));
        }
        let rows = select
            .order_by_asc(sub_process::Column::Archived)
            .order_by_asc(sub_process::Column::Position)
            .order_by_asc(sub_process::Column::Id)
            .all(&state.read)
            .await?;
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
        id: Path<String>,
    ) -> ApiResult<SubProcessResponse> {
        authorize(&auth.0.actor, Action::ReadPrograms, Target::Anything)?;
        let model = load::<sub_process::Entity>(&state.read, "sub_process", &id).await?;
        let tag = etag(model.version);
        Ok(SubProcessResponse::Ok(Json(model.into()), tag))
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
        id: Path<String>,
        /// The ETag of the version the change is based on.
        #[oai(name = "If-Match")]
        if_match: Header<Option<String>>,
        body: Body<SubProcessPatch>,
    ) -> ApiResult<SubProcessResponse> {
        let actor = &auth.0.actor;
        authorize(actor, Action::ManageValueStream, Target::Anything)?;
        let before = load::<sub_process::Entity>(&state.db, "sub_process", &id).await?;
        expected_version(if_match.0.as_deref(), before.version)?;
        let p = body.0;
        let mut after = before.clone();
        let mut invalid = Invalid::default();
        rename(
            &mut invalid,
            p.name.as_deref(),
            p.name_translations.as_ref(),
            &mut after.name,
            &mut after.name_translations,
        );
        if let Some(v) = maybe_text(&mut invalid, "goal", p.goal, 4000) {
            after.goal = v;
        }
        invalid.into_result()?;
        if let Some(archived) = p.archived {
            after.archived = archived;
        }
        if p.position.is_some() && after.archived {
            return Err(FieldError::new(
                "position",
                "an archived sub-process has no position; unarchive it to place it",
            )
            .into());
        }
        let txn = lock_order(&state, &before.program_id).await?;
        let order = sub_process_order(&txn, &before.stage_id).await?;
        let others: Vec<String> = order
            .iter()
            .map(|s| s.id.clone())
            .filter(|s| *s != before.id)
            .collect();
        let (position, others) = place(
            &others,
            &before.id,
            before.position,
            before.archived,
            after.archived,
            p.position.map(|p| p as usize),
        );
        after.position = position;
        // The moved row's position is written with the others: what `before` says
        // was read outside the lock and may already be stale.
        let mut moves = others;
        moves.push((before.id.clone(), position));
        write_sub_process_positions(&txn, &moves).await?;
        let after =
            versioned::update_in::<sub_process::Entity, _>(&txn, &actor.person_id, &before, after)
                .await?;
        txn.commit().await?;
        let tag = etag(after.version);
        Ok(SubProcessResponse::Ok(Json(after.into()), tag))
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
        id: Path<String>,
        body: Body<ApplyTemplate>,
    ) -> ApiResult<Json<TemplateResult>> {
        let actor = &auth.0.actor;
        authorize(actor, Action::ManageValueStream, Target::Anything)?;
        let program = load::<program::Entity>(&state.db, "program", &id).await?;
        let mapping = body.0.departments.unwrap_or_default();
        let mut departments: HashMap<&str, String> = HashMap::new();
        let mut invalid = Invalid::default();
        for (key, raw) in INDUSTRIAL_DEPARTMENT_KEYS.iter().zip([
            &mapping.order_management,
            &mapping.manufacturing,
            &mapping.quality_inspection,
            &mapping.shipping,
        ]) {
            if let Some(raw) = raw
                && let Some(dept_id) = invalid.check(parse_id(&format!("departments.{key}"), raw))
            {
                departments.insert(key, dept_id);
            }
        }
        invalid.into_result()?;
        let found: HashMap<String, department::Model> = if departments.is_empty() {
            HashMap::new()
        } else {
            department::Entity::find()
                .filter(department::Column::Id.is_in(departments.values().cloned()))
                .all(&state.db)
                .await?
                .into_iter()
                .map(|d| (d.id.clone(), d))
                .collect()
        };
        let mut invalid = Invalid::default();
        for (key, dept_id) in &departments {
            if !found.contains_key(dept_id) {
                invalid.push(FieldError::new(
                    format!("departments.{key}"),
                    format!("no department with id `{dept_id}`"),
                ));
            }
        }
        invalid.into_result()?;

        let (mut stages_created, mut subs_created, mut owners_created) = (0, 0, 0);
        let now = state.now();
        let txn = lock_order(&state, &program.id).await?;
        let existing: HashMap<String, stage::Model> = stage::Entity::find()
            .filter(stage::Column::ProgramId.eq(&program.id))
            .all(&txn)
            .await?
            .into_iter()
            .filter_map(|s| s.template_key.clone().map(|k| (k, s)))
            .collect();
        let mut order_len = stage_order(&txn, &program.id).await?.len() as i32;
        let mut stage_ids: HashMap<&str, String> = HashMap::new();
        for t in INDUSTRIAL_STAGES {
            if let Some(s) = existing.get(t.key) {
                stage_ids.insert(t.key, s.id.clone());
                continue;
            }
            order_len += 1;
            let model = stage::Model {
                id: new_id(),
                program_id: program.id.clone(),
                template_key: Some(t.key.to_owned()),
                name: t.name_en.to_owned(),
                name_translations: template_names(t.names()),
                description: None,
                customer_facing: t.customer_facing,
                position: order_len,
                archived: false,
                version: 1,
                created_at: now,
                updated_at: now,
            };
            versioned::create_in::<stage::Entity, _>(&txn, &actor.person_id, &model).await?;
            stage_ids.insert(t.key, model.id);
            stages_created += 1;
        }
        for t in INDUSTRIAL_SUB_PROCESSES {
            let Some(stage_id) = stage_ids.get(t.stage_key) else {
                continue;
            };
            let existing = crate::db::unique(
                sub_process::Entity::find()
                    .filter(sub_process::Column::ProgramId.eq(&program.id))
                    .filter(sub_process::Column::TemplateKey.eq(t.key)),
                &txn,
            )
            .await?;
            let sub = match existing {
                Some(s) => s,
                None => {
                    let position = sub_process_order(&txn, stage_id).await?.len() as i32 + 1;
                    let model = sub_process::Model {
                        id: new_id(),
                        program_id: program.id.clone(),
                        stage_id: stage_id.clone(),
                        template_key: Some(t.key.to_owned()),
                        name: t.name_en.to_owned(),
                        name_translations: template_names(t.names()),
                        goal: Some(t.goal.to_owned()),
                        position,
                        archived: false,
                        version: 1,
                        created_at: now,
                        updated_at: now,
                    };
                    versioned::create_in::<sub_process::Entity, _>(&txn, &actor.person_id, &model)
                        .await?;
                    subs_created += 1;
                    model
                }
            };
            let owned: Vec<String> = owner::Entity::find()
                .filter(owner::Column::SubProcessId.eq(&sub.id))
                .all(&txn)
                .await?
                .into_iter()
                .map(|o| o.department_id)
                .collect();
            for o in t.owners {
                let Some(dept_id) = departments.get(o.department_key) else {
                    continue;
                };
                if owned.contains(dept_id) {
                    continue;
                }
                let model = owner::Model {
                    id: new_id(),
                    program_id: program.id.clone(),
                    sub_process_id: sub.id.clone(),
                    department_id: dept_id.clone(),
                    person_id: None,
                    responsibility: o.responsibility.to_owned(),
                    version: 1,
                    created_at: now,
                    updated_at: now,
                };
                versioned::create_in::<owner::Entity, _>(&txn, &actor.person_id, &model).await?;
                owners_created += 1;
            }
        }
        let stages = stage_order(&txn, &program.id).await?;
        txn.commit().await?;
        Ok(Json(TemplateResult {
            stages_created,
            sub_processes_created: subs_created,
            owners_created,
            stages: stages.into_iter().map(Stage::from).collect(),
        }))
    }
}

/// A validated name and its translations as stored.
/// A template's names in every language, as stored.
fn template_names(names: [(&str, &str); 3]) -> String {
    translations_json(
        &names
            .into_iter()
            .map(|(tag, name)| (tag.to_owned(), name.to_owned()))
            .collect(),
    )
}

/// Opens a transaction whose first write bumps the program's order counter, so
/// that changes to the order of one program's stages and sub-processes run one at
/// a time on both databases.
async fn lock_order(state: &AppState, program_id: &str) -> ApiResult<DatabaseTransaction> {
    let txn = state.db.begin().await?;
    program::Entity::update_many()
        .col_expr(
            program::Column::StageOrder,
            sea_orm::sea_query::ExprTrait::add(Expr::col(program::Column::StageOrder), 1),
        )
        .filter(program::Column::Id.eq(program_id))
        .exec(&txn)
        .await?;
    Ok(txn)
}

async fn stage_order(
    conn: &impl ConnectionTrait,
    program_id: &str,
) -> ApiResult<Vec<stage::Model>> {
    Ok(stage::Entity::find()
        .filter(stage::Column::ProgramId.eq(program_id))
        .filter(stage::Column::Archived.eq(false))
        .order_by_asc(stage::Column::Position)
        .order_by_asc(stage::Column::Id)
        .all(conn)
        .await?)
}

async fn sub_process_order(
    conn: &impl ConnectionTrait,
    stage_id: &str,
) -> ApiResult<Vec<sub_process::Model>> {
    Ok(sub_process::Entity::find()
        .filter(sub_process::Column::StageId.eq(stage_id))
        .filter(sub_process::Column::Archived.eq(false))
        .order_by_asc(sub_process::Column::Position)
        .order_by_asc(sub_process::Column::Id)
        .all(conn)
        .await?)
}

/// Positions are the order, not an edit of the row: they move without a new version.
async fn write_stage_positions(
    txn: &DatabaseTransaction,
    moves: &[(String, i32)],
) -> ApiResult<()> {
    for (id, position) in moves {
        stage::Entity::update_many()
            .col_expr(stage::Column::Position, Expr::value(*position))
            .filter(stage::Column::Id.eq(id))
            .filter(stage::Column::Position.ne(*position))
            .exec(txn)
            .await?;
    }
    Ok(())
}

async fn write_sub_process_positions(
    txn: &DatabaseTransaction,
    moves: &[(String, i32)],
) -> ApiResult<()> {
    for (id, position) in moves {
        sub_process::Entity::update_many()
            .col_expr(sub_process::Column::Position, Expr::value(*position))
            .filter(sub_process::Column::Id.eq(id))
            .filter(sub_process::Column::Position.ne(*position))
            .exec(txn)
            .await?;
    }
    Ok(())
}
