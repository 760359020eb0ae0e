//! Reporter plugins, after the JUnit report is written: the configured
//! ones, and JJI's AI analysis with `--analyze-with-ai`.

use std::sync::Arc;

use super::narrator::Narrator;
use crate::enrich::{EnrichOutcome, enrich_report};
use crate::plugins::{LoadedPlugin, PluginRuntime, PluginSpec, ReportFacts};
use crate::report::Counts;
use crate::runner::RunSettings;

/// Reporter plugins after the report is written: the configured ones, and
/// JJI with `--analyze-with-ai`. They never change the exit status.
pub async fn run_reporters(
    narrator: &dyn Narrator,
    runtime: &Arc<PluginRuntime>,
    mut reporters: Vec<LoadedPlugin>,
    jji: Option<PluginSpec>,
    settings: &RunSettings,
    counts: Counts,
) {
    if let Some(spec) = jji {
        match runtime.load(&spec) {
            Ok(plugin) => reporters.push(plugin),
            Err(error) => narrator.note(&format!("AI analysis skipped: {error}")),
        }
    }
    if reporters.is_empty() {
        return;
    }
    let narrow = |n: u64| u32::try_from(n).unwrap_or(u32::MAX);
    let facts = ReportFacts {
        tests: narrow(counts.tests),
        failures: narrow(counts.failures),
        errors: narrow(counts.errors),
        skipped: narrow(counts.skipped),
        dry_run: false,
    };
    let runtime = Arc::clone(runtime);
    let path = settings.junit_xml.clone();
    let outcomes = tokio::task::spawn_blocking(move || {
        reporters.iter().map(|plugin| (plugin.name.clone(), enrich_report(&runtime, plugin, &path, facts))).collect::<Vec<_>>()
    })
    .await
    .unwrap_or_default();
    for (plugin, outcome) in outcomes {
        for message in outcome.messages() {
            narrator.say(&format!("{plugin}: {message}"));
        }
        narrator.say(&match outcome {
            EnrichOutcome::Replaced { .. } => format!("{plugin}: report enriched in place"),
            EnrichOutcome::Unchanged { reason, .. } => format!("{plugin}: report unchanged ({reason})"),
            EnrichOutcome::Skipped { reason } => format!("{plugin}: {reason}"),
        });
    }
}

/// The report page, from the JUnit report as it stands now (enriched, if
/// JJI ran), through the same renderer as `mtv-host report html`. A page
/// that cannot be written is a warning: the JUnit report is the record.
pub fn write_page(narrator: &dyn Narrator, settings: &RunSettings) {
    let Some(page) = &settings.html else { return };
    let redact = |text: &str| crate::secrets::redactor().redact(text).into_owned();
    match crate::report::page::write_page(&settings.junit_xml, page, &redact) {
        Ok(_) => narrator.say(&format!("report page: {}", page.display())),
        Err(error) => {
            narrator.note(&format!("warning: no report page: {error} (the JUnit report {} is complete)", settings.junit_xml.display()))
        }
    }
}
