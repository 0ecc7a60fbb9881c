## The words of cxpm's pages and mails, in English. Every key here is in every
## other locale too (a test fails otherwise).

app-name = cxpm
skip-to-content = Skip to content
nav-my-work = My work
nav-my-department = My department
nav-profile = My profile
nav-sign-out = Sign out
nav-label = Main

## Sign in
sign-in-title = Sign in
sign-in-intro = Enter your work email address. We mail you a link that signs you in; it works once, for 15 minutes.
sign-in-email = Work email address
sign-in-send = Mail me a sign-in link
sign-in-sent-title = Check your mail
sign-in-sent = If { $email } belongs to someone in cxpm, a sign-in link is on its way. It works once, for 15 minutes.
sign-in-again = Ask for another link
sign-in-link-title = Sign in to cxpm
sign-in-link-intro = You opened a sign-in link. Continue to sign in on this device.
sign-in-continue = Continue
sign-in-link-unusable = This sign-in link has expired or was already used. Ask for a new one below.
sign-in-too-many = Too many sign-in requests from your network. Try again in a few minutes.
signed-out = You are signed out.
signed-out-title = Signed out
oidc-sign-in-with = Sign in with { $name }
oidc-sign-in-company = Sign in with your company account
sign-in-or-link = No company account? Ask for a sign-in link by mail instead.
sign-in-oidc-only = People sign in to cxpm with their company account.
sign-in-links-off = Sign-in links by mail are turned off here: sign in with your company account.
oidc-refused-title = Sign-in did not work
oidc-try-again = Back to sign-in
oidc-unreachable = Your company's sign-in cannot be reached just now. Try again in a few minutes; if it lasts, tell your IT department.
oidc-unusable = This sign-in answer is not for this browser, was already used, or came after ten minutes. Start again from the sign-in page.
oidc-provider-said-no = Your company's sign-in did not sign you in (it was cancelled or refused there). You can start again.
oidc-unknown-person = You signed in as { $email }, but nobody in cxpm has that address. Ask your CX coordinator or an admin to add you: people are managed in cxpm, not created at sign-in.
oidc-deactivated = The cxpm account for { $email } is deactivated. Ask an admin to reactivate it if you should have access.
oidc-unverified-email = Your company's sign-in does not vouch for the address { $email } (it is not verified there). Verify it with your IT department, or ask them to set cxpm up with another claim.
oidc-no-email = Your company's sign-in sent no email address cxpm can match. Ask your IT department to release the email claim to cxpm.
oidc-refused-token = The answer from your company's sign-in failed cxpm's checks, so it was not trusted. Start again; if it happens again, tell your IT department (the attempt is on record).
oidc-provider-failed = Your company's sign-in did not complete the sign-in with cxpm. Start again; if it happens again, tell your IT department.
oidc-signing-out-there = You are signed out of cxpm. Now signing you out of your company account too…
oidc-sign-out-there = Continue
mail-sign-in-subject = Your cxpm sign-in link
mail-sign-in-greeting = Hello { $name },
mail-sign-in-body = Open this link to sign in to cxpm. It works once, within 15 minutes:
mail-sign-in-ignore = If you did not ask to sign in, ignore this mail: nothing happens without the link.

## My work
my-work-title = My work
my-work-overdue = Overdue
my-work-this-week = Due this week
my-work-later = Later
my-work-undated = No due date
my-work-empty = Nothing is waiting for you. New actions assigned to you will show up here.
my-work-plans = My plans
my-work-no-plans = You own no plan.
due-on = Due { $date }
no-due-date = No due date
overdue-badge = Overdue
progress-label = Progress
percent = { $n } %

## An action and its updates
action-status = Status
action-plan = Plan
action-owner = Owner
action-department = Department
action-description = Description
action-effect = Intended effect
action-effect-on-point = Move key point “{ $name }” to { $target } by { $date }
action-effect-on-metric = Move metric “{ $name }” to { $target } by { $date }
action-effect-reached = Reached
action-effect-not-reached = Not reached yet
action-effect-missed = Missed: the date passed without the gap closing
action-no-effect = No intended effect recorded.
updates-title = Updates
updates-empty = No updates yet.
update-post = Post update
update-progress = Progress (0–100 %)
update-status = Status
update-status-keep = Keep “{ $status }”
update-blocked-reason = Why it is blocked
update-comment = Comment
update-posted = Update posted.
update-by = { $name }, { $when }
status-open = Open
status-in_progress = In progress
status-blocked = Blocked
status-done = Done
status-cancelled = Cancelled

