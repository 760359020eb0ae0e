//! Build a plugin crate into a component from inside its own `cargo test`.

use anyhow::{Context, bail};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The target plugins are built for.
pub const WASM_TARGET: &str = "wasm32-wasip2";

/// Run `cargo build --release --target wasm32-wasip2` for the crate in
/// `crate_dir` and return the component's path.
///
/// The build uses its own target directory (`target/mtv-plugin-test`): the
/// outer `cargo test` holds the lock on the crate's usual one.
pub fn build_component(crate_dir: impl AsRef<Path>) -> anyhow::Result<PathBuf> {
    let crate_dir = crate_dir.as_ref();
    let manifest = crate_dir.join("Cargo.toml");
    let package = package_name(&manifest)?;
    let target_dir = crate_dir.join("target").join("mtv-plugin-test");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let output = Command::new(&cargo)
        .args(["build", "--release", "--target", WASM_TARGET, "--manifest-path"])
        .arg(&manifest)
        .env("CARGO_TARGET_DIR", &target_dir)
        .output()
        .with_context(|| format!("cannot run {cargo} to build {}", crate_dir.display()))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let hint = if stderr.contains("target may not be installed") {
            format!("\nrun `rustup target add {WASM_TARGET}` once")
        } else {
            String::new()
        };
        bail!("building {} for {WASM_TARGET} failed ({}):\n{stderr}{hint}", crate_dir.display(), output.status);
    }
    let wasm = target_dir.join(WASM_TARGET).join("release").join(format!("{}.wasm", package.replace('-', "_")));
    if !wasm.is_file() {
        bail!("{} built, but {} is missing: is its [lib] crate-type [\"cdylib\"]?", crate_dir.display(), wasm.display());
    }
    Ok(wasm)
}

fn package_name(manifest: &Path) -> anyhow::Result<String> {
    let text = std::fs::read_to_string(manifest).with_context(|| format!("cannot read {}: is this a plugin crate?", manifest.display()))?;
    let parsed: toml::Table = toml::from_str(&text).with_context(|| format!("{} is not valid TOML", manifest.display()))?;
    parsed
        .get("package")
        .and_then(|p| p.get("name"))
        .and_then(|n| n.as_str())
        .map(str::to_string)
        .with_context(|| format!("{} has no [package] name", manifest.display()))
}
