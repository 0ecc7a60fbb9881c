//! The value-stream editor and the coverage page (issue 17, coordinators' items 3
//! and 4): stages and sub-processes with their names in each language, moved with
//! buttons, their owner rows assigned inline, the industrial template applied
//! through a form that maps its departments to yours; and every coverage gap with its
//! fix on the same page. Every form posts, then comes back to the page it was sent
//! from (`back`); a refused form comes back with what was typed and the message
//! beside its field.

use std::collections::{BTreeMap, HashMap};

use askama::Template;
use cxpm_app::programs::owners::{self, NewOwner, OwnerChange};
use cxpm_app::programs::relationships::{self, NewRelationship};
use cxpm_app::programs::setup::{self, ValueStreamView};
use cxpm_app::programs::template::{self, IndustrialDepartments};
use cxpm_app::programs::value_stream::{self as stream, NewPart, PartChange};
use cxpm_app::{AppError, Patch, names};
use cxpm_domain::values::Locale;
use poem::http::StatusCode;
use poem::web::{Data, Form, Path};
use poem::{Request, handler};

use crate::app::AppState;
use crate::web::render::{
    Chrome, PageError, PageResult, Posted, field, form_version, html, optional, see_other,
};
use crate::web::session::{self, Viewer};
use crate::words::Words;

/// A choice in a `<select>`: value, label, chosen.
pub struct Choice {
    pub value: String,
    pub label: String,
    pub chosen: bool,
}

pub struct OwnerRow {
    pub id: String,
    pub version: i32,
    pub department: String,
    pub responsibility: String,
    pub person: Option<String>,
    /// The department's members, to name one.
    pub people: Vec<Choice>,
}

pub struct SubRow {
    pub id: String,
    pub version: i32,
    pub name: String,
    /// The names as stored: as given, and per language.
    pub names: NameFields,
    pub goal: String,
    pub first: bool,
    pub last: bool,
    pub owners: Vec<OwnerRow>,
    /// Departments without a row here yet.
    pub free: Vec<Choice>,
}

pub struct StageRow {
    pub id: String,
    pub version: i32,
    pub position: i32,
    pub name: String,
    pub names: NameFields,
    pub description: String,
    pub touchpoint: bool,
    pub first: bool,
    pub last: bool,
    pub subs: Vec<SubRow>,
}

/// A name as given and its translations, one field per language.
pub struct NameFields {
    pub given: String,
    pub per_locale: Vec<(&'static str, String, String)>,
}

fn name_fields(t: &Words, given: &str, stored: &str) -> NameFields {
    let map = names::translations(stored);
    NameFields {
        given: given.to_owned(),
        per_locale: Locale::ALL
            .iter()
            .map(|l| {
                (
                    l.as_str(),
                    t.with("part-name-in", &[("language", endonym(*l))]),
                    map.get(l.as_str()).cloned().unwrap_or_default(),
                )
            })
            .collect(),
    }
}

/// A language in its own words.
pub fn endonym(l: Locale) -> &'static str {
    match l {
        Locale::En => "English",
        Locale::ZhCn => "简体中文",
        Locale::PtBr => "Português (Brasil)",
    }
}

/// A coverage gap and the fix beside it.
pub enum Fix {
    /// A touchpoint whose sub-processes have no named owner: each of them.
    Touchpoint { stage: usize },
    /// A sub-process without an owner who names a person.
    SubProcess { stage: usize, sub: usize },
    /// An owner row without a person.
    Owner {
        stage: usize,
        sub: usize,
        owner: usize,
    },
    /// A department in no relationship.
    Department { id: String, name: String },
}

#[derive(Template)]
#[template(path = "web/value_stream.html")]
struct ValueStreamPage {
    chrome: Chrome,
    id: String,
    program: String,
    back: String,
    stages: Vec<StageRow>,
    departments: Vec<Choice>,
    template_roles: Vec<(&'static str, String)>,
    new_names: NameFields,
    /// The active people by department, to name one with a new owner row.
    groups: Vec<(String, Vec<Choice>)>,
    /// The sub-process or owner row whose form is open (`?focus=`): on a large value
    /// stream, a form per row (each with every department and person) would make a
    /// page of megabytes.
    focus: String,
    posted: Posted,
    may_edit: bool,
    may_own: bool,
}

#[derive(Template)]
#[template(path = "web/coverage.html")]
struct CoveragePage {
    chrome: Chrome,
    id: String,
    program: String,
    back: String,
    stages: Vec<StageRow>,
    departments: Vec<Choice>,
    groups: Vec<(String, Vec<Choice>)>,
    fixes: Vec<Fix>,
    ready: bool,
    touchpoints: u32,
    posted: Posted,
    may_edit: bool,
    may_own: bool,
}

impl ValueStreamPage {
    /// Is the form of sub-process or owner row `id` shown?
    fn open(&self, id: &str) -> bool {
        self.focus == id || (!self.posted.form.is_empty() && self.posted.form.ends_with(id))
    }
}

impl CoveragePage {
    /// Every gap's fix is shown: the page holds only the gaps.
    fn open(&self, _id: &str) -> bool {
        true
    }

