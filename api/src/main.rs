//! `cxpm`: serve the API, apply migrations, or print the spec.

use clap::Parser;
use cxpm_api::app::{App, shutdown_signal};
use cxpm_api::config::{Cli, Command, LogFormat};
use cxpm_api::{db, http};
use tracing_subscriber::EnvFilter;

/// A request allocates many small short-lived values (headers, JSON, rows) across
/// threads; mimalloc serves those markedly faster than glibc's malloc (see README,
/// Benchmarks).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

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

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Openapi => {
            print!("{}", http::spec_yaml());
            Ok(())
        }
        Command::Migrate(args) => {
            init_logging(LogFormat::Text);
            let conn = db::connect(&args.database_url, args.db_max_connections).await?;
            db::migrate(&conn).await?;
            tracing::info!(database = %db::redact(&args.database_url), "migrations applied");
            Ok(())
        }
        Command::Demo(args) => {
            init_logging(LogFormat::Text);
            let conn = db::connect(
                &args.database.database_url,
                args.database.db_max_connections,
            )
            .await?;
            db::migrate(&conn).await?;
            let started = std::time::Instant::now();
            let built = cxpm_api::demo::build(&conn, args.size, args.seed).await?;
            println!("{built}");
            println!("built in {:.1} s", started.elapsed().as_secs_f64());
            Ok(())
        }
        Command::Serve(args) => {
            init_logging(args.log_format);
            tracing::info!(database = %db::redact(&args.database.database_url), "starting");
            let app = App::prepare(args).await?;
            if let Some(token) = app.bootstrap_token() {
                // Printed once, to standard output, never to the log.
                println!(
                    "Created the first admin (admin@cxpm.local unless CXPM_BOOTSTRAP_EMAIL says otherwise)."
                );
                println!("Their access token, shown only now:");
                println!("{token}");
            }
            app.run(shutdown_signal()).await
        }
    }
}
