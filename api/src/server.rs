//! Assembling and running the server: the composition root, the one module that
//! names every front (the JSON API, the pages, the jobs) to wire them together.

use cxpm_app::Ctx;
use cxpm_app::directory::{admins, sign_in};
use cxpm_app::store;
use std::net::SocketAddr;
use std::time::Duration;

use anyhow::Context;
use cxpm_domain::values::Email;
use poem::endpoint::make_sync;
use poem::middleware::Tracing;
use poem::web::Html;
use poem::{Endpoint, EndpointExt, IntoResponse, Request, Response, Route};
use tokio::io::AsyncReadExt;

use crate::app::AppState;
use crate::auth::{TokenCache, generate_token};
use crate::config::ServeArgs;
use crate::error::{ApiError, problem_for_poem_error};
use crate::http;
use crate::metrics::Metrics;
use crate::report_cache::ReportCache;
use crate::security::AuthLimiter;

/// A migrated database and a bound listener, ready to serve.
pub struct App {
    state: AppState,
    listener: tokio::net::TcpListener,
    settings: ServeArgs,
    bootstrap_token: Option<String>,
    /// A one-time sign-in link for the first admin, made with the token.
    bootstrap_link: Option<String>,
    mailer: Option<crate::jobs::dispatch::Mailer>,
    /// Held while this process serves a SQLite file: `cxpm restore` refuses it then.
    _in_use: Option<std::fs::File>,
}

impl App {
    /// Connects, migrates, creates the first admin on an empty database, and binds.
    pub async fn prepare(settings: ServeArgs) -> anyhow::Result<Self> {
        let in_use = store::backup::sqlite_path(&settings.database.database_url)
            .map(|path| store::backup::hold(&path))
            .transpose()?;
        let db = store::connect(
            &settings.database.database_url,
            settings.database.db_max_connections,
            count_query,
        )
        .await?;
        store::migrate(&db).await?;
        let read = store::connect_reader(
            &settings.database.database_url,
            settings.database.db_max_connections,
            count_query,
        )
        .await?;
        let ctx = Ctx {
            db,
            read,
            clock: settings.clock.clone(),
            public_url: settings.public_url.trim_end_matches('/').into(),
            allow_private_targets: settings.allow_private_targets,
        };
        let first_admin = bootstrap(&ctx, &settings).await?;
        // A bad mail setting stops the start, not the first reminder.
        let mailer = crate::jobs::dispatch::Mailer::new(
            settings.smtp_url.as_deref(),
            &settings.mail_from,
            settings.mail_dir.clone(),
            Duration::from_millis(settings.smtp_timeout_ms.max(1)),
            settings.smtp_connections as usize,
        )?;
        let listener = tokio::net::TcpListener::bind(settings.addr)
            .await
            .with_context(|| format!("binding {}", settings.addr))?;
        let metrics = std::sync::Arc::new(Metrics::new(settings.metrics_token.clone()));
        let state = AppState {
            ctx,
            tokens: TokenCache::default(),
            auth_limiter: AuthLimiter::new(settings.auth_failures_per_minute),
            web: crate::app::WebSettings::new(&settings)?,
            reports: std::sync::Arc::new(ReportCache::new(
                settings.report_cache_mb.saturating_mul(1 << 20),
                settings.report_computations,
                settings.report_fresh_seconds,
                metrics.reports.clone(),
            )),
            metrics,
        };
        // A sign-in link for the admin this start created (15 minutes, once).
        let (bootstrap_token, bootstrap_link) = match first_admin {
            Some((token, admin_id)) => {
                // With OpenID Connect the only way in, the first admin's link is a
                // break-glass one: it is how the admin gets in before the provider
                // knows them.
                let break_glass = state.web.oidc_only;
                let link =
                    sign_in::make_link(&state, None, &admin_id, Some("/my-work"), break_glass)
                        .await
                        .map_err(|e| {
                            anyhow::anyhow!("making the first admin's sign-in link: {e}")
                        })?;
                (Some(token), Some(link))
            }
            None => (None, None),
        };
        Ok(Self {
            state,
            listener,
            bootstrap_token,
            bootstrap_link,
            mailer: (settings.dispatch_every_ms > 0).then_some(mailer),
            settings,
            _in_use: in_use,
        })
    }

