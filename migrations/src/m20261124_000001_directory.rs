//! The directory: departments, people, access tokens and the audit trail.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Ids are UUID v7 in their 36-character text form: time-ordered, so keyset
/// pagination by id is also creation order, and the same on both databases.
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
                    .table(Departments::Table)
                    .col(id(Departments::Id).primary_key())
                    .col(ColumnDef::new(Departments::Name).string_len(200).not_null())
                    .col(
                        ColumnDef::new(Departments::Code)
                            .string_len(32)
                            .not_null()
                            .unique_key(),
                    )
                    .col(ColumnDef::new(Departments::ParentId).string_len(36).null())
                    .col(ColumnDef::new(Departments::HeadId).string_len(36).null())
                    .col(
                        ColumnDef::new(Departments::Active)
                            .boolean()
                            .not_null()
                            .default(true),
                    )
                    .col(
                        ColumnDef::new(Departments::Version)
                            .integer()
                            .not_null()
                            .default(1),
                    )
                    .col(timestamp(Departments::CreatedAt))
                    .col(timestamp(Departments::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Departments::Table, Departments::ParentId)
                            .to(Departments::Table, Departments::Id),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(People::Table)
                    .col(id(People::Id).primary_key())
                    .col(ColumnDef::new(People::Name).string_len(200).not_null())
                    .col(
                        ColumnDef::new(People::Email)
                            .string_len(254)
                            .not_null()
                            .unique_key(),
                    )
                    .col(ColumnDef::new(People::DepartmentId).string_len(36).null())
                    .col(ColumnDef::new(People::Role).string_len(32).not_null())
                    .col(ColumnDef::new(People::Locale).string_len(8).not_null())
                    .col(ColumnDef::new(People::TimeZone).string_len(64).not_null())
                    .col(
                        ColumnDef::new(People::Active)
                            .boolean()
                            .not_null()
                            .default(true),
                    )
                    .col(
                        ColumnDef::new(People::Version)
                            .integer()
                            .not_null()
                            .default(1),
                    )
                    .col(timestamp(People::CreatedAt))
                    .col(timestamp(People::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(People::Table, People::DepartmentId)
                            .to(Departments::Table, Departments::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_people_department")
                    .table(People::Table)
                    .col(People::DepartmentId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(AccessTokens::Table)
                    .col(id(AccessTokens::Id).primary_key())
                    .col(id(AccessTokens::PersonId))
                    .col(
                        ColumnDef::new(AccessTokens::Label)
                            .string_len(200)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(AccessTokens::TokenHash)
                            .string_len(64)
                            .not_null()
                            .unique_key(),
                    )
                    .col(id(AccessTokens::CreatedBy))
                    .col(timestamp(AccessTokens::CreatedAt))
                    .col(
                        ColumnDef::new(AccessTokens::LastUsedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(AccessTokens::RevokedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(AccessTokens::Table, AccessTokens::PersonId)
                            .to(People::Table, People::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_access_tokens_person")
                    .table(AccessTokens::Table)
                    .col(AccessTokens::PersonId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(AuditEvents::Table)
                    .col(id(AuditEvents::Id).primary_key())
                    .col(timestamp(AuditEvents::At))
                    .col(ColumnDef::new(AuditEvents::ActorId).string_len(36).null())
                    .col(
                        ColumnDef::new(AuditEvents::Entity)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(id(AuditEvents::EntityId))
                    .col(
                        ColumnDef::new(AuditEvents::Action)
                            .string_len(32)
                            .not_null(),
                    )
                    .col(ColumnDef::new(AuditEvents::Before).text().null())
                    .col(ColumnDef::new(AuditEvents::After).text().null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_audit_entity")
                    .table(AuditEvents::Table)
                    .col(AuditEvents::Entity)
                    .col(AuditEvents::EntityId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_audit_actor")
                    .table(AuditEvents::Table)
                    .col(AuditEvents::ActorId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            AuditEvents::Table.into_iden(),
            AccessTokens::Table.into_iden(),
            People::Table.into_iden(),
            Departments::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Departments {
    Table,
    Id,
    Name,
    Code,
    ParentId,
    HeadId,
    Active,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum People {
    Table,
    Id,
    Name,
    Email,
    DepartmentId,
    Role,
    Locale,
    TimeZone,
    Active,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum AccessTokens {
    Table,
    Id,
    PersonId,
    Label,
    TokenHash,
    CreatedBy,
    CreatedAt,
    LastUsedAt,
    RevokedAt,
}

#[derive(DeriveIden)]
enum AuditEvents {
    Table,
    Id,
    At,
    ActorId,
    Entity,
    EntityId,
    Action,
    Before,
    After,
}
