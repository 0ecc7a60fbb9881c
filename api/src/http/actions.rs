//! Actions under a plan and their progress updates: the HTTP shapes; the use cases
//! are `cxpm_app::plans::actions`.

use crate::http::common::Id;
use crate::http::text;
use chrono::{DateTime, NaiveDate, Utc};
use cxpm_app::plans::actions::{self, Seen};
use cxpm_app::store::{action, action_update};
use cxpm_domain::plan::ActionStatus;
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
use crate::http::common::{self, etag, location, patch, views};
use crate::http::common::{ApiTags, Versioned};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, Deserialize)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
#[oai(remote = "ActionStatus")]
pub enum ActionStatusName {
    Open,
    InProgress,
    Blocked,
    Done,
    Cancelled,
}

/// Something a person does to close a gap.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct ActionView {
    pub id: Id,
    pub program_id: Id,
    pub plan_id: Id,
    /// The step (1–7) this action serves, if any.
    pub step_number: Option<i32>,
    pub key_point_id: Option<Id>,
    pub title: String,
    pub description: Option<String>,
    pub owner_id: Option<Id>,
    pub department_id: Id,
    pub due_date: Option<NaiveDate>,
    pub status: ActionStatusName,
    /// 0–100; a done action is at 100.
    pub progress: i32,
    pub blocked_reason: Option<String>,
    /// Open and past its due date.
    pub overdue: bool,
    /// The key point the action should move…
    pub effect_key_point_id: Option<Id>,
    /// …or the metric, by name…
    pub effect_metric: Option<String>,
    /// …to this value…
    pub effect_target: Option<f64>,
    /// …by this date, so that reports can tell whether it worked.
    pub effect_by: Option<NaiveDate>,
    pub last_update_at: Option<DateTime<Utc>>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl TryFrom<Seen> for ActionView {
    type Error = ApiError;

    fn try_from(Seen { action: m, overdue }: Seen) -> ApiResult<Self> {
        let status: ActionStatus = *m.status;
        Ok(Self {
            overdue,
            id: m.id.into(),
            program_id: m.program_id.into(),
            plan_id: m.plan_id.into(),
            step_number: m.step_number,
            key_point_id: m.key_point_id.map(Into::into),
            title: m.title,
            description: m.description,
            owner_id: m.owner_id.map(Into::into),
            department_id: m.department_id.into(),
            due_date: m.due_date,
            status: status.into(),
            progress: m.progress,
            blocked_reason: m.blocked_reason,
            effect_key_point_id: m.effect_key_point_id.map(Into::into),
            effect_metric: m.effect_metric,
            effect_target: m.effect_target,
            effect_by: m.effect_by,
            last_update_at: m.last_update_at,
            version: m.version,
            created_at: m.created_at,
            updated_at: m.updated_at,
        })
    }
}

/// A progress update: append-only.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct UpdateView {
    pub id: Id,
    pub action_id: Id,
    pub author_id: Id,
    pub at: DateTime<Utc>,
    pub progress: Option<i32>,
    pub status: Option<ActionStatusName>,
    pub comment: Option<String>,
}

impl TryFrom<action_update::Model> for UpdateView {
    type Error = ApiError;

    fn try_from(m: action_update::Model) -> ApiResult<Self> {
        let status = match &m.status {
            Some(s) => Some(
                s.parse::<ActionStatus>()
                    .map_err(|e| ApiError::internal(&e))?
                    .into(),
            ),
            None => None,
        };
        Ok(Self {
            id: m.id.into(),
            action_id: m.action_id.into(),
            author_id: m.author_id.into(),
            at: m.at,
            progress: m.progress,
            status,
            comment: m.comment,
        })
    }
}

