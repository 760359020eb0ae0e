//! Shared by the runner's tests: a scratch directory holding a run config,
//! a test plan, a providers file with canary secrets and a simulator
//! inventory, and the `mtv-host` binary run inside it.
#![allow(dead_code)] // each test binary uses a different part

use std::path::PathBuf;
use std::process::{Command, Output};

use kube::Client;
use mtv_host::migration::{Cluster, Kind, Ledger, client_for_url};
use mtv_sim::{Sim, SimConfig};

/// Secret values that must never appear in any output.
pub const CANARY_PASSWORD: &str = "canary-vcenter-Pa55w0rd-7f3a";
pub const CANARY_ARRAY_PASSWORD: &str = "canary-array-Pa55w0rd-91c2";

/// Namespaces a fresh simulator starts with.
pub const SEEDED_NAMESPACES: [&str; 4] = ["default", "kube-public", "kube-system", "openshift-mtv"];

pub fn quickstart_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../examples/quickstart")
}

pub const PROVIDERS: &str = r#"{
  "vsphere-test": {
    "type": "vsphere",
    "api_url": "vcenter.test.example",
    "username": "administrator@vsphere.local",
    "password": "canary-vcenter-Pa55w0rd-7f3a",
    "copyoffload": {
      "storage_vendor_product": "ontap",
      "datastore_id": "datastore-12345",
      "storage_hostname": "10.0.0.50",
      "storage_username": "admin",
      "storage_password": "canary-array-Pa55w0rd-91c2",
      "ontap_svm": "svm-test"
    }
  }
}"#;

/// A small plan: two that pass, one that fails at create_plan, one
/// skipped at collection, one expected hook failure.
pub const PLAN: &str = r#"
[markers]
negative = "fails on purpose"

[[tests]]
name = "cold-sanity"
markers = ["tier0", "cold"]
virtual_machines = [{ name = "mtv-rhel8-sanity" }]
target_power_state = "on"

[[tests]]
name = "two-disks"
markers = ["tier1", "cold"]
virtual_machines = [{ name = "mtv-rhel8-2disks" }]

[[tests]]
name = "missing-vm"
markers = ["negative"]
virtual_machines = [{ name = "mtv-missing-vm" }]

[[tests]]
name = "openstack-only"
source_providers = ["openstack"]
virtual_machines = [{ name = "mtv-rhel8-sanity" }]

[[tests]]
name = "pre-hook-fails"
markers = ["negative"]
virtual_machines = [{ name = "mtv-rhel8-off" }]
pre_hook = { expected_result = "fail" }
expected_migration_result = "failed"
expected_failed_step = "PreHook"
"#;

pub struct Workspace {
    pub dir: tempfile::TempDir,
}

impl Workspace {
    /// A config for the built-in simulator inventory; `extra_run` lines go
    /// under `[run]`, `extra` after it.
    pub fn new(plan: &str, extra_run: &str, extra: &str) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let config = format!(
            "[run]\nsource_provider = \"vsphere-test\"\nstorage_class = \"standard\"\ntest_plan = \"plan.toml\"\n\
             providers_json = \"providers.json\"\n\
             sim_step_delay_ms = 5\ninventory_timeout_s = 0\nplan_ready_timeout_s = 20\nmigration_timeout_s = 60\n{extra_run}\n{extra}"
        );
        std::fs::write(dir.path().join("mtv-host.toml"), config).expect("config");
        std::fs::write(dir.path().join("plan.toml"), plan).expect("plan");
        std::fs::write(dir.path().join("providers.json"), PROVIDERS).expect("providers");
        Self { dir }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_mtv-host"));
        command
            .current_dir(self.dir.path())
            .arg("run")
            .arg("--config")
            .arg(self.path("mtv-host.toml"))
            .args(args)
            .env("HOME", self.dir.path())
            .env("MTV_HOST_CACHE_DIR", self.dir.path().join("cache"))
            .env_remove("PROVIDERS_JSON_PATH")
            .env_remove("PYTEST_JIRA_URL")
            .env_remove("KUBECONFIG")
            .env_remove("RUST_LOG");
        for name in ["CLUSTER_HOST", "CLUSTER_USERNAME", "CLUSTER_PASSWORD", "JJI_SERVER_URL", "JJI_TOKEN"] {
            command.env_remove(name);
        }
        command
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().expect("mtv-host runs")
    }

    /// Points `--cluster kubeconfig` at `sim`.
    pub fn kubeconfig_for(&self, sim: &Sim) -> PathBuf {
        let path = self.path("kubeconfig.yaml");
        std::fs::write(&path, sim.kubeconfig_yaml()).expect("kubeconfig");
        path
    }

    pub fn read(&self, name: &str) -> String {
        std::fs::read_to_string(self.path(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
    }
}

pub fn text(output: &Output) -> (String, String) {
    (String::from_utf8_lossy(&output.stdout).into_owned(), String::from_utf8_lossy(&output.stderr).into_owned())
}

pub fn code(output: &Output) -> i32 {
    output.status.code().unwrap_or(-1)
}

/// A simulator in this process, and a cluster handle on it.
pub async fn simulator(config: SimConfig) -> (Sim, Cluster) {
    let sim = Sim::start(config).await.expect("simulator starts");
    let client: Client = client_for_url(&sim.url()).expect("client");
    (sim, Cluster::new(client, Ledger::default()))
}

pub async fn namespaces(cluster: &Cluster) -> Vec<String> {
    let mut names: Vec<String> = cluster
        .list(Kind::Namespace, None)
        .await
        .expect("list namespaces")
        .iter()
        .filter_map(|ns| ns["metadata"]["name"].as_str().map(str::to_owned))
        .collect();
    names.sort();
    names
}

/// Runs the binary on a blocking thread so the in-process simulator keeps serving.
pub async fn run_against(workspace: &Workspace, sim: &Sim, args: &[&str]) -> Output {
    let kubeconfig = workspace.kubeconfig_for(sim);
    let mut command = workspace.command(args);
    command.arg("--cluster").arg("kubeconfig").env("KUBECONFIG", kubeconfig);
    output_of(command).await
}

/// Run `command` to its end off the async runtime (the simulator shares it).
pub async fn output_of(mut command: Command) -> Output {
    tokio::task::spawn_blocking(move || command.output().expect("mtv-host runs")).await.expect("join")
}

/// A step's outcome in a JUnit report: (`kind:type`, message) for a
/// failure, error or skip, (`passed`, "") otherwise.
pub fn case_outcome(xml: &str, classname: &str, name: &str) -> (String, String) {
    let doc = roxmltree::Document::parse(xml).expect("well-formed JUnit");
    let case = doc
        .descendants()
        .find(|n| n.has_tag_name("testcase") && n.attribute("classname") == Some(classname) && n.attribute("name") == Some(name))
        .unwrap_or_else(|| panic!("no testcase {classname} {name}"));
    match case.children().find(|e| e.is_element() && matches!(e.tag_name().name(), "failure" | "error" | "skipped")) {
        Some(e) => (
            format!("{}:{}", e.tag_name().name(), e.attribute("type").unwrap_or_default()),
            e.attribute("message").unwrap_or_default().to_owned(),
        ),
        None => ("passed".to_owned(), String::new()),
    }
}
