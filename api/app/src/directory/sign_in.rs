//! Signing in to the pages: a one-time link mailed to the person, and the sessions
//! it opens.
//!
//! A link is good for [`LINK_TTL`], once; a session ends after its idle time or its
//! absolute time, whichever comes first, or when its owner ends it (or every one of
//! theirs), or when the person is deactivated. Only the SHA-256 of a link's token and
//! of a session's cookie is stored. Asking for a link answers the same whether or not
//! the address belongs to anyone, and mails at most [`LINKS_PER_WINDOW`] links to an
//! address per [`LINK_TTL`].

use chrono::{DateTime, Duration, Utc};
use cxpm_domain::reminder::{OutboxStatus, message_id};
use cxpm_domain::values::{Email, Locale};
use cxpm_domain::{Action, Actor, Role, Target, authorize};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};

use crate::directory::tokens::{generate_token, hash_token};
use crate::store::audit::{self, Change};
use crate::store::{load, new_id, outbox, person, session, sign_in_link, unique};
use crate::{AppError, AppResult, Ctx};

/// How long a sign-in link is good for.
pub const LINK_TTL: Duration = Duration::minutes(15);

/// Links mailed to one address within [`LINK_TTL`]; more requests mail nothing.
pub const LINKS_PER_WINDOW: u64 = 3;

/// How long sessions last.
#[derive(Debug, Clone, Copy)]
pub struct SessionTimes {
    /// Without a request for this long, a session ends.
    pub idle: Duration,
    /// However active, a session ends this long after sign-in.
    pub absolute: Duration,
}

impl Default for SessionTimes {
    fn default() -> Self {
        Self {
            idle: Duration::hours(12),
            absolute: Duration::days(14),
        }
    }
}

/// The words of a sign-in mail, written by the front in the reader's language.
#[derive(Debug, Clone)]
pub struct LinkMail {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// A session as its browser holds it.
#[derive(Debug, Clone)]
pub struct Opened {
    /// The cookie's value: shown to the browser once, stored only hashed.
    pub cookie: String,
    /// Where to go now.
    pub next_path: String,
}

/// A signed-in request: who, and the session.
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub actor: Actor,
    pub person: person::Model,
    pub session: session::Model,
}

/// A path on this site to go to after signing in: anything else (another site,
/// `//host`, a backslash trick) is the reader's start page.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(p)
            if p.starts_with('/')
                && !p.starts_with("//")
                && !p.contains('\\')
                && !p.chars().any(char::is_control)
                && p.len() <= 500 =>
        {
            p.to_owned()
        }
        _ => "/start".to_owned(),
    }
}

/// Mails a sign-in link to the active person with `email`, if there is one and they
/// have not been sent too many lately. The answer is the same either way; only a
/// malformed address is refused.
pub async fn request_link(
    ctx: &Ctx,
    email: &str,
    next: Option<&str>,
    write: impl FnOnce(&person::Model, Locale, &str) -> LinkMail,
) -> AppResult<()> {
    let email = Email::parse(email).map_err(|e| e.at("email"))?;
    let Some(person) = unique(
        person::Entity::find()
            .filter(person::Column::Email.eq(email.as_str()))
            .filter(person::Column::Active.eq(true)),
        &ctx.db,
    )
    .await?
    else {
        return Ok(());
    };
    let now = ctx.now();
    let recent = sign_in_link::Entity::find()
        .filter(sign_in_link::Column::PersonId.eq(&person.id))
        .filter(sign_in_link::Column::CreatedAt.gt(now - LINK_TTL))
        .count(&ctx.db)
        .await?;
    if recent >= LINKS_PER_WINDOW {
        tracing::info!(person = %person.id, "sign-in link not mailed: too many lately");
        return Ok(());
    }
    let txn = crate::store::begin(&ctx.db).await?;
    let (link, token) = create_link(&txn, &person, next, now, None, false).await?;
    let url = link_url(ctx, &token);
    let locale = Locale::parse(&person.locale).unwrap_or_default();
    let mail = write(&person, locale, &url);
    let key = format!("sign-in/{}", link.id);
    let row = outbox::Model {
        id: new_id(),
        program_id: None,
        schedule_id: None,
        fired_at: now,
        recipient_id: person.id.clone(),
        to_address: person.email.clone(),
        locale: locale.as_str().to_owned(),
        message_id: message_id(&key, &ctx.mail_host()),
        dedupe_key: key,
        subject: mail.subject,
        body_text: mail.text,
        body_html: mail.html,
        items: 1,
        status: OutboxStatus::Pending.into(),
        attempts: 0,
        next_attempt_at: now,
        last_error: None,
        sent_at: None,
        created_at: now,
    };
    outbox::Entity::insert(outbox::ActiveModel::from(row))
        .exec_without_returning(&txn)
        .await?;
    txn.commit().await?;
    Ok(())
}

