//! Run settings: the `[run]` table of `mtv-host.toml`, overridden by
//! `--set key=value`. Input paths from the file are relative to the file;
//! input paths given with `--set` and every output path are relative to the
//! working directory.

use std::collections::BTreeMap;
use std::ops::RangeInclusive;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::config::{DEFAULT_CONFIG, RunConfig};
use crate::migration::Timeouts;

/// Every `[run]` key, with what it holds (for `--help` and errors).
pub const RUN_KEYS: &[(&str, &str)] = &[
    ("source_provider", "profile name in .providers.json (required for a run)"),
    ("storage_class", "destination storage class (required for a run)"),
    ("test_plan", "test plan file (TOML; docs/test-plan.md)"),
    ("providers_json", "providers file, below --providers-json and PROVIDERS_JSON_PATH"),
    ("junit_xml", "JUnit report path [default: junit-report.xml]"),
    ("log_file", "run log path [default: mtv-host.log]"),
    ("html", "report page path [default: report.html beside junit_xml]; \"none\" writes no page"),
    ("cluster", "sim (embedded simulator, the default), kubeconfig, or login (CLUSTER_HOST/USERNAME/PASSWORD)"),
    ("cluster_skip_tls_verify", "cluster = login: accept any certificate, like oc login --insecure-skip-tls-verify [default: false]"),
    ("cluster_ca_file", "cluster = login: PEM bundle of the CA the API and OAuth servers' certificates chain to [default: system roots]"),
    ("sim_inventory", "inventory file of the embedded simulator"),
    ("sim_step_delay_ms", "time each simulated pipeline step takes"),
    ("jobs", "tests run at once [default: 1]"),
    ("xfail_strict", "a test a gate expects to fail that passes (XPASS) fails the run, as pytest's xfail_strict [default: false]"),
    ("source_storages", "StorageMap source datastore ids for tests without copy-offload"),
    ("source_networks", "NetworkMap source network ids: the first maps to the pod network"),
    ("provider_ready_timeout_s", "seconds to wait for a Provider to be Ready [default: 600]"),
    ("plan_ready_timeout_s", "seconds to wait for maps and the Plan to be Ready [default: 360]"),
    ("migration_timeout_s", "seconds to wait for a migration to finish [default: 3600]"),
    ("teardown_timeout_s", "seconds to wait for a test namespace to go [default: 300]"),
    ("inventory_timeout_s", "seconds to wait for a Provider or VM to appear in the Forklift inventory [default: 300]"),
];

/// Which cluster a run talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClusterMode {
    /// The embedded simulator, started in-process.
    Sim,
    /// `KUBECONFIG`, `~/.kube/config` or the in-cluster service account.
    Kubeconfig,
    /// An OpenShift username/password login: `CLUSTER_HOST`,
    /// `CLUSTER_USERNAME`, `CLUSTER_PASSWORD`, or the secrets directory's
    /// `cluster_*` keys.
    Login,
}

#[derive(Debug, Clone)]
pub struct RunSettings {
    pub source_provider: Option<String>,
    pub storage_class: Option<String>,
    pub test_plan: Option<PathBuf>,
    pub providers_json: Option<PathBuf>,
    pub junit_xml: PathBuf,
    pub log_file: PathBuf,
    /// The report page (`report.html`), or `None` for no page.
    pub html: Option<PathBuf>,
    pub cluster: ClusterMode,
    pub cluster_skip_tls_verify: bool,
    pub cluster_ca_file: Option<PathBuf>,
    pub sim_inventory: Option<PathBuf>,
    pub sim_step_delay: Option<Duration>,
    pub jobs: usize,
    /// pytest's `xfail_strict`: an XPASS is a failure.
    pub xfail_strict: bool,
    pub source_storages: Vec<String>,
    pub source_networks: Vec<String>,
    pub timeouts: Timeouts,
    /// Where the settings came from, for messages.
    pub config_name: String,
}

/// Tests run at once (`-j`, `[run] jobs`).
pub const JOBS: RangeInclusive<u64> = 1..=256;

#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("{0}")]
    Invalid(String),
}

/// `key=value` of `--set`.
pub fn parse_set(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((key, value)) if !key.trim().is_empty() => Ok((key.trim().to_owned(), value.to_owned())),
        _ => Err(format!("--set expects key=value, got '{text}' (for example --set storage_class=standard)")),
    }
}

/// One setting and where it came from.
enum Origin {
    File,
    CommandLine,
}

struct Raw {
    values: BTreeMap<String, (toml::Value, Origin)>,
    config_name: String,
}

impl Raw {
    fn text(&self, key: &str) -> Result<Option<String>, SettingsError> {
        match self.values.get(key) {
            None => Ok(None),
            Some((toml::Value::String(text), _)) => Ok(Some(text.clone()).filter(|t| !t.is_empty())),
            Some((other, _)) => Err(self.wrong(key, "a string", other)),
        }
    }

