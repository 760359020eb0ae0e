//! Object name rules (RFC 1123 labels and subdomains), with the API server's messages.

use crate::{FieldError, FieldErrorKind};

const SUBDOMAIN_REGEX: &str = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*";
const LABEL_REGEX: &str = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";

/// A character that may start or end an RFC 1123 label: lowercase ASCII or a digit.
pub fn is_label_alnum(c: char) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit()
}

/// Whether `name` is an RFC 1123 subdomain (dot-separated labels, at most 253 characters).
pub fn is_dns_subdomain(name: &str) -> bool {
    name.len() <= 253
        && name.split('.').all(|part| {
            !part.is_empty()
                && part.chars().all(|c| is_label_alnum(c) || c == '-')
                && part.starts_with(is_label_alnum)
                && part.ends_with(is_label_alnum)
        })
}

/// Validates `metadata.name`: an RFC 1123 label (≤63) for namespaces, otherwise an
/// RFC 1123 subdomain (≤253), with the API server's messages.
pub fn validate_name(name: &str, label_only: bool) -> Vec<FieldError> {
    let field = "metadata.name";
    let mut errors = Vec::new();
    if label_only {
        if name.len() > 63 {
            errors.push(FieldError::new(
                field,
                FieldErrorKind::Invalid,
                format!("Invalid value: {name:?}: must be no more than 63 characters"),
            ));
        }
        if !name.chars().all(|c| is_label_alnum(c) || c == '-') || !name.starts_with(is_label_alnum) || !name.ends_with(is_label_alnum) {
            errors.push(FieldError::new(field, FieldErrorKind::Invalid, format!(
                "Invalid value: {name:?}: a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '{LABEL_REGEX}')"
            )));
        }
    } else {
        if name.len() > 253 {
            errors.push(FieldError::new(
                field,
                FieldErrorKind::Invalid,
                format!("Invalid value: {name:?}: must be no more than 253 characters"),
            ));
        }
        if !is_dns_subdomain(&name[..name.floor_char_boundary(253)]) {
            errors.push(FieldError::new(field, FieldErrorKind::Invalid, format!(
                "Invalid value: {name:?}: a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '{SUBDOMAIN_REGEX}')"
            )));
        }
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert!(validate_name("plan-1.example", false).is_empty());
        assert!(!validate_name("Plan_1", false).is_empty());
        assert!(!validate_name("-a", false).is_empty());
        assert!(!validate_name(&"a".repeat(254), false).is_empty());
        assert!(validate_name(&"a".repeat(63), true).is_empty());
        assert!(!validate_name(&"a".repeat(64), true).is_empty());
        assert!(!validate_name("a.b", true).is_empty());
    }

    #[test]
    fn a_long_name_of_multibyte_characters_is_refused_not_a_panic() {
        let errors = validate_name(&"é".repeat(200), false);
        assert_eq!(errors.len(), 2, "{errors:?}");
    }
}
