//! The authorization matrix: every operation of the spec, called as every role, as
//! another department's head, with no token and with a revoked token. What each
//! caller should get is asked of the domain's permission table
//! ([`cxpm_domain::permission::authorize`]), so the table and the handlers cannot
//! drift apart; an operation the spec has and this file does not fails the test.

use std::collections::{BTreeSet, HashMap};

use cxpm_domain::permission::{Action, Actor, Target, authorize};
use cxpm_domain::role::Role;
use cxpm_tests::{TestApp, both_databases, expect_json};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// Who may call an operation.
#[derive(Clone, Copy)]
enum Rule {
    /// Anyone, without a token.
    Public,
    /// Anyone with a valid token.
    Authenticated,
    /// Whoever the permission table allows `Action` on the scope.
    Allow(Action, Scope),
    /// Whoever it allows either of two.
    Either(Action, Scope, Action, Scope),
    /// Only these callers, by name: not a role's right but the object's (the people
    /// a feedback round invites).
    Only(&'static [&'static str]),
}

/// The object an operation is about, as the permission table sees it.
#[derive(Clone, Copy)]
enum Scope {
    Anything,
    /// Something of department A (the world's plan, action, key point, owner row).
    DepartmentA,
    /// Something of member A (their tokens, their action).
    MemberA,
}

/// Objects a destructive operation needs afresh for each call.
#[derive(Clone, Copy)]
enum Fresh {
    Member,
    Stage,
    Owner,
    Relationship,
    Token,
    Channel,
    Webhook,
}

struct Operation {
    id: &'static str,
    method: Method,
    /// With `{key}` for the world's ids.
    path: &'static str,
    rule: Rule,
    body: Option<Value>,
    fresh: Option<Fresh>,
}

fn op(id: &'static str, method: Method, path: &'static str, rule: Rule) -> Operation {
    Operation {
        id,
        method,
        path,
        rule,
        body: None,
        fresh: None,
    }
}

impl Operation {
    fn body(mut self, body: Value) -> Self {
        self.body = Some(body);
        self
    }

    fn fresh(mut self, fresh: Fresh) -> Self {
        self.fresh = Some(fresh);
        self
    }
}

use Action::*;
use Rule::*;
use Scope::*;

