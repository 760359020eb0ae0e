//! `resources.json`: everything a run created and what teardown left, so a
//! separate cleanup can finish the job.

use std::path::Path;

use serde::Serialize;

use crate::migration::{CreatedResource, Leftover};
use crate::report::write_atomically;

#[derive(Serialize)]
struct ResourcesFile<'a> {
    /// `false` with `--skip-teardown`: everything listed is still there.
    torn_down: bool,
    created: &'a [CreatedResource],
    leftovers: &'a [Leftover],
}

pub const RESOURCES_FILE: &str = "resources.json";

pub fn write_resources(path: &Path, created: &[CreatedResource], leftovers: &[Leftover], torn_down: bool) -> Result<(), String> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    let text = serde_json::to_string_pretty(&ResourcesFile { torn_down, created, leftovers }).map_err(|e| e.to_string())?;
    write_atomically(path, |out| std::io::Write::write_all(out, text.as_bytes()))
        .map_err(|e: std::io::Error| format!("cannot write {}: {e}", path.display()))
}