/// A one-time link for person `person_id`, made by an admin for a site without mail
/// (or by the server for its first admin: `actor` none). The link's address.
pub async fn make_link(
    ctx: &Ctx,
    actor: Option<&Actor>,
    person_id: &str,
    next: Option<&str>,
    break_glass: bool,
) -> AppResult<String> {
    if let Some(actor) = actor {
        authorize(actor, Action::ManagePeople, Target::Anything)?;
    }
    let person = load::<person::Entity>(&ctx.db, "person", person_id).await?;
    if !person.active {
        return Err(AppError::conflict(
            "the person is deactivated: reactivate them first",
            None,
        ));
    }
    let txn = crate::store::begin(&ctx.db).await?;
    let by = actor.map(|a| a.person_id.as_str());
    let (_, token) = create_link(&txn, &person, next, ctx.now(), by, break_glass).await?;
    txn.commit().await?;
    Ok(link_url(ctx, &token))
}

/// A break-glass link (`cxpm break-glass`, run on the server): one-time, for the
/// active admin with `email`, and good even when sign-in is OpenID Connect only —
/// the way in when the company's sign-in is down or misconfigured. On record like
/// any link, marked `break_glass`.
pub async fn break_glass(ctx: &Ctx, email: &str) -> AppResult<String> {
    let email = Email::parse(email).map_err(|e| e.at("email"))?;
    let Some(person) = unique(
        person::Entity::find().filter(person::Column::Email.eq(email.as_str())),
        &ctx.db,
    )
    .await?
    else {
        return Err(AppError::conflict(
            "no person of cxpm has this address",
            Some("email"),
        ));
    };
    if !person.active {
        return Err(AppError::conflict(
            "the person is deactivated: reactivate them first",
            Some("email"),
        ));
    }
    if *person.role != Role::Admin {
        return Err(AppError::conflict(
            "break-glass links are for admins only",
            Some("email"),
        ));
    }
    make_link(ctx, None, &person.id, Some("/admin/people"), true).await
}

async fn create_link(
    conn: &impl ConnectionTrait,
    person: &person::Model,
    next: Option<&str>,
    now: DateTime<Utc>,
    by: Option<&str>,
    break_glass: bool,
) -> AppResult<(sign_in_link::Model, String)> {
    let token = generate_token();
    let link = sign_in_link::Model {
        id: new_id(),
        person_id: person.id.clone(),
        token_hash: hash_token(&token),
        next_path: next.map(|n| safe_next(Some(n))),
        created_at: now,
        expires_at: now + LINK_TTL,
        used_at: None,
        break_glass,
    };
    sign_in_link::Entity::insert(sign_in_link::ActiveModel::from(link.clone()))
        .exec_without_returning(conn)
        .await?;
    let by = by.or(Some(person.id.as_str()));
    audit::record(
        conn,
        by,
        now,
        "sign_in_link",
        &link.id,
        Change::Create,
        None::<&()>,
        Some(&link),
    )
    .await?;
    Ok((link, token))
}

