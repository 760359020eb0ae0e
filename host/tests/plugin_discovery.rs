//! Default plugins found wherever the binary runs: an installed binary
//! (`cargo install --root`) with `MTV_HOST_PLUGIN_PATH`, the image layout
//! (binary in one directory, components in `/opt/mtv-host/plugins`), a
//! `[[plugins]]` entry winning over the search path, and `--no-plugin`
//! turning a default off.

mod runner_common;
mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use mtv_sim::SimConfig;
use runner_common::{PLAN, Workspace, code, output_of, quickstart_dir, simulator};
use support::jji::{AI_PROPERTY, FakeJji, Reply};
use support::{plugin, text};

/// A test plan with one jira-marked test.
const JIRA_PLAN: &str =
    "[[tests]]\nname = \"gated\"\nvirtual_machines = [{ name = \"mtv-rhel8-sanity\" }]\njira = [{ keys = [\"MTV-1\"] }]\n";

/// The `mtv-host` that `cargo install --path host --root <root>` puts in
/// `<root>/bin`, built in the test's own target directory and profile so
/// only the final link can be new work.
fn install(root: &Path) -> PathBuf {
    let built = PathBuf::from(env!("CARGO_BIN_EXE_mtv-host"));
    let profile_dir = built.parent().expect("profile dir");
    let target = profile_dir.parent().expect("target dir");
    let host = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut command = Command::new(env!("CARGO"));
    command.args(["install", "--offline", "--locked", "--path"]).arg(&host).arg("--root").arg(root).env("CARGO_TARGET_DIR", target);
    // What cargo sets for this test process: build scripts that watch these
    // (ring watches CARGO_MANIFEST_DIR) would rebuild for the install, and
    // again for the next `cargo test`.
    for (name, _) in std::env::vars_os() {
        let name = name.to_string_lossy();
        let set_by_cargo =
            ["CARGO_PKG_", "CARGO_BIN_EXE_", "CARGO_MANIFEST_", "CARGO_CRATE_", "CARGO_PRIMARY_", "CARGO_TARGET_TMPDIR", "OUT_DIR"];
        if set_by_cargo.iter().any(|prefix| name.starts_with(prefix)) {
            command.env_remove(name.as_ref());
        }
    }
    match profile_dir.file_name().and_then(|n| n.to_str()) {
        Some("debug") => command.arg("--debug"),
        Some(profile) => command.args(["--profile", profile]),
        None => panic!("{} is not in a profile directory", built.display()),
    };
    let output = command.output().expect("cargo install runs");
    assert!(output.status.success(), "cargo install failed:\n{}", text(&output));
    let installed = root.join("bin/mtv-host");
    assert!(installed.is_file(), "{} was not installed", installed.display());
    installed
}

/// Every built component, copied into `dir`.
fn components_in(dir: &Path) -> PathBuf {
    let built = plugin("jji").parent().expect("plugins dir").to_path_buf();
    std::fs::create_dir_all(dir).unwrap();
    for entry in std::fs::read_dir(&built).unwrap().flatten() {
        if entry.path().extension().is_some_and(|e| e == "wasm") {
            std::fs::copy(entry.path(), dir.join(entry.file_name())).unwrap();
        }
    }
    dir.to_path_buf()
}

/// `program ARGS` in `cwd` with a clean environment: `HOME` (and so the
/// user data directory) is `cwd`, no config, no JIRA or JJI settings.
fn command(program: &Path, cwd: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(program);
    command
        .args(args)
        .current_dir(cwd)
        .env("HOME", cwd)
        .env("MTV_HOST_CACHE_DIR", cwd.join("cache"))
        .env_remove("XDG_DATA_HOME")
        .env_remove("MTV_HOST_PLUGIN_PATH")
        .env_remove("MTV_HOST_CONFIG")
        .env_remove("PROVIDERS_JSON_PATH")
        .env_remove("RUST_LOG");
    for name in ["PYTEST_JIRA_URL", "PYTEST_JIRA_TOKEN", "JJI_SERVER_URL", "JJI_TOKEN", "KUBECONFIG"] {
        command.env_remove(name);
    }
    command
}