/// Every operation of the spec and who may call it.
fn operations() -> Vec<Operation> {
    let (get, post, patch, delete) = (Method::GET, Method::POST, Method::PATCH, Method::DELETE);
    let read = Allow(ReadPrograms, Anything);
    let directory = Allow(ReadDirectory, Anything);
    vec![
        op("get_health", get.clone(), "/healthz", Public),
        op("get_readiness", get.clone(), "/readyz", Public),
        // The directory.
        op("create_department", post.clone(), "/api/v1/departments", Allow(ManageDepartments, Anything))
            .body(json!({"name": "Logistics", "code": "LOG"})),
        op("list_departments", get.clone(), "/api/v1/departments", directory),
        op("get_department", get.clone(), "/api/v1/departments/{dept_a}", directory),
        op("update_department", patch.clone(), "/api/v1/departments/{dept_a}", Allow(ManageDepartments, Anything))
            .body(json!({"name": "Quality assurance"})),
        op("create_person", post.clone(), "/api/v1/people", Allow(ManagePeople, Anything))
            .body(json!({"name": "New hire", "email": "new.hire@example.com", "role": "member"})),
        op("list_people", get.clone(), "/api/v1/people", directory),
        op("get_person", get.clone(), "/api/v1/people/{member_a}", directory),
        op("update_person", patch.clone(), "/api/v1/people/{member_b}", Allow(ManagePeople, Anything))
            .body(json!({"name": "Member B"})),
        op("get_me", get.clone(), "/api/v1/me", Authenticated),
        op("import_people", post.clone(), "/api/v1/people/import?dry_run=true", Allow(ManagePeople, Anything)),
        op("create_sign_in_link", post.clone(), "/api/v1/people/{member_a}/sign-in-links", Allow(ManagePeople, Anything)),
        op("create_token", post.clone(), "/api/v1/people/{member_a}/tokens", Allow(IssueToken, MemberA))
            .body(json!({"label": "laptop"})),
        op("list_tokens", get.clone(), "/api/v1/people/{member_a}/tokens", Allow(ManageTokens, MemberA)),
        op("revoke_token", delete.clone(), "/api/v1/tokens/{fresh}", Allow(ManageTokens, MemberA))
            .fresh(Fresh::Token),
        op("list_audit_events", get.clone(), "/api/v1/audit", Allow(ReadAudit, Anything)),
        // Programs and their team.
        op("create_program", post.clone(), "/api/v1/programs", Allow(ManagePrograms, Anything))
            .body(json!({"name": "Second program"})),
        op("list_programs", get.clone(), "/api/v1/programs", read),
        op("get_program", get.clone(), "/api/v1/programs/{program}", read),
        op("update_program", patch.clone(), "/api/v1/programs/{program}", Allow(ManagePrograms, Anything))
            .body(json!({"description": "Delightful deliveries"})),
        op("create_member", post.clone(), "/api/v1/programs/{program}/members", Allow(ManagePrograms, Anything))
            .body(json!({"person_id": "{member_b}", "team_role": "member"})),
        op("list_members", get.clone(), "/api/v1/programs/{program}/members", read),
        op("update_member", patch.clone(), "/api/v1/members/{team_member}", Allow(ManagePrograms, Anything))
            .body(json!({"team_role": "touchpoint_owner"})),
        op("delete_member", delete.clone(), "/api/v1/members/{fresh}", Allow(ManagePrograms, Anything))
            .fresh(Fresh::Member),
        op("list_person_programs", get.clone(), "/api/v1/people/{member_a}/programs", read),
        // The value stream.
        op("create_stage", post.clone(), "/api/v1/programs/{program}/stages", Allow(ManageValueStream, Anything))
            .body(json!({"name": "After-sales", "customer_facing": true})),
        op("list_stages", get.clone(), "/api/v1/programs/{program}/stages", read),
        op("get_stage", get.clone(), "/api/v1/stages/{stage}", read),
        op("update_stage", patch.clone(), "/api/v1/stages/{stage}", Allow(ManageValueStream, Anything))
            .body(json!({"description": "From order to delivery"})),
        op("delete_stage", delete.clone(), "/api/v1/stages/{fresh}", Allow(ManageValueStream, Anything))
            .fresh(Fresh::Stage),
        op("create_sub_process", post.clone(), "/api/v1/stages/{stage}/sub-processes", Allow(ManageValueStream, Anything))
            .body(json!({"name": "Invoicing"})),
        op("list_sub_processes", get.clone(), "/api/v1/stages/{stage}/sub-processes", read),
        op("get_sub_process", get.clone(), "/api/v1/sub-processes/{sub_process}", read),
        op("update_sub_process", patch.clone(), "/api/v1/sub-processes/{sub_process}", Allow(ManageValueStream, Anything))
            .body(json!({"goal": "Orders confirmed within a day"})),
        op("apply_industrial_template", post.clone(), "/api/v1/programs/{program}/templates/industrial", Allow(ManageValueStream, Anything))
            .body(json!({})),
        // Owners, relationships, coverage.
        op("create_owner", post.clone(), "/api/v1/sub-processes/{sub_process}/owners", Allow(ManageOwners, Anything))
            .body(json!({"department_id": "{dept_b}", "responsibility": "Confirms dates"})),
        op("list_owners", get.clone(), "/api/v1/sub-processes/{sub_process}/owners", read),
        op("get_owner", get.clone(), "/api/v1/owners/{owner}", read),
        op("update_owner", patch.clone(), "/api/v1/owners/{owner}", Either(ManageOwners, Anything, NameOwner, DepartmentA))
            .body(json!({"person_id": "{member_a}"})),
        op("delete_owner", delete.clone(), "/api/v1/owners/{fresh}", Allow(ManageOwners, Anything))
            .fresh(Fresh::Owner),
        op("create_relationship", post.clone(), "/api/v1/programs/{program}/relationships", Allow(ManageRelationships, Anything))
            .body(json!({"provider_department_id": "{dept_b}", "customer_department_id": "{dept_a}", "delivers": "Forecasts",
                "sub_process_id": "{sub_process}"})),
        op("list_relationships", get.clone(), "/api/v1/programs/{program}/relationships", read),
        op("list_department_customers", get.clone(), "/api/v1/departments/{dept_a}/customers", read),
        op("list_department_providers", get.clone(), "/api/v1/departments/{dept_b}/providers", read),
        op("get_relationship", get.clone(), "/api/v1/relationships/{relationship}", read),
        op("update_relationship", patch.clone(), "/api/v1/relationships/{relationship}", Allow(ManageRelationships, Anything))
            .body(json!({"delivers": "Released batches"})),
        op("delete_relationship", delete.clone(), "/api/v1/relationships/{fresh}", Allow(ManageRelationships, Anything))
            .fresh(Fresh::Relationship),
        op("get_coverage", get.clone(), "/api/v1/programs/{program}/coverage", read),
        // Key points and measurements: the providing department's.
        op("create_key_point", post.clone(), "/api/v1/relationships/{relationship}/key-points", Allow(ManageKeyPoints, DepartmentA))
            .body(json!({"name": "Dates that hold"})),
        op("list_key_points", get.clone(), "/api/v1/relationships/{relationship}/key-points", read),
        op("update_key_point", patch.clone(), "/api/v1/key-points/{key_point}", Allow(ManageKeyPoints, DepartmentA))
            .body(json!({"description": "Confirmed dates are kept"})),
        op("create_measurement", post.clone(), "/api/v1/key-points/{key_point}/measurements", Allow(ManageKeyPoints, DepartmentA))
            .body(json!({"period_start": "2026-10-01", "period_end": "2026-10-31",
                "expectation_score": 4.5, "experience_score": 3.0, "importance": 4, "source": "survey"})),
        op("list_measurements", get.clone(), "/api/v1/key-points/{key_point}/measurements", read),
        // Plans, steps, actions: the owning department's.
        op("create_plan", post.clone(), "/api/v1/relationships/{relationship}/plans", Allow(ManagePlans, DepartmentA))
            .body(json!({"title": "Second plan"})),
        op("list_plans", get.clone(), "/api/v1/relationships/{relationship}/plans", read),
        op("get_plan", get.clone(), "/api/v1/plans/{plan}", read),
        op("update_plan", patch.clone(), "/api/v1/plans/{plan}", Allow(ManagePlans, DepartmentA))
            .body(json!({"title": "Dates that hold, every time"})),
        op("list_steps", get.clone(), "/api/v1/plans/{plan}/steps", read),
        op("update_step", patch.clone(), "/api/v1/steps/{step}", Allow(ManagePlans, DepartmentA))
            .body(json!({"notes": "Interviews booked"})),
        op("list_department_plans", get.clone(), "/api/v1/departments/{dept_a}/plans", read),
        op("create_action", post.clone(), "/api/v1/plans/{plan}/actions", Allow(ManageActions, DepartmentA))
            .body(json!({"title": "Call the carriers"})),
        op("get_action", get.clone(), "/api/v1/actions/{action}", read),
        op("update_action", patch.clone(), "/api/v1/actions/{action}", Allow(ManageActions, DepartmentA))
            .body(json!({"description": "Every Monday"})),
        op("create_update", post.clone(), "/api/v1/actions/{action}/updates", Either(PostUpdate, DepartmentA, PostUpdate, MemberA))
            .body(json!({"comment": "Two carriers called"})),
        op("list_updates", get.clone(), "/api/v1/actions/{action}/updates", read),
        op("list_my_actions", get.clone(), "/api/v1/me/actions", Authenticated),
        op("list_department_actions", get.clone(), "/api/v1/departments/{dept_a}/actions", read),
        // Metrics.
        op("list_metric_templates", get.clone(), "/api/v1/metric-templates", read),
        op("create_metric", post.clone(), "/api/v1/programs/{program}/metrics", Allow(ManageMetrics, Anything))
            .body(json!({"name": "On-time delivery", "unit": "%", "direction": "higher_is_better", "target": 95.0, "sub_process_id": "{sub_process}"})),
        op("list_metrics", get.clone(), "/api/v1/programs/{program}/metrics", read),
        op("get_metric", get.clone(), "/api/v1/metrics/{metric}", read),
        op("update_metric", patch.clone(), "/api/v1/metrics/{metric}", Allow(ManageMetrics, Anything))
            .body(json!({"target": 96.0})),
        op("create_reading", post.clone(), "/api/v1/metrics/{metric}/readings", Allow(RecordReadings, Anything))
            .body(json!({"period_start": "2026-10-01", "period_end": "2026-10-31", "value": 93.5})),
        op("list_readings", get.clone(), "/api/v1/metrics/{metric}/readings", read),
        // Reports.
        op("get_gap_report", get.clone(), "/api/v1/programs/{program}/reports/gaps", read),
        op("get_progress_report", get.clone(), "/api/v1/programs/{program}/reports/progress", read),
        op("create_report_snapshot", post.clone(), "/api/v1/programs/{program}/reports/gaps/snapshots", Allow(SaveSnapshots, Anything))
            .body(json!({"label": "Before the pilot"})),
        op("list_report_snapshots", get.clone(), "/api/v1/programs/{program}/reports/gaps/snapshots", read),
        op("get_report_snapshot", get.clone(), "/api/v1/report-snapshots/{snapshot}", read),
        // Reminders.
        op("create_schedule", post.clone(), "/api/v1/programs/{program}/schedules", Allow(ManageSchedules, Anything))
            .body(json!({"kind": "upcoming_due", "cron": "0 9 * * 1-5", "time_zone": "UTC"})),
        op("list_schedules", get.clone(), "/api/v1/programs/{program}/schedules", read),
        op("get_schedule", get.clone(), "/api/v1/schedules/{schedule}", read),
        op("update_schedule", patch.clone(), "/api/v1/schedules/{schedule}", Allow(ManageSchedules, Anything))
            .body(json!({"look_ahead_days": 5})),
        op("dry_run_schedule", post.clone(), "/api/v1/schedules/{schedule}/dry-run", Allow(ManageSchedules, Anything)),
        op("run_schedule", post.clone(), "/api/v1/schedules/{schedule}/run", Allow(ManageSchedules, Anything)),
        op("list_outbox", get.clone(), "/api/v1/outbox", Allow(ManageSchedules, Anything)),
        op("preview_schedule", get.clone(), "/api/v1/schedules/{schedule}/preview", read),
        // Chat channels and webhooks: where reminders and events go.
        op("create_channel", post.clone(), "/api/v1/programs/{program}/channels", Allow(ManageSchedules, Anything))
            .body(json!({"kind": "slack", "name": "CX", "url": "https://hooks.slack.com/services/T/B/x"})),
        op("list_channels", get.clone(), "/api/v1/programs/{program}/channels", Allow(ManageSchedules, Anything)),
        op("get_channel", get.clone(), "/api/v1/channels/{channel}", Allow(ManageSchedules, Anything)),
        op("update_channel", patch.clone(), "/api/v1/channels/{channel}", Allow(ManageSchedules, Anything))
            .body(json!({"name": "CX program"})),
        op("delete_channel", delete.clone(), "/api/v1/channels/{fresh}", Allow(ManageSchedules, Anything))
            .fresh(Fresh::Channel),
        op("list_channel_deliveries", get.clone(), "/api/v1/channels/{channel}/deliveries", Allow(ManageSchedules, Anything)),
        op("create_webhook", post.clone(), "/api/v1/programs/{program}/webhooks", Allow(ManageSchedules, Anything))
            .body(json!({"url": "https://erp.example.com/hooks/cxpm", "events": ["snapshot.saved"]})),
        op("list_webhooks", get.clone(), "/api/v1/programs/{program}/webhooks", Allow(ManageSchedules, Anything)),
        op("get_webhook", get.clone(), "/api/v1/webhooks/{webhook}", Allow(ManageSchedules, Anything)),
        op("update_webhook", patch.clone(), "/api/v1/webhooks/{webhook}", Allow(ManageSchedules, Anything))
            .body(json!({"events": ["action.created", "action.updated"]})),
        op("rotate_webhook_secret", post.clone(), "/api/v1/webhooks/{webhook}/rotate-secret", Allow(ManageSchedules, Anything)),
        op("delete_webhook", delete.clone(), "/api/v1/webhooks/{fresh}", Allow(ManageSchedules, Anything))
            .fresh(Fresh::Webhook),
        op("list_webhook_deliveries", get.clone(), "/api/v1/webhooks/{webhook}/deliveries", Allow(ManageSchedules, Anything)),
        op("redeliver_webhook", post.clone(), "/api/v1/webhooks/{webhook}/deliveries/{delivery}/redeliver", Allow(ManageSchedules, Anything)),
        // Feedback rounds: the provider's head (or a coordinator) runs them; the
        // customer department's people, invited, answer; a personal link needs no
        // token.
        op("open_feedback_rounds", post.clone(), "/api/v1/programs/{program}/feedback-rounds", Allow(RunFeedbackRounds, DepartmentA))
            .body(json!({"relationship_id": "{relationship}"})),
        op("list_feedback_rounds", get.clone(), "/api/v1/programs/{program}/feedback-rounds", read),
        op("get_feedback_round", get.clone(), "/api/v1/feedback-rounds/{round}", read),
        op("close_feedback_round", post.clone(), "/api/v1/feedback-rounds/{round}/close", Allow(RunFeedbackRounds, DepartmentA)),
        op("answer_feedback_round", post.clone(), "/api/v1/feedback-rounds/{round}/answers", Only(&["head of B (another department)", "member B"]))
            .body(json!({"ratings": [{"key_point_id": "{key_point}", "importance": 4, "expectation": 8, "experience": 6}]})),
        op("answer_feedback_by_link", post, "/api/v1/feedback/answers", Public)
            .body(json!({"token": "not-a-link", "ratings": []})),
    ]
}

