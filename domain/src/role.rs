//! The organisation-wide roles a person can hold.

use std::fmt;
use std::str::FromStr;

use crate::validation::FieldError;

/// A person's role in the organisation; decides what they may do (see
/// [`crate::permission`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    Admin,
    Coordinator,
    DepartmentHead,
    Member,
    Executive,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Role::Admin,
        Role::Coordinator,
        Role::DepartmentHead,
        Role::Member,
        Role::Executive,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Coordinator => "coordinator",
            Role::DepartmentHead => "department_head",
            Role::Member => "member",
            Role::Executive => "executive",
        }
    }
}

impl crate::validation::Named for Role {
    const ALL: &'static [Role] = &Role::ALL;

    fn name(self) -> &'static str {
        self.as_str()
    }

    fn from_name(s: &str) -> Result<Self, FieldError> {
        s.parse()
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = FieldError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| {
                FieldError::new(
                    "role",
                    format!(
                        "unknown role `{s}`; expected one of admin, coordinator, department_head, member, executive"
                    ),
                )
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_role_round_trips_through_its_name() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>(), Ok(role));
        }
    }

    #[test]
    fn an_unknown_role_names_the_field() {
        let err = "owner".parse::<Role>().unwrap_err();
        assert_eq!(err.field, "role");
    }
}
