//! `mtv:plugin/log`: plugin log lines go to the host log, attributed to the
//! plugin, with control characters escaped. The host's log writer redacts
//! secrets from every line.

use super::State;
use crate::bindings::interfaces::log::{self, Level};
use crate::state::PluginState;
use wasmtime::component::Linker;

pub(super) fn add_to_linker(linker: &mut Linker<PluginState>) -> wasmtime::Result<()> {
    log::add_to_linker::<_, State>(linker, |state| state)
}

impl log::Host for PluginState {
    fn write(&mut self, level: Level, message: String) {
        let plugin = self.plugin.name.as_str();
        let message = crate::printable(&message);
        match level {
            Level::Trace => tracing::trace!(target: "plugin", "[{plugin}] {message}"),
            Level::Debug => tracing::debug!(target: "plugin", "[{plugin}] {message}"),
            Level::Info => tracing::info!(target: "plugin", "[{plugin}] {message}"),
            Level::Warn => tracing::warn!(target: "plugin", "[{plugin}] {message}"),
            Level::Error => tracing::error!(target: "plugin", "[{plugin}] {message}"),
        }
    }
}
