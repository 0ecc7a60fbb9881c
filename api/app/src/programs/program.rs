//! Programs: creating one (its sponsor and coordinator join the team in the same
//! step), reading, listing, changing.

use chrono::{DateTime, Utc};
use cxpm_domain::program::{ProgramStatus, SeverityThresholds, SurveyScale, TeamRole};
use cxpm_domain::values::{Name, optional_text};
use cxpm_domain::{Action, Actor, FieldError, Invalid, Target, authorize};
use cxpm_domain::{feedback, limits};
use sea_orm::sea_query::{Expr, ExprTrait, Func, LikeExpr};
use sea_orm::{ConnectionTrait, EntityTrait, QueryFilter};

use crate::store::audit::{self, Change};
use crate::store::page::Page;
use crate::store::{load, member, new_id, person, program, referenced, versioned};
use crate::{AppError, AppResult, Ctx, Expect, Patch};

/// A new program. Unset scale and thresholds take the defaults (1–10; minor up to
/// 10 %, major up to 25 %).
#[derive(Debug, Clone, Default)]
pub struct NewProgram {
    pub name: String,
    pub business_line: Option<String>,
    pub description: Option<String>,
    pub status: Option<ProgramStatus>,
    pub sponsor_id: Option<String>,
    pub coordinator_id: Option<String>,
    pub scale_min: Option<i32>,
    pub scale_max: Option<i32>,
    pub minor_max: Option<f64>,
    pub major_max: Option<f64>,
    /// Feedback round results show from this many respondents on (default 3).
    pub min_respondents: Option<i32>,
}

/// What to change in a program: only the fields given.
#[derive(Debug, Clone, Default)]
pub struct ProgramChange {
    pub name: Option<String>,
    pub business_line: Patch<String>,
    pub description: Patch<String>,
    pub status: Option<ProgramStatus>,
    pub sponsor_id: Patch<String>,
    pub coordinator_id: Patch<String>,
    pub scale_min: Option<i32>,
    pub scale_max: Option<i32>,
    pub minor_max: Option<f64>,
    pub major_max: Option<f64>,
    /// Feedback round results show from this many respondents on (default 3).
    pub min_respondents: Option<i32>,
}

/// Which programs a list shows.
#[derive(Debug, Clone, Default)]
pub struct ProgramFilter {
    pub status: Option<ProgramStatus>,
    /// A LIKE pattern (lower case, wildcards escaped) on name and business line.
    pub pattern: Option<String>,
}

/// Creates a program; its sponsor and coordinator, if given, join its team in the
/// same transaction.
pub async fn create(ctx: &Ctx, actor: &Actor, new: NewProgram) -> AppResult<program::Model> {
    authorize(actor, Action::ManagePrograms, Target::Anything)?;
    let mut model = new_program(&new, ctx.now())?;
    let sponsor = match &new.sponsor_id {
        Some(id) => Some(active_person(&ctx.db, "sponsor_id", id).await?),
        None => None,
    };
    let coordinator = match &new.coordinator_id {
        Some(id) => Some(active_person(&ctx.db, "coordinator_id", id).await?),
        None => None,
    };
    model.sponsor_id = sponsor.as_ref().map(|p| p.id.clone());
    model.coordinator_id = coordinator.as_ref().map(|p| p.id.clone());
    let now = model.created_at;
    let mut seats: Vec<member::Model> = Vec::new();
    for (p, role) in [
        (sponsor, TeamRole::Sponsor),
        (coordinator, TeamRole::Coordinator),
    ] {
        if let Some(p) = p
            && !seats.iter().any(|s| s.person_id == p.id)
        {
            seats.push(seat(&model.id, p.id, role, now));
        }
    }
    let txn = crate::store::begin(&ctx.db).await?;
    program::Entity::insert(program::ActiveModel::from(model.clone()))
        .exec_without_returning(&txn)
        .await?;
    let by = Some(actor.person_id.as_str());
    audit::record(
        &txn,
        by,
        now,
        "program",
        &model.id,
        Change::Create,
        None::<&()>,
        Some(&model),
    )
    .await?;
    for seat in &seats {
        member::Entity::insert(member::ActiveModel::from(seat.clone()))
            .exec_without_returning(&txn)
            .await?;
        audit::record(
            &txn,
            by,
            now,
            "member",
            &seat.id,
            Change::Create,
            None::<&()>,
            Some(seat),
        )
        .await?;
    }
    txn.commit().await?;
    Ok(model)
}

/// Program `id`.
/// A new program as `new` describes it, every field checked at once and the unset
/// ones at their defaults (a draft; scale 1–10; minor up to 10 %, major up to 25 %);
/// without a sponsor or coordinator, whom the caller checks.
pub fn new_program(new: &NewProgram, now: DateTime<Utc>) -> AppResult<program::Model> {
    let mut invalid = Invalid::default();
    let name = invalid.check(Name::parse(&new.name));
    let business_line = invalid.check(optional_text(
        "business_line",
        new.business_line.as_deref(),
        limits::NAME,
    ));
    let description = invalid.check(optional_text(
        "description",
        new.description.as_deref(),
        limits::TEXT,
    ));
    let scale = invalid.check(SurveyScale::new(
        new.scale_min.unwrap_or(1),
        new.scale_max.unwrap_or(10),
    ));
    let thresholds = invalid.check(SeverityThresholds::new(
        new.minor_max.unwrap_or(0.10),
        new.major_max.unwrap_or(0.25),
    ));
    let min_respondents = invalid.check(feedback::min_respondents(
        new.min_respondents
            .unwrap_or(feedback::MIN_RESPONDENTS_DEFAULT as i32),
    ));
    invalid.into_result()?;
    let (Some(name), Some(business_line), Some(description), Some(scale), Some(thresholds)) =
        (name, business_line, description, scale, thresholds)
    else {
        return Err(AppError::internal(&"validated fields missing"));
    };
    Ok(program::Model {
        id: new_id(),
        name: name.into_inner(),
        business_line,
        description,
        status: new.status.unwrap_or(ProgramStatus::Draft).into(),
        sponsor_id: None,
        coordinator_id: None,
        scale_min: scale.min(),
        scale_max: scale.max(),
        minor_max: thresholds.minor_max(),
        major_max: thresholds.major_max(),
        stage_order: 0,
        min_respondents: min_respondents.unwrap_or(feedback::MIN_RESPONDENTS_DEFAULT) as i32,
        version: 1,
        created_at: now,
        updated_at: now,
    })
}

