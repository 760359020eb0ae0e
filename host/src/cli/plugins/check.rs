//! `mtv-host plugins check`: the review a CI pipeline runs before accepting
//! a plugin. Load it with nothing granted, call its hooks with sample input
//! on a fake host, and show what it asked for.

use super::{inspection_runtime, list_or_none};
use crate::cli::Cli;
use crate::cli::exit::Exit;
use mtv_host::plugins::testing::{FakeHost, TestPlugin, sample};
use mtv_host::plugins::{Decision, HookError, Outcome, Presence, Shape, World};
use mtv_host::secrets::AuditKind;
use std::collections::BTreeSet;
use std::path::Path;

/// `KEY=VALUE` from `--setting`.
pub(super) fn parse_setting(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((key, value)) if !key.trim().is_empty() => Ok((key.trim().to_string(), value.to_string())),
        _ => Err(format!("expected KEY=VALUE, got '{text}'")),
    }
}

pub(super) fn run(cli: &Cli, file: &Path, settings: &[(String, String)]) -> anyhow::Result<Exit> {
    println!("{}", file.display());
    let host = settings.iter().fold(FakeHost::new().cache_dir(cli.cache_dir()), |host, (k, v)| host.setting(k, v));
    let plugin = match host.load(file) {
        Ok(plugin) => plugin,
        // Say what the file is, as far as it can be read, before why it
        // does not load.
        Err(load_error) => {
            match inspection_runtime(cli)?.inspect(file) {
                Ok((shape, sha256, _)) => {
                    print_identity(&shape, &sha256);
                    print_imports(&shape.imports);
                    println!("\nerror: {load_error:#}");
                }
                Err(e) => println!("  error     {e}"),
            }
            return Ok(Exit::Failed);
        }
    };
    let loaded = plugin.loaded();
    print_identity(&loaded.shape, &loaded.sha256);
    let hooks = match loaded.world {
        World::StorageVendor => vendor_hooks(&plugin),
        World::Gate => gate_hook(&plugin),
        World::Reporter => reporter_hook(&plugin),
    };
    print_logs(&plugin);
    print_requests(&plugin);
    print_imports(&loaded.shape.imports);
    match hooks {
        Ok(()) => {
            println!("\nok: the component loads and its hooks run");
            Ok(Exit::Ok)
        }
        Err(e) => {
            println!("\nerror: {e}");
            Ok(Exit::Failed)
        }
    }
}

fn print_identity(shape: &Shape, sha256: &str) {
    println!("  world     {}", shape.world_summary());
    println!("  sha256    {sha256}");
}

fn vendor_hooks(plugin: &TestPlugin) -> Result<(), HookError> {
    let info = plugin.describe()?;
    println!("\ndescribe");
    println!("  product   {} ({})", info.product, info.display_name);
    let rows: Vec<[String; 4]> = info
        .fields
        .iter()
        .map(|f| [f.config_key.clone(), f.secret_key.clone(), presence(&f.presence), if f.sensitive { "sensitive" } else { "" }.into()])
        .collect();
    let header = ["config key".to_string(), "Secret key".into(), "presence".into(), "sensitive".into()];
    print_table(std::iter::once(&header).chain(&rows));
    if !info.honours_skip_ssl_verification {
        println!("  the populator ignores STORAGE_SKIP_SSL_VERIFICATION");
    }
    let problems = plugin.validate(&[])?;
    println!("\nvalidate (no values)");
    if problems.is_empty() {
        println!("  no problems");
    }
    for problem in problems {
        println!("  {}: {} (fix: {})", problem.key, problem.message, problem.fix);
    }
    Ok(())
}

fn presence(presence: &Presence) -> String {
    match presence {
        Presence::Required => "required".into(),
        Presence::Optional(Some(default)) => format!("optional, default {default}"),
        Presence::Optional(None) => "optional".into(),
        Presence::RequiredUnless(other) => format!("required unless {other}"),
    }
}

