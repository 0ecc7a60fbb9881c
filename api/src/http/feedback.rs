//! Feedback rounds: open (one relationship or all of a program's), list, read the
//! results and response rates, close early; answer signed in or by a personal link.

use crate::http::common::Id;
use crate::http::text;
use chrono::{DateTime, NaiveDate, Utc};
use cxpm_app::feedback::answers::{self, AnswerInput};
use cxpm_app::feedback::{self as cases, OpenRound, RoundView, Summary};
use cxpm_domain::feedback::{PointResult, RatingInput, Respondent, RoundStatus};
use poem::web::Data;
use poem_openapi::param::{Header, Path};
use poem_openapi::payload::Json;
use poem_openapi::{Enum, Object, OpenApi};
use serde::Deserialize;

use crate::app::AppState;
use crate::error::ApiResult;
use crate::http::bearer::BearerAuth;
use crate::http::body::Body;
use crate::http::common::{self, ApiTags, Made, Tagged, etag};
use crate::jobs::invite::InviteMail;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, Deserialize)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
#[oai(remote = "RoundStatus")]
pub enum RoundStatusName {
    Open,
    Closed,
}

/// Who answered: the customer department's people, outside contacts, or the
/// provider rating itself (the blind spot).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, Deserialize)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
#[oai(remote = "Respondent")]
pub enum RespondentName {
    Internal,
    External,
    Provider,
}

/// A feedback round: a relationship's provider asks its customers how it went.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct FeedbackRound {
    pub id: Id,
    pub program_id: Id,
    pub relationship_id: Id,
    /// The department asking.
    pub provider_department_id: Id,
    /// The department asked (with outside contacts, if any were named).
    pub customer_department_id: Id,
    pub status: RoundStatusName,
    /// The provider's people rate too (their own view: the blind spot).
    pub ask_provider: bool,
    /// Results show, and measurements are made, from this many respondents on.
    pub min_respondents: i32,
    /// The measurements' period starts here and ends the day the round closes.
    pub period_start: NaiveDate,
    /// It closes then at the latest (or when everyone asked has answered).
    pub deadline: DateTime<Utc>,
    /// None when the plan's feedback cadence opened it.
    pub opened_by: Option<String>,
    pub opened_at: DateTime<Utc>,
    /// When the one reminder went to those who had not answered.
    pub reminded_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    /// How many measurements closing made.
    pub measurements: i32,
    /// Customers asked (people and outside contacts; not the provider's people).
    pub invited: u32,
    /// Of them, how many answered.
    pub answered: u32,
    pub version: i32,
}

impl From<Summary> for FeedbackRound {
    fn from(s: Summary) -> Self {
        let r = s.round;
        Self {
            id: r.id.into(),
            program_id: r.program_id.into(),
            relationship_id: r.relationship_id.into(),
            provider_department_id: s.provider_department_id.into(),
            customer_department_id: s.customer_department_id.into(),
            status: (*r.status).into(),
            ask_provider: r.ask_provider,
            min_respondents: r.min_respondents,
            period_start: r.period_start,
            deadline: r.deadline,
            opened_by: r.opened_by,
            opened_at: r.opened_at,
            reminded_at: r.reminded_at,
            closed_at: r.closed_at,
            measurements: r.measurements,
            invited: s.invited,
            answered: s.answered,
            version: r.version,
        }
    }
}

#[derive(Debug, Object)]
pub struct FeedbackRoundList {
    pub items: Vec<FeedbackRound>,
}

/// Rounds to open: on one relationship, or on every relationship of the program
/// that has key points to rate and no round open.
#[derive(Debug, Object, Deserialize)]
#[oai(skip_serializing_if_is_none)]
#[oai(deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct NewFeedbackRounds {
    /// One relationship; leave out for all of the program's.
    pub relationship_id: Option<Id>,
    /// When the round closes at the latest: from an hour to 90 days ahead; default
    /// in 7 days.
    pub deadline: Option<DateTime<Utc>>,
    /// The customer department's people to ask; default all of its active people.
    #[oai(validator(max_items = 1000))]
    pub people: Option<Vec<Id>>,
    /// Outside contacts to ask, each mailed a personal one-time link.
    #[oai(validator(max_items = 500))]
    pub external_emails: Option<Vec<text::Email>>,
    /// Ask the provider department's people for their own rating too. Default false.
    pub ask_provider: Option<bool>,
}

