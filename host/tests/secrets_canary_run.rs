//! A whole run with a canary secret in every source the host reads —
//! `.providers.json` (from a mounted secrets directory), `jira.cfg`, the
//! process environment (`COPYOFFLOAD_*`, `PYTEST_JIRA_*`, `CLUSTER_PASSWORD`),
//! `.env` (with `--analyze-with-ai`) — after which no output file, log,
//! report or console line holds any of them. Among them: a password inside
//! a URL, a multi-line password and a whitespace-padded one, which must
//! leave no line and no trimmed form behind either.

mod support;

use base64::Engine;
use std::path::{Path, PathBuf};
use std::process::Command;
use support::plugin;

const CANARIES: [&str; 8] = [
    "canary-provider-pw-a1f3",
    "canary-array-pw-file-b2e4",
    "canary-array-pw-env-c3d5",
    "canary-jira-token-d4c6",
    "canary-jira-pw-env-e5b7",
    "canary-cluster-pw-f6a8",
    "canary-dotenv-token-07b9",
    "canary-esxi-pw-18ca",
];

/// A URL's password, a two-line password and a padded password, with the
/// forms they take on the way out: the lines one by one, the trimmed value.
const URL_PASSWORD: &str = "canary-url-pw-29db";
const MULTI_LINE: &str = "canary-first-line-3aec\ncanary-second-line-3aec";
const PADDED: &str = "  canary-padded-4bfd \t";
const SHAPED_CANARIES: [&str; 4] = [URL_PASSWORD, "canary-first-line-3aec", "canary-second-line-3aec", "canary-padded-4bfd"];

fn quickstart(file: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/quickstart").join(file)
}

/// Every regular file under `dir`, except the inputs that hold canaries on purpose.
fn outputs(dir: &Path, inputs: &[&Path], found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if inputs.iter().any(|input| path.starts_with(input)) {
            continue;
        }
        if path.is_dir() {
            outputs(&path, inputs, found);
        } else {
            found.push(path);
        }
    }
}

