//! Chat channels and webhook subscriptions (issue 18), and their deliveries: a
//! durable outbox of HTTP calls beside the mail outbox — written in the same
//! transaction as the firing or the change that decided them, unique by a dedupe key,
//! claimed by compare-and-set and retried with backoff by the dispatcher.

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

fn at_or_none(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col)
        .timestamp_with_time_zone()
        .null()
        .to_owned()
}

fn text(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col).text().not_null().to_owned()
}

fn text_or_none(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col).text().null().to_owned()
}

fn short(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col).string_len(32).not_null().to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Channels::Table)
                    .col(id(Channels::Id).primary_key())
                    .col(id(Channels::ProgramId))
                    .col(short(Channels::Kind))
                    .col(ColumnDef::new(Channels::Name).string_len(200).not_null())
                    .col(text(Channels::Url))
                    .col(text_or_none(Channels::Secret))
                    .col(ColumnDef::new(Channels::Locale).string_len(8).not_null())
                    .col(text(Channels::ScheduleIds))
                    .col(text(Channels::DepartmentIds))
                    .col(short(Channels::State))
                    .col(text_or_none(Channels::LastError))
                    .col(ColumnDef::new(Channels::Version).integer().not_null())
                    .col(at(Channels::CreatedAt))
                    .col(at(Channels::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Channels::Table, Channels::ProgramId)
                            .to(Programs::Table, Programs::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_channels_program")
                    .table(Channels::Table)
                    .col(Channels::ProgramId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Webhooks::Table)
                    .col(id(Webhooks::Id).primary_key())
                    .col(id(Webhooks::ProgramId))
                    .col(text(Webhooks::Url))
                    .col(text(Webhooks::Events))
                    .col(text(Webhooks::Secret))
                    .col(text_or_none(Webhooks::PreviousSecret))
                    .col(at_or_none(Webhooks::PreviousUntil))
                    .col(short(Webhooks::State))
                    .col(at_or_none(Webhooks::FailingSince))
                    .col(text_or_none(Webhooks::LastError))
                    .col(ColumnDef::new(Webhooks::Version).integer().not_null())
                    .col(at(Webhooks::CreatedAt))
                    .col(at(Webhooks::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Webhooks::Table, Webhooks::ProgramId)
                            .to(Programs::Table, Programs::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_webhooks_program")
                    .table(Webhooks::Table)
                    .col(Webhooks::ProgramId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Deliveries::Table)
                    .col(id(Deliveries::Id).primary_key())
                    .col(id(Deliveries::ProgramId))
                    .col(ColumnDef::new(Deliveries::ChannelId).string_len(36).null())
                    .col(ColumnDef::new(Deliveries::WebhookId).string_len(36).null())
                    .col(ColumnDef::new(Deliveries::Event).string_len(64).not_null())
                    .col(
                        ColumnDef::new(Deliveries::DedupeKey)
                            .string_len(300)
                            .not_null(),
                    )
                    .col(text(Deliveries::Body))
                    .col(short(Deliveries::Status))
                    .col(ColumnDef::new(Deliveries::Attempts).integer().not_null())
                    .col(at(Deliveries::NextAttemptAt))
                    .col(text_or_none(Deliveries::LastError))
                    .col(ColumnDef::new(Deliveries::LastStatus).integer().null())
                    .col(at_or_none(Deliveries::SentAt))
                    .col(at(Deliveries::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Deliveries::Table, Deliveries::ChannelId)
                            .to(Channels::Table, Channels::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Deliveries::Table, Deliveries::WebhookId)
                            .to(Webhooks::Table, Webhooks::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_deliveries_dedupe_key")
                    .table(Deliveries::Table)
                    .col(Deliveries::DedupeKey)
                    .unique()
                    .to_owned(),
            )
            .await?;
        // The dispatcher asks for pending deliveries whose next attempt is due.
        manager
            .create_index(
                Index::create()
                    .name("ix_deliveries_due")
                    .table(Deliveries::Table)
                    .col(Deliveries::Status)
                    .col(Deliveries::NextAttemptAt)
                    .to_owned(),
            )
            .await?;
        // A subscription's or channel's delivery log, newest first.
        manager
            .create_index(
                Index::create()
                    .name("ix_deliveries_webhook")
                    .table(Deliveries::Table)
                    .col(Deliveries::WebhookId)
                    .col(Deliveries::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_deliveries_channel")
                    .table(Deliveries::Table)
                    .col(Deliveries::ChannelId)
                    .col(Deliveries::Id)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Deliveries::Table.into_iden(),
            Webhooks::Table.into_iden(),
            Channels::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Channels {
    Table,
    Id,
    ProgramId,
    Kind,
    Name,
    Url,
    Secret,
    Locale,
    ScheduleIds,
    DepartmentIds,
    State,
    LastError,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Webhooks {
    Table,
    Id,
    ProgramId,
    Url,
    Events,
    Secret,
    PreviousSecret,
    PreviousUntil,
    State,
    FailingSince,
    LastError,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Deliveries {
    Table,
    Id,
    ProgramId,
    ChannelId,
    WebhookId,
    Event,
    DedupeKey,
    Body,
    Status,
    Attempts,
    NextAttemptAt,
    LastError,
    LastStatus,
    SentAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Programs {
    Table,
    Id,
}
