//! The cxpm schema, one migration per change, written with sea-orm's
//! backend-neutral builders so that one set serves SQLite and PostgreSQL.
//!
//! A migration that has shipped is never edited: a change is a new file.

pub use sea_orm_migration::prelude::*;

mod m20261124_000001_directory;
mod m20261124_000002_programs;
mod m20261124_000003_plans;
mod m20261124_000004_metrics;
mod m20261124_000005_department_function;
mod m20261125_000006_report_snapshots;
mod m20261125_000007_measurement_periods;
mod m20261125_000008_period_summaries;
mod m20261125_000009_schedules;
mod m20261125_000010_outbox;
mod m20261201_000011_guards;
mod m20261202_000012_storage_probe;
mod m20261202_000013_metric_department;
mod m20261202_000014_names_per_locale;
mod m20261202_000015_schedule_readers;
mod m20261203_000016_sign_in;
mod m20261203_000017_feedback_rounds;
mod m20261204_000018_calendar_feeds;
mod m20261204_000019_channels_webhooks;
mod m20261204_000020_idempotency_keys;
mod m20261205_000021_oidc_sign_in;
mod m20261205_000022_change_counters;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261124_000001_directory::Migration),
            Box::new(m20261124_000002_programs::Migration),
            Box::new(m20261124_000003_plans::Migration),
            Box::new(m20261124_000004_metrics::Migration),
            Box::new(m20261124_000005_department_function::Migration),
            Box::new(m20261125_000006_report_snapshots::Migration),
            Box::new(m20261125_000007_measurement_periods::Migration),
            Box::new(m20261125_000008_period_summaries::Migration),
            Box::new(m20261125_000009_schedules::Migration),
            Box::new(m20261125_000010_outbox::Migration),
            Box::new(m20261201_000011_guards::Migration),
            Box::new(m20261202_000012_storage_probe::Migration),
            Box::new(m20261202_000013_metric_department::Migration),
            Box::new(m20261202_000014_names_per_locale::Migration),
            Box::new(m20261202_000015_schedule_readers::Migration),
            Box::new(m20261203_000016_sign_in::Migration),
            Box::new(m20261203_000017_feedback_rounds::Migration),
            Box::new(m20261204_000018_calendar_feeds::Migration),
            Box::new(m20261204_000019_channels_webhooks::Migration),
            Box::new(m20261204_000020_idempotency_keys::Migration),
            Box::new(m20261205_000021_oidc_sign_in::Migration),
            Box::new(m20261205_000022_change_counters::Migration),
        ]
    }
}
