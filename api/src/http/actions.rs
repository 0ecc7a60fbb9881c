//! Actions under a plan, their append-only progress updates, and the everyday views:
//! my open actions, a department's actions.

use chrono::{DateTime, NaiveDate, Utc};
use cxpm_domain::plan::{ActionState, ActionStatus, Step};
use cxpm_domain::values::{Name, TimeZone, optional_text};
use cxpm_domain::{Action, Actor, FieldError, Invalid, Target, authorize};
use poem::web::Data;
use poem_openapi::param::{Header, Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::types::MaybeUndefined;
use poem_openapi::{ApiResponse, Enum, Object, OpenApi};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, TransactionTrait};
use serde::Deserialize;

use crate::app::AppState;
use crate::auth::BearerAuth;
use crate::db::{action, action_update, department, key_point, new_id, person, plan, versioned};
use crate::error::{ApiError, ApiResult};
use crate::http::ApiTags;
use crate::http::body::Body;
use crate::http::common::{etag, expected_version, load, referenced};
use crate::http::owners::member_of;
use crate::http::programs::maybe_text;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, Deserialize)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum ActionStatusName {
    Open,
    InProgress,
    Blocked,
    Done,
    Cancelled,
}

impl From<ActionStatusName> for ActionStatus {
    fn from(s: ActionStatusName) -> Self {
        match s {
            ActionStatusName::Open => ActionStatus::Open,
            ActionStatusName::InProgress => ActionStatus::InProgress,
            ActionStatusName::Blocked => ActionStatus::Blocked,
            ActionStatusName::Done => ActionStatus::Done,
            ActionStatusName::Cancelled => ActionStatus::Cancelled,
        }
    }
}

impl From<ActionStatus> for ActionStatusName {
    fn from(s: ActionStatus) -> Self {
        match s {
            ActionStatus::Open => ActionStatusName::Open,
            ActionStatus::InProgress => ActionStatusName::InProgress,
            ActionStatus::Blocked => ActionStatusName::Blocked,
            ActionStatus::Done => ActionStatusName::Done,
            ActionStatus::Cancelled => ActionStatusName::Cancelled,
        }
    }
}

/// Something a person does to close a gap.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct ActionView {
    pub id: String,
    pub program_id: String,
    pub plan_id: String,
    /// The step (1–7) this action serves, if any.
    pub step_number: Option<i32>,
    pub key_point_id: Option<String>,
    pub title: String,
    pub description: Option<String>,
    pub owner_id: Option<String>,
    pub department_id: String,
    pub due_date: Option<NaiveDate>,
    pub status: ActionStatusName,
    /// 0–100; a done action is at 100.
    pub progress: i32,
    pub blocked_reason: Option<String>,
    /// Open and past its due date.
    pub overdue: bool,
    /// The key point the action should move…
    pub effect_key_point_id: Option<String>,
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

