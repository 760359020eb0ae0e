//! `openshift-python-wrapper` (the Kubernetes client most OpenShift QE code and
//! the original MTV suite use) against the simulator: the pytest suite in
//! `tests/wrapper/` logs in with a username and password, reads the operator,
//! cluster version, pods and inventory Route, migrates a VM and powers it.
//!
//! The wrapper lives in the venv `.ci/setup` creates (`target/wrapper-venv`, or
//! the Python named by `MTV_WRAPPER_PYTHON`). Without it the test says so and
//! passes, except under `CI=true`, where it fails.

use std::path::{Path, PathBuf};
use std::process::Command;

use mtv_sim::{Sim, SimConfig};

const USERNAME: &str = "qe-user";
const PASSWORD: &str = "wrapper-canary-8c1d2e";

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().map(Path::to_path_buf).unwrap_or_default()
}

/// The venv's Python when it has the wrapper and pytest; otherwise why not.
fn wrapper_python() -> Result<PathBuf, String> {
    let python = match std::env::var_os("MTV_WRAPPER_PYTHON") {
        Some(path) => PathBuf::from(path),
        None => workspace_root().join("target/wrapper-venv/bin/python"),
    };
    if !python.exists() {
        return Err(format!("{} does not exist: run `bash .ci/setup` (or set MTV_WRAPPER_PYTHON)", python.display()));
    }
    let probe =
        Command::new(&python).args(["-c", "import ocp_resources, pytest"]).output().map_err(|e| format!("{}: {e}", python.display()))?;
    if !probe.status.success() {
        return Err(format!(
            "{} cannot import openshift-python-wrapper and pytest: {}; run `bash .ci/setup`",
            python.display(),
            String::from_utf8_lossy(&probe.stderr).trim()
        ));
    }
    Ok(python)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openshift_python_wrapper_drives_the_simulator() {
    let python = match wrapper_python() {
        Ok(python) => python,
        Err(why) if std::env::var("CI").as_deref() == Ok("true") => panic!("the openshift-python-wrapper suite cannot run under CI: {why}"),
        Err(why) => {
            eprintln!("skipping the openshift-python-wrapper suite: {why}");
            return;
        }
    };
    let sim = Sim::start(SimConfig::default().login(USERNAME, PASSWORD)).await.unwrap();
    let dir = tempfile_dir();
    let ca = dir.join("inventory-ca.pem");
    std::fs::write(&ca, sim.inventory_ca_pem()).unwrap();
    let suite = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/wrapper");
    let url = sim.url();
    let output = tokio::task::spawn_blocking(move || {
        Command::new(python)
            .args(["-m", "pytest", "-q", "-p", "no:cacheprovider", "-o", "log_level=INFO"])
            .arg(&suite)
            .current_dir(&suite)
            .env("MTV_SIM_URL", url)
            .env("MTV_SIM_USERNAME", USERNAME)
            .env("MTV_SIM_PASSWORD", PASSWORD)
            .env("MTV_SIM_INVENTORY_CA", &ca)
            // No __pycache__ left in the source tree.
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .env_remove("KUBECONFIG")
            .env_remove("HTTPS_PROXY")
            .env_remove("HTTP_PROXY")
            .output()
    })
    .await
    .unwrap()
    .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let _ = std::fs::remove_dir_all(&dir);
    eprintln!("{stdout}");
    assert!(output.status.success(), "the wrapper suite failed:\n{stdout}\n{stderr}");
    assert!(stdout.contains(" passed") && !stdout.contains("skipped"), "{stdout}");
    sim.shutdown().await;
}

fn tempfile_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("mtv-wrapper-{}-{}", std::process::id(), fastrand::u64(..)));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