/// A seat in program `program_id`'s team.
pub fn seat(
    program_id: &str,
    person_id: String,
    role: TeamRole,
    now: DateTime<Utc>,
) -> member::Model {
    member::Model {
        id: new_id(),
        program_id: program_id.to_owned(),
        person_id,
        team_role: role.into(),
        version: 1,
        created_at: now,
        updated_at: now,
    }
}

pub async fn get(ctx: &Ctx, actor: &Actor, id: &str) -> AppResult<program::Model> {
    authorize(actor, Action::ReadPrograms, Target::Anything)?;
    load::<program::Entity>(&ctx.read, "program", id).await
}

/// One page of programs in creation order, and the cursor of the next.
pub async fn list(
    ctx: &Ctx,
    actor: &Actor,
    filter: &ProgramFilter,
    page: &Page,
) -> AppResult<(Vec<program::Model>, Option<String>)> {
    use sea_orm::ColumnTrait;
    authorize(actor, Action::ReadPrograms, Target::Anything)?;
    let mut select = program::Entity::find();
    if let Some(status) = filter.status {
        select = select.filter(program::Column::Status.eq(status.as_str()));
    }
    if let Some(pattern) = &filter.pattern {
        select = select.filter(
            Expr::expr(Func::lower(Expr::col(program::Column::Name)))
                .like(LikeExpr::new(pattern.clone()).escape('\\'))
                .or(
                    Expr::expr(Func::lower(Expr::col(program::Column::BusinessLine)))
                        .like(LikeExpr::new(pattern.clone()).escape('\\')),
                ),
        );
    }
    let rows = page
        .apply(select, program::Column::Id)
        .all(&ctx.read)
        .await?;
    Ok(page.finish(rows, |r| &r.id))
}

/// Changes program `id` as it stood at the version the caller read.
pub async fn change(
    ctx: &Ctx,
    actor: &Actor,
    id: &str,
    expected: &Expect,
    change: ProgramChange,
) -> AppResult<program::Model> {
    authorize(actor, Action::ManagePrograms, Target::Anything)?;
    let before = load::<program::Entity>(&ctx.db, "program", id).await?;
    expected.check(before.version)?;
    let mut after = before.clone();
    let mut invalid = Invalid::default();
    if let Some(name) = change
        .name
        .as_deref()
        .and_then(|n| invalid.check(Name::parse(n)))
    {
        after.name = name.into_inner();
    }
    change
        .business_line
        .text(&mut invalid, "business_line", limits::NAME)
        .apply(&mut after.business_line);
    change
        .description
        .text(&mut invalid, "description", limits::TEXT)
        .apply(&mut after.description);
    if let Some(status) = change.status {
        after.status = status.into();
    }
    if let Some(scale) = invalid.check(SurveyScale::new(
        change.scale_min.unwrap_or(before.scale_min),
        change.scale_max.unwrap_or(before.scale_max),
    )) {
        after.scale_min = scale.min();
        after.scale_max = scale.max();
    }
    if let Some(t) = invalid.check(SeverityThresholds::new(
        change.minor_max.unwrap_or(before.minor_max),
        change.major_max.unwrap_or(before.major_max),
    )) {
        after.minor_max = t.minor_max();
        after.major_max = t.major_max();
    }
    if let Some(n) = change
        .min_respondents
        .and_then(|n| invalid.check(feedback::min_respondents(n)))
    {
        after.min_respondents = n as i32;
    }
    invalid.into_result()?;
    if let Patch::Set(raw) = &change.sponsor_id {
        after.sponsor_id = Some(active_person(&ctx.db, "sponsor_id", raw).await?.id);
    } else if change.sponsor_id == Patch::Clear {
        after.sponsor_id = None;
    }
    if let Patch::Set(raw) = &change.coordinator_id {
        after.coordinator_id = Some(active_person(&ctx.db, "coordinator_id", raw).await?.id);
    } else if change.coordinator_id == Patch::Clear {
        after.coordinator_id = None;
    }
    versioned::update::<program::Entity>(&ctx.db, &actor.person_id, ctx.now(), &before, after).await
}

/// An active person a field names, or an invalid `field`.
pub async fn active_person(
    db: &impl ConnectionTrait,
    field: &str,
    raw_id: &str,
) -> AppResult<person::Model> {
    let p = referenced::<person::Entity>(db, field, "person", raw_id).await?;
    if !p.active {
        return Err(FieldError::new(field, "the person is deactivated").into());
    }
    Ok(p)
}