fn link_url(ctx: &Ctx, token: &str) -> String {
    format!("{}/sign-in/link?token={token}", ctx.public_url)
}

/// Uses up the link with `token` and opens a session for its person: `None` when
/// the link is unknown, used, expired, or its person deactivated — or, with
/// `break_glass_only` (sign-in is OpenID Connect only), not made by the break-glass
/// command. Using it and opening the session happen together: of two browsers
/// racing with one link, one wins.
pub async fn open(
    ctx: &Ctx,
    token: &str,
    user_agent: Option<&str>,
    client: Option<&str>,
    times: SessionTimes,
    break_glass_only: bool,
) -> AppResult<Option<Opened>> {
    let now = ctx.now();
    let hash = hash_token(token.trim());
    // The claim is the transaction's first statement: a write, so that SQLite takes
    // its write lock at once instead of upgrading a read (which another writer can
    // refuse).
    let txn = crate::store::begin(&ctx.db).await?;
    let mut claim = sign_in_link::Entity::update_many()
        .col_expr(sign_in_link::Column::UsedAt, Expr::value(Some(now)))
        .filter(sign_in_link::Column::TokenHash.eq(&hash))
        .filter(sign_in_link::Column::UsedAt.is_null())
        .filter(sign_in_link::Column::ExpiresAt.gt(now));
    if break_glass_only {
        claim = claim.filter(sign_in_link::Column::BreakGlass.eq(true));
    }
    let taken = claim.exec(&txn).await?.rows_affected;
    if taken != 1 {
        return Ok(None);
    }
    let Some(link) = unique(
        sign_in_link::Entity::find().filter(sign_in_link::Column::TokenHash.eq(&hash)),
        &txn,
    )
    .await?
    else {
        return Ok(None);
    };
    let person = load::<person::Entity>(&txn, "person", &link.person_id).await?;
    if !person.active {
        return Ok(None);
    }
    let method = if link.break_glass {
        "break-glass"
    } else {
        "link"
    };
    let started = Started {
        method,
        id_token: None,
        user_agent,
        client,
        times,
    };
    let cookie = start_session(&txn, &person, started, now).await?;
    txn.commit().await?;
    Ok(Some(Opened {
        cookie,
        next_path: safe_next(link.next_path.as_deref()),
    }))
}

/// How a session begins.
pub(crate) struct Started<'a> {
    pub(crate) method: &'static str,
    pub(crate) id_token: Option<String>,
    pub(crate) user_agent: Option<&'a str>,
    pub(crate) client: Option<&'a str>,
    pub(crate) times: SessionTimes,
}

/// Opens a session for `person`, on record; the cookie's value.
pub(crate) async fn start_session(
    conn: &impl ConnectionTrait,
    person: &person::Model,
    started: Started<'_>,
    now: DateTime<Utc>,
) -> AppResult<String> {
    let cookie = generate_token();
    let row = session::Model {
        id: new_id(),
        person_id: person.id.clone(),
        token_hash: hash_token(&cookie),
        csrf_token: hash_token(&generate_token()),
        user_agent: started.user_agent.map(|u| u.chars().take(300).collect()),
        client: started.client.map(|c| c.chars().take(64).collect()),
        created_at: now,
        last_seen_at: now,
        expires_at: now + started.times.absolute,
        revoked_at: None,
        method: started.method.to_owned(),
        id_token: started.id_token,
    };
    session::Entity::insert(session::ActiveModel::from(row.clone()))
        .exec_without_returning(conn)
        .await?;
    audit::record(
        conn,
        Some(person.id.as_str()),
        now,
        "session",
        &row.id,
        Change::Create,
        None::<&()>,
        Some(&row),
    )
    .await?;
    Ok(cookie)
}

