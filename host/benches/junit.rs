//! JUnit reports at scale: write 100,000 test cases (streaming, with the
//! secret redactor on every text), read the counts back, validate, and
//! merge three shards of that size.
//!
//! `cargo bench -p mtv-host --bench junit`

use mtv_host::report::{CaseRecord, Fault, Outcome, SuiteInfo, merge, summarize, validate_junit, write_junit_file};
use mtv_host::secrets::{SecretValue, redactor};
use std::time::{Duration, Instant, SystemTime};

const CASES: usize = 100_000;

fn cases(shard: usize) -> Vec<CaseRecord> {
    (0..CASES)
        .map(|n| CaseRecord {
            classname: format!("plan::test-{shard}-{}", n / 5),
            name: ["create_storagemap", "create_networkmap", "create_plan", "migrate", "check_vms"][n % 5].to_string(),
            time: Duration::from_millis(n as u64 % 900),
            outcome: match n % 50 {
                0 => Outcome::Failed(Fault {
                    message: "Plan is not Ready: VMNotFound".into(),
                    kind: "PlanNotReady".into(),
                    detail: "condition VMNotFound <&> \"quoted\"".into(),
                }),
                1 => Outcome::Skipped { reason: "applies only to openstack".into() },
                _ => Outcome::Passed,
            },
            properties: vec![("gate".into(), "run".into())],
            system_out: format!("created Plan test-{n}-cold in namespace auto-abcd\nwaited 12.3 s for Succeeded\n"),
        })
        .collect()
}

fn redact(text: &str) -> std::borrow::Cow<'_, str> {
    redactor().redact(text)
}

fn timed<T>(label: &str, op: impl FnOnce() -> T) -> T {
    let started = Instant::now();
    let result = op();
    println!("{label:<48} {:>8.1} ms", started.elapsed().as_secs_f64() * 1e3);
    result
}

fn main() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    // Two registered secrets, so redaction does real matching work.
    let _secrets = [SecretValue::new("bench-secret-one-4f1c"), SecretValue::new("bench-secret-two-9a2e")];
    let suite = SuiteInfo::for_run(SystemTime::now(), vec![("source_provider".into(), "vsphere-8".into())]);
    let shards: Vec<_> = (0..3).map(cases).collect();
    let paths: Vec<_> = (0..3).map(|i| dir.path().join(format!("shard-{i}.xml"))).collect();

    let counts = timed("write 100,000 cases (atomic, redacted)", || write_junit_file(&paths[0], &suite, &shards[0], redact))?;
    anyhow::ensure!(counts.tests == CASES as u64, "wrote {} cases", counts.tests);
    for (path, shard) in paths.iter().zip(&shards).skip(1) {
        write_junit_file(path, &suite, shard, redact)?;
    }
    let size = std::fs::metadata(&paths[0])?.len();
    let read = timed("summarize 100,000 cases", || summarize(&paths[0]))?;
    anyhow::ensure!(read.tests == CASES as u64);
    let text = std::fs::read_to_string(&paths[0])?;
    timed("validate 100,000 cases", || validate_junit(&text)).map_err(anyhow::Error::msg)?;
    let merged = timed("merge 3 shards of 100,000 cases", || merge(&paths, &dir.path().join("merged.xml")))?;
    anyhow::ensure!(merged.tests == 3 * CASES as u64);
    println!("report size: {:.1} MB per 100,000 cases", size as f64 / 1e6);
    Ok(())
}
