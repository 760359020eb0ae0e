//! `mtv-sim`: a Kubernetes-API-compatible HTTP server with a fake Forklift
//! controller — the embedded default cluster of `mtv-host` and the cluster its
//! tests talk to over real HTTP.
//!
//! ```no_run
//! # async fn demo() -> anyhow::Result<()> {
//! let sim = mtv_sim::Sim::start(mtv_sim::SimConfig::default()).await?;
//! let kubeconfig = sim.kubeconfig_yaml(); // points at e.g. http://127.0.0.1:41234
//! # let _ = kubeconfig;
//! sim.shutdown().await;
//! # Ok(()) }
//! ```
//!
//! See `sim/README.md` for what is served, the inventory file and the scenario knobs.

mod api;
mod config;
mod controller;
mod http;
mod inventory;
mod platform;
mod scenario;
mod sim;
mod stats;
mod store;
mod time;

pub use config::SimConfig;
pub use inventory::{Datastore, Disk, HookResult, Inventory, Network, Nic, PowerState, SourceVm, VmBehavior};
pub use scenario::{RequestFault, Scenario, ScenarioHandle};
pub use sim::Sim;
pub use stats::SimStats;

/// Annotation on a `Hook` that fixes its result (`fail` or `pass`).
pub const HOOK_RESULT_ANNOTATION: &str = controller::HOOK_RESULT_ANNOTATION;
