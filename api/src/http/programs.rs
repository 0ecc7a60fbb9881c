//! Programs and their team: the HTTP shapes; the use cases are
//! `cxpm_app::programs::{program, team}`.

use crate::http::common::Id;
use crate::http::text;
use chrono::{DateTime, Utc};
use cxpm_app::programs::{program, team};
use cxpm_app::store;
use cxpm_domain::program::{ProgramStatus, TeamRole};
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
use crate::http::common::{
    self, Deleted, SearchText, etag, location, page, patch, search_pattern, views,
};
use crate::http::common::{ApiTags, Versioned};

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
    pub id: Id,
    pub name: String,
    pub business_line: Option<String>,
    pub description: Option<String>,
    pub status: ProgramStatusName,
    /// The executive sponsor.
    pub sponsor_id: Option<Id>,
    /// The CX coordinator (总协调人).
    pub coordinator_id: Option<Id>,
    /// The survey scale expectation and experience are scored on.
    pub scale_min: i32,
    pub scale_max: i32,
    /// A relative gap up to this is minor (0.10 = 10 %).
    pub minor_max: f64,
    /// A relative gap up to this is major; above it, critical.
    pub major_max: f64,
    /// A feedback round's results show, and become measurements, only from this many
    /// respondents on: answers stay anonymous to the provider.
    pub min_respondents: i32,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl TryFrom<store::program::Model> for Program {
    type Error = ApiError;

    fn try_from(m: store::program::Model) -> ApiResult<Self> {
        let status: ProgramStatus = *m.status;
        Ok(Self {
            id: m.id.into(),
            name: m.name,
            business_line: m.business_line,
            description: m.description,
            status: status.into(),
            sponsor_id: m.sponsor_id.map(Into::into),
            coordinator_id: m.coordinator_id.map(Into::into),
            scale_min: m.scale_min,
            scale_max: m.scale_max,
            minor_max: m.minor_max,
            major_max: m.major_max,
            min_respondents: m.min_respondents,
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
    pub name: text::Name,
    pub business_line: Option<text::Line>,
    pub description: Option<text::Prose>,
    /// Default `draft`.
    pub status: Option<ProgramStatusName>,
    /// Joins the team as `sponsor`.
    pub sponsor_id: Option<Id>,
    /// Joins the team as `coordinator`.
    pub coordinator_id: Option<Id>,
    /// Default 1.
    #[oai(validator(minimum(value = "0")))]
    pub scale_min: Option<i32>,
    /// Default 10.
    #[oai(validator(maximum(value = "100")))]
    pub scale_max: Option<i32>,
    /// Default 0.10.
    #[oai(validator(minimum(value = "0", exclusive), maximum(value = "10", exclusive)))]
    pub minor_max: Option<f64>,
    /// Default 0.25.
    #[oai(validator(minimum(value = "0", exclusive), maximum(value = "10", exclusive)))]
    pub major_max: Option<f64>,
    /// Default 3; 1 to 50.
    #[oai(validator(minimum(value = "1"), maximum(value = "50")))]
    pub min_respondents: Option<i32>,
}

/// Only the fields to change; `null` clears an optional one.
#[derive(Debug, Object, Deserialize)]
#[oai(skip_serializing_if_is_none)]
#[oai(deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct ProgramPatch {
    pub name: Option<text::Name>,
    #[serde(default)]
    pub business_line: MaybeUndefined<text::Line>,
    #[serde(default)]
    pub description: MaybeUndefined<text::Prose>,
    pub status: Option<ProgramStatusName>,
    #[serde(default)]
    pub sponsor_id: MaybeUndefined<Id>,
    #[serde(default)]
    pub coordinator_id: MaybeUndefined<Id>,
    #[oai(validator(minimum(value = "0")))]
    pub scale_min: Option<i32>,
    #[oai(validator(maximum(value = "100")))]
    pub scale_max: Option<i32>,
    #[oai(validator(minimum(value = "0", exclusive), maximum(value = "10", exclusive)))]
    pub minor_max: Option<f64>,
    #[oai(validator(minimum(value = "0", exclusive), maximum(value = "10", exclusive)))]
    pub major_max: Option<f64>,
    /// 1 to 50.
    #[oai(validator(minimum(value = "1"), maximum(value = "50")))]
    pub min_respondents: Option<i32>,
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct ProgramList {
    pub items: Vec<Program>,
    pub next_cursor: Option<Id>,
}

/// A person's seat in a program's team.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct Member {
    pub id: Id,
    pub program_id: Id,
    pub person_id: Id,
    pub person_name: String,
    pub department_id: Option<Id>,
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
    pub person_id: Id,
    pub team_role: TeamRoleName,
}

#[derive(Debug, Object, Deserialize)]
#[oai(skip_serializing_if_is_none)]
#[oai(deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct MemberPatch {
    pub team_role: Option<TeamRoleName>,
}

/// A program's team, one group per department (people without one come last).
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct Team {
    pub program_id: Id,
    pub departments: Vec<TeamDepartment>,
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct TeamDepartment {
    pub department_id: Option<Id>,
    pub department_name: Option<String>,
    pub members: Vec<Member>,
}

/// A program a person sits in, with their seat.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct PersonProgram {
    pub member_id: Id,
    pub team_role: TeamRoleName,
    pub program: Program,
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct PersonProgramList {
    pub items: Vec<PersonProgram>,
}

fn program_response(m: store::program::Model, created: bool) -> ApiResult<Versioned<Program>> {
    let (tag, at) = (etag(m.version), location("programs", &m.id));
    let body = Json(Program::try_from(m)?);
    Ok(if created {
        Versioned::Created(body, tag, at)
    } else {
        Versioned::Ok(body, tag)
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
    ) -> ApiResult<Versioned<Program>> {
        let b = body.0;
        let new = program::NewProgram {
            name: b.name.into(),
            business_line: b.business_line.map(Into::into),
            description: b.description.map(Into::into),
            status: b.status.map(Into::into),
            sponsor_id: b.sponsor_id.map(Into::into),
            coordinator_id: b.coordinator_id.map(Into::into),
            scale_min: b.scale_min,
            scale_max: b.scale_max,
            minor_max: b.minor_max,
            major_max: b.major_max,
            min_respondents: b.min_respondents,
        };
        program_response(program::create(&state, &auth.0.actor, new).await?, true)
    }

    /// Get a program
    #[oai(path = "/programs/:id", method = "get", operation_id = "get_program")]
    async fn get(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<crate::http::common::Id>,
    ) -> ApiResult<Versioned<Program>> {
        program_response(program::get(&state, &auth.0.actor, &id).await?, false)
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
        q: Query<Option<SearchText>>,
        /// Page size, 1–200 (default 50).
        limit: Query<Option<crate::http::common::Limit>>,
        /// The `next_cursor` of the previous page.
        cursor: Query<Option<crate::http::common::Cursor>>,
    ) -> ApiResult<Json<ProgramList>> {
        let page = page(limit.0, cursor.0)?;
        let filter = program::ProgramFilter {
            status: status.0.map(Into::into),
            pattern: search_pattern(q.0.as_ref())?,
        };
        let (rows, next_cursor) = program::list(&state, &auth.0.actor, &filter, &page).await?;
        Ok(Json(ProgramList {
            items: views(rows)?,
            next_cursor: next_cursor.map(Into::into),
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
        id: Path<crate::http::common::Id>,
        /// The ETag of the version the change is based on.
        #[oai(name = "If-Match")]
        if_match: Header<crate::http::common::IfMatch>,
        body: Body<ProgramPatch>,
    ) -> ApiResult<Versioned<Program>> {
        let expected = common::if_match(Some(if_match.0.as_str()))?;
        let p = body.0;
        let change = program::ProgramChange {
            name: p.name.map(Into::into),
            business_line: patch(p.business_line.map_value(Into::into)),
            description: patch(p.description.map_value(Into::into)),
            status: p.status.map(Into::into),
            sponsor_id: patch(p.sponsor_id.map_value(Into::into)),
            coordinator_id: patch(p.coordinator_id.map_value(Into::into)),
            scale_min: p.scale_min,
            scale_max: p.scale_max,
            minor_max: p.minor_max,
            major_max: p.major_max,
            min_respondents: p.min_respondents,
        };
        let after = program::change(&state, &auth.0.actor, &id, &expected, change).await?;
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
        id: Path<crate::http::common::Id>,
        body: Body<NewMember>,
    ) -> ApiResult<Versioned<Member>> {
        let b = body.0;
        let role = b.team_role.into();
        let seat = team::add(&state, &auth.0.actor, &id, &b.person_id, role).await?;
        let tag = etag(seat.seat.version);
        Ok(Versioned::Created(Json(seat.try_into()?), tag, None))
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
        id: Path<crate::http::common::Id>,
    ) -> ApiResult<Json<Team>> {
        let (program, groups) = team::of_program(&state, &auth.0.actor, &id).await?;
        let departments = groups
            .into_iter()
            .map(|g| {
                Ok(TeamDepartment {
                    department_id: (g.department.as_ref().map(|d| d.id.clone())).map(Into::into),
                    department_name: g.department.map(|d| d.name),
                    members: views(g.seats)?,
                })
            })
            .collect::<ApiResult<_>>()?;
        Ok(Json(Team {
            program_id: program.id.into(),
            departments,
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
        id: Path<crate::http::common::Id>,
        /// The ETag of the version the change is based on.
        #[oai(name = "If-Match")]
        if_match: Header<crate::http::common::IfMatch>,
        body: Body<MemberPatch>,
    ) -> ApiResult<Versioned<Member>> {
        let expected = common::if_match(Some(if_match.0.as_str()))?;
        let role = body.0.team_role.map(Into::into);
        let seat = team::change_role(&state, &auth.0.actor, &id, &expected, role).await?;
        let tag = etag(seat.seat.version);
        Ok(Versioned::Ok(Json(seat.try_into()?), tag))
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
        id: Path<crate::http::common::Id>,
        /// The ETag of the version the removal is based on.
        #[oai(name = "If-Match")]
        if_match: Header<crate::http::common::IfMatch>,
    ) -> ApiResult<Deleted> {
        let expected = common::if_match(Some(if_match.0.as_str()))?;
        team::remove(&state, &auth.0.actor, &id, &expected).await?;
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
        id: Path<crate::http::common::Id>,
    ) -> ApiResult<Json<PersonProgramList>> {
        let seats = team::of_person(&state, &auth.0.actor, &id).await?;
        let items = seats
            .into_iter()
            .map(|(seat, program)| {
                let role: TeamRole = *seat.team_role;
                Ok(PersonProgram {
                    member_id: seat.id.into(),
                    team_role: role.into(),
                    program: program.try_into()?,
                })
            })
            .collect::<ApiResult<_>>()?;
        Ok(Json(PersonProgramList { items }))
    }
}

impl TryFrom<team::Seat> for Member {
    type Error = ApiError;

    fn try_from(team::Seat { seat, person }: team::Seat) -> ApiResult<Self> {
        let role: TeamRole = *seat.team_role;
        Ok(Member {
            id: seat.id.into(),
            program_id: seat.program_id.into(),
            person_id: seat.person_id.into(),
            person_name: person.name,
            department_id: person.department_id.map(Into::into),
            team_role: role.into(),
            version: seat.version,
            created_at: seat.created_at,
            updated_at: seat.updated_at,
        })
    }
}
