//! The `cxpm` command line: serve the API, apply migrations, print the spec, or
//! build a demo. `main.rs` only picks the allocator and calls [`main`].

use clap::Parser;
use tracing_subscriber::EnvFilter;

use crate::config::{Cli, Command, LogFormat};
use crate::http;
use crate::server::{App, shutdown_signal};
use cxpm_app::store;

/// The allocators' settings for a long-running server, as the environment gives them:
///
/// - mimalloc (Rust's allocations) commits its arenas as they are used rather than up
///   front: with its default an idle server held 80 MiB instead of 40.
/// - glibc's malloc (SQLite's, which is C) keeps one arena instead of one per thread:
///   each SQLite connection works on a thread of its own, and each thread's arena kept
///   what a report's queries had freed — a server on SQLite that had computed 64
///   large reports held 135 MiB instead of 101 (issue 20's memory bound).
///
/// (Returning freed memory at once, `MIMALLOC_PURGE_DELAY=0`, saved a little more but
/// cut `/healthz` from ~42 000 to ~4 000 requests a second.)
const ALLOCATOR: [(&str, &str); 2] = [
    ("MIMALLOC_ARENA_EAGER_COMMIT", "0"),
    ("MALLOC_ARENA_MAX", "1"),
];

/// Makes the process run with [`ALLOCATOR`]'s settings: the allocators read them from
/// the environment only, before `main`, so a process started without them executes
/// itself once more with them added (a setting already in the environment is
/// kept). Call first thing in `main`, before any thread is started; if the
/// executable cannot be run again, the process goes on with the defaults.
#[cfg(unix)]
pub fn settle_allocator() {
    use std::os::unix::process::CommandExt;
    if ALLOCATOR
        .iter()
        .all(|(name, _)| std::env::var_os(name).is_some())
    {
        return;
    }
    let Ok(exe) = std::env::current_exe() else {
        return;
    };
    let mut again = std::process::Command::new(exe);
    again.args(std::env::args_os().skip(1));
    for (name, value) in ALLOCATOR {
        if std::env::var_os(name).is_none() {
            again.env(name, value);
        }
    }
    // Returns only if the executable could not be run.
    let failed = again.exec();
    eprintln!("cxpm: running with the allocator's default settings ({failed})");
}

/// Elsewhere the defaults stay.
#[cfg(not(unix))]
pub fn settle_allocator() {}

/// Parses the process's arguments and runs them.
pub async fn main() -> anyhow::Result<()> {
    run(Cli::parse()).await
}

