//! People sign in to the web pages: one-time sign-in links (mailed, 15 minutes,
//! single use) and the sessions they open. Both keep only the SHA-256 of their
//! secret. Sign-in mails go through the outbox, which until now held only schedule
//! digests: its program and schedule become optional.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DatabaseBackend};

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

fn maybe_at(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col)
        .timestamp_with_time_zone()
        .null()
        .to_owned()
}

/// The outbox of migration 10 with `program_id` and `schedule_id` nullable: SQLite
/// cannot drop a NOT NULL in place, so the table is rebuilt with its rows.
const SQLITE_OUTBOX: &[&str] = &[
    r#"CREATE TABLE "outbox_new" ( "id" varchar(36) NOT NULL PRIMARY KEY, "program_id" varchar(36) NULL, "schedule_id" varchar(36) NULL, "fired_at" timestamp_with_timezone_text NOT NULL, "recipient_id" varchar(36) NOT NULL, "to_address" varchar(320) NOT NULL, "locale" varchar(8) NOT NULL, "dedupe_key" varchar(200) NOT NULL, "message_id" varchar(300) NOT NULL, "subject" varchar(400) NOT NULL, "body_text" text NOT NULL, "body_html" text NOT NULL, "items" integer NOT NULL, "status" varchar(16) NOT NULL, "attempts" integer NOT NULL, "next_attempt_at" timestamp_with_timezone_text NOT NULL, "last_error" text NULL, "sent_at" timestamp_with_timezone_text NULL, "created_at" timestamp_with_timezone_text NOT NULL, FOREIGN KEY ("schedule_id") REFERENCES "schedules" ("id") )"#,
    r#"INSERT INTO "outbox_new" SELECT "id", "program_id", "schedule_id", "fired_at", "recipient_id", "to_address", "locale", "dedupe_key", "message_id", "subject", "body_text", "body_html", "items", "status", "attempts", "next_attempt_at", "last_error", "sent_at", "created_at" FROM "outbox""#,
    r#"DROP TABLE "outbox""#,
    r#"ALTER TABLE "outbox_new" RENAME TO "outbox""#,
    r#"CREATE UNIQUE INDEX "ux_outbox_dedupe_key" ON "outbox" ("dedupe_key")"#,
    r#"CREATE INDEX "ix_outbox_due" ON "outbox" ("status", "next_attempt_at")"#,
    r#"CREATE INDEX "ix_outbox_recipient" ON "outbox" ("recipient_id")"#,
];

const POSTGRES_OUTBOX: &[&str] = &[
    r#"ALTER TABLE "outbox" ALTER COLUMN "program_id" DROP NOT NULL, ALTER COLUMN "schedule_id" DROP NOT NULL"#,
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    /// One transaction on one connection on both databases: the outbox's rebuild on
    /// SQLite must not be seen half done (or by another pooled connection).
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(SignInLinks::Table)
                    .col(id(SignInLinks::Id).primary_key())
                    .col(id(SignInLinks::PersonId))
                    .col(
                        ColumnDef::new(SignInLinks::TokenHash)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(ColumnDef::new(SignInLinks::NextPath).string_len(500).null())
                    .col(at(SignInLinks::CreatedAt))
                    .col(at(SignInLinks::ExpiresAt))
                    .col(maybe_at(SignInLinks::UsedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(SignInLinks::Table, SignInLinks::PersonId)
                            .to(People::Table, People::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_sign_in_links_token_hash")
                    .table(SignInLinks::Table)
                    .col(SignInLinks::TokenHash)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_sign_in_links_person")
                    .table(SignInLinks::Table)
                    .col(SignInLinks::PersonId)
                    .col(SignInLinks::CreatedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Sessions::Table)
                    .col(id(Sessions::Id).primary_key())
                    .col(id(Sessions::PersonId))
                    .col(
                        ColumnDef::new(Sessions::TokenHash)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Sessions::CsrfToken)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(ColumnDef::new(Sessions::UserAgent).string_len(300).null())
                    .col(ColumnDef::new(Sessions::Client).string_len(64).null())
                    .col(at(Sessions::CreatedAt))
                    .col(at(Sessions::LastSeenAt))
                    .col(at(Sessions::ExpiresAt))
                    .col(maybe_at(Sessions::RevokedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Sessions::Table, Sessions::PersonId)
                            .to(People::Table, People::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_sessions_token_hash")
                    .table(Sessions::Table)
                    .col(Sessions::TokenHash)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_sessions_person")
                    .table(Sessions::Table)
                    .col(Sessions::PersonId)
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        let statements = match db.get_database_backend() {
            DatabaseBackend::Sqlite => SQLITE_OUTBOX,
            _ => POSTGRES_OUTBOX,
        };
        for sql in statements {
            db.execute_unprepared(sql)
                .await
                .map_err(|e| DbErr::Migration(format!("{e} (in: {sql})")))?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Sessions::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(SignInLinks::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum SignInLinks {
    Table,
    Id,
    PersonId,
    TokenHash,
    NextPath,
    CreatedAt,
    ExpiresAt,
    UsedAt,
}

#[derive(DeriveIden)]
enum Sessions {
    Table,
    Id,
    PersonId,
    TokenHash,
    CsrfToken,
    UserAgent,
    Client,
    CreatedAt,
    LastSeenAt,
    ExpiresAt,
    RevokedAt,
}

#[derive(DeriveIden)]
enum People {
    Table,
    Id,
}
