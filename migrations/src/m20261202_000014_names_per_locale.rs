//! Departments and key points may carry their name in other languages, as stages and
//! sub-processes already do: a JSON object by locale tag (`{"zh-CN": "计划部"}`), each
//! reader shown theirs, falling back to the name given.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Departments::Table)
                    .add_column(
                        ColumnDef::new(Departments::NameTranslations)
                            .text()
                            .not_null()
                            .default("{}"),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(KeyPoints::Table)
                    .add_column(
                        ColumnDef::new(KeyPoints::NameTranslations)
                            .text()
                            .not_null()
                            .default("{}"),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(KeyPoints::Table)
                    .drop_column(KeyPoints::NameTranslations)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Departments::Table)
                    .drop_column(Departments::NameTranslations)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum Departments {
    Table,
    NameTranslations,
}

#[derive(DeriveIden)]
enum KeyPoints {
    Table,
    NameTranslations,
}
