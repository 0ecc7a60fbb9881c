//! My department: its plans with a stepper each, its actions by owner, what is late,
//! and who its internal customers and providers are.

use askama::Template;
use cxpm_app::names::name_in;
use cxpm_app::work;
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
    /// Each step: its number, name and status (a CSS class), drawn for the eye.
    steps: Vec<(i32, String, String)>,
    /// Where the plan stands, in words: for screen readers, in place of the drawing.
    now: String,
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
    more: Option<String>,
}

/// A department's page stays a page to read on a phone, however much work it has: each
/// owner's most urgent actions and the most overdue ones, with how many more there are
/// (each owner sees all of theirs on My work).
const PER_OWNER: usize = 5;
const LATE: usize = 20;
/// Each relationship's key points with the largest gaps.
const POINTS: usize = 3;

/// Key points by their latest gap, largest first; those never measured last.
fn worst_first(
    points: &[(cxpm_app::store::key_point::Model, Option<f64>)],
) -> Vec<&(cxpm_app::store::key_point::Model, Option<f64>)> {
    let mut sorted: Vec<_> = points.iter().collect();
    sorted.sort_by(|a, b| match (a.1, b.1) {
        (Some(x), Some(y)) => y.total_cmp(&x),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => std::cmp::Ordering::Equal,
    });
    sorted
}

#[derive(Template)]
#[template(path = "web/department.html")]
struct DepartmentView {
    chrome: Chrome,
    name: Option<String>,
    plans: Vec<PlanLine>,
    /// Each owner's most urgent open actions, and how many more they have.
    by_owner: Vec<(String, Vec<Line>, Option<String>)>,
    late: Vec<Line>,
    late_more: Option<String>,
    customers: Vec<Rel>,
    providers: Vec<Rel>,
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
            late_more: None,
            customers: vec![],
            providers: vec![],
        };
        return Ok(html(StatusCode::OK, &view));
    };
    let more = |total: usize, shown: usize| {
        (total > shown).then(|| t.n("department-more", (total - shown) as i64))
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
        points: worst_first(&r.points)
            .into_iter()
            .take(POINTS)
            .map(|(k, gap)| {
                let g = match gap {
                    Some(g) => t.with("relationship-latest-gap", &[("gap", &format!("{g:.1}"))]),
                    None => t.get("relationship-no-gap"),
                };
                (k.name.clone(), g)
            })
            .collect(),
        more: more(r.points.len(), POINTS),
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
                now: p
                    .steps
                    .iter()
                    .find(|s| !s.status.is_settled())
                    .map(|s| {
                        t.with(
                            "department-plan-now",
                            &[
                                ("n", &s.number.to_string()),
                                ("step", &t.get(&format!("step-{}", s.number))),
                                (
                                    "status",
                                    &t.get(&format!("step-status-{}", s.status.as_str())),
                                ),
                            ],
                        )
                    })
                    .unwrap_or_else(|| t.get("department-plan-settled")),
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
                let shown = list.iter().take(PER_OWNER).map(|(s, _)| line(s)).collect();
                (name, shown, more(list.len(), PER_OWNER))
            })
            .collect(),
        late: d.late.iter().take(LATE).map(line).collect(),
        late_more: more(d.late.len(), LATE),
        customers: d.customers.iter().map(rel).collect(),
        providers: d.providers.iter().map(rel).collect(),
        chrome,
    };
    Ok(html(StatusCode::OK, &view))
}