/// A caller: a token and who it stands for (`None`: no token, or a dead one).
struct Caller {
    name: &'static str,
    token: Option<String>,
    actor: Option<Actor>,
}

/// The objects the operations are called on.
struct World {
    ids: HashMap<&'static str, String>,
    callers: Vec<Caller>,
}

impl World {
    fn id(&self, key: &str) -> &str {
        self.ids
            .get(key)
            .unwrap_or_else(|| panic!("no `{key}` in the world"))
    }

    /// `text` with each `{key}` replaced by the world's id.
    fn fill(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for (key, id) in &self.ids {
            out = out.replace(&format!("{{{key}}}"), id);
        }
        out
    }

    fn target(&self, scope: Scope) -> Target<'_> {
        match scope {
            Anything => Target::Anything,
            DepartmentA => Target::Department(Some(self.id("dept_a"))),
            MemberA => Target::Person(self.id("member_a")),
        }
    }

    /// Whether the permission table lets `caller` call an operation under `rule`.
    fn allows(&self, caller: &Caller, rule: Rule) -> bool {
        let may =
            |actor: &Actor, action, scope| authorize(actor, action, self.target(scope)).is_ok();
        match (rule, &caller.actor) {
            (Public, _) => true,
            (_, None) => false,
            (Authenticated, Some(_)) => true,
            (Allow(action, scope), Some(actor)) => may(actor, action, scope),
            (Either(a1, s1, a2, s2), Some(actor)) => may(actor, a1, s1) || may(actor, a2, s2),
            (Only(names), Some(_)) => names.contains(&caller.name),
        }
    }
}

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap_or_default().to_owned()
}

