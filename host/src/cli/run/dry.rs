//! The dry runs: `--collect-only` lists the tests with their collection
//! and gate decisions; `--setup-plan` prints every object a run would
//! create. Neither touches a cluster.

use mtv_host::migration::{display_manifest, name_of};
use mtv_host::plan::Selection;
use mtv_host::runner::{GateDecision, Prepared, TestUnit};
use mtv_host::secrets::redactor;

fn say(text: &str) {
    println!("{}", redactor().redact(text));
}

/// What will happen to a test. A listing (`listing`) shows collection and
/// gate decisions only: nothing is prepared for it, so nothing is broken.
fn decision_text(unit: &TestUnit, listing: bool) -> String {
    match (&unit.prepared, &unit.gate) {
        (Prepared::Skip(reason), _) => format!("SKIP ({reason})"),
        (_, GateDecision::XFail(reason)) => format!("XFAIL ({reason})"),
        (Prepared::Broken(problem), _) if !listing => format!("ERROR ({})", problem.lines().next().unwrap_or_default()),
        _ => "run".to_owned(),
    }
}

pub(crate) fn collect_only(units: &[TestUnit], selection: &Selection) {
    for unit in units {
        let markers: Vec<String> = unit.test.markers.iter().map(marker_text).collect();
        let steps: Vec<&str> = unit.test.spec.steps().iter().map(|s| s.as_str()).collect();
        say(&format!("{}  [{}]  {}", unit.test.id, markers.join(", "), decision_text(unit, true)));
        say(&format!("    steps: {}", steps.join(", ")));
    }
    let skipped = units.iter().filter(|u| matches!(u.prepared, Prepared::Skip(_))).count();
    say(&format!("\n{} tests collected, {} deselected, {skipped} to be skipped", units.len(), selection.deselected));
}

fn marker_text(marker: &mtv_host::plan::Marker) -> String {
    if marker.args.is_empty() && marker.kwargs.is_empty() {
        return marker.name.clone();
    }
    let args = marker.args.iter().map(|a| format!("{a:?}")).chain(marker.kwargs.iter().map(|(k, v)| format!("{k}={v}")));
    format!("{}({})", marker.name, args.collect::<Vec<_>>().join(", "))
}

pub(crate) fn setup_plan(units: &[TestUnit]) -> Result<(), String> {
    for unit in units {
        say(&format!("# {} — {}", unit.test.id, decision_text(unit, false)));
        let Prepared::Ready(blueprint) = &unit.prepared else { continue };
        if blueprint.storage_from_inventory.is_some() || blueprint.networks_from_inventory {
            say(
                "# the maps' sources (and NADs) come from the Forklift inventory when the test runs: the datastores and networks of its VMs",
            );
        }
        say("# each VM found in the Forklift inventory goes into Plan.spec.vms by its inventory id when the test runs");
        for manifest in blueprint.manifests() {
            let yaml = mtv_host::yaml::to_string(&display_manifest(manifest)).map_err(|e| format!("{}: {e}", name_of(manifest)))?;
            say(&format!("---\n{}", yaml.trim_end()));
        }
        if let Some(patch) = &blueprint.provider_patch {
            say(&format!("# then merge-patch Provider {}: {patch}", name_of(&blueprint.source_provider)));
        }
    }
    Ok(())
}
