//! What a schedule's firing would mail: the domain plans the digests
//! ([`cxpm_domain::reminder`]), this module gathers the facts from the database and
//! writes each digest as a mail in its reader's language ([`crate::mail`]).
//!
//! Inactive people are missing rungs: their items go to the next person up.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};
use cxpm_domain::reminder::{
    Cadenced, Digest, DueAction, Kept, Ladder, Level, OutboxStatus, ScheduleKind, Timing,
    dedupe_key, measurement_digests, message_id, overdue_digests, stale_digests, upcoming_digests,
};
use cxpm_domain::values::{Locale, TimeZone};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Statement, TransactionTrait, Value,
};

use crate::app::AppState;
use crate::db::summaries::placeholders;
use crate::db::{department, person, plan, program, schedule};
use crate::error::{ApiError, ApiResult};
use crate::http::reports::aggregates;
use crate::mail::{self, Line};

/// One mail a firing would send.
#[derive(Debug, Clone)]
pub struct PlannedMail {
    pub recipient_id: String,
    pub to_address: String,
    pub locale: Locale,
    pub subject: String,
    pub text: String,
    pub html: String,
    /// The ids of the actions, plans, key points or gap lines it is about.
    pub items: Vec<String>,
    pub dedupe_key: String,
    pub message_id: String,
}

/// What a firing did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fired {
    /// Mails the firing planned.
    pub planned: usize,
    /// Of those, newly queued: a tick fired twice queues nothing the second time.
    pub queued: usize,
}

/// Fires `sched` for the tick `fired_at`: plans its mails and, in one transaction,
/// queues each in the outbox (a mail whose dedupe key is already there is not
/// queued again), notes the firing on the schedule and in the audit trail. `actor`
/// is the person who ran it by hand, `None` for the scheduler.
pub async fn fire(
    state: &AppState,
    sched: &schedule::Model,
    fired_at: DateTime<Utc>,
    actor: Option<&str>,
) -> ApiResult<Fired> {
    fire_claimed(state, sched, fired_at, actor, None)
        .await
        .map(|fired| {
            fired.unwrap_or(Fired {
                planned: 0,
                queued: 0,
            })
        })
}

/// The scheduler's firing of a due tick: the claim — moving the schedule's next fire
/// time from `fired_at` to `next` only if it still is `fired_at` — and the queuing
/// happen in one transaction, so that of several replicas exactly one fires the tick
/// and a crash leaves the tick either wholly fired or still due. `None` when another
/// replica had it.
pub async fn fire_due(
    state: &AppState,
    sched: &schedule::Model,
    fired_at: DateTime<Utc>,
    next: Option<DateTime<Utc>>,
) -> ApiResult<Option<Fired>> {
    fire_claimed(state, sched, fired_at, None, Some(next)).await
}

async fn fire_claimed(
    state: &AppState,
    sched: &schedule::Model,
    fired_at: DateTime<Utc>,
    actor: Option<&str>,
    claim: Option<Option<DateTime<Utc>>>,
) -> ApiResult<Option<Fired>> {
    let started = std::time::Instant::now();
    let mails = plan(state, sched, fired_at).await?;
    let planned_in = started.elapsed();
    let txn = state.db.begin().await?;
    let claimed = match claim {
        Some(next) => {
            schedule::Entity::update_many()
                .col_expr(schedule::Column::LastFiredAt, Expr::value(Some(fired_at)))
                .col_expr(schedule::Column::NextFireAt, Expr::value(next))
                .filter(schedule::Column::Id.eq(&sched.id))
                .filter(schedule::Column::Enabled.eq(true))
                .filter(schedule::Column::NextFireAt.eq(fired_at))
                .exec(&txn)
                .await?
                .rows_affected
        }
        None => mark_fired(&txn, &sched.id, fired_at).await?,
    };
    if claimed == 0 {
        return Ok(None);
    }
    let queued = queue(&txn, sched, fired_at, &mails, state.now()).await?;
    crate::audit::record(
        &txn,
        actor,
        "schedule",
        &sched.id,
        crate::audit::Change::Fire,
        None::<&()>,
        Some(&serde_json::json!({
            "fired_at": fired_at.to_rfc3339(),
            "planned": mails.len(),
            "queued": queued,
        })),
    )
    .await?;
    txn.commit().await?;
    tracing::info!(
        schedule = %sched.id,
        fired_at = %fired_at.to_rfc3339(),
        planned = mails.len(),
        queued,
        plan_ms = planned_in.as_millis() as u64,
        total_ms = started.elapsed().as_millis() as u64,
        "schedule fired"
    );
    Ok(Some(Fired {
        planned: mails.len(),
        queued,
    }))
}