    fn stage(&self, i: &usize) -> &StageRow {
        &self.stages[*i]
    }

    fn sub(&self, i: &usize, j: &usize) -> &SubRow {
        &self.stages[*i].subs[*j]
    }

    fn owner(&self, i: &usize, j: &usize, k: &usize) -> &OwnerRow {
        &self.stages[*i].subs[*j].owners[*k]
    }
}

fn dept_name(t: &Words, d: &cxpm_app::store::department::Model) -> String {
    names::name_in(&d.name, &d.name_translations, t.locale)
}

fn rows(v: &Viewer, view: &ValueStreamView) -> Vec<StageRow> {
    let t = &v.t;
    let dept: HashMap<&str, String> = view
        .departments
        .iter()
        .map(|d| (d.id.as_str(), dept_name(t, d)))
        .collect();
    let n = view.stages.len();
    view.stages
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let m = s.subs.len();
            StageRow {
                id: s.stage.id.clone(),
                version: s.stage.version,
                position: s.stage.position,
                name: names::name_in(&s.stage.name, &s.stage.name_translations, t.locale),
                names: name_fields(t, &s.stage.name, &s.stage.name_translations),
                description: s.stage.description.clone().unwrap_or_default(),
                touchpoint: s.stage.customer_facing,
                first: i == 0,
                last: i + 1 == n,
                subs: s
                    .subs
                    .iter()
                    .enumerate()
                    .map(|(j, sub)| SubRow {
                        id: sub.sub.id.clone(),
                        version: sub.sub.version,
                        name: names::name_in(&sub.sub.name, &sub.sub.name_translations, t.locale),
                        names: name_fields(t, &sub.sub.name, &sub.sub.name_translations),
                        goal: sub.sub.goal.clone().unwrap_or_default(),
                        first: j == 0,
                        last: j + 1 == m,
                        owners: sub
                            .owners
                            .iter()
                            .map(|o| OwnerRow {
                                id: o.id.clone(),
                                version: o.version,
                                department: dept
                                    .get(o.department_id.as_str())
                                    .cloned()
                                    .unwrap_or_default(),
                                responsibility: o.responsibility.clone(),
                                person: o.person_id.as_ref().and_then(|p| {
                                    view.people
                                        .iter()
                                        .find(|x| &x.id == p)
                                        .map(|x| x.name.clone())
                                }),
                                people: view
                                    .people
                                    .iter()
                                    .filter(|p| p.department_id.as_ref() == Some(&o.department_id))
                                    .map(|p| Choice {
                                        value: p.id.clone(),
                                        label: p.name.clone(),
                                        chosen: o.person_id.as_ref() == Some(&p.id),
                                    })
                                    .collect(),
                            })
                            .collect(),
                        free: view
                            .departments
                            .iter()
                            .filter(|d| !sub.owners.iter().any(|o| o.department_id == d.id))
                            .map(|d| Choice {
                                value: d.id.clone(),
                                label: dept_name(t, d),
                                chosen: false,
                            })
                            .collect(),
                    })
                    .collect(),
            }
        })
        .collect()
}

fn department_choices(t: &Words, view: &ValueStreamView) -> Vec<Choice> {
    view.departments
        .iter()
        .map(|d| Choice {
            value: d.id.clone(),
            label: dept_name(t, d),
            chosen: false,
        })
        .collect()
}

fn people_groups(t: &Words, view: &ValueStreamView) -> Vec<(String, Vec<Choice>)> {
    view.departments
        .iter()
        .map(|d| {
            (
                dept_name(t, d),
                view.people
                    .iter()
                    .filter(|p| p.department_id.as_deref() == Some(d.id.as_str()))
                    .map(|p| Choice {
                        value: p.id.clone(),
                        label: p.name.clone(),
                        chosen: false,
                    })
                    .collect::<Vec<_>>(),
            )
        })
        .filter(|(_, people)| !people.is_empty())
        .collect()
}

