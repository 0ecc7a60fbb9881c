//! Seven-step improvement plans and their steps: the HTTP shapes; the use cases are
//! `cxpm_app::plans::{plan, steps}`.

use crate::http::common::Id;
use crate::http::text;
use chrono::{DateTime, NaiveDate, Utc};
use cxpm_app::plans::{plan, steps};
use cxpm_app::store;
use cxpm_domain::plan::{PlanStatus, Step, StepStatus};
use poem::web::Data;
use poem_openapi::param::{Header, Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::types::MaybeUndefined;
use poem_openapi::{Enum, Object, OpenApi};
use serde::Deserialize;

use crate::app::AppState;
use crate::error::{ApiError, ApiResult};
use crate::http::actions::{ActionView, UpdateView};
use crate::http::bearer::BearerAuth;
use crate::http::body::Body;
use crate::http::common::{self, etag, location, patch, views};
use crate::http::common::{ApiTags, Tagged, TimeZoneName, Versioned};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, Deserialize)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
#[oai(remote = "PlanStatus")]
pub enum PlanStatusName {
    Active,
    Paused,
    Closed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, Deserialize)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
#[oai(remote = "StepStatus")]
pub enum StepStatusName {
    NotStarted,
    InProgress,
    Done,
    Skipped,
}

/// An improvement plan for one internal-customer relationship.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct Plan {
    pub id: Id,
    pub program_id: Id,
    pub relationship_id: Id,
    pub title: String,
    /// The owning department: the relationship's provider.
    pub department_id: Id,
    pub owner_id: Option<Id>,
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

impl TryFrom<store::plan::Model> for Plan {
    type Error = ApiError;

