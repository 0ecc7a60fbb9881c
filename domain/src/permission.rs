//! Who may do what: one table, deny by default.
//!
//! [`RULES`] lists every (role, action) pair that is allowed and how far the grant
//! reaches ([`Grant`]). A pair that is not in the table is denied. The HTTP layer asks
//! [`authorize`] before it touches anything, with the object the call is about
//! ([`Target`]), so object-level checks (a head touching another department's data)
//! happen in the same place as role checks.

use crate::role::Role;

/// A kind of operation, as the permission table sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// Read departments and people (the directory).
    ReadDirectory,
    /// Create, change and deactivate departments.
    ManageDepartments,
    /// Create, change and deactivate people, one at a time or by CSV import.
    ManagePeople,
    /// Issue an access token for a person.
    IssueToken,
    /// List and revoke access tokens.
    ManageTokens,
    /// Read the audit trail.
    ReadAudit,
    /// Read programs, their team, value stream, owners, relationships and coverage.
    ReadPrograms,
    /// Create and change programs and their team.
    ManagePrograms,
    /// Create, rename, reorder and archive stages and sub-processes; apply templates.
    ManageValueStream,
    /// Create owner rows and change any of them.
    ManageOwners,
    /// Name the person on an owner row of a department.
    NameOwner,
    /// Create, change and archive internal-customer relationships.
    ManageRelationships,
    /// Key experience points and measurements of a relationship, by its provider.
    ManageKeyPoints,
    /// Create and change plans and their steps, by the owning department.
    ManagePlans,
    /// Skip a step of a plan (with a reason).
    SkipStep,
    /// Create and change actions, by the action's department.
    ManageActions,
    /// Post a progress update on an action.
    PostUpdate,
    /// Define and change operational metrics.
    ManageMetrics,
    /// Record readings of metrics (by hand or pushed by another system).
    RecordReadings,
    /// Save a report as a snapshot, to compare later reports with.
    SaveSnapshots,
    /// Create and change a program's reminder schedules, run one now or dry-run it.
    ManageSchedules,
    /// Open a feedback round on a relationship (its provider asks its customers) and
    /// close it early.
    RunFeedbackRounds,
}

impl Action {
    pub const ALL: [Action; 22] = [
        Action::ReadDirectory,
        Action::ManageDepartments,
        Action::ManagePeople,
        Action::IssueToken,
        Action::ManageTokens,
        Action::ReadAudit,
        Action::ReadPrograms,
        Action::ManagePrograms,
        Action::ManageValueStream,
        Action::ManageOwners,
        Action::NameOwner,
        Action::ManageRelationships,
        Action::ManageKeyPoints,
        Action::ManagePlans,
        Action::SkipStep,
        Action::ManageActions,
        Action::PostUpdate,
        Action::ManageMetrics,
        Action::RecordReadings,
        Action::SaveSnapshots,
        Action::ManageSchedules,
        Action::RunFeedbackRounds,
    ];
}

/// How far an allowed action reaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grant {
    /// On anything.
    Any,
    /// Only on objects owned by the actor's own department.
    OwnDepartment,
    /// Only on the actor's own records (their own tokens, their own actions).
    OwnRecords,
}

use Action::*;
use Grant::*;
use Role::*;

