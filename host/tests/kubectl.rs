//! The real kubectl against `mtv-host sim serve`, as a user would drive it:
//! what `run --setup-plan` and `job render` print reaches the cluster as
//! written (kubectl reads YAML with 1.1 rules, where a plain `on` is
//! `true`), kubectl's protobuf bodies (`create namespace`, `create secret`)
//! are taken, and the kubeconfig the server writes is its owner's alone.
//!
//! kubectl comes from `KUBECTL` or PATH (`.ci/setup` installs it). Without
//! it the kubectl tests skip, except under `CI=true`, where they fail.

mod runner_common;
mod support;

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Output, Stdio};

use runner_common::{PLAN, Workspace, code, text};
use serde_json::Value;

/// The kubectl to drive, or `None` (after saying so) when there is none.
fn kubectl() -> Option<PathBuf> {
    let on_path = || std::env::split_paths(&std::env::var_os("PATH")?).map(|dir| dir.join("kubectl")).find(|path| path.is_file());
    let found = std::env::var_os("KUBECTL").map(PathBuf::from).or_else(on_path);
    if found.is_none() {
        let in_ci = std::env::var("CI").is_ok_and(|v| v == "true");
        assert!(!in_ci, "kubectl is missing: run .ci/setup (or set KUBECTL) so these tests can drive it");
        eprintln!("skipped: no kubectl on PATH and KUBECTL unset (.ci/setup installs it)");
    }
    found
}

/// `mtv-host sim serve` on a free port, stopped when dropped.
struct Served {
    child: Child,
    /// Kept open: the server's later lines would otherwise hit a closed pipe.
    _stdout: BufReader<ChildStdout>,
    url: String,
    kubeconfig: PathBuf,
    _dir: tempfile::TempDir,
}

impl Served {
    fn start(token: Option<&str>) -> Served {
        let dir = tempfile::tempdir().unwrap();
        let kubeconfig = dir.path().join("mtv-sim.kubeconfig");
        Self::start_writing(dir, kubeconfig, token)
    }

    fn start_writing(dir: tempfile::TempDir, kubeconfig: PathBuf, token: Option<&str>) -> Served {
        let mut command = Command::new(env!("CARGO_BIN_EXE_mtv-host"));
        command
            .args(["sim", "serve", "--port", "0", "--step-delay-ms", "5", "--kubeconfig"])
            .arg(&kubeconfig)
            .current_dir(dir.path())
            .env_remove("MTV_SIM_TOKEN")
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        if let Some(token) = token {
            command.env("MTV_SIM_TOKEN", token);
        }
        let mut child = command.spawn().unwrap();
        let mut first = String::new();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        stdout.read_line(&mut first).unwrap();
        let url = first.trim().rsplit(' ').next().unwrap().to_owned();
        assert!(url.starts_with("http://127.0.0.1:"), "{first}");
        Served { child, _stdout: stdout, url, kubeconfig, _dir: dir }
    }

