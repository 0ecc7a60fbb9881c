//! Black-box tests of the cxpm HTTP API. Each test runs once on SQLite and once on
//! PostgreSQL (see `cxpm_tests::both_databases!`).

mod admin_pages;
mod audit;
mod auth;
mod authorization;
mod backup;
mod browser;
mod browser_setup;
mod calendar;
mod compression;
mod connections;
mod departments;
mod errors;
mod faults;
mod feedback;
mod first_week;
mod hooks;
mod idempotency;
mod mail;
mod metrics;
mod observability;
mod oidc;
mod pages;
mod people;
mod plans;
mod programs;
mod report_cache;
mod reports;
mod schedules;
mod security;
mod setup_pages;
mod spec;
mod storage;
mod system;