/// The quickstart with `--analyze-with-ai` against a JJI double: the
/// report, everything printed, and how many requests JJI received.
fn quickstart_with_ai(mut command: Command, cwd: &Path) -> (String, String, usize) {
    let server = FakeJji::start(Reply::Annotate);
    let config = quickstart_dir().join("mtv-host.toml");
    let output =
        command.arg("run").arg("--config").arg(&config).arg("--analyze-with-ai").env("JJI_SERVER_URL", &server.url).output().unwrap();
    let printed = text(&output);
    assert_eq!(output.status.code(), Some(1), "the quickstart fails one test on purpose:\n{printed}");
    let report = std::fs::read_to_string(cwd.join("junit-report.xml")).unwrap_or_else(|e| panic!("no report ({e}):\n{printed}"));
    let requests = server.requests().len();
    (report, printed, requests)
}

#[test]
fn the_quickstart_config_has_no_jji_entry() {
    let config = std::fs::read_to_string(quickstart_dir().join("mtv-host.toml")).unwrap();
    let entries: Vec<&str> = config.lines().filter(|l| l.trim_start().starts_with("name =")).collect();
    assert_eq!(entries, ["name = \"ontap\"", "name = \"vantara\""]);
}

#[test]
fn an_installed_binary_enriches_the_quickstart_report_with_jji_from_the_plugin_path() {
    let tmp = tempfile::tempdir().unwrap();
    let installed = install(&tmp.path().join("root"));
    let components = components_in(&tmp.path().join("components"));
    let cwd = tmp.path().join("work");
    std::fs::create_dir(&cwd).unwrap();

    let (report, printed, requests) = quickstart_with_ai(command(&installed, &cwd, &[]), &cwd);
    assert_eq!(requests, 0, "without the plugin path nothing is sent:\n{printed}");
    assert!(!report.contains(AI_PROPERTY), "{report}");
    for part in ["AI analysis will be skipped: jji.wasm was not found", "MTV_HOST_PLUGIN_PATH (not set)", "cargo xtask plugins"] {
        assert!(printed.contains(part), "{part} in:\n{printed}");
    }

    let mut with_path = command(&installed, &cwd, &[]);
    with_path.env("MTV_HOST_PLUGIN_PATH", &components);
    let (report, printed, requests) = quickstart_with_ai(with_path, &cwd);
    assert_eq!(requests, 1, "{printed}");
    assert!(report.contains(AI_PROPERTY) && report.contains("missing-vm"), "the report was not enriched:\n{report}\n{printed}");
    assert!(printed.contains("jji: report enriched in place"), "{printed}");
}

/// `program ARGS` as in the image: `image/opt` mounted on `/opt` in a
/// private mount namespace (an unprivileged user namespace maps the caller
/// to root), so the host finds `/opt/mtv-host/plugins` exactly as in the
/// container.
fn in_image(image: &Path, cwd: &Path, args: &[&str]) -> Command {
    let script = "mount --bind \"$0\" /opt && exec \"$@\"";
    let binary = image.join("usr/local/bin/mtv-host");
    let mut wrapped = command(Path::new("unshare"), cwd, &["--user", "--map-root-user", "--mount", "sh", "-c", script]);
    wrapped.arg(image.join("opt")).arg(binary).args(args);
    wrapped
}

/// The image's layout under `root`: the binary in `usr/local/bin`, every
/// component in `opt/mtv-host/plugins`.
fn image_layout(root: &Path) -> PathBuf {
    let bin = root.join("usr/local/bin");
    std::fs::create_dir_all(&bin).unwrap();
    std::fs::copy(env!("CARGO_BIN_EXE_mtv-host"), bin.join("mtv-host")).unwrap();
    components_in(&root.join("opt/mtv-host/plugins"));
    root.to_path_buf()
}

fn run(mut command: Command) -> (Option<i32>, String) {
    let output: Output = command.output().expect("runs");
    (output.status.code(), text(&output))
}

