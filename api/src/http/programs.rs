//! Programs and their team.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use cxpm_domain::program::{ProgramStatus, SeverityThresholds, SurveyScale, TeamRole};
use cxpm_domain::values::{Name, optional_text};
use cxpm_domain::{Action, FieldError, Invalid, Target, authorize};
use poem::web::Data;
use poem_openapi::param::{Header, Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::types::MaybeUndefined;
use poem_openapi::{ApiResponse, Enum, Object, OpenApi};
use sea_orm::sea_query::{Expr, ExprTrait, Func, LikeExpr};
use sea_orm::{
    ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, TransactionTrait,
};
use serde::Deserialize;

use crate::app::AppState;
use crate::audit::{self, Change};
use crate::auth::BearerAuth;
use crate::db::{department, member, new_id, person, program, versioned};
use crate::error::{ApiError, ApiResult};
use crate::http::ApiTags;
use crate::http::body::Body;
use crate::http::common::{etag, expected_version, load, page, referenced, search_pattern};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, Deserialize)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
#[oai(remote = "ProgramStatus")]
pub enum ProgramStatusName {
    Draft,
    Active,
    Closed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, Deserialize)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
#[oai(remote = "TeamRole")]
pub enum TeamRoleName {
    Sponsor,
    Coordinator,
    TouchpointOwner,
    Member,
}

