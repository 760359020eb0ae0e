//! One problem with one field, in the API server's words.

use std::fmt;

use serde::Serialize;

/// One problem with one field, as the API server reports it in `Status.details.causes`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// Path of the field, e.g. `spec.provider.source` or `spec.vms[0].hooks[1].step`.
    pub field: String,
    pub kind: FieldErrorKind,
    /// The message after the path, e.g. `Required value`.
    pub detail: String,
}

/// The kinds of field errors, named after the API server's `FieldValue*` reasons.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum FieldErrorKind {
    Required,
    NotSupported,
    Invalid,
    TypeInvalid,
    TooLong,
    /// A field the schema does not declare (the server prunes it, or rejects it with
    /// `fieldValidation=Strict`).
    Unknown,
}

impl FieldErrorKind {
    /// The `reason` string of a `Status` cause.
    pub fn reason(self) -> &'static str {
        match self {
            Self::Required => "FieldValueRequired",
            Self::NotSupported => "FieldValueNotSupported",
            Self::Invalid => "FieldValueInvalid",
            Self::TypeInvalid => "FieldValueTypeInvalid",
            Self::TooLong => "FieldValueTooLong",
            Self::Unknown => "FieldValueUnknown",
        }
    }
}

impl FieldError {
    pub fn new(field: &str, kind: FieldErrorKind, detail: impl Into<String>) -> Self {
        FieldError { field: field.to_string(), kind, detail: detail.into() }
    }

    /// The message without the field path.
    pub fn message(&self) -> &str {
        &self.detail
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.detail)
    }
}