async fn created(app: &TestApp, path: &str, body: Value) -> Value {
    expect_json(
        app.post(path, &app.admin_token, &body).await,
        StatusCode::CREATED,
    )
    .await
}

async fn world(app: &TestApp) -> World {
    let mut ids: HashMap<&'static str, String> = HashMap::new();
    let dept_a = app.department("Quality", "QA").await;
    let dept_b = app.department("Order management", "OM").await;
    let person = |name: &'static str, role: &'static str, dept: Option<String>| async move {
        let email = format!("{}@example.com", name.replace(' ', ".").to_lowercase());
        app.person(name, &email, role, dept.as_deref()).await
    };
    let coordinator = person("Coordinator", "coordinator", None).await;
    let executive = person("Executive", "executive", None).await;
    let head_a = person("Head A", "department_head", Some(id(&dept_a))).await;
    let member_a = person("Member A", "member", Some(id(&dept_a))).await;
    let head_b = person("Head B", "department_head", Some(id(&dept_b))).await;
    let member_b = person("Member B", "member", Some(id(&dept_b))).await;
    for (dept, head) in [(&dept_a, &head_a), (&dept_b, &head_b)] {
        expect_json(
            app.patch(
                &format!("/api/v1/departments/{}", id(dept)),
                &app.admin_token,
                Some("\"1\""),
                &json!({"head_id": head["id"]}),
            )
            .await,
            StatusCode::OK,
        )
        .await;
    }
    let program = created(
        app,
        "/api/v1/programs",
        json!({"name": "Delightful CX", "coordinator_id": coordinator["id"]}),
    )
    .await;
    let p = id(&program);
    let stage = created(
        app,
        &format!("/api/v1/programs/{p}/stages"),
        json!({"name": "Order", "customer_facing": true}),
    )
    .await;
    let sub_process = created(
        app,
        &format!("/api/v1/stages/{}/sub-processes", id(&stage)),
        json!({"name": "Order confirmation"}),
    )
    .await;
    let owner = created(
        app,
        &format!("/api/v1/sub-processes/{}/owners", id(&sub_process)),
        json!({"department_id": dept_a["id"], "responsibility": "Confirms the dates"}),
    )
    .await;
    let relationship = created(app, &format!("/api/v1/programs/{p}/relationships"),
        json!({"provider_department_id": dept_a["id"], "customer_department_id": dept_b["id"], "delivers": "Release dates",
            "sub_process_id": sub_process["id"]})).await;
    let r = id(&relationship);
    let key_point = created(
        app,
        &format!("/api/v1/relationships/{r}/key-points"),
        json!({"name": "Dates that hold"}),
    )
    .await;
    let plan = created(
        app,
        &format!("/api/v1/relationships/{r}/plans"),
        json!({"title": "Reliable dates"}),
    )
    .await;
    let detail = expect_json(
        app.get(&format!("/api/v1/plans/{}", id(&plan)), &app.admin_token)
            .await,
        StatusCode::OK,
    )
    .await;
    let action = created(
        app,
        &format!("/api/v1/plans/{}/actions", id(&plan)),
        json!({"title": "Confirm within a day", "owner_id": member_a["id"]}),
    )
    .await;
    let metric = created(app, &format!("/api/v1/programs/{p}/metrics"),
        json!({"name": "On-time delivery", "unit": "%", "direction": "higher_is_better", "target": 95.0, "sub_process_id": sub_process["id"]})).await;
    let snapshot = created(
        app,
        &format!("/api/v1/programs/{p}/reports/gaps/snapshots"),
        json!({"label": "Start"}),
    )
    .await;
    let schedule = created(
        app,
        &format!("/api/v1/programs/{p}/schedules"),
        json!({"kind": "overdue", "cron": "0 9 * * *", "time_zone": "UTC"}),
    )
    .await;
    let channel = created(
        app,
        &format!("/api/v1/programs/{p}/channels"),
        json!({"kind": "wecom", "name": "QA group",
            "url": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k",
            "schedule_ids": [schedule["id"]]}),
    )
    .await;
    let webhook = created(
        app,
        &format!("/api/v1/programs/{p}/webhooks"),
        json!({"url": "https://erp.example.com/hooks/cxpm", "events": ["action.created"]}),
    )
    .await;
    created(
        app,
        &format!("/api/v1/plans/{}/actions", id(&plan)),
        json!({"title": "Told to the ERP"}),
    )
    .await;
    let deliveries = expect_json(
        app.get(
            &format!("/api/v1/webhooks/{}/deliveries", id(&webhook)),
            &app.admin_token,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let delivery = deliveries["items"][0].clone();
    let round = created(
        app,
        &format!("/api/v1/programs/{p}/feedback-rounds"),
        json!({"relationship_id": relationship["id"]}),
    )
    .await;
    let round = round["items"][0].clone();
    let team_member = created(
        app,
        &format!("/api/v1/programs/{p}/members"),
        json!({"person_id": member_a["id"], "team_role": "member"}),
    )
    .await;
    for (key, value) in [
        ("dept_a", &dept_a),
        ("dept_b", &dept_b),
        ("member_a", &member_a),
        ("member_b", &member_b),
        ("program", &program),
        ("stage", &stage),
        ("sub_process", &sub_process),
        ("owner", &owner),
        ("relationship", &relationship),
        ("key_point", &key_point),
        ("plan", &plan),
        ("action", &action),
        ("metric", &metric),
        ("snapshot", &snapshot),
        ("schedule", &schedule),
        ("channel", &channel),
        ("webhook", &webhook),
        ("delivery", &delivery),
        ("team_member", &team_member),
        ("round", &round),
    ] {
        ids.insert(key, id(value));
    }
    ids.insert("step", id(&detail["steps"][0]));

    // Callers: every role, another department's head, no token, a revoked token.
    let actor = |p: &Value, role: Role| Actor {
        person_id: id(p),
        role,
        department_id: p["department_id"].as_str().map(str::to_owned),
    };
    let revoked = expect_json(
        app.post(
            &format!("/api/v1/people/{}/tokens", id(&member_a)),
            &app.admin_token,
            &json!({"label": "old"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let resp = app
        .request(
            Method::DELETE,
            &format!("/api/v1/tokens/{}", id(&revoked)),
            Some(&app.admin_token),
        )
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_success(), "revoking: {}", resp.status());
    let me = expect_json(
        app.get("/api/v1/me", &app.admin_token).await,
        StatusCode::OK,
    )
    .await;
    let mut callers = vec![Caller {
        name: "admin",
        token: Some(app.admin_token.clone()),
        actor: Some(actor(&me, Role::Admin)),
    }];
    for (name, person, role) in [
        ("coordinator", &coordinator, Role::Coordinator),
        ("executive", &executive, Role::Executive),
        ("head of A", &head_a, Role::DepartmentHead),
        ("member A", &member_a, Role::Member),
        (
            "head of B (another department)",
            &head_b,
            Role::DepartmentHead,
        ),
        ("member B", &member_b, Role::Member),
    ] {
        callers.push(Caller {
            name,
            token: Some(app.token_for(&id(person)).await),
            actor: Some(actor(person, role)),
        });
    }
    callers.push(Caller {
        name: "no token",
        token: None,
        actor: None,
    });
    callers.push(Caller {
        name: "revoked token",
        token: revoked["token"].as_str().map(str::to_owned),
        actor: None,
    });
    World { ids, callers }
}

/// A new object for a destructive operation to remove; returns its id.
async fn fresh(app: &TestApp, world: &World, kind: Fresh, n: usize) -> String {
    let p = world.id("program");
    match kind {
        Fresh::Member => {
            let person = app
                .person(
                    &format!("Guest {n}"),
                    &format!("guest{n}@example.com"),
                    "member",
                    None,
                )
                .await;
            id(&created(
                app,
                &format!("/api/v1/programs/{p}/members"),
                json!({"person_id": person["id"], "team_role": "member"}),
            )
            .await)
        }
        Fresh::Stage => id(&created(
            app,
            &format!("/api/v1/programs/{p}/stages"),
            json!({"name": format!("Stage {n}"), "customer_facing": false}),
        )
        .await),
        Fresh::Owner => {
            let sp = created(
                app,
                &format!("/api/v1/stages/{}/sub-processes", world.id("stage")),
                json!({"name": format!("Step {n}")}),
            )
            .await;
            id(&created(
                app,
                &format!("/api/v1/sub-processes/{}/owners", id(&sp)),
                json!({"department_id": world.id("dept_a"), "responsibility": "Runs it"}),
            )
            .await)
        }
        Fresh::Relationship => {
            let dept = app
                .department(&format!("Department {n}"), &format!("D{n}"))
                .await;
            id(&created(app, &format!("/api/v1/programs/{p}/relationships"),
                json!({"provider_department_id": world.id("dept_a"), "customer_department_id": dept["id"], "delivers": "Parts"})).await)
        }
        Fresh::Token => id(&created(
            app,
            &format!("/api/v1/people/{}/tokens", world.id("member_a")),
            json!({"label": format!("token {n}")}),
        )
        .await),
        Fresh::Channel => id(&created(
            app,
            &format!("/api/v1/programs/{p}/channels"),
            json!({"kind": "teams", "name": format!("Channel {n}"),
                "url": "https://prod.westeurope.logic.azure.com/workflows/x/triggers/manual/paths/invoke"}),
        )
        .await),
        Fresh::Webhook => id(&created(
            app,
            &format!("/api/v1/programs/{p}/webhooks"),
            json!({"url": format!("https://erp.example.com/hooks/{n}"), "events": ["step.completed"]}),
        )
        .await),
    }
}

/// The current ETag of what `path` names, read as admin; `"1"` when it cannot be read
/// (members, steps and key points have no GET of their own).
async fn etag(app: &TestApp, path: &str) -> String {
    let resp = app
        .request(Method::GET, path, Some(&app.admin_token))
        .send()
        .await
        .unwrap();
    resp.headers()
        .get("etag")
        .and_then(|v| v.to_str().ok())
        .filter(|_| resp.status().is_success())
        .unwrap_or("\"1\"")
        .to_owned()
}

both_databases!(
    every_operation_answers_every_caller_as_the_permission_table_says,
    with = |s| s.auth_failures_per_minute = 0,
    |app: TestApp| async move {
        let world = world(&app).await;
        let operations = operations();

        // The table and the spec list the same operations.
        let spec = expect_json(
            app.request(Method::GET, "/openapi.json", None)
                .send()
                .await
                .unwrap(),
            StatusCode::OK,
        )
        .await;
        let in_spec: BTreeSet<String> = spec["paths"]
            .as_object()
            .unwrap()
            .values()
            .flat_map(|item| item.as_object().unwrap().values())
            .filter_map(|op| op["operationId"].as_str().map(str::to_owned))
            .collect();
        let in_table: BTreeSet<String> = operations.iter().map(|o| o.id.to_owned()).collect();
        let missing: Vec<&String> = in_spec.difference(&in_table).collect();
        let stale: Vec<&String> = in_table.difference(&in_spec).collect();
        assert!(
            missing.is_empty(),
            "operations with no row in the matrix: {missing:?}"
        );
        assert!(
            stale.is_empty(),
            "rows for operations the spec no longer has: {stale:?}"
        );

        let mut wrong = Vec::new();
        let mut calls = 0;
        for operation in &operations {
            for caller in &world.callers {
                let mut path = world.fill(operation.path);
                if let Some(kind) = operation.fresh {
                    path = path.replace("{fresh}", &fresh(&app, &world, kind, calls).await);
                }
                let mut req = app.request(operation.method.clone(), &path, caller.token.as_deref());
                if operation.method == Method::PATCH
                    || operation.method == Method::DELETE
                    || operation.id == "close_feedback_round"
                {
                    req = req.header("if-match", etag(&app, &path).await);
                }
                if operation.id == "import_people" {
                    req = req
                        .header("content-type", "text/csv")
                        .body("name,email,role,department_code\nNew hire,new.hire@example.com,member,QA\n");
                } else if let Some(body) = &operation.body {
                    let body: Value = serde_json::from_str(&world.fill(&body.to_string())).unwrap();
                    req = req.json(&body);
                }
                let status = req.send().await.unwrap().status();
                calls += 1;
                let allowed = world.allows(caller, operation.rule);
                let fine = if status.is_server_error() {
                    false
                } else if allowed {
                    status != StatusCode::UNAUTHORIZED && status != StatusCode::FORBIDDEN
                } else if caller.actor.is_none() {
                    status == StatusCode::UNAUTHORIZED
                } else {
                    status == StatusCode::FORBIDDEN
                };
                if !fine {
                    wrong.push(format!(
                        "{} {} as {}: {} (the table says {})",
                        operation.method,
                        operation.id,
                        caller.name,
                        status,
                        if allowed { "allow" } else { "deny" }
                    ));
                }
            }
        }
        assert!(
            wrong.is_empty(),
            "{} of {calls} calls answered wrongly:\n{}",
            wrong.len(),
            wrong.join("\n")
        );
        assert_eq!(calls, in_spec.len() * world.callers.len());
    }
);
