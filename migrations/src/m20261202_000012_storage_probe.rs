//! The storage probe: a scratch table that the server writes a row of the size of a
//! typical change into, and deletes again, to learn whether a database whose storage
//! filled up has room for writes again (see `api/src/db/storage.rs`).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(StorageProbe::Table)
                    .col(
                        ColumnDef::new(StorageProbe::Id)
                            .string_len(40)
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(StorageProbe::Filler).blob().not_null())
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(StorageProbe::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum StorageProbe {
    Table,
    Id,
    Filler,
}
