//! Feedback rounds (issue 16): a relationship's provider asks its customers how it
//! went. A round invites people (or outside contacts, by email); each invitation
//! keeps only *that* it was answered; the ratings and comments are stored with the
//! round and the kind of respondent, never with the invitation (no id, no time), so
//! nobody can tell whose answer was whose. One-time links keep only the SHA-256 of
//! their token. A program says from how many respondents results show (default 3).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

fn id(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col).string_len(36).not_null().to_owned()
}

fn maybe_id(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col).string_len(36).null().to_owned()
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

fn kind(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col).string_len(16).not_null().to_owned()
}

fn score(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col).double().not_null().to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Programs::Table)
                    .add_column(
                        ColumnDef::new(Programs::MinRespondents)
                            .integer()
                            .not_null()
                            .default(3),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Rounds::Table)
                    .col(id(Rounds::Id).primary_key())
                    .col(id(Rounds::ProgramId))
                    .col(id(Rounds::RelationshipId))
                    .col(kind(Rounds::Status))
                    .col(ColumnDef::new(Rounds::AskProvider).boolean().not_null())
                    .col(ColumnDef::new(Rounds::MinRespondents).integer().not_null())
                    .col(ColumnDef::new(Rounds::PeriodStart).date().not_null())
                    .col(at(Rounds::Deadline))
                    .col(maybe_id(Rounds::OpenedBy))
                    .col(at(Rounds::OpenedAt))
                    .col(maybe_at(Rounds::RemindedAt))
                    .col(maybe_at(Rounds::ClosedAt))
                    .col(ColumnDef::new(Rounds::Measurements).integer().not_null())
                    .col(ColumnDef::new(Rounds::Version).integer().not_null())
                    .col(at(Rounds::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Rounds::Table, Rounds::RelationshipId)
                            .to(Relationships::Table, Relationships::Id),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, cols) in [
            (
                "ix_feedback_rounds_program",
                vec![Rounds::ProgramId, Rounds::OpenedAt],
            ),
            (
                "ix_feedback_rounds_relationship",
                vec![Rounds::RelationshipId, Rounds::OpenedAt],
            ),
            (
                "ix_feedback_rounds_due",
                vec![Rounds::Status, Rounds::Deadline],
            ),
        ] {
            let mut index = Index::create();
            index.name(name).table(Rounds::Table);
            for c in cols {
                index.col(c);
            }
            manager.create_index(index.to_owned()).await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(Invitations::Table)
                    .col(id(Invitations::Id).primary_key())
                    .col(id(Invitations::RoundId))
                    .col(kind(Invitations::Respondent))
                    .col(maybe_id(Invitations::PersonId))
                    .col(maybe_id(Invitations::DepartmentId))
                    .col(
                        ColumnDef::new(Invitations::Email)
                            .string_len(254)
                            .not_null(),
                    )
                    .col(ColumnDef::new(Invitations::Locale).string_len(8).not_null())
                    .col(at(Invitations::InvitedAt))
                    .col(maybe_at(Invitations::AnsweredAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Invitations::Table, Invitations::RoundId)
                            .to(Rounds::Table, Rounds::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_feedback_invitations_email")
                    .table(Invitations::Table)
                    .col(Invitations::RoundId)
                    .col(Invitations::Email)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_feedback_invitations_person")
                    .table(Invitations::Table)
                    .col(Invitations::PersonId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Links::Table)
                    .col(
                        ColumnDef::new(Links::TokenHash)
                            .string_len(64)
                            .not_null()
                            .primary_key(),
                    )
                    .col(id(Links::InvitationId))
                    .col(at(Links::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Links::Table, Links::InvitationId)
                            .to(Invitations::Table, Invitations::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Ratings::Table)
                    .col(id(Ratings::Id).primary_key())
                    .col(id(Ratings::RoundId))
                    .col(kind(Ratings::Respondent))
                    .col(id(Ratings::KeyPointId))
                    .col(ColumnDef::new(Ratings::Importance).integer().not_null())
                    .col(score(Ratings::Expectation))
                    .col(score(Ratings::Experience))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Ratings::Table, Ratings::RoundId)
                            .to(Rounds::Table, Rounds::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_feedback_ratings_round")
                    .table(Ratings::Table)
                    .col(Ratings::RoundId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Comments::Table)
                    .col(id(Comments::Id).primary_key())
                    .col(id(Comments::RoundId))
                    .col(kind(Comments::Respondent))
                    .col(ColumnDef::new(Comments::Body).text().not_null())
                    .foreign_key(
                        ForeignKey::create()
                            .from(Comments::Table, Comments::RoundId)
                            .to(Rounds::Table, Rounds::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_feedback_comments_round")
                    .table(Comments::Table)
                    .col(Comments::RoundId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Comments::Table.into_iden(),
            Ratings::Table.into_iden(),
            Links::Table.into_iden(),
            Invitations::Table.into_iden(),
            Rounds::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(Programs::Table)
                    .drop_column(Programs::MinRespondents)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum Programs {
    Table,
    MinRespondents,
}

#[derive(DeriveIden)]
enum Relationships {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Rounds {
    #[sea_orm(iden = "feedback_rounds")]
    Table,
    Id,
    ProgramId,
    RelationshipId,
    Status,
    AskProvider,
    MinRespondents,
    PeriodStart,
    Deadline,
    OpenedBy,
    OpenedAt,
    RemindedAt,
    ClosedAt,
    Measurements,
    Version,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Invitations {
    #[sea_orm(iden = "feedback_invitations")]
    Table,
    Id,
    RoundId,
    Respondent,
    PersonId,
    DepartmentId,
    Email,
    Locale,
    InvitedAt,
    AnsweredAt,
}

#[derive(DeriveIden)]
enum Links {
    #[sea_orm(iden = "feedback_links")]
    Table,
    TokenHash,
    InvitationId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Ratings {
    #[sea_orm(iden = "feedback_ratings")]
    Table,
    Id,
    RoundId,
    Respondent,
    KeyPointId,
    Importance,
    Expectation,
    Experience,
}

#[derive(DeriveIden)]
enum Comments {
    #[sea_orm(iden = "feedback_comments")]
    Table,
    Id,
    RoundId,
    Respondent,
    Body,
}
