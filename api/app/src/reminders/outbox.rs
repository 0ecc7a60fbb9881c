//! The outbox of reminder mails: what a firing queued ([`super::fire`]), read by
//! the people who manage schedules, and sent by the dispatcher (a front, which talks
//! SMTP): it takes the due mails, claims each for one attempt and settles how it went.

use cxpm_domain::reminder::OutboxStatus;
use cxpm_domain::{Action, Actor, Target, authorize};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::store::outbox;
use crate::store::page::Page;
use crate::{AppResult, Ctx};

/// Which mails a list shows (ids already checked).
#[derive(Debug, Clone, Default)]
pub struct OutboxFilter {
    pub status: Option<OutboxStatus>,
    pub recipient_id: Option<String>,
    pub schedule_id: Option<String>,
}

/// One page of the outbox, oldest first, and the next cursor.
pub async fn list(
    ctx: &Ctx,
    actor: &Actor,
    filter: &OutboxFilter,
    page: &Page,
) -> AppResult<(Vec<outbox::Model>, Option<String>)> {
    authorize(actor, Action::ManageSchedules, Target::Anything)?;
    let mut select = outbox::Entity::find();
    if let Some(status) = filter.status {
        select = select.filter(outbox::Column::Status.eq(status.as_str()));
    }
    if let Some(id) = &filter.recipient_id {
        select = select.filter(outbox::Column::RecipientId.eq(id));
    }
    if let Some(id) = &filter.schedule_id {
        select = select.filter(outbox::Column::ScheduleId.eq(id));
    }
    let rows = page
        .apply(select, outbox::Column::Id)
        .all(&ctx.read)
        .await?;
    Ok(page.finish(rows, |r| &r.id))
}
