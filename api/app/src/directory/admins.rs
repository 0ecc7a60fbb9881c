//! "cxpm keeps an active admin with a usable token": the invariant every change to an
//! admin or an admin's token checks, under the admins' guard.

use cxpm_domain::Role;
use sea_orm::{
    ColumnTrait, DatabaseTransaction, EntityTrait, PaginatorTrait, QueryFilter, QuerySelect,
    QueryTrait,
};

use crate::AppResult;
use crate::store::{access_token, person};

/// Whether `person` is an active admin.
pub fn active_admin(person: &person::Model) -> bool {
    person.active && person.role == Role::Admin.as_str()
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
