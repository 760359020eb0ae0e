//! Object metadata rules: names, labels, uids, generated names.

use serde_json::Value;

pub(crate) use forklift_crds::validate_name;
use forklift_crds::{FieldError, FieldErrorKind, is_dns_subdomain, is_label_alnum};

/// Validates `metadata.labels`: qualified-name keys and values of at most 63
/// characters made of alphanumerics, '-', '_' and '.'.
pub(crate) fn validate_labels(labels: Option<&Value>) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let Some(labels) = labels else { return errors };
    let Some(map) = labels.as_object() else {
        errors.push(FieldError::new("metadata.labels", FieldErrorKind::TypeInvalid, "Invalid value: must be a map of strings"));
        return errors;
    };
    let label_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.');
    let label_ok = |s: &str| {
        s.len() <= 63
            && s.chars().all(label_char)
            && s.starts_with(|c: char| c.is_ascii_alphanumeric())
            && s.ends_with(|c: char| c.is_ascii_alphanumeric())
    };
    for (key, value) in map {
        let field = format!("metadata.labels[{key}]");
        let (prefix, name) = match key.split_once('/') {
            Some((prefix, name)) => (Some(prefix), name),
            None => (None, key.as_str()),
        };
        if name.is_empty() || !label_ok(name) || prefix.is_some_and(|p| !is_dns_subdomain(p)) {
            errors.push(FieldError::new("metadata.labels", FieldErrorKind::Invalid, format!(
                "Invalid value: {key:?}: name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character, at most 63 characters, with an optional DNS subdomain prefix and '/'"
            )));
        }
        match value.as_str() {
            Some(v) if v.is_empty() || label_ok(v) => {}
            Some(v) => errors.push(FieldError::new(&field, FieldErrorKind::Invalid, format!(
                "Invalid value: {v:?}: a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character, at most 63 characters"
            ))),
            None => errors.push(FieldError::new(&field, FieldErrorKind::TypeInvalid, "Invalid value: label values must be strings")),
        }
    }
    errors
}

/// A name from `generateName`: the prefix (cut to 58 characters) and five random
/// characters from the API server's alphabet.
pub(crate) fn generate_name(prefix: &str) -> String {
    const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    let base: String = prefix.chars().take(58).collect();
    let suffix: String = (0..5).map(|_| ALPHABET[fastrand::usize(..ALPHABET.len())] as char).collect();
    format!("{base}{suffix}")
}

/// A random (version 4) UUID.
pub(crate) fn new_uid() -> String {
    let bits = (fastrand::u128(..) & !(0xf000u128 << 64) | (0x4000u128 << 64)) & !(0xc000u128 << 48) | (0x8000u128 << 48);
    let hex = format!("{bits:032x}");
    format!("{}-{}-{}-{}-{}", &hex[0..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..32])
}

/// Turns any VM name into a valid RFC 1123 label, the way Forklift renames VMs whose
/// source names Kubernetes would refuse: lowercase, other characters become '-',
/// trimmed to 63.
pub(crate) fn dns1123_label(name: &str) -> String {
    let mapped: String = name
        .chars()
        .map(|c| {
            let c = c.to_ascii_lowercase();
            if is_label_alnum(c) { c } else { '-' }
        })
        .collect();
    let mut collapsed = String::with_capacity(mapped.len());
    for c in mapped.chars() {
        if !(c == '-' && collapsed.ends_with('-')) {
            collapsed.push(c);
        }
    }
    let trimmed: String = collapsed.trim_matches('-').chars().take(63).collect();
    let trimmed = trimmed.trim_end_matches('-').to_string();
    if trimmed.is_empty() { "vm".to_string() } else { trimmed }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uid_is_a_v4_uuid() {
        let uid = new_uid();
        assert_eq!(uid.len(), 36);
        assert_eq!(&uid[14..15], "4");
        assert!(matches!(&uid[19..20], "8" | "9" | "a" | "b"), "{uid}");
        assert_ne!(uid, new_uid());
    }

    #[test]
    fn vm_names_become_labels() {
        assert_eq!(dns1123_label("MTV_RHEL8 (copy)"), "mtv-rhel8-copy");
        assert_eq!(dns1123_label("___"), "vm");
        assert!(validate_name(&dns1123_label(&"X".repeat(100)), true).is_empty());
        assert!(generate_name("plan-").starts_with("plan-"));
        assert_eq!(generate_name("p-").len(), 7);
    }

    #[test]
    fn labels() {
        let ok = serde_json::json!({"app": "x", "example.com/role": "a.b_c-1", "empty": ""});
        assert!(validate_labels(Some(&ok)).is_empty());
        let bad = serde_json::json!({"app": "-x", "bad key!": "v", "long": "a".repeat(64)});
        assert_eq!(validate_labels(Some(&bad)).len(), 3);
    }
}
