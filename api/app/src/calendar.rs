//! Calendar feeds (issue 18, item 3): a person's due actions — or their department's —
//! as a calendar their calendar app subscribes to, at an address whose secret is the
//! feed's own (calendar apps cannot send a bearer token): made and revoked by the
//! person, each change audited, the secret stored only as its SHA-256.
//!
//! A feed reads: every action with a due date (the person's own, or the department's)
//! as one all-day event, and the feedback ticks of the plans the person owns (their
//! next few dates). What the events say in words is the front's.

use std::collections::HashMap;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use cxpm_domain::plan::ActionStatus;
use cxpm_domain::reminder::Timing;
use cxpm_domain::values::Locale;
use cxpm_domain::{Actor, Role};
use rand::RngCore;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};

use crate::directory::tokens::hash_token;
use crate::store::audit::{self, Change};
use crate::store::{action, calendar_feed, department, new_id, person, plan, unique};
use crate::{AppError, AppResult, Ctx};

/// How far back a feed keeps actions that were due (a calendar forgets nothing, but
/// a feed need not carry years).
const PAST_DAYS: i64 = 180;
/// How many of a plan's next feedback ticks a feed carries.
const TICKS: usize = 6;

/// A new feed's secret: `cxcal_` and 64 hex digits.
fn new_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("cxcal_{hex}")
}

/// A feed as its owner's list shows it.
#[derive(Debug, Clone)]
pub struct FeedLine {
    pub feed: calendar_feed::Model,
    /// The department's name, for a department's feed.
    pub department: Option<department::Model>,
}

/// Makes a feed of the actor's own actions, or (`department_id`) of a department's —
/// their own department, or any for those who read every program (coordinators,
/// executives, admins). The secret is in the address returned, shown this once.
pub async fn create(
    ctx: &Ctx,
    actor: &Actor,
    department_id: Option<&str>,
) -> AppResult<(calendar_feed::Model, String)> {
    let me = unique(person::Entity::find_by_id(&actor.person_id), &ctx.db)
        .await?
        .ok_or_else(|| AppError::not_found("person", &actor.person_id))?;
    if let Some(dept) = department_id {
        let may = me.department_id.as_deref() == Some(dept)
            || matches!(
                actor.role,
                Role::Admin | Role::Coordinator | Role::Executive
            );
        if !may {
            return Err(AppError::Forbidden(
                "a department's calendar is its members' (and coordinators')".into(),
            ));
        }
        unique(department::Entity::find_by_id(dept), &ctx.db)
            .await?
            .ok_or_else(|| AppError::not_found("department", dept))?;
    }
    let secret = new_secret();
    let now = ctx.now();
    let model = calendar_feed::Model {
        id: new_id(),
        person_id: me.id.clone(),
        department_id: department_id.map(str::to_owned),
        token_hash: hash_token(&secret),
        created_at: now,
        last_read_at: None,
        revoked_at: None,
    };
    let txn = crate::store::begin(&ctx.db).await?;
    calendar_feed::Entity::insert(calendar_feed::ActiveModel::from(model.clone()))
        .exec_without_returning(&txn)
        .await?;
    audit::record(
        &txn,
        Some(&actor.person_id),
        now,
        "calendar_feed",
        &model.id,
        Change::Create,
        None::<&calendar_feed::Model>,
        Some(&model),
    )
    .await?;
    txn.commit().await?;
    Ok((model, secret))
}

/// The actor's feeds, newest first, revoked ones included.
pub async fn mine(ctx: &Ctx, actor: &Actor) -> AppResult<Vec<FeedLine>> {
    let feeds = calendar_feed::Entity::find()
        .filter(calendar_feed::Column::PersonId.eq(&actor.person_id))
        .order_by_desc(calendar_feed::Column::Id)
        .all(&ctx.read)
        .await?;
    let ids: Vec<&str> = feeds
        .iter()
        .filter_map(|f| f.department_id.as_deref())
        .collect();
    let departments: HashMap<String, department::Model> = department::Entity::find()
        .filter(department::Column::Id.is_in(ids))
        .all(&ctx.read)
        .await?
        .into_iter()
        .map(|d| (d.id.clone(), d))
        .collect();
    Ok(feeds
        .into_iter()
        .map(|feed| FeedLine {
            department: feed
                .department_id
                .as_ref()
                .and_then(|d| departments.get(d).cloned()),
            feed,
        })
        .collect())
}

