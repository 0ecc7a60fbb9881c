//! What the pages of the people who do the work read: my work, an action with its
//! updates, a plan with its stepper, my department. Each is one read of plain data,
//! decided by the same rules as the API (the domain's permission table, step rules
//! and urgency).

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDate, Utc};
use cxpm_domain::plan::{
    PlanStatus, Step, StepActor, StepRefusal, StepStatus, Urgency, check_step_change,
};
use cxpm_domain::values::TimeZone;
use cxpm_domain::{Action, Actor, Target, authorize};
use sea_orm::sea_query::ExprTrait;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

use crate::plans::actions::{self, Seen};
use crate::plans::plan::{self, PlanDetail};
use crate::plans::steps::plan_facts;
use crate::store::{
    action_update, audit_event, department, key_point, load, person, plan as plan_row, program,
    relationship, step, unique,
};
use crate::{AppError, AppResult, Ctx};

/// An open action of mine and the plan it serves.
#[derive(Debug, Clone)]
pub struct MyAction {
    pub seen: Seen,
    pub urgency: Urgency,
    pub plan_title: String,
}

/// My open actions, most urgent first, and the plans I own.
#[derive(Debug, Clone)]
pub struct MyWork {
    pub today: NaiveDate,
    pub actions: Vec<MyAction>,
    pub plans: Vec<plan_row::Model>,
}

/// The actor's day in their time zone, by the context's clock.
pub fn today_for(ctx: &Ctx, time_zone: &str) -> NaiveDate {
    let tz = TimeZone::parse(time_zone).unwrap_or_default();
    ctx.now().with_timezone(&tz.tz()).date_naive()
}

/// My work: my open actions (overdue first, then due within the week, then later,
/// then undated) and the active plans I own.
pub async fn my_work(ctx: &Ctx, actor: &Actor) -> AppResult<MyWork> {
    let me = load::<person::Entity>(&ctx.read, "person", &actor.person_id).await?;
    let today = today_for(ctx, &me.time_zone);
    let mine = actions::mine(ctx, actor).await?;
    let titles = plan_titles(ctx, mine.iter().map(|s| s.action.plan_id.clone())).await?;
    let mut list: Vec<MyAction> = mine
        .into_iter()
        .map(|seen| MyAction {
            urgency: Urgency::of(seen.action.due_date, today),
            plan_title: titles
                .get(&seen.action.plan_id)
                .cloned()
                .unwrap_or_default(),
            seen,
        })
        .collect();
    list.sort_by(|a, b| {
        (a.urgency, a.seen.action.due_date, &a.seen.action.id).cmp(&(
            b.urgency,
            b.seen.action.due_date,
            &b.seen.action.id,
        ))
    });
    let plans = plan_row::Entity::find()
        .filter(plan_row::Column::OwnerId.eq(&actor.person_id))
        .filter(plan_row::Column::Status.ne(PlanStatus::Closed.as_str()))
        .order_by_asc(plan_row::Column::Id)
        .all(&ctx.read)
        .await?;
    Ok(MyWork {
        today,
        actions: list,
        plans,
    })
}

async fn plan_titles(
    ctx: &Ctx,
    ids: impl Iterator<Item = String>,
) -> AppResult<HashMap<String, String>> {
    let ids: Vec<String> = ids.collect();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(plan_row::Entity::find()
        .filter(plan_row::Column::Id.is_in(ids))
        .all(&ctx.read)
        .await?
        .into_iter()
        .map(|p| (p.id, p.title))
        .collect())
}

/// An action as its page shows it.
#[derive(Debug, Clone)]
pub struct ActionPage {
    pub seen: Seen,
    pub plan: plan_row::Model,
    pub owner: Option<person::Model>,
    pub department: Option<department::Model>,
    pub effect_point: Option<key_point::Model>,
    /// Every update, newest first, with its author's name.
    pub updates: Vec<(action_update::Model, String)>,
    /// Whether the reader may post an update.
    pub may_post: bool,
}

