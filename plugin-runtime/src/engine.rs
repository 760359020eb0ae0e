//! The one wasmtime `Engine` and the thread that advances its epoch.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;
use wasmtime::{Config, Engine, InstanceAllocationStrategy, PoolingAllocationConfig};

/// How often the epoch advances; deadlines are measured in these ticks.
pub(crate) const EPOCH_TICK: Duration = Duration::from_millis(5);

/// Plugin instances alive at once. Instances come from a pre-reserved pool
/// (instantiation without mmap/munmap per call); hook calls beyond this
/// wait for a slot instead of failing.
pub(crate) const POOL_SLOTS: u32 = 32;

/// Bytes of each pooled table cleared in place when an instance ends.
const TABLE_KEEP_RESIDENT: usize = 16 << 10;

/// Hands out the pool's instance slots.
pub(crate) struct InstanceSlots {
    free: Mutex<u32>,
    released: Condvar,
}

/// One taken slot, returned when dropped.
pub(crate) struct Slot<'a>(&'a InstanceSlots);

impl InstanceSlots {
    pub(crate) fn new() -> Self {
        InstanceSlots { free: Mutex::new(POOL_SLOTS), released: Condvar::new() }
    }

    pub(crate) fn take(&self) -> Slot<'_> {
        let mut free = self.free.lock().unwrap_or_else(|p| p.into_inner());
        while *free == 0 {
            free = self.released.wait(free).unwrap_or_else(|p| p.into_inner());
        }
        *free -= 1;
        Slot(self)
    }
}

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        *self.0.free.lock().unwrap_or_else(|p| p.into_inner()) += 1;
        self.0.released.notify_one();
    }
}

pub(crate) fn new_engine() -> wasmtime::Result<Engine> {
    let mut config = Config::new();
    // Deadlines: compiled code checks the epoch at loop headers and calls.
    config.epoch_interruption(true);
    // The contract is synchronous; concurrency support makes every call
    // into a component far slower.
    config.concurrency_support(false);
    // Plugins are small: copying their data segments into a pooled memory
    // costs less than mapping a copy-on-write image and taking its page
    // faults on every call (BENCHMARKS.md).
    config.memory_init_cow(false);
    let mut pool = PoolingAllocationConfig::new();
    pool.total_component_instances(POOL_SLOTS)
        .total_core_instances(POOL_SLOTS * 8)
        .total_memories(POOL_SLOTS * 2)
        .total_tables(POOL_SLOTS * 4)
        .max_memories_per_component(2)
        .max_tables_per_component(4)
        // Reset a used table with a memset instead of madvise: a syscall and
        // a TLB shootdown cost more than clearing a few KiB (BENCHMARKS.md).
        .table_keep_resident(TABLE_KEEP_RESIDENT);
    config.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
    Engine::new(&config)
}

/// Advances the engine's epoch until dropped.
pub(crate) struct EpochTicker {
    stop: Arc<AtomicBool>,
}

impl EpochTicker {
    pub(crate) fn start(engine: &Engine) -> std::io::Result<Self> {
        let stop = Arc::new(AtomicBool::new(false));
        let engine = engine.clone();
        let flag = Arc::clone(&stop);
        // The thread holds only the flag and an engine handle; it ends at the
        // next tick after the ticker is dropped.
        std::thread::Builder::new()
            .name("mtv-plugin-epoch".into())
            .spawn(move || {
                while !flag.load(Ordering::Relaxed) {
                    std::thread::sleep(EPOCH_TICK);
                    engine.increment_epoch();
                }
            })
            .map(|_| EpochTicker { stop })
    }
}

impl Drop for EpochTicker {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}