/// Revokes feed `id`: the actor's own (an admin: anyone's). Revoking twice changes
/// nothing.
pub async fn revoke(ctx: &Ctx, actor: &Actor, id: &str) -> AppResult<()> {
    let before = unique(calendar_feed::Entity::find_by_id(id), &ctx.db)
        .await?
        .ok_or_else(|| AppError::not_found("calendar feed", id))?;
    if before.person_id != actor.person_id && actor.role != Role::Admin {
        return Err(AppError::not_found("calendar feed", id));
    }
    if before.revoked_at.is_some() {
        return Ok(());
    }
    let now = ctx.now();
    let mut after = before.clone();
    after.revoked_at = Some(now);
    let txn = crate::store::begin(&ctx.db).await?;
    calendar_feed::Entity::update_many()
        .set(calendar_feed::ActiveModel {
            revoked_at: Set(Some(now)),
            ..Default::default()
        })
        .filter(calendar_feed::Column::Id.eq(id))
        .filter(calendar_feed::Column::RevokedAt.is_null())
        .exec(&txn)
        .await?;
    audit::record(
        &txn,
        Some(&actor.person_id),
        now,
        "calendar_feed",
        id,
        Change::Revoke,
        Some(&before),
        Some(&after),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// One event of a feed.
#[derive(Debug, Clone)]
pub struct FeedEvent {
    /// Stable across reads and changes: a calendar app updates the event it has.
    pub uid: String,
    pub day: NaiveDate,
    pub what: FeedItem,
    /// Raised on each change of what it shows.
    pub sequence: i32,
    pub changed_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub enum FeedItem {
    /// An action due that day.
    Action {
        action: action::Model,
        plan_title: String,
    },
    /// A plan's feedback tick: its owner asks the customers or records what they say.
    FeedbackTick { plan: plan::Model },
}

/// A feed as its calendar reads it.
#[derive(Debug, Clone)]
pub struct Feed {
    /// The person whose feed it is (its words are in their language).
    pub person: person::Model,
    pub locale: Locale,
    pub department: Option<department::Model>,
    pub events: Vec<FeedEvent>,
}

/// The feed whose secret is `secret`; none when there is no such feed, it was
/// revoked, or its person was deactivated.
pub async fn read(ctx: &Ctx, secret: &str) -> AppResult<Option<Feed>> {
    let Some(feed) = unique(
        calendar_feed::Entity::find()
            .filter(calendar_feed::Column::TokenHash.eq(hash_token(secret)))
            .filter(calendar_feed::Column::RevokedAt.is_null()),
        &ctx.read,
    )
    .await?
    else {
        return Ok(None);
    };
    let Some(owner) = unique(person::Entity::find_by_id(&feed.person_id), &ctx.read)
        .await?
        .filter(|p| p.active)
    else {
        return Ok(None);
    };
    let now = ctx.now();
    let since = now.date_naive() - Duration::days(PAST_DAYS);
    let mut actions = action::Entity::find()
        .filter(action::Column::DueDate.is_not_null())
        .filter(action::Column::DueDate.gte(since));
    actions = match &feed.department_id {
        Some(dept) => actions.filter(action::Column::DepartmentId.eq(dept)),
        None => actions.filter(action::Column::OwnerId.eq(&owner.id)),
    };
    let actions = actions
        .order_by_asc(action::Column::DueDate)
        .order_by_asc(action::Column::Id)
        .all(&ctx.read)
        .await?;
    let plan_ids: Vec<&str> = actions.iter().map(|a| a.plan_id.as_str()).collect();
    let titles: HashMap<String, String> = plan::Entity::find()
        .filter(plan::Column::Id.is_in(plan_ids))
        .all(&ctx.read)
        .await?
        .into_iter()
        .map(|p| (p.id, p.title))
        .collect();
    let mut events: Vec<FeedEvent> = actions
        .into_iter()
        .filter_map(|a| {
            let day = a.due_date?;
            Some(FeedEvent {
                uid: format!("action-{}", a.id),
                day,
                sequence: a.version,
                changed_at: a.updated_at,
                what: FeedItem::Action {
                    plan_title: titles.get(&a.plan_id).cloned().unwrap_or_default(),
                    action: a,
                },
            })
        })
        .collect();
    // The feedback ticks of the plans the person owns (a person's own feed only).
    if feed.department_id.is_none() {
        let plans = plan::Entity::find()
            .filter(plan::Column::OwnerId.eq(&owner.id))
            .filter(plan::Column::CadenceCron.is_not_null())
            .all(&ctx.read)
            .await?;
        for p in plans {
            let (Some(cron), Some(zone)) = (&p.cadence_cron, &p.cadence_time_zone) else {
                continue;
            };
            let Ok(timing) = Timing::parse(cron, zone) else {
                continue;
            };
            for tick in timing.next_after(now, TICKS) {
                let day = tick.date_naive();
                events.push(FeedEvent {
                    uid: format!("plan-{}-{day}", p.id),
                    day,
                    sequence: p.version,
                    changed_at: p.updated_at,
                    what: FeedItem::FeedbackTick { plan: p.clone() },
                });
            }
        }
    }
    // Read at most once an hour is written down: a calendar app polls often.
    if feed
        .last_read_at
        .is_none_or(|at| now - at > Duration::hours(1))
    {
        calendar_feed::Entity::update_many()
            .set(calendar_feed::ActiveModel {
                last_read_at: Set(Some(now)),
                ..Default::default()
            })
            .filter(calendar_feed::Column::Id.eq(&feed.id))
            .exec(&ctx.db)
            .await?;
    }
    let department = match &feed.department_id {
        Some(d) => unique(department::Entity::find_by_id(d), &ctx.read).await?,
        None => None,
    };
    Ok(Some(Feed {
        locale: Locale::parse(&owner.locale).unwrap_or_default(),
        person: owner,
        department,
        events,
    }))
}

/// Whether an action's event is cancelled in the calendar.
pub fn cancelled(a: &action::Model) -> bool {
    *a.status == ActionStatus::Cancelled
}
