//! The broker as the plugin runtime's secret source: a run's granted
//! secrets and per-origin credentials come from it.

use mtv_plugin_runtime::SecretSource;

use super::broker::SecretBroker;

impl SecretSource for SecretBroker {
    fn secret(&self, name: &str) -> Result<String, String> {
        self.get(name).map(|v| v.expose().to_string()).map_err(|e| e.to_string())
    }

    fn origin_credential(&self, origin: &str) -> Option<String> {
        SecretBroker::origin_credential(self, origin).map(|v| v.expose().to_string())
    }
}
