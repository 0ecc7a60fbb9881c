//! `cxpm demo`: a realistic program written straight into the database, for demos
//! (`--size small`, to click through in Swagger UI) and benchmarks (`--size large`).
//!
//! Everything it writes obeys the same rules the API enforces — steps settled in
//! order, done actions at 100 %, blocked ones with a reason, scores on the scale,
//! owners inside their department — but it writes in bulk, in one transaction, and
//! leaves one audit entry for the whole demo instead of one per row.

use std::fmt;

use chrono::{Datelike, Duration, NaiveDate};
use cxpm_domain::metric::METRIC_TEMPLATES;
use cxpm_domain::plan::{ActionStatus, StepStatus};
use cxpm_domain::templates::{INDUSTRIAL_STAGES, INDUSTRIAL_SUB_PROCESSES};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    IntoActiveModel, PaginatorTrait, QueryFilter, TransactionTrait,
};

use crate::config::DemoSize;
use crate::db::{
    access_token, action, department, key_point, measurement, member, metric, new_id, owner,
    person, plan, program, reading, relationship, stage, step, sub_process,
};

/// Rows per multi-row INSERT: well under SQLite's and PostgreSQL's bound-parameter limits.
const CHUNK: usize = 500;

/// The size of the organisation and how much history it has.
struct Shape {
    departments: usize,
    people_per_department: usize,
    sub_processes_per_stage: usize,
    relationships: usize,
    points_per_relationship: usize,
    periods: usize,
    measurements_per_period: usize,
    plans: usize,
    actions_per_plan: usize,
    metrics: usize,
    readings_per_metric: usize,
}

const SMALL: Shape = Shape {
    departments: 10,
    people_per_department: 3,
    sub_processes_per_stage: 1,
    relationships: 12,
    points_per_relationship: 2,
    periods: 6,
    measurements_per_period: 3,
    plans: 6,
    actions_per_plan: 5,
    metrics: 5,
    readings_per_metric: 6,
};

/// 2 000 relationships × 2 points × 6 months × 30 responses = 360 000 measurements,
/// 200 metrics × 700 daily readings = 140 000 readings; 2 000 plans × 7 steps = 14 000
/// steps; 2 000 plans × 25 = 50 000 actions.
const LARGE: Shape = Shape {
    departments: 50,
    people_per_department: 40,
    sub_processes_per_stage: 5,
    relationships: 2000,
    points_per_relationship: 2,
    periods: 6,
    measurements_per_period: 15,
    plans: 2000,
    actions_per_plan: 25,
    metrics: 200,
    readings_per_metric: 700,
};

/// The departments of the small demo, as in the seed articles: (code, name, function).
const SMALL_DEPARTMENTS: [(&str, &str, &str); 10] = [
    ("MKT", "市场部 Marketing", "marketing"),
    ("SALES", "销售部 Sales", "sales"),
    ("OM", "订单管理 Order management", "sales"),
    ("PLAN", "计划部 Planning", "operations"),
    ("MFG", "生产部 Manufacturing", "operations"),
    ("QA", "质量检验 Quality inspection", "operations"),
    ("SHIP", "物流部 Shipping", "operations"),
    ("SVC", "客户服务 Customer service", "service"),
    ("IT", "信息技术 IT", "it"),
    ("FIN", "财务部 Finance", "finance"),
];

const FUNCTIONS: [&str; 7] = [
    "marketing",
    "sales",
    "service",
    "it",
    "finance",
    "operations",
    "other",
];

const KEY_POINTS: [&str; 8] = [
    "交期准确 Dates that hold",
    "Answer within one working day",
    "Complete documents first time",
    "Qualified product on arrival",
    "One named contact person",
    "Changes announced in time",
    "Drawings without errors",
    "Invoices that match the order",
];

const DELIVERS: [&str; 8] = [
    "Confirmed delivery dates",
    "Production schedules",
    "Inspection releases",
    "Shipping notices",
    "Technical drawings",
    "Customer requirements",
    "Quotations",
    "Service tickets",
];

