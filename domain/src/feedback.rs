//! Feedback rounds (issue 16), the rules only: the people of a relationship's customer
//! department — and, when asked, outside contacts and the provider itself — rate its
//! key points; at close the answers become each key point's measurement for the period.
//!
//! Facts in, decisions out: who may still answer, whether an answer is well formed on
//! the program's scale, when a round closes, what its results show (nothing from fewer
//! than the program's minimum of respondents: answers stay anonymous to the provider),
//! the measurements a closed round yields, and response rates. Storage, invitations and
//! pages are the use cases' and the fronts'.

use std::collections::BTreeMap;
use std::str::FromStr;

use chrono::{DateTime, Utc};

use crate::limits;
use crate::program::{SurveyScale, named_enum};
use crate::validation::{FieldError, Invalid};
use crate::values::optional_text;

/// Results are shown, and measurements made, only from this many respondents on by
/// default (a program may raise it).
pub const MIN_RESPONDENTS_DEFAULT: u32 = 3;

/// The most a program may ask for before results show.
pub const MIN_RESPONDENTS_MAX: i32 = 50;

/// A program's minimum of respondents, checked: 1 to [`MIN_RESPONDENTS_MAX`].
pub fn min_respondents(value: i32) -> Result<u32, FieldError> {
    if (1..=MIN_RESPONDENTS_MAX).contains(&value) {
        Ok(value as u32)
    } else {
        Err(FieldError::new(
            "min_respondents",
            format!("must be 1 to {MIN_RESPONDENTS_MAX}"),
        ))
    }
}

named_enum!(
    /// Where a round stands.
    RoundStatus, "status" { Open => "open", Closed => "closed" }
);

named_enum!(
    /// Who answered: the customer department's people, outside contacts (by a personal
    /// one-time link), or the provider rating itself (the blind spot). Kept apart in
    /// every result.
    Respondent, "respondent" {
        Internal => "internal",
        External => "external",
        Provider => "provider",
    }
);

/// Why an answer is refused.
#[derive(Debug, Clone, PartialEq)]
pub enum AnswerRefusal {
    /// The round is closed (its deadline passed, or everyone answered).
    Closed,
    /// This invitation was already answered (or its link used).
    AlreadyAnswered,
    /// The answer itself is not well formed: each problem names its field.
    Invalid(Invalid),
}

/// One key point's rating as sent: importance 1–5, expectation and experience on the
/// program's scale. A point may be left out ("I cannot say").
#[derive(Debug, Clone, PartialEq)]
pub struct RatingInput {
    pub key_point_id: String,
    pub importance: i32,
    pub expectation: f64,
    pub experience: f64,
}

/// A checked rating.
#[derive(Debug, Clone, PartialEq)]
pub struct Rating {
    pub key_point_id: String,
    pub importance: i32,
    pub expectation: f64,
    pub experience: f64,
}

/// A checked answer: its ratings and its comment (stored without a name).
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    pub ratings: Vec<Rating>,
    pub comment: Option<String>,
}

/// Whether an invitation may still answer: the round open, its deadline not passed,
/// the invitation not yet used.
pub fn may_answer(
    status: RoundStatus,
    deadline: DateTime<Utc>,
    now: DateTime<Utc>,
    answered: bool,
) -> Result<(), AnswerRefusal> {
    if status == RoundStatus::Closed || now >= deadline {
        return Err(AnswerRefusal::Closed);
    }
    if answered {
        return Err(AnswerRefusal::AlreadyAnswered);
    }
    Ok(())
}

/// Checks an answer against the round's key points and the program's scale, every
/// problem at once, each named by its field (`ratings[2].experience`).
pub fn check_answer(
    scale: SurveyScale,
    key_points: &[&str],
    ratings: &[RatingInput],
    comment: Option<&str>,
) -> Result<Answer, Invalid> {
    let mut invalid = Invalid::default();
    let mut seen: Vec<&str> = Vec::new();
    let mut checked = Vec::new();
    for (i, r) in ratings.iter().enumerate() {
        let at = |field: &str| format!("ratings[{i}].{field}");
        let mut ok = true;
        if !key_points.contains(&r.key_point_id.as_str()) {
            invalid.push(FieldError::new(
                at("key_point_id"),
                "is not a key point of this round",
            ));
            ok = false;
        } else if seen.contains(&r.key_point_id.as_str()) {
            invalid.push(FieldError::new(at("key_point_id"), "is rated twice"));
            ok = false;
        }
        seen.push(&r.key_point_id);
        if !(1..=5).contains(&r.importance) {
            invalid.push(FieldError::new(at("importance"), "must be 1 to 5"));
            ok = false;
        }
        for (field, score) in [("expectation", r.expectation), ("experience", r.experience)] {
            if !scale.contains(score) {
                invalid.push(FieldError::new(
                    at(field),
                    format!("must be between {} and {}", scale.min(), scale.max()),
                ));
                ok = false;
            }
        }
        if ok {
            checked.push(Rating {
                key_point_id: r.key_point_id.clone(),
                importance: r.importance,
                expectation: r.expectation,
                experience: r.experience,
            });
        }
    }
    let comment = invalid
        .check(optional_text("comment", comment, limits::TEXT))
        .flatten();
    if ratings.is_empty() && comment.is_none() {
        invalid.push(FieldError::new(
            "ratings",
            "rate at least one key point, or leave a comment",
        ));
    }
    if invalid.is_empty() {
        Ok(Answer {
            ratings: checked,
            comment,
        })
    } else {
        Err(invalid)
    }
}

