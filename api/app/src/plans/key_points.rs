//! Key experience points of a relationship (确定关键体验点) and their survey
//! measurements. The providing department's head (or a coordinator) keeps them.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use cxpm_domain::limits;
use cxpm_domain::plan::MeasurementSource;
use cxpm_domain::program::SurveyScale;
use cxpm_domain::values::optional_text;
use cxpm_domain::{Action, Actor, FieldError, Invalid, Target, authorize};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

use crate::names::{check_names, rename};
use crate::store::{key_point, load, measurement, new_id, program, relationship, versioned};
use crate::{AppError, AppResult, Ctx, Expect, Patch};

#[derive(Debug, Clone, Default)]
pub struct NewKeyPoint {
    pub name: String,
    pub name_translations: Option<BTreeMap<String, String>>,
    pub description: Option<String>,
    /// What the internal customer expects, in their words.
    pub customer_expects: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct KeyPointChange {
    pub name: Option<String>,
    pub name_translations: Option<BTreeMap<String, String>>,
    pub description: Patch<String>,
    pub customer_expects: Patch<String>,
    pub archived: Option<bool>,
}

/// A survey's result for one period.
#[derive(Debug, Clone)]
pub struct NewMeasurement {
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub expectation_score: f64,
    pub experience_score: f64,
    /// 1–5.
    pub importance: i32,
    pub provider_rating: Option<f64>,
    pub sample_size: Option<i32>,
    pub source: MeasurementSource,
    pub note: Option<String>,
}

/// A text field of a change: kept, cleared, or set to text checked for `max`
/// characters; `None` when unchanged.
fn changed_text(
    invalid: &mut Invalid,
    field: &str,
    patch: Patch<String>,
    max: usize,
) -> Option<Option<String>> {
    match patch {
        Patch::Keep => None,
        Patch::Clear => Some(None),
        Patch::Set(v) => invalid.check(optional_text(field, Some(&v), max)),
    }
}

/// The relationship of a key point, with the permission to keep its points asked.
async fn keeper_of(
    ctx: &Ctx,
    actor: &Actor,
    relationship_id: &str,
) -> AppResult<relationship::Model> {
    let rel = load::<relationship::Entity>(&ctx.db, "relationship", relationship_id).await?;
    authorize(
        actor,
        Action::ManageKeyPoints,
        Target::Department(Some(&rel.provider_department_id)),
    )?;
    Ok(rel)
}

pub async fn create(
    ctx: &Ctx,
    actor: &Actor,
    relationship_id: &str,
    new: NewKeyPoint,
) -> AppResult<key_point::Model> {
    let rel = keeper_of(ctx, actor, relationship_id).await?;
    let mut invalid = Invalid::default();
    let (name, name_translations) =
        check_names(&mut invalid, &new.name, new.name_translations.as_ref());
    let description = invalid.check(optional_text(
        "description",
        new.description.as_deref(),
        limits::TEXT,
    ));
    let customer_expects = invalid.check(optional_text(
        "customer_expects",
        new.customer_expects.as_deref(),
        limits::TEXT,
    ));
    invalid.into_result()?;
    let (Some(name), Some(description), Some(customer_expects), Some(name_translations)) =
        (name, description, customer_expects, name_translations)
    else {
        return Err(AppError::internal(&"validated fields missing"));
    };
    let now = ctx.now();
    let model = key_point::Model {
        id: new_id(),
        program_id: rel.program_id,
        relationship_id: rel.id,
        name,
        name_translations,
        description,
        customer_expects,
        archived: false,
        version: 1,
        created_at: now,
        updated_at: now,
    };
    versioned::create::<key_point::Entity>(&ctx.db, &actor.person_id, now, &model).await?;
    Ok(model)
}

/// A relationship's key points, oldest first; archived ones only when asked.
pub async fn list(
    ctx: &Ctx,
    actor: &Actor,
    relationship_id: &str,
    include_archived: bool,
) -> AppResult<Vec<key_point::Model>> {
    authorize(actor, Action::ReadPrograms, Target::Anything)?;
    let rel = load::<relationship::Entity>(&ctx.read, "relationship", relationship_id).await?;
    let mut select =
        key_point::Entity::find().filter(key_point::Column::RelationshipId.eq(&rel.id));
    if !include_archived {
        select = select.filter(key_point::Column::Archived.eq(false));
    }
    Ok(select
        .order_by_asc(key_point::Column::Id)
        .all(&ctx.read)
        .await?)
}

pub async fn change(
    ctx: &Ctx,
    actor: &Actor,
    id: &str,
    expected: &Expect,
    change: KeyPointChange,
) -> AppResult<key_point::Model> {
    let before = load::<key_point::Entity>(&ctx.db, "key_point", id).await?;
    keeper_of(ctx, actor, &before.relationship_id).await?;
    expected.check(before.version)?;
    let mut after = before.clone();
    let mut invalid = Invalid::default();
    rename(
        &mut invalid,
        change.name.as_deref(),
        change.name_translations.as_ref(),
        &mut after.name,
        &mut after.name_translations,
    );
    if let Some(v) = changed_text(
        &mut invalid,
        "description",
        change.description,
        limits::TEXT,
    ) {
        after.description = v;
    }
    if let Some(v) = changed_text(
        &mut invalid,
        "customer_expects",
        change.customer_expects,
        limits::TEXT,
    ) {
        after.customer_expects = v;
    }
    invalid.into_result()?;
    if let Some(archived) = change.archived {
        after.archived = archived;
    }
    versioned::update::<key_point::Entity>(&ctx.db, &actor.person_id, ctx.now(), &before, after)
        .await
}

/// Records a survey's result for key point `id`: scores on the program's scale; the
/// measurement, its audit entry and its period's running sums in one transaction.
pub async fn measure(
    ctx: &Ctx,
    actor: &Actor,
    id: &str,
    new: NewMeasurement,
) -> AppResult<measurement::Model> {
    let point = load::<key_point::Entity>(&ctx.db, "key_point", id).await?;
    keeper_of(ctx, actor, &point.relationship_id).await?;
    let program = load::<program::Entity>(&ctx.db, "program", &point.program_id).await?;
    let scale = SurveyScale::new(program.scale_min, program.scale_max)
        .map_err(|e| AppError::internal(&e))?;
    let note = check_measurement(scale, &new)?;
    let model = measurement::Model {
        id: new_id(),
        program_id: point.program_id,
        key_point_id: point.id,
        period_start: new.period_start,
        period_end: new.period_end,
        expectation_score: new.expectation_score,
        experience_score: new.experience_score,
        importance: new.importance,
        provider_rating: new.provider_rating,
        sample_size: new.sample_size,
        source: new.source.into(),
        note,
        recorded_by: actor.person_id.clone(),
        recorded_at: ctx.now(),
    };
    let txn = crate::store::begin(&ctx.db).await?;
    crate::store::append_in::<measurement::Entity, _>(
        &txn,
        &actor.person_id,
        ctx.now(),
        "measurement",
        &model.id,
        &model,
    )
    .await?;
    crate::store::summaries::add_measurement(&txn, &model).await?;
    crate::hooks::events::emit(
        &txn,
        &model.program_id,
        cxpm_domain::hooks::WebhookEvent::MeasurementRecorded,
        &model,
        model.recorded_at,
        None,
    )
    .await?;
    txn.commit().await?;
    Ok(model)
}

/// Checks a measurement against the program's scale and the bounds of its other
/// fields, every problem at once; its note, checked.
pub fn check_measurement(scale: SurveyScale, new: &NewMeasurement) -> AppResult<Option<String>> {
    let mut invalid = Invalid::default();
    let on_scale = |field: &str, v: f64| {
        if scale.contains(v) {
            Ok(v)
        } else {
            Err(FieldError::new(
                field,
                format!(
                    "must be on the program's scale, {} to {}",
                    scale.min(),
                    scale.max()
                ),
            ))
        }
    };
    invalid.check(on_scale("expectation_score", new.expectation_score));
    invalid.check(on_scale("experience_score", new.experience_score));
    if let Some(r) = new.provider_rating {
        invalid.check(on_scale("provider_rating", r));
    }
    if !(1..=5).contains(&new.importance) {
        invalid.push(FieldError::new("importance", "must be 1 to 5"));
    }
    if new.sample_size.is_some_and(|n| n < 1) {
        invalid.push(FieldError::new("sample_size", "must be at least 1"));
    }
    if new.source == MeasurementSource::FeedbackRound {
        invalid.push(FieldError::new(
            "source",
            "only a closed feedback round records this source",
        ));
    }
    if new.period_end < new.period_start {
        invalid.push(FieldError::new(
            "period_end",
            "must not be before period_start",
        ));
    }
    let note = invalid
        .check(optional_text("note", new.note.as_deref(), limits::TEXT))
        .flatten();
    invalid.into_result()?;
    Ok(note)
}

/// A key point's measurements, newest first.
pub async fn measurements(
    ctx: &Ctx,
    actor: &Actor,
    id: &str,
) -> AppResult<Vec<measurement::Model>> {
    authorize(actor, Action::ReadPrograms, Target::Anything)?;
    let point = load::<key_point::Entity>(&ctx.read, "key_point", id).await?;
    Ok(measurement::Entity::find()
        .filter(measurement::Column::KeyPointId.eq(&point.id))
        .order_by_desc(measurement::Column::PeriodStart)
        .order_by_desc(measurement::Column::Id)
        .all(&ctx.read)
        .await?)
}
