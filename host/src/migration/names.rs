//! Names of created objects: `auto-xxxx` namespaces and `<base>-xxxx`
//! resources, never longer than Kubernetes allows.

use std::collections::BTreeSet;
use std::sync::Mutex;

/// Kubernetes' limit for names that must be DNS labels.
const MAX_NAME: usize = 63;

/// Four random lowercase characters, as the original suite appends.
pub fn suffix() -> String {
    (0..4).map(|_| fastrand::lowercase()).collect()
}

/// A fresh namespace name for one test: `auto-` + 4 random characters,
/// never the same twice in one process (200 tests would otherwise collide
/// a few times in a hundred runs).
pub fn test_namespace() -> String {
    static ISSUED: Mutex<BTreeSet<String>> = Mutex::new(BTreeSet::new());
    let mut issued = ISSUED.lock().unwrap_or_else(|p| p.into_inner());
    loop {
        let name = format!("auto-{}", suffix());
        if issued.insert(name.clone()) {
            return name;
        }
    }
}

/// `<base>-<4 random>`; over 63 characters keeps the last 63 (the random
/// part stays, so names remain unique).
pub fn resource_name(base: &str) -> String {
    fit(&format!("{}-{}", dns_label(base), suffix()))
}

/// Lowercase letters, digits and `-`, starting and ending alphanumeric.
pub fn dns_label(text: &str) -> String {
    let mapped: String = text.to_ascii_lowercase().chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '-' }).collect();
    let trimmed = mapped.trim_matches('-');
    fit(if trimmed.is_empty() { "x" } else { trimmed })
}

fn fit(name: &str) -> String {
    let start = name.len().saturating_sub(MAX_NAME);
    name[start..].trim_start_matches('-').to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_dns_labels_of_at_most_63_characters() {
        let long = resource_name(&"Very_Long.Name".repeat(10));
        assert!(long.len() <= MAX_NAME, "{long}");
        assert!(!long.starts_with('-'));
        assert!(long.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'));
        assert_eq!(dns_label("mtv-rhel8_Sanity"), "mtv-rhel8-sanity");
        let ns = test_namespace();
        assert!(ns.starts_with("auto-") && ns.len() == 9);
    }
}