/// Whether an open round closes now: its deadline has come, or every invitation is
/// answered.
pub fn closes(
    status: RoundStatus,
    deadline: DateTime<Utc>,
    now: DateTime<Utc>,
    invited: u32,
    answered: u32,
) -> bool {
    status == RoundStatus::Open && (now >= deadline || (invited > 0 && answered >= invited))
}

/// One key point's result for one kind of respondent. The means are `None` while fewer
/// than the minimum have rated it: the provider sees that people answered, not what.
#[derive(Debug, Clone, PartialEq)]
pub struct PointResult {
    pub key_point_id: String,
    pub respondent: Respondent,
    pub respondents: u32,
    pub importance: Option<f64>,
    pub expectation: Option<f64>,
    pub experience: Option<f64>,
}

/// One key point's ratings by one kind of respondent, summed: what results and
/// measurements are computed from (the database can sum them without sending each
/// rating).
#[derive(Debug, Clone, PartialEq)]
pub struct Sums {
    pub key_point_id: String,
    pub respondent: Respondent,
    /// How many rated it.
    pub count: u32,
    pub importance: f64,
    pub expectation: f64,
    pub experience: f64,
}

/// The ratings summed per key point and kind of respondent.
pub fn sums(ratings: &[(Respondent, Rating)]) -> Vec<Sums> {
    let mut by: BTreeMap<(&str, usize), Sums> = BTreeMap::new();
    for (who, r) in ratings {
        let order = Respondent::ALL.iter().position(|w| w == who).unwrap_or(0);
        let e = by
            .entry((r.key_point_id.as_str(), order))
            .or_insert_with(|| Sums {
                key_point_id: r.key_point_id.clone(),
                respondent: *who,
                count: 0,
                importance: 0.0,
                expectation: 0.0,
                experience: 0.0,
            });
        e.count += 1;
        e.importance += f64::from(r.importance);
        e.expectation += r.expectation;
        e.experience += r.experience;
    }
    by.into_values().collect()
}

/// The results of a round: per key point and kind of respondent, in key point order,
/// internal before external before provider.
pub fn results(ratings: &[(Respondent, Rating)], min_respondents: u32) -> Vec<PointResult> {
    results_of(&sums(ratings), min_respondents)
}

/// [`results`] from the ratings' sums.
pub fn results_of(sums: &[Sums], min_respondents: u32) -> Vec<PointResult> {
    let mut out: Vec<PointResult> = sums
        .iter()
        .filter(|s| s.count > 0)
        .map(|s| {
            let shown = s.count >= min_respondents.max(1);
            let mean = |sum: f64| shown.then(|| sum / f64::from(s.count));
            PointResult {
                key_point_id: s.key_point_id.clone(),
                respondent: s.respondent,
                respondents: s.count,
                importance: mean(s.importance),
                expectation: mean(s.expectation),
                experience: mean(s.experience),
            }
        })
        .collect();
    let order = |r: &PointResult| Respondent::ALL.iter().position(|w| *w == r.respondent);
    out.sort_by(|a, b| {
        a.key_point_id
            .cmp(&b.key_point_id)
            .then(order(a).cmp(&order(b)))
    });
    out
}

/// A measurement a closed round makes for one key point and one kind of customer.
#[derive(Debug, Clone, PartialEq)]
pub struct RoundMeasurement {
    pub key_point_id: String,
    /// Internal or external: kept apart.
    pub respondent: Respondent,
    pub expectation: f64,
    pub experience: f64,
    /// The mean importance, rounded to the 1–5 the measurement stores.
    pub importance: i32,
    /// How many rated the point.
    pub sample_size: u32,
    /// The provider's own rating of its customers' experience, when it gave one from
    /// enough of its people: the blind spot.
    pub provider_rating: Option<f64>,
}

