use std::io;
use std::path::PathBuf;

/// Why a report could not be read, merged or written.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("{}: {source}", path.display())]
    Io { path: PathBuf, source: io::Error },
    /// `origin` is the file, or "the report text" for in-memory reports.
    #[error("{origin} is not a JUnit report: {found} (expected XML with a <testsuites> or <testsuite> root element)")]
    NotJunit { origin: String, found: String },
    /// Writing the output failed (the message names the file).
    #[error(transparent)]
    Write(#[from] io::Error),
}