/// Action `id` with its plan, intended effect and updates.
pub async fn action_page(ctx: &Ctx, actor: &Actor, id: &str) -> AppResult<ActionPage> {
    let action = actions::get(ctx, actor, id).await?;
    let me = load::<person::Entity>(&ctx.read, "person", &actor.person_id).await?;
    let seen = Seen::on(action, today_for(ctx, &me.time_zone));
    let a = &seen.action;
    let plan = load::<plan_row::Entity>(&ctx.read, "plan", &a.plan_id).await?;
    let updates = actions::updates(ctx, actor, &a.id).await?;
    let mut ids: Vec<String> = updates.iter().map(|u| u.author_id.clone()).collect();
    ids.extend(a.owner_id.clone());
    let people = people_by_id(ctx, ids).await?;
    let effect_point = match &a.effect_key_point_id {
        Some(k) => unique(key_point::Entity::find_by_id(k), &ctx.read).await?,
        None => None,
    };
    let department = unique(department::Entity::find_by_id(&a.department_id), &ctx.read).await?;
    let may_post = actions::may_post(actor, a);
    Ok(ActionPage {
        owner: a.owner_id.as_ref().and_then(|o| people.get(o).cloned()),
        updates: updates
            .into_iter()
            .map(|u| {
                let name = people
                    .get(&u.author_id)
                    .map(|p| p.name.clone())
                    .unwrap_or_default();
                (u, name)
            })
            .collect(),
        department,
        effect_point,
        plan,
        may_post,
        seen,
    })
}

async fn people_by_id(ctx: &Ctx, ids: Vec<String>) -> AppResult<HashMap<String, person::Model>> {
    crate::programs::team::people_by_id(&ctx.read, ids).await
}

/// One step of a plan's stepper: where it stands and, while open, what completing it
/// still needs (the domain's preconditions, by rule name).
#[derive(Debug, Clone)]
pub struct StepLine {
    pub step: crate::store::step::Model,
    pub kind: Step,
    pub status: StepStatus,
    pub needs: Vec<&'static str>,
}

/// A plan as its page shows it.
#[derive(Debug, Clone)]
pub struct PlanPage {
    pub detail: PlanDetail,
    pub stepper: Vec<StepLine>,
    pub program: program::Model,
    pub department: department::Model,
    pub relationship: relationship::Model,
    pub key_points: Vec<key_point::Model>,
    /// The plan's department's active members, who may own its actions.
    pub members: Vec<person::Model>,
    /// May the reader work on the plan (steps, key points, actions)?
    pub may_manage: bool,
    /// May the reader skip a step?
    pub may_skip: bool,
    pub earlier_cycles: Vec<i32>,
}

/// Plan `id` whole, with what each open step still needs.
pub async fn plan_page(ctx: &Ctx, actor: &Actor, id: &str) -> AppResult<PlanPage> {
    let detail = plan::detail(ctx, actor, id).await?;
    let p = &detail.plan;
    let facts = plan_facts(&ctx.read, p).await?;
    let may_skip = authorize(actor, Action::SkipStep, Target::Anything).is_ok();
    let stepper = detail
        .steps
        .iter()
        .map(|s| {
            let kind = Step::from_number(s.number)
                .ok_or_else(|| AppError::internal(&"stored step number"))?;
            let status: StepStatus = *s.status;
            let needs = if status.is_settled() {
                Vec::new()
            } else {
                match check_step_change(
                    kind,
                    status,
                    StepStatus::Done,
                    None,
                    StepActor { may_skip },
                    &facts,
                ) {
                    Err(StepRefusal::Unmet(unmet)) => unmet.into_iter().map(|u| u.rule).collect(),
                    _ => Vec::new(),
                }
            };
            Ok(StepLine {
                step: s.clone(),
                kind,
                status,
                needs,
            })
        })
        .collect::<AppResult<Vec<_>>>()?;
    let program = load::<program::Entity>(&ctx.read, "program", &p.program_id).await?;
    let department = load::<department::Entity>(&ctx.read, "department", &p.department_id).await?;
    let relationship =
        load::<relationship::Entity>(&ctx.read, "relationship", &p.relationship_id).await?;
    let key_points = key_point::Entity::find()
        .filter(key_point::Column::RelationshipId.eq(&p.relationship_id))
        .filter(key_point::Column::Archived.eq(false))
        .order_by_asc(key_point::Column::Id)
        .all(&ctx.read)
        .await?;
    let members = person::Entity::find()
        .filter(person::Column::DepartmentId.eq(&p.department_id))
        .filter(person::Column::Active.eq(true))
        .order_by_asc(person::Column::Name)
        .all(&ctx.read)
        .await?;
    let may_manage = authorize(
        actor,
        Action::ManagePlans,
        Target::Department(Some(&p.department_id)),
    )
    .is_ok();
    Ok(PlanPage {
        earlier_cycles: (1..p.cycle).rev().collect(),
        stepper,
        program,
        department,
        relationship,
        key_points,
        members,
        may_manage,
        may_skip,
        detail,
    })
}

