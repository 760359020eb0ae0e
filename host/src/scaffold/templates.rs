//! The crate's files, rendered from the templates in `templates/` by
//! replacing `{{placeholder}}`s.

use super::{DependencyPaths, Kind, PluginName};
use std::path::{Path, PathBuf};

const CARGO_TOML: &str = include_str!("templates/Cargo.toml.tmpl");
const README: &str = include_str!("templates/README.md.tmpl");
const CONFIG: &str = include_str!("templates/mtv-host.toml.tmpl");
const GITIGNORE: &str = include_str!("templates/gitignore.tmpl");
const PROVIDERS: &str = include_str!("templates/providers.example.json.tmpl");
/// The host workspace's manifest, whose build profiles a new crate copies.
const WORKSPACE_MANIFEST: &str = include_str!("../../../Cargo.toml");

/// The `[profile.*]` tables of the host workspace (they close its manifest).
fn build_profiles() -> &'static str {
    WORKSPACE_MANIFEST.find("[profile.").map_or("", |start| &WORKSPACE_MANIFEST[start..])
}

/// The world-specific files: src/lib.rs, tests/plugin.rs, a README section.
fn kind_templates(kind: Kind) -> [&'static str; 3] {
    match kind {
        Kind::StorageVendor => [
            include_str!("templates/storage-vendor.lib.rs.tmpl"),
            include_str!("templates/storage-vendor.test.rs.tmpl"),
            include_str!("templates/storage-vendor.README.md.tmpl"),
        ],
        Kind::Gate => [
            include_str!("templates/gate.lib.rs.tmpl"),
            include_str!("templates/gate.test.rs.tmpl"),
            include_str!("templates/gate.README.md.tmpl"),
        ],
        Kind::Reporter => [
            include_str!("templates/reporter.lib.rs.tmpl"),
            include_str!("templates/reporter.test.rs.tmpl"),
            include_str!("templates/reporter.README.md.tmpl"),
        ],
    }
}

/// (path relative to the crate, contents) for every file.
pub(super) fn render(kind: Kind, name: &PluginName, paths: &DependencyPaths, contract_version: &str) -> Vec<(PathBuf, String)> {
    let [lib, test, section] = kind_templates(kind);
    let run_section = match kind {
        // `copyoffload check` reads the profile from [run].
        Kind::StorageVendor => "\n[run]\nsource_provider = \"vsphere-8\"\nstorage_class = \"ocs-storagecluster-ceph-rbd\"\n",
        Kind::Gate | Kind::Reporter => "",
    };
    let values = [
        ("name", name.as_str().to_string()),
        ("kind", kind.name().to_string()),
        ("wasm_stem", name.snake()),
        ("product", name.product()),
        ("display_name", name.display_name()),
        ("key_prefix", name.snake()),
        ("KEY_PREFIX", name.snake().to_ascii_uppercase()),
        ("contract_version", contract_version.to_string()),
        ("sdk_path", toml_string(&paths.sdk)),
        ("runtime_path", toml_string(&paths.runtime)),
        ("run_section", run_section.to_string()),
        ("build_profiles", build_profiles().to_string()),
        ("kind_section", fill(section, &[("product", name.product())])),
    ];
    let mut files = vec![
        ("Cargo.toml", fill(CARGO_TOML, &values)),
        ("README.md", fill(README, &values)),
        ("mtv-host.toml", fill(CONFIG, &values)),
        (".gitignore", GITIGNORE.to_string()),
        ("src/lib.rs", fill(lib, &values)),
        ("tests/plugin.rs", fill(test, &values)),
    ];
    if kind == Kind::StorageVendor {
        files.push(("providers.example.json", fill(PROVIDERS, &values)));
    }
    files.into_iter().map(|(path, text)| (PathBuf::from(path), text)).collect()
}

/// Replace each `{{key}}` with its value.
fn fill(template: &str, values: &[(&str, String)]) -> String {
    values.iter().fold(template.to_string(), |text, (key, value)| text.replace(&format!("{{{{{key}}}}}"), value))
}

/// A quoted, escaped TOML string for a path.
fn toml_string(path: &Path) -> String {
    toml::Value::String(path.display().to_string()).to_string()
}
