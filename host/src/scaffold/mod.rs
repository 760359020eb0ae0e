//! `mtv-host plugins new`: a plugin crate for one of the three worlds that
//! builds with one command and ships a passing test on the plugin runtime's
//! harness (`mtv_plugin_runtime::testing`).

mod names;
mod templates;

pub use names::PluginName;

use crate::plugins::CONTRACT_VERSION;
use crate::plugins::testing::WASM_TARGET;
use std::path::{Path, PathBuf};

/// The kind of plugin to create: one per world.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    StorageVendor,
    Gate,
    Reporter,
}

impl Kind {
    pub const NAMES: [&'static str; 3] = ["storage-vendor", "gate", "reporter"];

    pub fn from_name(name: &str) -> Option<Kind> {
        match name {
            "storage-vendor" => Some(Kind::StorageVendor),
            "gate" => Some(Kind::Gate),
            "reporter" => Some(Kind::Reporter),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Kind::StorageVendor => "storage-vendor",
            Kind::Gate => "gate",
            Kind::Reporter => "reporter",
        }
    }
}

/// Where the new crate finds the SDK and the plugin runtime (its test
/// harness, `mtv-plugin-runtime`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DependencyPaths {
    pub sdk: PathBuf,
    pub runtime: PathBuf,
}

impl DependencyPaths {
    /// `guest-sdk/` and `plugin-runtime/` of the repository this binary was
    /// built from.
    pub fn of_this_repository() -> Self {
        let host = Path::new(env!("CARGO_MANIFEST_DIR"));
        let root = host.parent().unwrap_or(host);
        DependencyPaths { sdk: root.join("guest-sdk"), runtime: root.join("plugin-runtime") }
    }

    /// The lock file of the runtime's workspace, if there is one: the new
    /// crate starts from the dependency versions the runtime was tested with.
    fn workspace_lock_file(&self) -> Option<PathBuf> {
        self.runtime.parent().map(|root| root.join("Cargo.lock")).filter(|lock| lock.is_file())
    }
}

/// What to create.
#[derive(Debug, Clone)]
pub struct NewPlugin {
    pub kind: Kind,
    pub name: PluginName,
    pub dir: PathBuf,
    pub paths: DependencyPaths,
}

/// What was created.
#[derive(Debug, Clone)]
pub struct Created {
    pub dir: PathBuf,
    /// Relative to `dir`.
    pub files: Vec<PathBuf>,
    /// The component `cargo build --release --target wasm32-wasip2` writes, relative to `dir`.
    pub component: PathBuf,
}

#[derive(Debug, thiserror::Error)]
pub enum ScaffoldError {
    #[error("{} already exists and is not empty; choose a new directory: mtv-host plugins new --kind KIND NAME DIR", dir.display())]
    NotEmpty { dir: PathBuf },
    #[error("cannot write {}: {error}", path.display())]
    Write { path: PathBuf, error: std::io::Error },
}

/// Write the crate. Refuses a directory that exists and is not empty.
pub fn create(request: &NewPlugin) -> Result<Created, ScaffoldError> {
    let dir = &request.dir;
    if std::fs::read_dir(dir).is_ok_and(|mut entries| entries.next().is_some()) {
        return Err(ScaffoldError::NotEmpty { dir: dir.clone() });
    }
    let mut files = templates::render(request.kind, &request.name, &request.paths, CONTRACT_VERSION);
    if let Some(lock) = request.paths.workspace_lock_file()
        && let Ok(text) = std::fs::read_to_string(&lock)
    {
        files.push(("Cargo.lock".into(), text));
    }
    let mut written = Vec::new();
    for (relative, text) in files {
        write(&dir.join(&relative), &text)?;
        written.push(relative);
    }
    let component = Path::new("target").join(WASM_TARGET).join("release").join(format!("{}.wasm", request.name.snake()));
    Ok(Created { dir: dir.clone(), files: written, component })
}

fn write(path: &Path, text: &str) -> Result<(), ScaffoldError> {
    let error = |error| ScaffoldError::Write { path: path.to_path_buf(), error };
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(error)?;
    }
    std::fs::write(path, text).map_err(error)
}
