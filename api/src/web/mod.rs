//! The pages: server-rendered HTML for the people who do the work, served beside the
//! JSON API by the same binary and built on the same use cases (`cxpm_app`).
//!
//! Every action is a plain form (POST, then a redirect to a page: it works without
//! JavaScript); htmx, vendored and served with a content hash, makes the progress
//! update inline. Words come from the Fluent files ([`crate::words`]) in the reader's
//! language; times are shown in their time zone.
//!
//! - [`session`]: the session cookie, who is reading, the CSRF token and Origin check.
//! - [`sign_in`]: sign in by a one-time link, sign out.
//! - [`oidc`]: sign in with the company's account (OpenID Connect).
//! - [`work`]: my work, an action and its updates.
//! - [`plans`]: a plan and its steps, key points, measurements and actions.
//! - [`department`]: my department.
//! - [`programs`]: the programs, a new one, and a program's home page.
//! - [`dashboard`]: a program's dashboard, where leadership lands.
//! - [`value_stream`]: the value-stream editor (stages, sub-processes, owners, the
//!   industrial template) and the coverage page with each gap's fix.
//! - [`metrics`]: a program's metrics with a chart of each one's history; a reading,
//!   a new metric.
//! - [`team`]: a program's team — add, change a role, remove.
//! - [`reminders`]: a program's schedules (the crontab helper, dry run, run now) and
//!   its outbox.
//! - [`matrix`]: who serves whom, the relationships as a provider × customer matrix.
//! - [`me`]: my profile and my sessions.
//! - [`feedback`]: a round's answer page (by a personal link or signed in), its
//!   results page; asking a plan's customers.
//! - [`reports`]: the gap and progress reports as pages; a key point's page.
//! - [`admin`], [`import`], [`audit`]: the admins' pages — departments, people and
//!   their tokens, importing people (checked first, a table of every row), the audit
//!   trail with a before/after view.
//! - [`calendar`]: calendar feeds — made and revoked on My profile, read by calendar
//!   apps at `/calendar/{secret}.ics`.
//! - [`render`]: page responses, error pages, shared view pieces.

pub mod admin;
pub mod audit;
pub mod calendar;
pub mod dashboard;
pub mod department;
pub mod feedback;
pub mod hooks;
pub mod import;
pub mod matrix;
pub mod me;
pub mod messages;
pub mod metrics;
pub mod oidc;
pub mod plans;
pub mod programs;
pub mod reminders;
pub mod render;
pub mod reports;
pub mod session;
pub mod sign_in;
pub mod team;
pub mod value_stream;
pub mod work;

use std::sync::LazyLock;

use poem::http::{StatusCode, header};
use poem::{Response, Route, get, handler, post};
use sha2::{Digest, Sha256};

pub use crate::app::WebSettings;

