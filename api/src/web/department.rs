//! My department: its plans with a stepper each, its actions by owner, what is late,
//! and who its internal customers and providers are.

use askama::Template;
use cxpm_app::work;
use cxpm_domain::values::localized;
use poem::http::StatusCode;
use poem::web::Data;
use poem::{Request, handler};

use crate::app::AppState;
use crate::web::render::{Chrome, PageError, PageResult, day, html};
use crate::web::session;

struct PlanLine {
    id: String,
    title: String,
    cycle: String,
    /// Each step: its number, name and status (a CSS class).
    steps: Vec<(i32, String, String)>,
}

struct Line {
    id: String,
    title: String,
    due: String,
    overdue: bool,
}

struct Rel {
    other: String,
    delivers: String,
    points: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "web/department.html")]
struct DepartmentView {
    chrome: Chrome,
    name: Option<String>,
    plans: Vec<PlanLine>,
    by_owner: Vec<(String, Vec<Line>)>,
    late: Vec<Line>,
    customers: Vec<Rel>,
    providers: Vec<Rel>,
}

/// A name in the reader's language, else as given.
fn name_in(name: &str, stored: &str, locale: cxpm_domain::values::Locale) -> String {
    localized(name, &cxpm_app::names::translations(stored), locale).to_owned()
}

/// The reader's department.
#[handler]
pub async fn page(req: &Request, state: Data<&AppState>) -> PageResult {
    let v = session::viewer(&state, req).await?;
    let t = v.t;
    let found = work::my_department(&state, v.actor())
        .await
        .map_err(|e| PageError::app(e, t))?;
    let chrome = Chrome::signed(&v, t.get("nav-my-department"), "department");
    let Some(d) = found else {
        let view = DepartmentView {
            chrome,
            name: None,
            plans: vec![],
            by_owner: vec![],
            late: vec![],
            customers: vec![],
            providers: vec![],
        };
        return Ok(html(StatusCode::OK, &view));
    };
    let line = |s: &cxpm_app::plans::actions::Seen| Line {
        id: s.action.id.clone(),
        title: s.action.title.clone(),
        due: s
            .action
            .due_date
            .map(|x| day(&t, x))
            .unwrap_or_else(|| t.get("no-due-date")),
        overdue: s.overdue,
    };
    let rel = |r: &work::RelationshipLine| Rel {
        other: r
            .other
            .as_ref()
            .map(|o| name_in(&o.name, &o.name_translations, t.locale))
            .unwrap_or_default(),
        delivers: r.relationship.delivers.clone(),
        points: r
            .points
            .iter()
            .map(|(k, gap)| {
                let g = match gap {
                    Some(g) => t.with("relationship-latest-gap", &[("gap", &format!("{g:.1}"))]),
                    None => t.get("relationship-no-gap"),
                };
                (k.name.clone(), g)
            })
            .collect(),
    };
    let view = DepartmentView {
        name: Some(name_in(
            &d.department.name,
            &d.department.name_translations,
            t.locale,
        )),
        plans: d
            .plans
            .iter()
            .map(|p| PlanLine {
                id: p.plan.id.clone(),
                title: p.plan.title.clone(),
                cycle: t.n("plan-cycle", i64::from(p.plan.cycle)),
                steps: p
                    .steps
                    .iter()
                    .map(|s| {
                        let status = *s.status;
                        (
                            s.number,
                            format!(
                                "{} — {}",
                                t.get(&format!("step-{}", s.number)),
                                t.get(&format!("step-status-{}", status.as_str()))
                            ),
                            status.as_str().to_owned(),
                        )
                    })
                    .collect(),
            })
            .collect(),
        by_owner: d
            .by_owner
            .iter()
            .map(|(owner, list)| {
                let name = owner
                    .as_ref()
                    .map(|o| o.name.clone())
                    .unwrap_or_else(|| t.get("department-unassigned"));
                (name, list.iter().map(|(s, _)| line(s)).collect())
            })
            .collect(),
        late: d.late.iter().map(line).collect(),
        customers: d.customers.iter().map(rel).collect(),
        providers: d.providers.iter().map(rel).collect(),
        chrome,
    };
    Ok(html(StatusCode::OK, &view))
}
