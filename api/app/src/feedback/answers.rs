//! Answering a round: signed in (the person's invitation), or by a personal one-time
//! link (anyone invited, outside contacts included, without an account). Either way
//! one transaction marks the invitation answered — only that — and stores the ratings
//! and the comment with nothing that leads back to it. A second answer, an answer
//! after the deadline and a link used again are refused and change nothing.

use cxpm_domain::Actor;
use cxpm_domain::feedback::{self, AnswerRefusal, RatingInput, Respondent, RoundStatus};
use cxpm_domain::program::SurveyScale;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};

use super::{closing, department_name, points_of};
use crate::directory::tokens::hash_token;
use crate::store::audit::{self, Change};
use crate::store::{
    feedback_comment, feedback_invitation, feedback_link, feedback_rating, feedback_round,
    key_point, load, program, relationship, unique,
};
use crate::{AppError, AppResult, Ctx};

/// An answer as sent.
#[derive(Debug, Clone, Default)]
pub struct AnswerInput {
    pub ratings: Vec<RatingInput>,
    pub comment: Option<String>,
}

/// What an answer page shows: the round, who asks about whom, the questions, the
/// scale, and whether this invitation may still answer.
#[derive(Debug, Clone)]
pub struct Questions {
    pub round: feedback_round::Model,
    pub invitation: feedback_invitation::Model,
    pub provider: String,
    pub customer: String,
    pub key_points: Vec<key_point::Model>,
    pub scale: SurveyScale,
    /// Why it may not answer (any more); none: it may.
    pub refused: Option<AnswerRefusal>,
}

/// The result of an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Answered {
    /// This answer was the last one asked for: the round closed with it.
    pub closed_round: bool,
}

/// The invitation a personal link's `token` stands for.
pub async fn invitation_by_link(
    conn: &impl ConnectionTrait,
    token: &str,
) -> AppResult<feedback_invitation::Model> {
    let not_found = || AppError::not_found("feedback_link", "…");
    if token.is_empty() || token.len() > cxpm_domain::limits::TOKEN {
        return Err(not_found());
    }
    let Some(link) = feedback_link::Entity::find_by_id(hash_token(token))
        .one(conn)
        .await?
    else {
        return Err(not_found());
    };
    load::<feedback_invitation::Entity>(conn, "feedback_invitation", &link.invitation_id).await
}

/// The signed-in `actor`'s invitation to round `round_id`.
pub async fn invitation_of(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    round_id: &str,
) -> AppResult<feedback_invitation::Model> {
    load::<feedback_round::Entity>(conn, "feedback_round", round_id).await?;
    unique(
        feedback_invitation::Entity::find()
            .filter(feedback_invitation::Column::RoundId.eq(round_id))
            .filter(feedback_invitation::Column::PersonId.eq(&actor.person_id)),
        conn,
    )
    .await?
    .ok_or_else(|| AppError::Forbidden("you are not invited to answer this round".into()))
}

/// The questions `invitation` is asked.
pub async fn questions(ctx: &Ctx, invitation: feedback_invitation::Model) -> AppResult<Questions> {
    let conn = &ctx.read;
    let round =
        load::<feedback_round::Entity>(conn, "feedback_round", &invitation.round_id).await?;
    let rel = load::<relationship::Entity>(conn, "relationship", &round.relationship_id).await?;
    let program = load::<program::Entity>(conn, "program", &round.program_id).await?;
    let refused = feedback::may_answer(
        *round.status,
        round.deadline,
        ctx.now(),
        invitation.answered_at.is_some(),
    )
    .err();
    Ok(Questions {
        provider: department_name(conn, &rel.provider_department_id).await?,
        customer: department_name(conn, &rel.customer_department_id).await?,
        key_points: points_of(conn, &round.relationship_id).await?,
        scale: scale_of(&program)?,
        round,
        invitation,
        refused,
    })
}

fn scale_of(program: &program::Model) -> AppResult<SurveyScale> {
    SurveyScale::new(program.scale_min, program.scale_max).map_err(|e| AppError::internal(&e))
}

/// The refusal as the caller hears it.
pub fn refusal(r: AnswerRefusal) -> AppError {
    match r {
        AnswerRefusal::Closed => {
            AppError::conflict("the round is closed: it takes no more answers", None)
        }
        AnswerRefusal::AlreadyAnswered => AppError::conflict(
            "this invitation is already answered: an answer is given once, and a link works once",
            None,
        ),
        AnswerRefusal::Invalid(invalid) => AppError::Invalid(invalid),
    }
}

/// Answers as the signed-in `actor`, invited to round `round_id`.
pub async fn answer_signed_in(
    ctx: &Ctx,
    actor: &Actor,
    round_id: &str,
    input: AnswerInput,
) -> AppResult<Answered> {
    let invitation = invitation_of(&ctx.db, actor, round_id).await?;
    answer(ctx, invitation, input).await
}

/// Answers by a personal link.
pub async fn answer_by_link(ctx: &Ctx, token: &str, input: AnswerInput) -> AppResult<Answered> {
    let invitation = invitation_by_link(&ctx.db, token).await?;
    answer(ctx, invitation, input).await
}

