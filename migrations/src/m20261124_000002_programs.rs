//! Programs, their team, the value stream (stages, sub-processes, owners) and
//! internal-customer relationships.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

fn id(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col).string_len(36).not_null().to_owned()
}

fn optional_id(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col).string_len(36).null().to_owned()
}

fn timestamp(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col)
        .timestamp_with_time_zone()
        .not_null()
        .to_owned()
}

fn version(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col)
        .integer()
        .not_null()
        .default(1)
        .to_owned()
}

fn fk(
    from: (impl IntoIden, impl IntoIden),
    to: (impl IntoIden, impl IntoIden),
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(from.0, from.1)
        .to(to.0, to.1)
        .to_owned()
}

async fn index(
    manager: &SchemaManager<'_>,
    name: &str,
    table: impl IntoIden,
    cols: Vec<Alias>,
    unique: bool,
) -> Result<(), DbErr> {
    let mut stmt = Index::create();
    stmt.name(name).table(table);
    for col in cols {
        stmt.col(col);
    }
    if unique {
        stmt.unique();
    }
    manager.create_index(stmt.to_owned()).await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Programs::Table)
                    .col(id(Programs::Id).primary_key())
                    .col(ColumnDef::new(Programs::Name).string_len(200).not_null())
                    .col(
                        ColumnDef::new(Programs::BusinessLine)
                            .string_len(200)
                            .null(),
                    )
                    .col(ColumnDef::new(Programs::Description).text().null())
                    .col(ColumnDef::new(Programs::Status).string_len(16).not_null())
                    .col(optional_id(Programs::SponsorId))
                    .col(optional_id(Programs::CoordinatorId))
                    .col(ColumnDef::new(Programs::ScaleMin).integer().not_null())
                    .col(ColumnDef::new(Programs::ScaleMax).integer().not_null())
                    .col(ColumnDef::new(Programs::MinorMax).double().not_null())
                    .col(ColumnDef::new(Programs::MajorMax).double().not_null())
                    // Bumped by every reorder: the first write of a reorder transaction,
                    // so reorders of one program run one after another on both databases.
                    .col(
                        ColumnDef::new(Programs::StageOrder)
                            .integer()
                            .not_null()
                            .default(0),
                    )
                    .col(version(Programs::Version))
                    .col(timestamp(Programs::CreatedAt))
                    .col(timestamp(Programs::UpdatedAt))
                    .foreign_key(&mut fk(
                        (Programs::Table, Programs::SponsorId),
                        (People::Table, People::Id),
                    ))
                    .foreign_key(&mut fk(
                        (Programs::Table, Programs::CoordinatorId),
                        (People::Table, People::Id),
                    ))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Members::Table)
                    .col(id(Members::Id).primary_key())
                    .col(id(Members::ProgramId))
                    .col(id(Members::PersonId))
                    .col(ColumnDef::new(Members::TeamRole).string_len(32).not_null())
                    .col(version(Members::Version))
                    .col(timestamp(Members::CreatedAt))
                    .col(timestamp(Members::UpdatedAt))
                    .foreign_key(&mut fk(
                        (Members::Table, Members::ProgramId),
                        (Programs::Table, Programs::Id),
                    ))
                    .foreign_key(&mut fk(
                        (Members::Table, Members::PersonId),
                        (People::Table, People::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "ux_members_program_person",
            Members::Table,
            vec![Alias::new("program_id"), Alias::new("person_id")],
            true,
        )
        .await?;
        index(
            manager,
            "ix_members_person",
            Members::Table,
            vec![Alias::new("person_id")],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(Stages::Table)
                    .col(id(Stages::Id).primary_key())
                    .col(id(Stages::ProgramId))
                    .col(ColumnDef::new(Stages::TemplateKey).string_len(64).null())
                    .col(ColumnDef::new(Stages::Name).string_len(200).not_null())
                    .col(ColumnDef::new(Stages::NameTranslations).text().not_null())
                    .col(ColumnDef::new(Stages::Description).text().null())
                    .col(ColumnDef::new(Stages::CustomerFacing).boolean().not_null())
                    .col(ColumnDef::new(Stages::Position).integer().not_null())
                    .col(
                        ColumnDef::new(Stages::Archived)
                            .boolean()
                            .not_null()
                            .default(false),
                    )
                    .col(version(Stages::Version))
                    .col(timestamp(Stages::CreatedAt))
                    .col(timestamp(Stages::UpdatedAt))
                    .foreign_key(&mut fk(
                        (Stages::Table, Stages::ProgramId),
                        (Programs::Table, Programs::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "ix_stages_program",
            Stages::Table,
            vec![Alias::new("program_id")],
            false,
        )
        .await?;
        index(
            manager,
            "ux_stages_template_key",
            Stages::Table,
            vec![Alias::new("program_id"), Alias::new("template_key")],
            true,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(SubProcesses::Table)
                    .col(id(SubProcesses::Id).primary_key())
                    .col(id(SubProcesses::ProgramId))
                    .col(id(SubProcesses::StageId))
                    .col(
                        ColumnDef::new(SubProcesses::TemplateKey)
                            .string_len(64)
                            .null(),
                    )
                    .col(
                        ColumnDef::new(SubProcesses::Name)
                            .string_len(200)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(SubProcesses::NameTranslations)
                            .text()
                            .not_null(),
                    )
                    .col(ColumnDef::new(SubProcesses::Goal).text().null())
                    .col(ColumnDef::new(SubProcesses::Position).integer().not_null())
                    .col(
                        ColumnDef::new(SubProcesses::Archived)
                            .boolean()
                            .not_null()
                            .default(false),
                    )
                    .col(version(SubProcesses::Version))
                    .col(timestamp(SubProcesses::CreatedAt))
                    .col(timestamp(SubProcesses::UpdatedAt))
                    .foreign_key(&mut fk(
                        (SubProcesses::Table, SubProcesses::StageId),
                        (Stages::Table, Stages::Id),
                    ))
                    .foreign_key(&mut fk(
                        (SubProcesses::Table, SubProcesses::ProgramId),
                        (Programs::Table, Programs::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "ix_sub_processes_stage",
            SubProcesses::Table,
            vec![Alias::new("stage_id")],
            false,
        )
        .await?;
        index(
            manager,
            "ux_sub_processes_template_key",
            SubProcesses::Table,
            vec![Alias::new("program_id"), Alias::new("template_key")],
            true,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(Owners::Table)
                    .col(id(Owners::Id).primary_key())
                    .col(id(Owners::ProgramId))
                    .col(id(Owners::SubProcessId))
                    .col(id(Owners::DepartmentId))
                    .col(optional_id(Owners::PersonId))
                    .col(ColumnDef::new(Owners::Responsibility).text().not_null())
                    .col(version(Owners::Version))
                    .col(timestamp(Owners::CreatedAt))
                    .col(timestamp(Owners::UpdatedAt))
                    .foreign_key(&mut fk(
                        (Owners::Table, Owners::SubProcessId),
                        (SubProcesses::Table, SubProcesses::Id),
                    ))
                    .foreign_key(&mut fk(
                        (Owners::Table, Owners::DepartmentId),
                        (Departments::Table, Departments::Id),
                    ))
                    .foreign_key(&mut fk(
                        (Owners::Table, Owners::PersonId),
                        (People::Table, People::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "ux_owners_sub_process_department",
            Owners::Table,
            vec![Alias::new("sub_process_id"), Alias::new("department_id")],
            true,
        )
        .await?;
        index(
            manager,
            "ix_owners_program",
            Owners::Table,
            vec![Alias::new("program_id")],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(Relationships::Table)
                    .col(id(Relationships::Id).primary_key())
                    .col(id(Relationships::ProgramId))
                    .col(id(Relationships::ProviderDepartmentId))
                    .col(optional_id(Relationships::ProviderPersonId))
                    .col(id(Relationships::CustomerDepartmentId))
                    .col(optional_id(Relationships::CustomerPersonId))
                    .col(
                        ColumnDef::new(Relationships::Delivers)
                            .string_len(500)
                            .not_null(),
                    )
                    .col(optional_id(Relationships::SubProcessId))
                    .col(
                        ColumnDef::new(Relationships::Archived)
                            .boolean()
                            .not_null()
                            .default(false),
                    )
                    .col(version(Relationships::Version))
                    .col(timestamp(Relationships::CreatedAt))
                    .col(timestamp(Relationships::UpdatedAt))
                    .foreign_key(&mut fk(
                        (Relationships::Table, Relationships::ProgramId),
                        (Programs::Table, Programs::Id),
                    ))
                    .foreign_key(&mut fk(
                        (Relationships::Table, Relationships::ProviderDepartmentId),
                        (Departments::Table, Departments::Id),
                    ))
                    .foreign_key(&mut fk(
                        (Relationships::Table, Relationships::CustomerDepartmentId),
                        (Departments::Table, Departments::Id),
                    ))
                    .foreign_key(&mut fk(
                        (Relationships::Table, Relationships::ProviderPersonId),
                        (People::Table, People::Id),
                    ))
                    .foreign_key(&mut fk(
                        (Relationships::Table, Relationships::CustomerPersonId),
                        (People::Table, People::Id),
                    ))
                    .foreign_key(&mut fk(
                        (Relationships::Table, Relationships::SubProcessId),
                        (SubProcesses::Table, SubProcesses::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "ux_relationships_pair",
            Relationships::Table,
            vec![
                Alias::new("program_id"),
                Alias::new("provider_department_id"),
                Alias::new("customer_department_id"),
                Alias::new("delivers"),
            ],
            true,
        )
        .await?;
        index(
            manager,
            "ix_relationships_customer",
            Relationships::Table,
            vec![Alias::new("customer_department_id")],
            false,
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Relationships::Table.into_iden(),
            Owners::Table.into_iden(),
            SubProcesses::Table.into_iden(),
            Stages::Table.into_iden(),
            Members::Table.into_iden(),
            Programs::Table.into_iden(),
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
}

#[derive(DeriveIden)]
enum People {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Programs {
    Table,
    Id,
    Name,
    BusinessLine,
    Description,
    Status,
    SponsorId,
    CoordinatorId,
    ScaleMin,
    ScaleMax,
    MinorMax,
    MajorMax,
    StageOrder,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Members {
    Table,
    Id,
    ProgramId,
    PersonId,
    TeamRole,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Stages {
    Table,
    Id,
    ProgramId,
    TemplateKey,
    Name,
    NameTranslations,
    Description,
    CustomerFacing,
    Position,
    Archived,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum SubProcesses {
    Table,
    Id,
    ProgramId,
    StageId,
    TemplateKey,
    Name,
    NameTranslations,
    Goal,
    Position,
    Archived,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Owners {
    Table,
    Id,
    ProgramId,
    SubProcessId,
    DepartmentId,
    PersonId,
    Responsibility,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Relationships {
    Table,
    Id,
    ProgramId,
    ProviderDepartmentId,
    ProviderPersonId,
    CustomerDepartmentId,
    CustomerPersonId,
    Delivers,
    SubProcessId,
    Archived,
    Version,
    CreatedAt,
    UpdatedAt,
}
