//! What the admins' pages read, each in one call: the people (filtered, with the
//! departments to place them in), the departments (with the people who may head
//! them), and the audit trail newest first with the names of who changed what.

use std::collections::HashMap;

use cxpm_domain::{Action, Actor, Target, authorize};
use sea_orm::sea_query::{Expr, ExprTrait, Func, LikeExpr};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::directory::audit::AuditFilter;
use crate::directory::people::PersonFilter;
use crate::store::{audit_event, department, person};
use crate::{AppResult, Ctx};

/// The most rows a page of the admin pages lists.
pub const ROWS: u64 = 200;

/// The people page.
#[derive(Debug, Clone)]
pub struct PeopleView {
    /// By name; at most [`ROWS`].
    pub people: Vec<person::Model>,
    /// More matched than are listed.
    pub more: bool,
    /// Every department, by name.
    pub departments: Vec<department::Model>,
}

/// The people matching `filter`, for an admin.
pub async fn people(ctx: &Ctx, actor: &Actor, filter: &PersonFilter) -> AppResult<PeopleView> {
    authorize(actor, Action::ManagePeople, Target::Anything)?;
    let mut select = person::Entity::find();
    if let Some(dept) = &filter.department_id {
        select = select.filter(person::Column::DepartmentId.eq(dept));
    }
    if let Some(role) = filter.role {
        select = select.filter(person::Column::Role.eq(role.as_str()));
    }
    if let Some(active) = filter.active {
        select = select.filter(person::Column::Active.eq(active));
    }
    if let Some(pattern) = &filter.pattern {
        select = select.filter(
            Expr::expr(Func::lower(Expr::col(person::Column::Name)))
                .like(LikeExpr::new(pattern.clone()).escape('\\'))
                .or(Expr::expr(Func::lower(Expr::col(person::Column::Email)))
                    .like(LikeExpr::new(pattern.clone()).escape('\\'))),
        );
    }
    let mut people = select
        .order_by_asc(person::Column::Name)
        .order_by_asc(person::Column::Id)
        .limit(ROWS + 1)
        .all(&ctx.read)
        .await?;
    let more = people.len() as u64 > ROWS;
    people.truncate(ROWS as usize);
    Ok(PeopleView {
        people,
        more,
        departments: all_departments(ctx).await?,
    })
}

async fn all_departments(ctx: &Ctx) -> AppResult<Vec<department::Model>> {
    Ok(department::Entity::find()
        .order_by_asc(department::Column::Name)
        .all(&ctx.read)
        .await?)
}

/// The departments page.
#[derive(Debug, Clone)]
pub struct DepartmentsView {
    /// Every department, by name, inactive ones included.
    pub departments: Vec<department::Model>,
    /// The active people, by name: who may head a department (one of its members).
    pub people: Vec<person::Model>,
}

/// Every department, for an admin.
pub async fn departments(ctx: &Ctx, actor: &Actor) -> AppResult<DepartmentsView> {
    authorize(actor, Action::ManageDepartments, Target::Anything)?;
    let people = person::Entity::find()
        .filter(person::Column::Active.eq(true))
        .order_by_asc(person::Column::Name)
        .all(&ctx.read)
        .await?;
    Ok(DepartmentsView {
        departments: all_departments(ctx).await?,
        people,
    })
}

/// A page of the audit trail.
#[derive(Debug, Clone)]
pub struct AuditView {
    /// Newest first; at most [`ROWS`].
    pub events: Vec<audit_event::Model>,
    /// The cursor of the older ones, if any.
    pub older: Option<String>,
    /// Who acted, by id.
    pub names: HashMap<String, String>,
    /// The kinds of entity the trail holds, for the filter.
    pub entities: Vec<String>,
}

/// The trail matching `filter`, newest first, from before event `before`.
pub async fn audit(
    ctx: &Ctx,
    actor: &Actor,
    filter: &AuditFilter,
    before: Option<&str>,
) -> AppResult<AuditView> {
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
    if let Some(before) = before {
        select = select.filter(audit_event::Column::Id.lt(before));
    }
    let mut events = select
        .order_by_desc(audit_event::Column::Id)
        .limit(ROWS + 1)
        .all(&ctx.read)
        .await?;
    let older = if events.len() as u64 > ROWS {
        events.truncate(ROWS as usize);
        events.last().map(|e| e.id.clone())
    } else {
        None
    };
    let ids: Vec<&str> = events
        .iter()
        .filter_map(|e| e.actor_id.as_deref())
        .collect();
    let names = person::Entity::find()
        .filter(person::Column::Id.is_in(ids))
        .all(&ctx.read)
        .await?
        .into_iter()
        .map(|p| (p.id, p.name))
        .collect();
    let entities = audit_event::Entity::find()
        .select_only()
        .column(audit_event::Column::Entity)
        .distinct()
        .order_by_asc(audit_event::Column::Entity)
        .into_tuple::<String>()
        .all(&ctx.read)
        .await?;
    Ok(AuditView {
        events,
        older,
        names,
        entities,
    })
}
