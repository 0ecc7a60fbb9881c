//! Command line and environment: every flag can also be set as `CXPM_*`.

use std::net::SocketAddr;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "cxpm",
    version,
    about = "Runs a cross-department customer-experience improvement program."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Apply pending migrations and serve the API.
    Serve(Box<ServeArgs>),
    /// Apply pending migrations and exit.
    Migrate(DatabaseArgs),
    /// Print the OpenAPI spec (YAML) and exit.
    Openapi,
    /// Fill the database with a realistic demo program (for demos and benchmarks).
    Demo(DemoArgs),
    /// Copy the live database to FILE without stopping writes (SQLite: a consistent
    /// copy, checked; PostgreSQL: `pg_dump --format=custom`).
    Backup(BackupArgs),
    /// Replace the SQLite database by the backup FILE, after checking it; refused
    /// while a cxpm serves the database.
    Restore(BackupArgs),
    /// Print a one-time sign-in link (15 minutes) for the active admin with EMAIL — the
    /// way in when the company's sign-in is down or misconfigured; it works even with
    /// `CXPM_SIGN_IN=oidc`, and is on record.
    BreakGlass(BreakGlassArgs),
}

#[derive(Debug, Clone, Args)]
pub struct BreakGlassArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,

    /// The address people reach cxpm at (the link starts with it).
    #[arg(long, env = "CXPM_PUBLIC_URL", default_value = "http://127.0.0.1:8080")]
    pub public_url: String,

    /// The admin's email.
    pub email: String,
}

#[derive(Debug, Clone, Args)]
pub struct BackupArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,

    /// The backup file: made new by `backup` (never overwritten), read by `restore`.
    pub file: std::path::PathBuf,
}

/// How big a demo organisation to build.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DemoSize {
    /// Ten departments and a few dozen people: a program to click through in Swagger UI.
    Small,
    /// 50 departments, 2 000 people, 2 000 relationships, 14 000 steps, 50 000 actions,
    /// 500 000 measurements and readings.
    Large,
}

#[derive(Debug, Clone, Args)]
pub struct DemoArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,

    #[arg(long, value_enum, default_value = "small")]
    pub size: DemoSize,

    /// The same seed builds the same organisation (ids and dates aside).
    #[arg(long, default_value_t = 7)]
    pub seed: u64,
}

#[derive(Debug, Clone, Args)]
pub struct DatabaseArgs {
    /// `sqlite://path?mode=rwc` or `postgres://user@host/db`.
    #[arg(
        long,
        env = "CXPM_DATABASE_URL",
        default_value = "sqlite://cxpm.db?mode=rwc"
    )]
    pub database_url: String,

    /// Connections in each of the two pools, one for writes and one for reads (default:
    /// 8 for PostgreSQL, 4 for SQLite).
    #[arg(long, env = "CXPM_DB_MAX_CONNECTIONS")]
    pub db_max_connections: Option<u32>,
}

