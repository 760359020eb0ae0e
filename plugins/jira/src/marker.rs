//! Reading a test's `jira` markers the way pytest-jira does: the keys of
//! every active marker add up, `run` comes from the nearest one.

use crate::settings::Settings;
use mtv_plugin_sdk::gate::{Marker, TestItem};

/// The marker name this gate reads.
const JIRA: &str = "jira";

/// What a test's jira markers ask for.
#[derive(Debug, PartialEq, Eq)]
pub struct Gating {
    /// Issue keys in marker order, without duplicates.
    pub keys: Vec<String>,
    /// Run the test while an issue is unresolved (as an expected failure).
    pub run: bool,
}

/// The gating of one test, `None` when no active jira marker applies.
/// A marker without keys, a key the issue pattern rejects or a kwarg that
/// is not a boolean is a configuration error naming the test.
pub fn gating(test: &TestItem, settings: &Settings) -> Result<Option<Gating>, String> {
    let fail = |why: String| format!("test '{}': {why}", test.name);
    let mut keys: Vec<String> = Vec::new();
    let mut active = false;
    let mut run = settings.run_test_case;
    for marker in test.markers.iter().filter(|m| m.name == JIRA) {
        if let Some((name, _)) = marker.kwargs.iter().find(|(name, _)| name != "run" && name != "skipif") {
            return Err(fail(format!("jira marker has an unknown argument `{name}` (expected `run` or `skipif`)")));
        }
        // pytest-jira takes `run` from the nearest (last) marker, even one
        // that `skipif = false` leaves out; an absent `run` there means the
        // global default, whatever earlier markers said.
        run = flag(marker, "run").map_err(fail)?.unwrap_or(settings.run_test_case);
        if !flag(marker, "skipif").map_err(fail)?.unwrap_or(true) {
            continue;
        }
        active = true;
        if marker.args.iter().all(|key| key.trim().is_empty()) {
            return Err(fail("a jira marker needs at least one issue key, e.g. jira(\"MTV-123\")".into()));
        }
        for key in marker.args.iter().map(|key| key.trim()).filter(|key| !key.is_empty()) {
            if !settings.issue_regex.is_match(key) {
                return Err(fail(format!(
                    "jira key '{key}' does not match the issue pattern `{}` (setting `issue_regex`)",
                    settings.issue_pattern
                )));
            }
            if !keys.iter().any(|known| known == key) {
                keys.push(key.to_string());
            }
        }
    }
    Ok(active.then_some(Gating { keys, run }))
}

fn flag(marker: &Marker, name: &str) -> Result<Option<bool>, String> {
    match marker.kwarg(name) {
        None => Ok(None),
        Some(value) if value.eq_ignore_ascii_case("true") => Ok(Some(true)),
        Some(value) if value.eq_ignore_ascii_case("false") => Ok(Some(false)),
        Some(value) => Err(format!("jira marker `{name}` must be true or false, not '{value}'")),
    }
}
