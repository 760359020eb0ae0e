//! Compiled-component cache on disk, keyed by the wasm's sha256 and the
//! engine's compatibility hash, so an unchanged plugin is compiled once.

use crate::atomic::write_atomically;
use sha2::{Digest, Sha256};
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use wasmtime::Engine;
use wasmtime::component::Component;

pub(crate) struct ArtifactCache {
    dir: Option<PathBuf>,
    engine_key: String,
    compiles: AtomicU64,
}

/// How a component was obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CacheOutcome {
    Compiled,
    Cached,
}

pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// The default cache location: `<user cache dir>/mtv-host/components`.
pub fn default_cache_dir() -> Option<PathBuf> {
    dirs::cache_dir().map(|d| d.join("mtv-host").join("components"))
}

impl ArtifactCache {
    /// `dir = None` disables the disk cache (every load compiles).
    pub(crate) fn new(engine: &Engine, dir: Option<PathBuf>) -> Self {
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        engine.precompile_compatibility_hash().hash(&mut hasher);
        ArtifactCache { dir, engine_key: format!("{:016x}", hasher.finish()), compiles: AtomicU64::new(0) }
    }

    /// Components compiled (not read from the cache) by this process.
    pub(crate) fn compiles(&self) -> u64 {
        self.compiles.load(Ordering::Relaxed)
    }

    fn entry(&self, sha256: &str) -> Option<PathBuf> {
        self.dir.as_ref().map(|d| d.join(format!("{sha256}-{}.cwasm", self.engine_key)))
    }

    pub(crate) fn load(&self, engine: &Engine, wasm: &[u8], sha256: &str) -> wasmtime::Result<(Component, CacheOutcome)> {
        let entry = self.entry(sha256);
        if let Some(path) = entry.as_deref().filter(|p| p.is_file()) {
            // SAFETY: the file was written by `Component::serialize` for an
            // engine with the same compatibility hash (it is in the name),
            // in a cache directory owned by the user running the host.
            match unsafe { Component::deserialize_file(engine, path) } {
                Ok(component) => return Ok((component, CacheOutcome::Cached)),
                Err(e) => tracing::warn!("ignoring unreadable cache entry {}: {e:#}", path.display()),
            }
        }
        let component = Component::new(engine, wasm)?;
        self.compiles.fetch_add(1, Ordering::Relaxed);
        if let Some(path) = entry {
            let written = component.serialize().map_err(std::io::Error::other).and_then(|bytes| {
                std::fs::create_dir_all(path.parent().unwrap_or(Path::new(".")))?;
                write_atomically(&path, |w| w.write_all(&bytes))
            });
            if let Err(e) = written {
                tracing::warn!("cannot write the plugin cache entry {}: {e}", path.display());
            }
        }
        Ok((component, CacheOutcome::Compiled))
    }
}
