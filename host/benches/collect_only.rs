//! `mtv-host run --collect-only` on large inputs: a providers file of
//! 100, 1,000 and 10,000 profiles (each with a password and a copy-offload
//! password, so every profile registers secrets), and a plan of 20,000
//! tests. The inputs are generated into a temporary directory; each run is
//! timed end to end and its peak memory read from the kernel.
//!
//! `cargo bench -p mtv-host --bench collect_only`

use std::path::Path;
use std::process::Command;
use std::time::Instant;

fn providers(profiles: usize) -> String {
    let entries: Vec<String> = (0..profiles)
        .map(|n| {
            format!(
                r#""vsphere-{n}": {{"type": "vsphere", "api_url": "vcenter-{n}.example.com", "version": "8.0", "username": "admin",
                    "password": "bench-pw-{n:06}-Pa55", "copyoffload": {{"storage_vendor_product": "ontap",
                    "storage_hostname": "10.0.{}.{}", "storage_username": "admin", "storage_password": "bench-array-{n:06}-Pa55",
                    "ontap_svm": "svm0", "datastore_id": "datastore-{n}"}}}}"#,
                n / 250,
                n % 250
            )
        })
        .collect();
    format!("{{{}}}", entries.join(",\n"))
}

fn plan(tests: usize) -> String {
    let mut plan = String::from("[markers]\ntier0 = \"smoke\"\n");
    for n in 0..tests {
        plan.push_str(&format!(
            "\n[[tests]]\nname = \"test-{n}\"\nmarkers = [\"tier0\"]\nvirtual_machines = [{{ name = \"mtv-rhel8-{n}\" }}]\n"
        ));
    }
    plan
}

/// Peak resident memory of the largest child so far, in MiB.
fn children_max_rss_mib() -> f64 {
    // SAFETY: getrusage writes into the zeroed struct it is given.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage) };
    usage.ru_maxrss as f64 / 1024.0
}

fn measure(dir: &Path, label: &str, profiles: usize, tests: usize) {
    std::fs::write(dir.join("providers.json"), providers(profiles)).expect("providers");
    std::fs::write(dir.join("plan.toml"), plan(tests)).expect("plan");
    let started = Instant::now();
    let output = Command::new(env!("CARGO_BIN_EXE_mtv-host"))
        .current_dir(dir)
        .args(["run", "--collect-only", "--config", "mtv-host.toml"])
        .env("HOME", dir)
        .env_remove("PROVIDERS_JSON_PATH")
        .env_remove("PYTEST_JIRA_URL")
        .output()
        .expect("mtv-host runs");
    let elapsed = started.elapsed();
    assert!(output.status.success(), "{label}: {}", String::from_utf8_lossy(&output.stderr));
    let collected = String::from_utf8_lossy(&output.stdout).lines().last().unwrap_or_default().to_owned();
    println!("{label:<40} {:>9.2} s   peak RSS so far {:>7.1} MiB   ({collected})", elapsed.as_secs_f64(), children_max_rss_mib());
}

fn main() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        dir.path().join("mtv-host.toml"),
        "[run]\nsource_provider = \"vsphere-0\"\nstorage_class = \"standard\"\ntest_plan = \"plan.toml\"\nproviders_json = \"providers.json\"\n",
    )
    .expect("config");
    for profiles in [100, 1_000, 10_000] {
        measure(dir.path(), &format!("{profiles} profiles, 10 tests"), profiles, 10);
    }
    measure(dir.path(), "100 profiles, 20,000 tests", 100, 20_000);
}
