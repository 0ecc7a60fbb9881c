//! The durable outbox: one row per reminder mail, written in the same transaction as
//! the firing that decided it, unique by its dedupe key (schedule, tick, recipient),
//! delivered by the dispatcher with retries.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

fn id(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col).string_len(36).not_null().to_owned()
}

fn at(col: impl IntoIden) -> ColumnDef {
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
                    .table(Outbox::Table)
                    .col(id(Outbox::Id).primary_key())
                    .col(id(Outbox::ProgramId))
                    .col(id(Outbox::ScheduleId))
                    .col(at(Outbox::FiredAt))
                    .col(id(Outbox::RecipientId))
                    .col(ColumnDef::new(Outbox::ToAddress).string_len(320).not_null())
                    .col(ColumnDef::new(Outbox::Locale).string_len(8).not_null())
                    .col(ColumnDef::new(Outbox::DedupeKey).string_len(200).not_null())
                    .col(ColumnDef::new(Outbox::MessageId).string_len(300).not_null())
                    .col(ColumnDef::new(Outbox::Subject).string_len(400).not_null())
                    .col(ColumnDef::new(Outbox::BodyText).text().not_null())
                    .col(ColumnDef::new(Outbox::BodyHtml).text().not_null())
                    .col(ColumnDef::new(Outbox::Items).integer().not_null())
                    .col(ColumnDef::new(Outbox::Status).string_len(16).not_null())
                    .col(ColumnDef::new(Outbox::Attempts).integer().not_null())
                    .col(at(Outbox::NextAttemptAt))
                    .col(ColumnDef::new(Outbox::LastError).text().null())
                    .col(
                        ColumnDef::new(Outbox::SentAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(at(Outbox::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Outbox::Table, Outbox::ScheduleId)
                            .to(Schedules::Table, Schedules::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_outbox_dedupe_key")
                    .table(Outbox::Table)
                    .col(Outbox::DedupeKey)
                    .unique()
                    .to_owned(),
            )
            .await?;
        // The dispatcher asks for pending mail whose next attempt is due.
        manager
            .create_index(
                Index::create()
                    .name("ix_outbox_due")
                    .table(Outbox::Table)
                    .col(Outbox::Status)
                    .col(Outbox::NextAttemptAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_outbox_recipient")
                    .table(Outbox::Table)
                    .col(Outbox::RecipientId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Outbox::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Outbox {
    Table,
    Id,
    ProgramId,
    ScheduleId,
    FiredAt,
    RecipientId,
    ToAddress,
    Locale,
    DedupeKey,
    MessageId,
    Subject,
    BodyText,
    BodyHtml,
    Items,
    Status,
    Attempts,
    NextAttemptAt,
    LastError,
    SentAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Schedules {
    Table,
    Id,
}
