//! The seven-step method (七步法) as a state machine, and the rules of actions.
//!
//! A plan improves one internal-customer relationship. Each cycle has steps; a step
//! moves `not_started → in_progress → done`, or is `skipped` by a coordinator with a
//! reason. Completing a step has preconditions ([`unmet`]), all reported at once.
//! When step 7 is done the plan starts a new cycle at step 3 (re-measure): the
//! customers and the commitment carry over, the rest is done again.

use std::fmt;
use std::str::FromStr;

use crate::program::named_enum;
use crate::validation::FieldError;
use crate::values::optional_text;

/// The seven steps, numbered 1–7.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Step {
    Commit = 1,
    IdentifyCustomers = 2,
    LearnExpectations = 3,
    ChooseKeyPoints = 4,
    AnalyzeGap = 5,
    PlanImprovement = 6,
    FeedbackLoop = 7,
}

impl Step {
    pub const ALL: [Step; 7] = [
        Step::Commit,
        Step::IdentifyCustomers,
        Step::LearnExpectations,
        Step::ChooseKeyPoints,
        Step::AnalyzeGap,
        Step::PlanImprovement,
        Step::FeedbackLoop,
    ];

    /// The step a new cycle starts at.
    pub const CYCLE_START: Step = Step::LearnExpectations;

    pub fn number(self) -> i32 {
        self as i32
    }

    pub fn from_number(n: i32) -> Option<Step> {
        Step::ALL.into_iter().find(|s| s.number() == n)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Step::Commit => "commit",
            Step::IdentifyCustomers => "identify_customers",
            Step::LearnExpectations => "learn_expectations",
            Step::ChooseKeyPoints => "choose_key_points",
            Step::AnalyzeGap => "analyze_gap",
            Step::PlanImprovement => "plan_improvement",
            Step::FeedbackLoop => "feedback_loop",
        }
    }

    /// The steps of cycle `cycle`: all seven in the first, from step 3 after.
    pub fn of_cycle(cycle: i32) -> impl Iterator<Item = Step> {
        Step::ALL
            .into_iter()
            .filter(move |s| cycle <= 1 || *s >= Step::CYCLE_START)
    }
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

named_enum!(
    /// Where a step stands.
    StepStatus, "status" {
        NotStarted => "not_started",
        InProgress => "in_progress",
        Done => "done",
        Skipped => "skipped",
    }
);

impl StepStatus {
    /// Done or skipped: later steps may proceed.
    pub fn is_settled(self) -> bool {
        matches!(self, StepStatus::Done | StepStatus::Skipped)
    }
}

named_enum!(
    /// Where a plan stands.
    PlanStatus, "status" { Active => "active", Paused => "paused", Closed => "closed" }
);

named_enum!(
    /// Where an action stands.
    ActionStatus, "status" {
        Open => "open",
        InProgress => "in_progress",
        Blocked => "blocked",
        Done => "done",
        Cancelled => "cancelled",
    }
);

impl ActionStatus {
    /// Still to be worked on.
    pub fn is_open(self) -> bool {
        matches!(
            self,
            ActionStatus::Open | ActionStatus::InProgress | ActionStatus::Blocked
        )
    }

    /// The statuses still to be worked on.
    pub fn open() -> impl Iterator<Item = ActionStatus> {
        Self::ALL.iter().copied().filter(|s| s.is_open())
    }

    /// Overdue: still open on a day after its due date (`today` in the reader's zone).
    pub fn is_overdue(self, due: Option<chrono::NaiveDate>, today: chrono::NaiveDate) -> bool {
        self.is_open() && due.is_some_and(|d| d < today)
    }
}

/// How soon an open action needs its owner, for "my work": overdue first, then due
/// within the week ahead, then later, then undated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Urgency {
    Overdue,
    ThisWeek,
    Later,
    Undated,
}

impl Urgency {
    pub const ALL: [Urgency; 4] = [
        Urgency::Overdue,
        Urgency::ThisWeek,
        Urgency::Later,
        Urgency::Undated,
    ];

    /// The urgency of an action due on `due`, seen on `today` (the reader's day).
    pub fn of(due: Option<chrono::NaiveDate>, today: chrono::NaiveDate) -> Self {
        match due {
            None => Urgency::Undated,
            Some(d) if d < today => Urgency::Overdue,
            Some(d) if d < today + chrono::Duration::days(7) => Urgency::ThisWeek,
            Some(_) => Urgency::Later,
        }
    }
}

