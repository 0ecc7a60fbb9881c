//! Seven-step improvement plans and their steps.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use cxpm_app::plans::steps;
use cxpm_domain::plan::{PlanStatus, Step, StepStatus};
use cxpm_domain::schedule::CronSchedule;
use cxpm_domain::values::{Name, TimeZone};
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
use crate::db::{action, action_update, department, new_id, plan, relationship, step, versioned};
use crate::error::{ApiError, ApiResult};
use crate::http::ApiTags;
use crate::http::actions::{ActionView, UpdateView};
use crate::http::body::Body;
use crate::http::common::{self, etag, expected_version, load, patch};
use crate::http::owners::member_of;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, Deserialize)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum PlanStatusName {
    Active,
    Paused,
    Closed,
}

impl From<PlanStatusName> for PlanStatus {
    fn from(s: PlanStatusName) -> Self {
        match s {
            PlanStatusName::Active => PlanStatus::Active,
            PlanStatusName::Paused => PlanStatus::Paused,
            PlanStatusName::Closed => PlanStatus::Closed,
        }
    }
}

impl From<PlanStatus> for PlanStatusName {
    fn from(s: PlanStatus) -> Self {
        match s {
            PlanStatus::Active => PlanStatusName::Active,
            PlanStatus::Paused => PlanStatusName::Paused,
            PlanStatus::Closed => PlanStatusName::Closed,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, Deserialize)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum StepStatusName {
    NotStarted,
    InProgress,
    Done,
    Skipped,
}

impl From<StepStatusName> for StepStatus {
    fn from(s: StepStatusName) -> Self {
        match s {
            StepStatusName::NotStarted => StepStatus::NotStarted,
            StepStatusName::InProgress => StepStatus::InProgress,
            StepStatusName::Done => StepStatus::Done,
            StepStatusName::Skipped => StepStatus::Skipped,
        }
    }
}

impl From<StepStatus> for StepStatusName {
    fn from(s: StepStatus) -> Self {
        match s {
            StepStatus::NotStarted => StepStatusName::NotStarted,
            StepStatus::InProgress => StepStatusName::InProgress,
            StepStatus::Done => StepStatusName::Done,
            StepStatus::Skipped => StepStatusName::Skipped,
        }
    }
}

/// An improvement plan for one internal-customer relationship.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct Plan {
    pub id: String,
    pub program_id: String,
    pub relationship_id: String,
    pub title: String,
    /// The owning department: the relationship's provider.
    pub department_id: String,
    pub owner_id: Option<String>,
    pub status: PlanStatusName,
    /// The improvement cycle the plan is in; each starts over at step 3.
    pub cycle: i32,
    pub cycle_started_at: DateTime<Utc>,
    /// The re-measurement rhythm, a 5-field crontab line (`0 9 1 * *`).
    pub cadence_cron: Option<String>,
    /// The IANA time zone the cadence runs in.
    pub cadence_time_zone: Option<String>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl TryFrom<plan::Model> for Plan {
    type Error = ApiError;

    fn try_from(m: plan::Model) -> ApiResult<Self> {
        let status: PlanStatus = m.status.parse().map_err(|e| ApiError::internal(&e))?;
        Ok(Self {
            id: m.id,
            program_id: m.program_id,
            relationship_id: m.relationship_id,
            title: m.title,
            department_id: m.department_id,
            owner_id: m.owner_id,
            status: status.into(),
            cycle: m.cycle,
            cycle_started_at: m.cycle_started_at,
            cadence_cron: m.cadence_cron,
            cadence_time_zone: m.cadence_time_zone,
            version: m.version,
            created_at: m.created_at,
            updated_at: m.updated_at,
        })
    }
}

/// One of the seven steps of a plan, in one cycle.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct StepView {
    pub id: String,
    pub plan_id: String,
    pub cycle: i32,
    /// 1–7.
    pub number: i32,
    /// `commit`, `identify_customers`, `learn_expectations`, `choose_key_points`,
    /// `analyze_gap`, `plan_improvement`, `feedback_loop`.
    pub name: String,
    pub status: StepStatusName,
    pub owner_id: Option<String>,
    pub due_date: Option<NaiveDate>,
    pub notes: Option<String>,
    pub skip_reason: Option<String>,
    pub completed_by: Option<String>,
    pub completed_at: Option<DateTime<Utc>>,
    pub version: i32,
    pub updated_at: DateTime<Utc>,
}

impl TryFrom<step::Model> for StepView {
    type Error = ApiError;

