//! The gap report's lines: each measured key point and metric judged by the domain's
//! gap arithmetic, read in a fixed number of queries however large the program.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use cxpm_domain::gap;
use cxpm_domain::metric::is_stale;
use cxpm_domain::program::SeverityThresholds;
use cxpm_domain::values::Locale;
use sea_orm::EntityTrait;

use super::gaps::{Finding, GapKind, GapLine};
use super::queries::{self, ActivePlan, MetricLine, OwnerRow, PointLine};
use super::{clamp_i32, direction_of};
use crate::store::{department, program};
use crate::{AppResult, Ctx};

/// The report's lines, worst first; names (of key points and departments) in
/// `reader`'s language when given, as given otherwise (what a snapshot keeps).
pub(super) async fn gap_lines(
    ctx: &Ctx,
    program: &program::Model,
    thresholds: SeverityThresholds,
    until: Option<NaiveDate>,
    reader: Option<Locale>,
) -> AppResult<Vec<GapLine>> {
    let db = &ctx.read;
    let today = ctx.now().date_naive();
    // Independent reads, each on its own pooled connection, at the same time.
    let (points, plans, metrics, departments, owners) = tokio::try_join!(
        queries::point_lines(db, &program.id, until, today),
        queries::active_plans(db, &program.id),
        queries::metric_lines(db, &program.id, until),
        department::Entity::find().all(db),
        queries::owner_rows(db, &program.id),
    )?;
    let departments: HashMap<String, String> = departments
        .into_iter()
        .map(|d| (d.id, name_in(reader, d.name, &d.name_translations)))
        .collect();
    let points_of = PointContext::new(program, thresholds, &plans, &departments, reader);
    let mut lines = Vec::with_capacity(points.len() + metrics.len());
    lines.extend(points.into_iter().map(|p| points_of.line(p)));
    let now = ctx.now();
    let metrics_of = MetricContext::new(&owners, &departments, thresholds, now);
    lines.extend(metrics.into_iter().map(|m| metrics_of.line(m)));
    lines.sort_by(|a, b| {
        let pa = gap::priority(a.gap, a.relative_gap, a.importance.clamp(1, 5) as u8);
        let pb = gap::priority(b.gap, b.relative_gap, b.importance.clamp(1, 5) as u8);
        pb.total_cmp(&pa).then_with(|| a.name.cmp(&b.name))
    });
    Ok(lines)
}

/// A name in `reader`'s language when there is a reader, as given otherwise.
fn name_in(reader: Option<Locale>, name: String, translations: &str) -> String {
    match reader {
        Some(locale) => {
            let map = crate::names::translations(translations);
            cxpm_domain::values::localized(&name, &map, locale).to_owned()
        }
        None => name,
    }
}

/// What judging a key point needs beside its row.
struct PointContext<'a> {
    thresholds: SeverityThresholds,
    plans_by_rel: HashMap<&'a str, Vec<&'a ActivePlan>>,
    departments: &'a HashMap<String, String>,
    /// The provider sees its service at least this much better than its customer.
    blind_spot_threshold: f64,
    reader: Option<Locale>,
}

impl<'a> PointContext<'a> {
    fn new(
        program: &program::Model,
        thresholds: SeverityThresholds,
        plans: &'a [ActivePlan],
        departments: &'a HashMap<String, String>,
        reader: Option<Locale>,
    ) -> Self {
        let mut plans_by_rel: HashMap<&str, Vec<&ActivePlan>> = HashMap::new();
        for p in plans {
            plans_by_rel
                .entry(p.relationship_id.as_str())
                .or_default()
                .push(p);
        }
        let scale_span = f64::from((program.scale_max - program.scale_min).max(1));
        Self {
            thresholds,
            plans_by_rel,
            departments,
            // A fifth of the scale.
            blind_spot_threshold: scale_span * 0.2,
            reader,
        }
    }

    fn findings(&self, point: &PointLine, g: f64, no_plan: bool) -> Vec<Finding> {
        let mut findings = Vec::new();
        if g > 0.0 && no_plan {
            findings.push(Finding::NoOpenPlan);
        }
        if gap::blind_spot(
            point.provider_rating,
            point.actual,
            self.blind_spot_threshold,
        )
        .is_some()
        {
            findings.push(Finding::BlindSpot);
        }
        if point
            .due_effect_target
            .is_some_and(|target| point.actual < target)
        {
            findings.push(Finding::EffectMissed);
        }
        findings
    }

