//! Collection: a plan's tests as they apply to one run. Tests that cannot
//! apply to the run's source provider are skipped here, with the reason, and
//! conditional markers are resolved into the markers gates see.

use super::load::TestPlan;
use super::markers::{JIRA_MARKER, Marker, plain_marker};
use super::model::{Condition, JiraMarker, ProviderType, TestSpec};

/// Facts about the run that collection depends on. A fact left `None` (a
/// dry run without a provider) cannot rule a test out, and makes
/// conditions on it false.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunFacts {
    /// Profile name in `.providers.json`, e.g. `vsphere-8`.
    pub source_provider: Option<String>,
    /// The profile's `type`: `vsphere`, `ovirt`, `openstack`…
    pub source_provider_type: Option<String>,
    /// The profile's `version`, e.g. `8.0.1`.
    pub source_provider_version: Option<String>,
    pub storage_class: Option<String>,
    /// The profile's `copyoffload.storage_vendor_product`.
    pub storage_vendor_product: Option<String>,
}

impl RunFacts {
    /// The same facts as the gate contract carries them; a fact left
    /// `None` goes as an empty string.
    pub fn gate_facts(&self, dry_run: bool) -> crate::plugins::RunFacts {
        crate::plugins::RunFacts {
            source_provider: self.source_provider.clone().unwrap_or_default(),
            source_provider_type: self.source_provider_type.clone().unwrap_or_default(),
            source_provider_version: self.source_provider_version.clone(),
            storage_class: self.storage_class.clone().unwrap_or_default(),
            dry_run,
        }
    }
}

/// One test of the plan, ready for gating and execution.
#[derive(Debug, Clone, PartialEq)]
pub struct CollectedTest {
    /// `<plan stem>::<test name>`
    pub id: String,
    pub spec: TestSpec,
    /// Plain markers, then the jira markers whose conditions hold.
    pub markers: Vec<Marker>,
    /// Copy-offload tests only: the test's vendor, else the profile's.
    pub storage_vendor_product: Option<String>,
    pub status: CollectStatus,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CollectStatus {
    Run,
    /// Cannot apply to this run; reported as skipped without running.
    Skip {
        reason: String,
    },
}

impl CollectedTest {
    pub fn name(&self) -> &str {
        &self.spec.name
    }

    pub fn skip_reason(&self) -> Option<&str> {
        match &self.status {
            CollectStatus::Run => None,
            CollectStatus::Skip { reason } => Some(reason),
        }
    }

    pub fn has_marker(&self, name: &str) -> bool {
        self.markers.iter().any(|marker| marker.name == name)
    }
}

/// Every test of `plan`, in plan order, as it applies to the run `facts`
/// describe.
pub fn collect(plan: &TestPlan, facts: &RunFacts) -> Vec<CollectedTest> {
    let provider_type = facts.source_provider_type.as_deref();
    plan.tests()
        .iter()
        .map(|spec| CollectedTest {
            id: plan.test_id(spec),
            markers: markers_for(spec, facts),
            storage_vendor_product: spec
                .copyoffload
                .then(|| spec.storage_vendor_product.clone().or_else(|| facts.storage_vendor_product.clone()))
                .flatten(),
            status: match provider_type.and_then(|kind| inapplicable_reason(spec, kind)) {
                Some(reason) => CollectStatus::Skip { reason },
                None => CollectStatus::Run,
            },
            spec: spec.clone(),
        })
        .collect()
}

/// Why `spec` cannot run against a source provider of type `kind`.
fn inapplicable_reason(spec: &TestSpec, kind: &str) -> Option<String> {
    let parsed = ProviderType::parse(kind);
    if !spec.source_providers.is_empty() && !parsed.is_some_and(|kind| spec.source_providers.contains(&kind)) {
        let wanted: Vec<&str> = spec.source_providers.iter().map(|kind| kind.as_str()).collect();
        return Some(format!("applies only to source providers of type {}; this run's source provider is {kind}", wanted.join(", ")));
    }
    let warm_unsupported = [ProviderType::Openstack, ProviderType::Openshift, ProviderType::Ova];
    if spec.warm_migration && parsed.is_some_and(|kind| warm_unsupported.contains(&kind)) {
        return Some(format!("warm migration is not supported for {kind} source providers"));
    }
    if spec.copyoffload && parsed != Some(ProviderType::Vsphere) {
        return Some(format!("copy-offload is supported only for vSphere source providers, not {kind}"));
    }
    None
}

fn markers_for(spec: &TestSpec, facts: &RunFacts) -> Vec<Marker> {
    let plain = spec.markers.iter().map(|name| plain_marker(name));
    let jira = spec.jira.iter().filter(|jira| jira.when.as_ref().is_none_or(|condition| holds(condition, facts))).map(jira_marker);
    plain.chain(jira).collect()
}

fn jira_marker(jira: &JiraMarker) -> Marker {
    let kwargs = [("run", jira.run), ("skipif", jira.skipif)]
        .into_iter()
        .filter_map(|(key, value)| value.map(|value| (key.to_owned(), value.to_string())))
        .collect();
    Marker { name: JIRA_MARKER.to_owned(), args: jira.keys.clone(), kwargs }
}

fn holds(condition: &Condition, facts: &RunFacts) -> bool {
    let type_matches = condition
        .source_provider_type
        .is_none_or(|wanted| facts.source_provider_type.as_deref().and_then(ProviderType::parse) == Some(wanted));
    let profile_matches = condition.source_provider.as_ref().is_none_or(|wanted| facts.source_provider.as_ref() == Some(wanted));
    type_matches && profile_matches
}
