//! Reports: what the gap and progress reports, their snapshots and the leadership
//! digest say, as plain data. JSON, CSV and HTML are the fronts' renderings of it.
//!
//! The arithmetic is the domain's ([`cxpm_domain::gap`]); these modules gather the
//! rows in a fixed number of queries ([`queries`]) and shape the answer.

pub mod choices;
pub mod dashboard;
pub mod gaps;
mod lines;
pub mod progress;
pub mod queries;
pub mod snapshots;
pub mod trends;

use cxpm_domain::gap::Direction;
use cxpm_domain::program::SeverityThresholds;

pub use gaps::{
    Finding, GapData, GapKind, GapLine, GapOptions, GapRollup, GapRollups, SeverityCounts,
    full_gap_report, gaps,
};
pub use progress::{
    DepartmentProgress, FeedbackResponse, Maturity, NextPhaseRule, PlanProgress, ProgressData,
    progress,
};
pub use snapshots::{Baseline, ClosedLine, Scope, SnapshotChanges};
pub use trends::{HISTORY, PeriodGap, trend_histories};

pub use crate::store::change_counter::Revisions;

use crate::Ctx;
use crate::store::{change_counter, program};
use crate::{AppError, AppResult};
use cxpm_domain::{Action, Actor, Target, authorize};

/// The change counters program `program_id`'s reports stand at, for a reader
/// allowed to read them: a report computed at them is current while they read the
/// same (every change bumps one in its own transaction).
pub async fn revisions(ctx: &Ctx, actor: &Actor, program_id: &str) -> AppResult<Revisions> {
    authorize(actor, Action::ReadPrograms, Target::Anything)?;
    Ok(change_counter::read(&ctx.read, program_id).await?)
}

/// A database count or sum as the API's 32-bit integer.
pub(crate) fn clamp_i32(n: i64) -> i32 {
    n.clamp(0, i64::from(i32::MAX)) as i32
}

fn direction_of(name: &str) -> Direction {
    match name {
        "lower_is_better" => Direction::LowerIsBetter,
        _ => Direction::HigherIsBetter,
    }
}

fn program_thresholds(program: &program::Model) -> AppResult<SeverityThresholds> {
    SeverityThresholds::new(program.minor_max, program.major_max)
        .map_err(|e| AppError::internal(&e))
}

/// How a snapshot writes report data: the JSON shape of the gap report as the API
/// answers it (enums in snake_case, times as `…+00:00`), field for field.
pub(crate) mod json {
    use chrono::{DateTime, Utc};
    use cxpm_domain::gap::{Change, Severity, Trend};
    use serde::Serializer;

    pub fn rfc3339<S: Serializer>(at: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&at.to_rfc3339())
    }

    pub fn severity<S: Serializer>(v: &Severity, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(v.as_str())
    }

    pub fn trend<S: Serializer>(v: &Trend, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(v.as_str())
    }

    pub fn change<S: Serializer>(v: &Option<Change>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(c) => s.serialize_some(c.as_str()),
            None => s.serialize_none(),
        }
    }
}
