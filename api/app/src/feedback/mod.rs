//! Feedback rounds (issue 16): a relationship's provider asks its customers how it
//! went, key point by key point; when the round closes, their answers become each key
//! point's measurement for the period.
//!
//! - [`rounds`]: open a round (by hand, for one relationship or all of a program's),
//!   list them, read one's results and response rates, close one early.
//! - [`answers`]: answer, signed in or by a personal one-time link.
//! - [`closing`]: a round closes — answers into measurements, in one transaction.
//! - [`sweeps`]: what the scheduler does each round: close due rounds, send the one
//!   reminder, open the rounds plans' feedback cadences ask for.
//!
//! Anonymity is kept by the store's shape: an invitation records only *that* it was
//! answered; ratings and comments carry the round and the kind of respondent, a random
//! id and nothing else. Results below the program's minimum of respondents are not
//! shown ([`cxpm_domain::feedback::results`]).

pub mod answers;
pub mod closing;
pub mod rounds;
pub mod sweeps;

use chrono::{DateTime, Utc};
use cxpm_domain::feedback::Respondent;
use cxpm_domain::reminder::{OutboxStatus, message_id};
use cxpm_domain::values::Locale;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};

use crate::directory::tokens::{generate_token, hash_token};
use crate::store::{department, feedback_invitation, feedback_link, key_point, new_id, outbox};
use crate::{AppResult, Ctx};

pub use rounds::{OpenRound, RoundView, Summary};

/// How long a round the plan's cadence opens stays open.
pub const CADENCE_ROUND_DAYS: i64 = 7;

/// Which mail: the invitation, or the one reminder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailKind {
    Invitation,
    Reminder,
}

/// What an invitation or reminder mail says, for the front to write in the reader's
/// language.
#[derive(Debug, Clone)]
pub struct Invite<'a> {
    pub kind: MailKind,
    pub locale: Locale,
    /// The person's name; none for an outside contact.
    pub name: Option<&'a str>,
    pub respondent: Respondent,
    /// The department asking (the relationship's provider).
    pub provider: &'a str,
    /// The department whose experience is asked about (the customer).
    pub customer: &'a str,
    pub key_points: usize,
    pub deadline: DateTime<Utc>,
    /// The personal link to the answer page.
    pub url: &'a str,
}

/// A written mail.
#[derive(Debug, Clone)]
pub struct Written {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// The front's side of a round's mails: writing them.
pub trait WriteInvite: Sync {
    fn write(&self, invite: &Invite<'_>) -> Written;
}

/// The key points a round asks about: its relationship's, not archived, in order.
pub async fn points_of(
    conn: &impl ConnectionTrait,
    relationship_id: &str,
) -> AppResult<Vec<key_point::Model>> {
    Ok(key_point::Entity::find()
        .filter(key_point::Column::RelationshipId.eq(relationship_id))
        .filter(key_point::Column::Archived.eq(false))
        .order_by_asc(key_point::Column::Id)
        .all(conn)
        .await?)
}

/// A department's name, or its id when it is gone.
pub(crate) async fn department_name(conn: &impl ConnectionTrait, id: &str) -> AppResult<String> {
    Ok(department::Entity::find_by_id(id.to_owned())
        .one(conn)
        .await?
        .map(|d| d.name)
        .unwrap_or_else(|| id.to_owned()))
}

/// The address of the answer page for a link's token.
pub fn answer_url(ctx: &Ctx, token: &str) -> String {
    format!("{}/feedback/answer?token={token}", ctx.public_url)
}

/// Queues one mail to `invitation` with a new personal link: the link and the
/// outbox row in the caller's transaction. A second call for the same kind queues
/// nothing (the outbox's dedupe key).
pub(crate) async fn queue_mail(
    conn: &impl ConnectionTrait,
    ctx: &Ctx,
    invitation: &feedback_invitation::Model,
    about: &Invite<'_>,
    write: &dyn WriteInvite,
) -> AppResult<()> {
    let now = ctx.now();
    let token = generate_token();
    let link = feedback_link::Model {
        token_hash: hash_token(&token),
        invitation_id: invitation.id.clone(),
        created_at: now,
    };
    feedback_link::Entity::insert(feedback_link::ActiveModel::from(link))
        .exec_without_returning(conn)
        .await?;
    let url = answer_url(ctx, &token);
    let locale = Locale::parse(&invitation.locale).unwrap_or_default();
    let mail = write.write(&Invite {
        locale,
        url: &url,
        ..about.clone()
    });
    let kind = match about.kind {
        MailKind::Invitation => "invite",
        MailKind::Reminder => "remind",
    };
    let key = format!("feedback/{}/{kind}", invitation.id);
    let row = outbox::Model {
        id: new_id(),
        program_id: None,
        schedule_id: None,
        fired_at: now,
        // An outside contact has no person: the invitation stands for them.
        recipient_id: invitation
            .person_id
            .clone()
            .unwrap_or_else(|| invitation.id.clone()),
        to_address: invitation.email.clone(),
        locale: locale.as_str().to_owned(),
        message_id: message_id(&key, &ctx.mail_host()),
        dedupe_key: key,
        subject: mail.subject,
        body_text: mail.text,
        body_html: mail.html,
        items: about.key_points as i32,
        status: OutboxStatus::Pending.into(),
        attempts: 0,
        next_attempt_at: now,
        last_error: None,
        sent_at: None,
        created_at: now,
    };
    outbox::Entity::insert(outbox::ActiveModel::from(row))
        .exec_without_returning(conn)
        .await?;
    Ok(())
}
