//! The components the integrations load without a `[[plugins]]` entry,
//! found on the plugin search path (`crate::discovery`): the JIRA gate when
//! jira.cfg names a server, JJI with `--analyze-with-ai`, and the vendor
//! plugin of each copy-offload product (`<storage_vendor_product>.wasm`).

use std::collections::BTreeSet;
use std::path::PathBuf;

use super::jira::JiraFacts;
use crate::config::RunConfig;
use crate::discovery::{DefaultPlugin, Origin, SearchPath, choose};
use crate::enrich::{JJI_PLUGIN_NAME, JjiConfig, JjiSettings, plugin_spec};
use crate::plan::{CollectedTest, JIRA_MARKER};
use crate::plugins::{Grants, PluginSpec};
use crate::secrets::Env;

/// What the user asked of the plugins for one run.
#[derive(Debug, Clone, Default)]
pub struct PluginRequest {
    /// `--plugin`: only these.
    pub only: Vec<String>,
    /// `--no-plugin`: not these.
    pub without: Vec<String>,
    /// `--jira-force-run`.
    pub jira_force_run: Vec<String>,
    /// `--analyze-with-ai`.
    pub analyze_with_ai: bool,
}

pub const JIRA: &str = "jira";

/// Names `--plugin` and `--no-plugin` accept even when this run wants no
/// such default (and the config has no such entry).
pub const ALWAYS_KNOWN: [&str; 2] = [JIRA, JJI_PLUGIN_NAME];

/// The JIRA gate, allowed to reach the JIRA server's origin only.
pub fn jira(origin: &str) -> DefaultPlugin {
    DefaultPlugin {
        spec: PluginSpec {
            name: JIRA.to_owned(),
            grants: Grants { http: vec![origin.to_owned()], secrets: Vec::new() },
            ..PluginSpec::default()
        },
        why: format!("jira.cfg names {origin}"),
    }
}

/// The JJI reporter, allowed to reach the JJI server's origin only.
pub fn jji(config: &JjiConfig) -> DefaultPlugin {
    DefaultPlugin { spec: plugin_spec(config, PathBuf::new()), why: format!("--analyze-with-ai with JJI_SERVER_URL {}", config.origin) }
}

/// A `[[plugins]]` entry named jji: its path, pin and grants, with the
/// settings and the JJI origin the environment gives.
pub fn jji_from_entry(config: &JjiConfig, entry: PluginSpec) -> PluginSpec {
    let mut spec = plugin_spec(config, entry.path);
    spec.sha256 = entry.sha256;
    spec.grants.http.extend(entry.grants.http.into_iter().filter(|origin| origin != &config.origin));
    spec.grants.secrets = entry.grants.secrets;
    spec
}

/// The storage-vendor plugin of `product`: `<product>.wasm`, no grants.
pub fn vendor(product: &str) -> DefaultPlugin {
    DefaultPlugin {
        spec: PluginSpec { name: product.to_owned(), ..PluginSpec::default() },
        why: format!("storage_vendor_product {product}"),
    }
}

/// What to load, and what to tell the user about it.
pub struct Selected {
    pub specs: Vec<PluginSpec>,
    /// The JJI reporter, loaded after the report is written.
    pub jji: Option<PluginSpec>,
    /// Copy-offload products whose vendor plugin was found nowhere, with
    /// the message naming the directories searched.
    pub missing_vendors: Vec<(String, String)>,
    pub notes: Vec<String>,
}