fn editor(v: &Viewer, view: ValueStreamView, posted: Posted, focus: &str) -> ValueStreamPage {
    let t = v.t;
    let id = view.program.id.clone();
    ValueStreamPage {
        chrome: Chrome::signed(v, t.get("value-stream-title"), "programs"),
        back: format!("/programs/{id}/value-stream"),
        program: view.program.name.clone(),
        stages: rows(v, &view),
        departments: department_choices(&t, &view),
        template_roles: cxpm_domain::templates::INDUSTRIAL_DEPARTMENT_KEYS
            .iter()
            .map(|k| (*k, t.get(&format!("template-role-{}", k.replace('_', "-")))))
            .collect(),
        new_names: name_fields(&t, "", "{}"),
        groups: people_groups(&t, &view),
        focus: focus.to_owned(),
        posted,
        may_edit: view.may_edit,
        may_own: view.may_own,
        id,
    }
}

fn coverage_page(v: &Viewer, view: ValueStreamView, posted: Posted) -> CoveragePage {
    let t = v.t;
    let id = view.program.id.clone();
    let stages = rows(v, &view);
    let c = &view.coverage;
    let stage_at = |sid: &str| stages.iter().position(|s| s.id == sid);
    let sub_at = |sid: &str| {
        stages
            .iter()
            .enumerate()
            .find_map(|(i, s)| s.subs.iter().position(|x| x.id == sid).map(|j| (i, j)))
    };
    let mut fixes = Vec::new();
    for s in &c.touchpoints_without_owner {
        if let Some(i) = stage_at(&s.id) {
            fixes.push(Fix::Touchpoint { stage: i });
        }
    }
    for s in &c.sub_processes_without_owner {
        if let Some((i, j)) = sub_at(&s.id) {
            fixes.push(Fix::SubProcess { stage: i, sub: j });
        }
    }
    for o in &c.owners_without_person {
        if let Some((i, j)) = sub_at(&o.sub_process_id)
            && let Some(k) = stages[i].subs[j].owners.iter().position(|x| x.id == o.id)
        {
            fixes.push(Fix::Owner {
                stage: i,
                sub: j,
                owner: k,
            });
        }
    }
    for d in &c.departments_without_relationship {
        let name = view
            .departments
            .iter()
            .find(|x| x.id == d.id)
            .map(|x| dept_name(&t, x))
            .unwrap_or_else(|| d.name.clone());
        fixes.push(Fix::Department {
            id: d.id.clone(),
            name,
        });
    }
    CoveragePage {
        chrome: Chrome::signed(v, t.get("coverage-title"), "programs"),
        back: format!("/programs/{id}/coverage"),
        program: view.program.name.clone(),
        departments: department_choices(&t, &view),
        groups: people_groups(&t, &view),
        ready: c.ready,
        touchpoints: c.touchpoints,
        stages,
        fixes,
        posted,
        may_edit: view.may_edit,
        may_own: view.may_own,
        id,
    }
}

/// Where a form goes back to: one of a program's set-up pages, never elsewhere.
fn back_to(f: &HashMap<String, String>, program_id: &str) -> String {
    let to = f.get("back").map(String::as_str).unwrap_or_default();
    let allowed = ["value-stream", "coverage", "relationships"]
        .map(|p| format!("/programs/{program_id}/{p}"));
    if allowed.iter().any(|a| a == to) {
        to.to_owned()
    } else {
        format!("/programs/{program_id}/value-stream")
    }
}

/// The translations typed in a form (`name-<locale>`), empty ones left out.
fn typed_names(f: &HashMap<String, String>) -> BTreeMap<String, String> {
    Locale::ALL
        .iter()
        .filter_map(|l| {
            optional(f, &format!("name-{}", l.as_str())).map(|n| (l.as_str().to_owned(), n))
        })
        .collect()
}

/// The page a form came from, shown again with the form refused.
async fn again(
    state: &AppState,
    v: &Viewer,
    program_id: &str,
    back: &str,
    status: StatusCode,
    posted: Posted,
) -> PageResult {
    let view = setup::value_stream(state, v.actor(), program_id)
        .await
        .map_err(|e| PageError::app(e, v.t))?;
    if back.ends_with("/coverage") {
        Ok(html(status, &coverage_page(v, view, posted)))
    } else {
        Ok(html(status, &editor(v, view, posted, "")))
    }
}

/// After a form: back to its page at `anchor`, or the page again with the refusal.
#[allow(clippy::too_many_arguments)]
async fn settle<T>(
    state: &AppState,
    v: &Viewer,
    program_id: &str,
    form: &str,
    f: HashMap<String, String>,
    outcome: Result<T, AppError>,
    anchor: &str,
    stale: Option<(&str, &str)>,
) -> PageResult {
    let back = back_to(&f, program_id);
    match outcome {
        Ok(_) => Ok(see_other(&format!("{back}#{anchor}"))),
        Err(e) => {
            let (status, posted) = Posted::refused(state, v, form, f, e, stale).await?;
            again(state, v, program_id, &back, status, posted).await
        }
    }
}

