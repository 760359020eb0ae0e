//! Plugin runtime costs for a small plugin (the ontap vendor component):
//! uncached compile, cached load, and a hook call on a fresh instance.
//!
//! `cargo xtask bench` builds the plugins and runs this; it prints one line
//! per measurement (median of the runs).

use mtv_host::plugins::{HostServices, NoAudit, NoSecrets, PluginRuntime, PluginSpec, ReqwestTransport};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

fn services() -> HostServices {
    HostServices { secrets: Arc::new(NoSecrets), transport: Arc::new(ReqwestTransport::new()), audit: Arc::new(NoAudit) }
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn measure(runs: usize, mut op: impl FnMut()) -> Duration {
    median(
        (0..runs)
            .map(|_| {
                let start = Instant::now();
                op();
                start.elapsed()
            })
            .collect(),
    )
}

fn main() -> anyhow::Result<()> {
    let dir = std::env::var_os("MTV_PLUGIN_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/plugins"));
    let path = dir.join("ontap.wasm");
    anyhow::ensure!(path.is_file(), "{} is missing: run `cargo xtask bench`", path.display());
    let spec = PluginSpec { name: "ontap".into(), path: path.clone(), ..Default::default() };
    let size = std::fs::metadata(&path)?.len();

    let uncached = PluginRuntime::new(services(), None)?;
    let compile = measure(10, || {
        uncached.load(&spec).expect("load");
    });

    let cache = tempfile::tempdir()?;
    let cached = PluginRuntime::new(services(), Some(cache.path().into()))?;
    cached.load(&spec)?;
    let load = measure(200, || {
        cached.load(&spec).expect("load");
    });
    anyhow::ensure!(cached.compiles() == 1, "cached loads compiled again");

    let plugin = cached.load(&spec)?;
    let calls = 2_000;
    let call = measure(calls, || {
        cached.vendor_describe(&plugin).expect("describe");
    });
    let values = vec![("storage_hostname".to_string(), "10.0.0.1".to_string()), ("ontap_svm".to_string(), "svm0".to_string())];
    let validate = measure(calls, || {
        cached.vendor_validate(&plugin, &values).expect("validate");
    });

    println!("plugin: ontap.wasm, {size} bytes");
    println!("uncached compile + load    {:>10.3} ms (median of 10)", compile.as_secs_f64() * 1e3);
    println!("cached load                {:>10.3} ms (median of 200)", load.as_secs_f64() * 1e3);
    println!("fresh instance + describe  {:>10.1} µs (median of {calls})", call.as_secs_f64() * 1e6);
    println!("fresh instance + validate  {:>10.1} µs (median of {calls})", validate.as_secs_f64() * 1e6);
    Ok(())
}