#[derive(Debug, Object, Deserialize)]
#[oai(skip_serializing_if_is_none)]
#[oai(deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct NewAction {
    pub title: text::Name,
    pub description: Option<text::Prose>,
    /// A member of the action's department.
    pub owner_id: Option<Id>,
    /// Default: the plan's department.
    pub department_id: Option<Id>,
    pub due_date: Option<NaiveDate>,
    #[oai(validator(minimum(value = "1"), maximum(value = "7")))]
    pub step_number: Option<i32>,
    /// A key point of the plan's relationship.
    pub key_point_id: Option<Id>,
    pub effect_key_point_id: Option<Id>,
    pub effect_metric: Option<text::Line>,
    /// Between -1e12 and 1e12.
    #[oai(validator(minimum(value = "-1000000000000"), maximum(value = "1000000000000")))]
    pub effect_target: Option<f64>,
    pub effect_by: Option<NaiveDate>,
}

/// Only the fields to change. Status and progress move through progress updates,
/// so that every move is on record.
#[derive(Debug, Object, Deserialize)]
#[oai(skip_serializing_if_is_none)]
#[oai(deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct ActionPatch {
    pub title: Option<text::Name>,
    #[serde(default)]
    pub description: MaybeUndefined<text::Prose>,
    #[serde(default)]
    pub owner_id: MaybeUndefined<Id>,
    #[serde(default)]
    pub due_date: MaybeUndefined<NaiveDate>,
    /// Between -1e12 and 1e12.
    #[serde(default)]
    #[oai(validator(minimum(value = "-1000000000000"), maximum(value = "1000000000000")))]
    pub effect_target: MaybeUndefined<f64>,
    #[serde(default)]
    pub effect_by: MaybeUndefined<NaiveDate>,
}

#[derive(Debug, Object, Deserialize)]
#[oai(skip_serializing_if_is_none)]
#[oai(deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct NewUpdate {
    /// 0–100.
    pub progress: Option<i32>,
    pub status: Option<ActionStatusName>,
    /// Required when the status becomes `blocked`.
    pub blocked_reason: Option<text::Reason>,
    pub comment: Option<text::Prose>,
}

/// The update and the action as it now stands.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct PostedUpdate {
    pub update: UpdateView,
    pub action: ActionView,
}

