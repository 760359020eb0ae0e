//! Forklift objects on a cluster: what one migration test creates, how it
//! waits for Forklift (watches, never polling), what it checks afterwards,
//! and how it cleans up.
//!
//! ```text
//!  TestSpec + RunInputs (+ CopyOffloadPlan) ──► Blueprint (every manifest, named)
//!                                                   │
//!              Lifecycle: setup_providers ─► create_copyoffload_secret
//!                         ─► create_storagemap ─► create_networkmap
//!                         ─► create_plan ─► migrate (watch the Plan)
//!                                                   │
//!              checks: target VMs (name, disks, power) / failing pipeline step
//!                                                   │
//!              collector (on failure) ─► teardown (documented order) ─► Leftovers
//! ```
//!
//! Every create goes through [`Cluster`], which records it in the run's
//! [`Ledger`]: teardown deletes from it and `resources.json` lists it.

mod checks;
mod cluster;
mod collector;
mod inventory;
mod kinds;
mod lifecycle;
mod login;
mod names;
mod objects;
mod preconditions;
mod source;
mod teardown;
mod wait;

pub use checks::{Checked, check_expected_failure, check_migrated_vms, failed_steps, plan_vms};
pub use cluster::{Cluster, ClusterError, CreatedResource, Ledger, client_for_url, client_from_kubeconfig};
pub use collector::{directory_for, dump_namespace};
pub use kinds::Kind;
pub use lifecycle::{Journal, Lifecycle, PlanResult, Timeouts};
pub use login::{ClusterLogin, ClusterTls, client_from_login};
pub use names::{dns_label, resource_name, test_namespace};
pub use objects::{Blueprint, RunInputs, display_manifest, name_of};
pub use preconditions::{MTV_NAMESPACE, MTV_SUBSCRIPTION, check_mtv_installed, cluster_version};
pub use source::SourceEndpoint;
pub use teardown::{Leftover, teardown};
pub use wait::{Check, WaitError, true_condition, wait_for};
