//! Running a reporter plugin over the written report: skip when there is
//! nothing to analyze, replace the file only with a vetted JUnit report
//! that keeps every test case and outcome of the original, and otherwise
//! leave it byte-for-byte as it was.

use crate::plugins::{LoadedPlugin, Outcome, PluginRuntime, ReportFacts};
use crate::report::{Inventory, write_atomically};
use crate::secrets::redactor;
use std::path::Path;

/// What enrichment did to the report. None of these changes the run's
/// exit status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EnrichOutcome {
    /// Nothing was read or sent: a dry run, or a run without failures.
    Skipped { reason: String },
    /// The report file now holds the plugin's report.
    Replaced { messages: Vec<String> },
    /// The report file is exactly as it was.
    Unchanged { reason: String, messages: Vec<String> },
}

impl EnrichOutcome {
    /// Lines for the console (links to the analysis…).
    pub fn messages(&self) -> &[String] {
        match self {
            EnrichOutcome::Skipped { .. } => &[],
            EnrichOutcome::Replaced { messages } | EnrichOutcome::Unchanged { messages, .. } => messages,
        }
    }
}

/// Offer the report at `report_path` to a reporter plugin and apply its
/// answer. The report is read once; a replacement is redacted, checked to
/// be JUnit XML and written atomically (temporary file + rename).
pub fn enrich_report(runtime: &PluginRuntime, plugin: &LoadedPlugin, report_path: &Path, facts: ReportFacts) -> EnrichOutcome {
    if facts.dry_run {
        return EnrichOutcome::Skipped { reason: "dry run: nothing to analyze".into() };
    }
    if facts.failures.saturating_add(facts.errors) == 0 {
        return EnrichOutcome::Skipped { reason: "no failures: nothing to analyze".into() };
    }
    let original = match std::fs::read_to_string(report_path) {
        Ok(text) => text,
        Err(error) => return unchanged(format!("cannot read {}: {error}", report_path.display()), Vec::new()),
    };
    let recorded = match Inventory::of(&original) {
        Ok(recorded) => recorded,
        Err(problem) => return unchanged(format!("{} is not a report to enrich: {problem}", report_path.display()), Vec::new()),
    };
    let result = runtime.report(plugin, facts, &original);
    // The plugin's answer is a separate copy: free the original before
    // vetting it, which matters for reports of tens of megabytes.
    drop(original);
    let result = match result {
        Ok(result) => result,
        Err(error) => return unchanged(error.to_string(), Vec::new()),
    };
    let messages: Vec<String> = result.messages.iter().map(|m| redactor().redact(m).into_owned()).collect();
    let replacement = match result.outcome {
        Outcome::Unchanged(why) => return unchanged(why, messages),
        Outcome::Replaced(replacement) => replacement,
    };
    // The analysis quotes the report, which was redacted when written, but
    // the server may add text of its own.
    let replacement = redactor().redact(&replacement);
    let kept = match Inventory::of(&replacement) {
        Ok(kept) => kept,
        Err(problem) => return unchanged(format!("plugin '{}' returned a report the host refuses: {problem}", plugin.name), messages),
    };
    // Enrichment adds to a report; an answer that lost a case or a failure
    // would make a failed run read as passed.
    if let Some(lost) = recorded.missing_from(&kept) {
        return unchanged(
            format!("plugin '{}' returned a report the host refuses: it drops {lost}, which the run recorded", plugin.name),
            messages,
        );
    }
    match write_atomically(report_path, |out| out.write_all(replacement.as_bytes())) {
        Ok(()) => EnrichOutcome::Replaced { messages },
        Err(error) => unchanged(format!("cannot replace the report: {error}"), messages),
    }
}

fn unchanged(reason: String, messages: Vec<String>) -> EnrichOutcome {
    EnrichOutcome::Unchanged { reason: redactor().redact(&reason).into_owned(), messages }
}