named_enum!(
    /// Where a measurement comes from.
    MeasurementSource, "source" {
        Survey => "survey",
        OperationalKpi => "operational_kpi",
        ComplaintReview => "complaint_review",
        Interview => "interview",
        FeedbackRound => "feedback_round",
    }
);

/// A precondition a step change does not meet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unmet {
    /// A stable name for the rule (`earlier_steps_settled`, `key_point_exists`, …).
    pub rule: &'static str,
    pub message: String,
}

/// What the database knows that the step rules need, for one plan and cycle.
#[derive(Debug, Clone, Default)]
pub struct PlanFacts {
    /// The status of every step of the cycle, by step.
    pub steps: Vec<(Step, StepStatus)>,
    /// Active key points on the plan's relationship.
    pub key_points: u32,
    /// Of those, the ones with what the customer expects written down.
    pub key_points_with_expectation: u32,
    /// Measurements of those key points recorded since the cycle started.
    pub measurements_this_cycle: u32,
    /// Open actions of the plan that have an owner and a due date.
    pub open_actions_with_owner_and_due: u32,
    /// The plan has a feedback cadence that parses.
    pub valid_cadence: bool,
}

/// Who asks for a step change, as far as the rules care.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StepActor {
    /// A coordinator (or admin): the only one who may skip.
    pub may_skip: bool,
}

/// Why a step change is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StepRefusal {
    /// The caller's role may not make this change (only a coordinator skips).
    NotAllowed(&'static str),
    /// A field of the change is missing or wrong (a skip without a reason).
    Invalid(FieldError),
    /// The plan does not meet the step's preconditions: every unmet rule.
    Unmet(Vec<Unmet>),
}

/// Checks a change of `step` from `from` to `to`: who may make it, then its fields,
/// then every precondition the plan does not meet.
pub fn check_step_change(
    step: Step,
    from: StepStatus,
    to: StepStatus,
    skip_reason: Option<&str>,
    actor: StepActor,
    facts: &PlanFacts,
) -> Result<(), StepRefusal> {
    let mut unmet = Vec::new();
    if from == to {
        return Ok(());
    }
    match to {
        StepStatus::Skipped => {
            if !actor.may_skip {
                return Err(StepRefusal::NotAllowed(
                    "only a coordinator may skip a step",
                ));
            }
            match optional_text("skip_reason", skip_reason, crate::limits::REASON) {
                Ok(Some(_)) => {}
                Ok(None) => {
                    return Err(StepRefusal::Invalid(FieldError::new(
                        "skip_reason",
                        "skipping a step needs a reason",
                    )));
                }
                Err(e) => return Err(StepRefusal::Invalid(e)),
            }
        }
        StepStatus::Done => unmet.extend(unmet_to_complete(step, facts)),
        StepStatus::InProgress | StepStatus::NotStarted => {
            if from.is_settled() && later_settled(step, facts) {
                unmet.push(Unmet {
                    rule: "later_steps_open",
                    message: "a later step is already done or skipped; reopen that one first"
                        .into(),
                });
            }
        }
    }
    if unmet.is_empty() {
        Ok(())
    } else {
        Err(StepRefusal::Unmet(unmet))
    }
}

fn later_settled(step: Step, facts: &PlanFacts) -> bool {
    facts
        .steps
        .iter()
        .any(|(s, st)| *s > step && st.is_settled())
}

/// Every precondition of completing `step` that `facts` do not meet.
pub fn unmet_to_complete(step: Step, facts: &PlanFacts) -> Vec<Unmet> {
    let mut unmet = Vec::new();
    let open_earlier: Vec<String> = facts
        .steps
        .iter()
        .filter(|(s, st)| *s < step && !st.is_settled())
        .map(|(s, _)| format!("{} ({})", s.number(), s))
        .collect();
    if !open_earlier.is_empty() {
        unmet.push(Unmet {
            rule: "earlier_steps_settled",
            message: format!(
                "every earlier step must be done or skipped first; still open: {}",
                open_earlier.join(", ")
            ),
        });
    }
    match step {
        Step::LearnExpectations if facts.key_points_with_expectation == 0 => unmet.push(Unmet {
            rule: "customer_expectation_recorded",
            message: "record what the customer expects on at least one key point of the relationship first".into(),
        }),
        Step::ChooseKeyPoints if facts.key_points == 0 => unmet.push(Unmet {
            rule: "key_point_exists",
            message: "choose at least one key experience point on the relationship first".into(),
        }),
        Step::AnalyzeGap if facts.measurements_this_cycle == 0 => unmet.push(Unmet {
            rule: "measurement_this_cycle",
            message: "record a measurement of a key point in this cycle first".into(),
        }),
        Step::PlanImprovement if facts.open_actions_with_owner_and_due == 0 => unmet.push(Unmet {
            rule: "open_action_with_owner_and_due_date",
            message: "add at least one open action with an owner and a due date first".into(),
        }),
        Step::FeedbackLoop if !facts.valid_cadence => unmet.push(Unmet {
            rule: "feedback_cadence",
            message: "set the plan's feedback cadence (a crontab line and a time zone) first"
                .into(),
        }),
        _ => {}
    }
    unmet
}