    /// The address actually bound (port 0 becomes a real port).
    pub fn local_addr(&self) -> anyhow::Result<SocketAddr> {
        self.listener
            .local_addr()
            .context("the listener has no socket address")
    }

    /// The token created for the first admin, if this start created one.
    pub fn bootstrap_token(&self) -> Option<&str> {
        self.bootstrap_token.as_deref()
    }

    /// The first admin's one-time sign-in link, if this start created them.
    pub fn bootstrap_link(&self) -> Option<&str> {
        self.bootstrap_link.as_deref()
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until `shutdown` completes, then lets in-flight requests finish.
    pub async fn run(
        self,
        shutdown: impl std::future::Future<Output = ()> + Send,
    ) -> anyhow::Result<()> {
        let addr = self.local_addr()?;
        let checkpointer = store::spawn_wal_checkpointer(self.state.db.clone());
        let storage_watch =
            store::storage::spawn_watch(self.state.metrics.storage.clone(), self.state.db.clone());
        let dispatcher = self.mailer.map(|mailer| {
            crate::jobs::dispatch::spawn(
                self.state.ctx.clone(),
                mailer,
                self.state.metrics.clone(),
                Duration::from_millis(self.settings.dispatch_every_ms),
                Duration::from_millis(self.settings.retry_base_ms),
            )
        });
        let hooks = match (self.settings.dispatch_every_ms > 0).then(|| {
            crate::jobs::hooks::Caller::new(
                Duration::from_millis(self.settings.hook_timeout_ms.max(1)),
                self.settings.hook_connections as usize,
                self.settings.allow_private_targets,
            )
        }) {
            Some(Ok(caller)) => Some(crate::jobs::hooks::spawn(
                self.state.ctx.clone(),
                caller,
                Duration::from_millis(self.settings.dispatch_every_ms),
                Duration::from_millis(self.settings.retry_base_ms),
            )),
            Some(Err(e)) => return Err(e.context("the HTTP client for chat and webhooks")),
            None => None,
        };
        let scheduler = (!self.settings.no_scheduler).then(|| {
            crate::jobs::scheduler::spawn(
                self.state.clone(),
                Duration::from_millis(self.settings.scheduler_every_ms.max(100)),
            )
        });
        let endpoint = routes(
            self.state.clone(),
            self.settings.max_body_bytes,
            &self.settings.cors_origins,
        );
        tracing::info!(%addr, "cxpm listening");
        let limits = crate::listen::Limits {
            header_timeout: Duration::from_millis(self.settings.header_timeout_ms.max(1)),
            body_timeout: Duration::from_millis(self.settings.body_timeout_ms.max(1)),
            max_connections: self.settings.max_connections,
            per_address: self.settings.max_connections_per_address,
        };
        let result = crate::listen::serve(self.listener, endpoint, limits, shutdown).await;
        for handle in [
            checkpointer,
            dispatcher,
            hooks,
            scheduler,
            Some(storage_watch),
        ]
        .into_iter()
        .flatten()
        {
            handle.abort();
        }
        self.state.ctx.read.close().await.ok();
        self.state.ctx.db.close().await.ok();
        tracing::info!("cxpm stopped");
        result.context("serving")
    }
}

tokio::task_local! {
    /// Statements run by the request this task is serving.
    static QUERIES: std::cell::Cell<u32>;
}

/// Counts one statement against the request being served (called by the database
/// connection's metric callback; outside a request it does nothing).
pub fn count_query() {
    let _ = QUERIES.try_with(|c| c.set(c.get() + 1));
}

/// Answers every request with `X-Query-Count`: how many SQL statements it ran. It
/// keeps N+1 patterns visible in tests and in production traces alike.
async fn with_query_count<E: Endpoint>(
    ep: std::sync::Arc<E>,
    req: Request,
) -> poem::Result<Response> {
    let (result, count) = QUERIES
        .scope(std::cell::Cell::new(0), async move {
            let result = ep.call(req).await.map(IntoResponse::into_response);
            (result, QUERIES.with(std::cell::Cell::get))
        })
        .await;
    let mut resp = result?;
    resp.headers_mut().insert("x-query-count", count.into());
    Ok(resp)
}

/// The methods each path of the spec answers, for the `Allow` header of a 405.
#[derive(Clone, Default)]
struct AllowedMethods(std::sync::Arc<Vec<(Vec<String>, String)>>);

impl AllowedMethods {
    fn from_spec(spec_json: &str) -> Self {
        let spec: serde_json::Value = serde_json::from_str(spec_json).unwrap_or_default();
        let mut routes = Vec::new();
        if let Some(paths) = spec["paths"].as_object() {
            for (path, item) in paths {
                let mut methods: Vec<String> = item
                    .as_object()
                    .map(|m| m.keys().map(|k| k.to_uppercase()).collect())
                    .unwrap_or_default();
                if methods.iter().any(|m| m == "GET") {
                    methods.push("HEAD".to_owned());
                }
                let segments = path
                    .trim_matches('/')
                    .split('/')
                    .map(str::to_owned)
                    .collect();
                routes.push((segments, methods.join(", ")));
            }
        }
        Self(std::sync::Arc::new(routes))
    }

