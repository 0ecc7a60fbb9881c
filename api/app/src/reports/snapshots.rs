//! Saved gap reports, and what changed since one: a gap report compared with a
//! snapshot marks each line new, worse, better or unchanged and lists the gaps that
//! closed.
//!
//! A snapshot keeps the whole unfiltered report as it was answered. Comparing reads
//! back only the few fields the comparison needs, so snapshots saved by an older
//! version stay comparable when the report grows new fields.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use cxpm_domain::gap::{Change, LineState, Severity, change_since};
use cxpm_domain::values::Name;
use cxpm_domain::{Action, Actor, Target, authorize};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, QuerySelect};
use serde::{Deserialize, Serialize};

use super::gaps::{GapKind, GapLine};
use super::json;
use crate::store::page::Page;
use crate::store::{audit, load, new_id, program, report_snapshot};
use crate::{AppError, AppResult, Ctx};

/// A gap that was open in the snapshot and is closed now.
#[derive(Debug, Clone, Serialize)]
pub struct ClosedLine {
    pub kind: GapKind,
    pub id: String,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub department_name: Option<String>,
    /// The gap and severity in the snapshot.
    pub was_gap: f64,
    #[serde(serialize_with = "json::severity")]
    pub was_severity: Severity,
    /// The gap now; none when the line is no longer measured.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gap: Option<f64>,
}

/// What changed since a snapshot, counted, with the closed gaps listed.
#[derive(Debug, Clone, Serialize)]
pub struct SnapshotChanges {
    pub snapshot_id: String,
    pub label: String,
    #[serde(serialize_with = "json::rfc3339")]
    pub taken_at: DateTime<Utc>,
    pub new: i32,
    pub worse: i32,
    pub better: i32,
    pub unchanged: i32,
    pub closed: i32,
    pub closed_lines: Vec<ClosedLine>,
}

/// The line filters of a gap report; a comparison applies them to the snapshot as to
/// the report.
#[derive(Debug, Clone, Default)]
pub struct Scope {
    pub department_id: Option<String>,
    pub stage_id: Option<String>,
    pub relationship_id: Option<String>,
}

impl Scope {
    fn admits(
        &self,
        department_id: Option<&str>,
        stage_id: Option<&str>,
        relationship_id: Option<&str>,
    ) -> bool {
        self.department_id
            .as_deref()
            .is_none_or(|d| department_id == Some(d))
            && self.stage_id.as_deref().is_none_or(|s| stage_id == Some(s))
            && self
                .relationship_id
                .as_deref()
                .is_none_or(|r| relationship_id == Some(r))
    }

    pub fn admits_line(&self, l: &GapLine) -> bool {
        self.admits(
            l.department_id.as_deref(),
            l.stage_id.as_deref(),
            l.relationship_id.as_deref(),
        )
    }
}

/// The fields of a saved line the comparison needs. Snapshots are kept for good and
/// written by whichever version saved them: every field but the line's identity has
/// a default, and a gap an older version wrote as `null` (an overflow to infinity,
/// before values were bounded) reads as the largest gap there is.
#[derive(Debug, Clone, Deserialize)]
struct SavedLine {
    kind: String,
    id: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    department_id: Option<String>,
    #[serde(default)]
    department_name: Option<String>,
    #[serde(default)]
    stage_id: Option<String>,
    #[serde(default)]
    relationship_id: Option<String>,
    #[serde(default = "largest", deserialize_with = "gap_or_largest")]
    gap: f64,
    #[serde(default)]
    severity: String,
}

impl SavedLine {
    fn state(&self) -> LineState {
        Some((self.gap, self.severity()))
    }

    fn severity(&self) -> Severity {
        match self.severity.as_str() {
            "critical" => Severity::Critical,
            "major" => Severity::Major,
            "minor" => Severity::Minor,
            _ => Severity::Met,
        }
    }

    fn kind(&self) -> GapKind {
        if self.kind == "metric" {
            GapKind::Metric
        } else {
            GapKind::KeyPoint
        }
    }
}

fn largest() -> f64 {
    f64::MAX
}

fn gap_or_largest<'de, D: serde::Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    Ok(Option::<f64>::deserialize(d)?
        .filter(|g| g.is_finite())
        .unwrap_or(f64::MAX))
}