/// Whether completing `step` closes the cycle and starts the next.
pub fn starts_next_cycle(step: Step, to: StepStatus) -> bool {
    step == Step::FeedbackLoop && to == StepStatus::Done
}

/// An action's state after a change: checked together so that it is never
/// inconsistent (blocked without a reason, done below 100 %).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionState {
    pub status: ActionStatus,
    pub progress: i32,
    pub blocked_reason: Option<String>,
}

impl ActionState {
    /// The state after applying an optional new status and progress. Done means
    /// 100 %: marking done without a progress sets it; 100 % without a status marks
    /// it done.
    pub fn apply(
        &self,
        status: Option<ActionStatus>,
        progress: Option<i32>,
        blocked_reason: Option<Option<String>>,
    ) -> Result<ActionState, Vec<FieldError>> {
        let mut errors = Vec::new();
        if let Some(p) = progress
            && !(0..=100).contains(&p)
        {
            errors.push(FieldError::new("progress", "must be between 0 and 100"));
        }
        let mut next = self.clone();
        if let Some(reason) = blocked_reason {
            match optional_text("blocked_reason", reason.as_deref(), crate::limits::REASON) {
                Ok(reason) => next.blocked_reason = reason,
                Err(e) => errors.push(e),
            }
        }
        match (status, progress) {
            (Some(ActionStatus::Done), None) => {
                next.status = ActionStatus::Done;
                next.progress = 100;
            }
            (Some(s), Some(p)) => {
                next.status = s;
                next.progress = p;
            }
            (Some(s), None) => next.status = s,
            (None, Some(100)) if self.status.is_open() => {
                next.status = ActionStatus::Done;
                next.progress = 100;
            }
            (None, Some(p)) => next.progress = p,
            (None, None) => {}
        }
        if next.status == ActionStatus::Done && next.progress != 100 {
            errors.push(FieldError::new("progress", "a done action is at 100"));
        }
        if next.status == ActionStatus::Blocked && next.blocked_reason.is_none() {
            errors.push(FieldError::new(
                "blocked_reason",
                "a blocked action needs a reason",
            ));
        }
        if next.status != ActionStatus::Blocked {
            next.blocked_reason = None;
        }
        if errors.is_empty() {
            Ok(next)
        } else {
            Err(errors)
        }
    }
}

impl FromStr for Step {
    type Err = FieldError;