## Plans and steps
plan-title = Plan: { $title }
plan-cycle = Cycle { $n }
plan-department = Department
plan-owner = Owner
plan-steps = The seven steps
plan-current-step = Current step
step-1 = Commit to the program
step-2 = Identify the internal customers
step-3 = Learn what they expect
step-4 = Choose the key points
step-5 = Analyze the gap
step-6 = Plan the improvement
step-7 = Close the feedback loop
step-status-not_started = Not started
step-status-in_progress = In progress
step-status-done = Done
step-status-skipped = Skipped
step-needs = Still needs:
step-ready = Ready to complete.
step-complete = Complete step { $n }
step-start = Start step { $n }
step-skip = Skip step { $n }
step-skip-reason = Why it is skipped
step-completed = Step { $n } is done.
rule-earlier_steps_settled = every earlier step done or skipped
rule-customer_expectation_recorded = what the customer expects, written on a key point
rule-key_point_exists = at least one key point
rule-measurement_this_cycle = a measurement of a key point this cycle
rule-open_action_with_owner_and_due_date = an open action with an owner and a due date
rule-feedback_cadence = a feedback cadence (a crontab line and a time zone)
rule-later_steps_open = every later step still open
key-points-title = Key points
key-points-empty = No key point yet.
key-point-name = Key point
key-point-expects = What the customer expects
key-point-importance = Importance (1–5)
key-point-add = Add key point
key-point-save = Save key point
key-point-edit = Edit
key-point-description = Description
key-point-update = Save changes
measurement-title = Record a survey measurement
measurement-point = Key point
measurement-expected = Expected ({ $min }–{ $max })
measurement-actual = Actual ({ $min }–{ $max })
measurement-sample = Answers (sample size)
measurement-record = Record measurement
actions-title = Actions
actions-empty = No action yet.
action-add = Add action
action-title = Title
action-owner-field = Owner (a member of the department)
action-due = Due date
action-effect-point = Intended effect on key point
action-effect-target = Target value
action-effect-by = Reached by
action-none = —
earlier-cycles = Earlier cycles
cycle-read-only = Cycle { $n } (read only)

## My department
my-department-title = { $name }
my-department-none = You are not in a department. Ask an admin to add you to one.
department-plans = Plans
department-actions-by-owner = Actions by owner
department-late = Late
department-nothing-late = Nothing is late.
department-more = …and { $n } more
department-plan-now = Now at step { $n }, { $step }: { $status }
department-plan-settled = Every step is settled
department-unassigned = Unassigned
department-customers = Who are our customers
department-providers = Who are our providers
relationship-latest-gap = Latest gap: { $gap }
relationship-no-gap = Not measured yet
relationship-none = None yet.

## Profile and sessions
profile-title = My profile
profile-language = Language
profile-time-zone = Time zone (IANA, e.g. Asia/Shanghai)
profile-save = Save
profile-saved = Saved.
sessions-title = My sessions
sessions-device = { $browser } on { $os }
sessions-unknown-device = Unknown browser
sessions-this = This browser
sessions-started = Signed in { $when }
sessions-last-seen = Last active { $when }
sessions-via-link = with a link by mail
sessions-via-oidc = with the company account
sessions-via-break-glass = with a break-glass link
sessions-end = Sign out this session
sessions-end-all = Sign out everywhere
sessions-ended = Signed out everywhere.

## Errors
error-forbidden-title = Not yours to see
error-forbidden = Your role does not allow this page. If you need it, ask your CX coordinator.
error-not-found-title = Not found
error-not-found = There is nothing here. The link may be old, or the item was removed.
error-refused-title = That could not be done
error-csrf = This form has expired. Reload the page and try again.
error-stale-title = Someone changed this while you were editing
error-stale = { $who } saved a change { $when }. Your input is kept below; the current values are beside it. Check and save again.
error-stale-current = Now: { $value }
error-fix-below = Some fields need another look.
error-unavailable = cxpm cannot save right now. Your input is kept; try again in a moment.
error-internal = Something went wrong on our side. Your input is kept; try again.
back-home = Back to my work