/// A relationship seen from one side, with its key points and each point's latest
/// gap (expected minus experienced, on the program's scale).
#[derive(Debug, Clone)]
pub struct RelationshipLine {
    pub relationship: relationship::Model,
    /// The department on the other side.
    pub other: Option<department::Model>,
    pub points: Vec<(key_point::Model, Option<f64>)>,
}

/// One owner's open actions (the unassigned ones under `None`), most urgent first.
pub type OwnerGroup = (Option<person::Model>, Vec<(Seen, Urgency)>);

/// A plan and the steps of its current cycle, for a stepper.
#[derive(Debug, Clone)]
pub struct PlanSteps {
    pub plan: plan_row::Model,
    pub steps: Vec<step::Model>,
}

/// My department as its page shows it.
#[derive(Debug, Clone)]
pub struct DepartmentPage {
    pub department: department::Model,
    pub plans: Vec<PlanSteps>,
    /// Open actions by owner (unassigned under `None`), most urgent first.
    pub by_owner: Vec<OwnerGroup>,
    pub late: Vec<Seen>,
    pub customers: Vec<RelationshipLine>,
    pub providers: Vec<RelationshipLine>,
    pub today: NaiveDate,
}

/// The actor's department: its plans, its open actions by owner, what is late, and
/// who its internal customers and providers are. `None` for someone without one.
pub async fn my_department(ctx: &Ctx, actor: &Actor) -> AppResult<Option<DepartmentPage>> {
    authorize(actor, Action::ReadPrograms, Target::Anything)?;
    let Some(dept_id) = actor.department_id.clone() else {
        return Ok(None);
    };
    let me = load::<person::Entity>(&ctx.read, "person", &actor.person_id).await?;
    let today = today_for(ctx, &me.time_zone);
    let department = load::<department::Entity>(&ctx.read, "department", &dept_id).await?;
    let plans = with_steps(
        ctx,
        plan::of_department(ctx, actor, &dept_id, Some(PlanStatus::Active)).await?,
    )
    .await?;
    let open: Vec<Seen> = actions::of_department(ctx, actor, &dept_id, None, None)
        .await?
        .into_iter()
        .filter(|s| s.action.status.is_open())
        .map(|s| Seen::on(s.action, today))
        .collect();
    let late: Vec<Seen> = open.iter().filter(|s| s.overdue).cloned().collect();
    let owners = people_by_id(
        ctx,
        open.iter()
            .filter_map(|s| s.action.owner_id.clone())
            .collect(),
    )
    .await?;
    let mut groups: BTreeMap<(bool, String, String), OwnerGroup> = BTreeMap::new();
    for s in open {
        let owner = s
            .action
            .owner_id
            .as_ref()
            .and_then(|o| owners.get(o))
            .cloned();
        let key = match &owner {
            Some(p) => (false, p.name.clone(), p.id.clone()),
            None => (true, String::new(), String::new()),
        };
        let urgency = Urgency::of(s.action.due_date, today);
        groups
            .entry(key)
            .or_insert_with(|| (owner, Vec::new()))
            .1
            .push((s, urgency));
    }
    let mut by_owner: Vec<_> = groups.into_values().collect();
    for (_, list) in &mut by_owner {
        list.sort_by_key(|(s, u)| (*u, s.action.due_date));
    }
    let (customers, providers) = relationships_of(ctx, &dept_id).await?;
    Ok(Some(DepartmentPage {
        department,
        plans,
        by_owner,
        late,
        customers,
        providers,
        today,
    }))
}

/// Each plan with the steps of its current cycle, read in one query for all of them.
async fn with_steps(ctx: &Ctx, plans: Vec<plan_row::Model>) -> AppResult<Vec<PlanSteps>> {
    let mut steps: HashMap<String, Vec<step::Model>> = HashMap::new();
    if !plans.is_empty() {
        for s in step::Entity::find()
            .filter(step::Column::PlanId.is_in(plans.iter().map(|p| p.id.clone())))
            .order_by_asc(step::Column::Number)
            .all(&ctx.read)
            .await?
        {
            steps.entry(s.plan_id.clone()).or_default().push(s);
        }
    }
    Ok(plans
        .into_iter()
        .map(|plan| {
            let mut mine = steps.remove(&plan.id).unwrap_or_default();
            mine.retain(|s| s.cycle == plan.cycle);
            PlanSteps { plan, steps: mine }
        })
        .collect())
}

