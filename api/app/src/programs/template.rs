//! The built-in industrial value-stream template: eight stages from bidding to
//! payment collection (names in English and Chinese, manufacturing internal), the
//! delivery-and-acceptance sub-process with its goal, and an owner row for each of
//! the four departments mapped. Applying it again creates only what is missing.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use cxpm_domain::templates::{
    INDUSTRIAL_DEPARTMENT_KEYS, INDUSTRIAL_STAGES, INDUSTRIAL_SUB_PROCESSES, TemplateStage,
    TemplateSubProcess,
};
use cxpm_domain::{Action, Actor, FieldError, Invalid, Target, authorize};
use sea_orm::{ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter};

use crate::names::translations_json;
use crate::programs::value_stream::{lock_order, stage_order, sub_process_order};
use crate::store::{
    department, load, new_id, owner, parse_id, program, stage, sub_process, unique, versioned,
};
use crate::{AppResult, Ctx};

/// The departments that play the template's four roles, each as given (an id).
#[derive(Debug, Clone, Default)]
pub struct IndustrialDepartments {
    pub order_management: Option<String>,
    pub manufacturing: Option<String>,
    pub quality_inspection: Option<String>,
    pub shipping: Option<String>,
}

/// What applying the template did, and the program's stages after it.
#[derive(Debug, Clone)]
pub struct Applied {
    pub stages_created: u32,
    pub sub_processes_created: u32,
    pub owners_created: u32,
    pub stages: Vec<stage::Model>,
}

/// Applies the industrial template to program `program_id`.
pub async fn apply_industrial(
    ctx: &Ctx,
    actor: &Actor,
    program_id: &str,
    mapping: IndustrialDepartments,
) -> AppResult<Applied> {
    authorize(actor, Action::ManageValueStream, Target::Anything)?;
    let program = load::<program::Entity>(&ctx.db, "program", program_id).await?;
    let departments = mapped_departments(ctx, &mapping).await?;
    let txn = lock_order(ctx, &program.id).await?;
    let by = actor.person_id.as_str();
    let (stage_ids, stages_created) = template_stages(ctx, &txn, by, &program).await?;
    let mut applied = Applied {
        stages_created,
        sub_processes_created: 0,
        owners_created: 0,
        stages: Vec::new(),
    };
    for t in INDUSTRIAL_SUB_PROCESSES {
        let Some(stage_id) = stage_ids.get(t.stage_key) else {
            continue;
        };
        let existing = unique(
            sub_process::Entity::find()
                .filter(sub_process::Column::ProgramId.eq(&program.id))
                .filter(sub_process::Column::TemplateKey.eq(t.key)),
            &txn,
        )
        .await?;
        let sub = match existing {
            Some(s) => s,
            None => {
                let position = sub_process_order(&txn, stage_id).await?.len() as i32 + 1;
                let now = ctx.now();
                let model = template_sub_process(&program.id, stage_id, &t, position, now);
                versioned::create_in::<sub_process::Entity, _>(&txn, by, now, &model).await?;
                applied.sub_processes_created += 1;
                model
            }
        };
        let owned: Vec<String> = owner::Entity::find()
            .filter(owner::Column::SubProcessId.eq(&sub.id))
            .all(&txn)
            .await?
            .into_iter()
            .map(|o| o.department_id)
            .collect();
        for o in t.owners {
            let Some(dept_id) = departments.get(o.department_key) else {
                continue;
            };
            if owned.contains(dept_id) {
                continue;
            }
            let now = ctx.now();
            let model = owner::Model {
                id: new_id(),
                program_id: program.id.clone(),
                sub_process_id: sub.id.clone(),
                department_id: dept_id.clone(),
                person_id: None,
                responsibility: o.responsibility.to_owned(),
                version: 1,
                created_at: now,
                updated_at: now,
            };
            versioned::create_in::<owner::Entity, _>(&txn, by, now, &model).await?;
            applied.owners_created += 1;
        }
    }
    applied.stages = stage_order(&txn, &program.id).await?;
    txn.commit().await?;
    Ok(applied)
}

