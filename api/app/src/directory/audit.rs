//! Reading the audit trail (admins only): every change, oldest first.

use chrono::{DateTime, Utc};
use cxpm_domain::{Action, Actor, Target, authorize};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::store::audit_event;
use crate::store::page::Page;
use crate::{AppResult, Ctx};

/// Which changes a page of the trail holds; the filters combine with AND.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// A kind of entity (`person`, `department`, `token`).
    pub entity: Option<String>,
    pub entity_id: Option<String>,
    pub actor_id: Option<String>,
    /// At or after.
    pub since: Option<DateTime<Utc>>,
    /// Before.
    pub until: Option<DateTime<Utc>>,
}

pub async fn list(
    ctx: &Ctx,
    actor: &Actor,
    filter: &AuditFilter,
    page: &Page,
) -> AppResult<(Vec<audit_event::Model>, Option<String>)> {
    authorize(actor, Action::ReadAudit, Target::Anything)?;
    let mut select = audit_event::Entity::find();
    if let Some(entity) = &filter.entity {
        select = select.filter(audit_event::Column::Entity.eq(entity));
    }
    if let Some(id) = &filter.entity_id {
        select = select.filter(audit_event::Column::EntityId.eq(id));
    }
    if let Some(id) = &filter.actor_id {
        select = select.filter(audit_event::Column::ActorId.eq(id));
    }
    if let Some(since) = filter.since {
        select = select.filter(audit_event::Column::At.gte(since));
    }
    if let Some(until) = filter.until {
        select = select.filter(audit_event::Column::At.lt(until));
    }
    let rows = page
        .apply(select, audit_event::Column::Id)
        .all(&ctx.read)
        .await?;
    Ok(page.finish(rows, |r| &r.id))
}