    fn try_from(m: step::Model) -> ApiResult<Self> {
        let name =
            Step::from_number(m.number).ok_or_else(|| ApiError::internal(&"stored step number"))?;
        let status: StepStatus = m.status.parse().map_err(|e| ApiError::internal(&e))?;
        Ok(Self {
            id: m.id,
            plan_id: m.plan_id,
            cycle: m.cycle,
            number: m.number,
            name: name.as_str().to_owned(),
            status: status.into(),
            owner_id: m.owner_id,
            due_date: m.due_date,
            notes: m.notes,
            skip_reason: m.skip_reason,
            completed_by: m.completed_by,
            completed_at: m.completed_at,
            version: m.version,
            updated_at: m.updated_at,
        })
    }
}

#[derive(Debug, Object, Deserialize)]
#[oai(skip_serializing_if_is_none)]
#[oai(deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct NewPlan {
    #[oai(validator(min_length = 1, max_length = 200))]
    pub title: String,
    /// A member of the provider department.
    pub owner_id: Option<String>,
    #[oai(validator(max_length = 100))]
    pub cadence_cron: Option<String>,
    #[oai(validator(max_length = 64))]
    pub cadence_time_zone: Option<String>,
}

#[derive(Debug, Object, Deserialize)]
#[oai(skip_serializing_if_is_none)]
#[oai(deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct PlanPatch {
    #[oai(validator(min_length = 1, max_length = 200))]
    pub title: Option<String>,
    #[serde(default)]
    pub owner_id: MaybeUndefined<String>,
    pub status: Option<PlanStatusName>,
    #[serde(default)]
    pub cadence_cron: MaybeUndefined<String>,
    #[serde(default)]
    pub cadence_time_zone: MaybeUndefined<String>,
}

/// Only the fields to change. `status: done` checks the step's preconditions and
/// answers 409 listing every unmet one; `skipped` needs a coordinator and a
/// `skip_reason`.
#[derive(Debug, Object, Deserialize)]
#[oai(skip_serializing_if_is_none)]
#[oai(deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct StepPatch {
    pub status: Option<StepStatusName>,
    #[serde(default)]
    pub owner_id: MaybeUndefined<String>,
    #[serde(default)]
    pub due_date: MaybeUndefined<NaiveDate>,
    #[serde(default)]
    pub notes: MaybeUndefined<String>,
    #[oai(validator(max_length = 2000))]
    pub skip_reason: Option<String>,
}

