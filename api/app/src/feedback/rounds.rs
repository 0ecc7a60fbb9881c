//! Opening, listing, reading and closing feedback rounds.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use cxpm_domain::feedback::{self, PointResult, Respondent, ResponseRate, RoundStatus};
use cxpm_domain::values::Email;
use cxpm_domain::{Action, Actor, FieldError, Invalid, Target, authorize};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};

use super::{Invite, MailKind, WriteInvite, closing, department_name, points_of, queue_mail};
use crate::store::audit::{self, Change};
use crate::store::{
    feedback_comment, feedback_invitation, feedback_round, key_point, load, new_id, person,
    program, relationship,
};
use crate::{AppError, AppResult, Ctx, Expect};

/// The longest a round may stay open.
pub const MAX_ROUND_DAYS: i64 = 90;

/// Most outside contacts one round may invite.
pub const MAX_EXTERNAL: usize = 500;

/// A round to open.
#[derive(Debug, Clone, Default)]
pub struct OpenRound {
    /// One relationship; none: every relationship of the program that has key points
    /// to rate and no round open.
    pub relationship_id: Option<String>,
    /// When it closes, at the latest.
    pub deadline: Option<DateTime<Utc>>,
    /// The customer department's people to ask; none: all of its active people.
    pub people: Option<Vec<String>>,
    /// Outside contacts to ask by email, each with a personal one-time link.
    pub external_emails: Vec<String>,
    /// Ask the provider department's people for their own rating (the blind spot).
    pub ask_provider: bool,
}

/// A round with its relationship's departments and how many answered.
#[derive(Debug, Clone)]
pub struct Summary {
    pub round: feedback_round::Model,
    pub provider_department_id: String,
    pub customer_department_id: String,
    pub invited: u32,
    pub answered: u32,
}

/// A round's page: its results (hidden below the minimum), comments (likewise) and
/// response rates.
#[derive(Debug, Clone)]
pub struct RoundView {
    pub summary: Summary,
    pub key_points: Vec<key_point::Model>,
    pub results: Vec<PointResult>,
    /// Comments by kind of respondent, shown only when that kind reached the minimum.
    pub comments: Vec<(Respondent, String)>,
    /// By department id (`None`: outside contacts).
    pub rates: BTreeMap<Option<String>, ResponseRate>,
    /// The names of the departments in `rates` and of the relationship's two.
    pub department_names: BTreeMap<String, String>,
    /// May the reader close it now (open, and theirs to run)?
    pub may_close: bool,
}

/// Whether `actor` may run (open, close) rounds on a relationship whose provider is
/// `provider_department_id`.
pub fn may_run(actor: &Actor, provider_department_id: &str) -> bool {
    authorize(
        actor,
        Action::RunFeedbackRounds,
        Target::Department(Some(provider_department_id)),
    )
    .is_ok()
}

/// Opens rounds on program `program_id`: one per relationship asked about, each with
/// its invitations and their mails, in one transaction.
pub async fn open(
    ctx: &Ctx,
    actor: &Actor,
    program_id: &str,
    new: OpenRound,
    write: &dyn WriteInvite,
) -> AppResult<Vec<feedback_round::Model>> {
    let program = load::<program::Entity>(&ctx.db, "program", program_id).await?;
    let now = ctx.now();
    let deadline = new
        .deadline
        .unwrap_or(now + Duration::days(super::CADENCE_ROUND_DAYS));
    let externals = check_opening(now, deadline, &new.external_emails)?;
    let targets = targets(ctx, actor, &program, new.relationship_id.as_deref()).await?;
    let txn = crate::store::begin(&ctx.db).await?;
    let mut opened = Vec::new();
    for rel in targets {
        let chosen = new.people.as_deref();
        let people = invitees(&txn, &rel, chosen, new.ask_provider).await?;
        let plan = Opening {
            program: &program,
            relationship: &rel,
            deadline,
            people,
            externals: &externals,
            ask_provider: new.ask_provider,
            by: Some(&actor.person_id),
        };
        opened.push(open_in(&txn, ctx, plan, write).await?);
    }
    txn.commit().await?;
    Ok(opened)
}