#[test]
fn in_the_image_layout_defaults_come_from_opt() {
    let tmp = tempfile::tempdir().unwrap();
    let image = image_layout(&tmp.path().join("image"));
    let cwd = tmp.path().join("work");
    std::fs::create_dir(&cwd).unwrap();
    let (code, probe) = run(in_image(&image, &cwd, &["--version"]));
    assert_eq!(code, Some(0), "this test needs unprivileged user and mount namespaces (unshare --user --mount):\n{probe}");

    let (report, printed, requests) = quickstart_with_ai(in_image(&image, &cwd, &[]), &cwd);
    assert_eq!(requests, 1, "{printed}");
    assert!(report.contains(AI_PROPERTY), "{report}\n{printed}");

    std::fs::write(cwd.join("jira.cfg"), "[DEFAULT]\nurl = http://127.0.0.1:9\n").unwrap();
    let (code, listed) = run(in_image(&image, &cwd, &["plugins", "list"]));
    assert_eq!(code, Some(0), "{listed}");
    assert!(listed.contains("jira\n  world     gate"), "{listed}");
    assert!(listed.contains("from      default (jira.cfg names http://127.0.0.1:9), found in /opt/mtv-host/plugins\n"), "{listed}");
    assert!(listed.contains("http      http://127.0.0.1:9\n"), "the gate may reach the JIRA origin only:\n{listed}");

    std::fs::copy(quickstart_dir().join(".providers.json"), cwd.join("providers.json")).unwrap();
    let (code, checked) =
        run(in_image(&image, &cwd, &["copyoffload", "check", "--providers-json", "providers.json", "--source-provider", "vsphere-sim"]));
    assert_eq!(code, Some(0), "{checked}");
    assert!(checked.contains("from default (storage_vendor_product ontap), found in /opt/mtv-host/plugins"), "{checked}");
}

/// A copy of the binary outside any cargo target directory, so only the
/// search path can find components.
fn bare_binary(dir: &Path) -> PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    let binary = dir.join("mtv-host");
    std::fs::copy(env!("CARGO_BIN_EXE_mtv-host"), &binary).unwrap();
    binary
}

#[test]
fn copyoffload_check_without_a_config_finds_the_vendor_plugin() {
    let tmp = tempfile::tempdir().unwrap();
    let binary = bare_binary(&tmp.path().join("bin"));
    let components = components_in(&tmp.path().join("components"));
    let cwd = tmp.path().join("work");
    std::fs::create_dir(&cwd).unwrap();
    std::fs::copy(quickstart_dir().join(".providers.json"), cwd.join("providers.json")).unwrap();
    let args = ["copyoffload", "check", "--providers-json", "providers.json", "--source-provider", "vsphere-sim"];

    let (code, missing) = run(command(&binary, &cwd, &args));
    assert_eq!(code, Some(1), "{missing}");
    let data_dir = cwd.join(".local/share/mtv-host/plugins");
    for part in [
        "storage_vendor_product 'ontap' has no vendor plugin: ontap.wasm was not found",
        "MTV_HOST_PLUGIN_PATH (not set)",
        &data_dir.display().to_string(),
        "/opt/mtv-host/plugins",
        "[[plugins]] entry named 'ontap'",
    ] {
        assert!(missing.contains(part), "{part} in:\n{missing}");
    }

    let mut with_path = command(&binary, &cwd, &args);
    with_path.env("MTV_HOST_PLUGIN_PATH", &components);
    let (code, checked) = run(with_path);
    assert_eq!(code, Some(0), "{checked}");
    assert!(checked.contains("copy-offload with ontap (NetApp ONTAP), plugin 'ontap'"), "{checked}");
    assert!(
        checked.contains(&format!("from default (storage_vendor_product ontap), found in MTV_HOST_PLUGIN_PATH ({})", components.display()))
    );
}