/// The measurements of a closed round: one per key point and kind of customer that
/// reached the minimum of respondents (a measurement from fewer would show a person's
/// answer in the gap report); the provider's own rating joins each as `provider_rating`.
pub fn measurements(
    ratings: &[(Respondent, Rating)],
    min_respondents: u32,
) -> Vec<RoundMeasurement> {
    measurements_of(&sums(ratings), min_respondents)
}

/// [`measurements`] from the ratings' sums.
pub fn measurements_of(sums: &[Sums], min_respondents: u32) -> Vec<RoundMeasurement> {
    let all = results_of(sums, min_respondents);
    let provider: BTreeMap<&str, f64> = all
        .iter()
        .filter(|r| r.respondent == Respondent::Provider)
        .filter_map(|r| Some((r.key_point_id.as_str(), r.experience?)))
        .collect();
    all.iter()
        .filter(|r| r.respondent != Respondent::Provider)
        .filter_map(|r| {
            Some(RoundMeasurement {
                key_point_id: r.key_point_id.clone(),
                respondent: r.respondent,
                expectation: r.expectation?,
                experience: r.experience?,
                importance: r.importance?.round().clamp(1.0, 5.0) as i32,
                sample_size: r.respondents,
                provider_rating: provider.get(r.key_point_id.as_str()).copied(),
            })
        })
        .collect()
}

/// A response rate: invitations sent and answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ResponseRate {
    pub invited: u32,
    pub answered: u32,
}

impl ResponseRate {
    /// Answered per invited, 0–1; none when nobody was invited.
    pub fn rate(self) -> Option<f64> {
        (self.invited > 0).then(|| f64::from(self.answered) / f64::from(self.invited))
    }
}

/// Response rates by department (`None`: outside contacts), from each invitation's
/// department and whether it was answered.
pub fn response_rates<'a>(
    invitations: impl IntoIterator<Item = (Option<&'a str>, bool)>,
) -> BTreeMap<Option<&'a str>, ResponseRate> {
    let mut rates: BTreeMap<Option<&str>, ResponseRate> = BTreeMap::new();
    for (department, answered) in invitations {
        let r = rates.entry(department).or_default();
        r.invited += 1;
        r.answered += u32::from(answered);
    }
    rates
}

#[cfg(test)]
mod tests {
    use chrono::Duration;
    use proptest::prelude::*;

    use super::*;

    fn rating(point: &str, importance: i32, expectation: f64, experience: f64) -> Rating {
        Rating {
            key_point_id: point.into(),
            importance,
            expectation,
            experience,
        }
    }

    fn input(point: &str, importance: i32, expectation: f64, experience: f64) -> RatingInput {
        RatingInput {
            key_point_id: point.into(),
            importance,
            expectation,
            experience,
        }
    }

    #[test]
    fn an_answer_is_refused_after_the_deadline_and_the_second_time() {
        let now = Utc::now();
        let later = now + Duration::days(3);
        assert_eq!(may_answer(RoundStatus::Open, later, now, false), Ok(()));
        assert_eq!(
            may_answer(RoundStatus::Open, now, now, false),
            Err(AnswerRefusal::Closed)
        );
        assert_eq!(
            may_answer(RoundStatus::Closed, later, now, false),
            Err(AnswerRefusal::Closed)
        );
        assert_eq!(
            may_answer(RoundStatus::Open, later, now, true),
            Err(AnswerRefusal::AlreadyAnswered)
        );
    }

