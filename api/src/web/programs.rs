//! Programs as pages: the list (and a new program, for coordinators), and a program's
//! home — its team, value stream, coverage, reminders and feedback rounds at a glance,
//! with its reports one click away; a coordinator closes (archives) or reopens it.

use askama::Template;
use cxpm_app::programs::home::{self, ProgramHome};
use cxpm_app::programs::program::{self as cases, NewProgram, ProgramChange};
use cxpm_app::{AppError, names};
use cxpm_domain::program::ProgramStatus;
use cxpm_domain::reminder::Timing;
use poem::http::StatusCode;
use poem::web::{Data, Form, Path};
use poem::{Request, handler};
use serde::Deserialize;

use crate::app::AppState;
use crate::web::render::{
    Chrome, FieldErrors, PageError, PageResult, day, form_version, html, see_other, when,
};
use crate::web::session::{self, Viewer};
use crate::words::Words;

struct ProgramLine {
    id: String,
    name: String,
    business_line: String,
    status: String,
    closed: bool,
}

#[derive(Template)]
#[template(path = "web/programs.html")]
struct ProgramsPage {
    chrome: Chrome,
    programs: Vec<ProgramLine>,
    may_create: bool,
    name: String,
    business_line: String,
    errors: FieldErrors,
}

fn status_word(t: &Words, s: ProgramStatus) -> String {
    t.get(&format!("program-status-{}", s.as_str()))
}

async fn programs_page(
    state: &AppState,
    v: &Viewer,
    name: &str,
    business_line: &str,
    errors: FieldErrors,
) -> Result<ProgramsPage, PageError> {
    let t = v.t;
    let (rows, may_create) = home::programs(state, v.actor())
        .await
        .map_err(|e| PageError::app(e, t))?;
    Ok(ProgramsPage {
        chrome: Chrome::signed(v, t.get("nav-programs"), "programs"),
        programs: rows
            .into_iter()
            .map(|p| ProgramLine {
                status: status_word(&t, *p.status),
                closed: *p.status == ProgramStatus::Closed,
                id: p.id,
                name: p.name,
                business_line: p.business_line.unwrap_or_default(),
            })
            .collect(),
        may_create,
        name: name.to_owned(),
        business_line: business_line.to_owned(),
        errors,
    })
}

/// Every program, and a form for a new one.
#[handler]
pub async fn list(req: &Request, state: Data<&AppState>) -> PageResult {
    let v = session::viewer(&state, req).await?;
    let view = programs_page(&state, &v, "", "", FieldErrors::default()).await?;
    Ok(html(StatusCode::OK, &view))
}

#[derive(Debug, Deserialize)]
pub struct NewProgramForm {
    csrf: Option<String>,
    #[serde(default)]
    name: String,
    #[serde(default)]
    business_line: String,
}

/// Creates a program (a draft, its creator its coordinator) and opens its page.
#[handler]
pub async fn create(
    req: &Request,
    state: Data<&AppState>,
    Form(f): Form<NewProgramForm>,
) -> PageResult {
    let v = session::viewer(&state, req).await?;
    session::check(&state, req, &v, f.csrf.as_deref())?;
    let new = NewProgram {
        name: f.name.clone(),
        business_line: Some(f.business_line.clone()).filter(|b| !b.trim().is_empty()),
        coordinator_id: Some(v.actor().person_id.clone()),
        ..NewProgram::default()
    };
    match cases::create(&state, v.actor(), new).await {
        Ok(p) => Ok(see_other(&format!("/programs/{}", p.id))),
        Err(e) => match FieldErrors::from_app(&e, &v.t) {
            Some(errors) => {
                let view = programs_page(&state, &v, &f.name, &f.business_line, errors).await?;
                Ok(html(StatusCode::UNPROCESSABLE_ENTITY, &view))
            }
            None => Err(PageError::app(e, v.t)),
        },
    }
}

struct TeamLine {
    department: String,
    people: Vec<(String, String)>,
}

struct StageView {
    position: i32,
    name: String,
    touchpoint: bool,
    sub_processes: String,
}

struct ScheduleLine {
    kind: String,
    when: String,
    next: String,
}

struct RoundView {
    id: String,
    label: String,
}

#[derive(Template)]
#[template(path = "web/program.html")]
struct ProgramPage {
    chrome: Chrome,
    id: String,
    name: String,
    meta: String,
    status: String,
    /// `draft`, `active` or `closed`: which buttons the page offers.
    status_key: &'static str,
    version: i32,
    team: Vec<TeamLine>,
    stages: Vec<StageView>,
    coverage_ready: bool,
    /// No customer-facing stage yet: nothing to cover.
    no_touchpoints: bool,
    coverage: Vec<(String, usize)>,
    schedules: Vec<ScheduleLine>,
    rounds: Vec<RoundView>,
    may_manage: bool,
}

fn team_lines(t: &Words, h: &ProgramHome) -> Vec<TeamLine> {
    h.team
        .iter()
        .map(|g| TeamLine {
            department: g
                .department
                .as_ref()
                .map(|d| names::name_in(&d.name, &d.name_translations, t.locale))
                .unwrap_or_else(|| t.get("program-no-department")),
            people: g
                .seats
                .iter()
                .map(|s| {
                    (
                        s.person.name.clone(),
                        t.get(&format!("team-role-{}", s.seat.team_role.as_str())),
                    )
                })
                .collect(),
        })
        .collect()
}