/// Notes a firing by hand on the schedule: its last tick. The schedule's version
/// stays: firing is not an edit, and an editor's If-Match must keep matching.
async fn mark_fired<C: ConnectionTrait>(
    conn: &C,
    schedule_id: &str,
    fired_at: DateTime<Utc>,
) -> Result<u64, sea_orm::DbErr> {
    Ok(schedule::Entity::update_many()
        .col_expr(schedule::Column::LastFiredAt, Expr::value(Some(fired_at)))
        .filter(schedule::Column::Id.eq(schedule_id))
        .exec(conn)
        .await?
        .rows_affected)
}

/// Mails written per `INSERT`: 16 values each, well under SQLite's and PostgreSQL's
/// limits on bound values.
const QUEUE_CHUNK: usize = 200;

/// Writes the planned mails to the outbox, many rows per statement; returns how many
/// were new.
async fn queue<C: ConnectionTrait>(
    conn: &C,
    sched: &schedule::Model,
    fired_at: DateTime<Utc>,
    mails: &[PlannedMail],
    now: DateTime<Utc>,
) -> Result<usize, sea_orm::DbErr> {
    let backend = conn.get_database_backend();
    let mut queued = 0;
    for chunk in mails.chunks(QUEUE_CHUNK) {
        let rows =
            vec!["(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, NULL, NULL, ?)"; chunk.len()];
        let sql = placeholders(
            backend,
            &format!(
                "INSERT INTO outbox (id, program_id, schedule_id, fired_at, recipient_id,
                     to_address, locale, dedupe_key, message_id, subject, body_text, body_html,
                     items, status, attempts, next_attempt_at, last_error, sent_at, created_at)
                 VALUES {}
                 ON CONFLICT (dedupe_key) DO NOTHING",
                rows.join(", ")
            ),
        );
        let mut values: Vec<Value> = Vec::with_capacity(chunk.len() * 16);
        for m in chunk {
            values.extend([
                crate::db::new_id().into(),
                sched.program_id.clone().into(),
                sched.id.clone().into(),
                fired_at.into(),
                m.recipient_id.clone().into(),
                m.to_address.clone().into(),
                m.locale.as_str().into(),
                m.dedupe_key.clone().into(),
                m.message_id.clone().into(),
                m.subject.clone().into(),
                m.text.clone().into(),
                m.html.clone().into(),
                (m.items.len() as i32).into(),
                OutboxStatus::Pending.as_str().into(),
                now.into(),
                now.into(),
            ]);
        }
        let done = conn
            .execute_raw(Statement::from_sql_and_values(backend, &sql, values))
            .await?;
        queued += done.rows_affected() as usize;
    }
    Ok(queued)
}

/// What a mail line says of an item: its title, where it belongs, its link.
#[derive(Debug, Clone, Default)]
struct About {
    title: String,
    context: String,
    link: String,
    /// A plan's feedback is due since this cadence tick (its day in the schedule's zone).
    feedback_due: Option<NaiveDate>,
}

/// The host part of the public address, for Message-IDs.
fn host(public_url: &str) -> &str {
    let rest = public_url
        .split_once("://")
        .map(|(_, r)| r)
        .unwrap_or(public_url);
    let host = rest.split(['/', ':']).next().unwrap_or("");
    if host.is_empty() { "cxpm.local" } else { host }
}