## Reports (the HTML gap and progress reports, and the gap lines of mails)
report-gap-report = Gap report
report-progress-report = Progress report
report-generated = Generated
report-worst-gaps = Worst gaps
report-worst-gaps-note = Relative gap of the open gaps, worst first by importance.
report-trend = Trend per point
report-trend-note = Relative gap per period of the worst points.
report-by-department = Gaps by department
report-by-department-note = Sample-weighted mean relative gap of each providing department.
report-all-lines = All measured points and metrics
report-name = Point or metric
report-department = Department
report-period = Period
report-expected = Expected / target
report-actual = Actual
report-gap = Gap
report-relative-gap = Relative
report-severity = Severity
report-trend-column = Trend
report-findings = Findings
report-change = Change
report-changes-since = Changes since
report-closed-gaps = Closed gaps
report-nothing-measured = Nothing measured yet.
report-severity-met = Met
report-severity-minor = Minor
report-severity-major = Major
report-severity-critical = Critical
report-trend-new = New
report-trend-better = Better
report-trend-steady = Steady
report-trend-worse = Worse
report-finding-no-open-plan = No open plan
report-finding-blind-spot = Blind spot
report-finding-stale-metric = Stale metric
report-finding-effect-missed = Effect date passed, gap still open
report-change-new = New
report-change-worse = Worse
report-change-better = Better
report-change-unchanged = Unchanged
report-change-closed = Closed
report-plan-progress = Plan progress by department
report-plan-progress-note = Actions of each department's plans: done, open and overdue.
report-action-done = Done
report-action-open = Open
report-action-overdue = Overdue
report-plans = Plans
report-plan = Plan
report-cycle = Cycle
report-step = Step
report-all-settled = All settled
report-days-since-update = Days since update
report-no-plans = No plans yet.
report-coverage = Ownership coverage
report-coverage-note = What is still missing before every touchpoint has an owner.
report-coverage-gap-touchpoints = Touchpoints without owner
report-coverage-gap-sub-processes = Sub-processes without owner
report-coverage-gap-owners = Owner rows without a person
report-coverage-gap-departments = Departments without an internal customer
report-coverage-ready = Every touchpoint has an owner.
report-departments = Departments
report-owned-touchpoints = Touchpoints owned
report-running-plans = Running plans
report-engaged = Engaged
report-download = Download
report-owner = Owner
report-period-start = Period start
report-period-end = Period end
report-previous-gap = Previous gap
report-importance = Importance
report-sample-size = Sample size
report-open-actions = Open actions
report-lines = Lines
report-worst = Worst
report-by-stage = By stage
report-by-relationship = By relationship
report-steps-settled = Steps settled
report-feedback-asked = Feedback asked
report-coverage-gap = Gap
report-feedback-answered = Feedback answered
report-feedback-response = Feedback rounds: { $internal } of { $internal_asked } internal customers answered; outside customers { $external } of { $external_asked }.
report-yes = yes
report-no = no
report-maturity = Maturity
report-maturity-note = Phases of the program by the functions engaged in it.
report-phase = Phase
report-phase-one = One function alone
report-phase-two = Several functions together
report-phase-three = Marketing, sales, service, IT and finance
report-engaged-functions = Engaged functions
report-next-phase-needs = The next phase still needs
report-step-of = step { $n } of 7
report-next-phase-one-more = one more function acting with it, any of
report-next-phase-two-more = two functions acting together, among
report-next-phase-all-of = every one of
report-to-engage = Departments to bring in
report-top-phase = The program has reached the last phase.
report-function-marketing = Marketing
report-function-sales = Sales
report-function-service = Service
report-function-it = IT
report-function-finance = Finance
report-function-operations = Operations
report-function-other = Other

