//! The report page: `report.html`, a self-contained page for people,
//! built from a JUnit report alone: the run's summary, one row per test,
//! each test's steps and each migrated VM's Forklift pipeline drawn to
//! scale, the run's timeline, the checks' expected against actual, and
//! the AI analysis JJI enrichment added. A run writes it after its JUnit
//! report; `mtv-host report html` rebuilds it from any report, merged
//! shard reports included. Both go through [`write_page`].

mod model;
mod render;
mod text;
mod timeline;

use std::path::{Path, PathBuf};

pub use model::{RunReport, Status, StepView, TestView};
pub use render::render;

use super::atomic::write_atomically;
use super::error::ReportError;

/// The file name a run writes beside its JUnit report.
pub const PAGE_FILE: &str = "report.html";

/// `report.html` in the JUnit report's directory.
pub fn default_page_path(junit: &Path) -> PathBuf {
    junit.parent().map_or_else(|| PathBuf::from(PAGE_FILE), |dir| dir.join(PAGE_FILE))
}

/// What a page was made from: shown on the console.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageSummary {
    pub tests: usize,
    pub failed: usize,
}

/// Reads the JUnit report at `junit` and writes its page to `page`
/// (atomically). Every text passes through `redact` before it is
/// rendered, and the page once more as a whole.
pub fn write_page(junit: &Path, page: &Path, redact: &dyn Fn(&str) -> String) -> Result<PageSummary, ReportError> {
    let text = std::fs::read_to_string(junit).map_err(|source| ReportError::Io { path: junit.to_owned(), source })?;
    let mut report = RunReport::parse(&text, &junit.display().to_string())?;
    report.redact(redact);
    let html = redact(&render(&report));
    write_atomically(page, |out| out.write_all(html.as_bytes()).map_err(|source| ReportError::Io { path: page.to_owned(), source }))?;
    let failed = report.tests.iter().filter(|t| t.status().class() == "fail").count();
    Ok(PageSummary { tests: report.tests.len(), failed })
}