/// One key point's result for one kind of respondent: the means show only from the
/// round's minimum of respondents.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct PointResultView {
    pub key_point_id: Id,
    pub respondent: RespondentName,
    /// How many rated it.
    pub respondents: u32,
    /// Mean, 1–5; absent below the minimum.
    pub importance: Option<f64>,
    /// Mean on the program's scale; absent below the minimum.
    pub expectation: Option<f64>,
    /// Mean on the program's scale; absent below the minimum.
    pub experience: Option<f64>,
}

impl From<PointResult> for PointResultView {
    fn from(r: PointResult) -> Self {
        Self {
            key_point_id: r.key_point_id.into(),
            respondent: r.respondent.into(),
            respondents: r.respondents,
            importance: r.importance,
            expectation: r.expectation,
            experience: r.experience,
        }
    }
}

/// A comment, without a name.
#[derive(Debug, Object)]
pub struct RoundComment {
    pub respondent: RespondentName,
    pub body: String,
}

/// How many of a department's people (or of the outside contacts) answered.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct ResponseRateView {
    /// Absent for outside contacts.
    pub department_id: Option<Id>,
    pub department_name: Option<String>,
    pub invited: u32,
    pub answered: u32,
    /// Answered per invited, 0–1.
    pub rate: Option<f64>,
}

/// A round, its results and its response rates.
#[derive(Debug, Object)]
pub struct FeedbackRoundResults {
    pub round: FeedbackRound,
    pub results: Vec<PointResultView>,
    /// Shown only from the minimum of respondents of that kind.
    pub comments: Vec<RoundComment>,
    pub response_rates: Vec<ResponseRateView>,
}

impl From<RoundView> for FeedbackRoundResults {
    fn from(v: RoundView) -> Self {
        let names = v.department_names;
        Self {
            round: v.summary.into(),
            results: v.results.into_iter().map(Into::into).collect(),
            comments: v
                .comments
                .into_iter()
                .map(|(who, body)| RoundComment {
                    respondent: who.into(),
                    body,
                })
                .collect(),
            response_rates: v
                .rates
                .into_iter()
                .map(|(department_id, r)| ResponseRateView {
                    department_name: department_id.as_ref().and_then(|d| names.get(d).cloned()),
                    department_id: department_id.map(Into::into),
                    invited: r.invited,
                    answered: r.answered,
                    rate: r.rate(),
                })
                .collect(),
        }
    }
}

/// One key point's rating. Leave a point out to say "I cannot say".
#[derive(Debug, Object, Deserialize)]
#[oai(deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct RatingBody {
    pub key_point_id: Id,
    /// How much it matters, 1–5.
    pub importance: i32,
    /// On the program's scale.
    pub expectation: f64,
    /// On the program's scale.
    pub experience: f64,
}

/// An answer to a round, by the signed-in person invited to it.
#[derive(Debug, Object, Deserialize)]
#[oai(skip_serializing_if_is_none)]
#[oai(deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct NewAnswer {
    #[oai(validator(max_items = 200))]
    pub ratings: Vec<RatingBody>,
    /// Stored without a name.
    pub comment: Option<text::Prose>,
}

/// An answer by a personal one-time link (no account needed).
#[derive(Debug, Object, Deserialize)]
#[oai(skip_serializing_if_is_none)]
#[oai(deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct NewLinkAnswer {
    /// The `token` of the link the mail carried.
    #[oai(validator(min_length = 1, max_length = 200))]
    pub token: String,
    #[oai(validator(max_items = 200))]
    pub ratings: Vec<RatingBody>,
    /// Stored without a name.
    pub comment: Option<text::Prose>,
}

/// An answer taken.
#[derive(Debug, Object)]
pub struct AnswerTaken {
    /// It was the last answer asked for: the round closed with it.
    pub closed_round: bool,
}

impl AnswerTaken {
    /// The 201 of an answer taken (an answer has no address of its own).
    fn made(answered: answers::Answered) -> Made<Self> {
        Made::Created(
            Json(Self {
                closed_round: answered.closed_round,
            }),
            None,
        )
    }
}

fn input(ratings: Vec<RatingBody>, comment: Option<text::Prose>) -> AnswerInput {
    AnswerInput {
        ratings: ratings
            .into_iter()
            .map(|r| RatingInput {
                key_point_id: r.key_point_id.into(),
                importance: r.importance,
                expectation: r.expectation,
                experience: r.experience,
            })
            .collect(),
        comment: comment.map(Into::into),
    }
}

