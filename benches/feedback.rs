//! The feedback round benchmark: a round of 2 000 respondents over 40 key points
//! (80 000 ratings) closes into measurements — every rating read, the means taken,
//! 40 measurements, their period sums and audit entries written, in one transaction —
//! through the API (`POST /feedback-rounds/{id}/close`), on SQLite and PostgreSQL.
//! The goal: ≤ 1 s.
//!
//! `scripts/bench-feedback` runs it (`cargo bench -p cxpm-tests --bench feedback`).

use std::time::{Duration, Instant};

use cxpm_app::store::{
    department, feedback_invitation, feedback_rating, feedback_round, key_point, person, program,
    relationship,
};
use cxpm_domain::Role;
use cxpm_domain::feedback::{Respondent, RoundStatus};
use cxpm_domain::program::ProgramStatus;
use cxpm_tests::bench::{ms, percentile};
use cxpm_tests::{Backend, spawn_app};
use sea_orm::{ActiveModelTrait, Database, DatabaseConnection, EntityTrait, IntoActiveModel};

const RESPONDENTS: usize = 2000;
const POINTS: usize = 40;
const ROUNDS: usize = 3;

async fn insert<A: ActiveModelTrait + Send>(db: &DatabaseConnection, rows: Vec<A>) {
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let batch: Vec<A> = rows.by_ref().take(400).collect();
        A::Entity::insert_many(batch)
            .exec_without_returning(db)
            .await
            .expect("bulk insert");
    }
}

fn active<M: IntoActiveModel<A>, A: ActiveModelTrait>(models: Vec<M>) -> Vec<A> {
    models
        .into_iter()
        .map(IntoActiveModel::into_active_model)
        .collect()
}

fn department(name: &str, code: &str, now: chrono::DateTime<chrono::Utc>) -> department::Model {
    department::Model {
        id: cxpm_app::store::new_id(),
        name: name.to_owned(),
        name_translations: "{}".to_owned(),
        code: code.to_owned(),
        parent_id: None,
        head_id: None,
        function: None,
        active: true,
        version: 1,
        created_at: now,
        updated_at: now,
    }
}