## Reminder mails
mail-topic-upcoming-due = { $n ->
    [one] { $n } action due soon
   *[other] { $n } actions due soon
}
mail-topic-overdue = { $n ->
    [one] { $n } overdue action
   *[other] { $n } overdue actions
}
mail-topic-stale-plans = { $n ->
    [one] { $n } plan without a recent update
   *[other] { $n } plans without a recent update
}
mail-topic-measurement-request = { $n ->
    [one] { $n } measurement or feedback due
   *[other] { $n } measurements or feedback due
}
mail-topic-leadership-digest = the CX program's gaps
mail-due-today = due today
mail-due-in = { $n ->
    [one] due tomorrow
   *[other] due in { $n } days
}
mail-overdue-by = { $n ->
    [one] { $n } day overdue
   *[other] { $n } days overdue
}
mail-stale-for = { $n ->
    [one] { $n } day without an update
   *[other] { $n } days without an update
}
mail-feedback-due = feedback from the internal customer due since { $since }
mail-escalated = { $base } — { $why }
mail-why-department-head = to you as department head
mail-why-coordinator = to you as CX coordinator
mail-why-sponsor = to you as sponsor
mail-more = …and { $n } more
mail-greeting = Hello { $name },
mail-intro = In the program “{ $program }”:
mail-footer = You receive this from the program's reminder schedule ({ $rhythm }); update the items in cxpm to answer.

## Validation messages beside a form's fields
invalid-empty = must not be empty
invalid-too-long = at most { $a } characters
invalid-between = must be between { $a } and { $b }
invalid-at-most = must be at most { $a }
invalid-at-least = must be at least { $a }
invalid-not-negative = must be 0 or more
invalid-number = must be a number
invalid-whole-number = must be a whole number
invalid-date = must be a date (YYYY-MM-DD)
invalid-control = must not contain control characters
invalid-blocked-reason = a blocked action needs a reason
invalid-done-at-100 = a done action is at 100 %
invalid-update-empty = an update needs a progress, a status or a comment
invalid-skip-reason = skipping a step needs a reason
invalid-person-deactivated = this person is deactivated
invalid-person-department = this person is not in that department
invalid-key-point-relationship = this key point belongs to another relationship
invalid-time-zone = unknown time zone: { $a } (use an IANA name such as Asia/Shanghai)
invalid-locale = unsupported language: { $a }
invalid-unknown-value = unknown value { $a }; expected one of { $b }

## Feedback rounds (issue 16)
mail-feedback-subject = { $provider } asks { $customer }: how did it go?
mail-feedback-subject-external = { $provider } asks: how did it go?
mail-feedback-body-external = { $provider } would like to know how its work for you went: { $n ->
        [one] one point to rate
       *[other] { $n } points to rate
    }, about a minute on your phone. No account needed: the link below is yours alone.
mail-feedback-reminder-subject = Reminder: { $provider } would still like your answer
mail-feedback-greeting = Hello { $name },
mail-feedback-greeting-anonymous = Hello,
mail-feedback-body = { $provider } would like to know how its work for { $customer } went: { $n ->
        [one] one point to rate
       *[other] { $n } points to rate
    }, about a minute on your phone.
mail-feedback-body-provider = How do you think { $customer } experienced your department's work? { $n ->
        [one] One point to rate
       *[other] { $n } points to rate
    }, about a minute: your view is set beside theirs.
