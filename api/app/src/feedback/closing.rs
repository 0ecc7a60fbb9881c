//! A round closes — at its deadline, when everyone asked has answered, or early by
//! hand: in one transaction the round is marked closed and its answers become each
//! key point's measurement for the period (the means of the customers' scores, the
//! sample size their number, the provider's own rating as the blind spot, source
//! `feedback_round`). Only the customer department's answers become measurements —
//! the relationship is theirs; outside contacts' answers stay in the round's results,
//! kept apart. Fewer respondents than the program's minimum make none.

use chrono::{DateTime, Utc};
use cxpm_domain::feedback::{self, Respondent, RoundStatus, Sums};
use cxpm_domain::plan::MeasurementSource;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter};

use crate::store::audit::{self, Change};
use crate::store::named::Stored;
use crate::store::{feedback_round, measurement, new_id, summaries};
use crate::{AppError, AppResult};

/// One key point's ratings by one kind of respondent, summed by the database.
#[derive(Debug, FromQueryResult)]
struct SumRow {
    key_point_id: String,
    respondent: Stored<Respondent>,
    count: i64,
    importance: f64,
    expectation: f64,
    experience: f64,
}

/// The ratings of round `round_id` summed per key point and kind of respondent (the
/// kind, never the person): one row each, however many answered.
pub async fn sums_of(conn: &impl ConnectionTrait, round_id: &str) -> AppResult<Vec<Sums>> {
    let rows: Vec<SumRow> = summaries::query(
        conn,
        "SELECT key_point_id, respondent, COUNT(*) AS count,
                CAST(SUM(importance) AS DOUBLE PRECISION) AS importance,
                CAST(SUM(expectation) AS DOUBLE PRECISION) AS expectation,
                CAST(SUM(experience) AS DOUBLE PRECISION) AS experience
         FROM feedback_ratings
         WHERE round_id = ?
         GROUP BY key_point_id, respondent",
        vec![round_id.into()],
    )
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Sums {
            key_point_id: r.key_point_id,
            respondent: r.respondent.0,
            count: u32::try_from(r.count).unwrap_or(u32::MAX),
            importance: r.importance,
            expectation: r.expectation,
            experience: r.experience,
        })
        .collect())
}

/// Closes `round` inside the caller's transaction, if it is still at the version
/// read (a concurrent close makes this one stale): the round, its measurements, their
/// period sums and every audit entry. `by`: who closed it; none when its deadline or
/// its last answer did.
pub async fn close_in(
    conn: &impl ConnectionTrait,
    round: &feedback_round::Model,
    now: DateTime<Utc>,
    by: Option<&str>,
) -> AppResult<feedback_round::Model> {
    let sums = sums_of(conn, &round.id).await?;
    let made: Vec<_> = feedback::measurements_of(&sums, round.min_respondents.max(1) as u32)
        .into_iter()
        .filter(|m| m.respondent == Respondent::Internal)
        .collect();
    let mut after = round.clone();
    after.status = RoundStatus::Closed.into();
    after.closed_at = Some(now);
    after.measurements = made.len() as i32;
    after.version = round.version + 1;
    after.updated_at = now;
    let result = feedback_round::Entity::update_many()
        .col_expr(
            feedback_round::Column::Status,
            Expr::value(RoundStatus::Closed.as_str()),
        )
        .col_expr(feedback_round::Column::ClosedAt, Expr::value(now))
        .col_expr(
            feedback_round::Column::Measurements,
            Expr::value(after.measurements),
        )
        .col_expr(feedback_round::Column::Version, Expr::value(after.version))
        .col_expr(feedback_round::Column::UpdatedAt, Expr::value(now))
        .filter(feedback_round::Column::Id.eq(&round.id))
        .filter(feedback_round::Column::Version.eq(round.version))
        .exec(conn)
        .await?;
    if result.rows_affected == 0 {
        return Err(AppError::stale(round.version + 1));
    }
    audit::record(
        conn,
        by,
        now,
        "feedback_round",
        &round.id,
        Change::Update,
        Some(round),
        Some(&after),
    )
    .await?;
    let recorded_by = by
        .map(str::to_owned)
        .or_else(|| round.opened_by.clone())
        .unwrap_or_else(|| round.id.clone());
    for m in made {
        let model = measurement::Model {
            id: new_id(),
            program_id: round.program_id.clone(),
            key_point_id: m.key_point_id,
            period_start: round.period_start,
            period_end: now.date_naive().max(round.period_start),
            expectation_score: m.expectation,
            experience_score: m.experience,
            importance: m.importance,
            provider_rating: m.provider_rating,
            sample_size: Some(m.sample_size as i32),
            source: MeasurementSource::FeedbackRound.into(),
            note: None,
            recorded_by: recorded_by.clone(),
            recorded_at: now,
        };
        measurement::Entity::insert(measurement::ActiveModel::from(model.clone()))
            .exec_without_returning(conn)
            .await?;
        audit::record(
            conn,
            by,
            now,
            "measurement",
            &model.id,
            Change::Create,
            None::<&()>,
            Some(&model),
        )
        .await?;
        summaries::add_measurement(conn, &model).await?;
    }
    Ok(after)
}
