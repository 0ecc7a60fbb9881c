//! Sign-in with the company's account (issue 19): an OpenID Connect sign-in under
//! way (its `state`, kept hashed, with the nonce, the PKCE verifier and where to go
//! after; used once, within ten minutes, its outcome kept for the audit trail); how
//! each session began (`link`, `oidc`, `break-glass`) and, for `oidc`, the ID token
//! to hint at the provider's sign-out; and one-time links made by the break-glass
//! command, the only links that work when sign-in is OpenID Connect only.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(OidcAttempts::Table)
                    .col(
                        ColumnDef::new(OidcAttempts::Id)
                            .string_len(36)
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(OidcAttempts::StateHash)
                            .string_len(64)
                            .not_null()
                            .unique_key(),
                    )
                    .col(
                        ColumnDef::new(OidcAttempts::Nonce)
                            .string_len(128)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(OidcAttempts::PkceVerifier)
                            .string_len(128)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(OidcAttempts::NextPath)
                            .string_len(500)
                            .null(),
                    )
                    .col(
                        ColumnDef::new(OidcAttempts::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(OidcAttempts::ExpiresAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(OidcAttempts::UsedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(ColumnDef::new(OidcAttempts::Outcome).string_len(32).null())
                    .col(ColumnDef::new(OidcAttempts::Subject).string_len(255).null())
                    .col(ColumnDef::new(OidcAttempts::Email).string_len(320).null())
                    .col(ColumnDef::new(OidcAttempts::PersonId).string_len(36).null())
                    .col(ColumnDef::new(OidcAttempts::Detail).string_len(500).null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_oidc_attempts_created_at")
                    .table(OidcAttempts::Table)
                    .col(OidcAttempts::CreatedAt)
                    .to_owned(),
            )
            .await?;
        // SQLite takes one change per ALTER TABLE.
        manager
            .alter_table(
                Table::alter()
                    .table(Sessions::Table)
                    .add_column(
                        ColumnDef::new(Sessions::Method)
                            .string_len(16)
                            .not_null()
                            .default("link"),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Sessions::Table)
                    .add_column(ColumnDef::new(Sessions::IdToken).text().null())
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(SignInLinks::Table)
                    .add_column(
                        ColumnDef::new(SignInLinks::BreakGlass)
                            .boolean()
                            .not_null()
                            .default(false),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(SignInLinks::Table)
                    .drop_column(SignInLinks::BreakGlass)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Sessions::Table)
                    .drop_column(Sessions::IdToken)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Sessions::Table)
                    .drop_column(Sessions::Method)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(OidcAttempts::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum OidcAttempts {
    Table,
    Id,
    StateHash,
    Nonce,
    PkceVerifier,
    NextPath,
    CreatedAt,
    ExpiresAt,
    UsedAt,
    Outcome,
    Subject,
    Email,
    PersonId,
    Detail,
}

#[derive(DeriveIden)]
enum Sessions {
    Table,
    Method,
    IdToken,
}

#[derive(DeriveIden)]
enum SignInLinks {
    Table,
    BreakGlass,
}
