//! Coverage: what a coordinator checks before go-live — every touchpoint and
//! sub-process owned, every department in the value stream in a relationship. The
//! HTTP shapes; the use case is `cxpm_app::programs::coverage`.

use crate::http::common::Id;
use cxpm_app::programs::coverage as app;
use poem::web::Data;
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{Object, OpenApi};
use serde::Serialize;

use crate::app::AppState;
use crate::error::ApiResult;
use crate::http::bearer::BearerAuth;
use crate::http::common::ApiTags;

#[derive(Debug, Object, Serialize)]
#[oai(skip_serializing_if_is_none)]
pub struct StageRef {
    pub id: Id,
    pub name: String,
    pub position: i32,
}

#[derive(Debug, Object, Serialize)]
#[oai(skip_serializing_if_is_none)]
pub struct SubProcessRef {
    pub id: Id,
    pub name: String,
    pub stage_id: Id,
}

#[derive(Debug, Object, Serialize)]
#[oai(skip_serializing_if_is_none)]
pub struct OwnerRef {
    pub id: Id,
    pub sub_process_id: Id,
    pub department_id: Id,
}

#[derive(Debug, Object, Serialize)]
#[oai(skip_serializing_if_is_none)]
pub struct DepartmentRef {
    pub id: Id,
    pub name: String,
    pub code: String,
}

/// One department's part in the program.
#[derive(Debug, Object, Serialize)]
#[oai(skip_serializing_if_is_none)]
pub struct DepartmentCoverage {
    pub department_id: Id,
    pub name: String,
    pub code: String,
    /// Sub-processes with a row for this department.
    pub owned_sub_processes: u32,
    /// Touchpoints (customer-facing stages) with a sub-process this department owns.
    pub owned_touchpoints: u32,
    pub relationships_as_provider: u32,
    pub relationships_as_customer: u32,
}

/// Gaps in ownership; empty lists everywhere mean ready for go-live.
#[derive(Debug, Object, Serialize)]
#[oai(skip_serializing_if_is_none)]
pub struct Coverage {
    pub program_id: Id,
    /// Customer-facing stages where no sub-process has a named owner.
    pub touchpoints_without_owner: Vec<StageRef>,
    /// Sub-processes without any owner row that names a person.
    pub sub_processes_without_owner: Vec<SubProcessRef>,
    /// Owner rows whose department has not named a person yet.
    pub owners_without_person: Vec<OwnerRef>,
    /// Departments that own part of the value stream but serve no internal
    /// customer and are no one's internal customer.
    pub departments_without_relationship: Vec<DepartmentRef>,
    /// Every department that owns a sub-process or is in a relationship, by name.
    pub departments: Vec<DepartmentCoverage>,
    /// Customer-facing stages (touchpoints) in the value stream.
    pub touchpoints: u32,
    /// Ready for go-live: at least one touchpoint, and nothing above is missing.
    pub ready: bool,
}

#[derive(Default)]
pub struct CoverageApi;

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Programs")]
impl CoverageApi {
    /// Ownership coverage of a program
    ///
    /// Touchpoints and sub-processes with no owner, owner rows with no person,
    /// departments in the value stream with no internal-customer relationship, and
    /// per-department counts.
    #[oai(
        path = "/programs/:id/coverage",
        method = "get",
        operation_id = "get_coverage"
    )]
    async fn coverage(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<crate::http::common::Id>,
    ) -> ApiResult<Json<Coverage>> {
        Ok(Json(
            app::coverage(&state, &auth.0.actor, &id).await?.into(),
        ))
    }
}

impl From<app::StageRef> for StageRef {
    fn from(s: app::StageRef) -> Self {
        Self {
            id: s.id.into(),
            name: s.name,
            position: s.position,
        }
    }
}

impl From<app::SubProcessRef> for SubProcessRef {
    fn from(s: app::SubProcessRef) -> Self {
        Self {
            id: s.id.into(),
            name: s.name,
            stage_id: s.stage_id.into(),
        }
    }
}

impl From<app::OwnerRef> for OwnerRef {
    fn from(o: app::OwnerRef) -> Self {
        Self {
            id: o.id.into(),
            sub_process_id: o.sub_process_id.into(),
            department_id: o.department_id.into(),
        }
    }
}

impl From<app::DepartmentRef> for DepartmentRef {
    fn from(d: app::DepartmentRef) -> Self {
        Self {
            id: d.id.into(),
            name: d.name,
            code: d.code,
        }
    }
}

impl From<app::DepartmentCoverage> for DepartmentCoverage {
    fn from(d: app::DepartmentCoverage) -> Self {
        Self {
            department_id: d.department_id.into(),
            name: d.name,
            code: d.code,
            owned_sub_processes: d.owned_sub_processes,
            owned_touchpoints: d.owned_touchpoints,
            relationships_as_provider: d.relationships_as_provider,
            relationships_as_customer: d.relationships_as_customer,
        }
    }
}

fn all<A, B: From<A>>(items: Vec<A>) -> Vec<B> {
    items.into_iter().map(Into::into).collect()
}

impl From<app::Coverage> for Coverage {
    fn from(c: app::Coverage) -> Self {
        Self {
            program_id: c.program_id.into(),
            touchpoints_without_owner: all(c.touchpoints_without_owner),
            sub_processes_without_owner: all(c.sub_processes_without_owner),
            owners_without_person: all(c.owners_without_person),
            departments_without_relationship: all(c.departments_without_relationship),
            departments: all(c.departments),
            touchpoints: c.touchpoints,
            ready: c.ready,
        }
    }
}
