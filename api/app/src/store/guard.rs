//! Guards: one row per invariant that spans rows (see the `guards` migration).

use sea_orm::entity::prelude::*;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ConnectionTrait, DbErr};

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "guards")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub name: String,
    /// How often it was taken; the write is what matters, not the count.
    pub taken: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// The invariants guarded.
#[derive(Debug, Clone, Copy)]
pub enum Guard {
    /// cxpm keeps an active admin with a usable token.
    Admins,
}

impl Guard {
    fn name(self) -> &'static str {
        match self {
            Self::Admins => "admins",
        }
    }
}

/// Takes `guard` for the rest of the transaction `txn`: a concurrent transaction that
/// takes it too waits until this one ends, then reads what this one wrote. Make it
/// the transaction's first statement (on SQLite a first write takes the write lock at
/// once), and check the invariant after it.
/// A missing guard row (a database not migrated by cxpm) is an error, not a guard
/// silently not taken.
pub async fn take(txn: &impl ConnectionTrait, guard: Guard) -> Result<(), DbErr> {
    let taken = Entity::update_many()
        .col_expr(Column::Taken, Expr::col(Column::Taken).add(1))
        .filter(Column::Name.eq(guard.name()))
        .exec(txn)
        .await?;
    if taken.rows_affected != 1 {
        return Err(DbErr::Custom(format!(
            "the guard `{}` is missing from the guards table",
            guard.name()
        )));
    }
    Ok(())
}
