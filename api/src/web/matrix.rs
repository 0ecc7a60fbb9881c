//! Who serves whom (issue 17, coordinators' item 5): a program's relationships as a
//! provider × customer matrix — a row per providing department, a column per
//! customer department, each cell the relationships between them with their key
//! points, worst current gap and plan — with a form to add one and a button to retire
//! one.

use std::collections::HashMap;

use askama::Template;
use cxpm_app::programs::relationships::{self, RelationshipChange};
use cxpm_app::programs::setup::{self, Matrix};
use cxpm_app::{AppError, names};
use poem::http::StatusCode;
use poem::web::{Data, Form, Path};
use poem::{Request, handler};

use crate::app::AppState;
use crate::labels::{labels, severity_label};
use crate::web::render::{Chrome, PageError, PageResult, Posted, form_version, html, see_other};
use crate::web::session::{self, Viewer};
use crate::web::value_stream::Choice;

#[derive(Clone)]
pub struct CellLink {
    pub id: String,
    pub version: i32,
    pub delivers: String,
    pub key_points: String,
    /// `critical` … `met`, or empty when unmeasured.
    pub severity: &'static str,
    pub severity_word: String,
    pub plan: Option<String>,
}

/// One relationship as the phone's list shows it.
pub struct ListLine {
    pub provider: String,
    pub customer: String,
    pub link: CellLink,
}

pub struct MatrixRow {
    pub provider: String,
    /// One cell per customer column.
    pub cells: Vec<Vec<CellLink>>,
}

#[derive(Template)]
#[template(path = "web/matrix.html")]
struct MatrixPage {
    chrome: Chrome,
    id: String,
    program: String,
    back: String,
    customers: Vec<String>,
    rows: Vec<MatrixRow>,
    /// The same relationships, one per line (a phone's view).
    lines: Vec<ListLine>,
    departments: Vec<Choice>,
    posted: Posted,
    may_edit: bool,
}

fn matrix_page(v: &Viewer, m: Matrix, posted: Posted) -> MatrixPage {
    let t = v.t;
    let name = |d: &cxpm_app::store::department::Model| {
        names::name_in(&d.name, &d.name_translations, t.locale)
    };
    let providers: Vec<_> = m
        .departments
        .iter()
        .filter(|d| {
            m.cells
                .iter()
                .any(|c| c.relationship.provider_department_id == d.id)
        })
        .collect();
    let customers: Vec<_> = m
        .departments
        .iter()
        .filter(|d| {
            m.cells
                .iter()
                .any(|c| c.relationship.customer_department_id == d.id)
        })
        .collect();
    let rows: Vec<MatrixRow> = providers
        .iter()
        .map(|p| MatrixRow {
            provider: name(p),
            cells: customers
                .iter()
                .map(|c| {
                    m.cells
                        .iter()
                        .filter(|x| {
                            x.relationship.provider_department_id == p.id
                                && x.relationship.customer_department_id == c.id
                        })
                        .map(|x| CellLink {
                            id: x.relationship.id.clone(),
                            version: x.relationship.version,
                            delivers: x.relationship.delivers.clone(),
                            key_points: t.n("matrix-key-points", x.key_points as i64),
                            severity: x.worst.map(|s| s.as_str()).unwrap_or(""),
                            severity_word: x
                                .worst
                                .map(|s| severity_label(labels(t.locale), s).to_owned())
                                .unwrap_or_else(|| t.get("matrix-unmeasured")),
                            plan: x.plans.first().map(|p| p.id.clone()),
                        })
                        .collect()
                })
                .collect(),
        })
        .collect();
    let lines = rows
        .iter()
        .flat_map(|r: &MatrixRow| {
            r.cells
                .iter()
                .zip(customers.iter())
                .flat_map(move |(cell, c)| {
                    cell.iter().map(move |l| ListLine {
                        provider: r.provider.clone(),
                        customer: name(c),
                        link: CellLink {
                            id: l.id.clone(),
                            version: l.version,
                            delivers: l.delivers.clone(),
                            key_points: l.key_points.clone(),
                            severity: l.severity,
                            severity_word: l.severity_word.clone(),
                            plan: l.plan.clone(),
                        },
                    })
                })
        })
        .collect();
    let id = m.program.id.clone();
    MatrixPage {
        lines,
        chrome: Chrome::signed(v, t.get("matrix-title"), "programs"),
        back: format!("/programs/{id}/relationships"),
        program: m.program.name.clone(),
        customers: customers.iter().map(|c| name(c)).collect(),
        rows,
        departments: m
            .all_departments
            .iter()
            .map(|d| Choice {
                value: d.id.clone(),
                label: name(d),
                chosen: false,
            })
            .collect(),
        posted,
        may_edit: m.may_edit,
        id,
    }
}

/// The matrix.
#[handler]
pub async fn page(req: &Request, state: Data<&AppState>, Path(id): Path<String>) -> PageResult {
    let v = session::viewer(&state, req).await?;
    let m = setup::matrix(&state, v.actor(), &id)
        .await
        .map_err(|e| PageError::app(e, v.t))?;
    Ok(html(StatusCode::OK, &matrix_page(&v, m, Posted::default())))
}

/// After a form on the matrix: the matrix, or the matrix again with the refusal.
pub async fn settle<T>(
    state: &AppState,
    v: &Viewer,
    program_id: &str,
    form: &str,
    f: HashMap<String, String>,
    outcome: Result<T, AppError>,
) -> PageResult {
    match outcome {
        Ok(_) => Ok(see_other(&format!("/programs/{program_id}/relationships"))),
        Err(e) => {
            let stale = f.get("id").cloned();
            let (status, posted) = Posted::refused(
                state,
                v,
                form,
                f,
                e,
                stale.as_deref().map(|id| ("relationship", id)),
            )
            .await?;
            let m = setup::matrix(state, v.actor(), program_id)
                .await
                .map_err(|e| PageError::app(e, v.t))?;
            Ok(html(status, &matrix_page(v, m, posted)))
        }
    }
}

/// Retires a relationship (archives it: its plans and history stay).
#[handler]
pub async fn retire(
    req: &Request,
    state: Data<&AppState>,
    Path(id): Path<String>,
    Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    let v = session::posted_by(&state, req, &f).await?;
    let r = relationships::get(&state, v.actor(), &id)
        .await
        .map_err(|e| PageError::app(e, v.t))?;
    let change = RelationshipChange {
        archived: Some(true),
        ..RelationshipChange::default()
    };
    let version = form_version(f.get("version").map(String::as_str).unwrap_or_default());
    let outcome = relationships::change(&state, v.actor(), &id, &version, change).await;
    settle(
        &state,
        &v,
        &r.program_id,
        &format!("retire-{id}"),
        f,
        outcome,
    )
    .await
}