    fn line(&self, point: PointLine) -> GapLine {
        let g = gap::survey_gap(point.expected, point.actual);
        let relative = gap::relative_gap(g, point.expected);
        let previous_gap = point
            .previous_expected
            .zip(point.previous_actual)
            .map(|(e, a)| gap::survey_gap(e, a));
        let plans = self
            .plans_by_rel
            .get(point.relationship_id.as_str())
            .map(Vec::as_slice)
            .unwrap_or_default();
        let plan_ids: Vec<String> = plans.iter().map(|p| p.id.clone()).collect();
        let open_actions: i64 = plans.iter().map(|p| p.open_actions).sum();
        let findings = self.findings(&point, g, plan_ids.is_empty());
        GapLine {
            kind: GapKind::KeyPoint,
            department_name: self.departments.get(&point.provider_department_id).cloned(),
            id: point.id,
            name: name_in(self.reader, point.name, &point.name_translations),
            relationship_id: Some(point.relationship_id),
            department_id: Some(point.provider_department_id),
            owner_id: point.owner_id,
            owner_name: point.owner_name,
            stage_id: point.stage_id,
            period_start: point.period_start,
            period_end: point.period_end,
            expected: point.expected,
            actual: point.actual,
            gap: g,
            relative_gap: relative,
            severity: gap::severity(g, relative, self.thresholds),
            trend: gap::trend(g, previous_gap),
            previous_gap,
            importance: point.importance,
            sample_size: point.sample_size.map(clamp_i32),
            plan_ids,
            open_actions: clamp_i32(open_actions),
            findings,
            change: None,
        }
    }
}

/// What judging a metric needs beside its row: the owner rows by sub-process and by
/// stage, in the value stream's order, indexed in one pass, not one per metric.
struct MetricContext<'a> {
    by_sub_process: HashMap<&'a str, Vec<&'a OwnerRow>>,
    by_stage: HashMap<&'a str, Vec<&'a OwnerRow>>,
    departments: &'a HashMap<String, String>,
    thresholds: SeverityThresholds,
    now: DateTime<Utc>,
}

/// A metric's owning department, and the person named on its owner row, if any.
struct MetricOwner {
    department_id: Option<String>,
    owner_id: Option<String>,
    owner_name: Option<String>,
}

impl<'a> MetricContext<'a> {
    fn new(
        owners: &'a [OwnerRow],
        departments: &'a HashMap<String, String>,
        thresholds: SeverityThresholds,
        now: DateTime<Utc>,
    ) -> Self {
        let mut by_sub_process: HashMap<&str, Vec<&OwnerRow>> = HashMap::new();
        let mut by_stage: HashMap<&str, Vec<&OwnerRow>> = HashMap::new();
        for o in owners {
            by_sub_process
                .entry(o.sub_process_id.as_str())
                .or_default()
                .push(o);
            by_stage.entry(o.stage_id.as_str()).or_default().push(o);
        }
        Self {
            by_sub_process,
            by_stage,
            departments,
            thresholds,
            now,
        }
    }

    /// The department set on the metric, else its sub-process's owner row's, else its
    /// touchpoint's.
    fn owner(&self, m: &MetricLine) -> MetricOwner {
        let rows: &[&OwnerRow] = match (&m.sub_process_id, &m.stage_id) {
            (Some(sub), _) => self.by_sub_process.get(sub.as_str()),
            (None, Some(stage)) => self.by_stage.get(stage.as_str()),
            (None, None) => None,
        }
        .map_or(&[], Vec::as_slice);
        let owner_rows: Vec<cxpm_domain::metric::OwnerRow> = rows
            .iter()
            .map(|o| cxpm_domain::metric::OwnerRow {
                department_id: &o.department_id,
                person_id: o.person_id.as_deref(),
            })
            .collect();
        let owner = cxpm_domain::metric::metric_owner(m.department_id.as_deref(), &owner_rows);
        let owner_id = owner.and_then(|(_, p)| p).map(str::to_owned);
        let owner_name = owner_id.as_ref().and_then(|id| {
            rows.iter()
                .find(|o| o.person_id.as_ref() == Some(id))
                .and_then(|o| o.person_name.clone())
        });
        MetricOwner {
            department_id: owner.map(|(d, _)| d.to_owned()),
            owner_id,
            owner_name,
        }
    }

    fn line(&self, m: MetricLine) -> GapLine {
        let direction = direction_of(&m.direction);
        let g = gap::metric_gap(direction, m.target, m.value);
        let relative = gap::relative_gap(g, m.target);
        let previous_gap = m
            .previous_value
            .map(|v| gap::metric_gap(direction, m.target, v));
        let stale = is_stale(
            m.last_reading_at,
            m.created_at,
            m.update_every_days.max(1) as u32,
            self.now,
        );
        let owner = self.owner(&m);
        GapLine {
            kind: GapKind::Metric,
            id: m.id,
            name: m.name,
            relationship_id: None,
            department_name: owner
                .department_id
                .as_ref()
                .and_then(|d| self.departments.get(d).cloned()),
            department_id: owner.department_id,
            owner_id: owner.owner_id,
            owner_name: owner.owner_name,
            stage_id: m.stage_id,
            period_start: m.period_start,
            period_end: m.period_end,
            expected: m.target,
            actual: m.value,
            gap: g,
            relative_gap: relative,
            severity: gap::severity(g, relative, self.thresholds),
            trend: gap::trend(g, previous_gap),
            previous_gap,
            importance: 3,
            sample_size: m.sample_size.map(clamp_i32),
            plan_ids: Vec::new(),
            open_actions: 0,
            findings: if stale {
                vec![Finding::StaleMetric]
            } else {
                Vec::new()
            },
            change: None,
        }
    }
}
