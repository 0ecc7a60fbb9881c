//! The admins' pages (issue 17, item 10): departments (with their parents and heads),
//! people (create, change role and department, deactivate, a one-time sign-in link
//! for someone without mail) and each person's tokens (issued with the secret shown
//! once, revoked). The use cases decide who may; these pages are an admin's.

use std::collections::HashMap;

use askama::Template;
use cxpm_app::directory::admin::{self as view_of, DepartmentsView, PeopleView};
use cxpm_app::directory::departments::{self, DepartmentChange, NewDepartment};
use cxpm_app::directory::people::{self, NewPerson, PersonChange, PersonFilter};
use cxpm_app::directory::{sign_in, tokens};
use cxpm_app::{AppError, Patch, names};
use cxpm_domain::Role;
use cxpm_domain::values::Locale;
use poem::http::StatusCode;
use poem::web::{Data, Form, Path, Query};
use poem::{Request, handler};
use serde::Deserialize;

use crate::app::AppState;
use crate::web::render::{
    Chrome, PageError, PageResult, Posted, field, form_version, html, optional, see_other, when,
};
use crate::web::session::{self, Viewer};
use crate::web::value_stream::{Choice, endonym};
use crate::words::Words;

fn dept_name(t: &Words, d: &cxpm_app::store::department::Model) -> String {
    names::name_in(&d.name, &d.name_translations, t.locale)
}

fn role_choices(t: &Words) -> Vec<Choice> {
    Role::ALL
        .iter()
        .map(|r| Choice {
            value: r.as_str().to_owned(),
            label: t.get(&format!("role-{}", r.as_str())),
            chosen: false,
        })
        .collect()
}

fn locale_choices() -> Vec<Choice> {
    Locale::ALL
        .iter()
        .map(|l| Choice {
            value: l.as_str().to_owned(),
            label: endonym(*l).to_owned(),
            chosen: false,
        })
        .collect()
}

// ---------------------------------------------------------------- departments

pub struct DepartmentRow {
    pub id: String,
    pub version: i32,
    pub name: String,
    pub given: String,
    pub code: String,
    pub parent: String,
    pub parent_id: String,
    pub head: String,
    pub head_id: String,
    pub active: bool,
    /// Its active members: who may head it.
    pub members: Vec<Choice>,
}

#[derive(Template)]
#[template(path = "web/admin_departments.html")]
struct DepartmentsPage {
    chrome: Chrome,
    rows: Vec<DepartmentRow>,
    parents: Vec<Choice>,
    /// The department whose form is open (`?edit=`).
    edit: String,
    posted: Posted,
}

