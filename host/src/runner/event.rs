//! What the runner tells its reporters. Events flow one way: the runner
//! sends, reporters consume, nothing answers. Every event carries the time
//! it was sent, so a reporter never reads the clock to place it.

use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use crate::migration::Leftover;
use crate::report::{Counts, Outcome};

/// One thing that happened in a run, and when.
#[derive(Debug, Clone)]
pub struct Event {
    /// When the runner sent it.
    pub timestamp: SystemTime,
    pub kind: EventKind,
}

impl Event {
    /// `kind`, stamped now.
    pub fn now(kind: EventKind) -> Self {
        Self { timestamp: SystemTime::now(), kind }
    }
}

#[derive(Debug, Clone)]
pub enum EventKind {
    RunStarted {
        /// Ids of the tests selected for the run, in plan order
        /// (collection skips included).
        tests: Vec<String>,
        /// Steps across those tests: the progress bar's length.
        steps: usize,
        deselected: usize,
        jobs: usize,
        cluster: String,
    },
    /// A line for the run summary (gate or secret warnings…).
    Warning(String),
    /// A fact about the run learnt after it started (a plugin loaded, with
    /// its sha256): a property of the JUnit `<testsuite>`.
    RunFact {
        key: String,
        value: String,
    },
    TestStarted {
        test: String,
        namespace: Option<String>,
    },
    StepFinished(StepRecord),
    TestFinished(TestRecord),
    /// The run ended normally, or was stopped by a first signal.
    RunFinished(RunTotals),
    /// A second signal: the process exits once the reporters have written
    /// what they hold. Nothing is torn down; `totals` lists what is left.
    RunAborted(RunTotals),
}

/// One finished step: one JUnit test case.
#[derive(Debug, Clone)]
pub struct StepRecord {
    pub test: String,
    pub step: String,
    pub outcome: Outcome,
    pub duration: Duration,
    /// What the step did, for the report's system-out.
    pub log: Vec<String>,
    /// Gate decisions and other facts, as JUnit properties.
    pub properties: Vec<(String, String)>,
}

/// How a whole test ended, from its steps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TestStatus {
    Passed,
    Failed,
    Errored,
    Skipped,
    XFailed,
    XPassed,
    Interrupted,
}

impl TestStatus {
    pub fn label(self) -> &'static str {
        match self {
            Self::Passed => "PASSED",
            Self::Failed => "FAILED",
            Self::Errored => "ERROR",
            Self::Skipped => "SKIPPED",
            Self::XFailed => "XFAIL",
            Self::XPassed => "XPASS",
            Self::Interrupted => "INTERRUPTED",
        }
    }

    /// Counts toward `--maxfail` and a non-zero exit. An XPASS does not:
    /// with `xfail_strict` it is reported as a failed test instead.
    pub fn is_failure(self) -> bool {
        matches!(self, Self::Failed | Self::Errored)
    }
}

#[derive(Debug, Clone)]
pub struct TestRecord {
    pub test: String,
    pub status: TestStatus,
    pub duration: Duration,
    /// The reason for a skip or xfail, or the first failure's message.
    pub message: Option<String>,
    /// Data collector output, when the test failed.
    pub collected: Option<PathBuf>,
    pub leftovers: Vec<Leftover>,
    /// Its steps as JUnit cases would count them.
    pub cases: Counts,
}

/// Why a run stopped starting tests before the end of the plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StopReason {
    /// Ctrl-C or SIGTERM.
    Interrupted,
    /// `--maxfail N` (`-x` is 1) failed tests were reached.
    MaxFail { limit: usize },
    /// A reporter could not write; the run cannot be reported, so it stops.
    ReporterFailed { reporter: &'static str, problem: String },
}

impl std::fmt::Display for StopReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Interrupted => write!(f, "run interrupted"),
            Self::MaxFail { limit } => write!(f, "stopped after {limit} failed test(s) (--maxfail {limit})"),
            Self::ReporterFailed { reporter, problem } => write!(f, "stopped: the {reporter} reporter failed: {problem}"),
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct RunTotals {
    pub tests: Vec<(String, TestStatus)>,
    pub duration: Duration,
    /// Why the run stopped starting tests early, if it did.
    pub stopped: Option<StopReason>,
    pub leftovers: Vec<Leftover>,
    /// Every step as a JUnit case: what reporter plugins are told.
    pub cases: Counts,
}

impl RunTotals {
    pub fn count(&self, status: TestStatus) -> usize {
        self.tests.iter().filter(|(_, s)| *s == status).count()
    }

    pub fn failed(&self) -> bool {
        self.tests.iter().any(|(_, status)| status.is_failure())
    }

    pub fn interrupted(&self) -> bool {
        self.stopped == Some(StopReason::Interrupted) || self.tests.iter().any(|(_, status)| *status == TestStatus::Interrupted)
    }
}
