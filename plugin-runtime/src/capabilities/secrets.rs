//! `mtv:plugin/secrets`: a plugin reads a secret only when its
//! `grants.secrets` names it; every request is audited, without the value.

use super::State;
use crate::bindings::interfaces::secrets::{self, Error};
use crate::secrets::{AuditEvent, AuditKind};
use crate::state::PluginState;
use wasmtime::component::Linker;

pub(super) fn add_to_linker(linker: &mut Linker<PluginState>) -> wasmtime::Result<()> {
    secrets::add_to_linker::<_, State>(linker, |state| state)
}

impl secrets::Host for PluginState {
    fn get(&mut self, name: String) -> Result<String, Error> {
        let plugin = &self.plugin;
        let audit = |allowed: bool, reason: Option<&str>| {
            plugin.services.audit.record(AuditEvent { plugin: &plugin.name, kind: AuditKind::Secret, target: &name, allowed, reason })
        };
        if !plugin.grants.secrets.iter().any(|granted| granted == &name) {
            let why = format!(
                "secret '{name}' is not granted to plugin '{}': add it to `grants.secrets` of its [[plugins]] entry in mtv-host.toml",
                plugin.name
            );
            audit(false, Some("not granted"));
            return Err(Error::Denied(why));
        }
        match plugin.services.secrets.secret(&name) {
            Ok(value) => {
                audit(true, None);
                Ok(value)
            }
            Err(why) => {
                audit(true, Some("missing"));
                Err(Error::Missing(why))
            }
        }
    }
}