/// The deadline and the outside contacts' addresses, checked.
fn check_opening(
    now: DateTime<Utc>,
    deadline: DateTime<Utc>,
    emails: &[String],
) -> AppResult<Vec<String>> {
    let mut invalid = Invalid::default();
    if deadline <= now + Duration::hours(1) {
        invalid.push(FieldError::new(
            "deadline",
            "must be at least an hour from now",
        ));
    } else if deadline > now + Duration::days(MAX_ROUND_DAYS) {
        invalid.push(FieldError::new(
            "deadline",
            format!("must be within {MAX_ROUND_DAYS} days"),
        ));
    }
    if emails.len() > MAX_EXTERNAL {
        invalid.push(FieldError::new(
            "external_emails",
            format!("at most {MAX_EXTERNAL} addresses"),
        ));
    }
    let mut out: Vec<String> = Vec::new();
    for (i, e) in emails.iter().enumerate() {
        if let Some(email) =
            invalid.check(Email::parse(e).map_err(|e| e.at(format!("external_emails[{i}]"))))
        {
            let email = email.as_str().to_owned();
            if !out.contains(&email) {
                out.push(email);
            }
        }
    }
    invalid.into_result()?;
    Ok(out)
}

/// The relationships a request opens rounds on, each one the actor may ask about.
async fn targets(
    ctx: &Ctx,
    actor: &Actor,
    program: &program::Model,
    relationship_id: Option<&str>,
) -> AppResult<Vec<relationship::Model>> {
    let chosen = match relationship_id {
        Some(id) => {
            let rel = crate::store::referenced::<relationship::Entity>(
                &ctx.db,
                "relationship_id",
                "relationship",
                id,
            )
            .await?;
            if rel.program_id != program.id || rel.archived {
                return Err(FieldError::new(
                    "relationship_id",
                    "is not an active relationship of this program",
                )
                .into());
            }
            vec![rel]
        }
        None => {
            authorize(actor, Action::RunFeedbackRounds, Target::Anything)?;
            relationship::Entity::find()
                .filter(relationship::Column::ProgramId.eq(&program.id))
                .filter(relationship::Column::Archived.eq(false))
                .order_by_asc(relationship::Column::Id)
                .all(&ctx.db)
                .await?
        }
    };
    let one = relationship_id.is_some();
    let mut out = Vec::new();
    for rel in chosen {
        authorize(
            actor,
            Action::RunFeedbackRounds,
            Target::Department(Some(&rel.provider_department_id)),
        )?;
        if points_of(&ctx.db, &rel.id).await?.is_empty() {
            if one {
                return Err(FieldError::new(
                    "relationship_id",
                    "has no key points to rate: choose them first",
                )
                .into());
            }
            continue;
        }
        if open_round_of(&ctx.db, &rel.id).await?.is_some() {
            if one {
                return Err(AppError::conflict(
                    "a round is already open on this relationship",
                    Some("relationship_id"),
                ));
            }
            continue;
        }
        out.push(rel);
    }
    if out.is_empty() {
        return Err(AppError::conflict(
            "no relationship of this program has key points to rate and no round open",
            None,
        ));
    }
    Ok(out)
}

/// The round open on relationship `id`, if any.
pub async fn open_round_of(
    conn: &impl ConnectionTrait,
    relationship_id: &str,
) -> AppResult<Option<feedback_round::Model>> {
    Ok(feedback_round::Entity::find()
        .filter(feedback_round::Column::RelationshipId.eq(relationship_id))
        .filter(feedback_round::Column::Status.eq(RoundStatus::Open.as_str()))
        .one(conn)
        .await?)
}

/// The people a round on `rel` invites: the customer department's active people (or
/// the ones chosen, each checked), and the provider's when it rates itself.
pub(crate) async fn invitees(
    conn: &impl ConnectionTrait,
    rel: &relationship::Model,
    chosen: Option<&[String]>,
    ask_provider: bool,
) -> AppResult<Vec<(Respondent, person::Model)>> {
    let customers = people_of(conn, &rel.customer_department_id).await?;
    let mut out: Vec<(Respondent, person::Model)> = match chosen {
        None => customers
            .into_iter()
            .map(|p| (Respondent::Internal, p))
            .collect(),
        Some(ids) => {
            let mut invalid = Invalid::default();
            let mut picked = Vec::new();
            for (i, id) in ids.iter().enumerate() {
                match customers.iter().find(|p| &p.id == id) {
                    Some(p)
                        if !picked
                            .iter()
                            .any(|(_, q): &(Respondent, person::Model)| q.id == p.id) =>
                    {
                        picked.push((Respondent::Internal, p.clone()))
                    }
                    Some(_) => {}
                    None => invalid.push(FieldError::new(
                        format!("people[{i}]"),
                        "is not an active person of the customer department",
                    )),
                }
            }
            invalid.into_result()?;
            picked
        }
    };
    if ask_provider {
        for p in people_of(conn, &rel.provider_department_id).await? {
            out.push((Respondent::Provider, p));
        }
    }
    Ok(out)
}

