//! Change counters (issue 20, item 1): one row per program, and one for what every
//! program's reports read (departments, people), each bumped in the same transaction
//! as every change it covers. A cached report is keyed by the counters it was
//! computed at, so several replicas agree on whether it is still current by reading
//! these rows.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ChangeCounters::Table)
                    .col(
                        ColumnDef::new(ChangeCounters::Scope)
                            .string_len(36)
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(ChangeCounters::Revision)
                            .big_integer()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ChangeCounters::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum ChangeCounters {
    Table,
    Scope,
    Revision,
}
