//! What a program's reminders page reads in one call: its schedules, and — for those
//! who manage them — the latest mails of the program in the outbox with each one's
//! status, attempts and last error, and the names of their recipients.

use std::collections::HashMap;

use cxpm_domain::{Action, Actor, Target, authorize};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::store::{load, outbox, person, program, schedule};
use crate::{AppResult, Ctx};

/// How many of the latest mails the page lists.
pub const OUTBOX_LINES: u64 = 50;

#[derive(Debug, Clone)]
pub struct RemindersView {
    pub program: program::Model,
    pub schedules: Vec<schedule::Model>,
    /// The program's latest mails, newest first (empty for those who may not manage
    /// schedules).
    pub outbox: Vec<outbox::Model>,
    /// Recipients' names by id.
    pub names: HashMap<String, String>,
    pub may_manage: bool,
}

/// Program `program_id`'s reminders page.
pub async fn reminders(ctx: &Ctx, actor: &Actor, program_id: &str) -> AppResult<RemindersView> {
    authorize(actor, Action::ReadPrograms, Target::Anything)?;
    let program = load::<program::Entity>(&ctx.read, "program", program_id).await?;
    let schedules = schedule::Entity::find()
        .filter(schedule::Column::ProgramId.eq(&program.id))
        .order_by_asc(schedule::Column::Id)
        .all(&ctx.read)
        .await?;
    let may_manage = authorize(actor, Action::ManageSchedules, Target::Anything).is_ok();
    let (outbox, names) = if may_manage {
        let rows = outbox::Entity::find()
            .filter(outbox::Column::ProgramId.eq(&program.id))
            .order_by_desc(outbox::Column::Id)
            .limit(OUTBOX_LINES)
            .all(&ctx.read)
            .await?;
        let ids: Vec<&str> = rows.iter().map(|r| r.recipient_id.as_str()).collect();
        let names = person::Entity::find()
            .filter(person::Column::Id.is_in(ids))
            .all(&ctx.read)
            .await?
            .into_iter()
            .map(|p| (p.id, p.name))
            .collect();
        (rows, names)
    } else {
        (Vec::new(), HashMap::new())
    };
    Ok(RemindersView {
        program,
        schedules,
        outbox,
        names,
        may_manage,
    })
}
