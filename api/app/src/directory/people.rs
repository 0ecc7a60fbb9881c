//! People: create, read, list, change (deactivating and changing a role included —
//! the last active admin with a usable token stays). Importing many at once from CSV
//! is [`crate::directory::import`].

use chrono::{DateTime, Utc};
use cxpm_domain::values::{Email, Locale, Name, TimeZone};
use cxpm_domain::{Action, Actor, FieldError, Invalid, Role, Target, authorize};
use sea_orm::sea_query::{Expr, ExprTrait, Func, LikeExpr};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use crate::directory::admins::{Leaving, active_admin, ways_in_without};
use crate::directory::{departments, sign_in};
use crate::store::guard::{self, Guard};
use crate::store::page::Page;
use crate::store::{load, new_id, parse_id, path_id, person, unique, versioned};
use crate::{AppError, AppResult, Ctx, Expect, Patch};

/// A person to create, as the caller wrote them.
#[derive(Debug, Clone)]
pub struct NewPerson {
    pub name: String,
    pub email: String,
    pub department_id: Option<String>,
    pub role: Role,
    pub locale: Locale,
    /// IANA zone; `None`: UTC.
    pub time_zone: Option<String>,
}

/// What to change in a person: only the fields given.
#[derive(Debug, Clone, Default)]
pub struct PersonChange {
    pub name: Option<String>,
    pub email: Option<String>,
    pub department_id: Patch<String>,
    pub role: Option<Role>,
    pub locale: Option<Locale>,
    pub time_zone: Option<String>,
    /// `false` deactivates: their tokens stop working, their history stays.
    pub active: Option<bool>,
}

/// Which people a list holds; the filters combine with AND.
#[derive(Debug, Clone, Default)]
pub struct PersonFilter {
    pub department_id: Option<String>,
    pub role: Option<Role>,
    pub active: Option<bool>,
    /// A case-insensitive `LIKE` pattern matched against name and email.
    pub pattern: Option<String>,
}

pub async fn create(ctx: &Ctx, actor: &Actor, new: NewPerson) -> AppResult<person::Model> {
    authorize(actor, Action::ManagePeople, Target::Anything)?;
    let mut invalid = Invalid::default();
    let name = invalid.check(Name::parse(&new.name));
    let email = invalid.check(Email::parse(&new.email));
    let time_zone = invalid.check(TimeZone::parse(new.time_zone.as_deref().unwrap_or("UTC")));
    let department_id = match new.department_id.as_deref() {
        Some(raw) => invalid.check(parse_id("department_id", raw)),
        None => None,
    };
    invalid.into_result()?;
    let (Some(name), Some(email), Some(time_zone)) = (name, email, time_zone) else {
        return Err(AppError::internal(&"validated fields missing"));
    };
    if let Some(dept) = &department_id {
        departments::existing(&ctx.db, dept, "department_id").await?;
    }
    ensure_email_free(&ctx.db, email.as_str(), None).await?;
    let model = new_person(
        name,
        email,
        department_id,
        new.role,
        new.locale,
        &time_zone,
        ctx.now(),
    );
    versioned::create::<person::Entity>(&ctx.db, &actor.person_id, ctx.now(), &model)
        .await
        .map_err(duplicate_email)?;
    Ok(model)
}

/// A new, active person of checked values.
pub fn new_person(
    name: Name,
    email: Email,
    department_id: Option<String>,
    role: Role,
    locale: Locale,
    time_zone: &TimeZone,
    now: DateTime<Utc>,
) -> person::Model {
    person::Model {
        id: new_id(),
        name: name.into_inner(),
        email: email.into_inner(),
        department_id,
        role: role.into(),
        locale: locale.as_str().to_owned(),
        time_zone: time_zone.as_str().to_owned(),
        active: true,
        version: 1,
        created_at: now,
        updated_at: now,
    }
}

pub async fn get(ctx: &Ctx, actor: &Actor, id: &str) -> AppResult<person::Model> {
    authorize(actor, Action::ReadDirectory, Target::Anything)?;
    let id = path_id("person", id)?;
    unique(person::Entity::find_by_id(&id), &ctx.read)
        .await?
        .ok_or_else(|| AppError::not_found("person", &id))
}

/// The caller themselves: anyone signed in may read their own profile.
pub async fn me(ctx: &Ctx, actor: &Actor) -> AppResult<person::Model> {
    unique(person::Entity::find_by_id(&actor.person_id), &ctx.read)
        .await?
        .ok_or_else(|| AppError::not_found("person", &actor.person_id))
}

/// One page of people in creation order, and the cursor of the next.
pub async fn list(
    ctx: &Ctx,
    actor: &Actor,
    filter: &PersonFilter,
    page: &Page,
) -> AppResult<(Vec<person::Model>, Option<String>)> {
    authorize(actor, Action::ReadDirectory, Target::Anything)?;
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
                .or(Expr::col(person::Column::Email)
                    .like(LikeExpr::new(pattern.clone()).escape('\\'))),
        );
    }
    let rows = page
        .apply(select, person::Column::Id)
        .all(&ctx.read)
        .await?;
    Ok(page.finish(rows, |r| &r.id))
}

