//! The demo's organisation: departments, their people (the first of each is its
//! head), a CX coordinator with a token to sign in with, and a sponsor.

use cxpm_domain::Role;
use cxpm_domain::maturity::Function;
use cxpm_domain::values::{DepartmentCode, Email, Locale, Name, TimeZone};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use super::{Built, Run, Size, insert};
use crate::AppResult;
use crate::directory::people::new_person;
use crate::directory::tokens::{generate_token, hash_token};
use crate::store::{access_token, department, new_id, person};

/// The departments of the small demo, as in the seed articles: (code, name, function).
const SMALL_DEPARTMENTS: [(&str, &str, Function); 10] = [
    ("MKT", "市场部 Marketing", Function::Marketing),
    ("SALES", "销售部 Sales", Function::Sales),
    ("OM", "订单管理 Order management", Function::Sales),
    ("PLAN", "计划部 Planning", Function::Operations),
    ("MFG", "生产部 Manufacturing", Function::Operations),
    ("QA", "质量检验 Quality inspection", Function::Operations),
    ("SHIP", "物流部 Shipping", Function::Operations),
    ("SVC", "客户服务 Customer service", Function::Service),
    ("IT", "信息技术 IT", Function::It),
    ("FIN", "财务部 Finance", Function::Finance),
];

const FUNCTIONS: [Function; 7] = [
    Function::Marketing,
    Function::Sales,
    Function::Service,
    Function::It,
    Function::Finance,
    Function::Operations,
    Function::Other,
];

/// The languages and zones people work in, in turn.
pub(super) const LOCALES: [(Locale, &str); 3] = [
    (Locale::ZhCn, "Asia/Shanghai"),
    (Locale::En, "Europe/London"),
    (Locale::PtBr, "America/Sao_Paulo"),
];

/// The organisation as written.
pub(super) struct Org {
    pub departments: Vec<department::Model>,
    /// The people of each department, by department; the first is its head.
    pub staff: Vec<Vec<String>>,
    pub coordinator: person::Model,
    pub sponsor: person::Model,
}

impl Org {
    /// The head of department `d`.
    pub fn head(&self, d: usize) -> Option<String> {
        self.staff[d].first().cloned()
    }
}

/// The demo's departments, not yet written: their codes tell whether a demo is
/// already there.
pub(super) fn departments(run: &Run) -> AppResult<Vec<department::Model>> {
    (0..run.shape.departments)
        .map(|i| {
            let (code, name, function) =
                match SMALL_DEPARTMENTS.get(i).filter(|_| run.size == Size::Small) {
                    Some((code, name, function)) => {
                        (format!("DEMO-{code}"), (*name).to_owned(), *function)
                    }
                    None => (
                        format!("DEMO-D{:02}", i + 1),
                        format!("部门{:02} Department {:02}", i + 1, i + 1),
                        FUNCTIONS[i % FUNCTIONS.len()],
                    ),
                };
            Ok(department::Model {
                id: new_id(),
                name: Name::parse(&name)?.into_inner(),
                name_translations: "{}".to_owned(),
                code: DepartmentCode::parse(&code)?.into_inner(),
                parent_id: None,
                head_id: None,
                function: Some(function.into()),
                active: true,
                version: 1,
                created_at: run.now,
                updated_at: run.now,
            })
        })
        .collect()
}

/// Writes the departments, their people, the coordinator (with a token) and the
/// sponsor, then makes the first person of each department its head.
pub(super) async fn write(
    txn: &impl ConnectionTrait,
    run: &Run,
    departments: Vec<department::Model>,
    built: &mut Built,
) -> AppResult<Org> {
    let mut people: Vec<person::Model> = Vec::new();
    let mut staff: Vec<Vec<String>> = Vec::new();
    for (d, dept) in departments.iter().enumerate() {
        let mut ids = Vec::new();
        for n in 0..run.shape.people_per_department {
            let role = if n == 0 {
                Role::DepartmentHead
            } else {
                Role::Member
            };
            let p = person(
                run,
                &format!("{} {}", dept.code.trim_start_matches("DEMO-"), n + 1),
                &format!(
                    "{}.{}@demo.cxpm.local",
                    dept.code.to_ascii_lowercase(),
                    n + 1
                ),
                Some(dept.id.clone()),
                role,
                LOCALES[(d + n) % LOCALES.len()],
            )?;
            ids.push(p.id.clone());
            people.push(p);
        }
        staff.push(ids);
    }
    let lead = |role: Role, name: &str| {
        let email = format!("{}.{}@demo.cxpm.local", role.as_str(), run.seed);
        person(run, name, &email, None, role, (Locale::En, "Asia/Shanghai"))
    };
    let coordinator = lead(Role::Coordinator, "王敏 Wang Min (CX coordinator)")?;
    let sponsor = lead(Role::Executive, "Helena Costa (sponsor)")?;
    people.push(coordinator.clone());
    people.push(sponsor.clone());
    built.departments = departments.len();
    built.people = people.len();
    built.coordinator_token = generate_token();
    let token = access_token::Model {
        id: new_id(),
        person_id: coordinator.id.clone(),
        label: "cxpm demo".to_owned(),
        token_hash: hash_token(&built.coordinator_token),
        created_by: coordinator.id.clone(),
        created_at: run.now,
        last_used_at: None,
        revoked_at: None,
    };
    // Departments first without heads (people refer to them), then the heads.
    insert(txn, departments.clone()).await?;
    insert(txn, people).await?;
    insert(txn, vec![token]).await?;
    let org = Org {
        departments,
        staff,
        coordinator,
        sponsor,
    };
    name_heads(txn, &org).await?;
    Ok(org)
}

/// One person of the demo, of values checked as a person's always are.
fn person(
    run: &Run,
    name: &str,
    email: &str,
    department_id: Option<String>,
    role: Role,
    (locale, zone): (Locale, &str),
) -> AppResult<person::Model> {
    Ok(new_person(
        Name::parse(name)?,
        Email::parse(email)?,
        department_id,
        role,
        locale,
        &TimeZone::parse(zone)?,
        run.now,
    ))
}

/// The first person of each department becomes its head.
async fn name_heads(txn: &impl ConnectionTrait, org: &Org) -> AppResult<()> {
    for (d, dept) in org.departments.iter().enumerate() {
        if let Some(head) = org.head(d) {
            department::Entity::update_many()
                .col_expr(department::Column::HeadId, Expr::value(head))
                .filter(department::Column::Id.eq(&dept.id))
                .exec(txn)
                .await?;
        }
    }
    Ok(())
}
