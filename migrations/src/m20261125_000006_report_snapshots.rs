//! Saved gap reports, so that a later report can show what changed since
//! (new, worse, better, closed gaps).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ReportSnapshots::Table)
                    .col(
                        ColumnDef::new(ReportSnapshots::Id)
                            .string_len(36)
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(ReportSnapshots::ProgramId)
                            .string_len(36)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ReportSnapshots::Label)
                            .string_len(200)
                            .not_null(),
                    )
                    .col(ColumnDef::new(ReportSnapshots::Lines).integer().not_null())
                    // The whole gap report as JSON, as it was answered at the time.
                    .col(ColumnDef::new(ReportSnapshots::Report).text().not_null())
                    .col(
                        ColumnDef::new(ReportSnapshots::CreatedBy)
                            .string_len(36)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ReportSnapshots::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ReportSnapshots::Table, ReportSnapshots::ProgramId)
                            .to(Programs::Table, Programs::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_report_snapshots_program")
                    .table(ReportSnapshots::Table)
                    .col(ReportSnapshots::ProgramId)
                    .col(ReportSnapshots::CreatedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ReportSnapshots::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum ReportSnapshots {
    Table,
    Id,
    ProgramId,
    Label,
    Lines,
    Report,
    CreatedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Programs {
    Table,
    Id,
}
