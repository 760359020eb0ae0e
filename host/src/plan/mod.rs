//! Test plans: the catalogue of migration tests, its markers, collection
//! against one run, `-k`/`-m` selection, and the steps each test runs.
//!
//! # File format (TOML; the full reference is `docs/test-plan.md`)
//!
//! ```toml
//! [markers]                       # extra markers; the built-ins need no entry
//! smoke = "quick checks before a release"
//!
//! [[tests]]
//! name = "cold-rhel8"             # unique; id = "<file stem>::<name>"
//! description = "cold migration of one RHEL 8 VM"
//! markers = ["tier0", "cold"]     # each registered, else the plan is refused
//! source_providers = ["vsphere"]  # optional: skipped for other provider types
//! virtual_machines = [
//!   { name = "mtv-rhel8-sanity", source_vm_power = "off", guest_agent = true,
//!     clone = false, disk_type = "thin", snapshots = 0, target_power_state = "on",
//!     add_disks = [{ size_gb = 1, provision_type = "thin", datastore = "secondary" }] },
//! ]
//! warm_migration = false
//! copyoffload = false
//! storage_vendor_product = "<product>" # copy-offload only; else the profile's vendor
//! pvc_name_template = "pvc"
//! target_power_state = "on"          # on | off | auto
//! preserve_static_ips = false
//! pre_hook = { expected_result = "fail" }   # succeed | fail
//! post_hook = { expected_result = "succeed" }
//! expected_migration_result = "failed"      # succeeded (default) | failed
//! expected_failed_step = "PreHook"          # Forklift pipeline step
//! jira = [{ keys = ["MTV-2846"], run = false, when = { source_provider_type = "ovirt" } }]
//! ```
//!
//! Unknown keys anywhere are errors naming the file, line, test and key.
//! Built-in markers: `tier0 tier1 warm cold remote copyoffload vsphere rhv
//! openstack ova openshift jira`; `jira` is set only through the `jira`
//! table, whose keys must match `[A-Z]+-[0-9]+`.
//!
//! # From plan to run
//! [`TestPlan::load`] validates the file; [`collect`] applies it to the
//! run's [`RunFacts`] (skipping tests whose provider type cannot run them:
//! `source_providers`, warm migration on openstack/openshift/ova,
//! copy-offload off vSphere) and resolves conditional jira markers into
//! plain [`Marker`]s; [`TestFilter`] applies `-k`/`-m`;
//! [`TestSpec::steps`] and [`steps_after_failure`] drive the per-step report.

mod collect;
mod error;
mod expr;
mod load;
mod markers;
mod model;
mod select;
mod shard;
mod steps;

pub use collect::{CollectStatus, CollectedTest, RunFacts, collect};
pub use error::{PlanError, Problem, ProblemKind};
pub use expr::ExprError;
pub use load::TestPlan;
pub use markers::{BUILTIN_MARKERS, JIRA_MARKER, Marker, MarkerRegistry};
pub use model::{
    AddDisk, Condition, DiskDatastore, Hook, HookResult, JiraMarker, MigrationResult, PIPELINE_STEPS, ProviderType, TargetPowerState,
    TestSpec, VirtualMachine, VmPower,
};
pub use select::{Selection, TestFilter};
pub use shard::Shard;
pub use steps::{StepName, steps_after_failure};
