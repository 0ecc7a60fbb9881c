//! What the scheduler does with rounds each time it runs, on every replica safely
//! (each step claims its row with a conditional write, the same SQL on both
//! databases): close the rounds whose deadline has come, send the one reminder to
//! those who have not answered once half a round's time has passed, and open the
//! rounds plans' feedback cadences ask for.

use chrono::{DateTime, Duration, Utc};
use cxpm_domain::feedback::RoundStatus;
use cxpm_domain::plan::PlanStatus;
use cxpm_domain::reminder::Timing;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use super::rounds::{Opening, invitations_of, invitees, open_in, open_round_of};
use super::{Invite, MailKind, WriteInvite, closing, department_name, points_of, queue_mail};
use crate::store::{feedback_round, load, plan, program, relationship};
use crate::{AppError, AppResult, Ctx};

/// A cadence tick older than this when the scheduler first sees it opens nothing
/// (the server was down): the owner's feedback reminder still says it is due.
const CADENCE_GRACE: Duration = Duration::days(1);

/// Closes every open round whose deadline has come; how many this replica closed.
pub async fn close_due(ctx: &Ctx) -> AppResult<usize> {
    let now = ctx.now();
    let due = feedback_round::Entity::find()
        .filter(feedback_round::Column::Status.eq(RoundStatus::Open.as_str()))
        .filter(feedback_round::Column::Deadline.lte(now))
        .all(&ctx.db)
        .await?;
    let mut closed = 0;
    for round in due {
        let txn = crate::store::begin(&ctx.db).await?;
        match closing::close_in(&txn, &round, now, None).await {
            Ok(_) => {
                txn.commit().await?;
                closed += 1;
            }
            // Another replica (or a last answer) closed it first.
            Err(AppError::Stale { .. }) => txn.rollback().await?,
            Err(e) => return Err(e),
        }
    }
    Ok(closed)
}

/// Whether an open round's one reminder is due: half its time has passed.
pub fn reminder_due(round: &feedback_round::Model, now: DateTime<Utc>) -> bool {
    round.reminded_at.is_none() && now >= round.opened_at + (round.deadline - round.opened_at) / 2
}

/// Sends each open round's one reminder, when due, to everyone who has not answered
/// (a new personal link each); how many rounds were reminded.
pub async fn remind_due(ctx: &Ctx, write: &dyn WriteInvite) -> AppResult<usize> {
    let now = ctx.now();
    let open = feedback_round::Entity::find()
        .filter(feedback_round::Column::Status.eq(RoundStatus::Open.as_str()))
        .filter(feedback_round::Column::RemindedAt.is_null())
        .filter(feedback_round::Column::Deadline.gt(now))
        .all(&ctx.db)
        .await?;
    let mut reminded = 0;
    for round in open.into_iter().filter(|r| reminder_due(r, now)) {
        let txn = crate::store::begin(&ctx.db).await?;
        let claimed = feedback_round::Entity::update_many()
            .col_expr(feedback_round::Column::RemindedAt, Expr::value(now))
            .filter(feedback_round::Column::Id.eq(&round.id))
            .filter(feedback_round::Column::RemindedAt.is_null())
            .exec(&txn)
            .await?;
        if claimed.rows_affected == 0 {
            txn.rollback().await?;
            continue;
        }
        let rel =
            load::<relationship::Entity>(&txn, "relationship", &round.relationship_id).await?;
        let provider = department_name(&txn, &rel.provider_department_id).await?;
        let customer = department_name(&txn, &rel.customer_department_id).await?;
        let key_points = points_of(&txn, &rel.id).await?.len();
        for inv in invitations_of(&txn, &round.id).await? {
            if inv.answered_at.is_some() {
                continue;
            }
            let about = Invite {
                kind: MailKind::Reminder,
                locale: Default::default(),
                name: None,
                respondent: *inv.respondent,
                provider: &provider,
                customer: &customer,
                key_points,
                deadline: round.deadline,
                url: "",
            };
            queue_mail(&txn, ctx, &inv, &about, write).await?;
        }
        txn.commit().await?;
        reminded += 1;
    }
    Ok(reminded)
}

/// Opens a round for each active plan whose feedback cadence has ticked (within a
/// day, and since its cycle began) with no round on its relationship since: the
/// customer department's people are asked, for [`super::CADENCE_ROUND_DAYS`] days.
/// How many opened.
pub async fn open_due(ctx: &Ctx, write: &dyn WriteInvite) -> AppResult<usize> {
    let now = ctx.now();
    let plans = plan::Entity::find()
        .filter(plan::Column::Status.eq(PlanStatus::Active.as_str()))
        .filter(plan::Column::CadenceCron.is_not_null())
        .all(&ctx.db)
        .await?;
    let mut opened = 0;
    for p in plans {
        let (Some(cron), Some(zone)) = (&p.cadence_cron, &p.cadence_time_zone) else {
            continue;
        };
        let Ok(timing) = Timing::parse(cron, zone) else {
            continue;
        };
        let Some(tick) = timing.last_fire(now) else {
            continue;
        };
        if tick < p.cycle_started_at || tick < now - CADENCE_GRACE {
            continue;
        }
        if open_for_tick(ctx, &p, tick, write).await? {
            opened += 1;
        }
    }
    Ok(opened)
}

/// Opens plan `p`'s round for cadence `tick` unless one was opened since, or is
/// open, or there is nothing to ask about.
async fn open_for_tick(
    ctx: &Ctx,
    p: &plan::Model,
    tick: DateTime<Utc>,
    write: &dyn WriteInvite,
) -> AppResult<bool> {
    let txn = crate::store::begin(&ctx.db).await?;
    let rel = load::<relationship::Entity>(&txn, "relationship", &p.relationship_id).await?;
    // The relationship's row, held: two replicas at the same tick open one round.
    relationship::Entity::update_many()
        .col_expr(
            relationship::Column::Version,
            Expr::col(relationship::Column::Version),
        )
        .filter(relationship::Column::Id.eq(&rel.id))
        .exec(&txn)
        .await?;
    let since = feedback_round::Entity::find()
        .filter(feedback_round::Column::RelationshipId.eq(&rel.id))
        .filter(feedback_round::Column::OpenedAt.gte(tick))
        .one(&txn)
        .await?;
    if rel.archived
        || since.is_some()
        || open_round_of(&txn, &rel.id).await?.is_some()
        || points_of(&txn, &rel.id).await?.is_empty()
    {
        txn.rollback().await?;
        return Ok(false);
    }
    let program = load::<program::Entity>(&txn, "program", &p.program_id).await?;
    let people = invitees(&txn, &rel, None, false).await?;
    let opening = Opening {
        program: &program,
        relationship: &rel,
        deadline: ctx.now() + Duration::days(super::CADENCE_ROUND_DAYS),
        people,
        externals: &[],
        ask_provider: false,
        by: None,
    };
    match open_in(&txn, ctx, opening, write).await {
        Ok(_) => {
            txn.commit().await?;
            Ok(true)
        }
        // Nobody to ask: the owner's feedback reminder still says it is due.
        Err(AppError::Conflict { .. }) => {
            txn.rollback().await?;
            Ok(false)
        }
        Err(e) => Err(e),
    }
}
