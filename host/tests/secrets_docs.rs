//! `docs/copyoffload-keys.md` is generated from the host's keys and the
//! built vendor plugins (every crate under `plugins/vendors`); this test
//! keeps the two equal.

mod support;

use std::path::PathBuf;

use mtv_host::copyoffload::{VendorRegistry, keys_markdown};
use mtv_host::plugins::{PluginRuntime, PluginSpec};
use support::{FixedSecrets, plugin, services};

const BLESS: &str = "MTV_BLESS_DOCS";

/// The vendor plugins the workspace builds, by crate directory name.
fn built_vendor_names() -> Vec<String> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../plugins/vendors");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .expect("plugins/vendors")
        .filter_map(|entry| entry.ok())
        .filter(|entry| entry.path().join("Cargo.toml").is_file())
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn copyoffload_keys_doc_matches_the_built_plugins() {
    let runtime = PluginRuntime::new(services(FixedSecrets::default()).0, None).unwrap();
    let loaded = built_vendor_names()
        .iter()
        .map(|name| runtime.load(&PluginSpec { name: name.clone(), path: plugin(name), ..Default::default() }).unwrap())
        .collect();
    let (registry, failures) = VendorRegistry::describe_all(&runtime, loaded);
    assert!(failures.is_empty(), "{failures:?}");
    assert!(registry.products().len() >= 9, "{:?}", registry.products());

    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../docs/copyoffload-keys.md");
    let expected = keys_markdown(&registry.infos());
    if std::env::var_os(BLESS).is_some() {
        std::fs::write(&path, &expected).expect("write the generated doc");
        return;
    }
    let actual = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        actual == expected,
        "{} is out of date with the host keys and the built vendor plugins; regenerate it with \
         `{BLESS}=1 cargo test -p mtv-host --test secrets_docs` or \
         `mtv-host copyoffload keys --markdown target/plugins/<vendor>.wasm... > docs/copyoffload-keys.md`",
        path.display()
    );
}