#[derive(ApiResponse)]
pub enum UpdateCreated {
    #[oai(status = 201)]
    Created(Json<PostedUpdate>, #[oai(header = "ETag")] String),
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct ActionList {
    pub items: Vec<ActionView>,
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct UpdateList {
    pub items: Vec<UpdateView>,
}

#[derive(Default)]
pub struct ActionsApi;

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Plans")]
impl ActionsApi {
    /// Add an action to a plan
    #[oai(
        path = "/plans/:id/actions",
        method = "post",
        operation_id = "create_action"
    )]
    async fn create(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<crate::http::common::Id>,
        body: Body<NewAction>,
    ) -> ApiResult<Versioned<ActionView>> {
        let b = body.0;
        let new = actions::NewAction {
            title: b.title.into(),
            description: b.description.map(Into::into),
            owner_id: b.owner_id.map(Into::into),
            department_id: b.department_id.map(Into::into),
            due_date: b.due_date,
            step_number: b.step_number,
            key_point_id: b.key_point_id.map(Into::into),
            effect_key_point_id: b.effect_key_point_id.map(Into::into),
            effect_metric: b.effect_metric.map(Into::into),
            effect_target: b.effect_target,
            effect_by: b.effect_by,
        };
        let model = actions::add(&state, &auth.0.actor, &id, new).await?;
        let (tag, at) = (etag(model.version), location("actions", &model.id));
        Ok(Versioned::Created(Json(seen(&state, model)?), tag, at))
    }

    /// Get an action
    #[oai(path = "/actions/:id", method = "get", operation_id = "get_action")]
    async fn get(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<crate::http::common::Id>,
    ) -> ApiResult<Versioned<ActionView>> {
        let model = actions::get(&state, &auth.0.actor, &id).await?;
        let tag = etag(model.version);
        Ok(Versioned::Ok(Json(seen(&state, model)?), tag))
    }

    /// Change an action's title, description, owner, due date or intended effect
    #[oai(
        path = "/actions/:id",
        method = "patch",
        operation_id = "update_action"
    )]
    async fn update(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<crate::http::common::Id>,
        /// The ETag of the version the change is based on.
        #[oai(name = "If-Match")]
        if_match: Header<crate::http::common::IfMatch>,
        body: Body<ActionPatch>,
    ) -> ApiResult<Versioned<ActionView>> {
        let expected = common::if_match(Some(if_match.0.as_str()))?;
        let p = body.0;
        let change = actions::ActionChange {
            title: p.title.map(Into::into),
            description: patch(p.description.map_value(Into::into)),
            owner_id: patch(p.owner_id.map_value(Into::into)),
            due_date: patch(p.due_date),
            effect_target: patch(p.effect_target),
            effect_by: patch(p.effect_by),
        };
        let after = actions::change(&state, &auth.0.actor, &id, &expected, change).await?;
        let tag = etag(after.version);
        Ok(Versioned::Ok(Json(seen(&state, after)?), tag))
    }

    /// Post a progress update on an action
    ///
    /// Appends the update and moves the action's status and progress in the same
    /// transaction. The action's owner, its department's head and coordinators may
    /// post.
    #[oai(
        path = "/actions/:id/updates",
        method = "post",
        operation_id = "create_update"
    )]
    async fn post_update(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<crate::http::common::Id>,
        body: Body<NewUpdate>,
    ) -> ApiResult<UpdateCreated> {
        let b = body.0;
        let new = actions::NewUpdate {
            progress: b.progress,
            status: b.status.map(Into::into),
            blocked_reason: b.blocked_reason.map(Into::into),
            comment: b.comment.map(Into::into),
        };
        let (update, after) = actions::post_update(&state, &auth.0.actor, &id, new).await?;
        let tag = etag(after.version);
        let posted = PostedUpdate {
            update: update.try_into()?,
            action: seen(&state, after)?,
        };
        Ok(UpdateCreated::Created(Json(posted), tag))
    }

    /// An action's progress updates, newest first
    #[oai(
        path = "/actions/:id/updates",
        method = "get",
        operation_id = "list_updates"
    )]
    async fn updates(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<crate::http::common::Id>,
    ) -> ApiResult<Json<UpdateList>> {
        let rows = actions::updates(&state, &auth.0.actor, &id).await?;
        Ok(Json(UpdateList {
            items: views(rows)?,
        }))
    }

    /// My open actions, soonest due first
    ///
    /// Overdue is judged by the date in your own time zone.
    #[oai(path = "/me/actions", method = "get", operation_id = "list_my_actions")]
    async fn mine(&self, state: Data<&AppState>, auth: BearerAuth) -> ApiResult<Json<ActionList>> {
        let rows = actions::mine(&state, &auth.0.actor).await?;
        Ok(Json(ActionList {
            items: views(rows)?,
        }))
    }

    /// A department's actions
    #[oai(
        path = "/departments/:id/actions",
        method = "get",
        operation_id = "list_department_actions"
    )]
    async fn department_actions(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<crate::http::common::Id>,
        /// Only actions with this status.
        status: Query<Option<ActionStatusName>>,
        /// Only open actions past their due date.
        overdue: Query<Option<bool>>,
    ) -> ApiResult<Json<ActionList>> {
        let status = status.0.map(Into::into);
        let rows = actions::of_department(&state, &auth.0.actor, &id, status, overdue.0).await?;
        Ok(Json(ActionList {
            items: views(rows)?,
        }))
    }
}

/// An action as seen today (UTC), for the answers to a write.
fn seen(state: &AppState, model: action::Model) -> ApiResult<ActionView> {
    Seen::on(model, state.now().date_naive()).try_into()
}
