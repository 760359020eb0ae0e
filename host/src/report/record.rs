//! What the runner hands the report: finished test cases, the run's suite
//! header, and the counts both produce.

use std::time::{Duration, SystemTime};

/// One finished test case (a whole test, or one step of it).
#[derive(Debug, Clone, PartialEq)]
pub struct CaseRecord {
    /// The test id for a step (`plan::cold-sanity`), or the plan name.
    pub classname: String,
    pub name: String,
    pub time: Duration,
    pub outcome: Outcome,
    /// Facts for readers of the report, e.g. gate decisions (`jira`).
    pub properties: Vec<(String, String)>,
    /// Captured log; written only when non-empty.
    pub system_out: String,
}

/// How a case ended, in pytest's vocabulary.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Passed,
    /// The test's own check failed: `<failure>`.
    Failed(Fault),
    /// Something around the test broke (setup, cluster, plugin): `<error>`.
    Error(Fault),
    /// Not run: `<skipped message="reason"/>`.
    Skipped {
        reason: String,
    },
    /// Ran and failed as expected: `<skipped message="xfail: reason"/>`.
    XFailed {
        reason: String,
    },
    /// Expected to fail, but passed. Strict (the host's default for JIRA
    /// gates: the issue may be fixed and the gate stale) writes a
    /// `<failure message="XPASS(strict): reason">`; otherwise the case
    /// passes with an `xpass` property holding the reason.
    XPassed {
        reason: String,
        strict: bool,
    },
}

/// The content of a `<failure>` or `<error>` element.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Fault {
    /// One line: the `message` attribute.
    pub message: String,
    /// A short classification: the `type` attribute (`MigrationFailed`…).
    pub kind: String,
    /// Full detail: the element body.
    pub detail: String,
}

/// What a case counts as in the suite header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tally {
    Passed,
    Failure,
    Error,
    Skipped,
}

impl Outcome {
    pub(crate) fn tally(&self) -> Tally {
        match self {
            Self::Passed | Self::XPassed { strict: false, .. } => Tally::Passed,
            Self::Failed(_) | Self::XPassed { strict: true, .. } => Tally::Failure,
            Self::Error(_) => Tally::Error,
            Self::Skipped { .. } | Self::XFailed { .. } => Tally::Skipped,
        }
    }
}

/// The numbers of a `<testsuite>` header.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub tests: u64,
    pub failures: u64,
    pub errors: u64,
    pub skipped: u64,
    /// Sum of the cases' times.
    pub time: Duration,
}

impl Counts {
    pub(crate) fn add(&mut self, tally: Tally, time: Duration) {
        self.tests += 1;
        self.time += time;
        match tally {
            Tally::Passed => {}
            Tally::Failure => self.failures += 1,
            Tally::Error => self.errors += 1,
            Tally::Skipped => self.skipped += 1,
        }
    }

    /// Adds one case with this outcome.
    pub fn record(&mut self, outcome: &Outcome, time: Duration) {
        self.add(outcome.tally(), time);
    }

    /// Adds every case of `other`.
    pub fn merge(&mut self, other: &Counts) {
        self.tests += other.tests;
        self.failures += other.failures;
        self.errors += other.errors;
        self.skipped += other.skipped;
        self.time += other.time;
    }

    pub(crate) fn of(cases: &[CaseRecord]) -> Self {
        let mut counts = Self::default();
        for case in cases {
            counts.record(&case.outcome, case.time);
        }
        counts
    }

    pub fn passed(&self) -> u64 {
        self.tests - self.failures - self.errors - self.skipped
    }
}

/// The `<testsuite>` header: identity of the run and its properties.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SuiteInfo {
    pub name: String,
    /// RFC 3339 (ISO 8601), UTC.
    pub timestamp: String,
    pub hostname: String,
    /// Wall-clock time of the run; the sum of case times when absent
    /// (parallel runs take less wall-clock time than that sum).
    pub duration: Option<Duration>,
    /// Run facts and gate decisions.
    pub properties: Vec<(String, String)>,
}

impl SuiteInfo {
    /// A suite named `mtv-host`, stamped now, on this host.
    pub fn for_run(started: SystemTime, properties: Vec<(String, String)>) -> Self {
        Self { name: "mtv-host".to_owned(), timestamp: iso8601(started), hostname: local_hostname(), duration: None, properties }
    }
}

/// RFC 3339 in UTC with milliseconds, e.g. `2026-08-01T12:34:56.789Z`.
pub fn iso8601(time: SystemTime) -> String {
    let timestamp = jiff::Timestamp::try_from(time).unwrap_or(jiff::Timestamp::UNIX_EPOCH);
    format!("{timestamp:.3}")
}

fn local_hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|name| name.trim().to_owned())
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| "localhost".to_owned())
}
