//! Markers: the registry a plan's markers are checked against, and the
//! marker shape handed to gate plugins.

use std::collections::BTreeMap;

/// A marker as the gate contract sees it: `jira("MTV-1", run=false)` is
/// name `jira`, args `["MTV-1"]`, kwargs `[("run", "false")]`. The plan
/// builds the contract's own type, so gates get it without a copy.
pub use crate::plugins::Marker;

/// A marker without arguments, as plain `markers = [...]` entries are.
pub fn plain_marker(name: &str) -> Marker {
    Marker { name: name.to_owned(), args: Vec::new(), kwargs: Vec::new() }
}

/// The marker every JIRA gate reads; set through a test's `jira` table only.
pub const JIRA_MARKER: &str = "jira";

/// Markers every plan may use without registering them.
pub const BUILTIN_MARKERS: [(&str, &str); 12] = [
    ("tier0", "core migrations that must pass on every run"),
    ("tier1", "broader coverage run after tier0"),
    ("warm", "warm migration (precopy, then cutover)"),
    ("cold", "cold migration (source VM powered off)"),
    ("remote", "migration to a remote cluster"),
    ("copyoffload", "copy-offload (XCOPY) on the storage array; vSphere only"),
    ("vsphere", "written for a vSphere source provider"),
    ("rhv", "written for an oVirt/RHV source provider"),
    ("openstack", "written for an OpenStack source provider"),
    ("ova", "written for an OVA source provider"),
    ("openshift", "written for an OpenShift source provider"),
    (JIRA_MARKER, "gated on JIRA issues (set with the test's `jira` table)"),
];

/// Registered marker names and what they mean.
#[derive(Debug, Clone, PartialEq)]
pub struct MarkerRegistry {
    descriptions: BTreeMap<String, String>,
}

impl MarkerRegistry {
    /// The built-in markers plus the plan's `[markers]` table; a plan entry
    /// replaces the built-in description of the same name.
    pub(crate) fn with_plan_markers(plan_markers: &BTreeMap<String, String>) -> Self {
        let mut descriptions: BTreeMap<String, String> =
            BUILTIN_MARKERS.iter().map(|(name, text)| ((*name).to_owned(), (*text).to_owned())).collect();
        descriptions.extend(plan_markers.iter().map(|(name, text)| (name.clone(), text.clone())));
        Self { descriptions }
    }

    pub fn contains(&self, name: &str) -> bool {
        self.descriptions.contains_key(name)
    }

    /// Registered markers sorted by name, for `--markers`-style listings.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.descriptions.iter().map(|(name, text)| (name.as_str(), text.as_str()))
    }
}

/// Marker names must be usable in `-m` expressions.
pub(crate) fn is_valid_marker_name(name: &str) -> bool {
    let mut chars = name.chars();
    let starts_well = chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    starts_well && chars.all(|c| c.is_ascii_alphanumeric() || c == '_') && !matches!(name, "and" | "or" | "not")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marker_names_must_work_in_expressions() {
        assert!(is_valid_marker_name("tier0"));
        assert!(is_valid_marker_name("_slow"));
        assert!(!is_valid_marker_name("0tier"));
        assert!(!is_valid_marker_name("a-b"));
        assert!(!is_valid_marker_name("not"));
        assert!(!is_valid_marker_name(""));
    }
}