fn schedule_lines(v: &Viewer, h: &ProgramHome) -> Vec<ScheduleLine> {
    let t = v.t;
    h.schedules
        .iter()
        .map(|s| ScheduleLine {
            kind: t.get(&format!("schedule-kind-{}", s.kind.as_str())),
            when: Timing::parse(&s.cron, &s.time_zone)
                .map(|timing| timing.describe(t.locale))
                .unwrap_or_else(|_| s.cron.clone()),
            next: s
                .next_fire_at
                .filter(|_| s.enabled)
                .map(|at| when(&t, &v.tz, at))
                .unwrap_or_else(|| t.get("schedule-off")),
        })
        .collect()
}

fn program_page(v: &Viewer, h: ProgramHome) -> ProgramPage {
    let t = v.t;
    let p = &h.program;
    let c = &h.coverage;
    let gap_words = ["touchpoints", "sub-processes", "owners", "departments"];
    let counts = [
        c.touchpoints_without_owner.len(),
        c.sub_processes_without_owner.len(),
        c.owners_without_person.len(),
        c.departments_without_relationship.len(),
    ];
    let stages = h
        .stages
        .iter()
        .map(|s| StageView {
            position: s.stage.position,
            name: names::name_in(&s.stage.name, &s.stage.name_translations, t.locale),
            touchpoint: s.stage.customer_facing,
            sub_processes: t.n("program-sub-processes", s.sub_processes as i64),
        })
        .collect();
    let rounds = h
        .rounds
        .iter()
        .map(|r| RoundView {
            id: r.round.id.clone(),
            label: format!(
                "{} · {} · {}",
                day(&t, r.round.period_start),
                t.get(&format!("feedback-status-{}", r.round.status.as_str())),
                t.with(
                    "feedback-answered-count",
                    &[
                        ("answered", &r.answered.to_string()),
                        ("invited", &r.invited.to_string()),
                    ],
                ),
            ),
        })
        .collect();
    ProgramPage {
        chrome: Chrome::signed(v, p.name.clone(), "programs"),
        id: p.id.clone(),
        name: p.name.clone(),
        meta: [p.business_line.clone(), p.description.clone()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" · "),
        status: status_word(&t, *p.status),
        status_key: p.status.as_str(),
        version: p.version,
        team: team_lines(&t, &h),
        stages,
        coverage_ready: c.ready,
        no_touchpoints: c.touchpoints == 0,
        coverage: gap_words
            .iter()
            .zip(counts)
            .map(|(w, n)| (t.get(&format!("program-coverage-{w}")), n))
            .collect(),
        schedules: schedule_lines(v, &h),
        rounds,
        may_manage: h.may_manage,
    }
}

/// A program's home page.
#[handler]
pub async fn page(req: &Request, state: Data<&AppState>, Path(id): Path<String>) -> PageResult {
    let v = session::viewer(&state, req).await?;
    let h = home::home(&state, v.actor(), &id)
        .await
        .map_err(|e| PageError::app(e, v.t))?;
    Ok(html(StatusCode::OK, &program_page(&v, h)))
}

#[derive(Debug, Deserialize)]
pub struct StatusForm {
    csrf: Option<String>,
    /// `active`, `closed`.
    status: String,
    version: String,
}

/// Closes (archives) a program, or makes it active, as it stood when read.
#[handler]
pub async fn set_status(
    req: &Request,
    state: Data<&AppState>,
    Path(id): Path<String>,
    Form(f): Form<StatusForm>,
) -> PageResult {
    let v = session::viewer(&state, req).await?;
    session::check(&state, req, &v, f.csrf.as_deref())?;
    let status = match f.status.as_str() {
        "active" => ProgramStatus::Active,
        "closed" => ProgramStatus::Closed,
        _ => {
            return Err(PageError::app(
                AppError::not_found("status", &f.status),
                v.t,
            ));
        }
    };
    let change = ProgramChange {
        status: Some(status),
        ..ProgramChange::default()
    };
    match cases::change(&state, v.actor(), &id, &form_version(&f.version), change).await {
        // A stale form: the page as it stands now says what the status is.
        Ok(_) | Err(AppError::Stale { .. }) => Ok(see_other(&format!("/programs/{id}"))),
        Err(e) => Err(PageError::app(e, v.t)),
    }
}

/// Where each role lands (DESIGN: "each role lands where its week happens"):
/// leadership on the newest active program's dashboard, a coordinator on its home,
/// a department head on My department, everyone else on My work. Without a program
/// yet, leadership and coordinators land on Programs.
#[handler]
pub async fn start(req: &Request, state: Data<&AppState>) -> PageResult {
    use cxpm_domain::Role;
    let v = session::viewer(&state, req).await?;
    let to = match v.actor().role {
        Role::Executive | Role::Coordinator => {
            let (programs, _) = home::programs(&state, v.actor())
                .await
                .map_err(|e| PageError::app(e, v.t))?;
            let newest = programs
                .iter()
                .find(|p| *p.status == ProgramStatus::Active)
                .or(programs.first());
            match (newest, v.actor().role) {
                (Some(p), Role::Executive) => format!("/programs/{}/dashboard", p.id),
                (Some(p), _) => format!("/programs/{}", p.id),
                (None, _) => "/programs".to_owned(),
            }
        }
        Role::DepartmentHead => "/my-department".to_owned(),
        _ => "/my-work".to_owned(),
    };
    Ok(see_other(&to))
}