#[derive(ApiResponse)]
pub enum PlanResponse {
    #[oai(status = 200)]
    Ok(Json<Plan>, #[oai(header = "ETag")] String),
    #[oai(status = 201)]
    Created(Json<Plan>, #[oai(header = "ETag")] String),
}

#[derive(ApiResponse)]
pub enum StepResponse {
    #[oai(status = 200)]
    Ok(Json<StepView>, #[oai(header = "ETag")] String),
}

/// A plan with the steps of its current cycle, its actions and each action's latest
/// updates, read in a fixed number of queries however many actions there are.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct PlanDetail {
    pub plan: Plan,
    pub steps: Vec<StepView>,
    /// The step to work on next (the first not done or skipped), if any.
    pub current_step: Option<i32>,
    pub actions: Vec<ActionWithUpdates>,
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct ActionWithUpdates {
    pub action: ActionView,
    /// Up to the three latest progress updates, newest first.
    pub latest_updates: Vec<UpdateView>,
}

#[derive(ApiResponse)]
pub enum PlanDetailResponse {
    #[oai(status = 200)]
    Ok(Json<PlanDetail>, #[oai(header = "ETag")] String),
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct PlanList {
    pub items: Vec<Plan>,
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct StepList {
    pub items: Vec<StepView>,
}

#[derive(Default)]
pub struct PlansApi;

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Plans")]
impl PlansApi {
    /// Open an improvement plan for a relationship
    ///
    /// The plan belongs to the relationship's provider department and starts in
    /// cycle 1 with all seven steps not started.
    #[oai(
        path = "/relationships/:id/plans",
        method = "post",
        operation_id = "create_plan"
    )]
    async fn create(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<String>,
        body: Body<NewPlan>,
    ) -> ApiResult<PlanResponse> {
        let actor = &auth.0.actor;
        let rel = load::<relationship::Entity>(&state.db, "relationship", &id).await?;
        authorize(
            actor,
            Action::ManagePlans,
            Target::Department(Some(&rel.provider_department_id)),
        )?;
        let b = body.0;
        let title = Name::parse(&b.title)
            .map_err(|e| e.at("title"))?
            .into_inner();
        let (cadence_cron, cadence_time_zone) = cadence(b.cadence_cron, b.cadence_time_zone)?;
        let owner_id = match &b.owner_id {
            Some(raw) => Some(
                member_of(&state.db, "owner_id", raw, &rel.provider_department_id)
                    .await?
                    .id,
            ),
            None => None,
        };
        let now = state.now();
        let model = plan::Model {
            id: new_id(),
            program_id: rel.program_id.clone(),
            relationship_id: rel.id.clone(),
            title,
            department_id: rel.provider_department_id.clone(),
            owner_id,
            status: PlanStatus::Active.as_str().to_owned(),
            cycle: 1,
            cycle_started_at: now,
            cadence_cron,
            cadence_time_zone,
            version: 1,
            created_at: now,
            updated_at: now,
        };
        let txn = state.db.begin().await?;
        versioned::create_in::<plan::Entity, _>(&txn, &actor.person_id, &model).await?;
        for s in steps::new_steps(&model.id, 1, now) {
            versioned::create_in::<step::Entity, _>(&txn, &actor.person_id, &s).await?;
        }
        txn.commit().await?;
        let tag = etag(model.version);
        Ok(PlanResponse::Created(Json(model.try_into()?), tag))
    }

    /// A plan with its steps, actions and latest updates
    #[oai(path = "/plans/:id", method = "get", operation_id = "get_plan")]
    async fn get(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<String>,
    ) -> ApiResult<PlanDetailResponse> {
        authorize(&auth.0.actor, Action::ReadPrograms, Target::Anything)?;
        let plan = load::<plan::Entity>(&state.read, "plan", &id).await?;
        let steps = step::Entity::find()
            .filter(step::Column::PlanId.eq(&plan.id))
            .filter(step::Column::Cycle.eq(plan.cycle))
            .order_by_asc(step::Column::Number)
            .all(&state.read)
            .await?;
        let actions = action::Entity::find()
            .filter(action::Column::PlanId.eq(&plan.id))
            .order_by_asc(action::Column::Id)
            .all(&state.read)
            .await?;
        let mut updates: HashMap<String, Vec<action_update::Model>> = HashMap::new();
        if !actions.is_empty() {
            for u in action_update::Entity::find()
                .filter(action_update::Column::ActionId.is_in(actions.iter().map(|a| a.id.clone())))
                .order_by_desc(action_update::Column::Id)
                .all(&state.read)
                .await?
            {
                let list = updates.entry(u.action_id.clone()).or_default();
                if list.len() < 3 {
                    list.push(u);
                }
            }
        }
        let today = state.now().date_naive();
        let current_step = steps
            .iter()
            .find(|s| {
                s.status
                    .parse::<StepStatus>()
                    .map(|st| !st.is_settled())
                    .unwrap_or(false)
            })
            .map(|s| s.number);
        let tag = etag(plan.version);
        Ok(PlanDetailResponse::Ok(
            Json(PlanDetail {
                plan: plan.try_into()?,
                steps: steps
                    .into_iter()
                    .map(StepView::try_from)
                    .collect::<ApiResult<_>>()?,
                current_step,
                actions: actions
                    .into_iter()
                    .map(|a| {
                        let latest = updates.remove(&a.id).unwrap_or_default();
                        Ok(ActionWithUpdates {
                            action: ActionView::new(a, today)?,
                            latest_updates: latest
                                .into_iter()
                                .map(UpdateView::try_from)
                                .collect::<ApiResult<_>>()?,
                        })
                    })
                    .collect::<ApiResult<_>>()?,
            }),
            tag,
        ))
    }

    /// Change a plan: title, owner, status, feedback cadence
    #[oai(path = "/plans/:id", method = "patch", operation_id = "update_plan")]
    async fn update(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<String>,
        /// The ETag of the version the change is based on.
        #[oai(name = "If-Match")]
        if_match: Header<Option<String>>,
        body: Body<PlanPatch>,
    ) -> ApiResult<PlanResponse> {
        let actor = &auth.0.actor;
        let before = load::<plan::Entity>(&state.db, "plan", &id).await?;
        authorize(
            actor,
            Action::ManagePlans,
            Target::Department(Some(&before.department_id)),
        )?;
        expected_version(if_match.0.as_deref(), before.version)?;
        let p = body.0;
        let mut after = before.clone();
        if let Some(title) = &p.title {
            after.title = Name::parse(title).map_err(|e| e.at("title"))?.into_inner();
        }
        if let Some(status) = p.status {
            after.status = PlanStatus::from(status).as_str().to_owned();
        }
        let keep = |v: MaybeUndefined<String>, old: &Option<String>| match v {
            MaybeUndefined::Undefined => old.clone(),
            MaybeUndefined::Null => None,
            MaybeUndefined::Value(s) => Some(s),
        };
        let (cron, tz) = cadence(
            keep(p.cadence_cron, &before.cadence_cron),
            keep(p.cadence_time_zone, &before.cadence_time_zone),
        )?;
        after.cadence_cron = cron;
        after.cadence_time_zone = tz;
        match p.owner_id {
            MaybeUndefined::Undefined => {}
            MaybeUndefined::Null => after.owner_id = None,
            MaybeUndefined::Value(raw) => {
                after.owner_id = Some(
                    member_of(&state.db, "owner_id", &raw, &before.department_id)
                        .await?
                        .id,
                )
            }
        }
        let after =
            versioned::update::<plan::Entity>(&state.db, &actor.person_id, &before, after).await?;
        let tag = etag(after.version);
        Ok(PlanResponse::Ok(Json(after.try_into()?), tag))
    }

    /// A plan's steps in a cycle (history included)
    #[oai(path = "/plans/:id/steps", method = "get", operation_id = "list_steps")]
    async fn steps(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<String>,
        /// The cycle; default the current one.
        #[oai(validator(minimum(value = "1")))]
        cycle: Query<Option<i32>>,
    ) -> ApiResult<Json<StepList>> {
        authorize(&auth.0.actor, Action::ReadPrograms, Target::Anything)?;
        let plan = load::<plan::Entity>(&state.read, "plan", &id).await?;
        let rows = step::Entity::find()
            .filter(step::Column::PlanId.eq(&plan.id))
            .filter(step::Column::Cycle.eq(cycle.0.unwrap_or(plan.cycle)))
            .order_by_asc(step::Column::Number)
            .all(&state.read)
            .await?;
        Ok(Json(StepList {
            items: rows
                .into_iter()
                .map(StepView::try_from)
                .collect::<ApiResult<_>>()?,
        }))
    }

    /// Work on a step: status, owner, due date, notes
    ///
    /// Completing step 7 starts the next cycle at step 3; the finished cycle stays
    /// readable as history.
    ///
    /// The rules of a status change, checked in this order:
    /// - Only a coordinator (or admin) may skip a step: anyone else gets 403.
    /// - A skip needs a `skip_reason`: without one, 422 naming `skip_reason`.
    /// - Completing a step (`done`) needs every earlier step of the cycle done or
    ///   skipped (`earlier_steps_settled`), and for each step:
    ///   3 `learn_expectations` — at least one active key point of the plan's
    ///   relationship with `customer_expects` written (`customer_expectation_recorded`);
    ///   4 `choose_key_points` — at least one active key point (`key_point_exists`);
    ///   5 `analyze_gap` — a measurement of one of them recorded since the cycle began
    ///   (`measurement_this_cycle`);
    ///   6 `plan_improvement` — an open action with an owner and a due date
    ///   (`open_action_with_owner_and_due_date`);
    ///   7 `feedback_loop` — a feedback cadence, a crontab line that fires and a time
    ///   zone (`feedback_cadence`). Steps 1 and 2 need only the earlier steps.
    /// - Reopening a step (`in_progress`, `not_started`) needs every later step open
    ///   (`later_steps_open`).
    ///
    /// Unmet rules answer 409 with problem type `urn:cxpm:problem:unmet-preconditions`,
    /// each rule by name in `errors`.
    #[oai(path = "/steps/:id", method = "patch", operation_id = "update_step")]
    async fn update_step(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<String>,
        /// The ETag of the version the change is based on.
        #[oai(name = "If-Match")]
        if_match: Header<Option<String>>,
        body: Body<StepPatch>,
    ) -> ApiResult<StepResponse> {
        let expected = common::if_match(if_match.0.as_deref())?;
        let p = body.0;
        let change = steps::StepChange {
            status: p.status.map(StepStatus::from),
            owner_id: patch(p.owner_id),
            due_date: patch(p.due_date),
            notes: patch(p.notes),
            skip_reason: p.skip_reason,
        };
        let after = steps::change(&state, &auth.0.actor, &id, &expected, change).await?;
        let tag = etag(after.version);
        Ok(StepResponse::Ok(Json(after.try_into()?), tag))
    }

    /// A department's plans
    #[oai(
        path = "/departments/:id/plans",
        method = "get",
        operation_id = "list_department_plans"
    )]
    async fn department_plans(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<String>,
        /// Only plans with this status.
        status: Query<Option<PlanStatusName>>,
    ) -> ApiResult<Json<PlanList>> {
        authorize(&auth.0.actor, Action::ReadPrograms, Target::Anything)?;
        let dept = load::<department::Entity>(&state.read, "department", &id).await?;
        let mut select = plan::Entity::find().filter(plan::Column::DepartmentId.eq(&dept.id));
        if let Some(s) = status.0 {
            select = select.filter(plan::Column::Status.eq(PlanStatus::from(s).as_str()));
        }
        let rows = select
            .order_by_asc(plan::Column::Id)
            .all(&state.read)
            .await?;
        Ok(Json(PlanList {
            items: rows
                .into_iter()
                .map(Plan::try_from)
                .collect::<ApiResult<_>>()?,
        }))
    }

    /// A relationship's plans
    #[oai(
        path = "/relationships/:id/plans",
        method = "get",
        operation_id = "list_plans"
    )]
    async fn relationship_plans(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<String>,
    ) -> ApiResult<Json<PlanList>> {
        authorize(&auth.0.actor, Action::ReadPrograms, Target::Anything)?;
        let rel = load::<relationship::Entity>(&state.read, "relationship", &id).await?;
        let rows = plan::Entity::find()
            .filter(plan::Column::RelationshipId.eq(&rel.id))
            .order_by_asc(plan::Column::Id)
            .all(&state.read)
            .await?;
        Ok(Json(PlanList {
            items: rows
                .into_iter()
                .map(Plan::try_from)
                .collect::<ApiResult<_>>()?,
        }))
    }
}

/// A cadence is a crontab line and a time zone, both or neither.
fn cadence(
    cron: Option<String>,
    tz: Option<String>,
) -> ApiResult<(Option<String>, Option<String>)> {
    let cron = cron.map(|c| c.trim().to_owned()).filter(|c| !c.is_empty());
    let tz = tz.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty());
    let mut invalid = Invalid::default();
    let cron = match cron {
        Some(c) => invalid
            .check(CronSchedule::parse("cadence_cron", &c))
            .map(|s| s.as_str().to_owned()),
        None => None,
    };
    let tz = match tz {
        Some(t) => invalid
            .check(TimeZone::parse(&t).map_err(|e| e.at("cadence_time_zone")))
            .map(|z| z.as_str().to_owned()),
        None => None,
    };
    invalid.into_result()?;
    match (&cron, &tz) {
        (Some(_), None) => {
            Err(FieldError::new("cadence_time_zone", "a cadence needs a time zone").into())
        }
        (None, Some(_)) => {
            Err(FieldError::new("cadence_cron", "a time zone needs a cadence").into())
        }
        _ => Ok((cron, tz)),
    }
}
