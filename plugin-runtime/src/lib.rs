//! mtv-plugin-runtime: the sandbox mtv-host runs its WebAssembly plugins
//! in, and the `testing` harness plugin authors run their components with.
//!
//! It owns: loading a component (sha256 pin, compiled-artifact cache,
//! contract version and world checks), calling its hooks under limits, the
//! host interfaces a guest may import and the grants that guard them, and
//! the few secret primitives those need ([`secrets`]: the value type, the
//! redactor, the audit log), plus [`normalize_origin`],
//! [`atomic::write_atomically`] and, with the `network` feature, the real
//! HTTP client and its TLS provider (`tls`).
//!
//! A hook call, end to end: `PluginRuntime::gate_decide` (or `report`,
//! `vendor_*`) checks the plugin's world, takes a pool slot, builds a fresh
//! `Store` with the plugin's memory limiter and an epoch deadline counting
//! guest time only, instantiates from the `InstancePre`, and calls the
//! export. Each import the guest makes lands in `capabilities`, which checks
//! the grant, records an [`AuditEvent`](secrets::AuditEvent), and reaches out
//! only through [`HostServices`]: a [`SecretSource`], an [`HttpTransport`]
//! and an [`AuditSink`]. The guest's output is forwarded to `tracing`, and a
//! trap, deadline or memory overrun becomes a [`HookError`].
//!
//! It must never depend on the host: no kube, k8s-openapi, axum, simulator,
//! config, plan or runner code. The host plugs in through the service traits
//! (its secret broker implements [`SecretSource`]); a plugin crate's
//! `cargo test` compiles this crate and wasmtime, nothing more.
//!
//! # The runtime
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

pub mod atomic;
mod bindings;
mod cache;
mod capabilities;
mod contract_0_1;
mod engine;
mod limits;
mod origin;
mod runtime;
pub mod secrets;
mod services;
mod state;
pub mod testing;
#[cfg(feature = "network")]
pub mod tls;
mod world;

pub use cache::{CacheOutcome, default_cache_dir};
pub use limits::Limits;
pub use origin::{http_origin, normalize_origin, origin_of};
pub use runtime::*;
pub use services::*;
pub use state::Grants;
pub use world::{
    CONTRACT_PACKAGE, CONTRACT_VERSION, Contract, PREVIOUS_CONTRACT_VERSIONS, Shape, Unsupported, World, supported_contract_versions,
};
