//! A program's metrics (issue 17, coordinators' item 6): each with its target, whether
//! anybody still feeds it, and a chart of its history against its target (the same
//! chart geometry as the reports); a reading recorded from the page, a new metric put
//! on a stage.

use std::collections::HashMap;

use askama::Template;
use chrono::NaiveDate;
use cxpm_app::metrics::{self, MetricsView, NewMetric, NewReading};
use cxpm_app::{AppError, names};
use cxpm_domain::FieldError;
use cxpm_domain::gap::Direction;
use poem::http::StatusCode;
use poem::web::{Data, Form, Path};
use poem::{Request, handler};

use crate::app::AppState;
use crate::http::reports::charts::{self, LineChart, SeriesInput};
use crate::web::render::{Chrome, PageError, PageResult, Posted, field, html, see_other, when};
use crate::web::session::{self, Viewer};
use crate::web::value_stream::Choice;

pub struct MetricCard {
    pub id: String,
    pub name: String,
    pub unit: String,
    pub direction: String,
    pub target: String,
    pub stale: bool,
    pub last: String,
    pub chart: Option<LineChart>,
    pub chart_label: String,
    /// Its chart and reading form shown.
    pub open: bool,
    /// Each reading: period, value.
    pub readings: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "web/metrics.html")]
struct MetricsPage {
    chrome: Chrome,
    id: String,
    program: String,
    metrics: Vec<MetricCard>,
    stages: Vec<Choice>,
    directions: Vec<Choice>,
    today: String,
    posted: Posted,
    may_manage: bool,
    may_record: bool,
}

