//! A program's dashboard, where leadership lands: how many gaps of each severity,
//! the worst ones, the departments that lag (their plans one click away, their
//! actions one more), the maturity phase, and what changed since the last snapshot.
//! Each item drills down: department → plan (its relationship's) → action.

use askama::Template;
use cxpm_app::reports::dashboard::{self, Dashboard};
use cxpm_domain::gap::{Change, Severity};
use cxpm_domain::maturity::{Function, Phase};
use poem::http::StatusCode;
use poem::web::{Data, Path};
use poem::{Request, handler};

use crate::app::AppState;
use crate::labels::{Labels, labels, num, severity_label};
use crate::web::render::{Chrome, PageError, PageResult, html, when};
use crate::web::session::{self, Viewer};

/// How many worst gaps, and lagging departments, the dashboard shows.
const TOP: usize = 5;

struct Tile {
    label: &'static str,
    count: usize,
    class: &'static str,
}

struct WorstGap {
    name: String,
    department: String,
    gap: String,
    severity: &'static str,
    class: &'static str,
    /// The key point's page (its plan); metrics have none.
    link: Option<String>,
}

struct Lagging {
    name: String,
    /// `3 overdue of 7 open actions`.
    counts: String,
    plans: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "web/dashboard.html")]
struct DashboardPage {
    chrome: Chrome,
    id: String,
    heading: String,
    tiles: Vec<Tile>,
    worst: Vec<WorstGap>,
    /// Anything measured at all (else "nothing measured yet", not "no gap").
    measured: bool,
    nothing_measured: &'static str,
    lagging: Vec<Lagging>,
    phase: String,
    phase_name: &'static str,
    needs: String,
    since: Option<(String, Vec<(&'static str, i32)>)>,
}

fn severity_class(s: Severity) -> &'static str {
    s.as_str()
}

fn tiles(t: &'static Labels, d: &Dashboard) -> Vec<Tile> {
    [
        Severity::Critical,
        Severity::Major,
        Severity::Minor,
        Severity::Met,
    ]
    .into_iter()
    .map(|s| Tile {
        label: severity_label(t, s),
        count: d.gaps.lines.iter().filter(|l| l.severity == s).count(),
        class: severity_class(s),
    })
    .collect()
}

fn worst(t: &'static Labels, d: &Dashboard) -> Vec<WorstGap> {
    d.gaps
        .lines
        .iter()
        .filter(|l| l.severity > Severity::Met)
        .take(TOP)
        .map(|l| WorstGap {
            name: l.name.clone(),
            department: l.department_name.clone().unwrap_or_default(),
            gap: match l.relative_gap {
                Some(r) => format!("{} ({:.0} %)", num(l.gap), r * 100.0),
                None => num(l.gap),
            },
            severity: severity_label(t, l.severity),
            class: severity_class(l.severity),
            link: l
                .relationship_id
                .as_ref()
                .map(|_| format!("/key-points/{}", l.id)),
        })
        .collect()
}

/// The departments with overdue actions, most overdue first, each with its plans.
fn lagging(v: &Viewer, d: &Dashboard) -> Vec<Lagging> {
    let mut rows: Vec<_> = d
        .progress
        .departments
        .iter()
        .filter(|x| x.overdue_actions > 0)
        .collect();
    rows.sort_by(|a, b| {
        b.overdue_actions
            .cmp(&a.overdue_actions)
            .then(a.name.cmp(&b.name))
    });
    rows.into_iter()
        .take(TOP)
        .map(|x| Lagging {
            name: x.name.clone(),
            counts: v.t.with(
                "dashboard-lagging-counts",
                &[
                    ("overdue", &x.overdue_actions.to_string()),
                    ("open", &x.open_actions.to_string()),
                ],
            ),
            plans: d
                .progress
                .plans
                .iter()
                .filter(|p| p.department_id == x.department_id)
                .map(|p| (p.plan_id.clone(), p.title.clone()))
                .collect(),
        })
        .collect()
}

fn since(
    v: &Viewer,
    t: &'static Labels,
    d: &Dashboard,
) -> Option<(String, Vec<(&'static str, i32)>)> {
    let c = d.gaps.changes.as_ref()?;
    let label = |x: Change| t.changes[x as usize];
    Some((
        format!(
            "{} “{}” ({})",
            t.changes_since,
            c.label,
            when(&v.t, &v.tz, c.taken_at)
        ),
        vec![
            (label(Change::New), c.new),
            (label(Change::Worse), c.worse),
            (label(Change::Better), c.better),
            (label(Change::Unchanged), c.unchanged),
            (label(Change::Closed), c.closed),
        ],
    ))
}

/// Program `id`'s dashboard.
#[handler]
pub async fn page(req: &Request, state: Data<&AppState>, Path(id): Path<String>) -> PageResult {
    let v = session::viewer(&state, req).await?;
    let d = dashboard::dashboard(&state, v.actor(), &id, v.t.locale)
        .await
        .map_err(|e| PageError::app(e, v.t))?;
    let t = labels(v.t.locale);
    let m = &d.progress.maturity;
    let phase_index = match m.phase {
        Phase::I => 0,
        Phase::II => 1,
        Phase::III => 2,
    };
    let heading =
        v.t.with("dashboard-title", &[("program", &d.progress.program_name)]);
    let page = DashboardPage {
        chrome: Chrome::signed(&v, heading.clone(), "programs"),
        id: id.clone(),
        heading,
        tiles: tiles(t, &d),
        worst: worst(t, &d),
        measured: !d.gaps.lines.is_empty(),
        nothing_measured: t.nothing_measured,
        lagging: lagging(&v, &d),
        phase: ["I", "II", "III"][phase_index].to_owned(),
        phase_name: t.phases[phase_index],
        needs: m
            .next_phase_needs
            .iter()
            .filter_map(|f| Function::ALL.iter().position(|x| x == f))
            .map(|i| t.functions[i])
            .collect::<Vec<_>>()
            .join(", "),
        since: since(&v, t, &d),
    };
    Ok(html(StatusCode::OK, &page))
}
