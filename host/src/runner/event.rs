//! What the runner tells its reporters. Events flow one way: the runner
//! sends, reporters consume, nothing answers.

use std::path::PathBuf;
use std::time::Duration;

use crate::migration::Leftover;
use crate::report::Outcome;

#[derive(Debug, Clone)]
pub enum Event {
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
    TestStarted {
        test: String,
        namespace: Option<String>,
    },
    StepFinished(StepRecord),
    TestFinished(TestRecord),
    RunFinished(RunTotals),
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

    /// Counts toward `--maxfail` and a non-zero exit.
    pub fn is_failure(self) -> bool {
        matches!(self, Self::Failed | Self::Errored | Self::XPassed)
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
}

#[derive(Debug, Clone, Default)]
pub struct RunTotals {
    pub tests: Vec<(String, TestStatus)>,
    pub duration: Duration,
    pub interrupted: bool,
    /// Why the run stopped starting tests early (`--maxfail`).
    pub stopped_early: Option<String>,
    pub leftovers: Vec<Leftover>,
}

impl RunTotals {
    pub fn count(&self, status: TestStatus) -> usize {
        self.tests.iter().filter(|(_, s)| *s == status).count()
    }

    pub fn failed(&self) -> bool {
        self.tests.iter().any(|(_, status)| status.is_failure())
    }
}
