//! `mtv:plugin/config`: the plugin's own settings table (never secrets).

use super::State;
use crate::bindings::interfaces::config;
use crate::state::PluginState;
use wasmtime::component::Linker;

pub(super) fn add_to_linker(linker: &mut Linker<PluginState>) -> wasmtime::Result<()> {
    config::add_to_linker::<_, State>(linker, |state| state)
}

impl config::Host for PluginState {
    fn get(&mut self, key: String) -> Option<String> {
        self.plugin.settings.get(&key).cloned()
    }

    fn entries(&mut self) -> Vec<(String, String)> {
        self.plugin.settings.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
    }
}