/// The permission table. Admins may do everything; every other row is listed.
pub const RULES: &[(Role, Action, Grant)] = &[
    (Coordinator, ReadDirectory, Any),
    (Coordinator, ManageTokens, OwnRecords),
    (Coordinator, ReadPrograms, Any),
    (Coordinator, ManagePrograms, Any),
    (Coordinator, ManageValueStream, Any),
    (Coordinator, ManageOwners, Any),
    (Coordinator, NameOwner, Any),
    (Coordinator, ManageRelationships, Any),
    (Coordinator, ManageKeyPoints, Any),
    (Coordinator, ManagePlans, Any),
    (Coordinator, SkipStep, Any),
    (Coordinator, ManageActions, Any),
    (Coordinator, PostUpdate, Any),
    (Coordinator, ManageMetrics, Any),
    (Coordinator, RecordReadings, Any),
    (Coordinator, SaveSnapshots, Any),
    (Coordinator, ManageSchedules, Any),
    (Coordinator, RunFeedbackRounds, Any),
    (DepartmentHead, ReadDirectory, Any),
    (DepartmentHead, ManageTokens, OwnRecords),
    (DepartmentHead, ReadPrograms, Any),
    (DepartmentHead, NameOwner, OwnDepartment),
    (DepartmentHead, ManageKeyPoints, OwnDepartment),
    (DepartmentHead, RunFeedbackRounds, OwnDepartment),
    (DepartmentHead, ManagePlans, OwnDepartment),
    (DepartmentHead, ManageActions, OwnDepartment),
    (DepartmentHead, PostUpdate, OwnDepartment),
    (DepartmentHead, RecordReadings, Any),
    (Member, ReadDirectory, Any),
    (Member, ManageTokens, OwnRecords),
    (Member, ReadPrograms, Any),
    (Member, PostUpdate, OwnRecords),
    (Executive, ReadDirectory, Any),
    (Executive, ManageTokens, OwnRecords),
    (Executive, ReadPrograms, Any),
    (Executive, SaveSnapshots, Any),
];

/// What the table grants `role` for `action`, or `None` (denied).
pub fn grant_for(role: Role, action: Action) -> Option<Grant> {
    if role == Admin {
        return Some(Any);
    }
    RULES
        .iter()
        .find(|(r, a, _)| *r == role && *a == action)
        .map(|(_, _, g)| *g)
}

/// The authenticated caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub person_id: String,
    pub role: Role,
    pub department_id: Option<String>,
}

