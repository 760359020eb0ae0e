//! The `mtv-host` binary: plugins, secrets and copy-offload commands, as a
//! user runs them.

mod support;

use std::path::Path;
use std::process::Command;
use support::{fixture, mtv_host, plugin, text};

const CANARY: &str = "canary-cli-pw-19f0";

/// A working directory with a config that loads `vendors` and a providers
/// file whose copy-offload section is `copyoffload`.
fn workdir(vendors: &[(&str, std::path::PathBuf)], copyoffload: serde_json::Value) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let mut config = String::from("[run]\nsource_provider = \"vsphere-8\"\nstorage_class = \"ocs-storagecluster-ceph-rbd\"\n");
    for (name, path) in vendors {
        config.push_str(&format!("\n[[plugins]]\nname = \"{name}\"\npath = \"{}\"\n", path.display()));
    }
    std::fs::write(dir.path().join("mtv-host.toml"), config).unwrap();
    let providers = serde_json::json!({ "vsphere-8": { "type": "vsphere", "api_url": "https://vcenter.example.com/sdk", "username": "administrator@vsphere.local", "password": CANARY, "copyoffload": copyoffload } });
    std::fs::write(dir.path().join(".providers.json"), providers.to_string()).unwrap();
    dir
}

#[test]
fn inspect_shows_world_version_imports_and_sha256() {
    let dir = tempfile::tempdir().unwrap();
    let path = plugin("ontap");
    let output = mtv_host(dir.path(), &["plugins", "inspect", path.to_str().unwrap()]);
    let out = text(&output);
    assert!(output.status.success(), "{out}");
    assert!(out.contains("world     storage-vendor (mtv:plugin@0.2.0)"), "{out}");
    assert!(out.contains("mtv:plugin/storage-vendor-hooks@0.2.0"), "{out}");
    let sha = sha256_of(&path);
    assert!(out.contains(&sha), "{out}");
}

fn sha256_of(path: &Path) -> String {
    let output = Command::new("sha256sum").arg(path).output().unwrap();
    String::from_utf8_lossy(&output.stdout).split_whitespace().next().unwrap().to_string()
}

#[test]
fn list_loads_the_configured_plugins_and_narrows_with_flags() {
    let dir = workdir(&[("ontap", plugin("ontap")), ("vantara", plugin("vantara"))], serde_json::json!({}));
    let output = mtv_host(dir.path(), &["plugins", "list"]);
    let out = text(&output);
    assert!(output.status.success(), "{out}");
    assert!(out.contains("ontap\n  world     storage-vendor") && out.contains("vantara\n"), "{out}");
    let narrowed = text(&mtv_host(dir.path(), &["plugins", "list", "--no-plugin", "vantara"]));
    assert!(narrowed.contains("ontap") && !narrowed.contains("vantara"), "{narrowed}");
    let unknown = mtv_host(dir.path(), &["plugins", "list", "--plugin", "nope"]);
    assert!(!unknown.status.success());
    assert!(text(&unknown).contains("no plugin named 'nope'"));
}

