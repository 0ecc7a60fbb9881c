//! The `cxpm` command line: serve the API, apply migrations, print the spec, or
//! build a demo. `main.rs` only picks the allocator and calls [`main`].

use clap::Parser;
use tracing_subscriber::EnvFilter;

use crate::config::{Cli, Command, LogFormat};
use crate::http;
use crate::server::{App, shutdown_signal};
use cxpm_app::store;

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
