//! The demo's history: monthly surveys of every key point (some improving, some
//! slipping), and metrics on the touchpoints fed daily (large) or monthly (small)
//! by the ERP.

use chrono::Duration;
use cxpm_domain::metric::METRIC_TEMPLATES;
use cxpm_domain::plan::MeasurementSource;
use cxpm_domain::program::SurveyScale;
use rand::Rng;
use sea_orm::ConnectionTrait;

use super::org::Org;
use super::program::Program;
use super::{Built, CHUNK, Run, Size, insert, month_end, month_start};
use crate::plans::key_points::{NewMeasurement, check_measurement};
use crate::store::{key_point, measurement, metric, new_id, reading};
use crate::{AppError, AppResult};

/// Writes every key point's surveys, period by period, in chunks.
pub(super) async fn measurements(
    txn: &impl ConnectionTrait,
    run: &mut Run,
    org: &Org,
    program: &Program,
    built: &mut Built,
) -> AppResult<()> {
    let p = &program.program;
    let scale = SurveyScale::new(p.scale_min, p.scale_max).map_err(|e| AppError::internal(&e))?;
    let mut batch: Vec<measurement::Model> = Vec::with_capacity(CHUNK);
    for (point, r) in &program.points {
        let provider = org.head(*r % org.staff.len());
        let by = provider.unwrap_or_else(|| org.coordinator.id.clone());
        for new in surveys(run, scale) {
            batch.push(survey(run, scale, point, &by, new)?);
            if batch.len() == CHUNK {
                built.measurements += batch.len();
                insert(txn, std::mem::take(&mut batch)).await?;
            }
        }
    }
    built.measurements += batch.len();
    insert(txn, batch).await?;
    Ok(())
}

/// One key point's surveys: an expectation, a starting gap and its drift per month.
fn surveys(run: &mut Run, scale: SurveyScale) -> Vec<NewMeasurement> {
    let (low, high) = (f64::from(scale.min()), f64::from(scale.max()));
    let expectation: f64 = run.rng.random_range(7.5..9.8);
    let start_gap: f64 = run.rng.random_range(-0.5..3.5);
    let drift: f64 = run.rng.random_range(-0.5..0.4);
    let importance = run.rng.random_range(1..=5);
    let periods = run.shape.periods;
    let mut out = Vec::with_capacity(periods * run.shape.measurements_per_period);
    for period in 0..periods {
        let start = month_start(run.today(), (periods - period) as u32);
        let gap = (start_gap + drift * period as f64).clamp(-1.0, 6.0);
        for _ in 0..run.shape.measurements_per_period {
            let experience = (expectation - gap + run.rng.random_range(-0.8..0.8)).clamp(low, high);
            out.push(NewMeasurement {
                period_start: start,
                period_end: month_end(start),
                expectation_score: (expectation + run.rng.random_range(-0.3..0.3)).clamp(low, high),
                experience_score: experience,
                importance,
                provider_rating: run
                    .rng
                    .random_bool(0.3)
                    .then(|| (experience + run.rng.random_range(0.0..3.0)).min(high)),
                sample_size: Some(run.rng.random_range(1..40)),
                source: MeasurementSource::Survey,
                note: None,
            });
        }
    }
    out
}

/// A survey as a measurement, checked as every measurement is.
fn survey(
    run: &Run,
    scale: SurveyScale,
    point: &key_point::Model,
    by: &str,
    new: NewMeasurement,
) -> AppResult<measurement::Model> {
    let note = check_measurement(scale, &new)?;
    Ok(measurement::Model {
        id: new_id(),
        program_id: point.program_id.clone(),
        key_point_id: point.id.clone(),
        period_start: new.period_start,
        period_end: new.period_end,
        expectation_score: new.expectation_score,
        experience_score: new.experience_score,
        importance: new.importance,
        provider_rating: new.provider_rating,
        sample_size: new.sample_size,
        source: new.source.into(),
        note,
        recorded_by: by.to_owned(),
        recorded_at: run.now,
    })
}

/// Writes the metrics on the touchpoints and their readings, in chunks.
pub(super) async fn metrics(
    txn: &impl ConnectionTrait,
    run: &mut Run,
    org: &Org,
    program: &Program,
    built: &mut Built,
) -> AppResult<()> {
    let daily = run.size == Size::Large;
    let stages = &program.stages;
    let metrics: Vec<metric::Model> = (0..run.shape.metrics)
        .map(|i| {
            let t = &METRIC_TEMPLATES[i % METRIC_TEMPLATES.len()];
            let s = &stages[i % stages.len()];
            metric::Model {
                id: new_id(),
                program_id: program.program.id.clone(),
                stage_id: Some(s.id.clone()),
                sub_process_id: None,
                department_id: None,
                name: if run.shape.metrics > METRIC_TEMPLATES.len() {
                    format!("{} — {} #{}", t.name, s.name, i / stages.len() + 1)
                } else {
                    t.name.to_owned()
                },
                unit: t.unit.to_owned(),
                direction: t.direction.as_str().to_owned(),
                target: t.target,
                source: Some("ERP".to_owned()),
                update_every_days: if daily { 1 } else { 31 },
                archived: false,
                version: 1,
                created_at: run.now - Duration::days(800),
                updated_at: run.now,
            }
        })
        .collect();
    built.metrics = metrics.len();
    insert(txn, metrics.clone()).await?;
    let mut batch: Vec<reading::Model> = Vec::with_capacity(CHUNK);
    for m in &metrics {
        for r in readings(run, m, &org.coordinator.id, daily) {
            batch.push(r);
            if batch.len() == CHUNK {
                built.readings += batch.len();
                insert(txn, std::mem::take(&mut batch)).await?;
            }
        }
    }
    built.readings += batch.len();
    insert(txn, batch).await?;
    Ok(())
}

/// A metric's readings, oldest first, around its target with a bias of its own.
fn readings(run: &mut Run, m: &metric::Model, by: &str, daily: bool) -> Vec<reading::Model> {
    let spread = (m.target.abs() * 0.2).max(1.0);
    let bias: f64 = run.rng.random_range(-spread..spread);
    let today = run.today();
    (1..=run.shape.readings_per_metric)
        .rev()
        .map(|k| {
            let (start, end) = if daily {
                let day = today - Duration::days(k as i64);
                (day, day)
            } else {
                let start = month_start(today, k as u32);
                (start, month_end(start))
            };
            reading::Model {
                id: new_id(),
                metric_id: m.id.clone(),
                period_start: start,
                period_end: end,
                value: m.target + bias + run.rng.random_range(-spread..spread) * 0.5,
                sample_size: Some(run.rng.random_range(20..400)),
                note: None,
                external_id: Some(format!("ERP-{start}")),
                recorded_by: by.to_owned(),
                recorded_at: (end + Duration::days(1))
                    .and_hms_opt(6, 0, 0)
                    .map(|t| t.and_utc())
                    .unwrap_or(run.now)
                    .min(run.now),
            }
        })
        .collect()
}