mail-feedback-anonymous = Your answer is anonymous: { $provider } sees only results from several people, and comments carry no names.
mail-feedback-deadline = Please answer by { $deadline }.
mail-feedback-button = Answer now
feedback-page-title = Your feedback
feedback-title = { $provider } → { $customer }: how did it go?
feedback-title-external = { $provider }: how did it go?
feedback-intro = Rate each point: how much it matters to you, what you expect, and what you experienced. Leave a point on “—” if you cannot say.
feedback-intro-provider = Your own view: how much each point matters to { $customer }, what they expect, and what you think they experienced.
feedback-anonymous = Anonymous: { $provider } sees only results from several people.
feedback-deadline = Open until { $deadline }.
feedback-scale = Expectation and experience: { $min } = very low, { $max } = very high. Importance: 1 = hardly, 5 = very much.
feedback-importance = Importance
feedback-expectation = Expectation
feedback-experience = Experience
feedback-cannot-say = —
feedback-comment = Anything to add? (optional; stored without your name)
feedback-send = Send my answer
feedback-rate-all = Choose all three for this point, or leave all three on “—”.
feedback-thanks-title = Thank you
feedback-thanks = Your answer is in. It counts toward the next measurement of these points.
feedback-answered-title = Already answered
feedback-answered = This invitation has already been answered: an answer is given once, and a link works once.
feedback-closed-title = This round is closed
feedback-closed = The round is closed and takes no more answers. Thank you all the same.
feedback-link-unknown-title = Link not known
feedback-link-unknown = This link is not known. Open the latest link from your mail, or sign in.
feedback-round-title = Feedback round: { $provider } → { $customer }
feedback-status-open = Open
feedback-status-closed = Closed
feedback-answered-count = { $answered } of { $invited } customers answered
feedback-closed-note = Closed { $when }: { $n } measurements made.
feedback-hidden = Means show from { $min } answers on, so no one's answer can be picked out.
feedback-results = Results
feedback-no-answers = No answers yet.
feedback-point = Key point
feedback-who = Who
feedback-respondents = Answers
feedback-respondent-internal = Customer department
feedback-respondent-external = Outside customers
feedback-respondent-provider = Provider (own view)
feedback-rates = Response rates
feedback-department = Department
feedback-invited = Asked
feedback-answered-col = Answered
feedback-rate = Rate
feedback-comments = Comments
feedback-close = Close now and make measurements
feedback-answer-now = Answer now
feedback-not-opened = No round was opened
feedback-back = Back to the plan
feedback-section = Feedback rounds
feedback-none = No round yet: ask the customer department how it went.
feedback-ask = Ask the customers now (open for a week)
feedback-ask-provider = Ask our own people too (blind spot)
feedback-asked-of-you = Feedback asked of you
feedback-asked-line = { $provider } asks: how did it go? Open until { $deadline }.
invalid-answer-empty = rate at least one key point, or leave a comment
invalid-round-open = a round is already open on this relationship
invalid-round-no-points = there are no key points to rate yet: choose them first
invalid-round-nobody = nobody to ask: the customer department has no active people

## Programs (issue 17)
nav-programs = Programs
programs-none = No program yet.
program-new = New program
program-name = Name
program-business-line = Business line (optional)
program-create = Create the program
program-status-draft = Draft
program-status-active = Active
program-status-closed = Closed
program-activate = Start the program
program-close = Close the program
program-reopen = Reopen the program
program-gap-report = Gap report
program-progress-report = Progress report
program-coverage = Ownership coverage
program-coverage-ready = Every touchpoint has a named owner: ready to go live.
program-coverage-not-ready = Not ready to go live yet: these gaps remain.
program-coverage-no-touchpoints = No touchpoint in the value stream yet: add the customer-facing stages first.
program-coverage-touchpoints = Touchpoints without an owner
program-coverage-sub-processes = Sub-processes without an owner
program-coverage-owners = Owner rows without a person
program-coverage-departments = Departments without an internal customer
program-team = Team
program-no-team = Nobody is on the team yet.
program-no-department = Without a department
program-value-stream = Value stream
program-no-stages = No stages yet.
program-touchpoint = Touchpoint
program-sub-processes = { $n ->
    [one] one sub-process
   *[other] { $n } sub-processes
}
program-reminders = Reminders
program-no-schedules = No reminder schedule yet.
program-no-rounds = No feedback round yet.
schedule-next = next
schedule-off = off
schedule-kind-upcoming_due = Due soon
schedule-kind-overdue = Overdue
schedule-kind-stale_plans = Plans gone quiet
schedule-kind-measurement_request = Measurement requests
schedule-kind-leadership_digest = Leadership digest
team-role-sponsor = Sponsor
team-role-coordinator = Coordinator
team-role-touchpoint_owner = Touchpoint owner
team-role-member = Member

## The dashboard (issue 17)
dashboard-title = Dashboard — { $program }
dashboard-link = Dashboard
dashboard-program = The program
dashboard-worst = Worst gaps
dashboard-no-gaps = No open gap: every measured point meets its expectation.
dashboard-lagging = Lagging departments
dashboard-no-lagging = No department has an overdue action.
dashboard-lagging-counts = { $overdue } overdue of { $open } open actions
dashboard-maturity = Maturity
dashboard-next-needs = The next phase needs
dashboard-since = Since the last review
dashboard-no-snapshot = No snapshot saved yet: save one at a review to see what changes after it.