#[test]
fn no_canary_from_any_source_reaches_any_output() {
    let dir = tempfile::tempdir().unwrap();
    let work = dir.path();
    let secrets_dir = work.join("mounted-secret");
    std::fs::create_dir(&secrets_dir).unwrap();
    let providers = serde_json::json!({
        "vsphere-sim": {
            "type": "vsphere", "api_url": "https://vcenter.test.example/sdk", "version": "8.0",
            "username": "administrator@vsphere.local", "password": CANARIES[0],
            "vddk_init_image": format!("puller:{URL_PASSWORD}@registry.test.example/vddk:8"),
            "guest_vm_linux_password": MULTI_LINE, "guest_vm_windows_password": PADDED,
            "copyoffload": {
                "storage_vendor_product": "ontap", "datastore_id": "datastore-12345",
                "storage_hostname": "10.0.0.5", "storage_username": "admin", "storage_password": CANARIES[1],
                "ontap_svm": "svm0", "esxi_clone_method": "ssh", "esxi_host": "esxi1", "esxi_user": "root", "esxi_password": CANARIES[7]
            }
        },
        // The same secrets where --setup-plan prints them: the padded
        // password's trimmed form as the host, the two-line one as the
        // SDK endpoint (a YAML block, one line at a time).
        "vsphere-shown": {
            "type": "vsphere", "api_url": "canary-padded-4bfd", "version": "8.0",
            "username": "administrator@vsphere.local", "password": PADDED, "sdk_endpoint": MULTI_LINE,
            "guest_vm_linux_password": MULTI_LINE,
            "vddk_init_image": format!("puller:{URL_PASSWORD}@registry.test.example/vddk:8")
        }
    });
    std::fs::write(secrets_dir.join("providers.json"), providers.to_string()).unwrap();
    std::fs::write(secrets_dir.join("cluster_password"), format!("{}\n", CANARIES[5])).unwrap();
    std::fs::write(secrets_dir.join("cluster_host"), "https://api.cluster.test.example:6443\n").unwrap();
    // JIRA is unreachable: the gate skips its tests, but the token still rides along.
    std::fs::write(work.join("jira.cfg"), format!("[DEFAULT]\nurl = http://127.0.0.1:9\ntoken = {}\n", CANARIES[3])).unwrap();
    std::fs::write(work.join(".env"), format!("JJI_SERVER_URL=http://127.0.0.1:9\nJJI_TIMEOUT=2\nMTV_EXTRA_TOKEN={}\n", CANARIES[6]))
        .unwrap();
    let config = format!(
        "[run]\nsource_provider = \"vsphere-sim\"\nstorage_class = \"ocs-storagecluster-ceph-rbd\"\ntest_plan = {plan:?}\nsim_inventory = {inventory:?}\n\
         cluster = \"sim\"\nsource_storages = [\"datastore-1\"]\nsource_networks = [\"network-1\"]\ninventory_timeout_s = 0\n\n\
         [[plugins]]\nname = \"ontap\"\npath = {ontap:?}\n\n[[plugins]]\nname = \"jira\"\npath = {jira:?}\ngrants = {{ http = [\"http://127.0.0.1:9\"] }}\nsettings = {{ url = \"http://127.0.0.1:9\", connection_retry_total = 1 }}\n",
        plan = quickstart("plan.toml"),
        inventory = quickstart("inventory.toml"),
        ontap = plugin("ontap"),
        jira = plugin("jira"),
    );
    std::fs::write(work.join("mtv-host.toml"), config).unwrap();

    let output = Command::new(env!("CARGO_BIN_EXE_mtv-host"))
        .args(["-v", "run", "--secrets-dir", secrets_dir.to_str().unwrap(), "--analyze-with-ai"])
        .args(["-k", "copyoffload-ontap or jira-gated or missing-vm or cold-rhel8-sanity"])
        .current_dir(work)
        .env_remove("PROVIDERS_JSON_PATH")
        .env("HOME", work)
        .env("MTV_HOST_CACHE_DIR", work.join("cache"))
        .env("COPYOFFLOAD_STORAGE_PASSWORD", CANARIES[2])
        .env("PYTEST_JIRA_PASSWORD", CANARIES[4])
        .env("CLUSTER_PASSWORD", CANARIES[5])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(output.status.code(), Some(1), "one test fails on purpose:\n{stdout}\n{stderr}");
    assert!(work.join("junit-report.xml").is_file(), "{stdout}");
    assert!(stdout.contains("PASSED plan::copyoffload-ontap"), "the copy-offload Secret was built from the canaries:\n{stdout}\n{stderr}");

    let mut files = Vec::new();
    let inputs = [secrets_dir.as_path(), &work.join("jira.cfg"), &work.join(".env"), &work.join("mtv-host.toml"), &work.join("cache")];
    outputs(work, &inputs, &mut files);
    assert!(files.iter().any(|f| f.ends_with("mtv-host.log")), "{files:?}");
    assert!(files.iter().any(|f| f.ends_with("mtv-host-audit.jsonl")), "{files:?}");
    assert!(files.iter().any(|f| f.ends_with("report.html")), "{files:?}");
    let mut checked = vec![("stdout".to_string(), stdout), ("stderr".to_string(), stderr)];
    for file in &files {
        checked.push((file.display().to_string(), String::from_utf8_lossy(&std::fs::read(file).unwrap()).into_owned()));
    }
    assert!(
        files.iter().any(|f| f.ends_with("providers.yaml")),
        "the data collector wrote the Provider, with the URL that carries a password: {files:?}"
    );

    let setup_plan = Command::new(env!("CARGO_BIN_EXE_mtv-host"))
        .args(["run", "--setup-plan", "--secrets-dir", secrets_dir.to_str().unwrap(), "--set", "source_provider=vsphere-shown"])
        .args(["-k", "cold-rhel8-sanity", "--no-plugin", "jira"])
        .current_dir(work)
        .env_remove("PROVIDERS_JSON_PATH")
        .env("HOME", work)
        .env("MTV_HOST_CACHE_DIR", work.join("cache"))
        .output()
        .unwrap();
    let yaml = String::from_utf8_lossy(&setup_plan.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&setup_plan.stderr).into_owned();
    assert_eq!(setup_plan.status.code(), Some(0), "{yaml}\n{stderr}");
    assert!(yaml.contains("url: https://[REDACTED]/sdk"), "the trimmed form is masked inside the URL:\n{yaml}");
    assert!(yaml.contains("vddkInitImage: [REDACTED]@registry.test.example/vddk:8"), "{yaml}");
    assert!(yaml.contains("sdkEndpoint: |-\n      [REDACTED]\n      [REDACTED]\n"), "each line is masked:\n{yaml}");
    checked.push(("--setup-plan stdout".to_string(), yaml));
    checked.push(("--setup-plan stderr".to_string(), stderr));

    for (what, content) in &checked {
        for canary in CANARIES.iter().chain(&SHAPED_CANARIES) {
            assert!(!content.contains(canary), "{what} leaks {canary}");
        }
    }
    // The page people open and pass around: not even encoded.
    let page = std::fs::read_to_string(work.join("report.html")).unwrap();
    for canary in CANARIES {
        for encoded in
            [base64::engine::general_purpose::STANDARD.encode(canary), base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(canary)]
        {
            assert!(!page.contains(&encoded), "report.html leaks {canary} as base64");
        }
    }
}