/// The ways into the pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SignIn {
    /// A one-time link by mail, and the company's account when OpenID Connect is
    /// configured.
    All,
    /// Only the company's account (OpenID Connect); mailed links are refused, except
    /// those printed by `cxpm break-glass` on the server.
    Oidc,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,

    /// The clock the server reads the time from: the system's; tests move it.
    #[arg(skip)]
    pub clock: cxpm_app::Clock,

    /// Address to listen on; port 0 picks a free port (the bound address is logged).
    #[arg(long, env = "CXPM_ADDR", default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,

    /// The first admin's token, instead of a random one (only used on an empty database).
    #[arg(long, env = "CXPM_BOOTSTRAP_TOKEN", hide_env_values = true)]
    pub bootstrap_token: Option<String>,

    /// The first admin's email (only used on an empty database).
    #[arg(long, env = "CXPM_BOOTSTRAP_EMAIL", default_value = "admin@cxpm.local")]
    pub bootstrap_email: String,

    /// How long a connection has to send a request's headers, in milliseconds,
    /// counted from when it opened or answered its previous request: a client that
    /// sends them slowly (slowloris), or a kept-alive connection left idle, is closed
    /// after it.
    #[arg(long, env = "CXPM_HEADER_TIMEOUT_MS", default_value_t = 10000)]
    pub header_timeout_ms: u64,

    /// How long a request's body may take to arrive after its headers, in
    /// milliseconds.
    #[arg(long, env = "CXPM_BODY_TIMEOUT_MS", default_value_t = 60000)]
    pub body_timeout_ms: u64,

    /// Connections open at once; one more is closed as soon as it is accepted (0: no
    /// cap).
    #[arg(long, env = "CXPM_MAX_CONNECTIONS", default_value_t = 8192)]
    pub max_connections: usize,

    /// Connections open at once from one client address (0: no cap — behind a
    /// reverse proxy every connection comes from the proxy: raise it or turn it off
    /// there, and let the proxy limit its clients).
    #[arg(long, env = "CXPM_MAX_CONNECTIONS_PER_ADDRESS", default_value_t = 256)]
    pub max_connections_per_address: usize,

    /// Memory for rendered reports kept until their program changes, in MiB
    /// (compressed bytes; 0: keep none, every request computes).
    #[arg(long, env = "CXPM_REPORT_CACHE_MB", default_value_t = 32)]
    pub report_cache_mb: usize,

    /// Reports computed at once; more wait their turn (each takes memory in
    /// proportion to the program's size).
    #[arg(long, env = "CXPM_REPORT_COMPUTATIONS", default_value_t = 2)]
    pub report_computations: usize,

    /// How late, in seconds, a kept report may be on what moves with the clock
    /// alone (a metric gone stale, days since an update); a change is in the very
    /// next report whatever this says.
    #[arg(long, env = "CXPM_REPORT_FRESH_SECONDS", default_value_t = 60)]
    pub report_fresh_seconds: u32,

    /// Largest request body accepted, in bytes.
    #[arg(long, env = "CXPM_MAX_BODY_BYTES", default_value_t = 2 * 1024 * 1024)]
    pub max_body_bytes: usize,

    /// Log lines as human-readable text or as JSON objects.
    #[arg(long, env = "CXPM_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,

    /// The address people reach cxpm at, for links in mails.
    #[arg(long, env = "CXPM_PUBLIC_URL", default_value = "http://127.0.0.1:8080")]
    pub public_url: String,

    /// SMTP server for reminder mail: `smtp://host:25`, `smtp://host:587?tls=required`
    /// (STARTTLS), `smtps://user:password@host:465`. Without it, mail is written as
    /// `.eml` files to `--mail-dir`.
    #[arg(long, env = "CXPM_SMTP_URL", hide_env_values = true)]
    pub smtp_url: Option<String>,

    /// The sender of reminder mail.
    #[arg(long, env = "CXPM_MAIL_FROM", default_value = "cxpm <cxpm@localhost>")]
    pub mail_from: String,

    /// Where mail goes as `.eml` files when no SMTP server is configured.
    #[arg(long, env = "CXPM_MAIL_DIR", default_value = "outbox")]
    pub mail_dir: std::path::PathBuf,

    /// How long one SMTP send may take before it counts as failed, in milliseconds. A
    /// mail being sent is leased for twice this: a dispatcher that died mid-send
    /// leaves it to another attempt after that.
    #[arg(long, env = "CXPM_SMTP_TIMEOUT_MS", default_value_t = 30000)]
    pub smtp_timeout_ms: u64,

    /// Mails sent side by side, each on its own SMTP connection (kept open between
    /// mails).
    #[arg(long, env = "CXPM_SMTP_CONNECTIONS", default_value_t = 4,
          value_parser = clap::value_parser!(u32).range(1..=64))]
    pub smtp_connections: u32,

    /// Browser origins allowed to call the API (CORS), comma-separated, e.g.
    /// `https://cx.example.com`; none (the default) allows no cross-origin calls.
    #[arg(long, env = "CXPM_CORS_ORIGINS", value_delimiter = ',')]
    pub cors_origins: Vec<String>,

    /// Failed authentications a client address may make per minute before it is
    /// refused with 429 for the rest of that minute; 0 turns the limit off.
    #[arg(long, env = "CXPM_AUTH_FAILURES_PER_MINUTE", default_value_t = 30)]
    pub auth_failures_per_minute: u32,

    /// Sign-in links a client address may ask for per minute (pages); 0 turns the
    /// limit off. Each address also gets at most 3 links per 15 minutes.
    #[arg(long, env = "CXPM_SIGN_IN_REQUESTS_PER_MINUTE", default_value_t = 10)]
    pub sign_in_requests_per_minute: u32,

    /// A page session without a request for this many minutes ends.
    #[arg(long, env = "CXPM_SESSION_IDLE_MINUTES", default_value_t = 720)]
    pub session_idle_minutes: u32,

    /// A page session ends this many hours after sign-in, however active.
    #[arg(long, env = "CXPM_SESSION_MAX_HOURS", default_value_t = 336)]
    pub session_max_hours: u32,

    /// With it, `/metrics` asks for this bearer token; without it, it is open (bind
    /// to a private address, or put it behind the proxy's rules).
    #[arg(long, env = "CXPM_METRICS_TOKEN", hide_env_values = true)]
    pub metrics_token: Option<String>,

    /// How often the dispatcher looks for mail to send, in milliseconds; 0 turns it off.
    #[arg(long, env = "CXPM_DISPATCH_EVERY_MS", default_value_t = 2000)]
    pub dispatch_every_ms: u64,

    /// The wait before retrying a mail the first time, in milliseconds; it doubles with
    /// each failure, up to an hour.
    #[arg(long, env = "CXPM_RETRY_BASE_MS", default_value_t = 30000)]
    pub retry_base_ms: u64,

    /// Do not fire schedules here (for extra replicas; two schedulers still fire each
    /// tick once).
    #[arg(long, env = "CXPM_NO_SCHEDULER")]
    pub no_scheduler: bool,

    /// How often the scheduler looks for due schedules, in milliseconds.
    #[arg(long, env = "CXPM_SCHEDULER_EVERY_MS", default_value_t = 10000)]
    pub scheduler_every_ms: u64,

    /// Let chat channels and webhooks call plain `http://` and addresses inside this
    /// network (loopback, private, link-local). Off by default: only `https://` to
    /// public addresses, checked when saved and again at every call — a URL must not
    /// make cxpm reach the metadata service or an internal admin page.
    #[arg(long, env = "CXPM_ALLOW_PRIVATE_TARGETS")]
    pub allow_private_targets: bool,

    /// Sign-in with the company's account: the OpenID Connect issuer, e.g.
    /// `https://login.microsoftonline.com/<tenant>/v2.0` or
    /// `https://keycloak.example.com/realms/<realm>` (discovery reads
    /// `<issuer>/.well-known/openid-configuration`).
    #[arg(long, env = "CXPM_OIDC_ISSUER")]
    pub oidc_issuer: Option<String>,

    /// The client id cxpm is registered under at the provider.
    #[arg(long, env = "CXPM_OIDC_CLIENT_ID")]
    pub oidc_client_id: Option<String>,

    /// The client secret cxpm is registered with (a confidential client).
    #[arg(long, env = "CXPM_OIDC_CLIENT_SECRET", hide_env_values = true)]
    pub oidc_client_secret: Option<String>,

    /// The provider's name on the sign-in button ("Sign in with …"), e.g. `Contoso`;
    /// without it the button says "your company account".
    #[arg(long, env = "CXPM_OIDC_NAME")]
    pub oidc_name: Option<String>,

    /// The ID token claim that holds the person's address when the provider does not
    /// vouch for `email` with `email_verified` (Entra ID: `preferred_username`, the
    /// sign-in name). Without it, `email` must come with `email_verified: true`.
    #[arg(long, env = "CXPM_OIDC_CLAIM")]
    pub oidc_claim: Option<String>,

    /// The ways into the pages: `all` (a mailed link, and the company's account when
    /// configured) or `oidc` (only the company's account, and `cxpm break-glass`).
    #[arg(long, env = "CXPM_SIGN_IN", value_enum, default_value_t = SignIn::All)]
    pub sign_in: SignIn,

    /// How long one chat or webhook call may take, in milliseconds; a call in flight
    /// is leased for twice this.
    #[arg(long, env = "CXPM_HOOK_TIMEOUT_MS", default_value_t = 10000)]
    pub hook_timeout_ms: u64,

    /// Chat and webhook calls made side by side.
    #[arg(long, env = "CXPM_HOOK_CONNECTIONS", default_value_t = 8,
          value_parser = clap::value_parser!(u32).range(1..=64))]
    pub hook_connections: u32,
}

