//! The data collector directory (`--data-collector-path`): failed tests'
//! dumps and `resources.json`. The run clears it at start so stale dumps
//! cannot mislead, which is only safe in a directory the host owns: a
//! marker file lists every entry the host wrote there, and the host
//! deletes only those. A directory holding anything else is refused.

use std::collections::BTreeSet;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// The marker: one line per top-level entry the host wrote.
pub const MARKER: &str = ".mtv-host-output";

const FLAG: &str = "--data-collector-path";

/// A directory the host owns for this run.
#[derive(Debug)]
pub struct OutputDir {
    path: PathBuf,
    written: Mutex<BTreeSet<String>>,
}

/// Directories that must never be cleared, nor any directory above them:
/// the working directory, the home directory and the config's directory.
#[derive(Debug, Default, Clone)]
pub struct Protected(Vec<PathBuf>);

impl Protected {
    pub fn new(config_dir: Option<&Path>) -> Self {
        let cwd = std::env::current_dir().ok();
        let home = std::env::var_os("HOME").map(PathBuf::from);
        Self([cwd, home, config_dir.map(Path::to_path_buf)].into_iter().flatten().filter_map(|p| p.canonicalize().ok()).collect())
    }

    fn guarding(&self, dir: &Path) -> Option<&Path> {
        self.0.iter().find(|protected| protected.starts_with(dir)).map(PathBuf::as_path)
    }
}

impl OutputDir {
    /// Makes `path` the host's for this run: creates it, or clears what an
    /// earlier run wrote there. Refuses anything it could not safely clear.
    pub fn prepare(path: &Path, protected: &Protected) -> Result<Self, String> {
        let refuse = |why: String| Err(format!("{FLAG} {}: {why}; pass {FLAG} a new or empty directory", path.display()));
        match std::fs::metadata(path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                std::fs::create_dir_all(path).map_err(|e| format!("{FLAG} {}: cannot create it: {e}", path.display()))?;
            }
            Err(e) => return refuse(format!("cannot read it: {e}")),
            Ok(meta) if !meta.is_dir() => return refuse("it is not a directory".to_owned()),
            Ok(_) => {}
        }
        let canonical = path.canonicalize().map_err(|e| format!("{FLAG} {}: {e}", path.display()))?;
        if let Some(inside) = protected.guarding(&canonical) {
            return refuse(format!("it holds {} (the working, home or config directory), which the run would delete", inside.display()));
        }
        let listed = read_marker(path)?;
        let mut foreign = Vec::new();
        for entry in std::fs::read_dir(path).map_err(|e| format!("{FLAG} {}: {e}", path.display()))? {
            let name = entry.map_err(|e| format!("{FLAG} {}: {e}", path.display()))?.file_name().to_string_lossy().into_owned();
            if name != MARKER && !listed.as_ref().is_some_and(|listed| listed.contains(&name)) {
                foreign.push(name);
            }
        }
        if !foreign.is_empty() {
            foreign.sort();
            return refuse(format!("it holds {} that mtv-host did not write", foreign.join(", ")));
        }
        for name in listed.unwrap_or_default() {
            let entry = path.join(&name);
            let removed = if entry.is_dir() { std::fs::remove_dir_all(&entry) } else { std::fs::remove_file(&entry) };
            match removed {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(format!("{FLAG} {}: cannot remove {name} from an earlier run: {e}", path.display())),
            }
        }
        std::fs::write(path.join(MARKER), "").map_err(|e| format!("{FLAG} {}: cannot write {MARKER}: {e}", path.display()))?;
        Ok(Self { path: path.to_path_buf(), written: Mutex::default() })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The path of `name` in the directory, listed in the marker before
    /// anything is written there, so the next run may clear it.
    pub fn claim(&self, name: &str) -> Result<PathBuf, String> {
        let mut written = self.written.lock().unwrap_or_else(|p| p.into_inner());
        if written.insert(name.to_owned()) {
            let marker = self.path.join(MARKER);
            std::fs::OpenOptions::new()
                .append(true)
                .open(&marker)
                .and_then(|mut file| writeln!(file, "{name}"))
                .map_err(|e| format!("cannot update {}: {e}", marker.display()))?;
        }
        Ok(self.path.join(name))
    }
}

/// The entries the marker lists; `None` without a marker.
fn read_marker(dir: &Path) -> Result<Option<BTreeSet<String>>, String> {
    match std::fs::read_to_string(dir.join(MARKER)) {
        Ok(text) => Ok(Some(
            text.lines().filter(|l| !l.is_empty() && !l.contains(['/', '\\']) && *l != ".." && *l != ".").map(str::to_owned).collect(),
        )),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(format!("{FLAG} {}: cannot read {MARKER}: {e}", dir.display())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn protected_nothing() -> Protected {
        Protected::default()
    }

    #[test]
    fn a_new_directory_is_created_and_cleared_next_time() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("out");
        let first = OutputDir::prepare(&dir, &protected_nothing()).unwrap();
        std::fs::write(first.claim("resources.json").unwrap(), "{}").unwrap();
        std::fs::create_dir(first.claim("plan__a").unwrap()).unwrap();
        OutputDir::prepare(&dir, &protected_nothing()).unwrap();
        let left: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(left, vec![std::ffi::OsString::from(MARKER)]);
    }

    #[test]
    fn a_directory_with_foreign_files_is_refused_and_kept() {
        let root = tempfile::tempdir().unwrap();
        std::fs::write(root.path().join("mtv-host.toml"), "[run]").unwrap();
        let error = OutputDir::prepare(root.path(), &protected_nothing()).unwrap_err();
        assert!(error.contains("--data-collector-path") && error.contains("mtv-host.toml"), "{error}");
        assert!(root.path().join("mtv-host.toml").exists());
        // An owned directory where someone dropped a file is refused too.
        let dir = root.path().join("out");
        OutputDir::prepare(&dir, &protected_nothing()).unwrap();
        std::fs::write(dir.join("notes.txt"), "mine").unwrap();
        assert!(OutputDir::prepare(&dir, &protected_nothing()).unwrap_err().contains("notes.txt"));
        assert!(dir.join("notes.txt").exists());
    }

    #[test]
    fn the_working_home_and_config_directories_and_their_parents_are_refused() {
        let root = tempfile::tempdir().unwrap();
        let config_dir = root.path().join("suite");
        std::fs::create_dir(&config_dir).unwrap();
        let protected = Protected(vec![config_dir.canonicalize().unwrap()]);
        for dir in [config_dir.clone(), root.path().to_path_buf(), PathBuf::from("/")] {
            let error = OutputDir::prepare(&dir, &protected).unwrap_err();
            assert!(error.contains("which the run would delete"), "{error}");
        }
        assert!(config_dir.exists());
    }

    #[test]
    fn a_marker_cannot_point_outside_the_directory() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("out");
        std::fs::create_dir(&dir).unwrap();
        std::fs::write(root.path().join("precious"), "x").unwrap();
        std::fs::write(dir.join(MARKER), "../precious\n/etc\n").unwrap();
        OutputDir::prepare(&dir, &protected_nothing()).unwrap();
        assert!(root.path().join("precious").exists());
    }
}