/// The departments the mapping names, by the template's key; every id that is
/// malformed or names no department is invalid, all at once.
async fn mapped_departments(
    ctx: &Ctx,
    mapping: &IndustrialDepartments,
) -> AppResult<HashMap<&'static str, String>> {
    let mut departments: HashMap<&'static str, String> = HashMap::new();
    let mut invalid = Invalid::default();
    for (key, raw) in INDUSTRIAL_DEPARTMENT_KEYS.iter().zip([
        &mapping.order_management,
        &mapping.manufacturing,
        &mapping.quality_inspection,
        &mapping.shipping,
    ]) {
        if let Some(raw) = raw
            && let Some(dept_id) = invalid.check(parse_id(&format!("departments.{key}"), raw))
        {
            departments.insert(key, dept_id);
        }
    }
    invalid.into_result()?;
    if departments.is_empty() {
        return Ok(departments);
    }
    let found: Vec<String> = department::Entity::find()
        .filter(department::Column::Id.is_in(departments.values().cloned()))
        .all(&ctx.db)
        .await?
        .into_iter()
        .map(|d| d.id)
        .collect();
    let mut invalid = Invalid::default();
    for (key, dept_id) in &departments {
        if !found.contains(dept_id) {
            invalid.push(FieldError::new(
                format!("departments.{key}"),
                format!("no department with id `{dept_id}`"),
            ));
        }
    }
    invalid.into_result()?;
    Ok(departments)
}

/// The template's stages, created where missing (appended in order): each stage's
/// id by template key, and how many were created.
async fn template_stages(
    ctx: &Ctx,
    txn: &DatabaseTransaction,
    by: &str,
    program: &program::Model,
) -> AppResult<(HashMap<&'static str, String>, u32)> {
    let existing: HashMap<String, stage::Model> = stage::Entity::find()
        .filter(stage::Column::ProgramId.eq(&program.id))
        .all(txn)
        .await?
        .into_iter()
        .filter_map(|s| s.template_key.clone().map(|k| (k, s)))
        .collect();
    let mut order_len = stage_order(txn, &program.id).await?.len() as i32;
    let mut stage_ids = HashMap::new();
    let mut created = 0;
    let now = ctx.now();
    for t in INDUSTRIAL_STAGES {
        if let Some(s) = existing.get(t.key) {
            stage_ids.insert(t.key, s.id.clone());
            continue;
        }
        order_len += 1;
        let model = template_stage(&program.id, &t, order_len, now);
        versioned::create_in::<stage::Entity, _>(txn, by, now, &model).await?;
        stage_ids.insert(t.key, model.id);
        created += 1;
    }
    Ok((stage_ids, created))
}

/// A stage of program `program_id` made from template `t`, at `position`.
pub fn template_stage(
    program_id: &str,
    t: &TemplateStage,
    position: i32,
    now: DateTime<Utc>,
) -> stage::Model {
    stage::Model {
        id: new_id(),
        program_id: program_id.to_owned(),
        template_key: Some(t.key.to_owned()),
        name: t.name_en.to_owned(),
        name_translations: template_names(t.names()),
        description: None,
        customer_facing: t.customer_facing,
        position,
        archived: false,
        version: 1,
        created_at: now,
        updated_at: now,
    }
}

/// A sub-process of stage `stage_id` made from template `t`, at `position`.
pub fn template_sub_process(
    program_id: &str,
    stage_id: &str,
    t: &TemplateSubProcess,
    position: i32,
    now: DateTime<Utc>,
) -> sub_process::Model {
    sub_process::Model {
        id: new_id(),
        program_id: program_id.to_owned(),
        stage_id: stage_id.to_owned(),
        template_key: Some(t.key.to_owned()),
        name: t.name_en.to_owned(),
        name_translations: template_names(t.names()),
        goal: Some(t.goal.to_owned()),
        position,
        archived: false,
        version: 1,
        created_at: now,
        updated_at: now,
    }
}

/// A template's names in every language, as stored.
pub(crate) fn template_names(names: [(&str, &str); 3]) -> String {
    translations_json(
        &names
            .into_iter()
            .map(|(tag, name)| (tag.to_owned(), name.to_owned()))
            .collect(),
    )
}