    fn number(&self, key: &str) -> Result<Option<u64>, SettingsError> {
        match self.values.get(key) {
            None => Ok(None),
            Some((toml::Value::Integer(n), _)) if *n >= 0 => Ok(Some(*n as u64)),
            Some((toml::Value::String(text), _)) => {
                text.trim().parse().map(Some).map_err(|_| self.wrong(key, "a whole number", &toml::Value::String(text.clone())))
            }
            Some((other, _)) => Err(self.wrong(key, "a whole number", other)),
        }
    }

    fn number_in(&self, key: &str, range: RangeInclusive<u64>) -> Result<Option<u64>, SettingsError> {
        match self.number(key)? {
            Some(n) if !range.contains(&n) => Err(SettingsError::Invalid(format!(
                "{}: [run] {key} must be {} to {}, found {n}",
                self.config_name,
                range.start(),
                range.end()
            ))),
            n => Ok(n),
        }
    }

    fn flag(&self, key: &str) -> Result<bool, SettingsError> {
        match self.values.get(key) {
            None => Ok(false),
            Some((toml::Value::Boolean(flag), _)) => Ok(*flag),
            Some((other, _)) => Err(self.wrong(key, "true or false", other)),
        }
    }

    fn list(&self, key: &str) -> Result<Vec<String>, SettingsError> {
        match self.values.get(key) {
            None => Ok(Vec::new()),
            Some((toml::Value::Array(items), _)) => items
                .iter()
                .map(|item| item.as_str().map(str::to_owned).ok_or_else(|| self.wrong(key, "a list of strings", item)))
                .collect(),
            // `--set source_networks=a,b`
            Some((toml::Value::String(text), _)) => {
                Ok(text.split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect())
            }
            Some((other, _)) => Err(self.wrong(key, "a list of strings", other)),
        }
    }

    fn path(&self, key: &str, config: &RunConfig) -> Result<Option<PathBuf>, SettingsError> {
        let Some(text) = self.text(key)? else { return Ok(None) };
        Ok(Some(match self.values.get(key) {
            Some((_, Origin::File)) => config.resolve_path(&text),
            _ => PathBuf::from(text),
        }))
    }

    fn wrong(&self, key: &str, expected: &str, found: &toml::Value) -> SettingsError {
        SettingsError::Invalid(format!("{}: [run] {key} must be {expected}, found {found}", self.config_name))
    }
}

impl RunSettings {
    /// `[run]` of `config`, then each `--set` override in order.
    pub fn resolve(config: &RunConfig, overrides: &[(String, String)]) -> Result<Self, SettingsError> {
        let config_name = config.path.as_deref().map_or_else(|| DEFAULT_CONFIG.to_owned(), |p| p.display().to_string());
        let mut values: BTreeMap<String, (toml::Value, Origin)> =
            config.run.iter().map(|(key, value)| (key.clone(), (value.clone(), Origin::File))).collect();
        for (key, value) in overrides {
            values.insert(key.clone(), (override_value(value), Origin::CommandLine));
        }
        let known: Vec<&str> = RUN_KEYS.iter().map(|(key, _)| *key).collect();
        if let Some(unknown) = values.keys().find(|key| !known.contains(&key.as_str())) {
            return Err(SettingsError::Invalid(format!(
                "unknown run setting '{unknown}' (in [run] of {config_name} or --set); known settings: {}",
                known.join(", ")
            )));
        }
        let raw = Raw { values, config_name: config_name.clone() };
        let cluster = match raw.text("cluster")?.as_deref() {
            None | Some("sim") => ClusterMode::Sim,
            Some("kubeconfig") => ClusterMode::Kubeconfig,
            Some("login") => ClusterMode::Login,
            Some(other) => {
                return Err(SettingsError::Invalid(format!(
                    "{config_name}: [run] cluster = '{other}' must be \"sim\", \"kubeconfig\" or \"login\" (or pass --cluster sim|kubeconfig|login)"
                )));
            }
        };
        let defaults = Timeouts::default();
        let seconds =
            |key: &str, default: Duration| -> Result<Duration, SettingsError> { Ok(raw.number(key)?.map_or(default, Duration::from_secs)) };
        let timeouts = Timeouts {
            provider_ready: seconds("provider_ready_timeout_s", defaults.provider_ready)?,
            plan_ready: seconds("plan_ready_timeout_s", defaults.plan_ready)?,
            migration: seconds("migration_timeout_s", defaults.migration)?,
            teardown: seconds("teardown_timeout_s", defaults.teardown)?,
            inventory: seconds("inventory_timeout_s", defaults.inventory)?,
        };
        let junit_xml = raw.text("junit_xml")?.map_or_else(|| PathBuf::from("junit-report.xml"), PathBuf::from);
        let html = match raw.text("html")?.as_deref() {
            Some("none") => None,
            Some(path) => Some(PathBuf::from(path)),
            None => Some(crate::report::page::default_page_path(&junit_xml)),
        };
        Ok(Self {
            source_provider: raw.text("source_provider")?,
            storage_class: raw.text("storage_class")?,
            test_plan: raw.path("test_plan", config)?,
            providers_json: raw.path("providers_json", config)?,
            junit_xml,
            html,
            log_file: raw.text("log_file")?.map_or_else(|| PathBuf::from("mtv-host.log"), PathBuf::from),
            cluster,
            cluster_skip_tls_verify: raw.flag("cluster_skip_tls_verify")?,
            cluster_ca_file: raw.path("cluster_ca_file", config)?,
            sim_inventory: raw.path("sim_inventory", config)?,
            sim_step_delay: raw.number("sim_step_delay_ms")?.map(Duration::from_millis),
            jobs: raw.number_in("jobs", JOBS)?.map_or(1, |n| n as usize),
            xfail_strict: raw.flag("xfail_strict")?,
            source_storages: raw.list("source_storages")?,
            source_networks: raw.list("source_networks")?,
            timeouts,
            config_name,
        })
    }

