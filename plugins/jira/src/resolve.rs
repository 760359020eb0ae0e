//! Whether an issue still gates its tests, by pytest-jira's rules, and
//! what a missing issue or an unreachable JIRA means under the configured
//! strategies.

use crate::fetch::Lookup;
use crate::issue::Issue;
use crate::settings::{ErrorStrategy, MarkerStrategy, Settings};

/// Where one key leaves the tests gated on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum State {
    Resolved,
    Unresolved,
    /// JIRA could not be asked and `error_strategy = skip`.
    Unavailable(String),
}

/// One key's state, with the status shown in the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assessment {
    pub status: String,
    pub state: State,
}

/// Report status of a key the run did not ask JIRA about.
pub const FORCED: &str = "force-run";
pub const NOT_CHECKED: &str = "not-checked";
const NOT_FOUND: &str = "not-found";
const UNAVAILABLE: &str = "unavailable";

/// Assess a looked-up key. `Err` stops the run: a missing issue under
/// `marker_strategy = strict`, or an unreachable JIRA under
/// `error_strategy = strict`.
pub fn assess(key: &str, lookup: &Lookup, settings: &Settings) -> Result<Assessment, String> {
    let (status, state) = match lookup {
        Lookup::Found(issue) => {
            let state = if is_resolved(issue, settings) { State::Resolved } else { State::Unresolved };
            (issue.status.clone(), state)
        }
        Lookup::NotFound => match settings.marker_strategy {
            MarkerStrategy::Open => (NOT_FOUND.to_string(), State::Unresolved),
            // pytest-jira warns and runs the test.
            MarkerStrategy::Warn | MarkerStrategy::Ignore => (NOT_FOUND.to_string(), State::Resolved),
            MarkerStrategy::Strict => {
                return Err(format!("JIRA issue {key} does not exist or is not visible to this account (marker_strategy = strict)"));
            }
        },
        Lookup::Unavailable(why) => match settings.error_strategy {
            ErrorStrategy::Skip => (UNAVAILABLE.to_string(), State::Unavailable(why.clone())),
            ErrorStrategy::Ignore => (UNAVAILABLE.to_string(), State::Resolved),
            ErrorStrategy::Strict => return Err(format!("JIRA unavailable: {why} (error_strategy = strict)")),
        },
    };
    Ok(Assessment { status, state })
}

/// pytest-jira's rule: an issue with a resolved status and (when
/// `resolved_resolutions` is set) an accepted resolution is resolved unless
/// the product version is still affected and not fixed; any other issue —
/// open, or closed without an accepted resolution — counts as resolved when
/// it affects neither the product version nor any configured component (an
/// issue listing no versions or no components affects all).
fn is_resolved(issue: &Issue, settings: &Settings) -> bool {
    let closed = settings.resolved_statuses.contains(&issue.status.to_lowercase());
    let accepted = settings.resolved_resolutions.is_empty()
        || issue.resolution.as_ref().is_some_and(|r| settings.resolved_resolutions.contains(&r.to_lowercase()));
    if closed && accepted {
        !settings.version.as_ref().is_some_and(|v| issue.versions.contains(v) && !issue.fix_versions.contains(v))
    } else {
        let affects_version = match &settings.version {
            Some(version) if !issue.versions.is_empty() => issue.versions.contains(version),
            _ => true,
        };
        let affects_component = settings.components.is_empty()
            || issue.components.is_empty()
            || issue.components.iter().any(|c| settings.components.contains(c));
        !(affects_version && affects_component)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(pairs: &[(&str, &str)]) -> Settings {
        let mut entries = vec![("url".to_string(), "https://j".to_string())];
        entries.extend(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        Settings::parse(&entries).map(|(s, _)| s).unwrap()
    }

    fn issue(status: &str) -> Issue {
        Issue { status: status.into(), resolution: None, components: vec![], versions: vec![], fix_versions: vec![] }
    }

    #[test]
    fn status_decides_by_default() {
        let s = settings(&[]);
        assert!(is_resolved(&issue("Closed"), &s));
        assert!(is_resolved(&issue("RESOLVED"), &s));
        assert!(!is_resolved(&issue("In Progress"), &s));
    }

    #[test]
    fn versions_follow_pytest_jira() {
        let s = settings(&[("version", "2.10")]);
        let closed = Issue { versions: vec!["2.10".into()], ..issue("Closed") };
        assert!(!is_resolved(&closed, &s), "affected, not fixed");
        assert!(is_resolved(&Issue { fix_versions: vec!["2.10".into()], ..closed }, &s));
        assert!(is_resolved(&Issue { versions: vec!["2.9".into()], ..issue("Open") }, &s), "open, other version");
        assert!(!is_resolved(&issue("Open"), &s), "open, no versions listed: affects all");
    }

    #[test]
    fn a_closed_issue_without_an_accepted_resolution_is_judged_like_an_open_one() {
        let s = settings(&[("resolved_resolutions", "done"), ("components", "storage")]);
        let wont_do = Issue { resolution: Some("Won't Do".into()), ..issue("Closed") };
        assert!(!is_resolved(&Issue { components: vec!["storage".into()], ..wont_do.clone() }, &s));
        assert!(is_resolved(&Issue { components: vec!["ui".into()], ..wont_do }, &s), "affects no configured component");
        assert!(is_resolved(&Issue { components: vec!["ui".into()], ..issue("Closed") }, &s), "no resolution at all");
    }

    #[test]
    fn components_only_matter_for_open_issues() {
        let s = settings(&[("components", "storage, network")]);
        assert!(is_resolved(&Issue { components: vec!["ui".into()], ..issue("Open") }, &s));
        assert!(!is_resolved(&Issue { components: vec!["network".into()], ..issue("Open") }, &s));
        assert!(!is_resolved(&issue("Open"), &s));
    }
}
