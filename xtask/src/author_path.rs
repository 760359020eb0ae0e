//! `cargo xtask author-path`: a new vendor team's path through the SDK
//! README, timed on a fresh directory and a fresh target dir:
//! `plugins new` → build → `plugins check` → `copyoffload check` → the new
//! crate's first `cargo test`. The numbers go to BENCHMARKS.md, with the
//! load average: on a shared machine wall time grows with other jobs, while
//! the CPU seconds a step used do not.

use anyhow::{Context, Result, bail};
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

const NAME: &str = "acme-array";
const COMPONENT: &str = "target/wasm32-wasip2/release/acme_array.wasm";

pub fn run(root: &Path, target: &Path) -> Result<()> {
    super::cargo(root, &["build".to_string(), "--package".into(), "mtv-host".into()], &[])?;
    let host = target.join("debug").join("mtv-host");
    let work = target.join("author-path");
    if work.exists() {
        std::fs::remove_dir_all(&work).with_context(|| format!("removing {}", work.display()))?;
    }
    std::fs::create_dir_all(&work)?;
    let crate_dir = work.join(NAME);
    let host = host.to_string_lossy().into_owned();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let steps: [(&Path, &str, Vec<&str>); 5] = [
        (&work, &host, vec!["plugins", "new", "--kind", "storage-vendor", NAME]),
        (&crate_dir, &cargo, vec!["build", "--release", "--target", super::WASM_TARGET]),
        (&crate_dir, &host, vec!["plugins", "check", COMPONENT]),
        (&crate_dir, &host, vec!["copyoffload", "check", "--providers-json", "providers.example.json"]),
        (&crate_dir, &cargo, vec!["test"]),
    ];
    let mut total = Duration::ZERO;
    println!("load average at start: {}", load_average());
    println!("| step | seconds | since start | CPU seconds |\n|---|---|---|---|");
    for (dir, program, args) in steps {
        let started = Instant::now();
        let cpu_before = children_cpu_seconds();
        let output = Command::new(program)
            .args(&args)
            .current_dir(dir)
            .env("MTV_HOST_CACHE_DIR", work.join("cache"))
            .env("COPYOFFLOAD_STORAGE_PASSWORD", "example-password")
            .env_remove("CARGO_TARGET_DIR")
            .env_remove("PROVIDERS_JSON_PATH")
            .env_remove("MTV_HOST_CONFIG")
            .output()
            .with_context(|| format!("running {program}"))?;
        let took = started.elapsed();
        total += took;
        let name = Path::new(program).file_name().and_then(|n| n.to_str()).unwrap_or(program);
        if !output.status.success() {
            bail!(
                "`{name} {}` failed ({}):\n{}{}",
                args.join(" "),
                output.status,
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            );
        }
        let cpu = match (cpu_before, children_cpu_seconds()) {
            (Some(before), Some(after)) => format!("{:.1}", after - before),
            _ => "n/a".into(),
        };
        println!("| `{name} {}` | {:.1} | {:.1} | {cpu} |", args.join(" "), took.as_secs_f64(), total.as_secs_f64());
    }
    let source = std::fs::read_to_string(crate_dir.join("src/lib.rs"))?;
    let code = source.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with("//")).count();
    println!("\nsrc/lib.rs: {code} lines of code; the crate is in {}", crate_dir.display());
    println!("load average at end: {}", load_average());
    Ok(())
}

/// User + system CPU time of the finished child processes (and theirs: cargo
/// waits for its rustc jobs), from `/proc/self/stat`; `None` off Linux.
fn children_cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the parenthesised command name; cutime and cstime are
    // fields 16 and 17 of the whole line, in clock ticks (100 per second).
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks = |index: usize| fields.get(index)?.parse::<f64>().ok();
    Some((ticks(13)? + ticks(14)?) / 100.0)
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map_or_else(|_| "n/a".into(), |text| text.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
}
