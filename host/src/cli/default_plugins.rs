//! The components the host loads without a `[[plugins]]` entry, found on
//! the plugin search path (`mtv_host::discovery`): the JIRA gate when
//! jira.cfg names a server, JJI with `--analyze-with-ai`, and the vendor
//! plugin of each copy-offload product (`<storage_vendor_product>.wasm`).

use std::path::PathBuf;

use mtv_host::discovery::DefaultPlugin;
use mtv_host::enrich::{JJI_PLUGIN_NAME, JjiConfig, plugin_spec};
use mtv_host::plugins::{Grants, PluginSpec};

pub(crate) const JIRA: &str = "jira";

/// Names `--plugin` and `--no-plugin` accept even when this run wants no
/// such default (and the config has no such entry).
pub(crate) const ALWAYS_KNOWN: [&str; 2] = [JIRA, JJI_PLUGIN_NAME];

/// The JIRA gate, allowed to reach the JIRA server's origin only.
pub(crate) fn jira(origin: &str) -> DefaultPlugin {
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
pub(crate) fn jji(config: &JjiConfig) -> DefaultPlugin {
    DefaultPlugin { spec: plugin_spec(config, PathBuf::new()), why: format!("--analyze-with-ai with JJI_SERVER_URL {}", config.origin) }
}

/// A `[[plugins]]` entry named jji: its path, pin and grants, with the
/// settings and the JJI origin the environment gives.
pub(crate) fn jji_from_entry(config: &JjiConfig, entry: PluginSpec) -> PluginSpec {
    let mut spec = plugin_spec(config, entry.path);
    spec.sha256 = entry.sha256;
    spec.grants.http.extend(entry.grants.http.into_iter().filter(|origin| origin != &config.origin));
    spec.grants.secrets = entry.grants.secrets;
    spec
}

/// The storage-vendor plugin of `product`: `<product>.wasm`, no grants.
pub(crate) fn vendor(product: &str) -> DefaultPlugin {
    DefaultPlugin {
        spec: PluginSpec { name: product.to_owned(), ..PluginSpec::default() },
        why: format!("storage_vendor_product {product}"),
    }
}