fn number(v: f64) -> String {
    let s = format!("{v:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_owned()
}

fn metrics_page(v: &Viewer, view: MetricsView, posted: Posted, focus: &str) -> MetricsPage {
    let t = v.t;
    // The metric whose chart and reading form are open (`?metric=`; a refused
    // reading's): a large program has hundreds of metrics, each chart a drawing.
    let focus = if posted.form.starts_with("reading-") {
        posted.form.trim_start_matches("reading-").to_owned()
    } else if focus.is_empty() {
        // One metric: its chart at once.
        match view.metrics.as_slice() {
            [only] => only.status.metric.id.clone(),
            _ => String::new(),
        }
    } else {
        focus.to_owned()
    };
    let metrics = view
        .metrics
        .iter()
        .map(|m| {
            let open = m.status.metric.id == focus;
            let metric = &m.status.metric;
            let periods: Vec<String> = m.readings.iter().map(|r| t.day(r.period_end)).collect();
            let chart = (open && !m.readings.is_empty()).then(|| {
                charts::lines(
                    periods.clone(),
                    vec![
                        SeriesInput {
                            name: metric.name.clone(),
                            values: m.readings.iter().map(|r| Some(r.value)).collect(),
                        },
                        SeriesInput {
                            name: t.get("metrics-target"),
                            values: m.readings.iter().map(|_| Some(metric.target)).collect(),
                        },
                    ],
                    number,
                )
            });
            MetricCard {
                id: metric.id.clone(),
                name: metric.name.clone(),
                unit: metric.unit.clone(),
                direction: t.get(&format!("metrics-direction-{}", metric.direction)),
                target: format!("{} {}", number(metric.target), metric.unit),
                stale: m.status.stale,
                last: m
                    .status
                    .last_reading_at
                    .map(|at| when(&t, &v.tz, at))
                    .unwrap_or_else(|| t.get("reminders-never")),
                chart,
                chart_label: t.with("metrics-chart", &[("name", metric.name.as_str())]),
                open,
                readings: m
                    .readings
                    .iter()
                    .rev()
                    .filter(|_| open)
                    .map(|r| {
                        (
                            format!("{} – {}", t.day(r.period_start), t.day(r.period_end)),
                            format!("{} {}", number(r.value), metric.unit),
                        )
                    })
                    .collect(),
            }
        })
        .collect();
    MetricsPage {
        chrome: Chrome::signed(v, t.get("metrics-title"), "programs"),
        id: view.program.id.clone(),
        program: view.program.name.clone(),
        metrics,
        stages: view
            .stages
            .iter()
            .map(|s| Choice {
                value: s.id.clone(),
                label: names::name_in(&s.name, &s.name_translations, t.locale),
                chosen: false,
            })
            .collect(),
        directions: [Direction::HigherIsBetter, Direction::LowerIsBetter]
            .iter()
            .map(|d| Choice {
                value: d.as_str().to_owned(),
                label: t.get(&format!("metrics-direction-{}", d.as_str())),
                chosen: false,
            })
            .collect(),
        today: chrono::Utc::now()
            .with_timezone(&v.tz.tz())
            .date_naive()
            .to_string(),
        posted,
        may_manage: view.may_manage,
        may_record: view.may_record,
    }
}

async fn again(
    state: &AppState,
    v: &Viewer,
    id: &str,
    posted: Posted,
    status: StatusCode,
    focus: &str,
) -> PageResult {
    let focus = match posted.form.strip_prefix("reading-") {
        Some(m) => Some(m.to_owned()),
        None => Some(focus.to_owned()).filter(|f| !f.is_empty()),
    };
    let view = metrics::page(state, v.actor(), id, focus.as_deref())
        .await
        .map_err(|e| PageError::app(e, v.t))?;
    Ok(html(
        status,
        &metrics_page(v, view, posted, focus.as_deref().unwrap_or_default()),
    ))
}

#[derive(Debug, Default, serde::Deserialize)]
pub struct Focus {
    #[serde(default)]
    metric: String,
}

/// A number typed in a form, or the error beside its field.
fn typed_number(f: &HashMap<String, String>, name: &str) -> Result<f64, FieldError> {
    field(f, name)
        .trim()
        .replace(',', ".")
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .ok_or_else(|| FieldError::new(name, "must be a number"))
}

fn typed_day(f: &HashMap<String, String>, name: &str) -> Result<NaiveDate, FieldError> {
    NaiveDate::parse_from_str(field(f, name).trim(), "%Y-%m-%d")
        .map_err(|_| FieldError::new(name, "must be a date (YYYY-MM-DD)"))
}

/// The metrics page.
#[handler]
pub async fn page(
    req: &Request,
    state: Data<&AppState>,
    Path(id): Path<String>,
    poem::web::Query(q): poem::web::Query<Focus>,
) -> PageResult {
    let v = session::viewer(&state, req).await?;
    again(
        &state,
        &v,
        &id,
        Posted::default(),
        StatusCode::OK,
        &q.metric,
    )
    .await
}

/// Puts a new metric on a stage.
#[handler]
pub async fn create(
    req: &Request,
    state: Data<&AppState>,
    Path(id): Path<String>,
    Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    let v = session::posted_by(&state, req, &f).await?;
    let direction = match field(&f, "direction") {
        "lower_is_better" => Direction::LowerIsBetter,
        _ => Direction::HigherIsBetter,
    };
    let outcome = match typed_number(&f, "target") {
        Ok(target) => metrics::create(
            &state,
            v.actor(),
            &id,
            NewMetric {
                stage_id: Some(field(&f, "stage_id").to_owned()),
                sub_process_id: None,
                department_id: None,
                name: field(&f, "name").to_owned(),
                unit: field(&f, "unit").to_owned(),
                direction,
                target,
                source: None,
                update_every_days: None,
            },
        )
        .await
        .map(|_| ()),
        Err(e) => Err(AppError::from(e)),
    };
    match outcome {
        Ok(()) => Ok(see_other(&format!("/programs/{id}/metrics"))),
        Err(e) => {
            let (status, posted) = Posted::refused(&state, &v, "metric-new", f, e, None).await?;
            again(&state, &v, &id, posted, status, "").await
        }
    }
}

/// Records a reading of a metric.
#[handler]
pub async fn record(
    req: &Request,
    state: Data<&AppState>,
    Path((id, metric)): Path<(String, String)>,
    Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    let v = session::posted_by(&state, req, &f).await?;
    let mut problems = cxpm_domain::Invalid::default();
    let start = problems.check(typed_day(&f, "period_start"));
    let end = problems.check(typed_day(&f, "period_end"));
    let value = problems.check(typed_number(&f, "value"));
    let outcome = match (start, end, value, problems.into_result()) {
        (Some(period_start), Some(period_end), Some(value), Ok(())) => metrics::record(
            &state,
            v.actor(),
            &metric,
            NewReading {
                period_start,
                period_end,
                value,
                sample_size: None,
                note: None,
                external_id: None,
            },
        )
        .await
        .map(|_| ()),
        (_, _, _, Err(e)) => Err(AppError::from(e)),
        _ => Err(AppError::Internal("a checked reading lost a field".into())),
    };
    match outcome {
        Ok(()) => Ok(see_other(&format!(
            "/programs/{id}/metrics#metric-{metric}"
        ))),
        Err(e) => {
            let form = format!("reading-{metric}");
            let (status, posted) = Posted::refused(&state, &v, &form, f, e, None).await?;
            again(&state, &v, &id, posted, status, "").await
        }
    }
}