#[derive(Debug, Deserialize)]
struct SavedReport {
    lines: Vec<SavedLine>,
}

/// A snapshot to compare a gap report with: what it was, line by line.
#[derive(Debug, Clone)]
pub struct Baseline {
    snapshot_id: String,
    label: String,
    taken_at: DateTime<Utc>,
    lines: Vec<SavedLine>,
}

/// Snapshot `snapshot_id` of program `program_id`, to compare a gap report with; none
/// when it is not a snapshot of that program.
pub async fn baseline(
    ctx: &Ctx,
    actor: &Actor,
    program_id: &str,
    snapshot_id: &str,
) -> AppResult<Option<Baseline>> {
    authorize(actor, Action::ReadPrograms, Target::Anything)?;
    let program = load::<program::Entity>(&ctx.read, "program", program_id).await?;
    let Some(snapshot) = report_snapshot::Entity::find_by_id(snapshot_id)
        .one(&ctx.read)
        .await?
        .filter(|s| s.program_id == program.id)
    else {
        return Ok(None);
    };
    let saved: SavedReport =
        serde_json::from_str(&snapshot.report).map_err(|e| AppError::internal(&e))?;
    Ok(Some(Baseline {
        snapshot_id: snapshot.id,
        label: snapshot.label,
        taken_at: snapshot.created_at,
        lines: saved.lines,
    }))
}

impl SnapshotChanges {
    fn count(&mut self, c: Change) {
        match c {
            Change::New => self.new += 1,
            Change::Worse => self.worse += 1,
            Change::Better => self.better += 1,
            Change::Unchanged => self.unchanged += 1,
            Change::Closed => self.closed += 1,
        }
    }
}

impl Baseline {
    /// Marks each of `lines` with its change since the snapshot and counts the
    /// changes. `lines` are the report's lines in `scope`, before any severity filter,
    /// so that a gap that closed is seen closing.
    pub fn compare(&self, scope: &Scope, lines: &mut [GapLine]) -> SnapshotChanges {
        let before: HashMap<(&str, &str), &SavedLine> = self
            .lines
            .iter()
            .filter(|l| {
                scope.admits(
                    l.department_id.as_deref(),
                    l.stage_id.as_deref(),
                    l.relationship_id.as_deref(),
                )
            })
            .map(|l| ((l.kind.as_str(), l.id.as_str()), l))
            .collect();
        let mut changes = SnapshotChanges {
            snapshot_id: self.snapshot_id.clone(),
            label: self.label.clone(),
            taken_at: self.taken_at,
            new: 0,
            worse: 0,
            better: 0,
            unchanged: 0,
            closed: 0,
            closed_lines: Vec::new(),
        };
        let mut seen = HashSet::new();
        for line in lines.iter_mut() {
            let key = (line.kind.as_str(), line.id.as_str());
            let was = before.get(&key).copied();
            if was.is_some() {
                seen.insert(key);
            }
            let change = change_since(
                was.and_then(SavedLine::state),
                Some((line.gap, line.severity)),
            );
            if let Some(c) = change {
                changes.count(c);
                if c == Change::Closed
                    && let Some(was) = was
                {
                    changes.closed_lines.push(ClosedLine {
                        kind: line.kind,
                        id: line.id.clone(),
                        name: line.name.clone(),
                        department_name: line.department_name.clone(),
                        was_gap: was.gap,
                        was_severity: was.severity(),
                        gap: Some(line.gap),
                    });
                }
            }
            line.change = change;
        }
        self.close_gone(&before, &seen, &mut changes);
        changes
    }

    /// Lines of the snapshot (in scope) no longer measured at all: closed if they
    /// were open.
    fn close_gone(
        &self,
        before: &HashMap<(&str, &str), &SavedLine>,
        seen: &HashSet<(&str, &str)>,
        changes: &mut SnapshotChanges,
    ) {
        let mut gone: Vec<&SavedLine> = before
            .iter()
            .filter(|(key, _)| !seen.contains(*key))
            .map(|(_, l)| *l)
            .collect();
        gone.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
        for was in gone {
            if change_since(was.state(), None) == Some(Change::Closed) {
                changes.count(Change::Closed);
                changes.closed_lines.push(ClosedLine {
                    kind: was.kind(),
                    id: was.id.clone(),
                    name: was.name.clone(),
                    department_name: was.department_name.clone(),
                    was_gap: was.gap,
                    was_severity: was.severity(),
                    gap: None,
                });
            }
        }
    }
}