async fn people_of(
    conn: &impl ConnectionTrait,
    department_id: &str,
) -> AppResult<Vec<person::Model>> {
    Ok(person::Entity::find()
        .filter(person::Column::DepartmentId.eq(department_id))
        .filter(person::Column::Active.eq(true))
        .order_by_asc(person::Column::Id)
        .all(conn)
        .await?)
}

/// One round to open, its people decided.
pub(crate) struct Opening<'a> {
    pub program: &'a program::Model,
    pub relationship: &'a relationship::Model,
    pub deadline: DateTime<Utc>,
    pub people: Vec<(Respondent, person::Model)>,
    pub externals: &'a [String],
    pub ask_provider: bool,
    /// None: the plan's cadence opened it.
    pub by: Option<&'a str>,
}

/// Opens one round inside the caller's transaction: the round (audited), its
/// invitations, and a mail with a personal link to each.
pub(crate) async fn open_in(
    conn: &impl ConnectionTrait,
    ctx: &Ctx,
    o: Opening<'_>,
    write: &dyn WriteInvite,
) -> AppResult<feedback_round::Model> {
    let now = ctx.now();
    let asked = o
        .people
        .iter()
        .filter(|(r, _)| *r == Respondent::Internal)
        .count();
    if asked + o.externals.len() == 0 {
        return Err(AppError::conflict(
            "nobody to ask: the customer department has no active people and no outside contact was named",
            Some("people"),
        ));
    }
    let round = feedback_round::Model {
        id: new_id(),
        program_id: o.program.id.clone(),
        relationship_id: o.relationship.id.clone(),
        status: RoundStatus::Open.into(),
        ask_provider: o.ask_provider,
        min_respondents: o.program.min_respondents,
        period_start: now.date_naive(),
        deadline: o.deadline,
        opened_by: o.by.map(str::to_owned),
        opened_at: now,
        reminded_at: None,
        closed_at: None,
        measurements: 0,
        version: 1,
        updated_at: now,
    };
    feedback_round::Entity::insert(feedback_round::ActiveModel::from(round.clone()))
        .exec_without_returning(conn)
        .await?;
    audit::record(
        conn,
        o.by,
        now,
        "feedback_round",
        &round.id,
        Change::Create,
        None::<&()>,
        Some(&round),
    )
    .await?;
    let invitations = invitations(&round, &o.people, o.externals, now);
    for chunk in invitations.chunks(500) {
        feedback_invitation::Entity::insert_many(
            chunk
                .iter()
                .cloned()
                .map(feedback_invitation::ActiveModel::from),
        )
        .exec_without_returning(conn)
        .await?;
    }
    let provider = department_name(conn, &o.relationship.provider_department_id).await?;
    let customer = department_name(conn, &o.relationship.customer_department_id).await?;
    let key_points = points_of(conn, &o.relationship.id).await?.len();
    let names: BTreeMap<&str, &str> = o
        .people
        .iter()
        .map(|(_, p)| (p.id.as_str(), p.name.as_str()))
        .collect();
    for inv in &invitations {
        let about = Invite {
            kind: MailKind::Invitation,
            locale: Default::default(),
            name: inv
                .person_id
                .as_deref()
                .and_then(|id| names.get(id).copied()),
            respondent: *inv.respondent,
            provider: &provider,
            customer: &customer,
            key_points,
            deadline: round.deadline,
            url: "",
        };
        queue_mail(conn, ctx, inv, &about, write).await?;
    }
    Ok(round)
}

fn invitations(
    round: &feedback_round::Model,
    people: &[(Respondent, person::Model)],
    externals: &[String],
    now: DateTime<Utc>,
) -> Vec<feedback_invitation::Model> {
    let mut out: Vec<feedback_invitation::Model> = Vec::new();
    let invite =
        |respondent: Respondent, person: Option<&person::Model>, email: &str, locale: &str| {
            feedback_invitation::Model {
                id: new_id(),
                round_id: round.id.clone(),
                respondent: respondent.into(),
                person_id: person.map(|p| p.id.clone()),
                department_id: person.and_then(|p| p.department_id.clone()),
                email: email.to_owned(),
                locale: locale.to_owned(),
                invited_at: now,
                answered_at: None,
            }
        };
    for (who, p) in people {
        if !out.iter().any(|i| i.email == p.email) {
            out.push(invite(*who, Some(p), &p.email, &p.locale));
        }
    }
    for email in externals {
        if !out.iter().any(|i| &i.email == email) {
            out.push(invite(Respondent::External, None, email, "en"));
        }
    }
    out
}

