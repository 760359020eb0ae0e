//! Per-call store state: a fresh one for every hook call, so plugins keep
//! nothing between calls.

use super::limits::{Limits, MemoryLimiter};
use super::services::HostServices;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use wasmtime::component::ResourceTable;
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

/// Most a plugin may print to stdout or stderr in one call.
const CAPTURE_BYTES: usize = 256 * 1024;

/// What a plugin was granted by the run config.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Grants {
    /// Origins (`https://host[:port]`) the plugin may send HTTP requests to.
    #[serde(default)]
    pub http: Vec<String>,
    /// Secret names the plugin may read, e.g. `jira.token`.
    #[serde(default)]
    pub secrets: Vec<String>,
}

/// The plugin-wide facts a call needs; shared, never mutated.
pub(crate) struct PluginContext {
    pub(crate) name: String,
    pub(crate) settings: BTreeMap<String, String>,
    pub(crate) grants: Grants,
    pub(crate) limits: Limits,
    pub(crate) services: HostServices,
}

pub(crate) struct PluginState {
    wasi: WasiCtx,
    table: ResourceTable,
    pub(crate) limiter: MemoryLimiter,
    pub(crate) plugin: Arc<PluginContext>,
    pub(crate) stdout: MemoryOutputPipe,
    pub(crate) stderr: MemoryOutputPipe,
    pub(crate) started: Instant,
    /// Time spent inside host calls (the plugin's HTTP requests, WASI
    /// sleeps and polls), excluded from the guest deadline.
    pub(crate) host_time: Duration,
    /// When the outermost current host call began.
    host_entered: Option<Instant>,
    host_depth: u32,
    /// Time spent on the plugin's HTTP requests, excluded from the
    /// wall-clock limit (each request has its own timeout).
    pub(crate) http_time: Duration,
    pub(crate) deadline_hit: bool,
    pub(crate) wall_hit: bool,
}

impl PluginState {
    pub(crate) fn new(plugin: Arc<PluginContext>) -> Self {
        let stdout = MemoryOutputPipe::new(CAPTURE_BYTES);
        let stderr = MemoryOutputPipe::new(CAPTURE_BYTES);
        // Deny-all: a new builder has no env, args, preopens or network.
        let wasi = WasiCtx::builder().stdout(stdout.clone()).stderr(stderr.clone()).build();
        PluginState {
            wasi,
            table: ResourceTable::new(),
            limiter: MemoryLimiter::new(&plugin.limits),
            plugin,
            stdout,
            stderr,
            started: Instant::now(),
            host_time: Duration::ZERO,
            host_entered: None,
            host_depth: 0,
            http_time: Duration::ZERO,
            deadline_hit: false,
            wall_hit: false,
        }
    }

    /// Guest time used so far in this call. The deadline check can run
    /// while a host call is still open (the host calls back into the guest
    /// to allocate the answer), so the open call's time counts as host time.
    pub(crate) fn guest_time(&self) -> Duration {
        let open_host_call = self.host_entered.map_or(Duration::ZERO, |entered| entered.elapsed());
        self.started.elapsed().saturating_sub(self.host_time + open_host_call)
    }

    /// Wall-clock time used so far in this call, HTTP requests left out.
    /// Guest code never runs during a request, so none is ever open here.
    pub(crate) fn wall_time(&self) -> Duration {
        self.started.elapsed().saturating_sub(self.http_time)
    }

    pub(crate) fn wall_remaining(&self) -> Duration {
        self.plugin.limits.wall().saturating_sub(self.wall_time())
    }

    /// Called on every guest ↔ host transition; accumulates host time.
    pub(crate) fn on_transition(&mut self, hook: wasmtime::CallHook) {
        match hook {
            wasmtime::CallHook::CallingHost => {
                if self.host_depth == 0 {
                    self.host_entered = Some(Instant::now());
                }
                self.host_depth += 1;
            }
            wasmtime::CallHook::ReturningFromHost => {
                self.host_depth = self.host_depth.saturating_sub(1);
                if self.host_depth == 0
                    && let Some(entered) = self.host_entered.take()
                {
                    self.host_time += entered.elapsed();
                }
            }
            _ => {}
        }
    }
}

impl WasiView for PluginState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView { ctx: &mut self.wasi, table: &mut self.table }
    }
}
