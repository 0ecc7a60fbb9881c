//! Departments: create, read, list, change (deactivating is a change). Each use case
//! authorizes, validates every field at once, and writes the change and its audit
//! entry in one transaction.

use std::collections::BTreeMap;

use cxpm_domain::maturity::Function;
use cxpm_domain::values::DepartmentCode;
use cxpm_domain::{Action, Actor, FieldError, Invalid, Target, authorize};
use sea_orm::sea_query::{Expr, ExprTrait, Func, LikeExpr};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use crate::names::{check_names, rename};
use crate::store::page::Page;
use crate::store::{department, new_id, parse_id, path_id, person, unique, versioned};
use crate::{AppError, AppResult, Ctx, Expect, Patch};

/// A department to create, as the caller wrote it.
#[derive(Debug, Clone, Default)]
pub struct NewDepartment {
    pub name: String,
    pub name_translations: Option<BTreeMap<String, String>>,
    pub code: String,
    pub parent_id: Option<String>,
    pub function: Option<Function>,
}

/// What to change in a department: only the fields given.
#[derive(Debug, Clone, Default)]
pub struct DepartmentChange {
    pub name: Option<String>,
    pub name_translations: Option<BTreeMap<String, String>>,
    pub code: Option<String>,
    pub parent_id: Patch<String>,
    pub head_id: Patch<String>,
    pub function: Patch<Function>,
    /// `false` deactivates it; it stays in history.
    pub active: Option<bool>,
}

/// Which departments a list holds; the filters combine with AND.
#[derive(Debug, Clone, Default)]
pub struct DepartmentFilter {
    pub parent_id: Option<String>,
    pub active: Option<bool>,
    /// A case-insensitive `LIKE` pattern matched against name and code.
    pub pattern: Option<String>,
}

pub async fn create(ctx: &Ctx, actor: &Actor, new: NewDepartment) -> AppResult<department::Model> {
    authorize(actor, Action::ManageDepartments, Target::Anything)?;
    let mut invalid = Invalid::default();
    let (name, name_translations) =
        check_names(&mut invalid, &new.name, new.name_translations.as_ref());
    let code = invalid.check(DepartmentCode::parse(&new.code));
    let parent_id = match new.parent_id.as_deref() {
        Some(raw) => invalid.check(parse_id("parent_id", raw)),
        None => None,
    };
    invalid.into_result()?;
    let (Some(name), Some(code), Some(name_translations)) = (name, code, name_translations) else {
        return Err(AppError::internal(&"validated fields missing"));
    };
    if let Some(parent) = &parent_id {
        existing(&ctx.db, parent, "parent_id").await?;
    }
    ensure_code_free(&ctx.db, code.as_str(), None).await?;
    let now = ctx.now();
    let model = department::Model {
        id: new_id(),
        name,
        name_translations,
        code: code.into_inner(),
        parent_id,
        head_id: None,
        function: new.function.map(|f| f.into()),
        active: true,
        version: 1,
        created_at: now,
        updated_at: now,
    };
    versioned::create::<department::Entity>(&ctx.db, &actor.person_id, now, &model).await?;
    Ok(model)
}

pub async fn get(ctx: &Ctx, actor: &Actor, id: &str) -> AppResult<department::Model> {
    authorize(actor, Action::ReadDirectory, Target::Anything)?;
    let id = path_id("department", id)?;
    unique(department::Entity::find_by_id(&id), &ctx.read)
        .await?
        .ok_or_else(|| AppError::not_found("department", &id))
}

/// One page of departments in creation order, and the cursor of the next.
pub async fn list(
    ctx: &Ctx,
    actor: &Actor,
    filter: &DepartmentFilter,
    page: &Page,
) -> AppResult<(Vec<department::Model>, Option<String>)> {
    authorize(actor, Action::ReadDirectory, Target::Anything)?;
    let mut select = department::Entity::find();
    if let Some(parent) = &filter.parent_id {
        select = select.filter(department::Column::ParentId.eq(parent));
    }
    if let Some(active) = filter.active {
        select = select.filter(department::Column::Active.eq(active));
    }
    if let Some(pattern) = &filter.pattern {
        select = select.filter(
            Expr::expr(Func::lower(Expr::col(department::Column::Name)))
                .like(LikeExpr::new(pattern.clone()).escape('\\'))
                .or(Expr::expr(Func::lower(Expr::col(department::Column::Code)))
                    .like(LikeExpr::new(pattern.clone()).escape('\\'))),
        );
    }
    let rows = page
        .apply(select, department::Column::Id)
        .all(&ctx.read)
        .await?;
    Ok(page.finish(rows, |r| &r.id))
}