    fn for_path(&self, path: &str) -> Option<&str> {
        let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
        self.0
            .iter()
            .find(|(pattern, _)| {
                pattern.len() == segments.len()
                    && pattern
                        .iter()
                        .zip(&segments)
                        .all(|(p, s)| p.starts_with('{') || p == s)
            })
            .map(|(_, methods)| methods.as_str())
    }
}

/// RFC 9110: a 405 names the methods the resource does answer.
async fn with_allow<E: Endpoint>(
    ep: std::sync::Arc<E>,
    req: Request,
    allowed: AllowedMethods,
) -> poem::Result<Response> {
    let path = req.uri().path().to_owned();
    let mut resp = match ep.call(req).await {
        Ok(r) => r.into_response(),
        Err(e) => problem_for_poem_error(e),
    };
    if resp.status() == poem::http::StatusCode::METHOD_NOT_ALLOWED
        && let Some(methods) = allowed.for_path(&path)
        && let Ok(value) = poem::http::HeaderValue::from_str(methods)
    {
        resp.headers_mut().insert(poem::http::header::ALLOW, value);
    }
    Ok(resp)
}

/// The whole HTTP surface.
pub fn routes(
    state: AppState,
    max_body_bytes: usize,
    cors_origins: &[String],
) -> impl Endpoint + use<> {
    let service = http::service().server("/");
    let raw = service.spec();
    let spec_json = http::spec::json(&raw);
    let allowed = AllowedMethods::from_spec(&spec_json);
    let spec_yaml = http::spec::yaml(&raw);
    // poem-openapi's Swagger UI page, showing the served spec rather than the raw one.
    let swagger = service.swagger_ui_html().replace(&raw, &spec_json);
    let cors = crate::security::cors(cors_origins);
    crate::web::mount(Route::new())
        .nest("/", service)
        .at(
            "/openapi.json",
            make_sync(move |_| json_response(spec_json.clone())),
        )
        .at(
            "/openapi.yaml",
            make_sync(move |_| yaml_response(spec_yaml.clone())),
        )
        .at(
            "/metrics",
            poem::endpoint::make({
                let state = state.clone();
                move |req| {
                    let state = state.clone();
                    async move { crate::metrics::endpoint(&req, &state.metrics, &state.read).await }
                }
            }),
        )
        .at("/docs", make_sync(move |_| Html(swagger.clone())))
        .nest("/static", crate::web::assets())
        .at(
            "/docs/",
            make_sync(|_| Html("<meta http-equiv=refresh content=\"0; url=/docs\">")),
        )
        .data(state.clone())
        .around({
            let state = state.clone();
            move |ep, req| crate::http::idempotency::idempotent(ep, req, state.clone())
        })
        .around(crate::web::home)
        .around(move |ep, req| limit_body(ep, req, max_body_bytes))
        .around(with_query_count)
        // One boxed endpoint here keeps the type of the whole stack shallow enough for
        // the compiler's default query depth in release builds.
        .boxed()
        .around(move |ep, req| crate::metrics::observe(ep, req, state.metrics.clone()))
        .catch_all_error(|err| async move { problem_for_poem_error(err) })
        .around(crate::compress::negotiate)
        .around(move |ep, req| with_allow(ep, req, allowed.clone()))
        .with_if(cors.is_some(), cors.unwrap_or_default())
        .around(crate::security::with_security_headers)
        .with(Tracing)
}

fn json_response(body: String) -> Response {
    Response::builder()
        .content_type("application/json")
        .body(body)
}

fn yaml_response(body: String) -> Response {
    Response::builder()
        .content_type("application/yaml")
        .body(body)
}

/// Refuses bodies over `max` bytes with 413, whether or not they announce their
/// length, before any handler reads them.
///
/// The rest of an oversized body is read and discarded (up to [`DRAIN_FACTOR`] times
/// the limit) before answering: a server that answers and closes while the client is
/// still sending makes most clients report a broken connection instead of the 413.
async fn limit_body<E: Endpoint>(
    ep: std::sync::Arc<E>,
    mut req: Request,
    max: usize,
) -> poem::Result<Response> {
    let too_large = || {
        ApiError::PayloadTooLarge(poem_openapi::payload::Json(crate::error::Problem {
            kind: "about:blank".into(),
            title: "Payload Too Large".into(),
            status: 413,
            detail: format!("the request body is larger than {max} bytes"),
            errors: vec![],
        }))
    };
    let announced = req
        .headers()
        .get(poem::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let cap = (max as u64).saturating_mul(DRAIN_FACTOR);
    if let Some(length) = announced {
        if length > max as u64 {
            if length <= cap {
                drain(req.take_body(), cap).await;
            }
            return Err(too_large().into());
        }
    } else if req
        .headers()
        .contains_key(poem::http::header::TRANSFER_ENCODING)
    {
        let mut reader = req.take_body().into_async_read();
        let mut body = Vec::new();
        let read = (&mut reader)
            .take(max as u64 + 1)
            .read_to_end(&mut body)
            .await;
        if read.is_err() || body.len() > max {
            drain(poem::Body::from_async_read(reader), cap).await;
            return Err(too_large().into());
        }
        req.set_body(body);
    }
    Ok(ep.call(req).await?.into_response())
}

/// How much of an oversized body is read and thrown away, as a multiple of the limit.
const DRAIN_FACTOR: u64 = 8;

async fn drain(body: poem::Body, cap: u64) {
    let mut reader = body.into_async_read().take(cap);
    let _ = tokio::io::copy(&mut reader, &mut tokio::io::sink()).await;
}

/// On a database with nobody in it, creates the first admin and a token for them.
/// Returns the token and the admin's id when they were created by this call.
async fn bootstrap(ctx: &Ctx, settings: &ServeArgs) -> anyhow::Result<Option<(String, String)>> {
    if !admins::nobody_yet(ctx).await? {
        return Ok(None);
    }
    let email = Email::parse(&settings.bootstrap_email)
        .map_err(|e| anyhow::anyhow!("CXPM_BOOTSTRAP_EMAIL: {}", e.message))?;
    let token = match &settings.bootstrap_token {
        Some(t) if t.len() < 32 => {
            anyhow::bail!("CXPM_BOOTSTRAP_TOKEN must be at least 32 characters")
        }
        Some(t) => t.clone(),
        None => generate_token(),
    };
    let admin = admins::bootstrap(ctx, email, &token)
        .await
        .map_err(|e| anyhow::anyhow!("making the first admin: {e}"))?;
    Ok(admin.map(|id| (token, id)))
}

/// Completes on SIGINT or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %e, "cannot listen for SIGINT");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutdown signal received; finishing in-flight requests");
}
