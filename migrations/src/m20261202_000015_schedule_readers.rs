//! A schedule may name who reads its leadership digest — roles, team roles, people —
//! as a JSON object (`{"roles": ["executive"], "team_roles": [], "people": []}`);
//! empty: the program's coordinator and sponsor, as before.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Schedules::Table)
                    .add_column(
                        ColumnDef::new(Schedules::Readers)
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
                    .table(Schedules::Table)
                    .drop_column(Schedules::Readers)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum Schedules {
    Table,
    Readers,
}
