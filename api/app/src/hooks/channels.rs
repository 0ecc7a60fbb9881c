//! A program's chat channels: a group robot's URL on one platform, with its signing
//! secret where the platform has one (both write-only), the language its messages are
//! written in, the schedules whose digests it receives and the departments whose
//! items they list.

use std::collections::HashSet;

use cxpm_domain::hooks::{ChannelKind, HookState};
use cxpm_domain::reminder::ScheduleKind;
use cxpm_domain::values::{Locale, Name};
use cxpm_domain::{Action, Actor, FieldError, Invalid, Target, authorize, limits};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use super::checked_url;
use crate::store::page::Page;
use crate::store::{delivery, department, load, new_id, parse_id, program, schedule, versioned};
use crate::{AppResult, Ctx, Expect, Patch};

/// A new channel.
#[derive(Debug, Clone)]
pub struct NewChannel {
    pub kind: ChannelKind,
    pub name: String,
    pub url: String,
    pub secret: Option<String>,
    pub locale: Option<Locale>,
    pub schedule_ids: Vec<String>,
    pub department_ids: Vec<String>,
}

/// What to change in a channel: only what is given. Any change makes a broken
/// channel active again (its URL or secret was the likely fix).
#[derive(Debug, Clone, Default)]
pub struct ChannelChange {
    pub name: Option<String>,
    pub url: Option<String>,
    pub secret: Patch<String>,
    pub locale: Option<Locale>,
    pub schedule_ids: Option<Vec<String>>,
    pub department_ids: Option<Vec<String>>,
}

/// The ids stored as a JSON array.
pub fn ids(raw: &str) -> Vec<String> {
    serde_json::from_str(raw).unwrap_or_default()
}

fn ids_json(ids: &[String]) -> String {
    serde_json::Value::from(ids.to_vec()).to_string()
}