/// The session behind a cookie, if it is still good; its last use is noted (at most
/// once a minute).
pub async fn resolve(ctx: &Ctx, cookie: &str, times: SessionTimes) -> AppResult<Option<SignedIn>> {
    let now = ctx.now();
    let Some(session) = unique(
        session::Entity::find()
            .filter(session::Column::TokenHash.eq(hash_token(cookie)))
            .filter(session::Column::RevokedAt.is_null())
            .filter(session::Column::ExpiresAt.gt(now))
            .filter(session::Column::LastSeenAt.gt(now - times.idle)),
        &ctx.read,
    )
    .await?
    else {
        return Ok(None);
    };
    let Some(person) = unique(
        person::Entity::find_by_id(&session.person_id).filter(person::Column::Active.eq(true)),
        &ctx.read,
    )
    .await?
    else {
        return Ok(None);
    };
    if now - session.last_seen_at > Duration::minutes(1) {
        session::Entity::update_many()
            .col_expr(session::Column::LastSeenAt, Expr::value(now))
            .filter(session::Column::Id.eq(&session.id))
            .exec(&ctx.db)
            .await?;
    }
    let role: Role = *person.role;
    Ok(Some(SignedIn {
        actor: Actor {
            person_id: person.id.clone(),
            role,
            department_id: person.department_id.clone(),
        },
        person,
        session,
    }))
}

/// The actor's sessions that are still open, newest first.
pub async fn mine(ctx: &Ctx, actor: &Actor, times: SessionTimes) -> AppResult<Vec<session::Model>> {
    let now = ctx.now();
    Ok(session::Entity::find()
        .filter(session::Column::PersonId.eq(&actor.person_id))
        .filter(session::Column::RevokedAt.is_null())
        .filter(session::Column::ExpiresAt.gt(now))
        .filter(session::Column::LastSeenAt.gt(now - times.idle))
        .order_by_desc(session::Column::CreatedAt)
        .all(&ctx.read)
        .await?)
}

/// Ends the actor's session `id` (one of their own).
pub async fn end(ctx: &Ctx, actor: &Actor, id: &str) -> AppResult<()> {
    let s = load::<session::Entity>(&ctx.db, "session", id).await?;
    if s.person_id != actor.person_id {
        return Err(AppError::not_found("session", id));
    }
    let txn = crate::store::begin(&ctx.db).await?;
    end_in(
        &txn,
        Some(&actor.person_id),
        &actor.person_id,
        Some(&s.id),
        ctx.now(),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Ends every session of the actor ("sign out everywhere").
pub async fn end_all(ctx: &Ctx, actor: &Actor) -> AppResult<u64> {
    let txn = crate::store::begin(&ctx.db).await?;
    let n = end_in(
        &txn,
        Some(&actor.person_id),
        &actor.person_id,
        None,
        ctx.now(),
    )
    .await?;
    txn.commit().await?;
    Ok(n)
}

/// Ends person `person_id`'s open sessions (only `only`, when given), on record.
pub async fn end_in(
    conn: &impl ConnectionTrait,
    by: Option<&str>,
    person_id: &str,
    only: Option<&str>,
    now: DateTime<Utc>,
) -> AppResult<u64> {
    // The write first (see `open`), then the rows it ended, for the audit trail.
    let mut update = session::Entity::update_many()
        .col_expr(session::Column::RevokedAt, Expr::value(Some(now)))
        .filter(session::Column::PersonId.eq(person_id))
        .filter(session::Column::RevokedAt.is_null());
    if let Some(id) = only {
        update = update.filter(session::Column::Id.eq(id));
    }
    update.exec(conn).await?;
    let mut select = session::Entity::find()
        .filter(session::Column::PersonId.eq(person_id))
        .filter(session::Column::RevokedAt.eq(now));
    if let Some(id) = only {
        select = select.filter(session::Column::Id.eq(id));
    }
    let ended = select.all(conn).await?;
    for after in &ended {
        let mut before = after.clone();
        before.revoked_at = None;
        audit::record(
            conn,
            by,
            now,
            "session",
            &after.id,
            Change::Revoke,
            Some(&before),
            Some(after),
        )
        .await?;
    }
    Ok(ended.len() as u64)
}