/// A CX improvement program.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct Program {
    pub id: String,
    pub name: String,
    pub business_line: Option<String>,
    pub description: Option<String>,
    pub status: ProgramStatusName,
    /// The executive sponsor.
    pub sponsor_id: Option<String>,
    /// The CX coordinator (总协调人).
    pub coordinator_id: Option<String>,
    /// The survey scale expectation and experience are scored on.
    pub scale_min: i32,
    pub scale_max: i32,
    /// A relative gap up to this is minor (0.10 = 10 %).
    pub minor_max: f64,
    /// A relative gap up to this is major; above it, critical.
    pub major_max: f64,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl TryFrom<program::Model> for Program {
    type Error = ApiError;

    fn try_from(m: program::Model) -> ApiResult<Self> {
        let status: ProgramStatus = m.status.parse().map_err(|e| ApiError::internal(&e))?;
        Ok(Self {
            id: m.id,
            name: m.name,
            business_line: m.business_line,
            description: m.description,
            status: status.into(),
            sponsor_id: m.sponsor_id,
            coordinator_id: m.coordinator_id,
            scale_min: m.scale_min,
            scale_max: m.scale_max,
            minor_max: m.minor_max,
            major_max: m.major_max,
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
pub struct NewProgram {
    #[oai(validator(min_length = 1, max_length = 200))]
    pub name: String,
    #[oai(validator(max_length = 200))]
    pub business_line: Option<String>,
    #[oai(validator(max_length = 4000))]
    pub description: Option<String>,
    /// Default `draft`.
    pub status: Option<ProgramStatusName>,
    /// Joins the team as `sponsor`.
    pub sponsor_id: Option<String>,
    /// Joins the team as `coordinator`.
    pub coordinator_id: Option<String>,
    /// Default 1.
    pub scale_min: Option<i32>,
    /// Default 10.
    pub scale_max: Option<i32>,
    /// Default 0.10.
    pub minor_max: Option<f64>,
    /// Default 0.25.
    pub major_max: Option<f64>,
}

/// Only the fields to change; `null` clears an optional one.
#[derive(Debug, Object, Deserialize)]
#[oai(skip_serializing_if_is_none)]
#[oai(deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct ProgramPatch {
    #[oai(validator(min_length = 1, max_length = 200))]
    pub name: Option<String>,
    #[serde(default)]
    pub business_line: MaybeUndefined<String>,
    #[serde(default)]
    pub description: MaybeUndefined<String>,
    pub status: Option<ProgramStatusName>,
    #[serde(default)]
    pub sponsor_id: MaybeUndefined<String>,
    #[serde(default)]
    pub coordinator_id: MaybeUndefined<String>,
    pub scale_min: Option<i32>,
    pub scale_max: Option<i32>,
    pub minor_max: Option<f64>,
    pub major_max: Option<f64>,
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct ProgramList {
    pub items: Vec<Program>,
    pub next_cursor: Option<String>,
}

#[derive(ApiResponse)]
pub enum ProgramResponse {
    #[oai(status = 200)]
    Ok(Json<Program>, #[oai(header = "ETag")] String),
    #[oai(status = 201)]
    Created(Json<Program>, #[oai(header = "ETag")] String),
}

/// A person's seat in a program's team.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct Member {
    pub id: String,
    pub program_id: String,
    pub person_id: String,
    pub person_name: String,
    pub department_id: Option<String>,
    pub team_role: TeamRoleName,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Object, Deserialize)]
#[oai(skip_serializing_if_is_none)]
#[oai(deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct NewMember {
    pub person_id: String,
    pub team_role: TeamRoleName,
}

#[derive(Debug, Object, Deserialize)]
#[oai(skip_serializing_if_is_none)]
#[oai(deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct MemberPatch {
    pub team_role: Option<TeamRoleName>,
}

#[derive(ApiResponse)]
pub enum MemberResponse {
    #[oai(status = 200)]
    Ok(Json<Member>, #[oai(header = "ETag")] String),
    #[oai(status = 201)]
    Created(Json<Member>, #[oai(header = "ETag")] String),
}

#[derive(ApiResponse)]
pub enum Deleted {
    /// Removed.
    #[oai(status = 204)]
    NoContent,
}

/// A program's team, one group per department (people without one come last).
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct Team {
    pub program_id: String,
    pub departments: Vec<TeamDepartment>,
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct TeamDepartment {
    pub department_id: Option<String>,
    pub department_name: Option<String>,
    pub members: Vec<Member>,
}

/// A program a person sits in, with their seat.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct PersonProgram {
    pub member_id: String,
    pub team_role: TeamRoleName,
    pub program: Program,
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct PersonProgramList {
    pub items: Vec<PersonProgram>,
}

fn program_response(m: program::Model, created: bool) -> ApiResult<ProgramResponse> {
    let tag = etag(m.version);
    let body = Json(Program::try_from(m)?);
    Ok(if created {
        ProgramResponse::Created(body, tag)
    } else {
        ProgramResponse::Ok(body, tag)
    })
}

#[derive(Default)]
pub struct ProgramsApi;

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Programs")]
impl ProgramsApi {
    /// Create a program
    ///
    /// The sponsor and the coordinator, if given, join the team in the same step.
    #[oai(path = "/programs", method = "post", operation_id = "create_program")]
    async fn create(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        body: Body<NewProgram>,
    ) -> ApiResult<ProgramResponse> {
        let actor = &auth.0.actor;
        authorize(actor, Action::ManagePrograms, Target::Anything)?;
        let b = body.0;
        let mut invalid = Invalid::default();
        let name = invalid.check(Name::parse(&b.name));
        let business_line = invalid.check(optional_text(
            "business_line",
            b.business_line.as_deref(),
            200,
        ));
        let description =
            invalid.check(optional_text("description", b.description.as_deref(), 4000));
        let scale = invalid.check(SurveyScale::new(
            b.scale_min.unwrap_or(1),
            b.scale_max.unwrap_or(10),
        ));
        let thresholds = invalid.check(SeverityThresholds::new(
            b.minor_max.unwrap_or(0.10),
            b.major_max.unwrap_or(0.25),
        ));
        invalid.into_result()?;
        let (Some(name), Some(business_line), Some(description), Some(scale), Some(thresholds)) =
            (name, business_line, description, scale, thresholds)
        else {
            return Err(ApiError::internal(&"validated fields missing"));
        };
        let sponsor = match &b.sponsor_id {
            Some(id) => Some(active_person(&state.db, "sponsor_id", id).await?),
            None => None,
        };
        let coordinator = match &b.coordinator_id {
            Some(id) => Some(active_person(&state.db, "coordinator_id", id).await?),
            None => None,
        };
        let now = state.now();
        let model = program::Model {
            id: new_id(),
            name: name.into_inner(),
            business_line,
            description,
            status: ProgramStatus::from(b.status.unwrap_or(ProgramStatusName::Draft))
                .as_str()
                .to_owned(),
            sponsor_id: sponsor.as_ref().map(|p| p.id.clone()),
            coordinator_id: coordinator.as_ref().map(|p| p.id.clone()),
            scale_min: scale.min(),
            scale_max: scale.max(),
            minor_max: thresholds.minor_max(),
            major_max: thresholds.major_max(),
            stage_order: 0,
            version: 1,
            created_at: now,
            updated_at: now,
        };
        let mut seats: Vec<member::Model> = Vec::new();
        for (p, role) in [
            (sponsor, TeamRole::Sponsor),
            (coordinator, TeamRole::Coordinator),
        ] {
            if let Some(p) = p
                && !seats.iter().any(|s| s.person_id == p.id)
            {
                seats.push(member::Model {
                    id: new_id(),
                    program_id: model.id.clone(),
                    person_id: p.id,
                    team_role: role.as_str().to_owned(),
                    version: 1,
                    created_at: now,
                    updated_at: now,
                });
            }
        }
        let txn = state.db.begin().await?;
        program::Entity::insert(program::ActiveModel::from(model.clone()))
            .exec_without_returning(&txn)
            .await?;
        audit::record(
            &txn,
            Some(&actor.person_id),
            "program",
            &model.id,
            Change::Create,
            None::<&()>,
            Some(&model),
        )
        .await?;
        for seat in &seats {
            member::Entity::insert(member::ActiveModel::from(seat.clone()))
                .exec_without_returning(&txn)
                .await?;
            audit::record(
                &txn,
                Some(&actor.person_id),
                "member",
                &seat.id,
                Change::Create,
                None::<&()>,
                Some(seat),
            )
            .await?;
        }
        txn.commit().await?;
        program_response(model, true)
    }

    /// Get a program
    #[oai(path = "/programs/:id", method = "get", operation_id = "get_program")]
    async fn get(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<String>,
    ) -> ApiResult<ProgramResponse> {
        authorize(&auth.0.actor, Action::ReadPrograms, Target::Anything)?;
        program_response(
            load::<program::Entity>(&state.read, "program", &id).await?,
            false,
        )
    }

    /// List programs
    #[oai(path = "/programs", method = "get", operation_id = "list_programs")]
    async fn list(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        /// Only programs with this status.
        status: Query<Option<ProgramStatusName>>,
        /// Case-insensitive search in name and business line.
        q: Query<Option<String>>,
        /// Page size, 1–200 (default 50).
        limit: Query<Option<u64>>,
        /// The `next_cursor` of the previous page.
        cursor: Query<Option<String>>,
    ) -> ApiResult<Json<ProgramList>> {
        authorize(&auth.0.actor, Action::ReadPrograms, Target::Anything)?;
        let page = page(limit.0, cursor.0)?;
        let mut select = program::Entity::find();
        if let Some(status) = status.0 {
            select =
                select.filter(program::Column::Status.eq(ProgramStatus::from(status).as_str()));
        }
        if let Some(pattern) = search_pattern(q.0.as_deref())? {
            select = select.filter(
                Expr::expr(Func::lower(Expr::col(program::Column::Name)))
                    .like(LikeExpr::new(pattern.clone()).escape('\\'))
                    .or(
                        Expr::expr(Func::lower(Expr::col(program::Column::BusinessLine)))
                            .like(LikeExpr::new(pattern).escape('\\')),
                    ),
            );
        }
        let rows = page
            .apply(select, program::Column::Id)
            .all(&state.read)
            .await?;
        let (rows, next_cursor) = page.finish(rows, |r| &r.id);
        Ok(Json(ProgramList {
            items: rows
                .into_iter()
                .map(Program::try_from)
                .collect::<ApiResult<_>>()?,
            next_cursor,
        }))
    }

    /// Change a program
    #[oai(
        path = "/programs/:id",
        method = "patch",
        operation_id = "update_program"
    )]
    async fn update(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<String>,
        /// The ETag of the version the change is based on.
        #[oai(name = "If-Match")]
        if_match: Header<Option<String>>,
        body: Body<ProgramPatch>,
    ) -> ApiResult<ProgramResponse> {
        let actor = &auth.0.actor;
        authorize(actor, Action::ManagePrograms, Target::Anything)?;
        let before = load::<program::Entity>(&state.db, "program", &id).await?;
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
        if let Some(v) = maybe_text(&mut invalid, "business_line", p.business_line, 200) {
            after.business_line = v;
        }
        if let Some(v) = maybe_text(&mut invalid, "description", p.description, 4000) {
            after.description = v;
        }
        if let Some(status) = p.status {
            after.status = ProgramStatus::from(status).as_str().to_owned();
        }
        if let Some(scale) = invalid.check(SurveyScale::new(
            p.scale_min.unwrap_or(before.scale_min),
            p.scale_max.unwrap_or(before.scale_max),
        )) {
            after.scale_min = scale.min();
            after.scale_max = scale.max();
        }
        if let Some(t) = invalid.check(SeverityThresholds::new(
            p.minor_max.unwrap_or(before.minor_max),
            p.major_max.unwrap_or(before.major_max),
        )) {
            after.minor_max = t.minor_max();
            after.major_max = t.major_max();
        }
        invalid.into_result()?;
        match p.sponsor_id {
            MaybeUndefined::Undefined => {}
            MaybeUndefined::Null => after.sponsor_id = None,
            MaybeUndefined::Value(raw) => {
                after.sponsor_id = Some(active_person(&state.db, "sponsor_id", &raw).await?.id)
            }
        }
        match p.coordinator_id {
            MaybeUndefined::Undefined => {}
            MaybeUndefined::Null => after.coordinator_id = None,
            MaybeUndefined::Value(raw) => {
                after.coordinator_id =
                    Some(active_person(&state.db, "coordinator_id", &raw).await?.id)
            }
        }
        let after =
            versioned::update::<program::Entity>(&state.db, &actor.person_id, &before, after)
                .await?;
        program_response(after, false)
    }

    /// Add a person to a program's team
    #[oai(
        path = "/programs/:id/members",
        method = "post",
        operation_id = "create_member"
    )]
    async fn add_member(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<String>,
        body: Body<NewMember>,
    ) -> ApiResult<MemberResponse> {
        let actor = &auth.0.actor;
        authorize(actor, Action::ManagePrograms, Target::Anything)?;
        let program = load::<program::Entity>(&state.db, "program", &id).await?;
        let person = active_person(&state.db, "person_id", &body.0.person_id).await?;
        let taken = crate::db::unique(
            member::Entity::find()
                .filter(member::Column::ProgramId.eq(&program.id))
                .filter(member::Column::PersonId.eq(&person.id)),
            &state.db,
        )
        .await?;
        if taken.is_some() {
            return Err(ApiError::conflict(
                "this person is already in the program's team; change their role instead",
                Some("person_id"),
            ));
        }
        let now = state.now();
        let model = member::Model {
            id: new_id(),
            program_id: program.id,
            person_id: person.id.clone(),
            team_role: TeamRole::from(body.0.team_role).as_str().to_owned(),
            version: 1,
            created_at: now,
            updated_at: now,
        };
        versioned::create::<member::Entity>(&state.db, &actor.person_id, &model).await?;
        let tag = etag(model.version);
        Ok(MemberResponse::Created(
            Json(member_view(model, &person)?),
            tag,
        ))
    }

    /// A program's team, grouped by department
    #[oai(
        path = "/programs/:id/members",
        method = "get",
        operation_id = "list_members"
    )]
    async fn team(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<String>,
    ) -> ApiResult<Json<Team>> {
        authorize(&auth.0.actor, Action::ReadPrograms, Target::Anything)?;
        let program = load::<program::Entity>(&state.read, "program", &id).await?;
        let seats = member::Entity::find()
            .filter(member::Column::ProgramId.eq(&program.id))
            .order_by_asc(member::Column::Id)
            .all(&state.read)
            .await?;
        let people = people_by_id(
            &state.read,
            seats.iter().map(|s| s.person_id.clone()).collect(),
        )
        .await?;
        let dept_ids: Vec<String> = people
            .values()
            .filter_map(|p| p.department_id.clone())
            .collect();
        let departments: HashMap<String, department::Model> = if dept_ids.is_empty() {
            HashMap::new()
        } else {
            department::Entity::find()
                .filter(department::Column::Id.is_in(dept_ids))
                .all(&state.read)
                .await?
                .into_iter()
                .map(|d| (d.id.clone(), d))
                .collect()
        };
        // Named departments in name order, then people without a department.
        let mut groups: BTreeMap<(bool, String, String), TeamDepartment> = BTreeMap::new();
        for seat in seats {
            let person = people
                .get(&seat.person_id)
                .ok_or_else(|| ApiError::internal(&"member without person"))?;
            let dept = person
                .department_id
                .as_ref()
                .and_then(|d| departments.get(d));
            let key = match dept {
                Some(d) => (false, d.name.clone(), d.id.clone()),
                None => (true, String::new(), String::new()),
            };
            let group = groups.entry(key).or_insert_with(|| TeamDepartment {
                department_id: dept.map(|d| d.id.clone()),
                department_name: dept.map(|d| d.name.clone()),
                members: vec![],
            });
            group.members.push(member_view(seat, person)?);
        }
        Ok(Json(Team {
            program_id: program.id,
            departments: groups.into_values().collect(),
        }))
    }

    /// Change a team member's role
    #[oai(
        path = "/members/:id",
        method = "patch",
        operation_id = "update_member"
    )]
    async fn update_member(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<String>,
        /// The ETag of the version the change is based on.
        #[oai(name = "If-Match")]
        if_match: Header<Option<String>>,
        body: Body<MemberPatch>,
    ) -> ApiResult<MemberResponse> {
        let actor = &auth.0.actor;
        authorize(actor, Action::ManagePrograms, Target::Anything)?;
        let before = load::<member::Entity>(&state.db, "member", &id).await?;
        expected_version(if_match.0.as_deref(), before.version)?;
        let mut after = before.clone();
        if let Some(role) = body.0.team_role {
            after.team_role = TeamRole::from(role).as_str().to_owned();
        }
        let after =
            versioned::update::<member::Entity>(&state.db, &actor.person_id, &before, after)
                .await?;
        let person = load::<person::Entity>(&state.db, "person", &after.person_id).await?;
        let tag = etag(after.version);
        Ok(MemberResponse::Ok(Json(member_view(after, &person)?), tag))
    }

    /// Remove a person from a program's team
    #[oai(
        path = "/members/:id",
        method = "delete",
        operation_id = "delete_member"
    )]
    async fn remove_member(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<String>,
        /// The ETag of the version the removal is based on.
        #[oai(name = "If-Match")]
        if_match: Header<Option<String>>,
    ) -> ApiResult<Deleted> {
        let actor = &auth.0.actor;
        authorize(actor, Action::ManagePrograms, Target::Anything)?;
        let before = load::<member::Entity>(&state.db, "member", &id).await?;
        expected_version(if_match.0.as_deref(), before.version)?;
        versioned::delete::<member::Entity>(&state.db, &actor.person_id, &before).await?;
        Ok(Deleted::NoContent)
    }

    /// The programs a person sits in
    #[oai(
        path = "/people/:id/programs",
        method = "get",
        operation_id = "list_person_programs"
    )]
    async fn person_programs(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<String>,
    ) -> ApiResult<Json<PersonProgramList>> {
        authorize(&auth.0.actor, Action::ReadPrograms, Target::Anything)?;
        let person = load::<person::Entity>(&state.read, "person", &id).await?;
        let seats = member::Entity::find()
            .filter(member::Column::PersonId.eq(&person.id))
            .order_by_asc(member::Column::Id)
            .all(&state.read)
            .await?;
        let programs: HashMap<String, program::Model> = if seats.is_empty() {
            HashMap::new()
        } else {
            program::Entity::find()
                .filter(program::Column::Id.is_in(seats.iter().map(|s| s.program_id.clone())))
                .all(&state.read)
                .await?
                .into_iter()
                .map(|p| (p.id.clone(), p))
                .collect()
        };
        let mut items = Vec::with_capacity(seats.len());
        for seat in seats {
            let program = programs
                .get(&seat.program_id)
                .cloned()
                .ok_or_else(|| ApiError::internal(&"member without program"))?;
            let role: TeamRole = seat.team_role.parse().map_err(|e| ApiError::internal(&e))?;
            items.push(PersonProgram {
                member_id: seat.id,
                team_role: role.into(),
                program: program.try_into()?,
            });
        }
        Ok(Json(PersonProgramList { items }))
    }
}

