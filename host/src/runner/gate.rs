//! Gating: the loaded gate plugins decide, once per run and for all tests
//! at once, which run, which are skipped and which are expected to fail.
//! Hooks run on a blocking thread; the async runtime never waits on wasm.

use std::collections::HashMap;
use std::sync::Arc;

use crate::plan::CollectedTest;
use crate::plugins::{Decision, LoadedPlugin, PluginRuntime, RunFacts, TestItem};

/// What the gates decided for one test.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum GateDecision {
    #[default]
    Run,
    Skip(String),
    XFail(String),
}

/// Decisions by test id, with the report properties that explain them.
#[derive(Debug, Default)]
pub struct Gating {
    pub decisions: HashMap<String, (GateDecision, Vec<(String, String)>)>,
    pub warnings: Vec<String>,
}

impl Gating {
    pub fn decision(&self, test: &str) -> (GateDecision, Vec<(String, String)>) {
        self.decisions.get(test).cloned().unwrap_or_default()
    }
}

/// Asks every gate plugin about `tests`. `Err` stops the run: a gate
/// refused (configuration error, or a strict error policy). A plugin that
/// crashes or times out gates nothing, and says so in the warnings.
pub async fn decide(
    runtime: Arc<PluginRuntime>,
    gates: Arc<Vec<LoadedPlugin>>,
    facts: RunFacts,
    tests: &[CollectedTest],
) -> Result<Gating, String> {
    let items: Vec<TestItem> = tests.iter().map(test_item).collect();
    let answers = tokio::task::spawn_blocking(move || {
        gates.iter().map(|gate| (gate.name.clone(), runtime.gate_decide(gate, &facts, &items))).collect::<Vec<_>>()
    })
    .await
    .map_err(|e| format!("gate plugins stopped unexpectedly: {e}"))?;
    let mut gating = Gating::default();
    for (plugin, answer) in answers {
        let outcome = match answer {
            Ok(Ok(outcome)) => outcome,
            Ok(Err(message)) => return Err(format!("gate plugin '{plugin}' stopped the run: {message}")),
            Err(hook_error) => {
                gating.warnings.push(format!("{hook_error}; its tests run ungated"));
                continue;
            }
        };
        gating.warnings.extend(outcome.warnings.into_iter().map(|w| format!("{plugin}: {w}")));
        for verdict in outcome.verdicts {
            let decision = match verdict.decision {
                Decision::Run => GateDecision::Run,
                Decision::Skip(reason) => GateDecision::Skip(reason),
                Decision::Xfail(reason) => GateDecision::XFail(reason),
            };
            let entry = gating.decisions.entry(verdict.id).or_default();
            entry.0 = stricter(std::mem::take(&mut entry.0), decision);
            entry.1.extend(verdict.properties);
        }
    }
    Ok(gating)
}

/// Skip over xfail over run: the most cautious gate wins.
fn stricter(a: GateDecision, b: GateDecision) -> GateDecision {
    let rank = |d: &GateDecision| match d {
        GateDecision::Run => 0,
        GateDecision::XFail(_) => 1,
        GateDecision::Skip(_) => 2,
    };
    if rank(&b) > rank(&a) { b } else { a }
}

fn test_item(test: &CollectedTest) -> TestItem {
    TestItem { id: test.id.clone(), name: test.name().to_owned(), markers: test.markers.clone() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_most_cautious_decision_wins() {
        let skip = GateDecision::Skip("s".into());
        let xfail = GateDecision::XFail("x".into());
        assert_eq!(stricter(GateDecision::Run, xfail.clone()), xfail);
        assert_eq!(stricter(skip.clone(), xfail.clone()), skip);
        assert_eq!(stricter(xfail.clone(), GateDecision::Run), xfail);
    }
}