/// The object an action is about, as far as permissions care.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target<'a> {
    /// Nothing in particular (a list, a create without an owner).
    Anything,
    /// Something owned by this department (`None`: owned by no department).
    Department(Option<&'a str>),
    /// Something that belongs to this person.
    Person(&'a str),
}

/// The action is not allowed; says which, for the problem detail and the log.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a {role} may not {action:?} here")]
pub struct Denied {
    pub role: Role,
    pub action: Action,
}

/// Decides whether `actor` may perform `action` on `target`.
pub fn authorize(actor: &Actor, action: Action, target: Target<'_>) -> Result<(), Denied> {
    let denied = Denied {
        role: actor.role,
        action,
    };
    match grant_for(actor.role, action) {
        Some(grant) if grant_covers(grant, actor, target) => Ok(()),
        _ => Err(denied),
    }
}

/// Whether a grant reaches the target.
fn grant_covers(grant: Grant, actor: &Actor, target: Target<'_>) -> bool {
    match (grant, target) {
        (Any, _) => true,
        // A scoped grant never covers "anything": the caller must name the object.
        (OwnDepartment | OwnRecords, Target::Anything) => false,
        (OwnDepartment, Target::Department(dept)) => {
            dept.is_some() && dept == actor.department_id.as_deref()
        }
        (OwnDepartment, Target::Person(_)) => false,
        (OwnRecords, Target::Person(p)) => p == actor.person_id,
        (OwnRecords, Target::Department(_)) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actor(role: Role) -> Actor {
        Actor {
            person_id: "p1".into(),
            role,
            department_id: Some("d1".into()),
        }
    }

    /// The expected grant of every (role, action) pair, written out in full so that a
    /// change to [`RULES`] has to change this table too. Columns follow `Action::ALL`.
    #[rustfmt::skip]
    const EXPECTED: &[(Role, [Option<Grant>; 22])] = &[
        //               ReadDirectory ManageDepartments ManagePeople IssueToken ManageTokens      ReadAudit  ReadPrograms ManagePrograms ManageValueStream ManageOwners NameOwner            ManageRelationships ManageKeyPoints      ManagePlans          SkipStep   ManageActions        PostUpdate           ManageMetrics RecordReadings SaveSnapshots ManageSchedules RunFeedbackRounds
        (Admin,          [Some(Any),   Some(Any),        Some(Any),   Some(Any), Some(Any),        Some(Any), Some(Any),   Some(Any),     Some(Any),        Some(Any),   Some(Any),           Some(Any),          Some(Any),           Some(Any),           Some(Any), Some(Any),           Some(Any),           Some(Any),    Some(Any),     Some(Any),     Some(Any), Some(Any)]),
        (Coordinator,    [Some(Any),   None,             None,        None,      Some(OwnRecords), None,      Some(Any),   Some(Any),     Some(Any),        Some(Any),   Some(Any),           Some(Any),          Some(Any),           Some(Any),           Some(Any), Some(Any),           Some(Any),           Some(Any),    Some(Any),     Some(Any),     Some(Any), Some(Any)]),
        (DepartmentHead, [Some(Any),   None,             None,        None,      Some(OwnRecords), None,      Some(Any),   None,          None,             None,        Some(OwnDepartment), None,               Some(OwnDepartment), Some(OwnDepartment), None,      Some(OwnDepartment), Some(OwnDepartment), None,         Some(Any),     None,          None, Some(OwnDepartment)]),
        (Member,         [Some(Any),   None,             None,        None,      Some(OwnRecords), None,      Some(Any),   None,          None,             None,        None,                None,               None,                None,                None,      None,                Some(OwnRecords),    None,         None,          None,          None, None]),
        (Executive,      [Some(Any),   None,             None,        None,      Some(OwnRecords), None,      Some(Any),   None,          None,             None,        None,                None,               None,                None,                None,      None,                None,                None,         None,          Some(Any),     None, None]),
    ];

    #[test]
    fn the_expectations_have_a_column_for_every_action() {
        assert_eq!(EXPECTED[0].1.len(), Action::ALL.len());
    }

    #[test]
    fn the_table_grants_exactly_the_expected_rows() {
        for (role, grants) in EXPECTED {
            for (action, expected) in Action::ALL.iter().zip(grants) {
                assert_eq!(grant_for(*role, *action), *expected, "{role} {action:?}");
            }
        }
    }

    #[test]
    fn every_role_has_a_row_in_the_expectations() {
        for role in Role::ALL {
            assert!(EXPECTED.iter().any(|(r, _)| *r == role), "{role} missing");
        }
    }

    #[test]
    fn an_executive_may_read_but_not_change_people() {
        let exec = actor(Executive);
        assert!(authorize(&exec, ReadDirectory, Target::Anything).is_ok());
        assert!(authorize(&exec, ManagePeople, Target::Anything).is_err());
        assert!(authorize(&exec, ManageDepartments, Target::Anything).is_err());
    }

    #[test]
    fn own_records_cover_only_the_actor_themself() {
        let member = actor(Member);
        assert!(authorize(&member, ManageTokens, Target::Person("p1")).is_ok());
        assert!(authorize(&member, ManageTokens, Target::Person("p2")).is_err());
        assert!(authorize(&member, ManageTokens, Target::Anything).is_err());
        assert!(authorize(&member, ManageTokens, Target::Department(Some("d1"))).is_err());
    }

    #[test]
    fn an_admin_may_act_on_anyone() {
        let admin = actor(Admin);
        for action in Action::ALL {
            assert!(authorize(&admin, action, Target::Person("someone-else")).is_ok());
        }
    }

    #[test]
    fn own_department_covers_only_the_actors_department() {
        let head = actor(DepartmentHead);
        assert!(grant_covers(
            OwnDepartment,
            &head,
            Target::Department(Some("d1"))
        ));
        assert!(!grant_covers(
            OwnDepartment,
            &head,
            Target::Department(Some("d2"))
        ));
        assert!(!grant_covers(
            OwnDepartment,
            &head,
            Target::Department(None)
        ));
        assert!(!grant_covers(OwnDepartment, &head, Target::Anything));
    }

    #[test]
    fn only_admins_read_the_audit_trail() {
        for role in Role::ALL {
            let allowed = authorize(&actor(role), ReadAudit, Target::Anything).is_ok();
            assert_eq!(allowed, role == Admin, "{role}");
        }
    }
}