## Value stream, coverage, who serves whom
value-stream-title = Value stream
value-stream-stages = Stages
coverage-title = Coverage
matrix-title = Who serves whom
template-title = Start from the industrial template
template-help = Eight stages from bidding to payment collection, and delivery and acceptance with its on-time goal. Tell it which of your departments plays each part; a part left unmapped gets no owner row.
template-unmapped = — not mapped —
template-apply = Apply the template
template-role-order-management = Order management
template-role-manufacturing = Manufacturing
template-role-quality-inspection = Quality inspection
template-role-shipping = Shipping
move-up = Move up
move-down = Move down
save = Save
archive = Archive
choose = — choose —
part-name = Name
part-name-in = Name in { $language }
part-names-per-language = Names in each language
part-description = Description
part-goal = Goal
stage-edit = Edit this stage
stage-add = Add a stage
stage-add-button = Add stage
stage-customer-facing = Customer-facing (a touchpoint)
sub-process-edit = Edit this sub-process
sub-process-add = Add a sub-process
sub-process-add-button = Add sub-process
owner-none = No department owns this yet.
owner-no-person = no person named yet
owner-no-members = This department has no active members to name.
owner-person = Person responsible
owner-nobody = — nobody yet —
owner-save = Save
owner-remove = Remove
owner-change = Change the owner
owner-assign = Assign a department
owner-assign-button = Assign
owner-department = Department
owner-responsibility = Responsibility
coverage-gaps = What is missing
coverage-no-gaps = Nothing is missing.
coverage-go-value-stream = Open the value stream
coverage-gap-touchpoint = Touchpoint without an owner
coverage-touchpoint-no-sub-processes = This touchpoint has no sub-process yet.
coverage-gap-sub-process = Sub-process without an owner
coverage-gap-owner = Owner without a person
coverage-gap-department = Department in no relationship
relationship-serves = Serves (internal customer)
relationship-delivers = What it delivers
relationship-add = Add a relationship
relationship-add-button = Add relationship
relationship-provider = Provider
relationship-customer = Internal customer
relationship-retire = Retire
matrix-help = Each row is a department that provides, each column a department it serves; each cell shows what is delivered, its key points and its worst current gap, and opens its plan.
matrix-empty = No relationships yet.
matrix-all = Every relationship
matrix-caption = Relationships by providing department (rows) and internal customer (columns)
matrix-provider = Provider
matrix-customer = Customer
matrix-no-plan = no plan yet
matrix-unmeasured = not measured
matrix-key-points = { $n ->
    [one] 1 key point
   *[other] { $n } key points
}

## Reminders page
reminders-title = Reminders
reminders-schedules = Schedules
reminders-next-five = The next five times
reminders-last = Last sent
reminders-never = never
reminders-dry-run = Dry run
reminders-run-now = Run now
reminders-switch-off = Switch off
reminders-switch-on = Switch on
reminders-new = A new schedule
reminders-kind = What it sends
reminders-cron = When (a crontab line)
reminders-cron-help = Minute, hour, day of month, month, day of week. "0 9 * * 1-5" is every weekday at 09:00; "30 8 * * 1" every Monday at 08:30.
reminders-zone = Time zone
reminders-check = Check
reminders-create = Create the schedule
reminders-outbox = Outbox
reminders-outbox-empty = No mail from this program yet.
reminders-outbox-when = Queued
reminders-outbox-to = To
reminders-outbox-subject = Subject
reminders-outbox-status = Status
reminders-outbox-attempts = Attempts
reminders-outbox-error = Last error
reminders-ran-already = It had already run in this period: nothing was sent twice.
reminders-ran = { $n ->
    [one] Run: 1 mail queued.
   *[other] Run: { $n } mails queued.
}
outbox-status-pending = waiting
outbox-status-sent = sent
outbox-status-failed = failed
dry-run-title = Dry run
dry-run-help = The mails this schedule would send now, exactly as written; nothing is sent or queued.
dry-run-none = Nobody would get a mail now: there is nothing to tell.