    fn from_str(s: &str) -> Result<Self, FieldError> {
        Step::ALL
            .into_iter()
            .find(|step| step.as_str() == s)
            .ok_or_else(|| FieldError::new("step", format!("unknown step `{s}`")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(settled_through: i32) -> PlanFacts {
        PlanFacts {
            steps: Step::ALL
                .into_iter()
                .map(|s| {
                    (
                        s,
                        if s.number() <= settled_through {
                            StepStatus::Done
                        } else {
                            StepStatus::NotStarted
                        },
                    )
                })
                .collect(),
            key_points_with_expectation: 1,
            ..PlanFacts::default()
        }
    }

    #[test]
    fn step_three_needs_what_the_customer_expects_recorded() {
        let mut f = facts(2);
        f.key_points_with_expectation = 0;
        assert_eq!(
            rules(check_step_change(
                Step::LearnExpectations,
                StepStatus::InProgress,
                StepStatus::Done,
                None,
                HEAD,
                &f
            )),
            ["customer_expectation_recorded"]
        );
    }

    const HEAD: StepActor = StepActor { may_skip: false };
    const COORDINATOR: StepActor = StepActor { may_skip: true };

    fn rules(result: Result<(), StepRefusal>) -> Vec<&'static str> {
        match result {
            Err(StepRefusal::Unmet(unmet)) => unmet.into_iter().map(|u| u.rule).collect(),
            Err(other) => panic!("refused for another reason: {other:?}"),
            Ok(()) => vec![],
        }
    }

    #[test]
    fn a_step_is_done_only_after_every_earlier_one_is_settled() {
        let f = facts(1);
        assert_eq!(
            rules(check_step_change(
                Step::LearnExpectations,
                StepStatus::NotStarted,
                StepStatus::Done,
                None,
                HEAD,
                &f
            )),
            ["earlier_steps_settled"]
        );
        assert!(
            check_step_change(
                Step::IdentifyCustomers,
                StepStatus::NotStarted,
                StepStatus::Done,
                None,
                HEAD,
                &f
            )
            .is_ok()
        );
    }

    #[test]
    fn skipped_counts_as_settled() {
        let mut f = facts(1);
        f.steps[1].1 = StepStatus::Skipped;
        assert!(
            check_step_change(
                Step::LearnExpectations,
                StepStatus::InProgress,
                StepStatus::Done,
                None,
                HEAD,
                &f
            )
            .is_ok()
        );
    }

    #[test]
    fn step_four_needs_a_key_point() {
        let mut f = facts(3);
        assert_eq!(
            rules(check_step_change(
                Step::ChooseKeyPoints,
                StepStatus::InProgress,
                StepStatus::Done,
                None,
                HEAD,
                &f
            )),
            ["key_point_exists"]
        );
        f.key_points = 1;
        assert!(
            check_step_change(
                Step::ChooseKeyPoints,
                StepStatus::InProgress,
                StepStatus::Done,
                None,
                HEAD,
                &f
            )
            .is_ok()
        );
    }

    #[test]
    fn step_five_needs_a_measurement_this_cycle() {
        let mut f = facts(4);
        assert_eq!(
            rules(check_step_change(
                Step::AnalyzeGap,
                StepStatus::InProgress,
                StepStatus::Done,
                None,
                HEAD,
                &f
            )),
            ["measurement_this_cycle"]
        );
        f.measurements_this_cycle = 2;
        assert!(
            check_step_change(
                Step::AnalyzeGap,
                StepStatus::InProgress,
                StepStatus::Done,
                None,
                HEAD,
                &f
            )
            .is_ok()
        );
    }

    #[test]
    fn step_six_needs_an_open_action_with_owner_and_due_date() {
        let mut f = facts(5);
        assert_eq!(
            rules(check_step_change(
                Step::PlanImprovement,
                StepStatus::InProgress,
                StepStatus::Done,
                None,
                HEAD,
                &f
            )),
            ["open_action_with_owner_and_due_date"]
        );
        f.open_actions_with_owner_and_due = 1;
        assert!(
            check_step_change(
                Step::PlanImprovement,
                StepStatus::InProgress,
                StepStatus::Done,
                None,
                HEAD,
                &f
            )
            .is_ok()
        );
    }

    #[test]
    fn step_seven_needs_a_cadence_and_then_starts_a_cycle() {
        let mut f = facts(6);
        assert_eq!(
            rules(check_step_change(
                Step::FeedbackLoop,
                StepStatus::InProgress,
                StepStatus::Done,
                None,
                HEAD,
                &f
            )),
            ["feedback_cadence"]
        );
        f.valid_cadence = true;
        assert!(
            check_step_change(
                Step::FeedbackLoop,
                StepStatus::InProgress,
                StepStatus::Done,
                None,
                HEAD,
                &f
            )
            .is_ok()
        );
        assert!(starts_next_cycle(Step::FeedbackLoop, StepStatus::Done));
        assert!(!starts_next_cycle(Step::PlanImprovement, StepStatus::Done));
    }

    #[test]
    fn all_unmet_rules_come_back_together() {
        let f = facts(0);
        assert_eq!(
            rules(check_step_change(
                Step::FeedbackLoop,
                StepStatus::NotStarted,
                StepStatus::Done,
                None,
                HEAD,
                &f
            )),
            ["earlier_steps_settled", "feedback_cadence"]
        );
    }

    #[test]
    fn only_a_coordinator_skips_and_always_with_a_reason() {
        let f = facts(0);
        assert!(matches!(
            check_step_change(
                Step::Commit,
                StepStatus::NotStarted,
                StepStatus::Skipped,
                Some("done last year"),
                HEAD,
                &f
            ),
            Err(StepRefusal::NotAllowed(_))
        ));
        assert!(matches!(
            check_step_change(
                Step::Commit,
                StepStatus::NotStarted,
                StepStatus::Skipped,
                Some("  "),
                COORDINATOR,
                &f
            ),
            Err(StepRefusal::Invalid(e)) if e.field == "skip_reason"
        ));
        assert!(
            check_step_change(
                Step::Commit,
                StepStatus::NotStarted,
                StepStatus::Skipped,
                Some("done last year"),
                COORDINATOR,
                &f
            )
            .is_ok()
        );
    }

    #[test]
    fn a_step_is_not_reopened_under_a_settled_later_one() {
        let f = facts(3);
        assert_eq!(
            rules(check_step_change(
                Step::IdentifyCustomers,
                StepStatus::Done,
                StepStatus::InProgress,
                None,
                HEAD,
                &f
            )),
            ["later_steps_open"]
        );
        assert!(
            check_step_change(
                Step::LearnExpectations,
                StepStatus::Done,
                StepStatus::InProgress,
                None,
                HEAD,
                &f
            )
            .is_ok()
        );
    }

    #[test]
    fn later_cycles_start_at_step_three() {
        assert_eq!(Step::of_cycle(1).count(), 7);
        assert_eq!(
            Step::of_cycle(2).map(Step::number).collect::<Vec<_>>(),
            [3, 4, 5, 6, 7]
        );
    }

    fn open() -> ActionState {
        ActionState {
            status: ActionStatus::Open,
            progress: 0,
            blocked_reason: None,
        }
    }

    #[test]
    fn done_means_one_hundred_percent() {
        assert_eq!(
            open()
                .apply(Some(ActionStatus::Done), None, None)
                .unwrap()
                .progress,
            100
        );
        assert_eq!(
            open().apply(None, Some(100), None).unwrap().status,
            ActionStatus::Done
        );
        assert_eq!(
            open()
                .apply(Some(ActionStatus::Done), Some(80), None)
                .unwrap_err()[0]
                .field,
            "progress"
        );
    }

    #[test]
    fn blocked_needs_a_reason_which_goes_when_unblocked() {
        assert_eq!(
            open()
                .apply(Some(ActionStatus::Blocked), None, None)
                .unwrap_err()[0]
                .field,
            "blocked_reason"
        );
        let blocked = open()
            .apply(
                Some(ActionStatus::Blocked),
                Some(30),
                Some(Some("waiting for QA".into())),
            )
            .unwrap();
        assert_eq!(blocked.blocked_reason.as_deref(), Some("waiting for QA"));
        let resumed = blocked
            .apply(Some(ActionStatus::InProgress), None, None)
            .unwrap();
        assert_eq!((resumed.blocked_reason, resumed.progress), (None, 30));
        assert_eq!(
            open()
                .apply(
                    Some(ActionStatus::Blocked),
                    None,
                    Some(Some("waiting\u{0}".into()))
                )
                .unwrap_err()[0]
                .field,
            "blocked_reason"
        );
    }

    #[test]
    fn progress_stays_between_zero_and_one_hundred() {
        assert_eq!(
            open().apply(None, Some(101), None).unwrap_err()[0].field,
            "progress"
        );
        assert_eq!(
            open().apply(None, Some(-1), None).unwrap_err()[0].field,
            "progress"
        );
    }

    #[test]
    fn urgency_orders_overdue_then_the_week_ahead_then_later_then_undated() {
        let today = chrono::NaiveDate::from_ymd_opt(2026, 12, 3).unwrap_or_default();
        let day = |n: i64| Some(today + chrono::Duration::days(n));
        assert_eq!(Urgency::of(day(-1), today), Urgency::Overdue);
        assert_eq!(Urgency::of(day(0), today), Urgency::ThisWeek);
        assert_eq!(Urgency::of(day(6), today), Urgency::ThisWeek);
        assert_eq!(Urgency::of(day(7), today), Urgency::Later);
        assert_eq!(Urgency::of(None, today), Urgency::Undated);
        assert!(Urgency::Overdue < Urgency::ThisWeek && Urgency::Later < Urgency::Undated);
    }
}
