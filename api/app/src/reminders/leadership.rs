//! The leadership digest: the program's worst open gaps, to the readers the schedule
//! names (by default its coordinator and sponsor); nothing when every gap is met.
//! The lines are the gap report's ([`crate::reports::full_gap_report`]).

use cxpm_domain::Role;
use cxpm_domain::gap::Severity;
use cxpm_domain::program::TeamRole;
use cxpm_domain::values::Locale;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use super::plan::{PlannedMail, Setting};
use super::schedules::stored_readers;
use super::{GapLine, Line, RenderMail, Status};
use crate::store::member;
use crate::{AppResult, Ctx};

/// The most gaps a leadership digest lists.
const WORST: usize = 10;

pub(super) async fn plan(
    ctx: &Ctx,
    s: &Setting<'_>,
    mailroom: &impl RenderMail,
) -> AppResult<Vec<PlannedMail>> {
    let worst: Vec<GapLine> = crate::reports::full_gap_report(ctx, &s.program)
        .await?
        .lines
        .into_iter()
        .filter(|l| l.severity > Severity::Met)
        .take(WORST)
        .map(|l| GapLine {
            id: l.id,
            name: l.name,
            department_name: l.department_name,
            owner_name: l.owner_name,
            severity: l.severity,
            gap: l.gap,
            relative_gap: l.relative_gap,
        })
        .collect();
    if worst.is_empty() {
        return Ok(Vec::new());
    }
    let link = s.report("gaps");
    let lines: Vec<Line> = worst
        .iter()
        .map(|l| Line {
            title: l.name.clone(),
            context: [l.department_name.as_deref(), l.owner_name.as_deref()]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" · "),
            status: Status::Gap {
                severity: l.severity,
                gap: l.gap,
                relative_gap: l.relative_gap,
            },
            link: link.clone(),
        })
        .collect();
    let mut mails = Vec::new();
    for id in readers(ctx, s).await? {
        let Some(reader) = s.people.get(&id) else {
            continue;
        };
        let locale = Locale::parse(&reader.locale).unwrap_or_default();
        let letter = s.letter(reader, locale, lines.clone(), lines.len(), link.clone());
        let items = worst.iter().map(|l| l.id.clone()).collect();
        mails.push(s.planned(reader, locale, mailroom.render(&letter)?, items));
    }
    Ok(mails)
}

/// Who reads the digest: the schedule's readers among the active people and the
/// program's team, else its coordinator and sponsor.
async fn readers(ctx: &Ctx, s: &Setting<'_>) -> AppResult<Vec<String>> {
    let team: Vec<(String, TeamRole)> = member::Entity::find()
        .filter(member::Column::ProgramId.eq(&s.program.id))
        .all(&ctx.db)
        .await?
        .into_iter()
        .map(|m| (m.person_id, m.team_role.0))
        .collect();
    let team: Vec<(&str, TeamRole)> = team.iter().map(|(p, r)| (p.as_str(), *r)).collect();
    let mut everyone: Vec<(&str, Role)> = s
        .people
        .values()
        .map(|p| (p.id.as_str(), p.role.0))
        .collect();
    everyone.sort_unstable_by_key(|(id, _)| *id);
    let readers = stored_readers(&s.sched.readers).select(
        &everyone,
        &team,
        &[s.ladder.coordinator.as_deref(), s.ladder.sponsor.as_deref()],
    );
    Ok(readers.into_iter().map(str::to_owned).collect())
}
