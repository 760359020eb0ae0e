//! Per-plugin resource limits: a guest-time deadline and a wall-clock limit
//! enforced with epochs, and a memory cap enforced by a store limiter.

use super::state::PluginState;
use serde::Deserialize;
use std::ops::RangeInclusive;
use std::time::Duration;
use wasmtime::component::{HasData, Linker, Resource};
use wasmtime_wasi::clocks::{WasiClocksCtxView, WasiClocksView as _};
use wasmtime_wasi::p2::DynPollable;
use wasmtime_wasi::p2::bindings::clocks::monotonic_clock::{self, Duration as WasiDuration, Instant as WasiInstant};

/// Limits for one plugin, from `limits = { … }` in its `[[plugins]]` entry.
/// Values outside the accepted ranges are refused when the config is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(try_from = "LimitsEntry")]
pub struct Limits {
    /// Time a hook may spend running guest code. Time spent waiting for the
    /// host (HTTP requests, sleeps) does not count.
    pub deadline_ms: u64,
    /// Largest linear memory the plugin may grow to.
    pub memory_mib: u64,
    /// Time a hook call may take from start to end, sleeps included. Only
    /// the plugin's HTTP requests are left out: they have their own timeout.
    pub wall_ms: u64,
}

/// The wall-clock default leaves room for a gate's retries: the JIRA plugin
/// waits up to 120 s between two tries when JIRA asks it to.
impl Default for Limits {
    fn default() -> Self {
        Limits { deadline_ms: 10_000, memory_mib: 128, wall_ms: 300_000 }
    }
}

/// One hour: longer than any hook needs, short enough to notice.
const DEADLINE_MS: RangeInclusive<u64> = 1..=3_600_000;
const WALL_MS: RangeInclusive<u64> = 1..=3_600_000;
/// A 32-bit linear memory cannot grow past 4 GiB.
const MEMORY_MIB: RangeInclusive<u64> = 1..=4096;

/// `limits = { … }` as written, checked into [`Limits`].
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LimitsEntry {
    deadline_ms: Option<u64>,
    memory_mib: Option<u64>,
    wall_ms: Option<u64>,
}

impl TryFrom<LimitsEntry> for Limits {
    type Error = String;

    fn try_from(entry: LimitsEntry) -> Result<Self, String> {
        let default = Limits::default();
        let limits = Limits {
            deadline_ms: entry.deadline_ms.unwrap_or(default.deadline_ms),
            memory_mib: entry.memory_mib.unwrap_or(default.memory_mib),
            wall_ms: entry.wall_ms.unwrap_or(default.wall_ms),
        };
        limits.check()?;
        Ok(limits)
    }
}

impl Limits {
    pub fn deadline(&self) -> Duration {
        Duration::from_millis(self.deadline_ms)
    }

    pub fn wall(&self) -> Duration {
        Duration::from_millis(self.wall_ms)
    }

    pub fn memory_bytes(&self) -> usize {
        usize::try_from(self.memory_mib.saturating_mul(1024 * 1024)).unwrap_or(usize::MAX)
    }

    /// Each value in its range, and a wall-clock limit no shorter than the
    /// guest-time deadline (which it would otherwise always hit first).
    pub fn check(&self) -> Result<(), String> {
        for (key, value, range, unit) in [
            ("deadline_ms", self.deadline_ms, DEADLINE_MS, "milliseconds"),
            ("memory_mib", self.memory_mib, MEMORY_MIB, "MiB"),
            ("wall_ms", self.wall_ms, WALL_MS, "milliseconds"),
        ] {
            if !range.contains(&value) {
                return Err(format!("limits.{key} = {value} is out of range: give {} to {} {unit}", range.start(), range.end()));
            }
        }
        if self.wall_ms < self.deadline_ms {
            return Err(format!(
                "limits.wall_ms = {} is shorter than limits.deadline_ms = {}: raise wall_ms to at least {}",
                self.wall_ms, self.deadline_ms, self.deadline_ms
            ));
        }
        Ok(())
    }
}

/// Refuses memory growth past the cap, and remembers that it did so the
/// failed hook can name the limit instead of reporting a bare trap.
pub(crate) struct MemoryLimiter {
    max_bytes: usize,
    pub(crate) exceeded: bool,
}

/// Tables hold function references; a plugin never needs many.
const MAX_TABLE_ELEMENTS: usize = 100_000;

impl MemoryLimiter {
    pub(crate) fn new(limits: &Limits) -> Self {
        MemoryLimiter { max_bytes: limits.memory_bytes(), exceeded: false }
    }
}

impl wasmtime::ResourceLimiter for MemoryLimiter {
    fn memory_growing(&mut self, _current: usize, desired: usize, _maximum: Option<usize>) -> wasmtime::Result<bool> {
        if desired > self.max_bytes {
            self.exceeded = true;
            wasmtime::bail!("memory limit exceeded: wanted {desired} bytes");
        }
        Ok(true)
    }

    fn table_growing(&mut self, _current: usize, desired: usize, _maximum: Option<usize>) -> wasmtime::Result<bool> {
        Ok(desired <= MAX_TABLE_ELEMENTS)
    }
}

/// Replaces WASI's `monotonic-clock` so that no timer a plugin waits on
/// outlives its call's wall-clock limit. A plugin blocked in the host
/// cannot be interrupted; with its timers cut short it returns to guest
/// code, where the epoch check stops it (`PluginRuntime::call`).
pub(crate) fn add_wall_bound_clock(linker: &mut Linker<PluginState>) -> wasmtime::Result<()> {
    linker.allow_shadowing(true);
    let added = monotonic_clock::add_to_linker::<PluginState, WallBoundClock>(linker, |state| {
        let remaining = state.wall_remaining();
        WallBoundView { clocks: state.clocks(), remaining }
    });
    linker.allow_shadowing(false);
    added
}

struct WallBoundClock;

impl HasData for WallBoundClock {
    type Data<'a> = WallBoundView<'a>;
}

struct WallBoundView<'a> {
    clocks: WasiClocksCtxView<'a>,
    /// Wall-clock time the call has left.
    remaining: Duration,
}

impl monotonic_clock::Host for WallBoundView<'_> {
    fn now(&mut self) -> wasmtime::Result<WasiInstant> {
        monotonic_clock::Host::now(&mut self.clocks)
    }

    fn resolution(&mut self) -> wasmtime::Result<WasiInstant> {
        monotonic_clock::Host::resolution(&mut self.clocks)
    }

    fn subscribe_duration(&mut self, duration: WasiDuration) -> wasmtime::Result<Resource<DynPollable>> {
        let remaining = u64::try_from(self.remaining.as_nanos()).unwrap_or(u64::MAX);
        monotonic_clock::Host::subscribe_duration(&mut self.clocks, duration.min(remaining))
    }

    fn subscribe_instant(&mut self, when: WasiInstant) -> wasmtime::Result<Resource<DynPollable>> {
        let now = monotonic_clock::Host::now(&mut self.clocks)?;
        self.subscribe_duration(when.saturating_sub(now))
    }
}
