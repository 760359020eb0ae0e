//! The audit log: one JSON line per secret read or HTTP request a plugin
//! asked for, allowed or denied. It names secrets and origins, never values;
//! each line also passes through the redactor as a last guard.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use super::redactor::redactor;

/// Written beside the JUnit report unless configured otherwise.
pub const AUDIT_FILE_NAME: &str = "mtv-host-audit.jsonl";

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AuditKind {
    Secret,
    Http,
}

/// What a plugin asked for and what the host decided.
#[derive(Clone, Copy, Debug)]
pub struct AuditEvent<'a> {
    pub plugin: &'a str,
    pub kind: AuditKind,
    /// The secret name (`jira.token`) or the origin (`https://issues.example.com`).
    pub target: &'a str,
    pub allowed: bool,
    /// Why it was denied, or which grant allowed it.
    pub reason: Option<&'a str>,
}

/// One line of the log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// RFC 3339, UTC.
    pub time: String,
    pub plugin: String,
    pub kind: AuditKind,
    pub target: String,
    pub allowed: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

#[derive(Debug, thiserror::Error)]
#[error("cannot write audit log {}: {source}", .path.display())]
pub struct AuditError {
    pub path: PathBuf,
    pub source: io::Error,
}

pub struct AuditLog {
    sink: Mutex<Sink>,
}

enum Sink {
    File { path: PathBuf, file: File },
    Memory(Vec<String>),
}

impl AuditLog {
    /// `mtv-host-audit.jsonl` in the directory of the JUnit report.
    pub fn default_path(junit_report: &Path) -> PathBuf {
        junit_report.parent().unwrap_or(Path::new("")).join(AUDIT_FILE_NAME)
    }

    /// Opens `path` for appending, creating it and its directory.
    pub fn open(path: &Path) -> Result<Self, AuditError> {
        let error = |source| AuditError { path: path.to_path_buf(), source };
        if let Some(dir) = path.parent().filter(|dir| !dir.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(error)?;
        }
        let file = OpenOptions::new().create(true).append(true).open(path).map_err(error)?;
        Ok(Self { sink: Mutex::new(Sink::File { path: path.to_path_buf(), file }) })
    }

    /// A log kept in memory, for tests.
    pub fn in_memory() -> Self {
        Self { sink: Mutex::new(Sink::Memory(Vec::new())) }
    }

    /// Appends one line for `event`, written in a single call so lines from
    /// concurrent plugins never interleave.
    pub fn record(&self, event: AuditEvent<'_>) -> Result<(), AuditError> {
        let entry = AuditEntry {
            time: format!("{:.3}", jiff::Timestamp::now()),
            plugin: event.plugin.to_owned(),
            kind: event.kind,
            target: event.target.to_owned(),
            allowed: event.allowed,
            reason: event.reason.map(str::to_owned),
        };
        let json = serde_json::to_string(&entry).expect("an audit entry holds only strings and booleans");
        let line = redactor().redact(&json).into_owned();
        let mut sink = self.sink.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        match &mut *sink {
            Sink::File { path, file } => {
                file.write_all(format!("{line}\n").as_bytes()).map_err(|source| AuditError { path: path.clone(), source })
            }
            Sink::Memory(lines) => {
                lines.push(line);
                Ok(())
            }
        }
    }

    /// The file this log appends to; `None` in memory.
    pub fn path(&self) -> Option<PathBuf> {
        match &*self.sink.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) {
            Sink::File { path, .. } => Some(path.clone()),
            Sink::Memory(_) => None,
        }
    }

    /// The lines recorded so far, as written (in memory) or read back from
    /// the file.
    pub fn lines(&self) -> Result<Vec<String>, AuditError> {
        match &*self.sink.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) {
            Sink::File { path, .. } => std::fs::read_to_string(path)
                .map(|text| text.lines().map(str::to_owned).collect())
                .map_err(|source| AuditError { path: path.clone(), source }),
            Sink::Memory(lines) => Ok(lines.clone()),
        }
    }

    /// The entries recorded so far; lines that are not entries (a file
    /// edited by hand) are skipped.
    pub fn entries(&self) -> Result<Vec<AuditEntry>, AuditError> {
        Ok(self.lines()?.iter().filter_map(|line| serde_json::from_str(line).ok()).collect())
    }
}