    /// kubectl with this server's kubeconfig, `stdin` piped in.
    fn kubectl(&self, kubectl: &Path, args: &[&str], stdin: &str) -> Output {
        let mut child = Command::new(kubectl)
            .arg("--kubeconfig")
            .arg(&self.kubeconfig)
            .args(args)
            .env_remove("KUBECONFIG")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
        child.wait_with_output().unwrap()
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn succeeded(output: &Output, what: &str) -> String {
    let (stdout, stderr) = text(output);
    assert_eq!(code(output), 0, "{what}:\n{stdout}\n{stderr}");
    stdout
}

/// The documents of a YAML stream with their text, read with YAML 1.2
/// rules: what the host meant to write.
fn documents(stream: &str) -> Vec<(String, Value)> {
    stream
        .split("\n---\n")
        .map(|chunk| chunk.strip_prefix("---\n").unwrap_or(chunk).to_owned())
        .filter_map(|chunk| {
            let value: Value = serde_yaml_ng::from_str(&chunk).unwrap_or_else(|e| panic!("{e}:\n{chunk}"));
            (!value.is_null()).then_some((chunk, value))
        })
        .collect()
}

/// Every field of `expected` is in `actual` with the same value (the
/// server adds metadata, defaults and status).
fn assert_contains(actual: &Value, expected: &Value, path: &str) {
    match (actual, expected) {
        (Value::Object(actual), Value::Object(expected)) => {
            for (key, value) in expected {
                let child = format!("{path}.{key}");
                assert_contains(actual.get(key).unwrap_or(&Value::Null), value, &child);
            }
        }
        (Value::Array(actual), Value::Array(expected)) => {
            assert_eq!(actual.len(), expected.len(), "{path}: {actual:?} vs {expected:?}");
            for (index, (a, e)) in actual.iter().zip(expected).enumerate() {
                assert_contains(a, e, &format!("{path}[{index}]"));
            }
        }
        _ => assert_eq!(actual, expected, "{path} came back different"),
    }
}

/// Applies `yaml` with kubectl, reads every object back, and checks each
/// one holds what the YAML said; returns the objects read back.
fn apply_and_read_back(served: &Served, kubectl: &Path, yaml: &str) -> Vec<Value> {
    succeeded(&served.kubectl(kubectl, &["apply", "-f", "-"], yaml), "kubectl apply");
    let listed: Value = serde_json::from_str(&succeeded(&served.kubectl(kubectl, &["get", "-f", "-", "-o", "json"], yaml), "kubectl get"))
        .expect("kubectl get -o json");
    let items = match listed["items"].as_array() {
        Some(items) => items.clone(),
        None => vec![listed],
    };
    let expected = documents(yaml);
    assert_eq!(items.len(), expected.len(), "every object comes back");
    for ((_, expected), actual) in expected.iter().zip(&items) {
        assert_contains(actual, expected, expected["kind"].as_str().unwrap_or("object"));
    }
    items
}

#[test]
fn setup_plan_objects_reach_the_cluster_as_written() {
    let Some(kubectl) = kubectl() else { return };
    let ws = Workspace::new(PLAN, "", "");
    let output = ws.run(&["--setup-plan"]);
    let stdout = succeeded(&output, "--setup-plan");
    assert!(stdout.contains("targetPowerState: 'on'"), "{stdout}");
    // Secret values are printed redacted on purpose, so no server takes them.
    let applicable: Vec<String> = documents(&stdout).into_iter().filter(|(_, doc)| doc["kind"] != "Secret").map(|(text, _)| text).collect();
    let yaml = applicable.iter().map(|doc| format!("---\n{doc}\n")).collect::<String>();

    let served = Served::start(None);
    let items = apply_and_read_back(&served, &kubectl, &yaml);
    let kinds: Vec<&str> = items.iter().filter_map(|item| item["kind"].as_str()).collect();
    for kind in ["Namespace", "Provider", "StorageMap", "NetworkMap", "Hook", "Plan", "Migration"] {
        assert!(kinds.contains(&kind), "{kind} not among {kinds:?}");
    }
    let powered: Vec<&Value> = items.iter().filter(|item| item["kind"] == "Plan" && !item["spec"]["targetPowerState"].is_null()).collect();
    assert!(!powered.is_empty() && powered.iter().all(|plan| plan["spec"]["targetPowerState"] == "on"), "{powered:?}");
}

#[test]
fn job_render_reaches_the_cluster_as_written_whatever_the_names() {
    let Some(kubectl) = kubectl() else { return };
    let dir = tempfile::tempdir().unwrap();
    // Each of these is a boolean or a number to a YAML 1.1 reader when plain.
    let args = ["job", "render", "--image", "quay.io/x/mtv-host:1.0", "--namespace", "on", "--name", "yes", "--secret", "no"];
    let output = support::mtv_host(dir.path(), &[&args[..], &["--", "-m", "off", "-k", "1e3"]].concat());
    let yaml = succeeded(&output, "job render");
    assert!(yaml.contains("namespace: 'on'") && yaml.contains("name: 'yes'"), "{yaml}");

    let served = Served::start(None);
    succeeded(&served.kubectl(&kubectl, &["create", "namespace", "on"], ""), "kubectl create namespace on");
    let items = apply_and_read_back(&served, &kubectl, &yaml);
    let job = items.iter().find(|item| item["kind"] == "Job").expect("a Job");
    assert_eq!(job["metadata"]["namespace"], "on");
    let container = job["spec"]["template"]["spec"]["containers"][0].to_string();
    assert!(container.contains("'-m' 'off' '-k' '1e3'"), "{container}");
}

#[test]
fn kubectl_create_namespace_secret_and_configmap_are_taken_in_protobuf() {
    let Some(kubectl) = kubectl() else { return };
    let served = Served::start(None);
    // `-v=8` shows the request's Content-Type: kubectl 1.32 and later send protobuf.
    let created = served.kubectl(&kubectl, &["create", "namespace", "team-a", "-v=8"], "");
    let stdout = succeeded(&created, "kubectl create namespace");
    assert!(stdout.contains("namespace/team-a created"), "{stdout}");
    let sent_protobuf = text(&created).1.contains("Content-Type: application/vnd.kubernetes.protobuf");
    if client_minor(&kubectl) >= 32 {
        assert!(sent_protobuf, "kubectl {} sends protobuf: {}", client_minor(&kubectl), text(&created).1);
    }

    let secret = ["create", "secret", "generic", "s", "-n", "team-a", "--from-literal=a=b", "--from-literal=flag=on"];
    succeeded(&served.kubectl(&kubectl, &secret, ""), "kubectl create secret");
    let data = served.kubectl(&kubectl, &["get", "secret", "s", "-n", "team-a", "-o", "jsonpath={.type} {.data.a} {.data.flag}"], "");
    assert_eq!(succeeded(&data, "kubectl get secret"), "Opaque Yg== b24=");
    let again = served.kubectl(&kubectl, &secret, "");
    assert_eq!(code(&again), 1);
    assert!(text(&again).1.contains("already exists"), "{}", text(&again).1);

    let config_map = ["create", "configmap", "c", "-n", "team-a", "--from-literal=k=v"];
    succeeded(&served.kubectl(&kubectl, &config_map, ""), "kubectl create configmap");
    let value = served.kubectl(&kubectl, &["get", "configmap", "c", "-n", "team-a", "-o", "jsonpath={.data.k}"], "");
    assert_eq!(succeeded(&value, "kubectl get configmap"), "v");

    let dry = served.kubectl(&kubectl, &["create", "namespace", "dry", "--dry-run=server"], "");
    assert!(succeeded(&dry, "kubectl create --dry-run=server").contains("(server dry run)"));
    let absent = served.kubectl(&kubectl, &["get", "namespace", "dry"], "");
    assert!(text(&absent).1.contains("NotFound"), "a dry run stores nothing: {}", text(&absent).1);
    let missing = served.kubectl(&kubectl, &["create", "secret", "generic", "x", "-n", "nowhere", "--dry-run=server"], "");
    assert!(text(&missing).1.contains("namespaces \"nowhere\" not found"), "{}", text(&missing).1);
}

#[test]
fn kubectl_get_raw_reads_the_forklift_inventory_through_the_service_proxy() {
    let Some(kubectl) = kubectl() else { return };
    let served = Served::start(None);
    let provider = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: inv\n---\n\
                    apiVersion: forklift.konveyor.io/v1beta1\nkind: Provider\nmetadata:\n  name: vcenter\n  namespace: inv\n\
                    spec:\n  type: vsphere\n  url: https://vcenter.example/sdk\n  secret:\n    name: s\n    namespace: inv\n";
    succeeded(&served.kubectl(&kubectl, &["apply", "-f", "-"], provider), "kubectl apply");
    let uid =
        succeeded(&served.kubectl(&kubectl, &["get", "provider", "vcenter", "-n", "inv", "-o", "jsonpath={.metadata.uid}"], ""), "uid");
    let proxy = "/api/v1/namespaces/openshift-mtv/services/https:forklift-inventory:8443/proxy";
    let providers = succeeded(&served.kubectl(&kubectl, &["get", "--raw", &format!("{proxy}/providers/vsphere")], ""), "providers");
    let providers: Value = serde_json::from_str(&providers).unwrap();
    assert_eq!(providers[0]["id"].as_str(), Some(uid.as_str()), "{providers}");
    let path = format!("{proxy}/providers/vsphere/{uid}/vms?name=mtv-rhel8-sanity");
    let vms: Value = serde_json::from_str(&succeeded(&served.kubectl(&kubectl, &["get", "--raw", &path], ""), "vms")).unwrap();
    assert_eq!((vms[0]["id"].as_str(), vms[0]["disks"][0]["datastore"]["id"].as_str()), (Some("vm-1001"), Some("datastore-1")), "{vms}");
    let missing = served.kubectl(&kubectl, &["get", "--raw", &format!("{proxy}/providers/vsphere/{uid}/vms/vm-404")], "");
    assert_eq!(code(&missing), 1, "an unknown VM is a 404");
}

/// kubectl's client minor version, e.g. 32.
fn client_minor(kubectl: &Path) -> u32 {
    let output = Command::new(kubectl).args(["version", "--client", "-o", "json"]).output().unwrap();
    let version: Value = serde_json::from_slice(&output.stdout).unwrap_or_default();
    version["clientVersion"]["minor"].as_str().unwrap_or_default().trim_end_matches('+').parse().unwrap_or(0)
}

#[cfg(unix)]
#[test]
fn sim_serve_writes_its_kubeconfig_for_its_owner_only() {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = dir.path().join("mtv-sim.kubeconfig");
    // A kubeconfig left readable by everyone is replaced, not reused.
    std::fs::write(&kubeconfig, "stale").unwrap();
    std::fs::set_permissions(&kubeconfig, std::fs::Permissions::from_mode(0o644)).unwrap();
    let token = "canary-sim-token-5e1d";
    let served = Served::start_writing(dir, kubeconfig.clone(), Some(token));
    let mode = std::fs::metadata(&kubeconfig).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "{mode:o}");
    let written = std::fs::read_to_string(&kubeconfig).unwrap();
    assert!(written.contains(token) && written.contains(&served.url), "{written}");
    let leftovers: Vec<_> =
        std::fs::read_dir(kubeconfig.parent().unwrap()).unwrap().filter_map(Result::ok).map(|e| e.file_name()).collect();
    assert_eq!(leftovers.len(), 1, "no temporary file is left beside it: {leftovers:?}");
}

#[test]
fn kubectl_sees_the_mtv_install_the_session_checks() {
    let Some(kubectl) = kubectl() else { return };
    let served = Served::start(None);
    let pods = served.kubectl(
        &kubectl,
        &["get", "pods", "-n", "openshift-mtv", "-o", "jsonpath={range .items[*]}{.metadata.name} {.status.phase}{\"\\n\"}{end}"],
        "",
    );
    let pods = succeeded(&pods, "kubectl get pods");
    let controller = pods.lines().find(|l| l.starts_with("forklift-controller-")).unwrap_or_else(|| panic!("{pods}"));
    assert!(controller.ends_with(" Running"), "{pods}");
    assert!(pods.lines().all(|l| l.starts_with("forklift-") && l.ends_with(" Running")), "{pods}");
    let running =
        served.kubectl(&kubectl, &["get", "pods", "-n", "openshift-mtv", "--field-selector", "status.phase!=Running", "-o", "name"], "");
    assert_eq!(succeeded(&running, "kubectl get pods --field-selector"), "");
    for (args, expected) in [
        (vec!["get", "csv", "-n", "openshift-mtv", "-o", "jsonpath={.items[0].status.phase}"], "Succeeded"),
        (
            vec!["get", "subscription", "mtv-operator", "-n", "openshift-mtv", "-o", "jsonpath={.status.installedCSV}"],
            "mtv-operator.v2.10.0",
        ),
        (vec!["get", "clusterversion", "version", "-o", "jsonpath={.status.desired.version}"], "4.20.0"),
        (vec!["get", "route", "forklift-inventory", "-n", "openshift-mtv", "-o", "jsonpath={.spec.tls.termination}"], "reencrypt"),
    ] {
        assert_eq!(succeeded(&served.kubectl(&kubectl, &args, ""), &args.join(" ")), expected, "{args:?}");
    }
    // Every advertised group/version answers, or this fails on the first that does not.
    succeeded(&served.kubectl(&kubectl, &["api-resources", "-o", "name"], ""), "kubectl api-resources");
}