fn member_view(seat: member::Model, person: &person::Model) -> ApiResult<Member> {
    let role: TeamRole = seat.team_role.parse().map_err(|e| ApiError::internal(&e))?;
    Ok(Member {
        id: seat.id,
        program_id: seat.program_id,
        person_id: seat.person_id,
        person_name: person.name.clone(),
        department_id: person.department_id.clone(),
        team_role: role.into(),
        version: seat.version,
        created_at: seat.created_at,
        updated_at: seat.updated_at,
    })
}

/// An active person a body field names, or 422 naming the field.
pub async fn active_person(
    db: &DatabaseConnection,
    field: &str,
    raw_id: &str,
) -> ApiResult<person::Model> {
    let p = referenced::<person::Entity>(db, field, "person", raw_id).await?;
    if !p.active {
        return Err(FieldError::new(field, "the person is deactivated").into());
    }
    Ok(p)
}

pub async fn people_by_id(
    db: &DatabaseConnection,
    ids: Vec<String>,
) -> ApiResult<HashMap<String, person::Model>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(person::Entity::find()
        .filter(person::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|p| (p.id.clone(), p))
        .collect())
}

/// A nullable text field of a patch: `None` to leave it, `Some(None)` to clear it.
pub fn maybe_text(
    invalid: &mut Invalid,
    field: &str,
    value: MaybeUndefined<String>,
    max: usize,
) -> Option<Option<String>> {
    match value {
        MaybeUndefined::Undefined => None,
        MaybeUndefined::Null => Some(None),
        MaybeUndefined::Value(v) => invalid.check(optional_text(field, Some(&v), max)),
    }
}
