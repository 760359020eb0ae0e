//! Preparation: each selected test becomes a [`TestUnit`] — skipped (at
//! collection or by a gate), broken (a setup problem found before any
//! cluster call), or ready with every object it will create.

use std::collections::BTreeMap;

use super::gate::{GateDecision, Gating};
use super::unit::{Prepared, TestUnit};
use crate::copyoffload::CopyOffloadPlan;
use crate::migration::{Blueprint, RunInputs};
use crate::plan::{CollectStatus, CollectedTest};

/// Copy-offload plans by vendor product, or why a vendor cannot be used.
pub type CopyOffloadPlans = BTreeMap<String, Result<CopyOffloadPlan, String>>;

/// `inputs` is `None` when the run has no source provider (a dry run):
/// runnable tests are then listed without objects.
pub fn prepare_units(
    tests: Vec<CollectedTest>,
    gating: &Gating,
    inputs: Option<&RunInputs<'_>>,
    copyoffload: &CopyOffloadPlans,
) -> Vec<TestUnit> {
    tests
        .into_iter()
        .map(|test| {
            let (gate, mut gate_properties) = gating.decision(&test.id);
            match &gate {
                GateDecision::Run => {}
                GateDecision::Skip(reason) => gate_properties.insert(0, ("gate".to_owned(), format!("skip: {reason}"))),
                GateDecision::XFail(reason) => gate_properties.insert(0, ("gate".to_owned(), format!("xfail: {reason}"))),
            }
            let prepared = prepare(&test, &gate, inputs, copyoffload);
            TestUnit { test, gate, gate_properties, prepared }
        })
        .collect()
}

fn prepare(test: &CollectedTest, gate: &GateDecision, inputs: Option<&RunInputs<'_>>, copyoffload: &CopyOffloadPlans) -> Prepared {
    if let CollectStatus::Skip { reason } = &test.status {
        return Prepared::Skip(reason.clone());
    }
    if let GateDecision::Skip(reason) = gate {
        return Prepared::Skip(reason.clone());
    }
    let Some(inputs) = inputs else {
        return Prepared::Broken("no source provider: set source_provider under [run] or pass --set source_provider=…".to_owned());
    };
    if !test.spec.copyoffload {
        return Prepared::Ready(Box::new(Blueprint::build(&test.spec, inputs, None)));
    }
    let Some(product) = &test.storage_vendor_product else {
        return Prepared::Broken(format!(
            "copy-offload test {} names no storage vendor: set storage_vendor_product in the test, or copyoffload.storage_vendor_product in the source profile of .providers.json",
            test.id
        ));
    };
    match copyoffload.get(product) {
        Some(Ok(plan)) => Prepared::Ready(Box::new(Blueprint::build(&test.spec, inputs, Some(plan)))),
        Some(Err(problem)) => Prepared::Broken(problem.clone()),
        None => Prepared::Broken(format!("copy-offload vendor {product} was not prepared")),
    }
}
