//! How much memory a 20 MB report costs on its way to JJI and back: host
//! and plugin together, measured as the rise in this process's peak
//! resident memory (Linux). The stand-in server discards the request and
//! answers from a buffer built before the measurement, so its share is not
//! counted. Prints the figures; fails only on a gross regression.
//!
//! Alone in its test binary so no other test's allocations blur the peak.

mod support;

use mtv_host::enrich::{EnrichOutcome, enrich_report, plugin_spec};
use mtv_host::plugins::PluginRuntime;
use support::jji::{FakeJji, Reply, config, facts};
use support::{FixedSecrets, plugin, services};

const REPORT_BYTES: usize = 20 * 1024 * 1024;

/// A report of many failed cases, about `bytes` long.
fn big_report(bytes: usize) -> (String, u32) {
    let mut xml = String::with_capacity(bytes + 4096);
    xml.push_str("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<testsuites>\n<testsuite name=\"mtv-host\">\n");
    let mut failures = 0;
    while xml.len() < bytes {
        xml.push_str(&format!(
            "<testcase classname=\"tests.test_scale\" name=\"test_vm_{failures}\" time=\"1.000\"><failure message=\"migration of vm-{failures} failed\" type=\"AssertionError\">Plan \"scale-{failures}\" failed: populator pod exited 1\n  at step DiskTransfer, disk 0 of 3</failure><system-out>creating plan scale-{failures}\nwaiting for migration\n</system-out></testcase>\n"
        ));
        failures += 1;
    }
    xml.push_str("</testsuite>\n</testsuites>\n");
    (xml, failures)
}

/// A field of `/proc/self/status`, in bytes.
fn status_bytes(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// Reset the peak resident size to the current one (Linux ≥ 4.0).
fn reset_peak() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

#[test]
fn a_20_mb_report_round_trip_costs_a_few_copies() {
    let (report, failures) = big_report(REPORT_BYTES);
    let enriched = report.replacen(
        "<testsuite name=\"mtv-host\">",
        "<testsuite name=\"mtv-host\"><properties><property name=\"report_url\" value=\"/results/big\"/></properties>",
        1,
    );
    let server = FakeJji::discarding(Reply::completed(&enriched));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("junit-report.xml");
    std::fs::write(&path, &report).unwrap();
    let size = report.len() as f64;
    drop(report);

    let runtime = PluginRuntime::new(services(FixedSecrets::default()).0, None).unwrap();
    let plugin = runtime.load(&plugin_spec(&config(&server.url, &[]), plugin("jji"))).unwrap();

    let resettable = reset_peak();
    let baseline = status_bytes("VmRSS:").unwrap_or(0);
    let started = std::time::Instant::now();
    let outcome = enrich_report(&runtime, &plugin, &path, facts(failures, 0));
    let elapsed = started.elapsed();
    let peak = status_bytes("VmHWM:").unwrap_or(0);

    assert!(matches!(outcome, EnrichOutcome::Replaced { .. }), "{outcome:?}");
    assert!(server.requests()[0].body_len as f64 > size, "the request did not carry the report");
    assert!(std::fs::read_to_string(&path).unwrap() == enriched, "the report was not replaced by the answer");

    let extra = peak.saturating_sub(baseline) as f64;
    let mib = |b: f64| b / (1024.0 * 1024.0);
    let measured = if resettable { "peak reset before the call" } else { "peak not resettable: includes set-up" };
    let line = format!(
        "JJI round trip of a {:.1} MiB report ({failures} failed cases): {elapsed:.2?}; peak extra memory {:.0} MiB = {:.1}× the report ({measured})",
        mib(size),
        mib(extra),
        extra / size
    );
    use std::io::Write as _;
    let _ = writeln!(std::io::stderr(), "{line}");
    if resettable {
        assert!(extra / size < 12.0, "{line}");
    }
}