/// Changes person `id` as it stood at the version the caller read. Demoting or
/// deactivating the last active admin with a usable token is refused, under the
/// admins' guard so that two admins demoting each other at once cannot both pass.
pub async fn change(
    ctx: &Ctx,
    actor: &Actor,
    id: &str,
    expected: &Expect,
    change: PersonChange,
) -> AppResult<person::Model> {
    authorize(actor, Action::ManagePeople, Target::Anything)?;
    let id = &path_id("person", id)?;
    let before = unique(person::Entity::find_by_id(id), &ctx.db)
        .await?
        .ok_or_else(|| AppError::not_found("person", id))?;
    expected.check(before.version)?;
    let mut after = before.clone();
    let mut invalid = Invalid::default();
    if let Some(v) = change
        .name
        .as_deref()
        .and_then(|v| invalid.check(Name::parse(v)))
    {
        after.name = v.into_inner();
    }
    if let Some(v) = change
        .email
        .as_deref()
        .and_then(|v| invalid.check(Email::parse(v)))
    {
        after.email = v.into_inner();
    }
    match change.department_id {
        Patch::Keep => {}
        Patch::Clear => after.department_id = None,
        Patch::Set(raw) => after.department_id = invalid.check(parse_id("department_id", &raw)),
    }
    if let Some(role) = change.role {
        after.role = role.into();
    }
    if let Some(locale) = change.locale {
        after.locale = locale.as_str().to_owned();
    }
    if let Some(v) = change
        .time_zone
        .as_deref()
        .and_then(|v| invalid.check(TimeZone::parse(v)))
    {
        after.time_zone = v.as_str().to_owned();
    }
    if let Some(active) = change.active {
        after.active = active;
    }
    invalid.into_result()?;
    if after.department_id != before.department_id
        && let Some(dept) = &after.department_id
    {
        departments::existing(&ctx.db, dept, "department_id").await?;
    }
    if after.email != before.email {
        ensure_email_free(&ctx.db, &after.email, Some(id)).await?;
    }
    let txn = crate::store::begin(&ctx.db).await?;
    if active_admin(&before) && !active_admin(&after) {
        guard::take(&txn, Guard::Admins).await?;
        if ways_in_without(&txn, Leaving::Person(&before.id)).await? == 0 {
            let field = if after.active { "role" } else { "active" };
            return Err(AppError::conflict(
                "this is the last active admin with a usable token; make someone else an admin and issue them a token first",
                Some(field),
            ));
        }
    }
    let after = versioned::update_in::<person::Entity, _>(
        &txn,
        &actor.person_id,
        ctx.now(),
        &before,
        after,
    )
    .await
    .map_err(duplicate_email)?;
    if before.active && !after.active {
        // Deactivating a person ends their sessions in the same step.
        sign_in::end_in(&txn, Some(&actor.person_id), &after.id, None, ctx.now()).await?;
    }
    txn.commit().await?;
    Ok(after)
}

/// What a person may change of their own profile.
#[derive(Debug, Clone, Default)]
pub struct ProfileChange {
    pub locale: Option<Locale>,
    pub time_zone: Option<String>,
}

/// The actor changes their own language and time zone.
pub async fn change_profile(
    ctx: &Ctx,
    actor: &Actor,
    expected: &Expect,
    change: ProfileChange,
) -> AppResult<person::Model> {
    let before = load::<person::Entity>(&ctx.db, "person", &actor.person_id).await?;
    expected.check(before.version)?;
    let mut after = before.clone();
    if let Some(locale) = change.locale {
        after.locale = locale.as_str().to_owned();
    }
    if let Some(tz) = change.time_zone.as_deref() {
        after.time_zone = TimeZone::parse(tz)
            .map_err(|e| e.at("time_zone"))?
            .as_str()
            .to_owned();
    }
    versioned::update::<person::Entity>(&ctx.db, &actor.person_id, ctx.now(), &before, after).await
}

/// Refuses an email another person has (`except` being the one changed).
pub async fn ensure_email_free(
    db: &impl ConnectionTrait,
    email: &str,
    except: Option<&str>,
) -> AppResult<()> {
    let mut select = person::Entity::find().filter(person::Column::Email.eq(email));
    if let Some(id) = except {
        select = select.filter(person::Column::Id.ne(id));
    }
    if unique(select, db).await?.is_some() {
        return Err(email_taken());
    }
    Ok(())
}

pub fn email_taken() -> AppError {
    AppError::conflict("a person with this email already exists", Some("email"))
}

/// Two writers taking one email at once: the unique index refuses the second, which
/// is the same conflict as one found before.
fn duplicate_email(e: AppError) -> AppError {
    match &e {
        AppError::Conflict { field: None, .. } => email_taken(),
        _ => e,
    }
}

/// An active person of `department_id`, or an invalid `field`.
pub async fn member_of(
    db: &impl ConnectionTrait,
    field: &str,
    raw: &str,
    department_id: &str,
) -> AppResult<person::Model> {
    let id = parse_id(field, raw)?;
    let person = unique(person::Entity::find_by_id(&id), db)
        .await?
        .ok_or_else(|| FieldError::new(field, format!("no person with id `{id}`")))?;
    if !person.active {
        return Err(FieldError::new(field, "the person is deactivated").into());
    }
    if person.department_id.as_deref() != Some(department_id) {
        return Err(FieldError::new(field, "the person does not belong to that department").into());
    }
    Ok(person)
}
