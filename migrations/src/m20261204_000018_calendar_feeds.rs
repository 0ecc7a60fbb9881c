//! Calendar feeds (issue 18): a person subscribes their calendar app to their due
//! actions — or a department's — at `/calendar/{token}.ics`. Calendar apps cannot
//! send a bearer token, so each feed has its own secret in its address, stored only
//! as its SHA-256, revocable on its own without touching the person's API tokens.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(CalendarFeeds::Table)
                    .col(
                        ColumnDef::new(CalendarFeeds::Id)
                            .string_len(36)
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(CalendarFeeds::PersonId)
                            .string_len(36)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(CalendarFeeds::DepartmentId)
                            .string_len(36)
                            .null(),
                    )
                    .col(
                        ColumnDef::new(CalendarFeeds::TokenHash)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(CalendarFeeds::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(CalendarFeeds::LastReadAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(CalendarFeeds::RevokedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(CalendarFeeds::Table, CalendarFeeds::PersonId)
                            .to(People::Table, People::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(CalendarFeeds::Table, CalendarFeeds::DepartmentId)
                            .to(Departments::Table, Departments::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_calendar_feeds_token_hash")
                    .table(CalendarFeeds::Table)
                    .col(CalendarFeeds::TokenHash)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_calendar_feeds_person")
                    .table(CalendarFeeds::Table)
                    .col(CalendarFeeds::PersonId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(CalendarFeeds::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum CalendarFeeds {
    Table,
    Id,
    PersonId,
    DepartmentId,
    TokenHash,
    CreatedAt,
    LastReadAt,
    RevokedAt,
}

#[derive(DeriveIden)]
enum People {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Departments {
    Table,
    Id,
}
