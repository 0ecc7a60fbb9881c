//! An index for the gap report, which aggregates a program's measurements by key
//! point and period in the database instead of reading them all.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name("ix_measurements_program_period")
                    .table(Measurements::Table)
                    .col(Measurements::ProgramId)
                    .col(Measurements::KeyPointId)
                    .col(Measurements::PeriodStart)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("ix_measurements_program_period")
                    .table(Measurements::Table)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum Measurements {
    Table,
    ProgramId,
    KeyPointId,
    PeriodStart,
}
