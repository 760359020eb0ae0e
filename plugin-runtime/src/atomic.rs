//! Replacing a file all at once: write a temporary file beside it, then
//! rename it over the target. A failure anywhere leaves the target exactly
//! as it was and removes the temporary file.

use std::fs::{self, Permissions};
use std::io::{self, BufWriter, Write};
use std::path::Path;

/// Runs `write` against a buffered temporary file in `path`'s directory and,
/// when it succeeds, renames the file over `path`. The new file keeps the
/// permissions of the file it replaces.
pub fn write_atomically<T, E, F>(path: &Path, write: F) -> Result<T, E>
where
    F: FnOnce(&mut dyn Write) -> Result<T, E>,
    E: From<io::Error>,
{
    replace(path, permissions_for(path), write)
}

/// Replaces `path` with `bytes` all at once, readable by its owner only
/// (0600 on Unix) whatever the file it replaces allowed: for credentials.
/// The bytes are never in a file anyone else may read, not even briefly.
pub fn write_private(path: &Path, bytes: &[u8]) -> io::Result<()> {
    replace(path, private_permissions(), |out| out.write_all(bytes))
}

fn replace<T, E, F>(path: &Path, permissions: Option<Permissions>, write: F) -> Result<T, E>
where
    F: FnOnce(&mut dyn Write) -> Result<T, E>,
    E: From<io::Error>,
{
    let context = |what: &str, error: io::Error| io::Error::new(error.kind(), format!("{}: {what}: {error}", path.display()));
    let directory = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let file_name =
        path.file_name().ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, format!("{}: not a file path", path.display())))?;
    let temp = tempfile::Builder::new()
        .prefix(&format!(".{}.", file_name.to_string_lossy()))
        .suffix(".tmp")
        .tempfile_in(directory)
        .map_err(|error| context("cannot create a temporary file beside it", error))?;

    let mut out = BufWriter::with_capacity(1 << 16, temp.as_file());
    let value = write(&mut out)?;
    out.flush().map_err(|error| context("cannot write", error))?;
    drop(out);

    if let Some(permissions) = permissions {
        temp.as_file().set_permissions(permissions).map_err(|error| context("cannot set permissions", error))?;
    }
    temp.as_file().sync_all().map_err(|error| context("cannot sync to disk", error))?;
    temp.persist(path).map_err(|error| context("cannot replace the file", error.error))?;
    Ok(value)
}

/// The target's current permissions, else 0644 on Unix (a temporary file
/// starts as 0600, which would hide the report from CI users).
fn permissions_for(path: &Path) -> Option<Permissions> {
    match fs::metadata(path) {
        Ok(metadata) => Some(metadata.permissions()),
        Err(_) => default_permissions(),
    }
}

#[cfg(unix)]
fn default_permissions() -> Option<Permissions> {
    use std::os::unix::fs::PermissionsExt as _;
    Some(Permissions::from_mode(0o644))
}

#[cfg(not(unix))]
fn default_permissions() -> Option<Permissions> {
    None
}

/// 0600; a temporary file already starts so, this also states it.
#[cfg(unix)]
fn private_permissions() -> Option<Permissions> {
    use std::os::unix::fs::PermissionsExt as _;
    Some(Permissions::from_mode(0o600))
}

#[cfg(not(unix))]
fn private_permissions() -> Option<Permissions> {
    None
}