## Admin pages
nav-admin = Admin
admin-people = People
admin-departments = Departments
admin-tokens = Tokens
admin-no-departments = No department yet.
admin-no-people = Nobody matches.
admin-inactive = inactive
admin-active = active
admin-parent = Part of
admin-no-parent = — top level —
admin-head = Head
admin-code = Code
admin-change = Change
admin-deactivate = Deactivate
admin-activate = Reactivate
admin-new-department = A new department
admin-create-department = Create department
admin-search = Name or email
admin-all = — all —
admin-role = Role
admin-status = Status
admin-filter = Filter
admin-email = Email
admin-no-department = — no department —
admin-new-person = A new person
admin-create-person = Create person
admin-make-link = One-time sign-in link
admin-link-made = A sign-in link for { $name }, usable once within its time. Give it to them in person; it is not shown again.
admin-more = More people match than are listed: narrow the filter.
admin-token-once = The token, shown this once: copy it now. It is never stored, only its hash.
admin-no-tokens = No token yet.
admin-token-label = Label
admin-token-issued = Issued
admin-token-used = Last used
admin-token-revoked = revoked
admin-token-revoke = Revoke
admin-token-issue = Issue a token
admin-token-issue-button = Issue token
role-admin = Admin
role-coordinator = Coordinator
role-department_head = Department head
role-member = Member
role-executive = Executive
import-title = Import people
import-help = Send a CSV file or an Excel workbook (its first sheet) with a header row. It is checked first: every row is shown with its problems, and nobody is created until you confirm a file without problems.
import-send = Send a file
import-file = CSV or xlsx file
import-check = Check the file
import-no-file = Choose a file first.
import-not-utf8 = The file is neither an xlsx workbook nor UTF-8 text.
import-checked = Checked: { $file }
import-line = Line
import-problems = Problems
import-row-ok = ready
import-not-ready = The file has problems: nothing can be imported until they are fixed in the file and it is sent again.
import-changed = Something changed since the file was checked (an address taken meanwhile?): nothing was imported. Check the file again.
import-ready = { $n ->
    [one] 1 person, no problems.
   *[other] { $n } people, no problems.
}
import-confirm = { $n ->
    [one] Import this person
   *[other] Import these { $n } people
}
import-done = { $n ->
    [one] 1 person imported.
   *[other] { $n } people imported.
}
audit-title = Audit trail
audit-entity = Kind of record
audit-entity-id = Record id
audit-since = From
audit-until = To
audit-none = No change matches.
audit-system = cxpm
audit-field = Field
audit-before = Before
audit-after = After
audit-older = Older changes
audit-bad-day = Write a day as YYYY-MM-DD.
audit-fields = { $n ->
    [one] 1 field
   *[other] { $n } fields
}

## Team page
team-title = Team
team-role = Team role
team-remove = Remove from the team
team-add = Add someone
team-add-button = Add to the team
team-person = Person
team-everyone-seated = Everyone active is already in the team.

## Report page controls
report-controls = Report
report-back = Back to the program
report-filter-department = Department
report-filter-stage = Stage
report-filter-severity = At least
report-filter-since = Changes since
report-no-snapshot = — no snapshot —
report-snapshot-label = Snapshot name
report-snapshot-save = Save a snapshot
report-snapshot-saved = Snapshot "{ $label }" saved: the report now shows what changes since it.
report-print = Print or save as PDF

## Metrics page
metrics-title = Metrics
metrics-none = No metric yet.
metrics-stale = nobody feeds it
metrics-target = Target
metrics-last = Last reading
metrics-readings = The readings
metrics-open = The chart and the readings
metrics-no-readings = No reading yet.
metrics-record = Record a reading
metrics-record-button = Record
metrics-from = From
metrics-to = To
metrics-value = Value
metrics-new = A new metric
metrics-stage = Stage
metrics-unit = Unit
metrics-direction = Better when
metrics-direction-higher_is_better = higher is better
metrics-direction-lower_is_better = lower is better
metrics-create = Add the metric
metrics-chart = { $name } over time, against its target

