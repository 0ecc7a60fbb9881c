//! What a schedule's firing posts to the program's chat channels that receive it: one
//! message per channel, listing the firing's items of the channel's departments (all
//! of them when it names none) worst first, in the channel's language and its
//! platform's format — never an empty one.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use cxpm_domain::hooks::HookState;
use cxpm_domain::reminder::{DigestItem, Level, OutboxStatus, ScheduleKind};
use cxpm_domain::values::Locale;
use sea_orm::ActiveValue::Set;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use super::facts::{self, About};
use super::plan::setting;
use super::{Letter, Line, MAX_LINES, Mailroom, Status};
use crate::hooks::channels::ids;
use crate::hooks::platforms;
use crate::store::{channel, delivery, new_id, schedule};
use crate::{AppResult, Ctx};

/// The channel messages firing `sched` at `fired_at` queues, as delivery rows.
pub(super) async fn plan(
    ctx: &Ctx,
    sched: &schedule::Model,
    fired_at: DateTime<Utc>,
    mailroom: &impl Mailroom,
) -> AppResult<Vec<delivery::ActiveModel>> {
    let kind: ScheduleKind = *sched.kind;
    if kind == ScheduleKind::LeadershipDigest {
        return Ok(Vec::new());
    }
    let channels: Vec<channel::Model> = channel::Entity::find()
        .filter(channel::Column::ProgramId.eq(&sched.program_id))
        .filter(channel::Column::State.eq(HookState::Active.as_str()))
        .all(&ctx.db)
        .await?
        .into_iter()
        .filter(|c| ids(&c.schedule_ids).contains(&sched.id))
        .collect();
    if channels.is_empty() {
        return Ok(Vec::new());
    }
    let mut s = setting(ctx, sched, fired_at).await?;
    s.wide = true;
    let (digests, about) = match kind {
        ScheduleKind::Overdue | ScheduleKind::UpcomingDue => facts::due(ctx, &s).await?,
        ScheduleKind::StalePlans => facts::stale(ctx, &s).await?,
        _ => facts::measurement(ctx, &s).await?,
    };
    // Each item once, whoever's digest it is in.
    let mut items: HashMap<String, DigestItem> = HashMap::new();
    for item in digests.into_iter().flat_map(|d| d.items) {
        items.entry(item.item_id.clone()).or_insert(item);
    }
    let mut items: Vec<(DigestItem, About)> = items
        .into_values()
        .filter_map(|i| about.get(&i.item_id).cloned().map(|a| (i, a)))
        .collect();
    items.sort_by(|(a, x), (b, y)| b.days_late.cmp(&a.days_late).then(x.title.cmp(&y.title)));
    let rest_link = match kind {
        ScheduleKind::MeasurementRequest => s.report("gaps"),
        _ => s.report("progress"),
    };
    let now = ctx.now();
    let mut rows = Vec::new();
    for c in channels {
        let departments = ids(&c.department_ids);
        let mine: Vec<&(DigestItem, About)> = items
            .iter()
            .filter(|(_, a)| departments.is_empty() || departments.contains(&a.department_id))
            .collect();
        if mine.is_empty() {
            continue;
        }
        let locale = Locale::parse(&c.locale).unwrap_or_default();
        let lines = mine
            .iter()
            .take(MAX_LINES)
            .map(|(item, about)| Line {
                title: about.title.clone(),
                context: about.context.clone(),
                status: match about.feedback_due {
                    Some(since) => Status::FeedbackDue {
                        since,
                        level: Level::Owner,
                    },
                    None => Status::Days {
                        days: item.days_late,
                        level: Level::Owner,
                    },
                },
                link: about.link.clone(),
            })
            .collect();
        let letter = Letter {
            kind,
            locale,
            reader: c.name.clone(),
            program: s.program.name.clone(),
            lines,
            total: mine.len(),
            rest_link: rest_link.clone(),
            rhythm: super::plan::rhythm(sched, locale),
        };
        let chat = mailroom.render_chat(&letter)?;
        let body = platforms::body(*c.kind, locale.as_str(), &chat);
        rows.push(delivery::ActiveModel {
            id: Set(new_id()),
            program_id: Set(c.program_id.clone()),
            channel_id: Set(Some(c.id.clone())),
            webhook_id: Set(None),
            event: Set(format!("digest.{}", kind.as_str())),
            dedupe_key: Set(format!(
                "channel:{}:{}:{}",
                c.id,
                sched.id,
                fired_at.timestamp()
            )),
            body: Set(body.to_string()),
            status: Set(OutboxStatus::Pending.into()),
            attempts: Set(0),
            next_attempt_at: Set(now),
            last_error: Set(None),
            last_status: Set(None),
            sent_at: Set(None),
            created_at: Set(now),
        });
    }
    Ok(rows)
}