    /// The two settings every real run needs, or a message naming both
    /// ways to set each missing one.
    pub fn required(&self) -> Result<(&str, &str), String> {
        let missing: Vec<&str> = [("storage_class", &self.storage_class), ("source_provider", &self.source_provider)]
            .into_iter()
            .filter(|(_, value)| value.is_none())
            .map(|(key, _)| key)
            .collect();
        match (&self.storage_class, &self.source_provider) {
            (Some(storage_class), Some(source_provider)) => Ok((storage_class, source_provider)),
            _ => {
                let ways: Vec<String> = missing
                    .iter()
                    .map(|key| {
                        format!("  {key}: add `{key} = \"…\"` under [run] in {} ([run] {key}), or pass --set {key}=…", self.config_name)
                    })
                    .collect();
                Err(format!(
                    "a run needs storage_class and source_provider; missing: {}\n{}\n(--collect-only and --setup-plan run without them)",
                    missing.join(", "),
                    ways.join("\n")
                ))
            }
        }
    }

    /// The test plan, or a message saying how to name one.
    pub fn test_plan(&self) -> Result<&Path, String> {
        self.test_plan.as_deref().ok_or_else(|| {
            format!("no test plan: add `test_plan = \"plan.toml\"` under [run] in {}, or pass --set test_plan=PATH", self.config_name)
        })
    }
}

/// A `--set` value: TOML when it parses as a number, boolean or array,
/// else the text as written.
fn override_value(text: &str) -> toml::Value {
    let parsed = toml::from_str::<BTreeMap<String, toml::Value>>(&format!("v = {text}")).ok().and_then(|mut table| table.remove("v"));
    match parsed {
        Some(value @ (toml::Value::Integer(_) | toml::Value::Boolean(_) | toml::Value::Array(_) | toml::Value::Float(_))) => value,
        _ => toml::Value::String(text.to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(text: &str) -> RunConfig {
        RunConfig::parse(Path::new("/etc/mtv/mtv-host.toml"), text).unwrap()
    }

    #[test]
    fn overrides_win_and_file_paths_are_relative_to_the_file() {
        let config = config("[run]\nstorage_class = \"a\"\ntest_plan = \"plan.toml\"\njobs = 2\n");
        let settings = RunSettings::resolve(&config, &[("storage_class".into(), "b".into()), ("jobs".into(), "4".into())]).unwrap();
        assert_eq!(settings.storage_class.as_deref(), Some("b"));
        assert_eq!(settings.jobs, 4);
        assert_eq!(settings.test_plan.as_deref(), Some(Path::new("/etc/mtv/plan.toml")));
        let cli_plan = RunSettings::resolve(&config, &[("test_plan".into(), "x.toml".into())]).unwrap();
        assert_eq!(cli_plan.test_plan.as_deref(), Some(Path::new("x.toml")));
    }

    #[test]
    fn unknown_keys_and_missing_required_settings_say_how_to_fix_them() {
        let error = RunSettings::resolve(&config("[run]\nstorage_clas = \"a\"\n"), &[]).unwrap_err().to_string();
        assert!(error.contains("storage_clas") && error.contains("storage_class"), "{error}");
        let settings = RunSettings::resolve(&config(""), &[]).unwrap();
        let message = settings.required().unwrap_err();
        assert!(message.contains("--set storage_class=…") && message.contains("[run] storage_class"), "{message}");
        assert!(message.contains("--set source_provider=…"), "{message}");
    }

    #[test]
    fn lists_come_from_arrays_or_commas() {
        let settings =
            RunSettings::resolve(&config("[run]\nsource_networks = [\"n1\", \"n2\"]\n"), &[("source_storages".into(), "d1,d2".into())])
                .unwrap();
        assert_eq!(settings.source_networks, ["n1", "n2"]);
        assert_eq!(settings.source_storages, ["d1", "d2"]);
    }
}
