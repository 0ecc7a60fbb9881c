//! `cxpm demo`, the command line's front: it builds the demo organisation with
//! [`cxpm_app::demo`] (which makes every row with the use cases' own constructors
//! and checks) on the system clock.

use std::sync::Arc;

use cxpm_app::{Clock, Ctx};
use sea_orm::DatabaseConnection;

use crate::config::DemoSize;

pub use cxpm_app::demo::Built;

/// Builds the demo program. Fails without writing anything when the demo's
/// department codes are taken (a demo is already in this database).
pub async fn build(db: &DatabaseConnection, size: DemoSize, seed: u64) -> anyhow::Result<Built> {
    let ctx = Ctx {
        db: db.clone(),
        read: db.clone(),
        clock: Clock::system(),
        public_url: Arc::from(""),
    };
    let size = match size {
        DemoSize::Small => cxpm_app::demo::Size::Small,
        DemoSize::Large => cxpm_app::demo::Size::Large,
    };
    Ok(cxpm_app::demo::build(&ctx, size, seed).await?)
}