    fn try_from(m: store::plan::Model) -> ApiResult<Self> {
        let status: PlanStatus = *m.status;
        Ok(Self {
            id: m.id.into(),
            program_id: m.program_id.into(),
            relationship_id: m.relationship_id.into(),
            title: m.title,
            department_id: m.department_id.into(),
            owner_id: m.owner_id.map(Into::into),
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
    pub id: Id,
    pub plan_id: Id,
    pub cycle: i32,
    /// 1–7.
    pub number: i32,
    /// `commit`, `identify_customers`, `learn_expectations`, `choose_key_points`,
    /// `analyze_gap`, `plan_improvement`, `feedback_loop`.
    pub name: String,
    pub status: StepStatusName,
    pub owner_id: Option<Id>,
    pub due_date: Option<NaiveDate>,
    pub notes: Option<String>,
    pub skip_reason: Option<String>,
    pub completed_by: Option<String>,
    pub completed_at: Option<DateTime<Utc>>,
    pub version: i32,
    pub updated_at: DateTime<Utc>,
}

impl TryFrom<store::step::Model> for StepView {
    type Error = ApiError;

    fn try_from(m: store::step::Model) -> ApiResult<Self> {
        let name =
            Step::from_number(m.number).ok_or_else(|| ApiError::internal(&"stored step number"))?;
        let status: StepStatus = *m.status;
        Ok(Self {
            id: m.id.into(),
            plan_id: m.plan_id.into(),
            cycle: m.cycle,
            number: m.number,
            name: name.as_str().to_owned(),
            status: status.into(),
            owner_id: m.owner_id.map(Into::into),
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
    pub title: text::Name,
    /// A member of the provider department.
    pub owner_id: Option<Id>,
    pub cadence_cron: Option<text::Cron>,
    pub cadence_time_zone: Option<TimeZoneName>,
}

#[derive(Debug, Object, Deserialize)]
#[oai(skip_serializing_if_is_none)]
#[oai(deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct PlanPatch {
    pub title: Option<text::Name>,
    #[serde(default)]
    pub owner_id: MaybeUndefined<Id>,
    pub status: Option<PlanStatusName>,
    #[serde(default)]
    pub cadence_cron: MaybeUndefined<text::Cron>,
    #[serde(default)]
    pub cadence_time_zone: MaybeUndefined<TimeZoneName>,
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
    pub owner_id: MaybeUndefined<Id>,
    #[serde(default)]
    pub due_date: MaybeUndefined<NaiveDate>,
    #[serde(default)]
    pub notes: MaybeUndefined<text::Prose>,
    pub skip_reason: Option<text::Reason>,
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
        id: Path<crate::http::common::Id>,
        body: Body<NewPlan>,
    ) -> ApiResult<Versioned<Plan>> {
        let b = body.0;
        let new = plan::NewPlan {
            title: b.title.into(),
            owner_id: b.owner_id.map(Into::into),
            cadence_cron: b.cadence_cron.map(Into::into),
            cadence_time_zone: b.cadence_time_zone.map(|z| z.0),
        };
        let model = plan::open(&state, &auth.0.actor, &id, new).await?;
        let (tag, at) = (etag(model.version), location("plans", &model.id));
        Ok(Versioned::Created(Json(model.try_into()?), tag, at))
    }

    /// A plan with its steps, actions and latest updates
    #[oai(path = "/plans/:id", method = "get", operation_id = "get_plan")]
    async fn get(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<crate::http::common::Id>,
    ) -> ApiResult<Tagged<PlanDetail>> {
        let d = plan::detail(&state, &auth.0.actor, &id).await?;
        let tag = etag(d.plan.version);
        let actions = d
            .actions
            .into_iter()
            .map(|(a, latest)| {
                Ok(ActionWithUpdates {
                    action: a.try_into()?,
                    latest_updates: views(latest)?,
                })
            })
            .collect::<ApiResult<_>>()?;
        let detail = PlanDetail {
            plan: d.plan.try_into()?,
            steps: views(d.steps)?,
            current_step: d.current_step,
            actions,
        };
        Ok(Tagged::Ok(Json(detail), tag))
    }

    /// Change a plan: title, owner, status, feedback cadence
    #[oai(path = "/plans/:id", method = "patch", operation_id = "update_plan")]
    async fn update(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<crate::http::common::Id>,
        /// The ETag of the version the change is based on.
        #[oai(name = "If-Match")]
        if_match: Header<crate::http::common::IfMatch>,
        body: Body<PlanPatch>,
    ) -> ApiResult<Versioned<Plan>> {
        let expected = common::if_match(Some(if_match.0.as_str()))?;
        let p = body.0;
        let change = plan::PlanChange {
            title: p.title.map(Into::into),
            owner_id: patch(p.owner_id.map_value(Into::into)),
            status: p.status.map(Into::into),
            cadence_cron: patch(p.cadence_cron.map_value(Into::into)),
            cadence_time_zone: patch(p.cadence_time_zone.map_value(|z| z.0)),
        };
        let after = plan::change(&state, &auth.0.actor, &id, &expected, change).await?;
        let tag = etag(after.version);
        Ok(Versioned::Ok(Json(after.try_into()?), tag))
    }

    /// A plan's steps in a cycle (history included)
    #[oai(path = "/plans/:id/steps", method = "get", operation_id = "list_steps")]
    async fn steps(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<crate::http::common::Id>,
        /// The cycle; default the current one.
        #[oai(validator(minimum(value = "1")))]
        cycle: Query<Option<i32>>,
    ) -> ApiResult<Json<StepList>> {
        let rows = plan::steps(&state, &auth.0.actor, &id, cycle.0).await?;
        Ok(Json(StepList {
            items: views(rows)?,
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
        id: Path<crate::http::common::Id>,
        /// The ETag of the version the change is based on.
        #[oai(name = "If-Match")]
        if_match: Header<crate::http::common::IfMatch>,
        body: Body<StepPatch>,
    ) -> ApiResult<Tagged<StepView>> {
        let expected = common::if_match(Some(if_match.0.as_str()))?;
        let p = body.0;
        let change = steps::StepChange {
            status: p.status.map(StepStatus::from),
            owner_id: patch(p.owner_id.map_value(Into::into)),
            due_date: patch(p.due_date),
            notes: patch(p.notes.map_value(Into::into)),
            skip_reason: p.skip_reason.map(Into::into),
        };
        let after = steps::change(&state, &auth.0.actor, &id, &expected, change).await?;
        let tag = etag(after.version);
        Ok(Tagged::Ok(Json(after.try_into()?), tag))
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
        id: Path<crate::http::common::Id>,
        /// Only plans with this status.
        status: Query<Option<PlanStatusName>>,
    ) -> ApiResult<Json<PlanList>> {
        let status = status.0.map(Into::into);
        let rows = plan::of_department(&state, &auth.0.actor, &id, status).await?;
        Ok(Json(PlanList {
            items: views(rows)?,
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
        id: Path<crate::http::common::Id>,
    ) -> ApiResult<Json<PlanList>> {
        let rows = plan::of_relationship(&state, &auth.0.actor, &id).await?;
        Ok(Json(PlanList {
            items: views(rows)?,
        }))
    }
}