/// A snapshot as the audit trail names it: the row without the report it keeps.
#[derive(Serialize)]
struct Summary<'a> {
    id: &'a str,
    program_id: &'a str,
    label: &'a str,
    lines: i32,
    created_by: &'a str,
    #[serde(serialize_with = "json::rfc3339")]
    created_at: DateTime<Utc>,
}

/// Saves the whole gap report of program `program_id` as it is now (no filters) under
/// `label`, so that a later report can show what changed since.
pub async fn save(
    ctx: &Ctx,
    actor: &Actor,
    program_id: &str,
    label: &str,
) -> AppResult<report_snapshot::Model> {
    authorize(actor, Action::SaveSnapshots, Target::Anything)?;
    let program = load::<program::Entity>(&ctx.db, "program", program_id).await?;
    let label = Name::parse(label).map_err(|e| e.at("label"))?;
    let report = super::full_gap_report(ctx, &program).await?;
    // Through a JSON value, as the API writes its bodies: the same text, key for key.
    let text = serde_json::to_value(&report)
        .and_then(|v| serde_json::to_string(&v))
        .map_err(|e| AppError::internal(&e))?;
    let model = report_snapshot::Model {
        id: new_id(),
        program_id: program.id.clone(),
        label: label.into_inner(),
        lines: report.lines.len() as i32,
        report: text,
        created_by: actor.person_id.clone(),
        created_at: ctx.now(),
    };
    let txn = crate::store::begin(&ctx.db).await?;
    report_snapshot::Entity::insert(model.clone().into_active_model())
        .exec_without_returning(&txn)
        .await?;
    // The audit entry names the snapshot; the report it keeps is the row itself.
    let summary = serde_json::to_value(Summary {
        id: &model.id,
        program_id: &model.program_id,
        label: &model.label,
        lines: model.lines,
        created_by: &model.created_by,
        created_at: model.created_at,
    })
    .map_err(|e| AppError::internal(&e))?;
    audit::record(
        &txn,
        Some(&actor.person_id),
        ctx.now(),
        "report_snapshot",
        &model.id,
        audit::Change::Create,
        None::<&()>,
        Some(&summary),
    )
    .await?;
    crate::hooks::events::emit(
        &txn,
        &model.program_id,
        cxpm_domain::hooks::WebhookEvent::SnapshotSaved,
        &summary,
        model.created_at,
        None,
    )
    .await?;
    txn.commit().await?;
    Ok(model)
}

/// One page of program `program_id`'s snapshots, oldest first, without the reports
/// they keep (read as empty text), and the cursor of the next.
pub async fn list(
    ctx: &Ctx,
    actor: &Actor,
    program_id: &str,
    page: &Page,
) -> AppResult<(Vec<report_snapshot::Model>, Option<String>)> {
    authorize(actor, Action::ReadPrograms, Target::Anything)?;
    let program = load::<program::Entity>(&ctx.read, "program", program_id).await?;
    let select = report_snapshot::Entity::find()
        .select_only()
        .columns([
            report_snapshot::Column::Id,
            report_snapshot::Column::ProgramId,
            report_snapshot::Column::Label,
            report_snapshot::Column::Lines,
            report_snapshot::Column::CreatedBy,
            report_snapshot::Column::CreatedAt,
        ])
        .column_as(Expr::value(""), "report")
        .order_by_asc(report_snapshot::Column::Id)
        .filter(report_snapshot::Column::ProgramId.eq(&program.id));
    let rows = page
        .apply(select, report_snapshot::Column::Id)
        .all(&ctx.read)
        .await?;
    Ok(page.finish(rows, |r| &r.id))
}

/// Snapshot `id` with the report it keeps, as it was written.
pub async fn get(ctx: &Ctx, actor: &Actor, id: &str) -> AppResult<report_snapshot::Model> {
    authorize(actor, Action::ReadPrograms, Target::Anything)?;
    load::<report_snapshot::Entity>(&ctx.read, "report_snapshot", id).await
}
