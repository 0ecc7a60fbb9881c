//! The scheduler inside `cxpm serve`: every round it fires the enabled schedules whose
//! next fire time has come ([`cxpm_app::reminders::fire_due`]: claim and queue in one
//! transaction, compare-and-set on the next fire time, the same SQL on SQLite and
//! PostgreSQL). The next fire time is computed after *now*, so after downtime a
//! schedule fires its missed tick once, not once per missed tick. Extra replicas run
//! with `--no-scheduler`; two that both run it still fire each tick once.

use std::time::Duration;

use cxpm_app::{feedback, reminders};

use super::invite::InviteMail;
use super::mailroom::Mail;
use crate::app::AppState;
use crate::error::ApiResult;

/// One round: fires every due schedule; returns how many ticks this replica fired.
pub async fn tick(state: &AppState) -> ApiResult<usize> {
    let mail = Mail(state);
    let mut fired = 0;
    for due in reminders::due(state).await? {
        if reminders::fire_due(state, &due.schedule, due.at, due.next, &mail)
            .await?
            .is_some()
        {
            fired += 1;
            state.metrics.tick();
        }
    }
    rounds(state).await?;
    Ok(fired)
}

/// Feedback rounds: close the due ones (answers into measurements), send the one
/// reminder, open the ones plans' feedback cadences ask for.
async fn rounds(state: &AppState) -> ApiResult<()> {
    let closed = feedback::sweeps::close_due(state).await?;
    let reminded = feedback::sweeps::remind_due(state, &InviteMail).await?;
    let opened = feedback::sweeps::open_due(state, &InviteMail).await?;
    if closed + reminded + opened > 0 {
        tracing::info!(closed, reminded, opened, "feedback rounds");
    }
    Ok(())
}

/// Once a day (UTC) and at start: tells webhooks of the actions that fell overdue
/// (an action falls overdue when a day ends), forgets idempotency keys past their day
/// and company sign-ins begun over a day ago (their outcomes stay in the audit trail).
async fn daily(state: &AppState, today: chrono::NaiveDate) -> ApiResult<()> {
    let told = cxpm_app::hooks::events::sweep_overdue(state, today).await?;
    if told > 0 {
        tracing::info!(told, "overdue actions told to webhooks");
    }
    cxpm_app::idempotency::sweep(state)
        .await
        .map_err(cxpm_app::AppError::from)?;
    cxpm_app::directory::oidc::sweep(state).await?;
    Ok(())
}

/// Runs rounds every `every` until the task is dropped.
pub fn spawn(state: AppState, every: Duration) -> tokio::task::JoinHandle<()> {
    tracing::info!(every_ms = every.as_millis() as u64, "scheduler started");
    tokio::spawn(async move {
        let mut swept: Option<chrono::NaiveDate> = None;
        loop {
            let today = state.now().date_naive();
            if swept != Some(today) {
                match daily(&state, today).await {
                    Ok(()) => swept = Some(today),
                    Err(error) => tracing::warn!(?error, "the daily sweep failed"),
                }
            }
            match tick(&state).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(fired = n, "schedules fired"),
                Err(error) => tracing::warn!(?error, "scheduler round failed"),
            }
            tokio::time::sleep(every).await;
        }
    })
}
