//! Per-plugin resource limits: a guest-time deadline enforced with epochs
//! and a memory cap enforced by a store limiter.

use serde::Deserialize;
use std::time::Duration;

/// Limits for one plugin, from `limits = { … }` in its `[[plugins]]` entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Limits {
    /// Time a hook may spend running guest code. Time spent waiting for the
    /// host (HTTP requests) does not count; those have their own timeouts.
    pub deadline_ms: u64,
    /// Largest linear memory the plugin may grow to.
    pub memory_mib: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { deadline_ms: 10_000, memory_mib: 128 }
    }
}

impl Limits {
    pub fn deadline(&self) -> Duration {
        Duration::from_millis(self.deadline_ms)
    }

    pub fn memory_bytes(&self) -> usize {
        usize::try_from(self.memory_mib.saturating_mul(1024 * 1024)).unwrap_or(usize::MAX)
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