impl DepartmentsPage {
    fn editing(&self, id: &str) -> bool {
        self.edit == id || self.posted.form == format!("department-{id}")
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct EditQuery {
    #[serde(default)]
    edit: String,
}

fn departments_page(
    v: &Viewer,
    view: DepartmentsView,
    posted: Posted,
    edit: &str,
) -> DepartmentsPage {
    let t = v.t;
    let name_of: HashMap<&str, String> = view
        .departments
        .iter()
        .map(|d| (d.id.as_str(), dept_name(&t, d)))
        .collect();
    let person_of: HashMap<&str, &str> = view
        .people
        .iter()
        .map(|p| (p.id.as_str(), p.name.as_str()))
        .collect();
    DepartmentsPage {
        chrome: Chrome::signed(v, t.get("admin-departments"), "admin"),
        rows: view
            .departments
            .iter()
            .map(|d| DepartmentRow {
                id: d.id.clone(),
                version: d.version,
                name: dept_name(&t, d),
                given: d.name.clone(),
                code: d.code.clone(),
                parent: d
                    .parent_id
                    .as_deref()
                    .and_then(|p| name_of.get(p).cloned())
                    .unwrap_or_default(),
                parent_id: d.parent_id.clone().unwrap_or_default(),
                head: d
                    .head_id
                    .as_deref()
                    .and_then(|h| person_of.get(h).map(|n| n.to_string()))
                    .unwrap_or_default(),
                head_id: d.head_id.clone().unwrap_or_default(),
                active: d.active,
                members: view
                    .people
                    .iter()
                    .filter(|p| p.department_id.as_deref() == Some(d.id.as_str()))
                    .map(|p| Choice {
                        value: p.id.clone(),
                        label: p.name.clone(),
                        chosen: d.head_id.as_deref() == Some(p.id.as_str()),
                    })
                    .collect(),
            })
            .collect(),
        parents: view
            .departments
            .iter()
            .filter(|d| d.active)
            .map(|d| Choice {
                value: d.id.clone(),
                label: dept_name(&t, d),
                chosen: false,
            })
            .collect(),
        edit: edit.to_owned(),
        posted,
    }
}

async fn departments_again(
    state: &AppState,
    v: &Viewer,
    posted: Posted,
    status: StatusCode,
    edit: &str,
) -> PageResult {
    let view = view_of::departments(state, v.actor())
        .await
        .map_err(|e| PageError::app(e, v.t))?;
    Ok(html(status, &departments_page(v, view, posted, edit)))
}

/// Every department.
#[handler]
pub async fn departments_list(
    req: &Request,
    state: Data<&AppState>,
    Query(q): Query<EditQuery>,
) -> PageResult {
    let v = session::viewer(&state, req).await?;
    departments_again(&state, &v, Posted::default(), StatusCode::OK, &q.edit).await
}

/// Creates a department.
#[handler]
pub async fn department_create(
    req: &Request,
    state: Data<&AppState>,
    Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    let v = session::posted_by(&state, req, &f).await?;
    let new = NewDepartment {
        name: field(&f, "name").to_owned(),
        code: field(&f, "code").to_owned(),
        parent_id: optional(&f, "parent_id"),
        ..NewDepartment::default()
    };
    match departments::create(&state, v.actor(), new).await {
        Ok(d) => Ok(see_other(&format!(
            "/admin/departments#department-{}",
            d.id
        ))),
        Err(e) => {
            let (status, posted) =
                Posted::refused(&state, &v, "department-new", f, e, None).await?;
            departments_again(&state, &v, posted, status, "").await
        }
    }
}

/// Changes a department: names, code, parent, head, active.
#[handler]
pub async fn department_change(
    req: &Request,
    state: Data<&AppState>,
    Path(id): Path<String>,
    Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    let v = session::posted_by(&state, req, &f).await?;
    let patch = |name: &str| match optional(&f, name) {
        Some(x) => Patch::Set(x),
        None => Patch::Clear,
    };
    let change = match field(&f, "op") {
        "deactivate" => DepartmentChange {
            active: Some(false),
            ..DepartmentChange::default()
        },
        "activate" => DepartmentChange {
            active: Some(true),
            ..DepartmentChange::default()
        },
        _ => DepartmentChange {
            name: Some(field(&f, "name").to_owned()),
            code: Some(field(&f, "code").to_owned()),
            parent_id: patch("parent_id"),
            head_id: patch("head_id"),
            ..DepartmentChange::default()
        },
    };
    let version = form_version(field(&f, "version"));
    match departments::change(&state, v.actor(), &id, &version, change).await {
        Ok(_) => Ok(see_other(&format!("/admin/departments#department-{id}"))),
        Err(e) => {
            let form = format!("department-{id}");
            let (status, posted) =
                Posted::refused(&state, &v, &form, f, e, Some(("department", &id))).await?;
            departments_again(&state, &v, posted, status, "").await
        }
    }
}

// ---------------------------------------------------------------- people

pub struct PersonRow {
    pub id: String,
    pub version: i32,
    pub name: String,
    pub email: String,
    pub department: String,
    pub department_id: String,
    pub role: String,
    pub role_key: &'static str,
    pub active: bool,
}

#[derive(Template)]
#[template(path = "web/admin_people.html")]
struct PeoplePage {
    chrome: Chrome,
    rows: Vec<PersonRow>,
    more: bool,
    departments: Vec<Choice>,
    roles: Vec<Choice>,
    locales: Vec<Choice>,
    filter: PeopleQuery,
    /// A one-time sign-in link just made: what the page says of it, and the link.
    link: Option<(String, String)>,
    imported: Option<String>,
    zone: String,
    posted: Posted,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct PeopleQuery {
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub department: String,
    #[serde(default)]
    pub role: String,
    /// `active`, `inactive` or empty: everyone.
    #[serde(default)]
    pub status: String,
    /// After an import: how many were created.
    pub imported: Option<u32>,
    /// The person whose form is open: one at a time, or a page of 200 people would
    /// carry 200 department lists.
    #[serde(default)]
    pub edit: String,
}

impl PeoplePage {
    fn editing(&self, id: &str) -> bool {
        self.filter.edit == id || self.posted.form == format!("person-{id}")
    }
}

fn people_page(
    v: &Viewer,
    view: PeopleView,
    filter: PeopleQuery,
    posted: Posted,
    link: Option<(String, String)>,
) -> PeoplePage {
    let t = v.t;
    let name_of: HashMap<&str, String> = view
        .departments
        .iter()
        .map(|d| (d.id.as_str(), dept_name(&t, d)))
        .collect();
    PeoplePage {
        chrome: Chrome::signed(v, t.get("admin-people"), "admin"),
        rows: view
            .people
            .iter()
            .map(|p| PersonRow {
                id: p.id.clone(),
                version: p.version,
                name: p.name.clone(),
                email: p.email.clone(),
                department: p
                    .department_id
                    .as_deref()
                    .and_then(|d| name_of.get(d).cloned())
                    .unwrap_or_default(),
                department_id: p.department_id.clone().unwrap_or_default(),
                role: t.get(&format!("role-{}", p.role.as_str())),
                role_key: p.role.as_str(),
                active: p.active,
            })
            .collect(),
        more: view.more,
        departments: view
            .departments
            .iter()
            .filter(|d| d.active)
            .map(|d| Choice {
                value: d.id.clone(),
                label: dept_name(&t, d),
                chosen: false,
            })
            .collect(),
        roles: role_choices(&t),
        locales: locale_choices(),
        imported: filter.imported.map(|n| t.n("import-done", n as i64)),
        filter,
        link,
        zone: v.tz.as_str().to_owned(),
        posted,
    }
}

fn person_filter(q: &PeopleQuery) -> PersonFilter {
    PersonFilter {
        department_id: Some(q.department.clone()).filter(|d| !d.is_empty()),
        role: q.role.parse().ok(),
        active: match q.status.as_str() {
            "active" => Some(true),
            "inactive" => Some(false),
            _ => None,
        },
        pattern: Some(q.q.trim())
            .filter(|s| !s.is_empty())
            .map(crate::http::common::contains_pattern),
    }
}

async fn people_again(
    state: &AppState,
    v: &Viewer,
    filter: PeopleQuery,
    posted: Posted,
    link: Option<(String, String)>,
    status: StatusCode,
) -> PageResult {
    let view = view_of::people(state, v.actor(), &person_filter(&filter))
        .await
        .map_err(|e| PageError::app(e, v.t))?;
    Ok(html(status, &people_page(v, view, filter, posted, link)))
}

/// The people, filtered.
#[handler]
pub async fn people_list(
    req: &Request,
    state: Data<&AppState>,
    Query(q): Query<PeopleQuery>,
) -> PageResult {
    let v = session::viewer(&state, req).await?;
    people_again(&state, &v, q, Posted::default(), None, StatusCode::OK).await
}

/// Creates a person.
#[handler]
pub async fn person_create(
    req: &Request,
    state: Data<&AppState>,
    Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    let v = session::posted_by(&state, req, &f).await?;
    let role = field(&f, "role").parse::<Role>();
    let locale = Locale::parse(field(&f, "locale"));
    let outcome = match (role, locale) {
        (Ok(role), Ok(locale)) => {
            people::create(
                &state,
                v.actor(),
                NewPerson {
                    name: field(&f, "name").to_owned(),
                    email: field(&f, "email").to_owned(),
                    department_id: optional(&f, "department_id"),
                    role,
                    locale,
                    time_zone: optional(&f, "time_zone"),
                },
            )
            .await
        }
        (Err(e), _) => Err(e.into()),
        (_, Err(e)) => Err(e.into()),
    };
    match outcome {
        Ok(p) => Ok(see_other(&format!("/admin/people#person-{}", p.id))),
        Err(e) => {
            let (status, posted) = Posted::refused(&state, &v, "person-new", f, e, None).await?;
            people_again(&state, &v, PeopleQuery::default(), posted, None, status).await
        }
    }
}

/// Changes a person's department and role, or deactivates or reactivates them.
#[handler]
pub async fn person_change(
    req: &Request,
    state: Data<&AppState>,
    Path(id): Path<String>,
    Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    let v = session::posted_by(&state, req, &f).await?;
    let change = match field(&f, "op") {
        "deactivate" => Ok(PersonChange {
            active: Some(false),
            ..PersonChange::default()
        }),
        "activate" => Ok(PersonChange {
            active: Some(true),
            ..PersonChange::default()
        }),
        _ => field(&f, "role")
            .parse::<Role>()
            .map(|role| PersonChange {
                name: Some(field(&f, "name").to_owned()),
                role: Some(role),
                department_id: match optional(&f, "department_id") {
                    Some(d) => Patch::Set(d),
                    None => Patch::Clear,
                },
                ..PersonChange::default()
            })
            .map_err(AppError::from),
    };
    let version = form_version(field(&f, "version"));
    let outcome = match change {
        Ok(change) => people::change(&state, v.actor(), &id, &version, change).await,
        Err(e) => Err(e),
    };
    match outcome {
        Ok(after) => {
            // A changed role or a deactivation holds at once for their tokens.
            state.tokens.forget_person(&after.id);
            Ok(see_other(&format!("/admin/people#person-{id}")))
        }
        Err(e) => {
            let form = format!("person-{id}");
            let (status, posted) =
                Posted::refused(&state, &v, &form, f, e, Some(("person", &id))).await?;
            people_again(&state, &v, PeopleQuery::default(), posted, None, status).await
        }
    }
}

/// Makes a one-time sign-in link for someone without mail, shown once on the page.
#[handler]
pub async fn person_link(
    req: &Request,
    state: Data<&AppState>,
    Path(id): Path<String>,
    Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    let v = session::posted_by(&state, req, &f).await?;
    let person = people::get(&state, v.actor(), &id)
        .await
        .map_err(|e| PageError::app(e, v.t))?;
    let link = sign_in::make_link(&state, Some(v.actor()), &id, None, false)
        .await
        .map_err(|e| PageError::app(e, v.t))?;
    people_again(
        &state,
        &v,
        PeopleQuery::default(),
        Posted::default(),
        Some((
            v.t.with("admin-link-made", &[("name", person.name.as_str())]),
            link,
        )),
        StatusCode::OK,
    )
    .await
}

// ---------------------------------------------------------------- tokens

pub struct TokenRow {
    pub id: String,
    pub label: String,
    pub created: String,
    pub used: String,
    pub revoked: Option<String>,
}

#[derive(Template)]
#[template(path = "web/admin_tokens.html")]
struct TokensPage {
    chrome: Chrome,
    person_id: String,
    person: String,
    rows: Vec<TokenRow>,
    /// A token just issued: shown this once.
    secret: Option<String>,
    posted: Posted,
}

async fn tokens_page(
    state: &AppState,
    v: &Viewer,
    person_id: &str,
    secret: Option<String>,
    posted: Posted,
    status: StatusCode,
) -> PageResult {
    let t = v.t;
    let person = people::get(state, v.actor(), person_id)
        .await
        .map_err(|e| PageError::app(e, t))?;
    let rows = tokens::list(state, v.actor(), person_id)
        .await
        .map_err(|e| PageError::app(e, t))?;
    let page = TokensPage {
        chrome: Chrome::signed(v, t.get("admin-tokens"), "admin"),
        person_id: person.id.clone(),
        person: person.name,
        rows: rows
            .into_iter()
            .map(|r| TokenRow {
                id: r.id,
                label: r.label,
                created: when(&t, &v.tz, r.created_at),
                used: r
                    .last_used_at
                    .map(|at| when(&t, &v.tz, at))
                    .unwrap_or_else(|| t.get("reminders-never")),
                revoked: r.revoked_at.map(|at| when(&t, &v.tz, at)),
            })
            .collect(),
        secret,
        posted,
    };
    Ok(html(status, &page))
}

/// A person's tokens.
#[handler]
pub async fn tokens_list(
    req: &Request,
    state: Data<&AppState>,
    Path(id): Path<String>,
) -> PageResult {
    let v = session::viewer(&state, req).await?;
    tokens_page(&state, &v, &id, None, Posted::default(), StatusCode::OK).await
}

/// Issues a token and shows its secret, this once.
#[handler]
pub async fn token_issue(
    req: &Request,
    state: Data<&AppState>,
    Path(id): Path<String>,
    Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    let v = session::posted_by(&state, req, &f).await?;
    match tokens::issue(&state, v.actor(), &id, optional(&f, "label").as_deref()).await {
        Ok((_, secret)) => {
            tokens_page(
                &state,
                &v,
                &id,
                Some(secret),
                Posted::default(),
                StatusCode::OK,
            )
            .await
        }
        Err(e) => {
            let (status, posted) = Posted::refused(&state, &v, "token-new", f, e, None).await?;
            tokens_page(&state, &v, &id, None, posted, status).await
        }
    }
}

/// Revokes a token.
#[handler]
pub async fn token_revoke(
    req: &Request,
    state: Data<&AppState>,
    Path((person_id, id)): Path<(String, String)>,
    Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    let v = session::posted_by(&state, req, &f).await?;
    match tokens::revoke(&state, v.actor(), &id).await {
        Ok(()) => {
            // Its bearer stops at once here, as when the API revokes it.
            state.tokens.forget_token(&id);
            Ok(see_other(&format!("/admin/people/{person_id}/tokens")))
        }
        Err(e) => {
            let form = format!("token-{id}");
            let (status, posted) = Posted::refused(&state, &v, &form, f, e, None).await?;
            tokens_page(&state, &v, &person_id, None, posted, status).await
        }
    }
}