#[derive(Debug, Default, serde::Deserialize)]
pub struct Focus {
    /// The sub-process (to assign a department) or owner row (to name its person)
    /// whose form to open.
    #[serde(default)]
    focus: String,
}

/// The value-stream editor.
#[handler]
pub async fn page(
    req: &Request,
    state: Data<&AppState>,
    Path(id): Path<String>,
    poem::web::Query(q): poem::web::Query<Focus>,
) -> PageResult {
    let v = session::viewer(&state, req).await?;
    let view = setup::value_stream(&state, v.actor(), &id)
        .await
        .map_err(|e| PageError::app(e, v.t))?;
    Ok(html(
        StatusCode::OK,
        &editor(&v, view, Posted::default(), &q.focus),
    ))
}

/// The coverage page: every gap and its fix.
#[handler]
pub async fn coverage(req: &Request, state: Data<&AppState>, Path(id): Path<String>) -> PageResult {
    let v = session::viewer(&state, req).await?;
    let view = setup::value_stream(&state, v.actor(), &id)
        .await
        .map_err(|e| PageError::app(e, v.t))?;
    Ok(html(
        StatusCode::OK,
        &coverage_page(&v, view, Posted::default()),
    ))
}

/// Adds a stage.
#[handler]
pub async fn add_stage(
    req: &Request,
    state: Data<&AppState>,
    Path(id): Path<String>,
    Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    let v = session::posted_by(&state, req, &f).await?;
    let new = NewPart {
        name: field(&f, "name").to_owned(),
        name_translations: Some(typed_names(&f)),
        text: optional(&f, "description"),
        customer_facing: f.contains_key("customer_facing"),
        position: None,
    };
    let outcome = stream::add_stage(&state, v.actor(), &id, new).await;
    let anchor = outcome
        .as_ref()
        .map(|s| format!("stage-{}", s.id))
        .unwrap_or_default();
    settle(&state, &v, &id, "stage-new", f, outcome, &anchor, None).await
}

/// What a part's form asks: save its fields, move it up or down, archive it.
fn part_change(f: &HashMap<String, String>, position: i32, text_field: &str) -> PartChange {
    match field(f, "op") {
        "up" => PartChange {
            position: Some((position - 1).max(1) as u32),
            ..PartChange::default()
        },
        "down" => PartChange {
            position: Some(position as u32 + 1),
            ..PartChange::default()
        },
        "archive" => PartChange {
            archived: Some(true),
            ..PartChange::default()
        },
        _ => PartChange {
            name: Some(field(f, "name").to_owned()),
            name_translations: Some(typed_names(f)),
            text: match optional(f, text_field) {
                Some(t) => Patch::Set(t),
                None => Patch::Clear,
            },
            customer_facing: (text_field == "description")
                .then(|| f.contains_key("customer_facing")),
            ..PartChange::default()
        },
    }
}

/// Saves, moves or archives a stage.
#[handler]
pub async fn change_stage(
    req: &Request,
    state: Data<&AppState>,
    Path(id): Path<String>,
    Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    let v = session::posted_by(&state, req, &f).await?;
    let stage = stream::stage(&state, v.actor(), &id)
        .await
        .map_err(|e| PageError::app(e, v.t))?;
    let change = part_change(&f, stage.position, "description");
    let outcome = stream::change_stage(
        &state,
        v.actor(),
        &id,
        &form_version(field(&f, "version")),
        change,
    )
    .await;
    let form = format!("stage-{id}");
    settle(
        &state,
        &v,
        &stage.program_id,
        &form,
        f,
        outcome,
        &form,
        Some(("stage", &id)),
    )
    .await
}

/// Adds a sub-process to a stage.
#[handler]
pub async fn add_sub_process(
    req: &Request,
    state: Data<&AppState>,
    Path(id): Path<String>,
    Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    let v = session::posted_by(&state, req, &f).await?;
    let stage = stream::stage(&state, v.actor(), &id)
        .await
        .map_err(|e| PageError::app(e, v.t))?;
    let new = NewPart {
        name: field(&f, "name").to_owned(),
        name_translations: Some(typed_names(&f)),
        text: optional(&f, "goal"),
        customer_facing: false,
        position: None,
    };
    let outcome = stream::add_sub_process(&state, v.actor(), &id, new).await;
    let form = format!("sub-new-{id}");
    settle(
        &state,
        &v,
        &stage.program_id,
        &form,
        f,
        outcome,
        &format!("stage-{id}"),
        None,
    )
    .await
}

