//! A CX program: its status, its team roles, its survey scale and the thresholds
//! that turn a relative gap into a severity.

use std::str::FromStr;

use crate::validation::FieldError;

/// Declares an enum stored and sent by name, with `as_str`, `ALL` and a `FromStr`
/// whose error names the API field.
macro_rules! named_enum_impl {
    ($(#[$meta:meta])* $name:ident, $field:literal { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }

        impl crate::validation::Named for $name {
            const ALL: &'static [$name] = $name::ALL;

            fn name(self) -> &'static str {
                self.as_str()
            }

            fn from_name(s: &str) -> Result<Self, FieldError> {
                s.parse()
            }
        }

        impl FromStr for $name {
            type Err = FieldError;

            fn from_str(s: &str) -> Result<Self, FieldError> {
                match s {
                    $($text => Ok($name::$variant),)+
                    other => Err(FieldError::new(
                        $field,
                        format!("unknown value `{other}`; expected one of {}", [$($text),+].join(", ")),
                    )),
                }
            }
        }
    };
}

pub(crate) use named_enum_impl as named_enum;

named_enum_impl!(
    /// Where a program is in its life.
    ProgramStatus, "status" { Draft => "draft", Active => "active", Closed => "closed" }
);

named_enum_impl!(
    /// What a person does in a program's team.
    TeamRole, "team_role" {
        Sponsor => "sponsor",
        Coordinator => "coordinator",
        TouchpointOwner => "touchpoint_owner",
        Member => "member",
    }
);

/// The survey scale a program scores expectation and experience on (1–10 by default).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SurveyScale {
    min: i32,
    max: i32,
}

impl SurveyScale {
    /// The lowest a scale may start at.
    pub const LOWEST: i32 = 0;
    /// The highest a scale may end at.
    pub const HIGHEST: i32 = 100;

    pub fn new(min: i32, max: i32) -> Result<Self, FieldError> {
        if min < Self::LOWEST {
            return Err(FieldError::new(
                "scale_min",
                format!("must be {} or more", Self::LOWEST),
            ));
        }
        if max > Self::HIGHEST {
            return Err(FieldError::new(
                "scale_max",
                format!("must be at most {}", Self::HIGHEST),
            ));
        }
        if max - min < 2 {
            return Err(FieldError::new(
                "scale_max",
                "must be at least 2 above scale_min",
            ));
        }
        Ok(Self { min, max })
    }

    pub fn min(self) -> i32 {
        self.min
    }

    pub fn max(self) -> i32 {
        self.max
    }

    /// Whether `score` lies on the scale.
    pub fn contains(self, score: f64) -> bool {
        score.is_finite() && score >= f64::from(self.min) && score <= f64::from(self.max)
    }
}

impl Default for SurveyScale {
    fn default() -> Self {
        Self { min: 1, max: 10 }
    }
}

/// Upper bounds of the relative gap for the minor and major severities: met ≤ 0 <
/// minor ≤ `minor_max` < major ≤ `major_max` < critical. Defaults 10 % and 25 %.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SeverityThresholds {
    minor_max: f64,
    major_max: f64,
}

impl SeverityThresholds {
    /// Both bounds lie strictly between 0 and this (a gap ten times the target).
    pub const CEILING: f64 = 10.0;

    pub fn new(minor_max: f64, major_max: f64) -> Result<Self, FieldError> {
        if !(minor_max.is_finite() && minor_max > 0.0 && minor_max < Self::CEILING) {
            return Err(FieldError::new(
                "minor_max",
                "must be a fraction above 0 (0.10 is 10 %)",
            ));
        }
        if !(major_max.is_finite() && major_max > minor_max && major_max < Self::CEILING) {
            return Err(FieldError::new("major_max", "must be above minor_max"));
        }
        Ok(Self {
            minor_max,
            major_max,
        })
    }

    pub fn minor_max(self) -> f64 {
        self.minor_max
    }

    pub fn major_max(self) -> f64 {
        self.major_max
    }
}

impl Default for SeverityThresholds {
    fn default() -> Self {
        Self {
            minor_max: 0.10,
            major_max: 0.25,
        }
    }
}

/// What the coverage check counts, for the go-live rule.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CoverageCounts {
    /// Customer-facing stages (touchpoints) of the value stream, archived ones left out.
    pub touchpoints: usize,
    pub touchpoints_without_owner: usize,
    pub sub_processes_without_owner: usize,
    pub owners_without_person: usize,
    pub departments_without_relationship: usize,
}

impl CoverageCounts {
    /// Ready for go-live: a value stream with at least one touchpoint, and nothing in
    /// it without an owner. A program with no value stream is not ready: there is
    /// nothing to cover yet.
    pub fn ready(&self) -> bool {
        self.touchpoints > 0
            && self.touchpoints_without_owner == 0
            && self.sub_processes_without_owner == 0
            && self.owners_without_person == 0
            && self.departments_without_relationship == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_and_team_roles_round_trip() {
        for s in ProgramStatus::ALL {
            assert_eq!(s.as_str().parse::<ProgramStatus>(), Ok(*s));
        }
        for r in TeamRole::ALL {
            assert_eq!(r.as_str().parse::<TeamRole>(), Ok(*r));
        }
        assert_eq!("owner".parse::<TeamRole>().unwrap_err().field, "team_role");
    }

    #[test]
    fn the_default_scale_is_one_to_ten() {
        let scale = SurveyScale::default();
        assert!(scale.contains(1.0) && scale.contains(10.0) && scale.contains(7.5));
        assert!(!scale.contains(0.0) && !scale.contains(10.5) && !scale.contains(f64::NAN));
    }

    #[test]
    fn a_scale_needs_room() {
        assert!(SurveyScale::new(1, 2).is_err());
        assert!(SurveyScale::new(-1, 5).is_err());
        assert!(SurveyScale::new(0, 101).is_err());
        assert!(SurveyScale::new(1, 5).is_ok());
    }

    #[test]
    fn thresholds_must_rise() {
        assert_eq!(
            SeverityThresholds::default(),
            SeverityThresholds::new(0.10, 0.25).unwrap()
        );
        assert_eq!(
            SeverityThresholds::new(0.2, 0.1).unwrap_err().field,
            "major_max"
        );
        assert_eq!(
            SeverityThresholds::new(0.0, 0.1).unwrap_err().field,
            "minor_max"
        );
        assert!(SeverityThresholds::new(f64::NAN, 0.1).is_err());
    }
}

#[cfg(test)]
mod coverage_tests {
    use super::CoverageCounts;

    #[test]
    fn a_program_without_a_touchpoint_is_not_ready() {
        assert!(!CoverageCounts::default().ready());
        let covered = CoverageCounts {
            touchpoints: 2,
            ..CoverageCounts::default()
        };
        assert!(covered.ready());
        let gap = CoverageCounts {
            owners_without_person: 1,
            ..covered
        };
        assert!(!gap.ready());
    }
}
