//! Columns that hold a domain enum by its name. A row is parsed once, here, when it is
//! read: a use case sees `ActionStatus`, never a string to parse (and a name the domain
//! does not know is a database error, not a value passed along).

use std::ops::Deref;

use cxpm_domain::Named;
use sea_orm::sea_query::{ArrayType, ColumnType, Nullable, StringLen, ValueType, ValueTypeErr};
use sea_orm::{ColIdx, DbErr, QueryResult, TryGetError, TryGetable, Value};
use serde::{Serialize, Serializer};

/// A domain enum in a text column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Stored<T>(pub T);

impl<T> Deref for Stored<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: Named> From<T> for Stored<T> {
    fn from(value: T) -> Self {
        Stored(value)
    }
}

impl<T: Named + PartialEq> PartialEq<T> for Stored<T> {
    fn eq(&self, other: &T) -> bool {
        self.0 == *other
    }
}

impl<T: Named> From<Stored<T>> for Value {
    fn from(value: Stored<T>) -> Self {
        Value::String(Some(value.0.name().to_owned()))
    }
}

impl<T: Named> TryGetable for Stored<T> {
    fn try_get_by<I: ColIdx>(res: &QueryResult, idx: I) -> Result<Self, TryGetError> {
        let name = String::try_get_by(res, idx)?;
        T::from_name(&name)
            .map(Stored)
            .map_err(|e| TryGetError::DbErr(DbErr::Type(e.to_string())))
    }
}

impl<T: Named> ValueType for Stored<T> {
    fn try_from(v: Value) -> Result<Self, ValueTypeErr> {
        let name = <String as ValueType>::try_from(v)?;
        T::from_name(&name).map(Stored).map_err(|_| ValueTypeErr)
    }

    fn type_name() -> String {
        std::any::type_name::<T>().to_owned()
    }

    fn array_type() -> ArrayType {
        ArrayType::String
    }

    fn column_type() -> ColumnType {
        ColumnType::String(StringLen::None)
    }
}

impl<T: Named> Nullable for Stored<T> {
    fn null() -> Value {
        Value::String(None)
    }
}

impl<T: Named> sea_orm::IntoActiveValue<Stored<T>> for Stored<T> {
    fn into_active_value(self) -> sea_orm::ActiveValue<Stored<T>> {
        sea_orm::ActiveValue::Set(self)
    }
}

/// Audit snapshots keep the name, as before.
impl<T: Named> Serialize for Stored<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.0.name())
    }
}

#[cfg(test)]
mod tests {
    use cxpm_domain::plan::ActionStatus;

    use super::*;

    #[test]
    fn every_name_goes_in_and_comes_back() {
        for &s in <ActionStatus as Named>::ALL {
            let v: Value = Stored(s).into();
            assert_eq!(
                <Stored<ActionStatus> as ValueType>::try_from(v).ok(),
                Some(Stored(s))
            );
        }
        assert!(<Stored<ActionStatus> as ValueType>::try_from(Value::from("later")).is_err());
    }
}