#[test]
fn an_entry_wins_over_the_search_path_and_no_plugin_turns_a_default_off() {
    let tmp = tempfile::tempdir().unwrap();
    let binary = bare_binary(&tmp.path().join("bin"));
    let components = components_in(&tmp.path().join("components"));
    let cwd = tmp.path().join("work");
    std::fs::create_dir(&cwd).unwrap();
    std::fs::write(cwd.join("jira.cfg"), "[DEFAULT]\nurl = http://127.0.0.1:9\n").unwrap();
    std::fs::write(cwd.join("plan.toml"), JIRA_PLAN).unwrap();
    let mine = cwd.join("mine");
    std::fs::create_dir(&mine).unwrap();
    std::fs::copy(components.join("jira.wasm"), mine.join("jira.wasm")).unwrap();
    let on_path = |args: &[&str]| {
        let mut command = command(&binary, &cwd, args);
        command.env("MTV_HOST_PLUGIN_PATH", &components);
        run(command)
    };

    // No config: the default, from the search path.
    let (code, listed) = on_path(&["plugins", "list"]);
    assert_eq!(code, Some(0), "{listed}");
    assert!(listed.contains(&format!("  path      {}\n", components.join("jira.wasm").display())), "{listed}");
    assert!(listed.contains(&format!(
        "from      default (jira.cfg names http://127.0.0.1:9), found in MTV_HOST_PLUGIN_PATH ({})",
        components.display()
    )));

    // --no-plugin names the default: it is not loaded, and that is no usage error.
    let (code, listed) = on_path(&["plugins", "list", "--no-plugin", "jira"]);
    assert_eq!(code, Some(0), "{listed}");
    assert!(!listed.contains("jira\n"), "{listed}");
    let (code, collected) = on_path(&["run", "--set", "test_plan=plan.toml", "--collect-only", "--no-plugin", "jira"]);
    assert_eq!(code, Some(0), "{collected}");
    assert!(collected.contains("JIRA gating is off") && collected.contains("plan::gated"), "{collected}");

    // A jira-marked run whose gate is found nowhere stops before anything runs.
    let (code, stopped) = run(command(&binary, &cwd, &["run", "--set", "test_plan=plan.toml", "--collect-only"]));
    assert_eq!(code, Some(4), "{stopped}");
    for part in ["JIRA gating needs the jira plugin", "jira.wasm was not found", "--no-plugin jira"] {
        assert!(stopped.contains(part), "{part} in:\n{stopped}");
    }

    // An entry of the same name wins, with its path and pin.
    let sha = support_sha256(&mine.join("jira.wasm"));
    let config = format!(
        "[[plugins]]\nname = \"jira\"\npath = \"mine/jira.wasm\"\nsha256 = \"{sha}\"\ngrants = {{ http = [\"http://127.0.0.1:9\"] }}\n"
    );
    let config_path = cwd.join("mtv-host.toml");
    std::fs::write(&config_path, config).unwrap();
    let (code, listed) = on_path(&["--config", config_path.to_str().unwrap(), "plugins", "list"]);
    assert_eq!(code, Some(0), "{listed}");
    assert!(listed.contains(&format!("  path      {}\n", mine.join("jira.wasm").display())), "{listed}");
    assert!(listed.contains(&format!("from      [[plugins]] entry in {}", config_path.display())), "{listed}");
    assert!(listed.contains(" (pinned)") && !listed.contains("found in"), "{listed}");
}

fn support_sha256(path: &Path) -> String {
    let output = Command::new("sha256sum").arg(path).output().unwrap();
    String::from_utf8_lossy(&output.stdout).split_whitespace().next().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_jji_entry_wins_over_the_default_with_its_pin() {
    let server = FakeJji::start(Reply::Annotate);
    let (sim, _cluster) = simulator(SimConfig::default()).await;
    let pin = "ab".repeat(32);
    let ws = Workspace::new(PLAN, "", &format!("[[plugins]]\nname = \"jji\"\npath = {:?}\nsha256 = \"{pin}\"\n", plugin("jji")));
    let mut command = ws.command(&["--analyze-with-ai", "-k", "missing-vm", "--cluster", "kubeconfig"]);
    command.env("KUBECONFIG", ws.kubeconfig_for(&sim)).env("JJI_SERVER_URL", &server.url);
    let output = output_of(command).await;
    let (stdout, stderr) = runner_common::text(&output);
    assert_eq!(code(&output), 1, "{stdout}\n{stderr}");
    assert!(stderr.contains("AI analysis skipped: plugin 'jji'") && stderr.contains(&format!("pins {pin}")), "{stderr}");
    assert!(server.requests().is_empty(), "the default jji.wasm of the dev build was loaded instead of the pinned entry");
    assert!(!ws.read("junit-report.xml").contains(AI_PROPERTY));
}