/// The mails `sched` would send when fired at `fired_at`.
pub async fn plan(
    state: &AppState,
    sched: &schedule::Model,
    fired_at: DateTime<Utc>,
) -> ApiResult<Vec<PlannedMail>> {
    let db = &state.db;
    let kind: ScheduleKind = sched.kind.parse().map_err(|e| ApiError::internal(&e))?;
    let zone = TimeZone::parse(&sched.time_zone).map_err(|e| ApiError::internal(&e))?;
    let today = fired_at.with_timezone(&zone.tz()).date_naive();
    let program = program::Entity::find_by_id(sched.program_id.clone())
        .one(db)
        .await?
        .ok_or_else(|| ApiError::not_found("program", &sched.program_id))?;
    let people: HashMap<String, person::Model> = person::Entity::find()
        .filter(person::Column::Active.eq(true))
        .all(db)
        .await?
        .into_iter()
        .map(|p| (p.id.clone(), p))
        .collect();
    let departments: HashMap<String, department::Model> = department::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|d| (d.id.clone(), d))
        .collect();
    let active = |id: &Option<String>| id.clone().filter(|id| people.contains_key(id));
    let ladder = Ladder {
        heads: departments
            .values()
            .filter_map(|d| active(&d.head_id).map(|h| (d.id.clone(), h)))
            .collect::<BTreeMap<_, _>>(),
        coordinator: active(&program.coordinator_id),
        sponsor: active(&program.sponsor_id),
    };
    let department_name = |id: &str| {
        departments
            .get(id)
            .map(|d| d.name.clone())
            .unwrap_or_default()
    };
    let base = state.public_url.as_ref();
    let params = (
        sched.look_ahead_days.max(0) as u32,
        sched.escalate_after_days.max(1) as u32,
        sched.stale_after_days.max(1) as u32,
    );

    // The digests, and for each item its title, context and link.
    let (digests, about): (Vec<Digest>, HashMap<String, About>) = match kind {
        ScheduleKind::Overdue | ScheduleKind::UpcomingDue => {
            let actions = aggregates::due_actions(db, &program.id).await?;
            let due: Vec<DueAction> = actions
                .iter()
                .map(|a| DueAction {
                    id: a.id.clone(),
                    department_id: a.department_id.clone(),
                    owner_id: active(&a.owner_id),
                    due_date: a.due_date,
                })
                .collect();
            let digests = if kind == ScheduleKind::Overdue {
                overdue_digests(&due, today, params.1, &ladder)
            } else {
                upcoming_digests(&due, today, params.0, &ladder)
            };
            // Only the lines the mails will list need their words.
            let shown: HashSet<&str> = digests
                .iter()
                .flat_map(|d| d.items.iter().take(mail::MAX_LINES))
                .map(|i| i.item_id.as_str())
                .collect();
            let plans: HashMap<String, String> = plan::Entity::find()
                .filter(plan::Column::ProgramId.eq(&program.id))
                .all(db)
                .await?
                .into_iter()
                .map(|p| (p.id, p.title))
                .collect();
            let about = actions
                .iter()
                .filter(|a| shown.contains(a.id.as_str()))
                .map(|a| {
                    let plan = plans.get(&a.plan_id).map(String::as_str).unwrap_or("");
                    (
                        a.id.clone(),
                        About {
                            title: a.title.clone(),
                            context: format!("{plan} · {}", department_name(&a.department_id)),
                            link: format!("{base}/api/v1/actions/{}", a.id),
                            feedback_due: None,
                        },
                    )
                })
                .collect();
            (digests, about)
        }
        ScheduleKind::StalePlans => {
            let rows = aggregates::plan_rows(db, &program.id, today).await?;
            let kept: Vec<Kept> = rows
                .iter()
                .filter(|p| p.status == cxpm_domain::plan::PlanStatus::Active.as_str())
                .map(|p| Kept {
                    id: p.id.clone(),
                    department_id: p.department_id.clone(),
                    owner_id: active(&p.owner_id),
                    last: [Some(p.updated_at), p.steps_changed, p.actions_changed]
                        .into_iter()
                        .flatten()
                        .max()
                        .map(|t| t.with_timezone(&zone.tz()).date_naive()),
                    since: p.created_at.with_timezone(&zone.tz()).date_naive(),
                })
                .collect();
            let about = rows
                .iter()
                .map(|p| {
                    (
                        p.id.clone(),
                        About {
                            title: p.title.clone(),
                            context: department_name(&p.department_id),
                            link: format!("{base}/api/v1/plans/{}", p.id),
                            feedback_due: None,
                        },
                    )
                })
                .collect();
            (stale_digests(&kept, today, params.2, &ladder), about)
        }
        ScheduleKind::MeasurementRequest => {
            let points = aggregates::measured_points(db, &program.id).await?;
            let kept: Vec<Kept> = points
                .iter()
                .map(|k| Kept {
                    id: k.id.clone(),
                    department_id: k.provider_department_id.clone(),
                    owner_id: active(&k.provider_person_id),
                    last: k.last_period_end,
                    since: k.created_at.with_timezone(&zone.tz()).date_naive(),
                })
                .collect();
            let mut about: HashMap<String, About> = points
                .iter()
                .map(|k| {
                    (
                        k.id.clone(),
                        About {
                            title: k.name.clone(),
                            context: department_name(&k.provider_department_id),
                            link: format!("{base}/api/v1/key-points/{}", k.id),
                            feedback_due: None,
                        },
                    )
                })
                .collect();
            let loops = aggregates::feedback_loops(db, &program.id).await?;
            let mut cadenced = Vec::with_capacity(loops.len());
            for p in loops {
                // Checked when it was set; a cadence that no longer reads (a zone
                // retired from the time-zone database) asks for nothing.
                let Ok(cadence) = Timing::parse(&p.cadence_cron, &p.cadence_time_zone) else {
                    continue;
                };
                let c = Cadenced {
                    id: p.id.clone(),
                    department_id: p.department_id.clone(),
                    owner_id: active(&p.owner_id),
                    cadence,
                    since: p.cycle_started_at,
                    last_feedback: p.last_feedback,
                };
                if let Some(tick) = c.due(fired_at) {
                    about.insert(
                        p.id.clone(),
                        About {
                            context: department_name(&p.department_id),
                            link: format!("{base}/api/v1/plans/{}", p.id),
                            feedback_due: Some(tick.with_timezone(&zone.tz()).date_naive()),
                            title: p.title,
                        },
                    );
                }
                cadenced.push(c);
            }
            let digests = measurement_digests(&kept, &cadenced, fired_at, today, params.2, &ladder);
            (digests, about)
        }
        ScheduleKind::LeadershipDigest => {
            return leadership(state, sched, &program, &ladder, &people, fired_at).await;
        }
    };

    let progress = format!(
        "{base}/api/v1/programs/{}/reports/progress?format=html",
        program.id
    );
    let gaps = format!(
        "{base}/api/v1/programs/{}/reports/gaps?format=html",
        program.id
    );
    let mine = format!("{base}/api/v1/me/actions");
    let mut mails = Vec::with_capacity(digests.len());
    for digest in digests {
        let Some(reader) = people.get(&digest.recipient_id) else {
            continue;
        };
        let locale = Locale::parse(&reader.locale).unwrap_or_default();
        let lines: Vec<Line> = digest
            .items
            .iter()
            .take(mail::MAX_LINES)
            .map(|item| {
                let about = about.get(&item.item_id).cloned().unwrap_or_default();
                Line {
                    title: about.title,
                    context: about.context,
                    status: match about.feedback_due {
                        Some(since) => mail::feedback_status(locale, since, item.level),
                        None => mail::status(kind, locale, item.days_late, item.level),
                    },
                    link: about.link,
                }
            })
            .collect();
        // Where the whole list is: a person's own actions, or the program's report.
        let own = digest.items.iter().all(|i| i.level == Level::Owner);
        let rest_link = match kind {
            ScheduleKind::Overdue | ScheduleKind::UpcomingDue if own => &mine,
            ScheduleKind::MeasurementRequest => &gaps,
            _ => &progress,
        };
        let rhythm = rhythm(sched, locale);
        let listing = mail::Listing {
            lines: &lines,
            total: digest.items.len(),
            rest_link,
            rhythm: &rhythm,
        };
        mails.push(planned(
            state,
            sched,
            fired_at,
            reader,
            locale,
            mail::render(kind, locale, &reader.name, &program.name, listing)?,
            digest.items.iter().map(|i| i.item_id.clone()).collect(),
        ));
    }
    Ok(mails)
}

