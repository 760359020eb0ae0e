//! How a simulator starts: inventory, timings, auth, initial fault knobs.

use std::path::Path;
use std::time::Duration;

use crate::inventory::{Inventory, InventoryFile};
use crate::scenario::Scenario;

/// Configuration of a [`Sim`](crate::Sim).
///
/// `SimConfig::default()` is meant for tests: the built-in inventory, 5 ms per
/// pipeline step, no API latency, no token, no faults.
#[derive(Debug, Clone)]
pub struct SimConfig {
    pub(crate) inventory: Inventory,
    pub(crate) scenario: Scenario,
    pub(crate) token: Option<String>,
    /// Username and password accepted by the OAuth login.
    pub(crate) login: Option<(String, String)>,
    pub(crate) watch_history: usize,
    pub(crate) bookmark_interval: Duration,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            inventory: Inventory::default(),
            scenario: Scenario { step_delay_ms: 5, ..Scenario::default() },
            token: None,
            login: None,
            watch_history: 10_000,
            bookmark_interval: Duration::from_secs(1),
        }
    }
}

impl SimConfig {
    /// Defaults with the inventory (and its optional `step_delay_ms` / `api_latency_ms`)
    /// read from a TOML file; the format is in `sim/README.md`.
    pub fn from_inventory_file(path: &Path) -> anyhow::Result<Self> {
        let file = InventoryFile::load(path)?;
        let mut config = SimConfig { inventory: file.inventory(), ..SimConfig::default() };
        if let Some(ms) = file.step_delay_ms {
            config.scenario.step_delay_ms = ms;
        }
        if let Some(ms) = file.api_latency_ms {
            config.scenario.api_latency_ms = ms;
        }
        Ok(config)
    }

    /// Replaces the source inventory.
    pub fn inventory(mut self, inventory: Inventory) -> Self {
        self.inventory = inventory;
        self
    }

    /// Time each migration pipeline step takes (tests: a few ms; demos: ~300 ms).
    pub fn step_delay(mut self, delay: Duration) -> Self {
        self.scenario.step_delay_ms = delay.as_millis() as u64;
        self
    }

    /// Delay added before every API request is answered.
    pub fn api_latency(mut self, latency: Duration) -> Self {
        self.scenario.api_latency_ms = latency.as_millis() as u64;
        self
    }

    /// Accept an OpenShift OAuth login (`oc login -u USERNAME -p PASSWORD`)
    /// that hands out the bearer token; a random one is made up when no
    /// [`token`](Self::token) is set.
    pub fn login(mut self, username: impl Into<String>, password: impl Into<String>) -> Self {
        self.login = Some((username.into(), password.into()));
        self
    }

    /// Require `Authorization: Bearer <token>` on every request (`None`: no auth).
    pub fn token(mut self, token: Option<String>) -> Self {
        self.token = token;
        self
    }

    /// Initial fault and timing knobs (replaces any step delay or latency set before).
    pub fn scenario(mut self, scenario: Scenario) -> Self {
        self.scenario = scenario;
        self
    }

    /// How many changes the watch history keeps; watching from an older
    /// resourceVersion gets `410 Expired`.
    pub fn watch_history(mut self, changes: usize) -> Self {
        self.watch_history = changes.max(1);
        self
    }

    /// How often watches that allow bookmarks get one.
    pub fn bookmark_interval(mut self, interval: Duration) -> Self {
        self.bookmark_interval = interval.max(Duration::from_millis(10));
        self
    }
}
