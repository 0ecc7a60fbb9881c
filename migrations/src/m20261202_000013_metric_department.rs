//! A metric may name the department that owns it. Without one it belongs to the
//! department that owns its sub-process or touchpoint (issue 13: the worst line of a
//! week belonged to nobody).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Metrics::Table)
                    .add_column(ColumnDef::new(Metrics::DepartmentId).string_len(36).null())
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Metrics::Table)
                    .drop_column(Metrics::DepartmentId)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum Metrics {
    Table,
    DepartmentId,
}