/// The department's relationships: those where it provides (its customers) and
/// those where it is the customer (its providers).
async fn relationships_of(
    ctx: &Ctx,
    dept_id: &str,
) -> AppResult<(Vec<RelationshipLine>, Vec<RelationshipLine>)> {
    let rels = relationship::Entity::find()
        .filter(relationship::Column::Archived.eq(false))
        .filter(
            relationship::Column::ProviderDepartmentId
                .eq(dept_id)
                .or(relationship::Column::CustomerDepartmentId.eq(dept_id)),
        )
        .order_by_asc(relationship::Column::Id)
        .all(&ctx.read)
        .await?;
    let rel_ids: Vec<String> = rels.iter().map(|r| r.id.clone()).collect();
    let points = if rel_ids.is_empty() {
        Vec::new()
    } else {
        key_point::Entity::find()
            .filter(key_point::Column::RelationshipId.is_in(rel_ids))
            .filter(key_point::Column::Archived.eq(false))
            .order_by_asc(key_point::Column::Id)
            .all(&ctx.read)
            .await?
    };
    let gaps = latest_gaps(ctx, points.iter().map(|k| k.id.clone()).collect()).await?;
    let dept_ids: Vec<String> = rels
        .iter()
        .flat_map(|r| {
            [
                r.provider_department_id.clone(),
                r.customer_department_id.clone(),
            ]
        })
        .collect();
    let depts: HashMap<String, department::Model> = if dept_ids.is_empty() {
        HashMap::new()
    } else {
        department::Entity::find()
            .filter(department::Column::Id.is_in(dept_ids))
            .all(&ctx.read)
            .await?
            .into_iter()
            .map(|d| (d.id.clone(), d))
            .collect()
    };
    let (mut customers, mut providers) = (Vec::new(), Vec::new());
    for r in rels {
        let provides = r.provider_department_id == dept_id;
        let other_id = if provides {
            &r.customer_department_id
        } else {
            &r.provider_department_id
        };
        let line = RelationshipLine {
            other: depts.get(other_id).cloned(),
            points: points
                .iter()
                .filter(|k| k.relationship_id == r.id)
                .map(|k| (k.clone(), gaps.get(&k.id).copied()))
                .collect(),
            relationship: r,
        };
        if provides {
            customers.push(line);
        } else {
            providers.push(line);
        }
    }
    Ok((customers, providers))
}

/// Each key point's latest measured gap (expected − experienced).
async fn latest_gaps(ctx: &Ctx, ids: Vec<String>) -> AppResult<HashMap<String, f64>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    // The newest period of each point, from the running sums the gap report reads:
    // one row per point, however many measurements it has.
    Ok(
        crate::reports::queries::point_periods(&ctx.read, &ids, 1, None)
            .await?
            .into_iter()
            .map(|p| (p.key_point_id, p.expected - p.actual))
            .collect(),
    )
}

/// Who last changed `entity` `id`, and when: for a form sent against an old version.
pub async fn last_change(
    ctx: &Ctx,
    entity: &str,
    id: &str,
) -> AppResult<Option<(String, DateTime<Utc>)>> {
    let Some(event) = audit_event::Entity::find()
        .filter(audit_event::Column::Entity.eq(entity))
        .filter(audit_event::Column::EntityId.eq(id))
        .order_by_desc(audit_event::Column::At)
        .order_by_desc(audit_event::Column::Id)
        .one(&ctx.read)
        .await?
    else {
        return Ok(None);
    };
    let who = match &event.actor_id {
        Some(p) => unique(person::Entity::find_by_id(p), &ctx.read)
            .await?
            .map(|p| p.name)
            .unwrap_or_default(),
        None => String::new(),
    };
    Ok(Some((who, event.at)))
}

/// The plan a key point's page is: the first active plan on its relationship.
pub async fn plan_of_key_point(ctx: &Ctx, actor: &Actor, id: &str) -> AppResult<Option<String>> {
    authorize(actor, Action::ReadPrograms, Target::Anything)?;
    let point = load::<key_point::Entity>(&ctx.read, "key point", id).await?;
    Ok(plan_row::Entity::find()
        .filter(plan_row::Column::RelationshipId.eq(&point.relationship_id))
        .filter(plan_row::Column::Status.eq(PlanStatus::Active.as_str()))
        .order_by_asc(plan_row::Column::Id)
        .one(&ctx.read)
        .await?
        .map(|p| p.id))
}
