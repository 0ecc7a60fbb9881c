//! Operational metrics on a touchpoint stage or sub-process, and their readings.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

fn id(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col).string_len(36).not_null().to_owned()
}

fn timestamp(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col)
        .timestamp_with_time_zone()
        .not_null()
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Metrics::Table)
                    .col(id(Metrics::Id).primary_key())
                    .col(id(Metrics::ProgramId))
                    .col(ColumnDef::new(Metrics::StageId).string_len(36).null())
                    .col(ColumnDef::new(Metrics::SubProcessId).string_len(36).null())
                    .col(ColumnDef::new(Metrics::Name).string_len(200).not_null())
                    .col(ColumnDef::new(Metrics::Unit).string_len(32).not_null())
                    .col(ColumnDef::new(Metrics::Direction).string_len(20).not_null())
                    .col(ColumnDef::new(Metrics::Target).double().not_null())
                    .col(ColumnDef::new(Metrics::Source).string_len(200).null())
                    .col(
                        ColumnDef::new(Metrics::UpdateEveryDays)
                            .integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Metrics::Archived)
                            .boolean()
                            .not_null()
                            .default(false),
                    )
                    .col(
                        ColumnDef::new(Metrics::Version)
                            .integer()
                            .not_null()
                            .default(1),
                    )
                    .col(timestamp(Metrics::CreatedAt))
                    .col(timestamp(Metrics::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Metrics::Table, Metrics::ProgramId)
                            .to(Programs::Table, Programs::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Metrics::Table, Metrics::StageId)
                            .to(Stages::Table, Stages::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Metrics::Table, Metrics::SubProcessId)
                            .to(SubProcesses::Table, SubProcesses::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_metrics_program")
                    .table(Metrics::Table)
                    .col(Metrics::ProgramId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Readings::Table)
                    .col(id(Readings::Id).primary_key())
                    .col(id(Readings::MetricId))
                    .col(ColumnDef::new(Readings::PeriodStart).date().not_null())
                    .col(ColumnDef::new(Readings::PeriodEnd).date().not_null())
                    .col(ColumnDef::new(Readings::Value).double().not_null())
                    .col(ColumnDef::new(Readings::SampleSize).integer().null())
                    .col(ColumnDef::new(Readings::Note).text().null())
                    .col(ColumnDef::new(Readings::ExternalId).string_len(200).null())
                    .col(id(Readings::RecordedBy))
                    .col(timestamp(Readings::RecordedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Readings::Table, Readings::MetricId)
                            .to(Metrics::Table, Metrics::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_readings_metric")
                    .table(Readings::Table)
                    .col(Readings::MetricId)
                    .col(Readings::PeriodStart)
                    .to_owned(),
            )
            .await?;
        // A pushed reading is accepted once per metric and external id, so a retried
        // push from an ERP or CRM never counts twice (NULLs do not collide).
        manager
            .create_index(
                Index::create()
                    .name("ux_readings_external_id")
                    .table(Readings::Table)
                    .col(Readings::MetricId)
                    .col(Readings::ExternalId)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Readings::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Metrics::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Programs {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Stages {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum SubProcesses {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Metrics {
    Table,
    Id,
    ProgramId,
    StageId,
    SubProcessId,
    Name,
    Unit,
    Direction,
    Target,
    Source,
    UpdateEveryDays,
    Archived,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Readings {
    Table,
    Id,
    MetricId,
    PeriodStart,
    PeriodEnd,
    Value,
    SampleSize,
    Note,
    ExternalId,
    RecordedBy,
    RecordedAt,
}