/// A program's rounds, newest first, with how many answered.
pub async fn list(ctx: &Ctx, actor: &Actor, program_id: &str) -> AppResult<Vec<Summary>> {
    authorize(actor, Action::ReadPrograms, Target::Anything)?;
    load::<program::Entity>(&ctx.read, "program", program_id).await?;
    let rounds = feedback_round::Entity::find()
        .filter(feedback_round::Column::ProgramId.eq(program_id))
        .order_by_desc(feedback_round::Column::OpenedAt)
        .order_by_desc(feedback_round::Column::Id)
        .all(&ctx.read)
        .await?;
    summaries(&ctx.read, rounds).await
}

/// Rounds with their relationship's departments and their counts: two queries
/// whatever the number of rounds.
pub async fn summaries(
    conn: &impl ConnectionTrait,
    rounds: Vec<feedback_round::Model>,
) -> AppResult<Vec<Summary>> {
    if rounds.is_empty() {
        return Ok(Vec::new());
    }
    let rel_ids: Vec<&str> = rounds.iter().map(|r| r.relationship_id.as_str()).collect();
    let relationships: BTreeMap<String, relationship::Model> = relationship::Entity::find()
        .filter(relationship::Column::Id.is_in(rel_ids))
        .all(conn)
        .await?
        .into_iter()
        .map(|r| (r.id.clone(), r))
        .collect();
    let round_ids: Vec<sea_orm::Value> = rounds.iter().map(|r| r.id.clone().into()).collect();
    let marks = vec!["?"; round_ids.len()].join(", ");
    let counts: Vec<RoundCount> = crate::store::summaries::query(
        conn,
        &format!(
            "SELECT round_id, COUNT(*) AS invited, COUNT(answered_at) AS answered
             FROM feedback_invitations
             WHERE round_id IN ({marks}) AND respondent <> 'provider'
             GROUP BY round_id"
        ),
        round_ids,
    )
    .await?;
    let counts: BTreeMap<String, (u32, u32)> = counts
        .into_iter()
        .map(|c| (c.round_id, (c.invited as u32, c.answered as u32)))
        .collect();
    rounds
        .into_iter()
        .map(|round| {
            let rel = relationships
                .get(&round.relationship_id)
                .ok_or_else(|| AppError::not_found("relationship", &round.relationship_id))?;
            let (invited, answered) = counts.get(&round.id).copied().unwrap_or_default();
            Ok(Summary {
                invited,
                answered,
                provider_department_id: rel.provider_department_id.clone(),
                customer_department_id: rel.customer_department_id.clone(),
                round,
            })
        })
        .collect()
}

#[derive(Debug, sea_orm::FromQueryResult)]
struct RoundCount {
    round_id: String,
    invited: i64,
    answered: i64,
}

pub(crate) async fn invitations_of(
    conn: &impl ConnectionTrait,
    round_id: &str,
) -> AppResult<Vec<feedback_invitation::Model>> {
    Ok(feedback_invitation::Entity::find()
        .filter(feedback_invitation::Column::RoundId.eq(round_id))
        .all(conn)
        .await?)
}

/// Round `id`: its results, comments and response rates.
pub async fn read(ctx: &Ctx, actor: &Actor, id: &str) -> AppResult<RoundView> {
    authorize(actor, Action::ReadPrograms, Target::Anything)?;
    let round = load::<feedback_round::Entity>(&ctx.read, "feedback_round", id).await?;
    let mut view = view(&ctx.read, round).await?;
    let s = &view.summary;
    view.may_close =
        *s.round.status == RoundStatus::Open && may_run(actor, &s.provider_department_id);
    Ok(view)
}

