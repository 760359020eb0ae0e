//! The plugin runtime: sandboxed WebAssembly components, loaded by config.
//!
//! ```text
//!  mtv-host.toml [[plugins]] ──► PluginSpec ──► PluginRuntime::load
//!                                                 │ read + sha256 pin
//!                                                 │ ArtifactCache (compile once)
//!                                                 │ Shape: world, contract version, imports
//!                                                 ▼
//!                                            LoadedPlugin (InstancePre)
//!                                                 │ hook call: fresh Store,
//!                                                 │ deadline (epochs), memory cap
//!                                                 ▼
//!   guest ──imports──► capabilities::{log, config, http, secrets}
//!                          │ grants checked here, audit recorded
//!                          ▼
//!                      HostServices { secrets, transport, audit }
//! ```
//!
//! A component built against an older contract version (`PREVIOUS_CONTRACT_VERSIONS`)
//! loads through that version's adapter module (`contract_0_1`), which
//! links the host interfaces under the old names and calls the old hooks.
//!
//! WASI is linked deny-all: no env, args, files or sockets. A trap, panic,
//! timeout or memory overrun fails that one hook with a `HookError` that
//! names the plugin, the hook and the limit; the runtime stays usable.

mod bindings;
mod cache;
mod capabilities;
mod contract_0_1;
mod engine;
mod limits;
mod runtime;
mod services;
mod state;
pub mod testing;
mod world;

pub use cache::{CacheOutcome, default_cache_dir};
pub use limits::Limits;
pub use runtime::*;
pub use services::*;
pub use state::Grants;
pub use world::{
    CONTRACT_PACKAGE, CONTRACT_VERSION, Contract, PREVIOUS_CONTRACT_VERSIONS, Shape, Unsupported, World, supported_contract_versions,
};