impl ActionView {
    /// `today` decides `overdue`.
    pub fn new(m: action::Model, today: NaiveDate) -> ApiResult<Self> {
        let status: ActionStatus = m.status.parse().map_err(|e| ApiError::internal(&e))?;
        Ok(Self {
            overdue: status.is_open() && m.due_date.is_some_and(|d| d < today),
            id: m.id,
            program_id: m.program_id,
            plan_id: m.plan_id,
            step_number: m.step_number,
            key_point_id: m.key_point_id,
            title: m.title,
            description: m.description,
            owner_id: m.owner_id,
            department_id: m.department_id,
            due_date: m.due_date,
            status: status.into(),
            progress: m.progress,
            blocked_reason: m.blocked_reason,
            effect_key_point_id: m.effect_key_point_id,
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
    pub id: String,
    pub action_id: String,
    pub author_id: String,
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
            id: m.id,
            action_id: m.action_id,
            author_id: m.author_id,
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
    #[oai(validator(min_length = 1, max_length = 200))]
    pub title: String,
    #[oai(validator(max_length = 4000))]
    pub description: Option<String>,
    /// A member of the action's department.
    pub owner_id: Option<String>,
    /// Default: the plan's department.
    pub department_id: Option<String>,
    pub due_date: Option<NaiveDate>,
    #[oai(validator(minimum(value = "1"), maximum(value = "7")))]
    pub step_number: Option<i32>,
    /// A key point of the plan's relationship.
    pub key_point_id: Option<String>,
    pub effect_key_point_id: Option<String>,
    #[oai(validator(max_length = 200))]
    pub effect_metric: Option<String>,
    /// Between -1e12 and 1e12.
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
    #[oai(validator(min_length = 1, max_length = 200))]
    pub title: Option<String>,
    #[serde(default)]
    pub description: MaybeUndefined<String>,
    #[serde(default)]
    pub owner_id: MaybeUndefined<String>,
    #[serde(default)]
    pub due_date: MaybeUndefined<NaiveDate>,
    /// Between -1e12 and 1e12.
    #[serde(default)]
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
    #[oai(validator(max_length = 2000))]
    pub blocked_reason: Option<String>,
    #[oai(validator(max_length = 4000))]
    pub comment: Option<String>,
}

/// The update and the action as it now stands.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct PostedUpdate {
    pub update: UpdateView,
    pub action: ActionView,
}

#[derive(ApiResponse)]
pub enum ActionResponse {
    #[oai(status = 200)]
    Ok(Json<ActionView>, #[oai(header = "ETag")] String),
    #[oai(status = 201)]
    Created(Json<ActionView>, #[oai(header = "ETag")] String),
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
        id: Path<String>,
        body: Body<NewAction>,
    ) -> ApiResult<ActionResponse> {
        let actor = &auth.0.actor;
        let plan = load::<plan::Entity>(&state.db, "plan", &id).await?;
        let b = body.0;
        let department_id = match &b.department_id {
            Some(raw) => {
                referenced::<department::Entity>(&state.db, "department_id", "department", raw)
                    .await?
                    .id
            }
            None => plan.department_id.clone(),
        };
        authorize(
            actor,
            Action::ManageActions,
            Target::Department(Some(&department_id)),
        )?;
        let mut invalid = Invalid::default();
        let title = invalid.check(Name::parse(&b.title).map_err(|e| e.at("title")));
        let description = invalid
            .check(optional_text("description", b.description.as_deref(), 4000))
            .flatten();
        let effect_metric = invalid
            .check(optional_text(
                "effect_metric",
                b.effect_metric.as_deref(),
                200,
            ))
            .flatten();
        if b.step_number
            .is_some_and(|n| Step::from_number(n).is_none())
        {
            invalid.push(FieldError::new("step_number", "must be 1 to 7"));
        }
        if let Some(t) = b.effect_target {
            invalid.check(cxpm_domain::metric::value("effect_target", t));
        }
        invalid.into_result()?;
        let title = title
            .ok_or_else(|| ApiError::internal(&"validated title missing"))?
            .into_inner();
        let owner_id = match &b.owner_id {
            Some(raw) => Some(
                member_of(&state.db, "owner_id", raw, &department_id)
                    .await?
                    .id,
            ),
            None => None,
        };
        let key_point_id = match &b.key_point_id {
            Some(raw) => Some(point_of(&state, "key_point_id", raw, &plan).await?),
            None => None,
        };
        let effect_key_point_id = match &b.effect_key_point_id {
            Some(raw) => Some(point_of(&state, "effect_key_point_id", raw, &plan).await?),
            None => None,
        };
        let now = state.now();
        let model = action::Model {
            id: new_id(),
            program_id: plan.program_id.clone(),
            plan_id: plan.id.clone(),
            step_number: b.step_number,
            key_point_id,
            title,
            description,
            owner_id,
            department_id,
            due_date: b.due_date,
            status: ActionStatus::Open.as_str().to_owned(),
            progress: 0,
            blocked_reason: None,
            effect_key_point_id,
            effect_metric,
            effect_target: b.effect_target,
            effect_by: b.effect_by,
            last_update_at: None,
            version: 1,
            created_at: now,
            updated_at: now,
        };
        versioned::create::<action::Entity>(&state.db, &actor.person_id, &model).await?;
        let tag = etag(model.version);
        Ok(ActionResponse::Created(
            Json(ActionView::new(model, state.now().date_naive())?),
            tag,
        ))
    }

    /// Get an action
    #[oai(path = "/actions/:id", method = "get", operation_id = "get_action")]
    async fn get(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<String>,
    ) -> ApiResult<ActionResponse> {
        authorize(&auth.0.actor, Action::ReadPrograms, Target::Anything)?;
        let model = load::<action::Entity>(&state.read, "action", &id).await?;
        let tag = etag(model.version);
        Ok(ActionResponse::Ok(
            Json(ActionView::new(model, state.now().date_naive())?),
            tag,
        ))
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
        id: Path<String>,
        /// The ETag of the version the change is based on.
        #[oai(name = "If-Match")]
        if_match: Header<Option<String>>,
        body: Body<ActionPatch>,
    ) -> ApiResult<ActionResponse> {
        let actor = &auth.0.actor;
        let before = load::<action::Entity>(&state.db, "action", &id).await?;
        authorize(
            actor,
            Action::ManageActions,
            Target::Department(Some(&before.department_id)),
        )?;
        expected_version(if_match.0.as_deref(), before.version)?;
        let p = body.0;
        let mut after = before.clone();
        let mut invalid = Invalid::default();
        if let Some(title) = p
            .title
            .as_deref()
            .and_then(|t| invalid.check(Name::parse(t).map_err(|e| e.at("title"))))
        {
            after.title = title.into_inner();
        }
        if let Some(v) = maybe_text(&mut invalid, "description", p.description, 4000) {
            after.description = v;
        }
        match p.due_date {
            MaybeUndefined::Undefined => {}
            MaybeUndefined::Null => after.due_date = None,
            MaybeUndefined::Value(d) => after.due_date = Some(d),
        }
        match p.effect_by {
            MaybeUndefined::Undefined => {}
            MaybeUndefined::Null => after.effect_by = None,
            MaybeUndefined::Value(d) => after.effect_by = Some(d),
        }
        match p.effect_target {
            MaybeUndefined::Undefined => {}
            MaybeUndefined::Null => after.effect_target = None,
            MaybeUndefined::Value(t) => {
                if let Some(t) = invalid.check(cxpm_domain::metric::value("effect_target", t)) {
                    after.effect_target = Some(t);
                }
            }
        }
        invalid.into_result()?;
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
            versioned::update::<action::Entity>(&state.db, &actor.person_id, &before, after)
                .await?;
        let tag = etag(after.version);
        Ok(ActionResponse::Ok(
            Json(ActionView::new(after, state.now().date_naive())?),
            tag,
        ))
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
        id: Path<String>,
        body: Body<NewUpdate>,
    ) -> ApiResult<UpdateCreated> {
        let actor = &auth.0.actor;
        let (update, after) = append_update(&state, actor, &id, &body.0).await?;
        let tag = etag(after.version);
        Ok(UpdateCreated::Created(
            Json(PostedUpdate {
                update: update.try_into()?,
                action: ActionView::new(after, state.now().date_naive())?,
            }),
            tag,
        ))
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
        id: Path<String>,
    ) -> ApiResult<Json<UpdateList>> {
        authorize(&auth.0.actor, Action::ReadPrograms, Target::Anything)?;
        let action = load::<action::Entity>(&state.read, "action", &id).await?;
        let rows = action_update::Entity::find()
            .filter(action_update::Column::ActionId.eq(&action.id))
            .order_by_desc(action_update::Column::Id)
            .all(&state.read)
            .await?;
        Ok(Json(UpdateList {
            items: rows
                .into_iter()
                .map(UpdateView::try_from)
                .collect::<ApiResult<_>>()?,
        }))
    }

    /// My open actions, soonest due first
    ///
    /// Overdue is judged by the date in your own time zone.
    #[oai(path = "/me/actions", method = "get", operation_id = "list_my_actions")]
    async fn mine(&self, state: Data<&AppState>, auth: BearerAuth) -> ApiResult<Json<ActionList>> {
        let actor = &auth.0.actor;
        let me = load::<person::Entity>(&state.read, "person", &actor.person_id).await?;
        let tz = TimeZone::parse(&me.time_zone).unwrap_or_default();
        let today = state.now().with_timezone(&tz.tz()).date_naive();
        let rows = action::Entity::find()
            .filter(action::Column::OwnerId.eq(&me.id))
            .filter(action::Column::Status.is_in(["open", "in_progress", "blocked"]))
            // Undated actions last, then by due date.
            .order_by_asc(Expr::col(action::Column::DueDate).is_null())
            .order_by_asc(action::Column::DueDate)
            .order_by_asc(action::Column::Id)
            .all(&state.read)
            .await?;
        Ok(Json(ActionList {
            items: rows
                .into_iter()
                .map(|a| ActionView::new(a, today))
                .collect::<ApiResult<_>>()?,
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
        id: Path<String>,
        /// Only actions with this status.
        status: Query<Option<ActionStatusName>>,
        /// Only open actions past their due date.
        overdue: Query<Option<bool>>,
    ) -> ApiResult<Json<ActionList>> {
        authorize(&auth.0.actor, Action::ReadPrograms, Target::Anything)?;
        let dept = load::<department::Entity>(&state.read, "department", &id).await?;
        let mut select = action::Entity::find().filter(action::Column::DepartmentId.eq(&dept.id));
        if let Some(s) = status.0 {
            select = select.filter(action::Column::Status.eq(ActionStatus::from(s).as_str()));
        }
        let rows = select
            .order_by_asc(Expr::col(action::Column::DueDate).is_null())
            .order_by_asc(action::Column::DueDate)
            .order_by_asc(action::Column::Id)
            .all(&state.read)
            .await?;
        let today = state.now().date_naive();
        let items: Vec<ActionView> = rows
            .into_iter()
            .map(|a| ActionView::new(a, today))
            .collect::<ApiResult<_>>()?;
        let items = match overdue.0 {
            Some(want) => items.into_iter().filter(|a| a.overdue == want).collect(),
            None => items,
        };
        Ok(Json(ActionList { items }))
    }
}

/// A key point of the plan's relationship, or 422 naming the field.
async fn point_of(
    state: &AppState,
    field: &str,
    raw: &str,
    plan: &plan::Model,
) -> ApiResult<String> {
    let point = referenced::<key_point::Entity>(&state.db, field, "key point", raw).await?;
    if point.relationship_id != plan.relationship_id {
        return Err(FieldError::new(field, "the key point belongs to another relationship").into());
    }
    Ok(point.id)
}

/// Appends one progress update to the action as it stands now and moves the action,
/// in one transaction.
///
/// An update claims no version (there is no If-Match to send): two people posting at
/// once must both land. So the transaction first takes the action's row
/// ([`versioned::lock_in`]) and reads it inside; a concurrent post waits for it.
async fn append_update(
    ctx: &cxpm_app::Ctx,
    actor: &Actor,
    id: &str,
    b: &NewUpdate,
) -> ApiResult<(action_update::Model, action::Model)> {
    let db = &ctx.db;
    // Not found and forbidden are answered without taking any lock.
    let seen = load::<action::Entity>(db, "action", id).await?;
    may_post_update(actor, &seen)?;
    let comment = optional_text("comment", b.comment.as_deref(), 4000)?;
    if b.progress.is_none() && b.status.is_none() && comment.is_none() {
        return Err(
            FieldError::new("body", "an update needs a progress, a status or a comment").into(),
        );
    }
    let txn = db.begin().await?;
    let before = versioned::lock_in::<action::Entity, _>(&txn, &seen).await?;
    // The owner may have changed meanwhile; ask again of the row as it is.
    may_post_update(actor, &before)?;
    let current = ActionState {
        status: before.status.parse().map_err(|e| ApiError::internal(&e))?,
        progress: before.progress,
        blocked_reason: before.blocked_reason.clone(),
    };
    let next = current
        .apply(
            b.status.map(ActionStatus::from),
            b.progress,
            b.blocked_reason.clone().map(Some),
        )
        .map_err(|errors| ApiError::invalid(Invalid(errors)))?;
    let now = ctx.now();
    let mut after = before.clone();
    after.status = next.status.as_str().to_owned();
    after.progress = next.progress;
    after.blocked_reason = next.blocked_reason;
    after.last_update_at = Some(now);
    let update = action_update::Model {
        id: new_id(),
        action_id: before.id.clone(),
        author_id: actor.person_id.clone(),
        at: now,
        progress: b
            .progress
            .or((next.progress != current.progress).then_some(next.progress)),
        status: (next.status != current.status || b.status.is_some())
            .then(|| next.status.as_str().to_owned()),
        comment,
    };
    let after =
        versioned::update_in::<action::Entity, _>(&txn, &actor.person_id, &before, after).await?;
    action_update::Entity::insert(action_update::ActiveModel::from(update.clone()))
        .exec_without_returning(&txn)
        .await?;
    crate::audit::record(
        &txn,
        Some(&actor.person_id),
        "action_update",
        &update.id,
        crate::audit::Change::Create,
        None::<&()>,
        Some(&update),
    )
    .await?;
    txn.commit().await?;
    Ok((update, after))
}

/// The action's owner, its department's head and coordinators may post on it.
fn may_post_update(actor: &Actor, action: &action::Model) -> ApiResult<()> {
    authorize(
        actor,
        Action::PostUpdate,
        Target::Department(Some(&action.department_id)),
    )
    .or_else(|_| {
        authorize(
            actor,
            Action::PostUpdate,
            Target::Person(action.owner_id.as_deref().unwrap_or("")),
        )
    })?;
    Ok(())
}
