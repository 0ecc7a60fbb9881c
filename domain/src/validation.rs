//! Validation failures that name the field they are about.

use std::fmt;

/// One rejected input field and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }

    /// The same error, reported under another field name (e.g. `parent_id` instead of
    /// the generic `id`, or `line 3: email`).
    pub fn at(mut self, field: impl Into<String>) -> Self {
        self.field = field.into();
        self
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

impl std::error::Error for FieldError {}

/// Every field error found in one input, so that a client can fix them all at once.
#[derive(Debug, Clone, Default, PartialEq, Eq, thiserror::Error)]
#[error("{} invalid field(s)", .0.len())]
pub struct Invalid(pub Vec<FieldError>);

impl Invalid {
    pub fn push(&mut self, err: FieldError) {
        self.0.push(err);
    }

    /// Collects the error of `result`, if any, and passes its value on.
    pub fn check<T>(&mut self, result: Result<T, FieldError>) -> Option<T> {
        match result {
            Ok(v) => Some(v),
            Err(e) => {
                self.push(e);
                None
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `Ok(())` when nothing was collected.
    pub fn into_result(self) -> Result<(), Invalid> {
        if self.0.is_empty() { Ok(()) } else { Err(self) }
    }
}

impl From<FieldError> for Invalid {
    fn from(err: FieldError) -> Self {
        Invalid(vec![err])
    }
}

/// An enum stored and sent by its name (`"in_progress"`): the one place a status's
/// text lives. The store reads and writes columns of these types through it.
pub trait Named: Copy + Send + Sync + 'static {
    /// Every value, in order.
    const ALL: &'static [Self];
    /// The stored and sent name.
    fn name(self) -> &'static str;
    /// The value a name stands for, or an error naming the API field.
    fn from_name(s: &str) -> Result<Self, FieldError>;
}
