//! The audit trail: every change, written in the same transaction as the change,
//! with the bump of the change counter its program's reports are kept under
//! ([`change_counter`]).

use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ConnectionTrait, DbErr, Set};
use serde::Serialize;

use crate::store::{audit_event, change_counter, new_id};

/// What happened to the entity.
#[derive(Debug, Clone, Copy)]
pub enum Change {
    Create,
    Update,
    Revoke,
    Import,
    Delete,
    /// A schedule fired (by the scheduler, or by hand).
    Fire,
}

impl Change {
    fn as_str(self) -> &'static str {
        match self {
            Change::Create => "create",
            Change::Update => "update",
            Change::Revoke => "revoke",
            Change::Import => "import",
            Change::Delete => "delete",
            Change::Fire => "fire",
        }
    }
}

/// Records one change, made at `at` (by the caller's clock). `conn` is the
/// transaction that makes the change, so the entry exists exactly when the change does.
// One argument per fact of the entry (who, when, what, how, before, after).
#[allow(clippy::too_many_arguments)]
pub async fn record<C: ConnectionTrait, B: Serialize, A: Serialize>(
    conn: &C,
    actor_id: Option<&str>,
    at: DateTime<Utc>,
    entity: &str,
    entity_id: &str,
    change: Change,
    before: Option<&B>,
    after: Option<&A>,
) -> Result<(), DbErr> {
    let before = before.map(to_json).transpose()?;
    let after = after.map(to_json).transpose()?;
    change_counter::bump(conn, entity, entity_id, before.as_deref(), after.as_deref()).await?;
    audit_event::ActiveModel {
        id: Set(new_id()),
        at: Set(at),
        actor_id: Set(actor_id.map(str::to_owned)),
        entity: Set(entity.to_owned()),
        entity_id: Set(entity_id.to_owned()),
        action: Set(change.as_str().to_owned()),
        before: Set(before),
        after: Set(after),
    }
    .insert(conn)
    .await
    .map(|_| ())
}

fn to_json<T: Serialize>(value: &T) -> Result<String, DbErr> {
    serde_json::to_string(value).map_err(|e| DbErr::Custom(format!("audit snapshot: {e}")))
}
