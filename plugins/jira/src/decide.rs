//! One verdict per gated test, with report properties, and the run-summary
//! warnings for degraded service.

use crate::fetch::Lookup;
use crate::marker::Gating;
use crate::resolve::{Assessment, FORCED, NOT_CHECKED, State, assess};
use crate::settings::{ErrorStrategy, MarkerStrategy, Settings};
use mtv_plugin_sdk::gate::{Decision, TestItem, Verdict};
use std::collections::BTreeMap;

/// Where key states come from.
pub enum Source<'a> {
    /// What JIRA answered, per key.
    Jira(&'a BTreeMap<String, Lookup>),
    /// A dry run asks nothing: every test runs, its keys are listed.
    DryRun,
}

pub struct Decided {
    pub verdicts: Vec<Verdict>,
    pub warnings: Vec<String>,
}

/// Decide every gated test. `Err` stops the run (strict strategies).
pub fn decide(gated: &[(&TestItem, Gating)], source: &Source, settings: &Settings) -> Result<Decided, String> {
    let mut assessed: BTreeMap<&str, Assessment> = BTreeMap::new();
    let mut warnings = Vec::new();
    // Tests that depended on an unavailable JIRA, per reason.
    let mut degraded: BTreeMap<&str, usize> = BTreeMap::new();
    let mut verdicts = Vec::with_capacity(gated.len());
    for (test, gating) in gated {
        let mut properties = Vec::with_capacity(gating.keys.len() * 2);
        let mut unresolved = Vec::new();
        let mut unavailable = None;
        for key in &gating.keys {
            let assessment = match assessed.get(key.as_str()) {
                Some(known) => known,
                None => {
                    let fresh = first_assessment(key, source, settings, &mut warnings).map_err(|e| format!("test '{}': {e}", test.name))?;
                    assessed.entry(key).or_insert(fresh)
                }
            };
            let decided = match &assessment.state {
                State::Resolved => "run",
                State::Unresolved => {
                    unresolved.push(settings.browse_link(key));
                    if gating.run { "xfail" } else { "skip" }
                }
                State::Unavailable(why) => {
                    unavailable.get_or_insert_with(|| why.clone());
                    "skip"
                }
            };
            properties.push(("jira".to_string(), format!("{key}:{}:{decided}", assessment.status)));
            properties.push(("jira_url".to_string(), settings.browse_link(key)));
        }
        if let Source::Jira(lookups) = source
            && let Some(why) = gating.keys.iter().find_map(|key| match lookups.get(key) {
                Some(Lookup::Unavailable(why)) => Some(why.as_str()),
                _ => None,
            })
        {
            *degraded.entry(why).or_default() += 1;
        }
        let decision = if let Some(why) = unavailable {
            Decision::Skip(format!("JIRA unavailable: {why}"))
        } else if unresolved.is_empty() {
            Decision::Run
        } else if gating.run {
            Decision::Xfail(unresolved.join(", "))
        } else {
            Decision::Skip(unresolved.join(", "))
        };
        verdicts.push(Verdict { id: test.id.clone(), decision, properties });
    }
    for (why, tests) in degraded {
        let plural = if tests == 1 { "test" } else { "tests" };
        warnings.push(match settings.error_strategy {
            ErrorStrategy::Ignore => {
                format!("JIRA unavailable: {why}; its issues counted as resolved for {tests} {plural} (error_strategy = ignore)")
            }
            _ => format!("JIRA unavailable: {why}; skipped {tests} {plural} that depend on it (error_strategy = skip)"),
        });
    }
    Ok(Decided { verdicts, warnings })
}

fn first_assessment(key: &str, source: &Source, settings: &Settings, warnings: &mut Vec<String>) -> Result<Assessment, String> {
    if settings.force_run.contains(key) {
        return Ok(Assessment { status: FORCED.to_string(), state: State::Resolved });
    }
    let Source::Jira(lookups) = source else {
        return Ok(Assessment { status: NOT_CHECKED.to_string(), state: State::Resolved });
    };
    let lookup = lookups.get(key).cloned().unwrap_or(Lookup::NotFound);
    if lookup == Lookup::NotFound && settings.marker_strategy == MarkerStrategy::Warn {
        warnings.push(format!("JIRA issue {key} does not exist or is not visible to this account; its tests run (marker_strategy = warn)"));
    }
    assess(key, &lookup, settings)
}