const LOCALES: [(&str, &str); 3] = [
    ("zh-CN", "Asia/Shanghai"),
    ("en", "Europe/London"),
    ("pt-BR", "America/Sao_Paulo"),
];

/// What the demo wrote.
#[derive(Debug, Default)]
pub struct Built {
    pub program_id: String,
    /// A token for the demo's CX coordinator, so a newcomer can sign in at once.
    pub coordinator_token: String,
    pub departments: usize,
    pub people: usize,
    pub relationships: usize,
    pub key_points: usize,
    pub measurements: usize,
    pub plans: usize,
    pub steps: usize,
    pub actions: usize,
    pub metrics: usize,
    pub readings: usize,
}

impl fmt::Display for Built {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "demo program {}", self.program_id)?;
        writeln!(
            f,
            "the CX coordinator's access token, shown only now: {}",
            self.coordinator_token
        )?;
        write!(
            f,
            "{} departments, {} people, {} relationships, {} key points, {} measurements, \
             {} plans, {} steps, {} actions, {} metrics, {} readings",
            self.departments,
            self.people,
            self.relationships,
            self.key_points,
            self.measurements,
            self.plans,
            self.steps,
            self.actions,
            self.metrics,
            self.readings
        )
    }
}

/// Inserts `rows` in chunks.
async fn insert<A, C>(conn: &C, rows: Vec<A>) -> Result<(), sea_orm::DbErr>
where
    A: ActiveModelTrait + Send,
    C: ConnectionTrait,
{
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let batch: Vec<A> = rows.by_ref().take(CHUNK).collect();
        A::Entity::insert_many(batch)
            .exec_without_returning(conn)
            .await?;
    }
    Ok(())
}

fn active<M: IntoActiveModel<A>, A: ActiveModelTrait>(models: Vec<M>) -> Vec<A> {
    models
        .into_iter()
        .map(IntoActiveModel::into_active_model)
        .collect()
}

/// The first day of the month `back` months before `day`'s month.
fn month_start(day: NaiveDate, back: u32) -> NaiveDate {
    let months = day.year() * 12 + day.month0() as i32 - back as i32;
    NaiveDate::from_ymd_opt(months.div_euclid(12), months.rem_euclid(12) as u32 + 1, 1)
        .unwrap_or(day)
}

fn month_end(start: NaiveDate) -> NaiveDate {
    month_start(start, 0)
        .checked_add_months(chrono::Months::new(1))
        .and_then(|d| d.pred_opt())
        .unwrap_or(start)
}