#[test]
fn a_pin_mismatch_is_reported_by_list() {
    let dir = workdir(&[], serde_json::json!({}));
    let config = format!("[[plugins]]\nname = \"ontap\"\npath = \"{}\"\nsha256 = \"{}\"\n", plugin("ontap").display(), "ab".repeat(32));
    std::fs::write(dir.path().join("mtv-host.toml"), config).unwrap();
    let output = mtv_host(dir.path(), &["plugins", "list"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(text(&output).contains("pins abab"), "{}", text(&output));
}

#[test]
fn copyoffload_check_accepts_a_tenth_vendor_from_outside_the_tree() {
    let dir = workdir(
        &[("acme", fixture("tenth-vendor"))],
        serde_json::json!({
            "storage_vendor_product": "acmeArray", "datastore_id": "datastore-1",
            "storage_hostname": "10.0.0.9", "storage_username": "admin", "storage_password": CANARY,
            "acme_pool": "gold", "acme_api_key": "canary-acme-cli-5e21",
        }),
    );
    let output = mtv_host(dir.path(), &["copyoffload", "check"]);
    let out = text(&output);
    assert!(output.status.success(), "{out}");
    assert!(out.contains("ACME_POOL") && out.contains("gold") && out.contains("ACME_API_KEY"), "{out}");
    assert!(out.contains("storageVendorProduct: acmeArray"), "{out}");
    assert!(out.contains("outside the Forklift StorageMap CRD"), "{out}");
    assert!(!out.contains(CANARY) && !out.contains("canary-acme-cli-5e21"), "{out}");
}

#[test]
fn copyoffload_check_fails_before_any_cluster_call_naming_key_and_variable() {
    let dir = workdir(
        &[("powermax", plugin("powermax"))],
        serde_json::json!({
            "storage_vendor_product": "powermax", "datastore_id": "datastore-1",
            "storage_hostname": "10.0.0.9", "storage_username": "admin", "storage_password": CANARY,
            "powermax_symmetrix_id": "000197900123",
        }),
    );
    let output = mtv_host(dir.path(), &["copyoffload", "check"]);
    let out = text(&output);
    assert_eq!(output.status.code(), Some(1), "{out}");
    assert!(
        out.contains("vsphere-8.copyoffload.powermax_port_group_name") && out.contains("COPYOFFLOAD_POWERMAX_PORT_GROUP_NAME"),
        "{out}"
    );
    assert!(!out.contains(CANARY), "{out}");
}

#[test]
fn secrets_explain_names_sources_and_never_values() {
    let dir = workdir(&[], serde_json::json!({ "storage_password": CANARY }));
    std::fs::write(dir.path().join("jira.cfg"), "[DEFAULT]\nurl = https://issues.example.com\ntoken = canary-jira-cli-8a8a\n").unwrap();
    let output = mtv_host(dir.path(), &["secrets", "explain"]);
    let out = text(&output);
    assert!(output.status.success(), "{out}");
    assert!(out.contains("jira.token") && out.contains("jira.cfg"), "{out}");
    assert!(out.contains("copyoffload.storage_password"), "{out}");
    assert!(!out.contains(CANARY) && !out.contains("canary-jira-cli-8a8a"), "{out}");
}

#[test]
fn usage_errors_exit_4_and_help_documents_exit_codes() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(mtv_host(dir.path(), &["frobnicate"]).status.code(), Some(4));
    let help = mtv_host(dir.path(), &["--help"]);
    assert!(help.status.success());
    assert!(text(&help).contains("5  no tests collected"), "{}", text(&help));
}

#[test]
fn junit_merge_recomputes_totals_and_rejects_non_junit() {
    let dir = tempfile::tempdir().unwrap();
    let shard = |name: &str, cases: &str, tests: u32, failures: u32| {
        let xml = format!(
            "<?xml version=\"1.0\"?><testsuites><testsuite name=\"mtv-host\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\" skipped=\"0\" time=\"1.0\">{cases}</testsuite></testsuites>"
        );
        std::fs::write(dir.path().join(name), xml).unwrap();
        dir.path().join(name)
    };
    let a = shard("a.xml", "<testcase classname=\"p::a\" name=\"migrate\" time=\"0.5\"/>", 1, 0);
    let b = shard(
        "b.xml",
        "<testcase classname=\"p::b\" name=\"migrate\" time=\"0.5\"><failure message=\"boom\">trace</failure><system-out>log b</system-out></testcase>",
        1,
        1,
    );
    let out = dir.path().join("merged.xml");
    let output = mtv_host(dir.path(), &["junit", "merge", out.to_str().unwrap(), a.to_str().unwrap(), b.to_str().unwrap()]);
    assert!(output.status.success(), "{}", text(&output));
    assert!(text(&output).contains("2 tests, 1 failures"), "{}", text(&output));
    let merged = std::fs::read_to_string(&out).unwrap();
    assert!(merged.contains("log b") && merged.contains("p::a"), "{merged}");

    let bogus = dir.path().join("notes.txt");
    std::fs::write(&bogus, "not xml at all").unwrap();
    let output = mtv_host(dir.path(), &["junit", "merge", out.to_str().unwrap(), a.to_str().unwrap(), bogus.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1));
    assert!(text(&output).contains("notes.txt"), "{}", text(&output));
}

#[test]
fn sim_serve_answers_kubernetes_requests_and_writes_a_kubeconfig() {
    use std::io::{BufRead, BufReader, Read, Write};
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = dir.path().join("kc.yaml");
    let mut child = Command::new(env!("CARGO_BIN_EXE_mtv-host"))
        .args(["sim", "serve", "--port", "0", "--kubeconfig", kubeconfig.to_str().unwrap()])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.as_mut().unwrap()).read_line(&mut first).unwrap();
    let url = first.trim().rsplit(' ').next().unwrap().to_string();
    let address = url.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(address).unwrap();
    write!(stream, "GET /api/v1/namespaces HTTP/1.1\r\nhost: {address}\r\nconnection: close\r\n\r\n").unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains("\"name\":\"default\""), "{answer}");
    assert!(std::fs::read_to_string(&kubeconfig).unwrap().contains(&url));
}

#[test]
fn commands_find_the_providers_file_the_run_config_names_from_any_directory() {
    let elsewhere = tempfile::tempdir().unwrap();
    let config = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../examples/quickstart/mtv-host.toml");
    let output = mtv_host(elsewhere.path(), &["copyoffload", "check", "--config", config.to_str().unwrap()]);
    let out = text(&output);
    assert!(output.status.success(), "{out}");
    assert!(out.contains("examples/quickstart/.providers.json"), "{out}");
}

#[test]
fn trace_logging_with_an_empty_plugin_cache_leaves_out_the_compilers_own_logs() {
    let dir = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_mtv-host"))
        .args(["-vv", "plugins", "inspect", fixture("hostile").to_str().unwrap()])
        .current_dir(dir.path())
        .env("MTV_HOST_CACHE_DIR", dir.path().join("empty-cache"))
        .env("HOME", dir.path())
        .env_remove("RUST_LOG")
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", text(&output));
    let log = String::from_utf8_lossy(&output.stderr);
    // The host's own trace-level lines are there; the compiler's are not.
    assert!(log.contains("compiled in"), "{log}");
    assert!(!log.contains("cranelift") && !log.contains("regalloc"), "{}", &log[..log.len().min(4000)]);
    assert!(log.len() < 64 * 1024, "-vv wrote {} bytes", log.len());
}
