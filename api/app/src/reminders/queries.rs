//! What reminder planning reads, one statement each; one SQL text serves SQLite and
//! PostgreSQL. Which statuses count as open is the domain's: the list is bound from
//! [`ActionStatus::is_open`], never written here.

use chrono::{DateTime, NaiveDate, Utc};
use cxpm_domain::plan::{ActionStatus, PlanStatus};
use sea_orm::{ConnectionTrait, DbErr, FromQueryResult, Value};

use crate::store::summaries::query;

/// An open action with a due date: what the due and overdue reminders read of it.
#[derive(Debug, FromQueryResult)]
pub(super) struct DueRow {
    pub id: String,
    pub title: String,
    pub plan_id: String,
    pub department_id: String,
    pub owner_id: Option<String>,
    pub due_date: NaiveDate,
}

pub(super) async fn due_actions<C: ConnectionTrait>(
    db: &C,
    program_id: &str,
) -> Result<Vec<DueRow>, DbErr> {
    let open: Vec<&ActionStatus> = ActionStatus::ALL.iter().filter(|s| s.is_open()).collect();
    let mut values: Vec<Value> = vec![program_id.into()];
    values.extend(open.iter().map(|s| Value::from(s.as_str().to_owned())));
    query(
        db,
        &format!(
            "SELECT id, title, plan_id, department_id, owner_id, due_date FROM actions
             WHERE program_id = ? AND status IN ({}) AND due_date IS NOT NULL",
            vec!["?"; open.len().max(1)].join(", ")
        ),
        values,
    )
    .await
}

/// An active plan and when anything on it last changed: the plan itself, a step
/// (any cycle), an action or its progress.
#[derive(Debug, FromQueryResult)]
pub(super) struct PlanActivity {
    pub id: String,
    pub title: String,
    pub department_id: String,
    pub owner_id: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub steps_changed: Option<DateTime<Utc>>,
    pub actions_changed: Option<DateTime<Utc>>,
}

pub(super) async fn active_plans<C: ConnectionTrait>(
    db: &C,
    program_id: &str,
) -> Result<Vec<PlanActivity>, DbErr> {
    query(
        db,
        "SELECT p.id, p.title, p.department_id, p.owner_id, p.created_at, p.updated_at,
                (SELECT MAX(st.updated_at) FROM steps st WHERE st.plan_id = p.id)
                  AS steps_changed,
                (SELECT MAX(COALESCE(a.last_update_at, a.updated_at)) FROM actions a
                 WHERE a.plan_id = p.id AND a.program_id = p.program_id) AS actions_changed
         FROM plans p
         WHERE p.program_id = ? AND p.status = ?",
        vec![program_id.into(), PlanStatus::Active.as_str().into()],
    )
    .await
}

/// A key point in use with its providing department and named person, and the end
/// of its last measured period.
#[derive(Debug, FromQueryResult)]
pub(super) struct MeasuredPoint {
    pub id: String,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub provider_department_id: String,
    pub provider_person_id: Option<String>,
    pub last_period_end: Option<NaiveDate>,
}

pub(super) async fn measured_points<C: ConnectionTrait>(
    db: &C,
    program_id: &str,
) -> Result<Vec<MeasuredPoint>, DbErr> {
    query(
        db,
        "SELECT k.id, k.name, k.created_at, r.provider_department_id, r.provider_person_id,
                (SELECT MAX(q.period_end) FROM key_point_periods q WHERE q.key_point_id = k.id)
                  AS last_period_end
         FROM key_points k JOIN relationships r ON r.id = k.relationship_id
         WHERE k.program_id = ? AND k.archived = false AND r.archived = false",
        vec![program_id.into()],
    )
    .await
}

/// An active plan with a feedback cadence, and when its relationship's key points
/// were last measured.
#[derive(Debug, FromQueryResult)]
pub(super) struct FeedbackLoop {
    pub id: String,
    pub title: String,
    pub department_id: String,
    pub owner_id: Option<String>,
    pub cadence_cron: String,
    pub cadence_time_zone: String,
    pub cycle_started_at: DateTime<Utc>,
    pub last_feedback: Option<DateTime<Utc>>,
}

pub(super) async fn feedback_loops<C: ConnectionTrait>(
    db: &C,
    program_id: &str,
) -> Result<Vec<FeedbackLoop>, DbErr> {
    query(
        db,
        "SELECT p.id, p.title, p.department_id, p.owner_id, p.cadence_cron,
                p.cadence_time_zone, p.cycle_started_at,
                (SELECT MAX(m.recorded_at) FROM key_points k
                   JOIN measurements m ON m.key_point_id = k.id
                 WHERE k.relationship_id = p.relationship_id) AS last_feedback
         FROM plans p
         WHERE p.program_id = ? AND p.status = ?
           AND p.cadence_cron IS NOT NULL AND p.cadence_time_zone IS NOT NULL",
        vec![program_id.into(), PlanStatus::Active.as_str().into()],
    )
    .await
}