## Calendar feeds
calendar-title = My calendar
calendar-help = Subscribe your calendar app (Outlook, Google Calendar, Apple Calendar, DingTalk, Feishu) to your due actions — or your department's — and your plans' feedback dates. The address holds a secret of its own: anyone with it can read the calendar, so keep it to yourself and revoke it when in doubt.
calendar-made = Your calendar's address, shown this once: add it to your calendar app as a subscription.
calendar-open-app = Open in my calendar app
calendar-none = No calendar yet.
calendar-read = Last read
calendar-new = A new calendar
calendar-new-mine = My actions
calendar-new-department = { $department }'s actions
calendar-feed-mine = My actions
calendar-feed-department = { $department }'s actions
calendar-name-mine = cxpm — { $name }
calendar-name-department = cxpm — { $department }
calendar-action = Plan: { $plan } · { $status } · { $progress }%
calendar-feedback = Feedback on "{ $plan }": ask the customers
profile-calendar = Subscribe your calendar to your due actions

## Chat channels and webhooks (issue 18)
chat-open = Open the whole list in cxpm
chat-footer = From the program's reminder schedule ({ $rhythm }).
mail-webhook-disabled-subject = A webhook of “{ $program }” was turned off
mail-webhook-disabled-body = The webhook to { $url } failed for a whole day, so cxpm stopped calling it. The last answer was: { $reason }
mail-webhook-disabled-action = When the receiving system works again, turn the webhook back on; redeliver what it missed from its delivery log.
invalid-url-https = must be an https:// address
invalid-url = is not a web address cxpm can call
invalid-url-userinfo = must not hold a user name or password
invalid-url-private = { $a } is inside your network (loopback, private or metadata): cxpm does not call it
invalid-secret-unsigned = this platform does not sign messages: leave the secret empty
invalid-channel-leadership = a leadership digest goes to its readers' mail, not to a group chat
invalid-events-empty = choose at least one event
hooks-title = Chat groups and webhooks
hooks-link = Chat groups and webhooks
hooks-intro = Reminders can also go to departments' group chats, and other systems can hear of what happens in the program.
hooks-channels = Chat groups
hooks-no-channels = No chat group receives this program's reminders yet.
hooks-channel-kind = Platform
hooks-kind-wecom = WeCom (企业微信)
hooks-kind-dingtalk = DingTalk (钉钉)
hooks-kind-feishu = Feishu / Lark (飞书)
hooks-kind-teams = Microsoft Teams (Workflows)
hooks-kind-slack = Slack
hooks-name = Name
hooks-url = Robot's webhook address
hooks-url-help = Copied from the group's robot settings; it holds the robot's key and is never shown again.
hooks-secret = Signing secret (DingTalk, Feishu)
hooks-secret-help = Only when the robot signs messages; never shown again.
hooks-language = Language of the messages
hooks-schedules = Reminders it receives
hooks-departments = Departments it lists
hooks-departments-help = None chosen: every department.
hooks-all-departments = every department
hooks-none = none
hooks-add-channel = Connect the chat group
hooks-state-active = active
hooks-state-broken = broken
hooks-state-disabled = off
hooks-broken-why = The platform refused the last message: { $why }
hooks-fix = New address or secret
hooks-save = Save
hooks-remove = Remove
hooks-last = Last message: { $status }, { $when }
hooks-webhooks = Webhooks
hooks-no-webhooks = No system is subscribed to this program's events.
hooks-events = Events
hooks-event-action-created = an action is created
hooks-event-action-updated = an action changes or gets an update
hooks-event-action-overdue = an action falls overdue
hooks-event-step-completed = a plan's step is completed
hooks-event-plan-cycle_started = a plan starts a new cycle
hooks-event-measurement-recorded = a key point is measured
hooks-event-reading-recorded = a metric's reading is recorded
hooks-event-snapshot-saved = a gap report snapshot is saved
hooks-webhook-url = Address to post to (https)
hooks-add-webhook = Subscribe
hooks-secret-once = The signing secret — copy it now, it is not shown again:
hooks-rotate = New secret
hooks-switch-off = Turn off
hooks-switch-on = Turn on
hooks-failing-since = Failing since { $when }: { $why }
hooks-deliveries = Latest calls
hooks-redeliver = Send again
hooks-delivery-line = { $event } · { $status } · { $attempts } attempt(s)
