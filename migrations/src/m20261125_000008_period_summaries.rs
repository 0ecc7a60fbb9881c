//! Running sums of measurements and readings per item and period, kept in the same
//! transaction as each measurement or reading (both are append-only), so that the
//! gap report reads a few rows per key point or metric instead of every response.
//! Existing data is summed once here.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

fn id(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col).string_len(36).not_null().to_owned()
}

fn sum(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col).double().not_null().to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(KeyPointPeriods::Table)
                    .col(id(KeyPointPeriods::KeyPointId))
                    .col(id(KeyPointPeriods::ProgramId))
                    .col(
                        ColumnDef::new(KeyPointPeriods::PeriodStart)
                            .date()
                            .not_null(),
                    )
                    .col(ColumnDef::new(KeyPointPeriods::PeriodEnd).date().not_null())
                    .col(
                        ColumnDef::new(KeyPointPeriods::Measurements)
                            .integer()
                            .not_null(),
                    )
                    // Σ w, Σ w·expectation, Σ w·experience; w = sample size, at least 1.
                    .col(sum(KeyPointPeriods::Weight))
                    .col(sum(KeyPointPeriods::ExpectationSum))
                    .col(sum(KeyPointPeriods::ExperienceSum))
                    // The same over the measurements that carry the provider's own rating.
                    .col(sum(KeyPointPeriods::ProviderWeight))
                    .col(sum(KeyPointPeriods::ProviderSum))
                    .col(
                        ColumnDef::new(KeyPointPeriods::Importance)
                            .integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(KeyPointPeriods::SampleSize)
                            .big_integer()
                            .null(),
                    )
                    .primary_key(
                        Index::create()
                            .col(KeyPointPeriods::KeyPointId)
                            .col(KeyPointPeriods::PeriodStart),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(KeyPointPeriods::Table, KeyPointPeriods::KeyPointId)
                            .to(KeyPoints::Table, KeyPoints::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(MetricPeriods::Table)
                    .col(id(MetricPeriods::MetricId))
                    .col(ColumnDef::new(MetricPeriods::PeriodStart).date().not_null())
                    .col(ColumnDef::new(MetricPeriods::PeriodEnd).date().not_null())
                    .col(ColumnDef::new(MetricPeriods::Readings).integer().not_null())
                    .col(sum(MetricPeriods::Weight))
                    .col(sum(MetricPeriods::ValueSum))
                    .col(
                        ColumnDef::new(MetricPeriods::SampleSize)
                            .big_integer()
                            .null(),
                    )
                    .primary_key(
                        Index::create()
                            .col(MetricPeriods::MetricId)
                            .col(MetricPeriods::PeriodStart),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(MetricPeriods::Table, MetricPeriods::MetricId)
                            .to(Metrics::Table, Metrics::Id),
                    )
                    .to_owned(),
            )
            .await?;
        // A metric's last reading, found without reading all of them.
        manager
            .create_index(
                Index::create()
                    .name("ix_readings_metric_recorded")
                    .table(Readings::Table)
                    .col(Readings::MetricId)
                    .col(Readings::RecordedAt)
                    .to_owned(),
            )
            .await?;
        // The reports count a program's actions per plan and department from this
        // index alone (it covers every column they read).
        manager
            .create_index(
                Index::create()
                    .name("ix_actions_program_plan")
                    .table(Actions::Table)
                    .col(Actions::ProgramId)
                    .col(Actions::PlanId)
                    .col(Actions::DepartmentId)
                    .col(Actions::Status)
                    .col(Actions::DueDate)
                    .col(Actions::LastUpdateAt)
                    .col(Actions::UpdatedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_actions_program_department")
                    .table(Actions::Table)
                    .col(Actions::ProgramId)
                    .col(Actions::DepartmentId)
                    .col(Actions::Status)
                    .col(Actions::DueDate)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_actions_program_effect")
                    .table(Actions::Table)
                    .col(Actions::ProgramId)
                    .col(Actions::EffectKeyPointId)
                    .to_owned(),
            )
            .await?;
        // The report no longer groups raw measurements (000007 indexed them for that).
        manager
            .drop_index(
                Index::drop()
                    .name("ix_measurements_program_period")
                    .table(Measurements::Table)
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        db.execute_unprepared(
            "INSERT INTO key_point_periods (key_point_id, program_id, period_start, period_end,
                 measurements, weight, expectation_sum, experience_sum, provider_weight,
                 provider_sum, importance, sample_size)
             SELECT key_point_id, program_id, period_start, MAX(period_end), COUNT(*),
                 SUM(w), SUM(w * expectation_score), SUM(w * experience_score),
                 SUM(CASE WHEN provider_rating IS NULL THEN 0 ELSE w END),
                 SUM(CASE WHEN provider_rating IS NULL THEN 0 ELSE w * provider_rating END),
                 MAX(importance), SUM(sample_size)
             FROM (SELECT m.*, CASE WHEN sample_size IS NULL OR sample_size < 1 THEN 1
                                    ELSE sample_size END AS w
                   FROM measurements m) weighted
             GROUP BY key_point_id, program_id, period_start",
        )
        .await?;
        db.execute_unprepared(
            "INSERT INTO metric_periods (metric_id, period_start, period_end, readings, weight,
                 value_sum, sample_size)
             SELECT metric_id, period_start, MAX(period_end), COUNT(*), SUM(w), SUM(w * value),
                 SUM(sample_size)
             FROM (SELECT r.*, CASE WHEN sample_size IS NULL OR sample_size < 1 THEN 1
                                    ELSE sample_size END AS w
                   FROM readings r) weighted
             GROUP BY metric_id, period_start",
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name("ix_measurements_program_period")
                    .table(Measurements::Table)
                    .col(Measurements::ProgramId)
                    .col(Measurements::KeyPointId)
                    .col(Measurements::PeriodStart)
                    .to_owned(),
            )
            .await?;
        for name in [
            "ix_actions_program_effect",
            "ix_actions_program_department",
            "ix_actions_program_plan",
        ] {
            manager
                .drop_index(Index::drop().name(name).table(Actions::Table).to_owned())
                .await?;
        }
        manager
            .drop_index(
                Index::drop()
                    .name("ix_readings_metric_recorded")
                    .table(Readings::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(MetricPeriods::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(KeyPointPeriods::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum KeyPointPeriods {
    Table,
    KeyPointId,
    ProgramId,
    PeriodStart,
    PeriodEnd,
    Measurements,
    Weight,
    ExpectationSum,
    ExperienceSum,
    ProviderWeight,
    ProviderSum,
    Importance,
    SampleSize,
}

#[derive(DeriveIden)]
enum MetricPeriods {
    Table,
    MetricId,
    PeriodStart,
    PeriodEnd,
    Readings,
    Weight,
    ValueSum,
    SampleSize,
}

#[derive(DeriveIden)]
enum Measurements {
    Table,
    ProgramId,
    KeyPointId,
    PeriodStart,
}

#[derive(DeriveIden)]
enum KeyPoints {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Metrics {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Readings {
    Table,
    MetricId,
    RecordedAt,
}

#[derive(DeriveIden)]
enum Actions {
    Table,
    ProgramId,
    PlanId,
    DepartmentId,
    Status,
    DueDate,
    LastUpdateAt,
    UpdatedAt,
    EffectKeyPointId,
}