/// Changes department `id` as it stood at the version the caller read.
pub async fn change(
    ctx: &Ctx,
    actor: &Actor,
    id: &str,
    expected: &Expect,
    change: DepartmentChange,
) -> AppResult<department::Model> {
    authorize(actor, Action::ManageDepartments, Target::Anything)?;
    let id = &path_id("department", id)?;
    let before = unique(department::Entity::find_by_id(id), &ctx.db)
        .await?
        .ok_or_else(|| AppError::not_found("department", id))?;
    expected.check(before.version)?;
    let mut after = before.clone();
    let mut invalid = Invalid::default();
    rename(
        &mut invalid,
        change.name.as_deref(),
        change.name_translations.as_ref(),
        &mut after.name,
        &mut after.name_translations,
    );
    if let Some(code) = change
        .code
        .as_deref()
        .and_then(|c| invalid.check(DepartmentCode::parse(c)))
    {
        after.code = code.into_inner();
    }
    match change.parent_id {
        Patch::Keep => {}
        Patch::Clear => after.parent_id = None,
        Patch::Set(raw) => after.parent_id = invalid.check(parse_id("parent_id", &raw)),
    }
    match change.head_id {
        Patch::Keep => {}
        Patch::Clear => after.head_id = None,
        Patch::Set(raw) => after.head_id = invalid.check(parse_id("head_id", &raw)),
    }
    match change.function {
        Patch::Keep => {}
        Patch::Clear => after.function = None,
        Patch::Set(f) => after.function = Some(f.into()),
    }
    if let Some(active) = change.active {
        after.active = active;
    }
    invalid.into_result()?;
    if after.parent_id != before.parent_id
        && let Some(parent) = &after.parent_id
    {
        ensure_no_cycle(&ctx.db, &after.id, parent).await?;
    }
    if after.head_id != before.head_id
        && let Some(head) = &after.head_id
    {
        ensure_head_is_member(&ctx.db, &after.id, head).await?;
    }
    if after.code != before.code {
        ensure_code_free(&ctx.db, &after.code, Some(&after.id)).await?;
    }
    versioned::update::<department::Entity>(&ctx.db, &actor.person_id, ctx.now(), &before, after)
        .await
}

/// The department `id`, or an invalid `field` when there is none.
pub async fn existing(
    db: &impl ConnectionTrait,
    id: &str,
    field: &str,
) -> AppResult<department::Model> {
    unique(department::Entity::find_by_id(id), db)
        .await?
        .ok_or_else(|| FieldError::new(field, format!("no department with id `{id}`")).into())
}

async fn ensure_code_free(
    db: &impl ConnectionTrait,
    code: &str,
    except: Option<&str>,
) -> AppResult<()> {
    let mut select = department::Entity::find().filter(department::Column::Code.eq(code));
    if let Some(id) = except {
        select = select.filter(department::Column::Id.ne(id));
    }
    if unique(select, db).await?.is_some() {
        return Err(AppError::conflict(
            "a department with this code already exists",
            Some("code"),
        ));
    }
    Ok(())
}

/// Walks up from `parent` and refuses a parent that is `id` itself or under it.
async fn ensure_no_cycle(db: &impl ConnectionTrait, id: &str, parent: &str) -> AppResult<()> {
    let mut current = Some(existing(db, parent, "parent_id").await?);
    let mut hops = 0;
    while let Some(dept) = current {
        if dept.id == id {
            return Err(FieldError::new(
                "parent_id",
                "a department cannot sit under itself or under one of its own sub-departments",
            )
            .into());
        }
        hops += 1;
        if hops > 64 {
            return Err(FieldError::new(
                "parent_id",
                "the department tree is deeper than 64 levels",
            )
            .into());
        }
        current = match dept.parent_id {
            Some(p) => unique(department::Entity::find_by_id(&p), db).await?,
            None => None,
        };
    }
    Ok(())
}

async fn ensure_head_is_member(
    db: &impl ConnectionTrait,
    department_id: &str,
    head_id: &str,
) -> AppResult<()> {
    let head = unique(person::Entity::find_by_id(head_id), db)
        .await?
        .ok_or_else(|| FieldError::new("head_id", format!("no person with id `{head_id}`")))?;
    if !head.active {
        return Err(FieldError::new("head_id", "the person is deactivated").into());
    }
    if head.department_id.as_deref() != Some(department_id) {
        return Err(
            FieldError::new("head_id", "the head must be a member of the department").into(),
        );
    }
    Ok(())
}
