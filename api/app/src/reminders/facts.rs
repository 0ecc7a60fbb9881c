//! The facts each kind of schedule plans from, gathered from the database and put
//! in the domain's terms — due actions, kept plans and key points, feedback loops —
//! with what a mail line says of each item ([`About`]). The domain plans the digests.

use std::collections::{HashMap, HashSet};

use cxpm_domain::reminder::{
    Cadenced, Digest, DueAction, Kept, ScheduleKind, Timing, measurement_digests, overdue_digests,
    stale_digests, upcoming_digests,
};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use super::MAX_LINES;
use super::plan::Setting;
use super::queries;
use crate::store::plan;
use crate::{AppResult, Ctx};

/// What a mail line says of an item: its title, where it belongs, its link.
#[derive(Debug, Clone, Default)]
pub(super) struct About {
    pub title: String,
    pub context: String,
    pub link: String,
    /// A plan's feedback is due since this cadence tick (its day in the schedule's zone).
    pub feedback_due: Option<chrono::NaiveDate>,
    /// The department it belongs to (a chat channel lists only its departments').
    pub department_id: String,
}

/// The digests a schedule plans, and what each of their items is.
pub(super) type Planned = (Vec<Digest>, HashMap<String, About>);

/// Open actions coming due (within the look-ahead) or overdue (escalating).
pub(super) async fn due(ctx: &Ctx, s: &Setting<'_>) -> AppResult<Planned> {
    let actions = queries::due_actions(&ctx.db, &s.program.id).await?;
    let due: Vec<DueAction> = actions
        .iter()
        .map(|a| DueAction {
            id: a.id.clone(),
            department_id: a.department_id.clone(),
            owner_id: s.active(&a.owner_id),
            due_date: a.due_date,
        })
        .collect();
    let p = &s.params;
    let digests = if s.kind == ScheduleKind::Overdue {
        overdue_digests(&due, s.today, p.escalate_after_days, &s.ladder)
    } else {
        upcoming_digests(&due, s.today, p.look_ahead_days, &s.ladder)
    };
    // Only the lines the mails will list need their words.
    let shown: HashSet<&str> = digests
        .iter()
        .flat_map(|d| d.items.iter().take(MAX_LINES))
        .map(|i| i.item_id.as_str())
        .collect();
    let plans: HashMap<String, String> = plan::Entity::find()
        .filter(plan::Column::ProgramId.eq(&s.program.id))
        .all(&ctx.db)
        .await?
        .into_iter()
        .map(|p| (p.id, p.title))
        .collect();
    let about = actions
        .iter()
        .filter(|a| s.wide || shown.contains(a.id.as_str()))
        .map(|a| {
            let plan = plans.get(&a.plan_id).map(String::as_str).unwrap_or("");
            let about = About {
                title: a.title.clone(),
                context: format!("{plan} · {}", s.department_name(&a.department_id)),
                link: s.link(&format!("actions/{}", a.id)),
                feedback_due: None,
                department_id: a.department_id.clone(),
            };
            (a.id.clone(), about)
        })
        .collect();
    Ok((digests, about))
}

/// Active plans nobody has updated for the stale period.
pub(super) async fn stale(ctx: &Ctx, s: &Setting<'_>) -> AppResult<Planned> {
    let rows = queries::active_plans(&ctx.db, &s.program.id).await?;
    let kept: Vec<Kept> = rows
        .iter()
        .map(|p| Kept {
            id: p.id.clone(),
            department_id: p.department_id.clone(),
            owner_id: s.active(&p.owner_id),
            last: [Some(p.updated_at), p.steps_changed, p.actions_changed]
                .into_iter()
                .flatten()
                .max()
                .map(|t| s.day(t)),
            since: s.day(p.created_at),
        })
        .collect();
    let about = rows
        .iter()
        .map(|p| {
            let about = About {
                title: p.title.clone(),
                context: s.department_name(&p.department_id),
                link: s.link(&format!("plans/{}", p.id)),
                feedback_due: None,
                department_id: p.department_id.clone(),
            };
            (p.id.clone(), about)
        })
        .collect();
    let digests = stale_digests(&kept, s.today, s.params.stale_after_days, &s.ladder);
    Ok((digests, about))
}

/// Key points not measured for the stale period, and plans whose feedback cadence
/// has ticked with no measurement since.
pub(super) async fn measurement(ctx: &Ctx, s: &Setting<'_>) -> AppResult<Planned> {
    let points = queries::measured_points(&ctx.db, &s.program.id).await?;
    let kept: Vec<Kept> = points
        .iter()
        .map(|k| Kept {
            id: k.id.clone(),
            department_id: k.provider_department_id.clone(),
            owner_id: s.active(&k.provider_person_id),
            last: k.last_period_end,
            since: s.day(k.created_at),
        })
        .collect();
    let mut about: HashMap<String, About> = points
        .iter()
        .map(|k| {
            let about = About {
                title: k.name.clone(),
                context: s.department_name(&k.provider_department_id),
                link: s.link(&format!("key-points/{}", k.id)),
                feedback_due: None,
                department_id: k.provider_department_id.clone(),
            };
            (k.id.clone(), about)
        })
        .collect();
    let cadenced = feedback_loops(ctx, s, &mut about).await?;
    let digests = measurement_digests(
        &kept,
        &cadenced,
        s.fired_at,
        s.today,
        s.params.stale_after_days,
        &s.ladder,
    );
    Ok((digests, about))
}

/// The plans with a feedback cadence; those whose feedback is due get their line.
async fn feedback_loops(
    ctx: &Ctx,
    s: &Setting<'_>,
    about: &mut HashMap<String, About>,
) -> AppResult<Vec<Cadenced>> {
    let loops = queries::feedback_loops(&ctx.db, &s.program.id).await?;
    let mut cadenced = Vec::with_capacity(loops.len());
    for p in loops {
        // Checked when it was set; a cadence that no longer reads (a zone retired
        // from the time-zone database) asks for nothing.
        let Ok(cadence) = Timing::parse(&p.cadence_cron, &p.cadence_time_zone) else {
            continue;
        };
        let c = Cadenced {
            id: p.id.clone(),
            department_id: p.department_id.clone(),
            owner_id: s.active(&p.owner_id),
            cadence,
            since: p.cycle_started_at,
            last_feedback: p.last_feedback,
        };
        if let Some(tick) = c.due(s.fired_at) {
            let about_plan = About {
                context: s.department_name(&p.department_id),
                link: s.link(&format!("plans/{}", p.id)),
                feedback_due: Some(s.day(tick)),
                department_id: p.department_id.clone(),
                title: p.title,
            };
            about.insert(p.id.clone(), about_plan);
        }
        cadenced.push(c);
    }
    Ok(cadenced)
}
