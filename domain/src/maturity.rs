//! Program maturity (seeds 000/001): which business functions are engaged tells a
//! program where it stands and what the next phase needs.
//!
//! - Phase I: a single function (typically marketing) acts alone.
//! - Phase II: one line of business, marketing, customer service and IT together.
//! - Phase III: enterprise-wide, marketing, sales, service, IT and finance together.

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

const PHASE_II: [Function; 3] = [Function::Marketing, Function::Service, Function::It];
const PHASE_III: [Function; 5] = [
    Function::Marketing,
    Function::Sales,
    Function::Service,
    Function::It,
    Function::Finance,
];

/// The phase the engaged functions reach, and the functions the next phase still
/// needs (empty in phase III).
pub fn assess(engaged: &[Function]) -> (Phase, Vec<Function>) {
    let missing = |needed: &[Function]| -> Vec<Function> {
        needed
            .iter()
            .copied()
            .filter(|f| !engaged.contains(f))
            .collect()
    };
    let for_three = missing(&PHASE_III);
    if for_three.is_empty() {
        return (Phase::III, vec![]);
    }
    if missing(&PHASE_II).is_empty() {
        return (Phase::II, for_three);
    }
    (Phase::I, missing(&PHASE_II))
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
    fn marketing_alone_is_phase_one_and_needs_service_and_it() {
        assert_eq!(assess(&[Marketing]), (Phase::I, vec![Service, It]));
        assert_eq!(assess(&[]), (Phase::I, vec![Marketing, Service, It]));
    }

    #[test]
    fn marketing_service_and_it_make_phase_two() {
        assert_eq!(
            assess(&[Marketing, Service, It, Operations]),
            (Phase::II, vec![Sales, Finance])
        );
    }

    #[test]
    fn the_whole_enterprise_is_phase_three() {
        assert_eq!(
            assess(&[Finance, It, Service, Sales, Marketing]),
            (Phase::III, vec![])
        );
    }
}