#[derive(Default)]
pub struct FeedbackApi;

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Feedback")]
impl FeedbackApi {
    /// Open feedback rounds
    ///
    /// On one relationship (`relationship_id`), or on every relationship of the
    /// program that has key points and no round open. Each invites the customer
    /// department's people (or the ones named), the outside contacts named and — with
    /// `ask_provider` — the provider's people, each mailed a personal link.
    #[oai(
        path = "/programs/:id/feedback-rounds",
        method = "post",
        operation_id = "open_feedback_rounds"
    )]
    async fn open(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<crate::http::common::Id>,
        body: Body<NewFeedbackRounds>,
    ) -> ApiResult<Made<FeedbackRoundList>> {
        let b = body.0;
        let new = OpenRound {
            relationship_id: b.relationship_id.map(Into::into),
            deadline: b.deadline,
            people: b.people.map(|v| v.into_iter().map(Into::into).collect()),
            external_emails: b
                .external_emails
                .map(|v| v.into_iter().map(Into::into).collect())
                .unwrap_or_default(),
            ask_provider: b.ask_provider.unwrap_or(false),
        };
        let actor = &auth.0.actor;
        let opened = cases::rounds::open(&state, actor, &id, new, &InviteMail).await?;
        let items = cases::rounds::summaries(&state.db, opened).await?;
        Ok(Made::Created(
            Json(FeedbackRoundList {
                items: items.into_iter().map(Into::into).collect(),
            }),
            None,
        ))
    }

    /// List a program's feedback rounds, newest first
    #[oai(
        path = "/programs/:id/feedback-rounds",
        method = "get",
        operation_id = "list_feedback_rounds"
    )]
    async fn list(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<crate::http::common::Id>,
    ) -> ApiResult<Json<FeedbackRoundList>> {
        let rows = cases::rounds::list(&state, &auth.0.actor, &id).await?;
        Ok(Json(FeedbackRoundList {
            items: rows.into_iter().map(Into::into).collect(),
        }))
    }

    /// Read a feedback round: its results and response rates
    ///
    /// Means and comments show only from the round's minimum of respondents of each
    /// kind: answers stay anonymous to the provider.
    #[oai(
        path = "/feedback-rounds/:id",
        method = "get",
        operation_id = "get_feedback_round"
    )]
    async fn get(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<crate::http::common::Id>,
    ) -> ApiResult<Tagged<FeedbackRoundResults>> {
        let view = cases::rounds::read(&state, &auth.0.actor, &id).await?;
        let tag = etag(view.summary.round.version);
        Ok(Tagged::Ok(Json(view.into()), tag))
    }

    /// Close a feedback round before its deadline
    ///
    /// Its answers become each key point's measurement for the period, in the same
    /// transaction (source `feedback_round`; none from fewer than the minimum).
    #[oai(
        path = "/feedback-rounds/:id/close",
        method = "post",
        operation_id = "close_feedback_round"
    )]
    async fn close(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<crate::http::common::Id>,
        /// The ETag of the round as read.
        #[oai(name = "If-Match")]
        if_match: Header<crate::http::common::IfMatch>,
    ) -> ApiResult<Tagged<FeedbackRoundResults>> {
        let expected = common::if_match(Some(if_match.0.as_str()))?;
        let actor = &auth.0.actor;
        cases::rounds::close(&state, actor, &id, &expected).await?;
        let view = cases::rounds::read(&state, actor, &id).await?;
        let tag = etag(view.summary.round.version);
        Ok(Tagged::Ok(Json(view.into()), tag))
    }

    /// Answer a feedback round you are invited to
    ///
    /// Once: a second answer, or one after the deadline, is a 409 and changes
    /// nothing. What is stored of you is only that you answered.
    #[oai(
        path = "/feedback-rounds/:id/answers",
        method = "post",
        operation_id = "answer_feedback_round"
    )]
    async fn answer(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<crate::http::common::Id>,
        body: Body<NewAnswer>,
    ) -> ApiResult<Made<AnswerTaken>> {
        let b = body.0;
        let answered =
            answers::answer_signed_in(&state, &auth.0.actor, &id, input(b.ratings, b.comment))
                .await?;
        Ok(AnswerTaken::made(answered))
    }

    /// Answer a feedback round by a personal link
    ///
    /// For anyone invited, outside contacts included: no account, the link's token
    /// instead. A link works once.
    #[oai(
        path = "/feedback/answers",
        method = "post",
        operation_id = "answer_feedback_by_link"
    )]
    async fn answer_by_link(
        &self,
        state: Data<&AppState>,
        body: Body<NewLinkAnswer>,
    ) -> ApiResult<Made<AnswerTaken>> {
        let b = body.0;
        let answered =
            answers::answer_by_link(&state, &b.token, input(b.ratings, b.comment)).await?;
        Ok(AnswerTaken::made(answered))
    }
}