fn print_table<'a>(rows: impl Iterator<Item = &'a [String; 4]> + Clone) {
    let widths: Vec<usize> = (0..4).map(|i| rows.clone().map(|row| row[i].len()).max().unwrap_or(0)).collect();
    for row in rows {
        let line: Vec<String> = row.iter().zip(&widths).map(|(cell, width)| format!("{cell:width$}")).collect();
        println!("  {}", line.join("  ").trim_end());
    }
}

fn gate_hook(plugin: &TestPlugin) -> Result<(), HookError> {
    let tests = sample::tests();
    let decided = plugin.decide(&sample::run_facts(), &tests)?;
    println!("\ndecide ({} sample tests)", tests.len());
    let outcome = match decided {
        Ok(outcome) => outcome,
        Err(message) => {
            // The hook ran: a gate stops a run this way on bad settings.
            println!("  the plugin stops the run: {message}");
            return Ok(());
        }
    };
    let width = tests.iter().map(|t| t.id.len()).max().unwrap_or(0);
    for test in &tests {
        let decision = match outcome.verdicts.iter().find(|v| v.id == test.id).map(|v| &v.decision) {
            None => "run (no verdict)".to_string(),
            Some(Decision::Run) => "run".into(),
            Some(Decision::Skip(reason)) => format!("skip: {reason}"),
            Some(Decision::Xfail(reason)) => format!("xfail: {reason}"),
        };
        println!("  {:width$}  {decision}", test.id);
    }
    for warning in &outcome.warnings {
        println!("  warning   {warning}");
    }
    Ok(())
}

fn reporter_hook(plugin: &TestPlugin) -> Result<(), HookError> {
    let facts = sample::report_facts();
    let result = plugin.report(facts, sample::failing_junit())?;
    println!("\nreport (sample: {} tests, {} failed)", facts.tests, facts.failures);
    match &result.outcome {
        Outcome::Unchanged(reason) => println!("  unchanged: {reason}"),
        Outcome::Replaced(xml) => println!("  replaced: {} bytes of JUnit XML", xml.len()),
    }
    for message in &result.messages {
        println!("  message   {message}");
    }
    Ok(())
}

fn print_logs(plugin: &TestPlugin) {
    let logs = plugin.logs();
    if logs.is_empty() {
        return;
    }
    println!("\nplugin log");
    for line in logs {
        println!("  {:5}  {}", line.level, line.message);
    }
}

/// Nothing is granted here, so every request was denied; the audit still
/// names each one.
fn print_requests(plugin: &TestPlugin) {
    let audit = plugin.audit();
    let asked = |kind: AuditKind| -> BTreeSet<String> { audit.iter().filter(|e| e.kind == kind).map(|e| e.target.clone()).collect() };
    let listed = |set: BTreeSet<String>| list_or_none(&set.into_iter().collect::<Vec<_>>());
    println!("\nasks for (denied here: nothing is granted)");
    println!("  secrets   {}", listed(asked(AuditKind::Secret)));
    println!("  origins   {}", listed(asked(AuditKind::Http)));
}

/// Contract interfaces one by one; WASI (linked deny-all) by package;
/// anything else one by one, as that is what fails to load.
fn print_imports(imports: &[String]) {
    let (wasi, rest): (Vec<&String>, Vec<&String>) = imports.iter().partition(|name| name.starts_with("wasi:"));
    let (contract, other): (Vec<&String>, Vec<&String>) = rest.into_iter().partition(|name| name.starts_with("mtv:plugin/"));
    println!("  imports   {}", list_or_none(&contract));
    let packages: BTreeSet<&str> = wasi.iter().filter_map(|name| name.split_once('/').map(|(package, _)| package)).collect();
    if !packages.is_empty() {
        println!("  wasi      {} (WASI 0.2, linked deny-all)", packages.into_iter().collect::<Vec<_>>().join(", "));
    }
    if !other.is_empty() {
        println!("  other     {}", list_or_none(&other));
    }
}
