//! Program maturity (seeds 000/001): which business functions are engaged tells a
//! program where it stands and what the next phase needs.
//!
//! - Phase I: a single function (typically marketing) acts alone.
//! - Phase II: several functions integrated for one line of business (the seeds'
//!   example: marketing, customer service and IT together).
//! - Phase III: enterprise-wide, every high-level function together: marketing,
//!   sales, service, IT and finance.
//!
//! The phase is judged by what is engaged, never by which function came first: sales,
//! service, finance and operations engaged are several functions together (phase II),
//! never "one function alone".

use crate::program::named_enum;
use crate::validation::FieldError;
use std::str::FromStr;

named_enum!(
    /// The business function a department serves, as the maturity model sees it.
    Function, "function" {
        Marketing => "marketing",
        Sales => "sales",
        Service => "service",
        It => "it",
        Finance => "finance",
        Operations => "operations",
        Other => "other",
    }
);

/// Where a program stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Phase {
    I,
    II,
    III,
}

impl Phase {
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::I => "I",
            Phase::II => "II",
            Phase::III => "III",
        }
    }
}

/// The high-level functions phase III engages, all of them.
pub const ENTERPRISE: [Function; 5] = [
    Function::Marketing,
    Function::Sales,
    Function::Service,
    Function::It,
    Function::Finance,
];

/// What the next phase needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NextPhase {
    /// Phase I to II: any one more function to act together with the one engaged
    /// (or, with none engaged yet, two of them); these are the candidates.
    MoreFunctions { count: usize, any_of: Vec<Function> },
    /// Phase II to III: every one of these functions.
    AllOf(Vec<Function>),
    /// Phase III is the last.
    Nothing,
}

/// The phase the engaged functions reach, and what the next phase needs.
pub fn assess(engaged: &[Function]) -> (Phase, NextPhase) {
    let mut distinct: Vec<Function> = engaged
        .iter()
        .copied()
        .filter(|f| *f != Function::Other)
        .collect();
    distinct.sort_by_key(|f| f.as_str());
    distinct.dedup();
    let missing: Vec<Function> = ENTERPRISE
        .iter()
        .copied()
        .filter(|f| !distinct.contains(f))
        .collect();
    if missing.is_empty() {
        (Phase::III, NextPhase::Nothing)
    } else if distinct.len() >= 2 {
        (Phase::II, NextPhase::AllOf(missing))
    } else {
        (
            Phase::I,
            NextPhase::MoreFunctions {
                count: 2 - distinct.len(),
                any_of: missing,
            },
        )
    }
}

/// Parses an optional function name.
pub fn parse_function(s: &str) -> Result<Function, FieldError> {
    Function::from_str(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use Function::*;

    #[test]
    fn one_function_alone_is_phase_one_and_needs_one_more() {
        assert_eq!(
            assess(&[Marketing]),
            (
                Phase::I,
                NextPhase::MoreFunctions {
                    count: 1,
                    any_of: vec![Sales, Service, It, Finance]
                }
            )
        );
        assert_eq!(
            assess(&[]),
            (
                Phase::I,
                NextPhase::MoreFunctions {
                    count: 2,
                    any_of: vec![Marketing, Sales, Service, It, Finance]
                }
            )
        );
    }

    #[test]
    fn several_functions_together_are_phase_two_whichever_they_are() {
        assert_eq!(
            assess(&[Marketing, Service, It, Operations]),
            (Phase::II, NextPhase::AllOf(vec![Sales, Finance]))
        );
        // The first week: sales, service, finance and operations engaged.
        assert_eq!(
            assess(&[Sales, Service, Finance, Operations]),
            (Phase::II, NextPhase::AllOf(vec![Marketing, It]))
        );
    }

    #[test]
    fn the_whole_enterprise_is_phase_three() {
        assert_eq!(
            assess(&[Finance, It, Service, Sales, Marketing]),
            (Phase::III, NextPhase::Nothing)
        );
    }
}