pub(crate) async fn view(
    conn: &impl ConnectionTrait,
    round: feedback_round::Model,
) -> AppResult<RoundView> {
    let min = round.min_respondents.max(1) as u32;
    let invitations = invitations_of(conn, &round.id).await?;
    let rates = feedback::response_rates(
        invitations
            .iter()
            .map(|i| (i.department_id.as_deref(), i.answered_at.is_some())),
    )
    .into_iter()
    .map(|(d, r)| (d.map(str::to_owned), r))
    .collect::<BTreeMap<_, _>>();
    let answered = |who: Respondent| {
        invitations
            .iter()
            .filter(|i| *i.respondent == who && i.answered_at.is_some())
            .count() as u32
    };
    let sums = closing::sums_of(conn, &round.id).await?;
    let results = feedback::results_of(&sums, min);
    let comments = feedback_comment::Entity::find()
        .filter(feedback_comment::Column::RoundId.eq(&round.id))
        .order_by_asc(feedback_comment::Column::Id)
        .all(conn)
        .await?
        .into_iter()
        .filter(|c| answered(*c.respondent) >= min)
        .map(|c| (*c.respondent, c.body))
        .collect();
    let key_points = points_of(conn, &round.relationship_id).await?;
    let summary = summaries(conn, vec![round]).await?.remove(0);
    let mut department_names = BTreeMap::new();
    let ids = rates.keys().flatten().chain([
        &summary.provider_department_id,
        &summary.customer_department_id,
    ]);
    for id in ids {
        if !department_names.contains_key(id) {
            department_names.insert(id.clone(), department_name(conn, id).await?);
        }
    }
    Ok(RoundView {
        summary,
        key_points,
        results,
        comments,
        rates,
        department_names,
        may_close: false,
    })
}

/// Closes round `id` before its deadline, as it stood at the version read: its
/// answers become measurements in the same transaction.
pub async fn close(
    ctx: &Ctx,
    actor: &Actor,
    id: &str,
    expected: &Expect,
) -> AppResult<feedback_round::Model> {
    let round = load::<feedback_round::Entity>(&ctx.db, "feedback_round", id).await?;
    let rel = load::<relationship::Entity>(&ctx.db, "relationship", &round.relationship_id).await?;
    authorize(
        actor,
        Action::RunFeedbackRounds,
        Target::Department(Some(&rel.provider_department_id)),
    )?;
    expected.check(round.version)?;
    if *round.status == RoundStatus::Closed {
        return Err(AppError::conflict("the round is already closed", None));
    }
    let txn = crate::store::begin(&ctx.db).await?;
    let closed = closing::close_in(&txn, &round, ctx.now(), Some(&actor.person_id)).await?;
    txn.commit().await?;
    Ok(closed)
}

/// The latest rounds on relationship `relationship_id` (at most `limit`), newest
/// first.
pub async fn of_relationship(
    ctx: &Ctx,
    actor: &Actor,
    relationship_id: &str,
    limit: u64,
) -> AppResult<Vec<Summary>> {
    use sea_orm::QuerySelect;
    authorize(actor, Action::ReadPrograms, Target::Anything)?;
    let rounds = feedback_round::Entity::find()
        .filter(feedback_round::Column::RelationshipId.eq(relationship_id))
        .order_by_desc(feedback_round::Column::OpenedAt)
        .limit(limit)
        .all(&ctx.read)
        .await?;
    summaries(&ctx.read, rounds).await
}

/// A round the reader is asked to answer.
#[derive(Debug, Clone)]
pub struct Pending {
    pub round_id: String,
    pub provider: String,
    pub deadline: DateTime<Utc>,
}

/// The open rounds `actor` is invited to and has not answered, soonest deadline
/// first (one query for the rounds, one name per provider).
pub async fn pending_for(ctx: &Ctx, actor: &Actor) -> AppResult<Vec<Pending>> {
    let rows: Vec<PendingRow> = crate::store::summaries::query(
        &ctx.read,
        "SELECT r.id AS round_id, r.deadline, rel.provider_department_id
         FROM feedback_invitations i
         JOIN feedback_rounds r ON r.id = i.round_id
         JOIN relationships rel ON rel.id = r.relationship_id
         WHERE i.person_id = ? AND i.answered_at IS NULL AND r.status = 'open'
           AND r.deadline > ?
         ORDER BY r.deadline",
        vec![actor.person_id.clone().into(), ctx.now().into()],
    )
    .await?;
    let mut names: BTreeMap<String, String> = BTreeMap::new();
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        if !names.contains_key(&r.provider_department_id) {
            let name = department_name(&ctx.read, &r.provider_department_id).await?;
            names.insert(r.provider_department_id.clone(), name);
        }
        out.push(Pending {
            round_id: r.round_id,
            provider: names[&r.provider_department_id].clone(),
            deadline: r.deadline,
        });
    }
    Ok(out)
}

#[derive(Debug, sea_orm::FromQueryResult)]
struct PendingRow {
    round_id: String,
    deadline: DateTime<Utc>,
    provider_department_id: String,
}