/// A provider, a customer department of 2 000 people, a relationship with 40 key
/// points, and `ROUNDS` open rounds each answered by all 2 000; the rounds' ids.
async fn answered_rounds(db: &DatabaseConnection) -> Vec<String> {
    let now = cxpm_app::Clock::system().now();
    let id = cxpm_app::store::new_id;
    let provider = department("Planning", "PL", now);
    let customer = department("Order management", "OM", now);
    insert(db, active(vec![provider.clone(), customer.clone()])).await;
    let people: Vec<person::Model> = (0..RESPONDENTS)
        .map(|i| person::Model {
            id: id(),
            name: format!("Person {i}"),
            email: format!("p{i}@bench.test"),
            department_id: Some(customer.id.clone()),
            role: Role::Member.into(),
            locale: "zh-CN".to_owned(),
            time_zone: "Asia/Shanghai".to_owned(),
            active: true,
            version: 1,
            created_at: now,
            updated_at: now,
        })
        .collect();
    insert(db, active(people.clone())).await;
    let program = program::Model {
        id: id(),
        name: "Bench".to_owned(),
        business_line: None,
        description: None,
        status: ProgramStatus::Active.into(),
        sponsor_id: None,
        coordinator_id: None,
        scale_min: 1,
        scale_max: 10,
        minor_max: 0.1,
        major_max: 0.25,
        stage_order: 0,
        min_respondents: 3,
        version: 1,
        created_at: now,
        updated_at: now,
    };
    insert(db, active(vec![program.clone()])).await;
    let rel = relationship::Model {
        id: id(),
        program_id: program.id.clone(),
        provider_department_id: provider.id.clone(),
        provider_person_id: None,
        customer_department_id: customer.id.clone(),
        customer_person_id: None,
        delivers: "Release dates".to_owned(),
        sub_process_id: None,
        archived: false,
        version: 1,
        created_at: now,
        updated_at: now,
    };
    insert(db, active(vec![rel.clone()])).await;
    let points: Vec<key_point::Model> = (0..POINTS)
        .map(|i| key_point::Model {
            id: id(),
            program_id: program.id.clone(),
            relationship_id: rel.id.clone(),
            name: format!("Point {i}"),
            name_translations: "{}".to_owned(),
            description: None,
            customer_expects: None,
            archived: false,
            version: 1,
            created_at: now,
            updated_at: now,
        })
        .collect();
    insert(db, active(points.clone())).await;
    let mut rounds = Vec::new();
    for r in 0..ROUNDS {
        let round = feedback_round::Model {
            id: id(),
            program_id: program.id.clone(),
            relationship_id: rel.id.clone(),
            status: RoundStatus::Open.into(),
            ask_provider: false,
            min_respondents: 3,
            period_start: now.date_naive(),
            deadline: now + chrono::Duration::days(7),
            opened_by: None,
            opened_at: now,
            reminded_at: None,
            closed_at: None,
            measurements: 0,
            version: 1,
            updated_at: now,
        };
        insert(db, active(vec![round.clone()])).await;
        let invitations: Vec<feedback_invitation::Model> = people
            .iter()
            .map(|p| feedback_invitation::Model {
                id: id(),
                round_id: round.id.clone(),
                respondent: Respondent::Internal.into(),
                person_id: Some(p.id.clone()),
                department_id: p.department_id.clone(),
                email: p.email.clone(),
                locale: p.locale.clone(),
                invited_at: now,
                answered_at: Some(now),
            })
            .collect();
        insert(db, active(invitations)).await;
        let ratings: Vec<feedback_rating::Model> = (0..RESPONDENTS * POINTS)
            .map(|i| feedback_rating::Model {
                id: uuid::Uuid::new_v4().to_string(),
                round_id: round.id.clone(),
                respondent: Respondent::Internal.into(),
                key_point_id: points[i % POINTS].id.clone(),
                importance: 1 + (i % 5) as i32,
                expectation: 6.0 + ((i + r) % 5) as f64,
                experience: 3.0 + ((i * 7) % 8) as f64,
            })
            .collect();
        insert(db, active(ratings)).await;
        rounds.push(round.id);
    }
    rounds
}

async fn bench(backend: Backend) {
    let app = spawn_app(backend).await;
    let db = Database::connect(&app.database_url)
        .await
        .expect("the benchmark's own connection");
    let started = Instant::now();
    let rounds = answered_rounds(&db).await;
    let built = started.elapsed();
    let client = reqwest::Client::new();
    let mut samples: Vec<Duration> = Vec::new();
    for round in &rounds {
        let started = Instant::now();
        let resp = client
            .post(format!("{}/api/v1/feedback-rounds/{round}/close", app.base))
            .bearer_auth(&app.admin_token)
            .header("If-Match", "\"1\"")
            .send()
            .await
            .expect("the close");
        let status = resp.status();
        let body: serde_json::Value = resp.json().await.expect("JSON");
        samples.push(started.elapsed());
        assert!(status.is_success(), "closing: {status} {body}");
        assert_eq!(
            body["round"]["measurements"], POINTS,
            "one measurement per point"
        );
    }
    let label = match backend {
        Backend::Sqlite => "SQLite",
        Backend::Postgres => "PostgreSQL",
    };
    let median = percentile(&mut samples, 0.5);
    let worst = samples.iter().max().copied().unwrap_or_default();
    println!(
        "{label}: {RESPONDENTS} respondents × {POINTS} key points = {} ratings (built in {:.1} s) | close into measurements: median {}, worst {} of {ROUNDS} {}",
        RESPONDENTS * POINTS,
        built.as_secs_f64(),
        ms(median),
        ms(worst),
        if worst <= Duration::from_secs(1) {
            "(goal ≤ 1 s met)"
        } else {
            "(goal ≤ 1 s missed)"
        },
    );
    db.close().await.ok();
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    println!(
        "feedback: close a round of 2 000 respondents over 40 key points; release build, loopback"
    );
    bench(Backend::Sqlite).await;
    bench(Backend::Postgres).await;
}
