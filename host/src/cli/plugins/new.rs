//! `mtv-host plugins new`: write a plugin crate and say what to do next.

use crate::cli::exit::Exit;
use mtv_host::scaffold::{self, DependencyPaths, Kind, NewPlugin, PluginName};
use std::path::{Path, PathBuf};

pub(super) fn run(
    kind: Kind,
    name: &PluginName,
    dir: Option<&Path>,
    sdk: Option<&Path>,
    runtime: Option<&Path>,
    host: Option<&Path>,
) -> anyhow::Result<Exit> {
    if let Some(host) = host {
        eprintln!(
            "error: --host-path is replaced by --runtime-path: a plugin's tests depend on the mtv-plugin-runtime crate \
             (plugin-runtime/ of the repository), not on mtv-host; pass --runtime-path {}",
            host.parent().map_or_else(|| "DIR".into(), |root| root.join("plugin-runtime").display().to_string())
        );
        return Ok(Exit::Usage);
    }
    let defaults = DependencyPaths::of_this_repository();
    let paths = DependencyPaths { sdk: absolute(sdk, defaults.sdk)?, runtime: absolute(runtime, defaults.runtime)? };
    for (flag, path) in [("--sdk-path", &paths.sdk), ("--runtime-path", &paths.runtime)] {
        if !path.join("Cargo.toml").is_file() {
            eprintln!("warning: {} has no Cargo.toml; pass {flag} DIR pointing at the crate", path.display());
        }
    }
    let dir = dir.map(Path::to_path_buf).unwrap_or_else(|| PathBuf::from(name.as_str()));
    let created = match scaffold::create(&NewPlugin { kind, name: name.clone(), dir, paths }) {
        Ok(created) => created,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(Exit::Failed);
        }
    };
    println!("created {} plugin '{name}' in {}", kind.name(), created.dir.display());
    for file in &created.files {
        println!("  {}", file.display());
    }
    println!("\nnext:");
    println!("  cd {}", created.dir.display());
    println!("  cargo build --release --target wasm32-wasip2");
    println!("  mtv-host plugins check {}", created.component.display());
    println!("  cargo test");
    Ok(Exit::Ok)
}

/// `path` (or `default`) made absolute against the working directory, as
/// the new crate lives elsewhere.
fn absolute(path: Option<&Path>, default: PathBuf) -> anyhow::Result<PathBuf> {
    let path = path.map(Path::to_path_buf).unwrap_or(default);
    std::path::absolute(&path).map_err(|e| anyhow::anyhow!("cannot resolve {}: {e}", path.display()))
}