/// Specs to load: the selected `[[plugins]]` and the defaults this run
/// wants, narrowed by `--plugin`/`--no-plugin`; JIRA settings and
/// `--jira-force-run` merged into the jira gate's settings. `Err` is a
/// usage problem (an unknown plugin name, a JIRA gate that cannot load).
pub fn select(
    config: &RunConfig,
    request: &PluginRequest,
    jira: &JiraFacts,
    env: &Env,
    tests: &[CollectedTest],
) -> Result<Selected, String> {
    let has_jira_markers = tests.iter().any(|t| t.has_marker(JIRA_MARKER));
    let products: BTreeSet<&str> = tests
        .iter()
        .filter(|t| t.spec.copyoffload && t.skip_reason().is_none())
        .filter_map(|t| t.storage_vendor_product.as_deref())
        .collect();
    let jji = request.analyze_with_ai.then(|| JjiSettings::from_env(env));
    let mut defaults: Vec<_> = products.iter().map(|product| vendor(product)).collect();
    if let (Some(_), Some(origin)) = (&jira.url, &jira.origin) {
        defaults.push(self::jira(origin));
    }
    if let Some(JjiSettings::Enabled { config: jji_config, .. }) = &jji {
        defaults.push(self::jji(jji_config));
    }
    let search = SearchPath::from_process(config.path.as_deref());
    let mut choice = choose(config, defaults, &ALWAYS_KNOWN, &request.only, &request.without, &search)?;
    let mut notes = Vec::new();

    let jira_gate = choice.plugins.iter().find(|c| c.spec.name == JIRA);
    match (jira_gate, choice.missing(JIRA), &jira.origin) {
        (Some(chosen), _, Some(origin)) if matches!(chosen.origin, Origin::Default { .. }) => notes.push(format!(
            "JIRA gating on: jira.cfg names {origin}; the jira plugin ({}) may reach that origin only",
            chosen.spec.path.display()
        )),
        (Some(_), _, _) => {}
        (None, Some(not_found), Some(origin)) if has_jira_markers => {
            return Err(format!(
                "JIRA gating needs the jira plugin: jira.cfg names {origin}, but {not_found}. To run the jira-marked tests ungated instead, pass --no-plugin jira"
            ));
        }
        (None, _, _) if has_jira_markers && (jira.origin.is_some() || config.plugins.iter().any(|p| p.name == JIRA)) => notes.push(
            "JIRA gating is off: the jira plugin is not selected (--plugin/--no-plugin, or enabled = false); jira markers run as plain tests"
                .to_owned(),
        ),
        (None, _, None) if has_jira_markers => notes.push(
            "JIRA gating is off: jira markers run as plain tests. To turn it on, set url in jira.cfg (or PYTEST_JIRA_URL), or add a [[plugins]] entry named jira".to_owned(),
        ),
        _ => {}
    }
    for spec in choice.plugins.iter_mut().map(|c| &mut c.spec).filter(|s| s.name == JIRA) {
        for (key, value) in &jira.settings {
            spec.settings.entry(key.clone()).or_insert_with(|| value.clone());
        }
        if !request.jira_force_run.is_empty() {
            spec.settings.insert("force_run".to_owned(), request.jira_force_run.join(","));
        }
    }

    let chosen_jji = choice.take(JJI_PLUGIN_NAME);
    let jji = match (jji, chosen_jji) {
        (None, _) => None,
        (Some(JjiSettings::Disabled { warning }), _) => {
            notes.push(warning);
            None
        }
        (Some(JjiSettings::Enabled { config: jji_config, warnings }), chosen) => {
            notes.extend(warnings.into_iter().map(|w| format!("warning: {w}")));
            match chosen {
                Some(chosen) if matches!(chosen.origin, Origin::Entry(_)) => Some(jji_from_entry(&jji_config, chosen.spec)),
                Some(chosen) => Some(chosen.spec),
                None => {
                    notes.push(match choice.missing(JJI_PLUGIN_NAME) {
                        Some(not_found) => format!("AI analysis will be skipped: {not_found}"),
                        None => "AI analysis will be skipped: --plugin/--no-plugin leave out the jji plugin".to_owned(),
                    });
                    None
                }
            }
        }
    };
    let missing_vendors = choice
        .missing
        .iter()
        .filter(|(default, _)| products.contains(default.spec.name.as_str()))
        .map(|(default, not_found)| (default.spec.name.clone(), not_found.to_string()))
        .collect();
    for chosen in choice.plugins.iter().filter(|c| matches!(c.origin, Origin::Default { .. })) {
        tracing::debug!("plugin {}: {}", chosen.spec.name, chosen.origin);
    }
    Ok(Selected { specs: choice.plugins.into_iter().map(|c| c.spec).collect(), jji, missing_vendors, notes })
}
