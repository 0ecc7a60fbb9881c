//! Change counters: one row per program, and one for what every program's reports
//! read besides their own rows (departments, people, a demo organisation). Every
//! change bumps the counter it falls under in its own transaction — [`bump`] runs
//! inside [`super::audit::record`], which every change goes through — so a report
//! computed at a pair of counters is current exactly while both still read the same,
//! on every replica that reads these rows.

use sea_orm::entity::prelude::*;
use sea_orm::sea_query::{Alias, ExprTrait, OnConflict, Query};
use sea_orm::{ConnectionTrait, DbErr, Set};
use serde::Deserialize;

/// One counter.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "change_counters")]
pub struct Model {
    /// A program's id, or [`ORGANISATION`].
    #[sea_orm(primary_key, auto_increment = false)]
    pub scope: String,
    pub revision: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// The scope of changes that can move any program's reports.
pub const ORGANISATION: &str = "organisation";

/// Where a program's reports stand: its own counter and the organisation's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Revisions {
    pub program: i64,
    pub organisation: i64,
}

/// The counters program `program_id`'s reports depend on (0 before any change).
pub async fn read<C: ConnectionTrait>(conn: &C, program_id: &str) -> Result<Revisions, DbErr> {
    let rows = Entity::find()
        .filter(Column::Scope.is_in([program_id, ORGANISATION]))
        .all(conn)
        .await?;
    let of = |scope: &str| {
        rows.iter()
            .find(|r| r.scope == scope)
            .map_or(0, |r| r.revision)
    };
    Ok(Revisions {
        program: of(program_id),
        organisation: of(ORGANISATION),
    })
}

/// What no report reads: sign-in, tokens, calendars, chat and webhook deliveries,
/// schedules, saved snapshots (written once, looked up before a report is served).
const UNREAD: &[&str] = &[
    "session",
    "sign_in_link",
    "token",
    "oidc_attempt",
    "calendar_feed",
    "channel",
    "webhook",
    "delivery",
    "schedule",
    "report_snapshot",
];

/// What an audit snapshot says of its program: its own field, or a parent's id (a
/// reading's metric, a step's plan, an update's action, an answer's round).
#[derive(Deserialize)]
struct Ties {
    program_id: Option<String>,
    metric_id: Option<String>,
    plan_id: Option<String>,
    action_id: Option<String>,
    round_id: Option<String>,
    key_point_id: Option<String>,
    relationship_id: Option<String>,
}

/// Bumps the counter of the change to `entity` `entity_id` whose audit snapshots are
/// `before` and `after`: its program's, found on the row or its parent, else (a
/// department, a person, anything not tied to one program) the organisation's.
pub(crate) async fn bump<C: ConnectionTrait>(
    conn: &C,
    entity: &str,
    entity_id: &str,
    before: Option<&str>,
    after: Option<&str>,
) -> Result<(), DbErr> {
    if UNREAD.contains(&entity) {
        return Ok(());
    }
    let mut scopes: Vec<String> = Vec::new();
    if entity == "program" {
        scopes.push(entity_id.to_owned());
    } else if entity != "demo" {
        for snapshot in [before, after].into_iter().flatten() {
            if let Some(scope) = program_of(conn, snapshot).await? {
                scopes.push(scope);
            }
        }
    }
    scopes.sort();
    scopes.dedup();
    if scopes.is_empty() {
        scopes.push(ORGANISATION.to_owned());
    }
    for scope in scopes {
        increment(conn, &scope).await?;
    }
    Ok(())
}

async fn program_of<C: ConnectionTrait>(conn: &C, snapshot: &str) -> Result<Option<String>, DbErr> {
    // A snapshot that is not an object (none is) ties to nothing: the organisation.
    let Ok(ties) = serde_json::from_str::<Ties>(snapshot) else {
        return Ok(None);
    };
    if ties.program_id.is_some() {
        return Ok(ties.program_id);
    }
    let parents = [
        (ties.metric_id, "metrics"),
        (ties.plan_id, "plans"),
        (ties.action_id, "actions"),
        (ties.round_id, "feedback_rounds"),
        (ties.key_point_id, "key_points"),
        (ties.relationship_id, "relationships"),
    ];
    for (parent, table) in parents {
        let Some(parent) = parent else { continue };
        let query = Query::select()
            .column(Alias::new("program_id"))
            .from(Alias::new(table))
            .and_where(Expr::col(Alias::new("id")).eq(parent))
            .to_owned();
        if let Some(row) = conn.query_one(&query).await? {
            return Ok(Some(row.try_get_by_index::<String>(0)?));
        }
    }
    Ok(None)
}

async fn increment<C: ConnectionTrait>(conn: &C, scope: &str) -> Result<(), DbErr> {
    Entity::insert(ActiveModel {
        scope: Set(scope.to_owned()),
        revision: Set(1),
    })
    .on_conflict(
        OnConflict::column(Column::Scope)
            .value(
                Column::Revision,
                Expr::col((Entity, Column::Revision)).add(1),
            )
            .to_owned(),
    )
    .exec_without_returning(conn)
    .await
    .map(|_| ())
}