/// The schedules named, each a schedule of `program_id` with digests a group can read
/// (a leadership digest is for leadership's inbox).
async fn checked_schedules(ctx: &Ctx, program_id: &str, raw: &[String]) -> AppResult<Vec<String>> {
    let mut ids = Vec::with_capacity(raw.len());
    for (i, r) in raw.iter().enumerate() {
        let id = parse_id(&format!("schedule_ids[{i}]"), r)?;
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    let found: Vec<schedule::Model> = schedule::Entity::find()
        .filter(schedule::Column::Id.is_in(ids.clone()))
        .filter(schedule::Column::ProgramId.eq(program_id))
        .all(&ctx.db)
        .await?;
    for (i, id) in ids.iter().enumerate() {
        match found.iter().find(|s| &s.id == id) {
            None => {
                return Err(FieldError::new(
                    format!("schedule_ids[{i}]"),
                    "no schedule of this program with this id",
                )
                .into());
            }
            Some(s) if *s.kind == ScheduleKind::LeadershipDigest => {
                return Err(FieldError::new(
                    format!("schedule_ids[{i}]"),
                    "a leadership digest goes to its readers' mail, not to a group chat",
                )
                .into());
            }
            Some(_) => {}
        }
    }
    Ok(ids)
}

async fn checked_departments(ctx: &Ctx, raw: &[String]) -> AppResult<Vec<String>> {
    let mut ids = Vec::with_capacity(raw.len());
    for (i, r) in raw.iter().enumerate() {
        let id = parse_id(&format!("department_ids[{i}]"), r)?;
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    let found: HashSet<String> = department::Entity::find()
        .filter(department::Column::Id.is_in(ids.clone()))
        .all(&ctx.db)
        .await?
        .into_iter()
        .map(|d| d.id)
        .collect();
    if let Some(i) = ids.iter().position(|id| !found.contains(id)) {
        return Err(
            FieldError::new(format!("department_ids[{i}]"), "no department with this id").into(),
        );
    }
    Ok(ids)
}

fn checked_secret(kind: ChannelKind, secret: &str) -> Result<String, FieldError> {
    let secret = secret.trim();
    if !kind.signs() {
        return Err(FieldError::new(
            "secret",
            format!("{} robots do not sign; leave the secret out", kind.as_str()),
        ));
    }
    if secret.is_empty() || secret.chars().count() > limits::SECRET {
        return Err(FieldError::new(
            "secret",
            format!("must be 1 to {} characters", limits::SECRET),
        ));
    }
    Ok(secret.to_owned())
}

/// Creates a channel of program `program_id`.
pub async fn create(
    ctx: &Ctx,
    actor: &Actor,
    program_id: &str,
    new: NewChannel,
) -> AppResult<crate::store::channel::Model> {
    authorize(actor, Action::ManageSchedules, Target::Anything)?;
    let program = load::<program::Entity>(&ctx.db, "program", program_id).await?;
    let mut invalid = Invalid::default();
    let name = invalid.check(Name::parse(&new.name)).map(Name::into_inner);
    let url = invalid.check(checked_url(ctx, &new.url));
    let secret = match &new.secret {
        Some(s) => invalid.check(checked_secret(new.kind, s)).map(Some),
        None => Some(None),
    };
    invalid.into_result()?;
    let schedule_ids = checked_schedules(ctx, &program.id, &new.schedule_ids).await?;
    let department_ids = checked_departments(ctx, &new.department_ids).await?;
    let now = ctx.now();
    let model = crate::store::channel::Model {
        id: new_id(),
        program_id: program.id,
        kind: new.kind.into(),
        name: name.unwrap_or_default(),
        url: url.unwrap_or_default(),
        secret: secret.flatten(),
        locale: new.locale.unwrap_or_default().as_str().to_owned(),
        schedule_ids: ids_json(&schedule_ids),
        department_ids: ids_json(&department_ids),
        state: HookState::Active.into(),
        last_error: None,
        version: 1,
        created_at: now,
        updated_at: now,
    };
    versioned::create::<crate::store::channel::Entity>(&ctx.db, &actor.person_id, now, &model)
        .await?;
    Ok(model)
}

/// One page of program `program_id`'s channels, oldest first.
pub async fn list(
    ctx: &Ctx,
    actor: &Actor,
    program_id: &str,
    page: &Page,
) -> AppResult<(Vec<crate::store::channel::Model>, Option<String>)> {
    authorize(actor, Action::ManageSchedules, Target::Anything)?;
    let program = load::<program::Entity>(&ctx.read, "program", program_id).await?;
    let select = crate::store::channel::Entity::find()
        .filter(crate::store::channel::Column::ProgramId.eq(&program.id));
    let rows = page
        .apply(select, crate::store::channel::Column::Id)
        .all(&ctx.read)
        .await?;
    Ok(page.finish(rows, |r| &r.id))
}

/// Channel `id`.
pub async fn get(ctx: &Ctx, actor: &Actor, id: &str) -> AppResult<crate::store::channel::Model> {
    authorize(actor, Action::ManageSchedules, Target::Anything)?;
    load::<crate::store::channel::Entity>(&ctx.read, "channel", id).await
}

/// Changes channel `id`.
pub async fn change(
    ctx: &Ctx,
    actor: &Actor,
    id: &str,
    expected: &Expect,
    change: ChannelChange,
) -> AppResult<crate::store::channel::Model> {
    authorize(actor, Action::ManageSchedules, Target::Anything)?;
    let before = load::<crate::store::channel::Entity>(&ctx.db, "channel", id).await?;
    expected.check(before.version)?;
    let mut after = before.clone();
    let mut invalid = Invalid::default();
    if let Some(n) = change
        .name
        .as_deref()
        .and_then(|n| invalid.check(Name::parse(n)))
    {
        after.name = n.into_inner();
    }
    if let Some(u) = change
        .url
        .as_deref()
        .and_then(|u| invalid.check(checked_url(ctx, u)))
    {
        after.url = u;
    }
    match &change.secret {
        Patch::Keep => {}
        Patch::Clear => after.secret = None,
        Patch::Set(s) => {
            if let Some(s) = invalid.check(checked_secret(*before.kind, s)) {
                after.secret = Some(s);
            }
        }
    }
    invalid.into_result()?;
    if let Some(locale) = change.locale {
        after.locale = locale.as_str().to_owned();
    }
    if let Some(raw) = &change.schedule_ids {
        after.schedule_ids = ids_json(&checked_schedules(ctx, &before.program_id, raw).await?);
    }
    if let Some(raw) = &change.department_ids {
        after.department_ids = ids_json(&checked_departments(ctx, raw).await?);
    }
    // A change is the likely fix of a broken channel. The secret is never in the
    // audit entry; a change of it alone is still a change, recorded as one.
    after.state = HookState::Active.into();
    after.last_error = None;
    versioned::update::<crate::store::channel::Entity>(
        &ctx.db,
        &actor.person_id,
        ctx.now(),
        &before,
        after,
    )
    .await
}

/// Deletes channel `id` and its delivery log.
pub async fn delete(ctx: &Ctx, actor: &Actor, id: &str, expected: &Expect) -> AppResult<()> {
    authorize(actor, Action::ManageSchedules, Target::Anything)?;
    let before = load::<crate::store::channel::Entity>(&ctx.db, "channel", id).await?;
    expected.check(before.version)?;
    let txn = crate::store::begin(&ctx.db).await?;
    delivery::Entity::delete_many()
        .filter(delivery::Column::ChannelId.eq(&before.id))
        .exec(&txn)
        .await?;
    versioned::delete_in::<crate::store::channel::Entity, _>(
        &txn,
        &actor.person_id,
        ctx.now(),
        &before,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// One page of a channel's or webhook's deliveries, oldest first.
pub async fn deliveries_of(
    ctx: &Ctx,
    column: delivery::Column,
    id: &str,
    page: &Page,
) -> AppResult<(Vec<delivery::Model>, Option<String>)> {
    let select = delivery::Entity::find().filter(column.eq(id));
    let rows = page
        .apply(select, delivery::Column::Id)
        .all(&ctx.read)
        .await?;
    Ok(page.finish(rows, |r| &r.id))
}

/// One page of channel `id`'s deliveries.
pub async fn deliveries(
    ctx: &Ctx,
    actor: &Actor,
    id: &str,
    page: &Page,
) -> AppResult<(Vec<delivery::Model>, Option<String>)> {
    let channel = get(ctx, actor, id).await?;
    deliveries_of(ctx, delivery::Column::ChannelId, &channel.id, page).await
}
