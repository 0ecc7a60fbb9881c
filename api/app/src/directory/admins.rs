//! "cxpm keeps an active admin with a usable token": the invariant every change to an
//! admin or an admin's token checks, under the admins' guard.

use cxpm_domain::Role;
use cxpm_domain::values::Email;
use sea_orm::{
    ColumnTrait, DatabaseTransaction, EntityTrait, PaginatorTrait, QueryFilter, QuerySelect,
    QueryTrait,
};

use crate::directory::tokens::hash_token;
use crate::store::audit::{self, Change};
use crate::store::{access_token, new_id, person};
use crate::{AppResult, Ctx};

/// Whether `person` is an active admin.
pub fn active_admin(person: &person::Model) -> bool {
    person.active && person.role == Role::Admin
}

/// What goes away from the admins' ways in.
pub enum Leaving<'a> {
    /// A person (deactivated, or given another role).
    Person(&'a str),
    /// A token (revoked).
    Token(&'a str),
}

/// The ways into cxpm that remain once `leaving` is gone: the unrevoked tokens of
/// active admins. cxpm never lets them fall to none. Run it under the admins' guard,
/// with the change after it in the same transaction.
pub async fn ways_in_without(txn: &DatabaseTransaction, leaving: Leaving<'_>) -> AppResult<u64> {
    let mut admins = person::Entity::find()
        .select_only()
        .column(person::Column::Id)
        .filter(person::Column::Role.eq(Role::Admin.as_str()))
        .filter(person::Column::Active.eq(true));
    let mut tokens = access_token::Entity::find().filter(access_token::Column::RevokedAt.is_null());
    match leaving {
        Leaving::Person(id) => admins = admins.filter(person::Column::Id.ne(id)),
        Leaving::Token(id) => tokens = tokens.filter(access_token::Column::Id.ne(id)),
    }
    Ok(tokens
        .filter(access_token::Column::PersonId.in_subquery(admins.into_query()))
        .count(txn)
        .await?)
}

/// Whether nobody is in cxpm yet: the first start, when an admin is to be made.
pub async fn nobody_yet(ctx: &Ctx) -> AppResult<bool> {
    Ok(person::Entity::find().count(&ctx.db).await? == 0)
}

/// On a database with nobody in it, makes the first admin (`email`) and a token for
/// them whose secret is `secret`, with their audit entries; returns the admin's id.
/// `None` when another replica made theirs at the same moment: theirs stands.
pub async fn bootstrap(ctx: &Ctx, email: Email, secret: &str) -> AppResult<Option<String>> {
    let now = ctx.now();
    let admin = person::Model {
        id: new_id(),
        name: "Administrator".to_owned(),
        email: email.into_inner(),
        department_id: None,
        role: Role::Admin.into(),
        locale: "en".to_owned(),
        time_zone: "UTC".to_owned(),
        active: true,
        version: 1,
        created_at: now,
        updated_at: now,
    };
    let token = access_token::Model {
        id: new_id(),
        person_id: admin.id.clone(),
        label: "bootstrap".to_owned(),
        token_hash: hash_token(secret),
        created_by: admin.id.clone(),
        created_at: now,
        last_used_at: None,
        revoked_at: None,
    };
    let txn = crate::store::begin(&ctx.db).await?;
    let inserted = person::Entity::insert(person::ActiveModel::from(admin.clone()))
        .exec_without_returning(&txn)
        .await;
    if let Err(e) = inserted {
        if matches!(
            e.sql_err(),
            Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
        ) {
            return Ok(None);
        }
        return Err(e.into());
    }
    access_token::Entity::insert(access_token::ActiveModel::from(token.clone()))
        .exec_without_returning(&txn)
        .await?;
    audit::record(
        &txn,
        None,
        now,
        "person",
        &admin.id,
        Change::Create,
        None::<&()>,
        Some(&admin),
    )
    .await?;
    audit::record(
        &txn,
        None,
        now,
        "token",
        &token.id,
        Change::Create,
        None::<&()>,
        Some(&token),
    )
    .await?;
    txn.commit().await?;
    Ok(Some(admin.id))
}