/// Runs the command line `cli`: what `cxpm` does.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Openapi => {
            print!("{}", http::spec_yaml());
            Ok(())
        }
        Command::Migrate(args) => {
            init_logging(LogFormat::Text);
            let conn = store::connect(&args.database_url, args.db_max_connections, || {}).await?;
            store::migrate(&conn).await?;
            tracing::info!(database = %store::redact(&args.database_url), "migrations applied");
            Ok(())
        }
        Command::Demo(args) => {
            init_logging(LogFormat::Text);
            let conn = store::connect(
                &args.database.database_url,
                args.database.db_max_connections,
                || {},
            )
            .await?;
            store::migrate(&conn).await?;
            let started = std::time::Instant::now();
            let built = crate::demo::build(&conn, args.size, args.seed).await?;
            println!("{built}");
            let public_url = std::env::var("CXPM_PUBLIC_URL")
                .unwrap_or_else(|_| "http://127.0.0.1:8080".to_owned());
            println!(
                "One-time sign-in links for the pages (15 minutes each; `cxpm serve` at {public_url}):"
            );
            for (who, link) in crate::demo::sign_in_links(&conn, &built, &public_url).await? {
                println!("  {who}: {link}");
            }
            println!("built in {:.1} s", started.elapsed().as_secs_f64());
            Ok(())
        }
        Command::Backup(args) => backup(&args).await,
        Command::BreakGlass(args) => {
            let conn = store::connect(
                &args.database.database_url,
                args.database.db_max_connections,
                || {},
            )
            .await?;
            store::migrate(&conn).await?;
            let ctx = cxpm_app::Ctx::for_command(conn, &args.public_url);
            let link = cxpm_app::directory::sign_in::break_glass(&ctx, &args.email)
                .await
                .map_err(|e| {
                    let why = match e {
                        cxpm_app::AppError::Invalid(invalid) => invalid
                            .0
                            .iter()
                            .map(|f| format!("{} {}", f.field, f.message))
                            .collect::<Vec<_>>()
                            .join("; "),
                        other => other.to_string(),
                    };
                    anyhow::anyhow!("no break-glass link for {}: {why}", args.email.trim())
                })?;
            // To standard output only: the log never holds a way in.
            println!(
                "A one-time sign-in link for {} (15 minutes, once):",
                args.email.trim()
            );
            println!("{link}");
            Ok(())
        }
        Command::Restore(args) => {
            let Some(db) = store::backup::sqlite_path(&args.database.database_url) else {
                anyhow::bail!(
                    "cxpm restore is for SQLite; restore PostgreSQL with pg_restore (see the README's restore drill)"
                );
            };
            store::backup::restore(&args.file, &db).await?;
            println!(
                "restored {} from {} (checked: ok)",
                db.display(),
                args.file.display()
            );
            Ok(())
        }
        Command::Serve(args) => {
            init_logging(args.log_format);
            tracing::info!(database = %store::redact(&args.database.database_url), "starting");
            let app = App::prepare(*args).await?;
            if let Some(token) = app.bootstrap_token() {
                // Printed once, to standard output, never to the log.
                println!(
                    "Created the first admin (admin@cxpm.local unless CXPM_BOOTSTRAP_EMAIL says otherwise)."
                );
                println!("Their access token, shown only now:");
                println!("{token}");
            }
            if let Some(link) = app.bootstrap_link() {
                println!("Sign in to the pages with this one-time link (15 minutes):");
                println!("{link}");
            }
            app.run(shutdown_signal()).await
        }
    }
}

/// `cxpm backup FILE`: SQLite's consistent copy, checked; PostgreSQL's `pg_dump`.
async fn backup(args: &crate::config::BackupArgs) -> anyhow::Result<()> {
    let url = &args.database.database_url;
    let started = std::time::Instant::now();
    if store::backup::sqlite_path(url).is_some() {
        let conn = store::connect(url, Some(1), || {}).await?;
        store::backup::copy_into(&conn, &args.file).await?;
        conn.close().await.ok();
        let check = store::backup::integrity(&args.file).await?;
        if check != "ok" {
            anyhow::bail!("the copy fails SQLite's integrity check: {check}");
        }
        println!(
            "backed up to {} in {:.1} s (integrity check: ok)",
            args.file.display(),
            started.elapsed().as_secs_f64()
        );
        return Ok(());
    }
    if args.file.exists() {
        anyhow::bail!(
            "{} exists already: a backup never overwrites a file",
            args.file.display()
        );
    }
    let status = tokio::process::Command::new("pg_dump")
        .arg("--format=custom")
        .arg("--no-owner")
        .arg("--file")
        .arg(&args.file)
        .arg("--dbname")
        .arg(url)
        .status()
        .await;
    match status {
        Ok(s) if s.success() => {
            println!(
                "backed up to {} with pg_dump in {:.1} s; restore with: pg_restore --no-owner --dbname <empty database> {}",
                args.file.display(),
                started.elapsed().as_secs_f64(),
                args.file.display()
            );
            Ok(())
        }
        Ok(s) => anyhow::bail!("pg_dump failed ({s})"),
        Err(e) => anyhow::bail!(
            "PostgreSQL is backed up with pg_dump, which could not be run ({e}): install PostgreSQL's client tools, or run `pg_dump --format=custom --file {} <database URL>` where they are",
            args.file.display()
        ),
    }
}

fn init_logging(format: LogFormat) {
    let filter = EnvFilter::try_from_env("CXPM_LOG").unwrap_or_else(|_| {
        EnvFilter::new("info,sqlx=warn,sea_orm=warn,poem::middleware::tracing_mw=info")
    });
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
}