/// Saves, moves or archives a sub-process.
#[handler]
pub async fn change_sub_process(
    req: &Request,
    state: Data<&AppState>,
    Path(id): Path<String>,
    Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    let v = session::posted_by(&state, req, &f).await?;
    let sub = stream::sub_process(&state, v.actor(), &id)
        .await
        .map_err(|e| PageError::app(e, v.t))?;
    let change = part_change(&f, sub.position, "goal");
    let outcome = stream::change_sub_process(
        &state,
        v.actor(),
        &id,
        &form_version(field(&f, "version")),
        change,
    )
    .await;
    let form = format!("sub-{id}");
    settle(
        &state,
        &v,
        &sub.program_id,
        &form,
        f,
        outcome,
        &form,
        Some(("sub_process", &id)),
    )
    .await
}

/// Assigns a department (and perhaps its person) to a sub-process.
#[handler]
pub async fn add_owner(
    req: &Request,
    state: Data<&AppState>,
    Path(id): Path<String>,
    Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    let v = session::posted_by(&state, req, &f).await?;
    let sub = stream::sub_process(&state, v.actor(), &id)
        .await
        .map_err(|e| PageError::app(e, v.t))?;
    let new = NewOwner {
        department_id: field(&f, "department_id").to_owned(),
        person_id: optional(&f, "person_id"),
        responsibility: field(&f, "responsibility").to_owned(),
    };
    let outcome = owners::create(&state, v.actor(), &id, new).await;
    let form = format!("owner-new-{id}");
    settle(
        &state,
        &v,
        &sub.program_id,
        &form,
        f,
        outcome,
        &format!("sub-{id}"),
        None,
    )
    .await
}

/// Names an owner row's person (or changes its responsibility), or removes the row.
#[handler]
pub async fn change_owner(
    req: &Request,
    state: Data<&AppState>,
    Path(id): Path<String>,
    Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    let v = session::posted_by(&state, req, &f).await?;
    let row = owners::get(&state, v.actor(), &id)
        .await
        .map_err(|e| PageError::app(e, v.t))?;
    let version = form_version(field(&f, "version"));
    let outcome = if field(&f, "op") == "remove" {
        owners::remove(&state, v.actor(), &id, &version).await
    } else {
        let change = OwnerChange {
            responsibility: f
                .contains_key("responsibility")
                .then(|| field(&f, "responsibility").to_owned()),
            person_id: match optional(&f, "person_id") {
                Some(p) => Patch::Set(p),
                None => Patch::Clear,
            },
        };
        owners::change(&state, v.actor(), &id, &version, change)
            .await
            .map(|_| ())
    };
    let form = format!("owner-{id}");
    settle(
        &state,
        &v,
        &row.program_id,
        &form,
        f,
        outcome,
        &format!("sub-{}", row.sub_process_id),
        Some(("owner", &id)),
    )
    .await
}

/// Applies the industrial template, its four departments mapped to the reader's.
#[handler]
pub async fn apply_template(
    req: &Request,
    state: Data<&AppState>,
    Path(id): Path<String>,
    Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    let v = session::posted_by(&state, req, &f).await?;
    let mapping = IndustrialDepartments {
        order_management: optional(&f, "order_management"),
        manufacturing: optional(&f, "manufacturing"),
        quality_inspection: optional(&f, "quality_inspection"),
        shipping: optional(&f, "shipping"),
    };
    let outcome = template::apply_industrial(&state, v.actor(), &id, mapping).await;
    settle(&state, &v, &id, "template", f, outcome, "stages", None).await
}

/// Adds a relationship (from the coverage page or the matrix).
#[handler]
pub async fn add_relationship(
    req: &Request,
    state: Data<&AppState>,
    Path(id): Path<String>,
    Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    let v = session::posted_by(&state, req, &f).await?;
    let new = NewRelationship {
        provider_department_id: field(&f, "provider_department_id").to_owned(),
        customer_department_id: field(&f, "customer_department_id").to_owned(),
        delivers: field(&f, "delivers").to_owned(),
        ..NewRelationship::default()
    };
    let outcome = relationships::create(&state, v.actor(), &id, new).await;
    let form = optional(&f, "form").unwrap_or_else(|| "relationship-new".to_owned());
    let back = back_to(&f, &id);
    if back.ends_with("/relationships") {
        return crate::web::matrix::settle(&state, &v, &id, &form, f, outcome).await;
    }
    settle(&state, &v, &id, &form, f, outcome, "gaps", None).await
}
