//! JIRA gate: pytest-jira's skip / xfail decisions for tests carrying
//! `jira` markers, without its failure modes. Issues are fetched through
//! the host (which holds the token) in batched JQL searches; an unreachable
//! JIRA skips only the tests that depend on it, by default.
//!
//! settings → marker (per test) → fetch (distinct keys) → resolve (per key)
//! → decide (per test).

mod decide;
mod fetch;
mod issue;
mod marker;
mod resolve;
mod settings;

use decide::Source;
use mtv_plugin_sdk::export_gate;
use mtv_plugin_sdk::gate::{GateOutcome, Guest, RunFacts, TestItem};
use mtv_plugin_sdk::log;
use settings::Settings;
use std::collections::BTreeSet;

struct JiraGate;

impl Guest for JiraGate {
    fn decide(facts: RunFacts, tests: Vec<TestItem>) -> Result<GateOutcome, String> {
        let (settings, mut warnings) = Settings::parse(&mtv_plugin_sdk::settings::entries())?;
        let mut gated = Vec::new();
        let mut problems = Vec::new();
        for test in &tests {
            match marker::gating(test, &settings) {
                Ok(Some(gating)) => gated.push((test, gating)),
                Ok(None) => {}
                Err(problem) => problems.push(problem),
            }
        }
        if !problems.is_empty() {
            return Err(problems.join("\n"));
        }
        let keys: BTreeSet<&String> = gated.iter().flat_map(|(_, g)| &g.keys).filter(|key| !settings.force_run.contains(*key)).collect();
        let decided = if facts.dry_run || keys.is_empty() {
            decide::decide(&gated, &Source::DryRun, &settings)?
        } else {
            let keys: Vec<String> = keys.into_iter().cloned().collect();
            let fetched = fetch::fetch(&settings, &keys)?;
            log::info(&format!("{} gated tests, {} issues, {} requests to JIRA", gated.len(), keys.len(), fetched.requests));
            decide::decide(&gated, &Source::Jira(&fetched.lookups), &settings)?
        };
        warnings.extend(decided.warnings);
        Ok(GateOutcome { verdicts: decided.verdicts, warnings })
    }
}

export_gate!(JiraGate);