/// The pages, added to the server's routes (the JSON API lives under `/api/v1`).
pub fn mount(route: Route) -> Route {
    route
        .at("/sign-in", get(sign_in::form).post(sign_in::request))
        .at("/sign-in/link", get(sign_in::landing).post(sign_in::open))
        .at("/sign-in/oidc", get(oidc::start))
        .at("/sign-in/oidc/callback", get(oidc::callback))
        .at("/sign-out", post(sign_in::sign_out))
        .at("/start", get(programs::start))
        .at("/my-work", get(work::my_work))
        .at("/actions/:id", get(work::action))
        .at("/actions/:id/updates", post(work::post_update))
        .at("/plans/:id", get(plans::page))
        .at("/plans/:id/actions", post(plans::add_action))
        .at("/plans/:id/key-points", post(plans::add_key_point))
        .at("/key-points/:id/measurements", post(plans::measure))
        .at("/steps/:id", post(plans::change_step))
        .at("/my-department", get(department::page))
        .at(
            "/key-points/:id",
            get(reports::key_point).post(plans::edit_key_point),
        )
        .at("/programs", get(programs::list).post(programs::create))
        .at("/programs/:id", get(programs::page))
        .at("/programs/:id/status", post(programs::set_status))
        .at("/programs/:id/dashboard", get(dashboard::page))
        .at("/programs/:id/value-stream", get(value_stream::page))
        .at("/programs/:id/coverage", get(value_stream::coverage))
        .at(
            "/programs/:id/relationships",
            get(matrix::page).post(value_stream::add_relationship),
        )
        .at("/programs/:id/stages", post(value_stream::add_stage))
        .at("/programs/:id/template", post(value_stream::apply_template))
        .at("/stages/:id", post(value_stream::change_stage))
        .at(
            "/stages/:id/sub-processes",
            post(value_stream::add_sub_process),
        )
        .at("/sub-processes/:id", post(value_stream::change_sub_process))
        .at("/sub-processes/:id/owners", post(value_stream::add_owner))
        .at("/owners/:id", post(value_stream::change_owner))
        .at("/relationships/:id/retire", post(matrix::retire))
        .at(
            "/admin/departments",
            get(admin::departments_list).post(admin::department_create),
        )
        .at("/admin/departments/:id", post(admin::department_change))
        .at(
            "/admin/people",
            get(admin::people_list).post(admin::person_create),
        )
        .at("/admin/people/:id", post(admin::person_change))
        .at("/admin/people/:id/link", post(admin::person_link))
        .at(
            "/admin/people/:id/tokens",
            get(admin::tokens_list).post(admin::token_issue),
        )
        .at(
            "/admin/people/:person/tokens/:id/revoke",
            post(admin::token_revoke),
        )
        .at("/admin/import", get(import::form).post(import::check))
        .at("/admin/import/confirm", post(import::confirm))
        .at("/admin/audit", get(audit::page))
        .at(
            "/programs/:id/metrics",
            get(metrics::page).post(metrics::create),
        )
        .at(
            "/programs/:id/metrics/:metric/readings",
            post(metrics::record),
        )
        .at("/programs/:id/team", get(team::page).post(team::add))
        .at("/programs/:id/team/:seat", post(team::change))
        .at("/programs/:id/reminders", get(reminders::page))
        .at("/programs/:id/hooks", get(hooks::page))
        .at("/programs/:id/channels", post(hooks::create_channel))
        .at("/channels/:id", post(hooks::change_channel))
        .at("/programs/:id/webhooks", post(hooks::create_webhook))
        .at("/webhooks/:id", post(hooks::change_webhook))
        .at(
            "/webhooks/:id/deliveries/:delivery_id/redeliver",
            post(hooks::redeliver),
        )
        .at("/programs/:id/schedules", post(reminders::create))
        .at("/schedules/:id", post(reminders::switch))
        .at("/schedules/:id/run", post(reminders::run))
        .at("/schedules/:id/dry-run", get(reminders::dry_run))
        .at("/programs/:id/reports/:name", get(reports::report))
        .at(
            "/programs/:id/reports/gaps/snapshots",
            post(reports::save_snapshot),
        )
        .at(
            "/feedback/answer",
            get(feedback::link_form).post(feedback::link_answer),
        )
        .at("/feedback-rounds/:id", get(feedback::round))
        .at(
            "/feedback-rounds/:id/answer",
            get(feedback::signed_form).post(feedback::signed_answer),
        )
        .at("/feedback-rounds/:id/close", post(feedback::close))
        .at("/feedback-rounds", post(feedback::ask))
        .at("/me", get(me::page).post(me::save))
        .at("/me/sessions/:id/end", post(me::end))
        .at("/me/sessions/end-all", post(me::end_all))
        .at("/me/calendar", get(calendar::page).post(calendar::create))
        .at("/me/calendar/:id/revoke", post(calendar::revoke))
        .at("/calendar/:file", get(calendar::read_feed))
}

/// `/` is the reader's start page (`/start`). (A middleware, because the JSON API's
/// service is nested at `/` and would answer it.)
pub async fn home<E: poem::Endpoint>(
    ep: std::sync::Arc<E>,
    req: poem::Request,
) -> poem::Result<Response> {
    use poem::IntoResponse;
    if req.uri().path() == "/" && req.method() == poem::http::Method::GET {
        return Ok(render::see_other("/start"));
    }
    Ok(ep.call(req).await?.into_response())
}

/// A vendored or own file, served under a name that carries its content hash, so it
/// can be cached for a year.
pub struct Asset {
    pub url: String,
    body: &'static [u8],
    content_type: &'static str,
}

impl Asset {
    fn new(stem: &str, ext: &str, body: &'static [u8], content_type: &'static str) -> Self {
        let hash = Sha256::digest(body);
        let hex: String = hash.iter().take(6).map(|b| format!("{b:02x}")).collect();
        Self {
            url: format!("/static/{stem}-{hex}.{ext}"),
            body,
            content_type,
        }
    }
}

/// htmx 2.0.11 (0BSD, `api/static/htmx-LICENSE`) and our style sheet.
pub struct Assets {
    pub htmx: Asset,
    pub css: Asset,
    /// The report pages' print button.
    pub print: Asset,
}

pub static ASSETS: LazyLock<Assets> = LazyLock::new(|| Assets {
    htmx: Asset::new(
        "htmx",
        "js",
        include_bytes!("../../static/htmx-2.0.11.min.js"),
        "text/javascript; charset=utf-8",
    ),
    css: Asset::new(
        "cxpm",
        "css",
        include_bytes!("../../static/cxpm.css"),
        "text/css; charset=utf-8",
    ),
    print: Asset::new(
        "print",
        "js",
        include_bytes!("../../static/print.js"),
        "text/javascript; charset=utf-8",
    ),
});

/// `/static/…`: the assets by their hashed names.
pub fn assets() -> Route {
    Route::new().at("/:name", get(asset))
}

#[handler]
fn asset(poem::web::Path(name): poem::web::Path<String>) -> Response {
    let wanted = format!("/static/{name}");
    for a in [&ASSETS.htmx, &ASSETS.css, &ASSETS.print] {
        if a.url == wanted {
            return Response::builder()
                .content_type(a.content_type)
                .header(header::CACHE_CONTROL, "public, max-age=31536000, immutable")
                .body(a.body);
        }
    }
    Response::builder().status(StatusCode::NOT_FOUND).finish()
}
