//! `docs/copyoffload-keys.md` is generated from `COPYOFFLOAD_KEYS`; this
//! test keeps the two equal.

use std::path::PathBuf;

use mtv_host::secrets::rules_markdown;

const BLESS: &str = "MTV_BLESS_DOCS";

#[test]
fn copyoffload_keys_doc_matches_the_rules_table() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../docs/copyoffload-keys.md");
    let expected = rules_markdown();
    if std::env::var_os(BLESS).is_some() {
        std::fs::write(&path, &expected).expect("write the generated doc");
        return;
    }
    let actual = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        actual == expected,
        "{} is out of date with COPYOFFLOAD_KEYS; regenerate it with \
         `{BLESS}=1 cargo test -p mtv-host --test secrets_docs`",
        path.display()
    );
}
