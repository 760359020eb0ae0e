//! The one wasmtime `Engine` and the thread that advances its epoch.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use wasmtime::{Config, Engine};

/// How often the epoch advances; deadlines are measured in these ticks.
pub(crate) const EPOCH_TICK: Duration = Duration::from_millis(5);

pub(crate) fn new_engine() -> wasmtime::Result<Engine> {
    let mut config = Config::new();
    // Deadlines: compiled code checks the epoch at loop headers and calls.
    config.epoch_interruption(true);
    // The contract is synchronous; concurrency support makes every call
    // into a component far slower.
    config.concurrency_support(false);
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
