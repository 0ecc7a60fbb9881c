//! What a program's "chat groups and webhooks" page reads in one call: its channels
//! and subscriptions, each with its latest calls, and what a new channel may choose
//! from (the program's schedules a group can read, the departments).

use std::collections::HashMap;

use cxpm_domain::reminder::ScheduleKind;
use cxpm_domain::{Action, Actor, Target, authorize};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::store::{channel, delivery, department, load, program, schedule, webhook};
use crate::{AppResult, Ctx};

/// The latest calls shown per channel or subscription.
pub const LATEST: u64 = 5;

#[derive(Debug, Clone)]
pub struct HooksView {
    pub program: program::Model,
    pub channels: Vec<channel::Model>,
    pub webhooks: Vec<webhook::Model>,
    /// The latest calls of each channel and subscription, newest first, by its id.
    pub latest: HashMap<String, Vec<delivery::Model>>,
    /// The program's schedules a chat group may receive.
    pub schedules: Vec<schedule::Model>,
    pub departments: Vec<department::Model>,
}

/// Program `program_id`'s chat groups and webhooks.
pub async fn view(ctx: &Ctx, actor: &Actor, program_id: &str) -> AppResult<HooksView> {
    authorize(actor, Action::ManageSchedules, Target::Anything)?;
    let program = load::<program::Entity>(&ctx.read, "program", program_id).await?;
    let channels = channel::Entity::find()
        .filter(channel::Column::ProgramId.eq(&program.id))
        .order_by_asc(channel::Column::Id)
        .all(&ctx.read)
        .await?;
    let webhooks = webhook::Entity::find()
        .filter(webhook::Column::ProgramId.eq(&program.id))
        .order_by_asc(webhook::Column::Id)
        .all(&ctx.read)
        .await?;
    let mut latest = HashMap::new();
    for c in &channels {
        let rows = delivery::Entity::find()
            .filter(delivery::Column::ChannelId.eq(&c.id))
            .order_by_desc(delivery::Column::Id)
            .limit(LATEST)
            .all(&ctx.read)
            .await?;
        latest.insert(c.id.clone(), rows);
    }
    for w in &webhooks {
        let rows = delivery::Entity::find()
            .filter(delivery::Column::WebhookId.eq(&w.id))
            .order_by_desc(delivery::Column::Id)
            .limit(LATEST)
            .all(&ctx.read)
            .await?;
        latest.insert(w.id.clone(), rows);
    }
    let schedules = schedule::Entity::find()
        .filter(schedule::Column::ProgramId.eq(&program.id))
        .order_by_asc(schedule::Column::Id)
        .all(&ctx.read)
        .await?
        .into_iter()
        .filter(|s| *s.kind != ScheduleKind::LeadershipDigest)
        .collect();
    let departments = department::Entity::find()
        .filter(department::Column::Active.eq(true))
        .order_by_asc(department::Column::Name)
        .all(&ctx.read)
        .await?;
    Ok(HooksView {
        program,
        channels,
        webhooks,
        latest,
        schedules,
        departments,
    })
}