    #[test]
    fn every_mistake_in_an_answer_is_named_at_once() {
        let points = ["kp1", "kp2"];
        let bad = check_answer(
            SurveyScale::default(),
            &points,
            &[
                input("kp1", 6, 11.0, 5.0),
                input("kp1", 3, 5.0, 5.0),
                input("other", 3, 5.0, 0.0),
            ],
            None,
        )
        .unwrap_err();
        let fields: Vec<&str> = bad.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "ratings[0].importance",
                "ratings[0].expectation",
                "ratings[1].key_point_id",
                "ratings[2].key_point_id",
                "ratings[2].experience",
            ]
        );
        let empty = check_answer(SurveyScale::default(), &points, &[], Some("  ")).unwrap_err();
        assert_eq!(empty.0[0].field, "ratings");
        let ok = check_answer(
            SurveyScale::default(),
            &points,
            &[input("kp2", 4, 9.0, 6.5)],
            Some(" Late twice this month "),
        )
        .unwrap();
        assert_eq!(ok.ratings.len(), 1);
        assert_eq!(ok.comment.as_deref(), Some("Late twice this month"));
    }

    #[test]
    fn results_from_sums_in_any_order_are_the_results_of_the_ratings() {
        let ratings = vec![
            (Respondent::Provider, rating("kp2", 5, 9.0, 9.0)),
            (Respondent::Internal, rating("kp2", 4, 8.0, 7.0)),
            (Respondent::Internal, rating("kp1", 3, 10.0, 5.0)),
            (Respondent::Internal, rating("kp2", 2, 6.0, 4.0)),
        ];
        let mut summed = sums(&ratings);
        summed.reverse();
        assert_eq!(results_of(&summed, 1), results(&ratings, 1));
        assert_eq!(measurements_of(&summed, 1), measurements(&ratings, 1));
        assert_eq!(measurements(&ratings, 1)[1].provider_rating, Some(9.0));
    }

    #[test]
    fn a_round_closes_at_its_deadline_or_when_everyone_answered() {
        let now = Utc::now();
        let later = now + Duration::days(1);
        assert!(!closes(RoundStatus::Open, later, now, 10, 9));
        assert!(closes(RoundStatus::Open, later, now, 10, 10));
        assert!(closes(RoundStatus::Open, now, now, 10, 0));
        assert!(!closes(RoundStatus::Closed, now, now, 10, 10));
        assert!(!closes(RoundStatus::Open, later, now, 0, 0));
    }

    #[test]
    fn results_hide_what_fewer_than_the_minimum_said() {
        let ratings = vec![
            (Respondent::Internal, rating("kp1", 5, 9.0, 6.0)),
            (Respondent::Internal, rating("kp1", 4, 8.0, 7.0)),
            (Respondent::Internal, rating("kp1", 3, 10.0, 5.0)),
            (Respondent::External, rating("kp1", 5, 9.0, 3.0)),
            (Respondent::Provider, rating("kp1", 5, 9.0, 9.0)),
        ];
        let r = results(&ratings, 3);
        assert_eq!(r.len(), 3);
        assert_eq!(r[0].respondent, Respondent::Internal);
        assert_eq!(r[0].expectation, Some(9.0));
        assert_eq!(r[0].experience, Some(6.0));
        assert_eq!(r[1].respondent, Respondent::External);
        assert_eq!((r[1].respondents, r[1].experience), (1, None));
        // One external answer makes no measurement; the provider's own single rating
        // does not show either.
        let m = measurements(&ratings, 3);
        assert_eq!(m.len(), 1);
        assert_eq!(
            (
                m[0].respondent,
                m[0].sample_size,
                m[0].importance,
                m[0].provider_rating
            ),
            (Respondent::Internal, 3, 4, None)
        );
        let m = measurements(&ratings, 1);
        assert_eq!(m.len(), 2);
        assert_eq!(m[0].provider_rating, Some(9.0), "the blind spot");
    }

    #[test]
    fn response_rates_count_by_department() {
        let rates = response_rates([
            (Some("qa"), true),
            (Some("qa"), false),
            (Some("ops"), false),
            (None, true),
        ]);
        assert_eq!(rates[&Some("qa")].rate(), Some(0.5));
        assert_eq!(rates[&Some("ops")].rate(), Some(0.0));
        assert_eq!(rates[&None].answered, 1);
        assert_eq!(ResponseRate::default().rate(), None);
    }

    proptest! {
        /// Whatever the answers: a measurement never comes from fewer than the minimum,
        /// its sample size is the number who rated the point, and its means stay on the
        /// scale.
        #[test]
        fn measurements_respect_the_minimum_and_the_scale(
            answers in prop::collection::vec(
                (0usize..3, 0usize..4, 1i32..=5, 1.0f64..=10.0, 1.0f64..=10.0),
                0..60,
            ),
            min in 1u32..6,
        ) {
            let ratings: Vec<(Respondent, Rating)> = answers
                .iter()
                .map(|(who, p, i, e, a)| (Respondent::ALL[*who], rating(&format!("kp{p}"), *i, *e, *a)))
                .collect();
            for m in measurements(&ratings, min) {
                let n = ratings
                    .iter()
                    .filter(|(w, r)| *w == m.respondent && r.key_point_id == m.key_point_id)
                    .count() as u32;
                prop_assert!(m.respondent != Respondent::Provider);
                prop_assert_eq!(m.sample_size, n);
                prop_assert!(n >= min);
                prop_assert!((1.0..=10.0).contains(&m.expectation));
                prop_assert!((1.0..=10.0).contains(&m.experience));
                prop_assert!((1..=5).contains(&m.importance));
            }
        }
    }
}