fn planned(
    state: &AppState,
    sched: &schedule::Model,
    fired_at: DateTime<Utc>,
    reader: &person::Model,
    locale: Locale,
    rendered: mail::Rendered,
    items: Vec<String>,
) -> PlannedMail {
    let key = dedupe_key(&sched.id, fired_at, &reader.id);
    PlannedMail {
        recipient_id: reader.id.clone(),
        to_address: reader.email.clone(),
        locale,
        subject: rendered.subject,
        text: rendered.text,
        html: rendered.html,
        items,
        message_id: message_id(&key, host(&state.public_url)),
        dedupe_key: key,
    }
}

/// The leadership digest: the program's worst open gaps, to the readers the schedule
/// names (by default its coordinator and sponsor); nothing when every gap is met.
async fn leadership(
    state: &AppState,
    sched: &schedule::Model,
    program: &program::Model,
    ladder: &Ladder,
    people: &HashMap<String, person::Model>,
    fired_at: DateTime<Utc>,
) -> ApiResult<Vec<PlannedMail>> {
    let report = crate::http::reports::build_full_report(state, program).await?;
    let worst: Vec<&crate::http::reports::GapLine> = report
        .lines
        .iter()
        .filter(|l| l.severity > crate::http::reports::SeverityName::Met)
        .take(10)
        .collect();
    if worst.is_empty() {
        return Ok(Vec::new());
    }
    let base = state.public_url.as_ref();
    let link = format!(
        "{base}/api/v1/programs/{}/reports/gaps?format=html",
        program.id
    );
    let team: Vec<(String, cxpm_domain::program::TeamRole)> = crate::db::member::Entity::find()
        .filter(crate::db::member::Column::ProgramId.eq(&program.id))
        .all(&state.db)
        .await?
        .into_iter()
        .filter_map(|m| Some((m.person_id, m.team_role.parse().ok()?)))
        .collect();
    let team: Vec<(&str, cxpm_domain::program::TeamRole)> =
        team.iter().map(|(p, r)| (p.as_str(), *r)).collect();
    let mut everyone: Vec<(&str, cxpm_domain::Role)> = people
        .values()
        .filter_map(|p| Some((p.id.as_str(), p.role.parse().ok()?)))
        .collect();
    everyone.sort_unstable_by_key(|(id, _)| *id);
    let readers = cxpm_app::reminders::schedules::stored_readers(&sched.readers).select(
        &everyone,
        &team,
        &[ladder.coordinator.as_deref(), ladder.sponsor.as_deref()],
    );
    let mut mails = Vec::new();
    for id in readers {
        let Some(reader) = people.get(id) else {
            continue;
        };
        let locale = Locale::parse(&reader.locale).unwrap_or_default();
        let t = crate::http::reports::labels::labels(locale);
        let lines: Vec<Line> = worst
            .iter()
            .map(|l| Line {
                title: l.name.clone(),
                context: [l.department_name.as_deref(), l.owner_name.as_deref()]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(" · "),
                status: format!(
                    "{}: {} {}{}",
                    crate::http::reports::html::severity_label(t, l.severity),
                    t.gap,
                    crate::http::reports::html::num(l.gap),
                    l.relative_gap
                        .map(|r| format!(" ({:.1} %)", r * 100.0))
                        .unwrap_or_default()
                ),
                link: link.clone(),
            })
            .collect();
        mails.push(planned(
            state,
            sched,
            fired_at,
            reader,
            locale,
            mail::render(
                ScheduleKind::LeadershipDigest,
                locale,
                &reader.name,
                &program.name,
                mail::Listing {
                    lines: &lines,
                    total: lines.len(),
                    rest_link: &link,
                    rhythm: &rhythm(sched, locale),
                },
            )?,
            worst.iter().map(|l| l.id.clone()).collect(),
        ));
    }
    Ok(mails)
}

/// When `sched` fires, in plain words in `locale`.
fn rhythm(sched: &schedule::Model, locale: Locale) -> String {
    Timing::parse(&sched.cron, &sched.time_zone)
        .map(|t| t.describe(locale))
        .unwrap_or_else(|_| format!("{} {}", sched.cron, sched.time_zone))
}

#[cfg(test)]
mod tests {
    use super::host;

    #[test]
    fn message_ids_use_the_public_host() {
        assert_eq!(host("https://cx.example.com/app"), "cx.example.com");
        assert_eq!(host("http://127.0.0.1:8080"), "127.0.0.1");
        assert_eq!(host(""), "cxpm.local");
    }
}