/// Builds the demo program. Fails without writing anything when the demo's
/// department codes are taken (a demo is already in this database).
pub async fn build(db: &DatabaseConnection, size: DemoSize, seed: u64) -> anyhow::Result<Built> {
    let shape = match size {
        DemoSize::Small => &SMALL,
        DemoSize::Large => &LARGE,
    };
    let mut rng = StdRng::seed_from_u64(seed);
    let now = crate::db::now();
    let today = now.date_naive();
    let departments: Vec<(String, String, String)> = (0..shape.departments)
        .map(
            |i| match SMALL_DEPARTMENTS.get(i).filter(|_| size == DemoSize::Small) {
                Some((code, name, function)) => (
                    format!("DEMO-{code}"),
                    (*name).to_owned(),
                    (*function).to_owned(),
                ),
                None => (
                    format!("DEMO-D{:02}", i + 1),
                    format!("部门{:02} Department {:02}", i + 1, i + 1),
                    FUNCTIONS[i % FUNCTIONS.len()].to_owned(),
                ),
            },
        )
        .collect();
    let taken = department::Entity::find()
        .filter(department::Column::Code.is_in(departments.iter().map(|d| d.0.clone())))
        .count(db)
        .await?;
    if taken > 0 {
        anyhow::bail!(
            "this database already holds a demo (department code {} exists); use a fresh database",
            departments[0].0
        );
    }

    let txn = db.begin().await?;
    let mut built = Built::default();

    // Departments, their people (the first of each is its head), a coordinator and a sponsor.
    let dept_models: Vec<department::Model> = departments
        .iter()
        .map(|(code, name, function)| department::Model {
            id: new_id(),
            name: name.clone(),
            name_translations: "{}".to_owned(),
            code: code.clone(),
            parent_id: None,
            head_id: None,
            function: Some(function.clone()),
            active: true,
            version: 1,
            created_at: now,
            updated_at: now,
        })
        .collect();
    let mut people: Vec<person::Model> = Vec::new();
    let mut staff: Vec<Vec<String>> = Vec::new();
    for (d, dept) in dept_models.iter().enumerate() {
        let mut ids = Vec::new();
        for n in 0..shape.people_per_department {
            let (locale, zone) = LOCALES[(d + n) % LOCALES.len()];
            let id = new_id();
            people.push(person::Model {
                id: id.clone(),
                name: format!("{} {}", dept.code.trim_start_matches("DEMO-"), n + 1),
                email: format!(
                    "{}.{}@demo.cxpm.local",
                    dept.code.to_ascii_lowercase(),
                    n + 1
                ),
                department_id: Some(dept.id.clone()),
                role: if n == 0 { "department_head" } else { "member" }.to_owned(),
                locale: locale.to_owned(),
                time_zone: zone.to_owned(),
                active: true,
                version: 1,
                created_at: now,
                updated_at: now,
            });
            ids.push(id);
        }
        staff.push(ids);
    }
    let lead = |role: &str, name: &str| person::Model {
        id: new_id(),
        name: name.to_owned(),
        email: format!("{role}.{seed}@demo.cxpm.local"),
        department_id: None,
        role: role.to_owned(),
        locale: "en".to_owned(),
        time_zone: "Asia/Shanghai".to_owned(),
        active: true,
        version: 1,
        created_at: now,
        updated_at: now,
    };
    let coordinator = lead("coordinator", "王敏 Wang Min (CX coordinator)");
    let sponsor = lead("executive", "Helena Costa (sponsor)");
    people.push(coordinator.clone());
    people.push(sponsor.clone());
    built.departments = dept_models.len();
    built.people = people.len();
    built.coordinator_token = crate::auth::generate_token();
    let coordinator_token = access_token::Model {
        id: new_id(),
        person_id: coordinator.id.clone(),
        label: "cxpm demo".to_owned(),
        token_hash: crate::auth::hash_token(&built.coordinator_token),
        created_by: coordinator.id.clone(),
        created_at: now,
        last_used_at: None,
        revoked_at: None,
    };
    // Departments first without heads (people refer to them), then the heads.
    insert(&txn, active(dept_models.clone())).await?;
    insert(&txn, active(people)).await?;
    insert(&txn, active(vec![coordinator_token])).await?;
    for (dept, ids) in dept_models.iter().zip(&staff) {
        if let Some(head) = ids.first() {
            department::Entity::update_many()
                .col_expr(
                    department::Column::HeadId,
                    sea_orm::sea_query::Expr::value(head.clone()),
                )
                .filter(department::Column::Id.eq(&dept.id))
                .exec(&txn)
                .await?;
        }
    }

    // The program, its team, the industrial value stream.
    let program = program::Model {
        id: new_id(),
        name: match size {
            DemoSize::Small => "客户体验提升 Delightful CX (demo)".to_owned(),
            DemoSize::Large => "Group-wide CX program (large demo)".to_owned(),
        },
        business_line: Some("Industrial equipment".to_owned()),
        description: Some("Generated by `cxpm demo`.".to_owned()),
        status: "active".to_owned(),
        sponsor_id: Some(sponsor.id.clone()),
        coordinator_id: Some(coordinator.id.clone()),
        scale_min: 1,
        scale_max: 10,
        minor_max: 0.10,
        major_max: 0.25,
        stage_order: 0,
        version: 1,
        created_at: now,
        updated_at: now,
    };
    built.program_id = program.id.clone();
    insert(&txn, active(vec![program.clone()])).await?;
    let mut team = vec![
        (sponsor.id.clone(), "sponsor"),
        (coordinator.id.clone(), "coordinator"),
    ];
    team.extend(
        staff
            .iter()
            .filter_map(|ids| ids.first())
            .map(|head| (head.clone(), "touchpoint_owner")),
    );
    insert(
        &txn,
        active(
            team.into_iter()
                .map(|(person_id, role)| member::Model {
                    id: new_id(),
                    program_id: program.id.clone(),
                    person_id,
                    team_role: role.to_owned(),
                    version: 1,
                    created_at: now,
                    updated_at: now,
                })
                .collect(),
        ),
    )
    .await?;
    let translations = |en: &str, zh: &str, pt: &str| {
        serde_json::json!({ "en": en, "zh-CN": zh, "pt-BR": pt }).to_string()
    };
    let stages: Vec<stage::Model> = INDUSTRIAL_STAGES
        .iter()
        .enumerate()
        .map(|(i, t)| stage::Model {
            id: new_id(),
            program_id: program.id.clone(),
            template_key: Some(t.key.to_owned()),
            name: t.name_en.to_owned(),
            name_translations: translations(t.name_en, t.name_zh, t.name_pt),
            description: None,
            customer_facing: t.customer_facing,
            position: i as i32 + 1,
            archived: false,
            version: 1,
            created_at: now,
            updated_at: now,
        })
        .collect();
    let mut subs: Vec<sub_process::Model> = Vec::new();
    for s in &stages {
        let template = INDUSTRIAL_SUB_PROCESSES
            .iter()
            .find(|t| s.template_key.as_deref() == Some(t.stage_key));
        for n in 0..shape.sub_processes_per_stage {
            let (key, name, zh, pt, goal) = match (n, template) {
                (0, Some(t)) => (
                    Some(t.key.to_owned()),
                    t.name_en.to_owned(),
                    t.name_zh.to_owned(),
                    t.name_pt.to_owned(),
                    Some(t.goal.to_owned()),
                ),
                _ => (
                    None,
                    format!("{} {}", s.name, n + 1),
                    format!("{} {}", s.name, n + 1),
                    format!("{} {}", s.name, n + 1),
                    None,
                ),
            };
            subs.push(sub_process::Model {
                id: new_id(),
                program_id: program.id.clone(),
                stage_id: s.id.clone(),
                template_key: key,
                name_translations: translations(&name, &zh, &pt),
                name,
                goal,
                position: n as i32 + 1,
                archived: false,
                version: 1,
                created_at: now,
                updated_at: now,
            });
        }
    }
    // Owners: two departments per sub-process, each naming its head; one in ten not yet.
    let mut owners = Vec::new();
    for (i, sp) in subs.iter().enumerate() {
        for k in 0..2 {
            let d = (i * 2 + k) % dept_models.len();
            owners.push(owner::Model {
                id: new_id(),
                program_id: program.id.clone(),
                sub_process_id: sp.id.clone(),
                department_id: dept_models[d].id.clone(),
                person_id: staff[d].first().cloned().filter(|_| !rng.random_bool(0.1)),
                responsibility: format!("Keep {} on time and right first time.", sp.name),
                version: 1,
                created_at: now,
                updated_at: now,
            });
        }
    }
    insert(&txn, active(stages.clone())).await?;
    insert(&txn, active(subs.clone())).await?;
    insert(&txn, active(owners)).await?;

    // Internal-customer relationships between distinct pairs of departments.
    let n = dept_models.len();
    let mut pairs: Vec<(usize, usize)> = (0..n)
        .flat_map(|p| (0..n).filter(move |c| *c != p).map(move |c| (p, c)))
        .collect();
    for i in (1..pairs.len()).rev() {
        pairs.swap(i, rng.random_range(0..=i));
    }
    let relationships: Vec<relationship::Model> = (0..shape.relationships)
        .map(|i| {
            let (p, c) = pairs[i % pairs.len()];
            relationship::Model {
                id: new_id(),
                program_id: program.id.clone(),
                provider_department_id: dept_models[p].id.clone(),
                provider_person_id: staff[p].first().cloned(),
                customer_department_id: dept_models[c].id.clone(),
                customer_person_id: staff[c].first().cloned(),
                delivers: format!("{} #{}", DELIVERS[i % DELIVERS.len()], i / pairs.len() + 1),
                sub_process_id: Some(subs[i % subs.len()].id.clone()),
                archived: false,
                version: 1,
                created_at: now,
                updated_at: now,
            }
        })
        .collect();
    built.relationships = relationships.len();
    insert(&txn, active(relationships.clone())).await?;

    // Key points and their monthly surveys: some improving, some slipping.
    let mut points: Vec<(key_point::Model, usize)> = Vec::new();
    for (r, rel) in relationships.iter().enumerate() {
        for k in 0..shape.points_per_relationship {
            points.push((
                key_point::Model {
                    id: new_id(),
                    program_id: program.id.clone(),
                    relationship_id: rel.id.clone(),
                    name: KEY_POINTS[(r + k) % KEY_POINTS.len()].to_owned(),
                    name_translations: "{}".to_owned(),
                    description: None,
                    customer_expects: Some("As agreed, first time, without chasing.".to_owned()),
                    archived: false,
                    version: 1,
                    created_at: now,
                    updated_at: now,
                },
                r,
            ));
        }
    }
    built.key_points = points.len();
    insert(
        &txn,
        active(points.iter().map(|(p, _)| p.clone()).collect()),
    )
    .await?;
    let mut batch: Vec<measurement::Model> = Vec::with_capacity(CHUNK);
    for (point, r) in &points {
        let expectation: f64 = rng.random_range(7.5..9.8);
        let start_gap: f64 = rng.random_range(-0.5..3.5);
        let drift: f64 = rng.random_range(-0.5..0.4);
        let importance = rng.random_range(1..=5);
        let provider = staff[*r % staff.len()].first().cloned();
        for period in 0..shape.periods {
            let start = month_start(today, (shape.periods - period) as u32);
            let gap = (start_gap + drift * period as f64).clamp(-1.0, 6.0);
            for _ in 0..shape.measurements_per_period {
                let experience = (expectation - gap + rng.random_range(-0.8..0.8)).clamp(1.0, 10.0);
                batch.push(measurement::Model {
                    id: new_id(),
                    program_id: program.id.clone(),
                    key_point_id: point.id.clone(),
                    period_start: start,
                    period_end: month_end(start),
                    expectation_score: (expectation + rng.random_range(-0.3..0.3)).clamp(1.0, 10.0),
                    experience_score: experience,
                    importance,
                    provider_rating: rng
                        .random_bool(0.3)
                        .then(|| (experience + rng.random_range(0.0..3.0)).min(10.0)),
                    sample_size: Some(rng.random_range(1..40)),
                    source: "survey".to_owned(),
                    note: None,
                    recorded_by: provider.clone().unwrap_or_else(|| coordinator.id.clone()),
                    recorded_at: now,
                });
                if batch.len() == CHUNK {
                    built.measurements += batch.len();
                    insert(&txn, active(std::mem::take(&mut batch))).await?;
                }
            }
        }
    }
    built.measurements += batch.len();
    insert(&txn, active(batch)).await?;

    // Plans on the first relationships, each in cycle 1 somewhere between steps 1 and 7.
    let cadence_days = [1u32, 3, 5];
    let mut plans = Vec::new();
    let mut steps = Vec::new();
    let mut actions = Vec::new();
    for (i, rel) in relationships.iter().take(shape.plans).enumerate() {
        let d = dept_models
            .iter()
            .position(|d| d.id == rel.provider_department_id)
            .unwrap_or(0);
        let head = staff[d].first().cloned();
        let started = now - Duration::days(rng.random_range(10..200));
        let plan_id = new_id();
        plans.push(plan::Model {
            id: plan_id.clone(),
            program_id: program.id.clone(),
            relationship_id: rel.id.clone(),
            title: format!("Improve {} ({})", rel.delivers, i + 1),
            department_id: rel.provider_department_id.clone(),
            owner_id: head.clone(),
            status: "active".to_owned(),
            cycle: 1,
            cycle_started_at: started,
            cadence_cron: Some(format!("0 9 * * {}", cadence_days[i % 3])),
            cadence_time_zone: Some(LOCALES[d % LOCALES.len()].1.to_owned()),
            version: 1,
            created_at: started,
            updated_at: started,
        });
        let reached = rng.random_range(1..=7);
        for number in 1..=7 {
            let status = match number.cmp(&reached) {
                std::cmp::Ordering::Less => StepStatus::Done,
                std::cmp::Ordering::Equal => StepStatus::InProgress,
                std::cmp::Ordering::Greater => StepStatus::NotStarted,
            };
            let done = status == StepStatus::Done;
            steps.push(step::Model {
                id: new_id(),
                plan_id: plan_id.clone(),
                cycle: 1,
                number,
                status: status.as_str().to_owned(),
                owner_id: head.clone(),
                due_date: Some(started.date_naive() + Duration::days(i64::from(number) * 14)),
                notes: None,
                skip_reason: None,
                completed_by: head.clone().filter(|_| done),
                completed_at: done.then_some(started + Duration::days(i64::from(number) * 12)),
                version: 1,
                created_at: started,
                updated_at: started,
            });
        }
        let point = points
            .iter()
            .find(|(p, _)| p.relationship_id == rel.id)
            .map(|(p, _)| p.id.clone());
        for a in 0..shape.actions_per_plan {
            let roll: f64 = rng.random();
            let status = match roll {
                r if r < 0.40 => ActionStatus::Done,
                r if r < 0.65 => ActionStatus::InProgress,
                r if r < 0.85 => ActionStatus::Open,
                r if r < 0.90 => ActionStatus::Blocked,
                _ => ActionStatus::Cancelled,
            };
            let progress = match status {
                ActionStatus::Done => 100,
                ActionStatus::Open => 0,
                ActionStatus::Cancelled => rng.random_range(0..50),
                _ => rng.random_range(10..90),
            };
            let owner = staff[d][rng.random_range(0..staff[d].len())].clone();
            let with_effect = a == 0;
            actions.push(action::Model {
                id: new_id(),
                program_id: program.id.clone(),
                plan_id: plan_id.clone(),
                step_number: Some(6),
                key_point_id: point.clone(),
                title: format!("Action {} of plan {}", a + 1, i + 1),
                description: None,
                owner_id: Some(owner),
                department_id: rel.provider_department_id.clone(),
                due_date: Some(today + Duration::days(rng.random_range(-60..90))),
                status: status.as_str().to_owned(),
                progress,
                blocked_reason: (status == ActionStatus::Blocked)
                    .then(|| "Waiting for ERP data".to_owned()),
                effect_key_point_id: point.clone().filter(|_| with_effect),
                effect_metric: None,
                effect_target: with_effect.then_some(8.5),
                effect_by: with_effect.then(|| today - Duration::days(rng.random_range(-30..60))),
                last_update_at: None,
                version: 1,
                created_at: started,
                updated_at: started,
            });
        }
    }
    built.plans = plans.len();
    built.steps = steps.len();
    built.actions = actions.len();
    insert(&txn, active(plans)).await?;
    insert(&txn, active(steps)).await?;
    insert(&txn, active(actions)).await?;

    // Metrics on the touchpoints, fed daily (large) or monthly (small) by the ERP.
    let daily = size == DemoSize::Large;
    let metrics: Vec<metric::Model> = (0..shape.metrics)
        .map(|i| {
            let t = &METRIC_TEMPLATES[i % METRIC_TEMPLATES.len()];
            let s = &stages[i % stages.len()];
            metric::Model {
                id: new_id(),
                program_id: program.id.clone(),
                stage_id: Some(s.id.clone()),
                sub_process_id: None,
                department_id: None,
                name: if shape.metrics > METRIC_TEMPLATES.len() {
                    format!("{} — {} #{}", t.name, s.name, i / stages.len() + 1)
                } else {
                    t.name.to_owned()
                },
                unit: t.unit.to_owned(),
                direction: t.direction.as_str().to_owned(),
                target: t.target,
                source: Some("ERP".to_owned()),
                update_every_days: if daily { 1 } else { 31 },
                archived: false,
                version: 1,
                created_at: now - Duration::days(800),
                updated_at: now,
            }
        })
        .collect();
    built.metrics = metrics.len();
    insert(&txn, active(metrics.clone())).await?;
    let mut batch: Vec<reading::Model> = Vec::with_capacity(CHUNK);
    for m in &metrics {
        let spread = (m.target.abs() * 0.2).max(1.0);
        let bias: f64 = rng.random_range(-spread..spread);
        for k in (1..=shape.readings_per_metric).rev() {
            let (start, end) = if daily {
                let day = today - Duration::days(k as i64);
                (day, day)
            } else {
                let start = month_start(today, k as u32);
                (start, month_end(start))
            };
            batch.push(reading::Model {
                id: new_id(),
                metric_id: m.id.clone(),
                period_start: start,
                period_end: end,
                value: m.target + bias + rng.random_range(-spread..spread) * 0.5,
                sample_size: Some(rng.random_range(20..400)),
                note: None,
                external_id: Some(format!("ERP-{start}")),
                recorded_by: coordinator.id.clone(),
                recorded_at: (end + Duration::days(1))
                    .and_hms_opt(6, 0, 0)
                    .map(|t| t.and_utc())
                    .unwrap_or(now)
                    .min(now),
            });
            if batch.len() == CHUNK {
                built.readings += batch.len();
                insert(&txn, active(std::mem::take(&mut batch))).await?;
            }
        }
    }
    built.readings += batch.len();
    insert(&txn, active(batch)).await?;
    crate::db::summaries::rebuild_program(&txn, &program.id).await?;

    crate::audit::record(
        &txn,
        None,
        "demo",
        &program.id,
        crate::audit::Change::Import,
        None::<&()>,
        Some(&serde_json::json!({
            "size": format!("{size:?}").to_lowercase(),
            "seed": seed,
            "program_id": built.program_id,
            "departments": built.departments,
            "people": built.people,
            "relationships": built.relationships,
            "measurements": built.measurements,
            "actions": built.actions,
            "readings": built.readings,
        })),
    )
    .await?;
    txn.commit().await?;
    // Fresh statistics for the planner after a bulk load (and, on PostgreSQL, the
    // visibility map that lets it read from an index alone), as autovacuum would
    // leave them.
    let settle = match db.get_database_backend() {
        sea_orm::DbBackend::Postgres => "VACUUM ANALYZE",
        _ => "ANALYZE",
    };
    db.execute_unprepared(settle).await?;
    Ok(built)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_step_back_across_years() {
        let d = NaiveDate::from_ymd_opt(2026, 2, 17).unwrap_or_default();
        assert_eq!(
            month_start(d, 0),
            NaiveDate::from_ymd_opt(2026, 2, 1).unwrap_or_default()
        );
        assert_eq!(
            month_start(d, 3),
            NaiveDate::from_ymd_opt(2025, 11, 1).unwrap_or_default()
        );
        assert_eq!(
            month_end(NaiveDate::from_ymd_opt(2024, 2, 1).unwrap_or_default()),
            NaiveDate::from_ymd_opt(2024, 2, 29).unwrap_or_default()
        );
    }
}