/// Records `invitation`'s answer: checked whole first, then in one transaction the
/// round held open, the invitation marked answered (once), the ratings and comment
/// stored without a name; the last answer asked for closes the round.
pub async fn answer(
    ctx: &Ctx,
    invitation: feedback_invitation::Model,
    input: AnswerInput,
) -> AppResult<Answered> {
    let now = ctx.now();
    let round =
        load::<feedback_round::Entity>(&ctx.db, "feedback_round", &invitation.round_id).await?;
    feedback::may_answer(
        *round.status,
        round.deadline,
        now,
        invitation.answered_at.is_some(),
    )
    .map_err(refusal)?;
    let program = load::<program::Entity>(&ctx.db, "program", &round.program_id).await?;
    let points = points_of(&ctx.db, &round.relationship_id).await?;
    let ids: Vec<&str> = points.iter().map(|p| p.id.as_str()).collect();
    let checked = feedback::check_answer(
        scale_of(&program)?,
        &ids,
        &input.ratings,
        input.comment.as_deref(),
    )
    .map_err(AppError::Invalid)?;
    let txn = crate::store::begin(&ctx.db).await?;
    hold_open(&txn, &round, now).await?;
    mark_answered(&txn, &invitation, now).await?;
    let who = *invitation.respondent;
    store_answer(&txn, &round.id, who, checked).await?;
    let closed_round = close_if_all_answered(&txn, &round, now).await?;
    txn.commit().await?;
    Ok(Answered { closed_round })
}

/// Takes round's row for the transaction if it is still open and before its
/// deadline: a close racing this answer either waits for it or refuses it.
async fn hold_open(
    conn: &impl ConnectionTrait,
    round: &feedback_round::Model,
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<()> {
    let held = feedback_round::Entity::update_many()
        .col_expr(
            feedback_round::Column::Version,
            Expr::col(feedback_round::Column::Version),
        )
        .filter(feedback_round::Column::Id.eq(&round.id))
        .filter(feedback_round::Column::Status.eq(RoundStatus::Open.as_str()))
        .filter(feedback_round::Column::Deadline.gt(now))
        .exec(conn)
        .await?;
    if held.rows_affected == 0 {
        return Err(refusal(AnswerRefusal::Closed));
    }
    Ok(())
}

async fn mark_answered(
    conn: &impl ConnectionTrait,
    invitation: &feedback_invitation::Model,
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<()> {
    let marked = feedback_invitation::Entity::update_many()
        .col_expr(feedback_invitation::Column::AnsweredAt, Expr::value(now))
        .filter(feedback_invitation::Column::Id.eq(&invitation.id))
        .filter(feedback_invitation::Column::AnsweredAt.is_null())
        .exec(conn)
        .await?;
    if marked.rows_affected == 0 {
        return Err(refusal(AnswerRefusal::AlreadyAnswered));
    }
    let mut after = invitation.clone();
    after.answered_at = Some(now);
    audit::record(
        conn,
        invitation.person_id.as_deref(),
        now,
        "feedback_invitation",
        &invitation.id,
        Change::Update,
        Some(invitation),
        Some(&after),
    )
    .await?;
    Ok(())
}

/// The ratings and the comment, each row with a random id and nothing else of who
/// or when.
async fn store_answer(
    conn: &impl ConnectionTrait,
    round_id: &str,
    who: Respondent,
    answer: feedback::Answer,
) -> AppResult<()> {
    let random = || uuid::Uuid::new_v4().to_string();
    let rows: Vec<feedback_rating::ActiveModel> = answer
        .ratings
        .into_iter()
        .map(|r| {
            feedback_rating::Model {
                id: random(),
                round_id: round_id.to_owned(),
                respondent: who.into(),
                key_point_id: r.key_point_id,
                importance: r.importance,
                expectation: r.expectation,
                experience: r.experience,
            }
            .into()
        })
        .collect();
    if !rows.is_empty() {
        feedback_rating::Entity::insert_many(rows)
            .exec_without_returning(conn)
            .await?;
    }
    if let Some(body) = answer.comment {
        let comment = feedback_comment::Model {
            id: random(),
            round_id: round_id.to_owned(),
            respondent: who.into(),
            body,
        };
        feedback_comment::Entity::insert(feedback_comment::ActiveModel::from(comment))
            .exec_without_returning(conn)
            .await?;
    }
    Ok(())
}

/// Closes the round when this was the last answer asked for.
async fn close_if_all_answered(
    conn: &impl ConnectionTrait,
    round: &feedback_round::Model,
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<bool> {
    let (invited, answered): (i64, i64) = feedback_invitation::Entity::find()
        .select_only()
        .column_as(feedback_invitation::Column::Id.count(), "invited")
        .column_as(feedback_invitation::Column::AnsweredAt.count(), "answered")
        .filter(feedback_invitation::Column::RoundId.eq(&round.id))
        .into_tuple()
        .one(conn)
        .await?
        .unwrap_or_default();
    let (invited, answered) = (invited as u32, answered as u32);
    if !feedback::closes(*round.status, round.deadline, now, invited, answered) {
        return Ok(false);
    }
    let current = load::<feedback_round::Entity>(conn, "feedback_round", &round.id).await?;
    match closing::close_in(conn, &current, now, None).await {
        Ok(_) => Ok(true),
        // Closed meanwhile by a concurrent last answer: this answer stands.
        Err(AppError::Stale { .. }) => Ok(false),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use cxpm_domain::Invalid;

    use super::*;

    #[test]
    fn every_refusal_is_a_conflict_or_names_its_fields() {
        assert!(matches!(
            refusal(AnswerRefusal::Closed),
            AppError::Conflict { .. }
        ));
        assert!(matches!(
            refusal(AnswerRefusal::AlreadyAnswered),
            AppError::Conflict { .. }
        ));
        assert!(matches!(
            refusal(AnswerRefusal::Invalid(Invalid::default())),
            AppError::Invalid(_)
        ));
    }
}
