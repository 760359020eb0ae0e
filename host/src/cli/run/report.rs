//! Reporter plugins, after the JUnit report is written: the configured
//! ones, and JJI's AI analysis with `--analyze-with-ai`.

use std::path::PathBuf;
use std::sync::Arc;

use mtv_host::enrich::{EnrichOutcome, JjiSettings, enrich_report, plugin_spec};
use mtv_host::plugins::{LoadedPlugin, PluginRuntime, ReportFacts};
use mtv_host::report::Counts;
use mtv_host::runner::RunSettings;
use mtv_host::secrets::Env;

use super::RunArgs;

/// Reporter plugins after the report is written: the configured ones, and
/// JJI with `--analyze-with-ai`. They never change the exit status.
pub(crate) async fn run_reporters(
    runtime: &Arc<PluginRuntime>,
    mut reporters: Vec<LoadedPlugin>,
    jji_path: Option<PathBuf>,
    args: &RunArgs,
    env: &Env,
    settings: &RunSettings,
    counts: Counts,
) {
    if args.analyze_with_ai {
        match (JjiSettings::from_env(env), jji_path) {
            (JjiSettings::Enabled { config, warnings }, Some(path)) => {
                warnings.iter().for_each(|w| eprintln!("warning: {w}"));
                match runtime.load(&plugin_spec(&config, path)) {
                    Ok(plugin) => reporters.push(plugin),
                    Err(error) => eprintln!("AI analysis skipped: {error}"),
                }
            }
            (JjiSettings::Enabled { .. }, None) => {
                eprintln!("AI analysis skipped: add a [[plugins]] entry named jji (path = \".../jji.wasm\") to mtv-host.toml")
            }
            (JjiSettings::Disabled { warning }, _) => eprintln!("{warning}"),
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
            println!("{plugin}: {message}");
        }
        match outcome {
            EnrichOutcome::Replaced { .. } => println!("{plugin}: report enriched in place"),
            EnrichOutcome::Unchanged { reason, .. } => println!("{plugin}: report unchanged ({reason})"),
            EnrichOutcome::Skipped { reason } => println!("{plugin}: {reason}"),
        }
    }
}
