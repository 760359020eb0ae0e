//! Project tasks: `cargo xtask <task>`.
//!
//! - `plugins`    build every plugin and test fixture for wasm32-wasip2 into
//!   `target/plugins/` and `target/fixtures/` (installs the target first)
//! - `test`       `plugins`, then every test in the workspace
//! - `quickstart` `plugins`, then the quickstart suite against the embedded
//!   simulator with the example plugins
//! - `bench`      `plugins`, then the benchmarks (numbers go to BENCHMARKS.md)
//! - `author-path` time a vendor team's path through the SDK README, from
//!   `plugins new` to the new crate's first `cargo test`

use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};
use std::process::Command;

mod author_path;

const WASM_TARGET: &str = "wasm32-wasip2";

/// Where plugin crates live, and where their components are copied.
const PLUGIN_DIRS: [(&str, &str); 3] = [("plugins", "plugins"), ("plugins/vendors", "plugins"), ("host/tests/fixtures", "fixtures")];

fn main() -> Result<()> {
    let task = std::env::args().nth(1).unwrap_or_default();
    let root = workspace_root();
    match task.as_str() {
        "plugins" => build_plugins(&root),
        "test" => {
            build_plugins(&root)?;
            run_tests(&root)
        }
        "quickstart" => {
            build_plugins(&root)?;
            // Cargo's own progress: a first build takes minutes, and a silent terminal looks hung.
            eprintln!("building mtv-host (the first build on a machine takes a few minutes)");
            let mut args: Vec<String> =
                ["run", "--package", "mtv-host", "--", "run", "--config", "examples/quickstart/mtv-host.toml"].map(str::to_string).into();
            args.extend(std::env::args().skip(2));
            cargo(&root, &args, &[])
        }
        "bench" => {
            build_plugins(&root)?;
            cargo(&root, &["bench".to_string(), "--package".into(), "mtv-host".into()], &plugin_env(&root))
        }
        "author-path" => {
            ensure_wasm_target()?;
            author_path::run(&root, &target_dir(&root))
        }
        _ => bail!("usage: cargo xtask <plugins|test|quickstart|bench|author-path>"),
    }
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap_or(Path::new(".")).to_path_buf()
}

fn target_dir(root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|| root.join("target"))
}

/// Tests find the built components through these variables.
fn plugin_env(root: &Path) -> Vec<(String, PathBuf)> {
    let target = target_dir(root);
    vec![("MTV_PLUGIN_DIR".into(), target.join("plugins")), ("MTV_FIXTURE_DIR".into(), target.join("fixtures"))]
}

fn run_tests(root: &Path) -> Result<()> {
    // Every crate natively (the plugins' own unit tests included); the host's
    // tests also load the plugins as components from target/plugins.
    cargo(root, &["test".to_string(), "--workspace".into()], &plugin_env(root))
}

/// Run cargo; when it fails, exit with its status (the quickstart's exit
/// status is the run's: 1 when a test failed).
fn cargo(root: &Path, args: &[String], env: &[(String, PathBuf)]) -> Result<()> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(&cargo)
        .args(args)
        .envs(env.iter().map(|(k, v)| (k, v)))
        .current_dir(root)
        .status()
        .with_context(|| format!("running {cargo} {}", args.join(" ")))?;
    if !status.success() {
        std::process::exit(status.code().unwrap_or(1));
    }
    Ok(())
}

/// The wasm target is installed by this task, so a fresh machine needs no
/// manual step.
fn ensure_wasm_target() -> Result<()> {
    let installed = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output()
        .context("running rustup (is Rust installed with rustup?)")?;
    if String::from_utf8_lossy(&installed.stdout).lines().any(|l| l.trim() == WASM_TARGET) {
        return Ok(());
    }
    eprintln!("installing the {WASM_TARGET} target (once)");
    let status = Command::new("rustup").args(["target", "add", WASM_TARGET]).status()?;
    if !status.success() {
        bail!("`rustup target add {WASM_TARGET}` failed");
    }
    Ok(())
}

/// A plugin crate: its directory name (the component's file name) and
/// package name.
struct PluginCrate {
    file_stem: String,
    package: String,
    output: &'static str,
}

fn plugin_crates(root: &Path) -> Result<Vec<PluginCrate>> {
    let mut crates = Vec::new();
    for (dir, output) in PLUGIN_DIRS {
        let Ok(entries) = std::fs::read_dir(root.join(dir)) else { continue };
        let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        paths.sort();
        for path in paths {
            let manifest = path.join("Cargo.toml");
            let Ok(text) = std::fs::read_to_string(&manifest) else { continue };
            if !text.contains("cdylib") {
                continue;
            }
            let package = text
                .lines()
                .find_map(|l| l.strip_prefix("name = ").map(|v| v.trim_matches('"').to_string()))
                .with_context(|| format!("{}: no package name", manifest.display()))?;
            let file_stem = path.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_string();
            crates.push(PluginCrate { file_stem, package, output });
        }
    }
    Ok(crates)
}

fn build_plugins(root: &Path) -> Result<()> {
    ensure_wasm_target()?;
    let crates = plugin_crates(root)?;
    let mut args: Vec<String> = ["build", "--release", "--target", WASM_TARGET].map(str::to_string).into();
    for c in &crates {
        args.push("--package".into());
        args.push(c.package.clone());
    }
    cargo(root, &args, &[])?;
    let target = target_dir(root);
    let built = target.join(WASM_TARGET).join("release");
    for c in &crates {
        let from = built.join(format!("{}.wasm", c.package.replace('-', "_")));
        let to_dir = target.join(c.output);
        std::fs::create_dir_all(&to_dir)?;
        let to = to_dir.join(format!("{}.wasm", c.file_stem));
        std::fs::copy(&from, &to).with_context(|| format!("copying {} to {}", from.display(), to.display()))?;
    }
    eprintln!("built {} components into {}", crates.len(), target.join("plugins").display());
    Ok(())
}
