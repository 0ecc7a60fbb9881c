//! Reminder schedules per program: a kind, a crontab line in an IANA zone, the
//! parameters, and the next fire time the scheduler claims by compare-and-set.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

fn id(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col).string_len(36).not_null().to_owned()
}

fn days(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col).integer().not_null().to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Schedules::Table)
                    .col(id(Schedules::Id).primary_key())
                    .col(id(Schedules::ProgramId))
                    .col(ColumnDef::new(Schedules::Kind).string_len(32).not_null())
                    .col(ColumnDef::new(Schedules::Cron).string_len(200).not_null())
                    .col(
                        ColumnDef::new(Schedules::TimeZone)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(days(Schedules::LookAheadDays))
                    .col(days(Schedules::EscalateAfterDays))
                    .col(days(Schedules::StaleAfterDays))
                    .col(ColumnDef::new(Schedules::Enabled).boolean().not_null())
                    .col(
                        ColumnDef::new(Schedules::NextFireAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(Schedules::LastFiredAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(Schedules::Version)
                            .integer()
                            .not_null()
                            .default(1),
                    )
                    .col(
                        ColumnDef::new(Schedules::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Schedules::UpdatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Schedules::Table, Schedules::ProgramId)
                            .to(Programs::Table, Programs::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_schedules_program")
                    .table(Schedules::Table)
                    .col(Schedules::ProgramId)
                    .to_owned(),
            )
            .await?;
        // The scheduler asks for enabled schedules due by now.
        manager
            .create_index(
                Index::create()
                    .name("ix_schedules_due")
                    .table(Schedules::Table)
                    .col(Schedules::Enabled)
                    .col(Schedules::NextFireAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Schedules::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Schedules {
    Table,
    Id,
    ProgramId,
    Kind,
    Cron,
    TimeZone,
    LookAheadDays,
    EscalateAfterDays,
    StaleAfterDays,
    Enabled,
    NextFireAt,
    LastFiredAt,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Programs {
    Table,
    Id,
}
