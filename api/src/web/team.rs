//! A program's team (issue 17, coordinators' item 2): its people by department with
//! their team roles; a coordinator adds someone with a role, changes a role, or
//! removes a seat, each by the version read.

use std::collections::HashMap;

use askama::Template;
use cxpm_app::names;
use cxpm_app::programs::home::{self, TeamView};
use cxpm_app::programs::team;
use cxpm_domain::program::TeamRole;
use poem::http::StatusCode;
use poem::web::{Data, Form, Path};
use poem::{Request, handler};

use crate::app::AppState;
use crate::web::render::{
    Chrome, PageError, PageResult, Posted, field, form_version, html, see_other,
};
use crate::web::session::{self, Viewer};
use crate::web::value_stream::Choice;

pub struct SeatRow {
    pub id: String,
    pub version: i32,
    pub name: String,
    pub role: String,
    pub role_key: &'static str,
}

pub struct Group {
    pub department: String,
    pub seats: Vec<SeatRow>,
}

#[derive(Template)]
#[template(path = "web/team.html")]
struct TeamPage {
    chrome: Chrome,
    id: String,
    program: String,
    groups: Vec<Group>,
    people: Vec<Choice>,
    roles: Vec<Choice>,
    posted: Posted,
    may_manage: bool,
}

fn team_page(v: &Viewer, view: TeamView, posted: Posted) -> TeamPage {
    let t = v.t;
    let dept_name = |d: &cxpm_app::store::department::Model| {
        names::name_in(&d.name, &d.name_translations, t.locale)
    };
    let depts: HashMap<&str, String> = view
        .departments
        .iter()
        .map(|d| (d.id.as_str(), dept_name(d)))
        .collect();
    TeamPage {
        chrome: Chrome::signed(v, t.get("team-title"), "programs"),
        id: view.program.id.clone(),
        program: view.program.name.clone(),
        groups: view
            .team
            .iter()
            .map(|g| Group {
                department: g
                    .department
                    .as_ref()
                    .map(dept_name)
                    .unwrap_or_else(|| t.get("program-no-department")),
                seats: g
                    .seats
                    .iter()
                    .map(|s| SeatRow {
                        id: s.seat.id.clone(),
                        version: s.seat.version,
                        name: s.person.name.clone(),
                        role: t.get(&format!("team-role-{}", s.seat.team_role.as_str())),
                        role_key: s.seat.team_role.as_str(),
                    })
                    .collect(),
            })
            .collect(),
        people: view
            .unseated
            .iter()
            .map(|p| Choice {
                value: p.id.clone(),
                label: match p.department_id.as_deref().and_then(|d| depts.get(d)) {
                    Some(d) => format!("{} · {d}", p.name),
                    None => p.name.clone(),
                },
                chosen: false,
            })
            .collect(),
        roles: TeamRole::ALL
            .iter()
            .map(|r| Choice {
                value: r.as_str().to_owned(),
                label: t.get(&format!("team-role-{}", r.as_str())),
                chosen: false,
            })
            .collect(),
        posted,
        may_manage: view.may_manage,
    }
}

async fn again(
    state: &AppState,
    v: &Viewer,
    id: &str,
    posted: Posted,
    status: StatusCode,
) -> PageResult {
    let view = home::team_page(state, v.actor(), id)
        .await
        .map_err(|e| PageError::app(e, v.t))?;
    Ok(html(status, &team_page(v, view, posted)))
}

/// The team page.
#[handler]
pub async fn page(req: &Request, state: Data<&AppState>, Path(id): Path<String>) -> PageResult {
    let v = session::viewer(&state, req).await?;
    again(&state, &v, &id, Posted::default(), StatusCode::OK).await
}

/// Seats someone with a role.
#[handler]
pub async fn add(
    req: &Request,
    state: Data<&AppState>,
    Path(id): Path<String>,
    Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    let v = session::posted_by(&state, req, &f).await?;
    let outcome = match field(&f, "team_role").parse::<TeamRole>() {
        Ok(role) => team::add(&state, v.actor(), &id, field(&f, "person_id"), role)
            .await
            .map(|_| ()),
        Err(e) => Err(e.into()),
    };
    match outcome {
        Ok(()) => Ok(see_other(&format!("/programs/{id}/team"))),
        Err(e) => {
            let (status, posted) = Posted::refused(&state, &v, "seat-new", f, e, None).await?;
            again(&state, &v, &id, posted, status).await
        }
    }
}

/// Changes a seat's role, or removes the seat.
#[handler]
pub async fn change(
    req: &Request,
    state: Data<&AppState>,
    Path((id, seat)): Path<(String, String)>,
    Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    let v = session::posted_by(&state, req, &f).await?;
    let version = form_version(field(&f, "version"));
    let outcome = if field(&f, "op") == "remove" {
        team::remove(&state, v.actor(), &seat, &version).await
    } else {
        match field(&f, "team_role").parse::<TeamRole>() {
            Ok(role) => team::change_role(&state, v.actor(), &seat, &version, Some(role))
                .await
                .map(|_| ()),
            Err(e) => Err(e.into()),
        }
    };
    match outcome {
        Ok(()) => Ok(see_other(&format!("/programs/{id}/team"))),
        Err(e) => {
            let form = format!("seat-{seat}");
            let (status, posted) =
                Posted::refused(&state, &v, &form, f, e, Some(("member", &seat))).await?;
            again(&state, &v, &id, posted, status).await
        }
    }
}
