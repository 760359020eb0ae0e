//! The test plan file as data: what one `[[tests]]` entry may say.
//!
//! Every struct denies unknown keys so that a typo (`warm_migraton`) is an
//! error rather than a silently ignored setting.

use std::collections::BTreeMap;
use std::fmt;

use serde::Deserialize;
use toml::Spanned;

/// The whole file, before validation.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PlanFile {
    #[serde(default)]
    pub markers: BTreeMap<String, String>,
    #[serde(default)]
    pub tests: Vec<Spanned<TestSpec>>,
}

/// One test of the catalogue: the VMs to migrate and how.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TestSpec {
    /// Unique within the plan; the test id is `<plan stem>::<name>`.
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// Plain markers, each registered in the plan's marker registry.
    #[serde(default)]
    pub markers: Vec<String>,
    /// JIRA markers, possibly conditional on the run.
    #[serde(default)]
    pub jira: Vec<JiraMarker>,
    /// The test applies only to these source provider types; empty means all.
    #[serde(default)]
    pub source_providers: Vec<ProviderType>,
    pub virtual_machines: Vec<VirtualMachine>,
    #[serde(default)]
    pub warm_migration: bool,
    #[serde(default)]
    pub copyoffload: bool,
    /// Copy-offload vendor for this test; the profile's when absent.
    pub storage_vendor_product: Option<String>,
    pub pvc_name_template: Option<String>,
    pub target_power_state: Option<TargetPowerState>,
    #[serde(default)]
    pub preserve_static_ips: bool,
    pub pre_hook: Option<Hook>,
    pub post_hook: Option<Hook>,
    #[serde(default)]
    pub expected_migration_result: MigrationResult,
    /// The Forklift pipeline step expected to carry the error (`PreHook`…),
    /// only with `expected_migration_result = "failed"`.
    pub expected_failed_step: Option<String>,
}

/// One source VM of a test.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VirtualMachine {
    pub name: String,
    /// Power the source VM on or off before migrating; left as found when absent.
    pub source_vm_power: Option<VmPower>,
    #[serde(default)]
    pub guest_agent: bool,
    /// Migrate a fresh clone of the VM rather than the VM itself.
    #[serde(default)]
    pub clone: bool,
    pub disk_type: Option<String>,
    #[serde(default)]
    pub add_disks: Vec<AddDisk>,
    /// How many snapshots to take before migrating.
    #[serde(default)]
    pub snapshots: u32,
    pub target_power_state: Option<TargetPowerState>,
}

/// A disk added to the (cloned) source VM before migrating.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AddDisk {
    pub size_gb: u32,
    pub provision_type: Option<String>,
    #[serde(default)]
    pub datastore: DiskDatastore,
}

/// Which datastore of the copy-offload profile a disk lives on.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DiskDatastore {
    /// `datastore_id`
    #[default]
    Primary,
    /// `secondary_datastore_id`
    Secondary,
    /// `non_xcopy_datastore_id`
    NonXcopy,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum VmPower {
    On,
    Off,
}

/// Forklift's `targetPowerState`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TargetPowerState {
    On,
    Off,
    Auto,
}

/// A migration hook and what it is expected to do.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Hook {
    pub expected_result: HookResult,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum HookResult {
    Succeed,
    Fail,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MigrationResult {
    #[default]
    Succeeded,
    Failed,
}

/// `jira("KEY-1", …, run=…, skipif=…)`, applied only when `when` holds.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JiraMarker {
    pub keys: Vec<String>,
    pub run: Option<bool>,
    pub skipif: Option<bool>,
    pub when: Option<Condition>,
}

/// Facts a conditional marker depends on; every given fact must match.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Condition {
    pub source_provider_type: Option<ProviderType>,
    /// Profile name in `.providers.json`.
    pub source_provider: Option<String>,
}

/// Source provider types, as `.providers.json` spells them. `rhv` is
/// accepted for `ovirt`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ProviderType {
    Vsphere,
    #[serde(alias = "rhv")]
    Ovirt,
    Openstack,
    Openshift,
    Ova,
    Hyperv,
}

impl ProviderType {
    pub const ALL: [ProviderType; 6] = [Self::Vsphere, Self::Ovirt, Self::Openstack, Self::Openshift, Self::Ova, Self::Hyperv];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Vsphere => "vsphere",
            Self::Ovirt => "ovirt",
            Self::Openstack => "openstack",
            Self::Openshift => "openshift",
            Self::Ova => "ova",
            Self::Hyperv => "hyperv",
        }
    }

    /// Parses a `.providers.json` `type`, case-insensitively; `rhv` is `ovirt`.
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim().to_ascii_lowercase();
        if text == "rhv" {
            return Some(Self::Ovirt);
        }
        Self::ALL.into_iter().find(|kind| kind.as_str() == text)
    }
}

impl fmt::Display for ProviderType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Step names Forklift uses in `status.migration.vms[].pipeline[]`.
pub const PIPELINE_STEPS: [&str; 9] = [
    "Initialize",
    "PreHook",
    "DiskAllocation",
    "DiskTransfer",
    "Cutover",
    "ImageConversion",
    "DiskTransferV2v",
    "VirtualMachineCreation",
    "PostHook",
];