impl ServeArgs {
    /// Settings for a server on `database_url`, everything else at its default.
    pub fn for_database(database_url: impl Into<String>) -> Self {
        Self {
            database: DatabaseArgs {
                database_url: database_url.into(),
                db_max_connections: None,
            },
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            bootstrap_token: None,
            bootstrap_email: "admin@cxpm.local".to_owned(),
            max_body_bytes: 2 * 1024 * 1024,
            header_timeout_ms: 10000,
            body_timeout_ms: 60000,
            max_connections: 8192,
            max_connections_per_address: 256,
            report_cache_mb: 32,
            report_computations: 2,
            report_fresh_seconds: 60,
            log_format: LogFormat::Text,
            public_url: "http://127.0.0.1:8080".to_owned(),
            smtp_url: None,
            mail_from: "cxpm <cxpm@localhost>".to_owned(),
            mail_dir: "outbox".into(),
            cors_origins: Vec::new(),
            auth_failures_per_minute: 30,
            sign_in_requests_per_minute: 10,
            session_idle_minutes: 720,
            session_max_hours: 336,
            metrics_token: None,
            smtp_timeout_ms: 30000,
            smtp_connections: 4,
            dispatch_every_ms: 2000,
            retry_base_ms: 30000,
            no_scheduler: false,
            scheduler_every_ms: 10000,
            allow_private_targets: false,
            hook_timeout_ms: 10000,
            hook_connections: 8,
            oidc_issuer: None,
            oidc_client_id: None,
            oidc_client_secret: None,
            oidc_name: None,
            oidc_claim: None,
            sign_in: SignIn::All,
            clock: cxpm_app::Clock::system(),
        }
    }
}
