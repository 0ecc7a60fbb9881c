//! `cxpm demo`, the command line's front: it builds the demo organisation with
//! [`cxpm_app::demo`] (which makes every row with the use cases' own constructors
//! and checks) on the system clock.

use cxpm_app::Ctx;
use sea_orm::DatabaseConnection;

use crate::config::DemoSize;

pub use cxpm_app::demo::Built;

/// Builds the demo program. Fails without writing anything when the demo's
/// department codes are taken (a demo is already in this database).
pub async fn build(db: &DatabaseConnection, size: DemoSize, seed: u64) -> anyhow::Result<Built> {
    let ctx = Ctx::for_command(db.clone(), "");
    let size = match size {
        DemoSize::Small => cxpm_app::demo::Size::Small,
        DemoSize::Large => cxpm_app::demo::Size::Large,
    };
    Ok(cxpm_app::demo::build(&ctx, size, seed).await?)
}

/// One-time sign-in links (15 minutes) for the demo's CX coordinator, a department
/// head and an executive, so that a newcomer can open the pages as each: (who, link).
pub async fn sign_in_links(
    db: &DatabaseConnection,
    built: &Built,
    public_url: &str,
) -> anyhow::Result<Vec<(&'static str, String)>> {
    use cxpm_app::store::{person, program};
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
    let ctx = Ctx::for_command(db.clone(), public_url);
    let program = program::Entity::find_by_id(&built.program_id)
        .one(db)
        .await?
        .ok_or_else(|| anyhow::anyhow!("the demo program is gone"))?;
    let first_with = |role: &'static str| {
        person::Entity::find()
            .filter(person::Column::Role.eq(role))
            .filter(person::Column::Active.eq(true))
            .order_by_asc(person::Column::Id)
            .one(db)
    };
    let mut who: Vec<(&'static str, Option<String>)> =
        vec![("the CX coordinator", program.coordinator_id.clone())];
    who.push((
        "a department head",
        first_with("department_head").await?.map(|p| p.id),
    ));
    who.push(("an executive", first_with("executive").await?.map(|p| p.id)));
    let mut links = Vec::new();
    for (label, id) in who {
        if let Some(id) = id {
            let link =
                cxpm_app::directory::sign_in::make_link(&ctx, None, &id, Some("/start"), false)
                    .await
                    .map_err(|e| anyhow::anyhow!("a sign-in link for {label}: {e}"))?;
            links.push((label, link));
        }
    }
    Ok(links)
}
