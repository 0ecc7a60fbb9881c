//! The large organisation the reminder and fan-out benchmarks build straight into the
//! database (50 departments, each with a head; 2 000 people; one program; a plan per
//! department; open actions due between 1 and 30 days ago), and an SMTP sink on
//! loopback that counts the mails it is sent. Included by `#[path]` from each bench.

use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use cxpm_app::store::{action, department, person, plan, program, relationship};
use cxpm_domain::Role;
use cxpm_domain::plan::{ActionStatus, PlanStatus};
use cxpm_domain::program::ProgramStatus;
use mailin_embedded::{Handler, Response, Server, SslConfig, response};
use sea_orm::{
    ActiveModelTrait, ConnectionTrait, DatabaseConnection, EntityTrait, IntoActiveModel, Statement,
};

pub const DEPARTMENTS: usize = 50;
pub const PEOPLE: usize = 2000;

#[derive(Clone)]
pub struct Sink(Arc<AtomicUsize>);

impl Handler for Sink {
    fn data_end(&mut self) -> Response {
        self.0.fetch_add(1, Ordering::SeqCst);
        response::OK
    }
}

pub fn sink() -> (u16, Arc<AtomicUsize>) {
    let count = Arc::new(AtomicUsize::new(0));
    let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
    let port = listener.local_addr().expect("its address").port();
    let mut server = Server::new(Sink(count.clone()));
    server
        .with_name("sink.test")
        .with_ssl(SslConfig::None)
        .expect("plain SMTP")
        .with_num_threads(32)
        .with_tcp_listener(listener);
    std::thread::spawn(move || {
        let _ = server.serve();
    });
    (port, count)
}

pub async fn insert<A: ActiveModelTrait + Send>(db: &DatabaseConnection, rows: Vec<A>) {
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let batch: Vec<A> = rows.by_ref().take(500).collect();
        A::Entity::insert_many(batch)
            .exec_without_returning(db)
            .await
            .expect("bulk insert");
    }
}

pub fn active<M: IntoActiveModel<A>, A: ActiveModelTrait>(models: Vec<M>) -> Vec<A> {
    models
        .into_iter()
        .map(IntoActiveModel::into_active_model)
        .collect()
}

/// The organisation and its `actions` open actions, due between 1 and 30 days ago;
/// returns the program id and the departments' ids.
pub async fn organisation(db: &DatabaseConnection, actions: usize) -> (String, Vec<String>) {
    let now = cxpm_app::Clock::system().now();
    let today = now.date_naive();
    let id = cxpm_app::store::new_id;
    let departments: Vec<department::Model> = (0..DEPARTMENTS)
        .map(|i| department::Model {
            id: id(),
            name: format!("Department {i:02}"),
            name_translations: "{}".to_owned(),
            code: format!("B{i:02}"),
            parent_id: None,
            head_id: None,
            function: None,
            active: true,
            version: 1,
            created_at: now,
            updated_at: now,
        })
        .collect();
    insert(db, active(departments.clone())).await;
    let per = PEOPLE / DEPARTMENTS;
    let people: Vec<person::Model> = (0..PEOPLE)
        .map(|i| person::Model {
            id: id(),
            name: format!("Person {i}"),
            email: format!("p{i}@bench.test"),
            department_id: Some(departments[i / per].id.clone()),
            role: if i % per == 0 {
                Role::DepartmentHead
            } else {
                Role::Member
            }
            .into(),
            locale: ["en", "zh-CN", "pt-BR"][i % 3].to_owned(),
            time_zone: "UTC".to_owned(),
            active: true,
            version: 1,
            created_at: now,
            updated_at: now,
        })
        .collect();
    insert(db, active(people.clone())).await;
    for (d, dept) in departments.iter().enumerate() {
        let backend = db.get_database_backend();
        let sql = match backend {
            sea_orm::DbBackend::Postgres => "UPDATE departments SET head_id = $1 WHERE id = $2",
            _ => "UPDATE departments SET head_id = ? WHERE id = ?",
        };
        db.execute_raw(Statement::from_sql_and_values(
            backend,
            sql,
            [people[d * per].id.clone().into(), dept.id.clone().into()],
        ))
        .await
        .expect("a head");
    }
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
    let mut plans = Vec::new();
    let mut relationships = Vec::new();
    for (d, dept) in departments.iter().enumerate() {
        let rel = relationship::Model {
            id: id(),
            program_id: program.id.clone(),
            provider_department_id: dept.id.clone(),
            provider_person_id: None,
            customer_department_id: departments[(d + 1) % DEPARTMENTS].id.clone(),
            customer_person_id: None,
            delivers: "Parts".to_owned(),
            sub_process_id: None,
            archived: false,
            version: 1,
            created_at: now,
            updated_at: now,
        };
        plans.push(plan::Model {
            id: id(),
            program_id: program.id.clone(),
            relationship_id: rel.id.clone(),
            title: format!("Plan {d}"),
            department_id: dept.id.clone(),
            owner_id: None,
            status: PlanStatus::Active.into(),
            cycle: 1,
            cycle_started_at: now,
            cadence_cron: None,
            cadence_time_zone: None,
            version: 1,
            created_at: now,
            updated_at: now,
        });
        relationships.push(rel);
    }
    insert(db, active(relationships)).await;
    insert(db, active(plans.clone())).await;
    let rows: Vec<action::Model> = (0..actions)
        .map(|i| {
            let p = i % PEOPLE;
            let d = p / per;
            action::Model {
                id: id(),
                program_id: program.id.clone(),
                plan_id: plans[d].id.clone(),
                step_number: Some(6),
                key_point_id: None,
                title: format!("Action {i}"),
                description: None,
                owner_id: Some(people[p].id.clone()),
                department_id: departments[d].id.clone(),
                due_date: Some(today - chrono::Duration::days(1 + (i % 30) as i64)),
                status: ActionStatus::Open.into(),
                progress: 0,
                blocked_reason: None,
                effect_key_point_id: None,
                effect_metric: None,
                effect_target: None,
                effect_by: None,
                last_update_at: None,
                version: 1,
                created_at: now,
                updated_at: now,
            }
        })
        .collect();
    insert(db, active(rows)).await;
    (
        program.id,
        departments.iter().map(|d| d.id.clone()).collect(),
    )
}
