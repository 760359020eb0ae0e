//! Build a plugin crate into a component from inside its own `cargo test`.

use anyhow::{Context, bail};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::SystemTime;

/// The target plugins are built for.
pub const WASM_TARGET: &str = "wasm32-wasip2";

/// The component of the crate in `crate_dir`, built for wasm32-wasip2 in
/// release.
///
/// When the author's own `cargo build --release --target wasm32-wasip2` left
/// a component newer than every file it was built from (the crate's
/// `Cargo.toml` and `Cargo.lock`, and each source cargo's dep-info lists,
/// the SDK's included), that component is returned as is. Otherwise the crate
/// is built into its own target directory (`target/mtv-plugin-test`): the
/// outer `cargo test` holds the lock on the crate's usual one.
pub fn build_component(crate_dir: impl AsRef<Path>) -> anyhow::Result<PathBuf> {
    let crate_dir = crate_dir.as_ref();
    let manifest = crate_dir.join("Cargo.toml");
    let stem = package_name(&manifest)?.replace('-', "_");
    let authored = release_dir(&authors_target_dir(crate_dir));
    if is_up_to_date(crate_dir, &authored, &stem) {
        return Ok(authored.join(format!("{stem}.wasm")));
    }
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
    let wasm = release_dir(&target_dir).join(format!("{stem}.wasm"));
    if !wasm.is_file() {
        bail!("{} built, but {} is missing: is its [lib] crate-type [\"cdylib\"]?", crate_dir.display(), wasm.display());
    }
    Ok(wasm)
}

/// Where the author's `cargo build` puts its output: `CARGO_TARGET_DIR` when
/// the test runs under one (relative to the crate, where cargo runs tests),
/// else the crate's `target/`.
fn authors_target_dir(crate_dir: &Path) -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => crate_dir.join(dir),
        None => crate_dir.join("target"),
    }
}

fn release_dir(target_dir: &Path) -> PathBuf {
    target_dir.join(WASM_TARGET).join("release")
}

/// True when `<stem>.wasm` in `release_dir` is newer than its manifest, its
/// lock file and every source its dep-info file names. Any file that cannot be
/// read or dated counts as newer: the caller then builds.
fn is_up_to_date(crate_dir: &Path, release_dir: &Path, stem: &str) -> bool {
    let Some(built) = modified(&release_dir.join(format!("{stem}.wasm"))) else {
        return false;
    };
    let Ok(dep_info) = std::fs::read_to_string(release_dir.join(format!("{stem}.d"))) else {
        return false;
    };
    let Some(sources) = dep_info_sources(&dep_info) else {
        return false;
    };
    let lock = crate_dir.join("Cargo.lock");
    let inputs = sources.into_iter().chain([crate_dir.join("Cargo.toml")]).chain(lock.exists().then_some(lock));
    inputs.into_iter().all(|input| modified(&input).is_some_and(|at| at <= built))
}

fn modified(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

/// The prerequisites of a make-style dep-info file (`target: a.rs b\ c.rs`),
/// or `None` when it names none.
fn dep_info_sources(dep_info: &str) -> Option<Vec<PathBuf>> {
    let line = dep_info.lines().find(|line| !line.trim().is_empty())?;
    let (_, prerequisites) = line.split_once(": ")?;
    let mut sources = Vec::new();
    let mut current = String::new();
    let mut chars = prerequisites.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => current.extend(chars.next()),
            ' ' => sources.extend((!current.is_empty()).then(|| PathBuf::from(std::mem::take(&mut current)))),
            c => current.push(c),
        }
    }
    sources.extend((!current.is_empty()).then(|| PathBuf::from(current)));
    (!sources.is_empty()).then_some(sources)
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn dep_info_lists_each_source_with_escaped_spaces_kept() {
        let sources = dep_info_sources("/t/a.wasm: /c/src/lib.rs /my\\ sdk/src/lib.rs\n\n/c/src/lib.rs:\n").unwrap();
        assert_eq!(sources, [PathBuf::from("/c/src/lib.rs"), PathBuf::from("/my sdk/src/lib.rs")]);
        assert_eq!(dep_info_sources("/t/a.wasm:\n"), None);
    }

    /// A crate with an authored component and its dep-info, dated `built`;
    /// its sources dated `edited`.
    fn authored(built: SystemTime, edited: SystemTime) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let release = release_dir(&dir.path().join("target"));
        std::fs::create_dir_all(&release).unwrap();
        std::fs::create_dir_all(dir.path().join("src")).unwrap();
        let lib = dir.path().join("src/lib.rs");
        for (path, at) in [(dir.path().join("Cargo.toml"), edited), (lib.clone(), edited)] {
            std::fs::write(&path, "").unwrap();
            std::fs::File::options().write(true).open(&path).unwrap().set_modified(at).unwrap();
        }
        let wasm = release.join("acme.wasm");
        std::fs::write(&wasm, "").unwrap();
        std::fs::write(release.join("acme.d"), format!("{}: {}\n", wasm.display(), lib.display())).unwrap();
        std::fs::File::options().write(true).open(&wasm).unwrap().set_modified(built).unwrap();
        (dir, release)
    }

    #[test]
    fn a_component_newer_than_its_sources_is_up_to_date_and_an_older_one_is_not() {
        let now = SystemTime::now();
        let hour_ago = now - Duration::from_secs(3600);
        let (fresh, release) = authored(now, hour_ago);
        assert!(is_up_to_date(fresh.path(), &release, "acme"));
        let (stale, release) = authored(hour_ago, now);
        assert!(!is_up_to_date(stale.path(), &release, "acme"));
    }

    #[test]
    fn a_source_edited_after_the_build_or_a_missing_dep_info_means_a_rebuild() {
        let now = SystemTime::now();
        let (dir, release) = authored(now, now - Duration::from_secs(3600));
        let lib = dir.path().join("src/lib.rs");
        std::fs::File::options().write(true).open(&lib).unwrap().set_modified(now + Duration::from_secs(5)).unwrap();
        assert!(!is_up_to_date(dir.path(), &release, "acme"));
        std::fs::File::options().write(true).open(&lib).unwrap().set_modified(now - Duration::from_secs(5)).unwrap();
        assert!(is_up_to_date(dir.path(), &release, "acme"));
        std::fs::remove_file(release.join("acme.d")).unwrap();
        assert!(!is_up_to_date(dir.path(), &release, "acme"));
    }
}
