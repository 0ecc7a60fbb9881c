//! Guards: one row per invariant that spans rows, which a transaction checking that
//! invariant takes first (a write that changes only the guard's counter), so that two
//! transactions that could each break it only together run one after the other. The
//! first: "cxpm keeps an active admin with a usable token".

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Guards::Table)
                    .col(
                        ColumnDef::new(Guards::Name)
                            .string_len(40)
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(Guards::Taken).big_integer().not_null())
                    .to_owned(),
            )
            .await?;
        manager
            .exec_stmt(
                Query::insert()
                    .into_table(Guards::Table)
                    .columns([Guards::Name, Guards::Taken])
                    .values_panic(["admins".into(), 0.into()])
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Guards::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Guards {
    Table,
    Name,
    Taken,
}
