//! The console: a progress bar on a terminal (one plain line per result
//! otherwise), a coloured status line per test, and a pytest-style summary
//! with the counts and where the report is. Everything printed is redacted.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use indicatif::{ProgressBar, ProgressStyle};

use super::Reporter;
use crate::report::Outcome;
use crate::runner::event::{Event, EventKind, RunTotals, StopReason, TestRecord, TestStatus};
use crate::secrets::redactor;

const RED: &str = "\x1b[31m";
const GREEN: &str = "\x1b[32m";
const YELLOW: &str = "\x1b[33m";
const BOLD: &str = "\x1b[1m";
const RESET: &str = "\x1b[0m";

pub struct ConsoleReporter {
    color: bool,
    progress: Option<ProgressBar>,
    /// Shown in the summary.
    report_path: PathBuf,
    log_path: PathBuf,
    warnings: Vec<String>,
    /// Failure details per test, printed in the summary.
    failures: Vec<(String, String)>,
    collected: Vec<(String, PathBuf)>,
    steps: BTreeMap<&'static str, usize>,
    /// Tests in flight, shown next to the progress bar.
    running: BTreeSet<String>,
}

impl ConsoleReporter {
    pub fn new(report_path: PathBuf, log_path: PathBuf) -> Self {
        let terminal = std::io::stdout().is_terminal();
        Self {
            color: terminal && std::env::var_os("NO_COLOR").is_none(),
            progress: None,
            report_path,
            log_path,
            warnings: Vec::new(),
            failures: Vec::new(),
            collected: Vec::new(),
            steps: BTreeMap::new(),
            running: BTreeSet::new(),
        }
        .with_progress(terminal)
    }

    fn with_progress(mut self, terminal: bool) -> Self {
        if terminal {
            let bar = ProgressBar::new(0);
            let style = ProgressStyle::with_template("{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} steps {wide_msg}")
                .unwrap_or_else(|_| ProgressStyle::default_bar());
            bar.set_style(style);
            bar.enable_steady_tick(std::time::Duration::from_millis(120));
            self.progress = Some(bar);
        }
        self
    }

    fn paint(&self, color: &str, text: &str) -> String {
        if self.color { format!("{color}{text}{RESET}") } else { text.to_owned() }
    }

    fn println(&self, text: &str) {
        let text = redactor().redact(text).into_owned();
        match &self.progress {
            Some(bar) => bar.println(text),
            None => {
                let mut out = std::io::stdout().lock();
                let _ = writeln!(out, "{text}");
            }
        }
    }

    fn status_color(status: TestStatus) -> &'static str {
        match status {
            TestStatus::Passed => GREEN,
            TestStatus::Skipped | TestStatus::XFailed => YELLOW,
            _ => RED,
        }
    }

    fn test_line(&mut self, test: &TestRecord) {
        let label = self.paint(Self::status_color(test.status), test.status.label());
        let detail = match (test.status, &test.message) {
            (TestStatus::Passed, _) | (_, None) => String::new(),
            (_, Some(message)) => format!(" - {message}"),
        };
        self.println(&format!("{label} {} ({:.1}s){detail}", test.test, test.duration.as_secs_f64()));
        if test.status.is_failure() || test.status == TestStatus::Interrupted {
            self.failures.push((test.test.clone(), test.message.clone().unwrap_or_default()));
        }
        if let Some(dir) = &test.collected {
            self.collected.push((test.test.clone(), dir.clone()));
        }
        self.running.remove(&test.test);
        self.show_running();
    }

    fn show_running(&self) {
        if let Some(bar) = &self.progress {
            bar.set_message(self.running.iter().cloned().collect::<Vec<_>>().join(", "));
        }
    }

    fn summary(&mut self, totals: &RunTotals, aborted: bool) {
        if let Some(bar) = self.progress.take() {
            bar.finish_and_clear();
        }
        if !self.warnings.is_empty() {
            self.println(&self.paint(YELLOW, "==== warnings ===="));
            for warning in &self.warnings {
                self.println(&format!("  {warning}"));
            }
        }
        if !self.failures.is_empty() {
            self.println(&self.paint(RED, "==== short test summary ===="));
            for (test, message) in &self.failures {
                self.println(&format!("FAILED {test} - {message}"));
            }
        }
        for (test, dir) in &self.collected {
            self.println(&format!("data collected for {test}: {}", dir.display()));
        }
        for leftover in &totals.leftovers {
            let ns = leftover.namespace.as_deref().map(|ns| format!("{ns}/")).unwrap_or_default();
            self.println(&self.paint(RED, &format!("LEFTOVER {} {ns}{}: {}", leftover.kind, leftover.name, leftover.problem)));
        }
        match &totals.stopped {
            Some(StopReason::Interrupted) if aborted => {
                self.println(&self.paint(RED, "!!! interrupted twice: stopped without finishing teardown !!!"));
            }
            Some(StopReason::Interrupted) => {
                self.println(&self.paint(RED, "!!! interrupted: running migrations were canceled and torn down !!!"));
            }
            Some(reason) => self.println(&self.paint(RED, &format!("!!! {reason} !!!"))),
            None => {}
        }
        let order = [
            (TestStatus::Failed, "failed"),
            (TestStatus::Errored, "errors"),
            (TestStatus::Passed, "passed"),
            (TestStatus::Skipped, "skipped"),
            (TestStatus::XFailed, "xfailed"),
            (TestStatus::XPassed, "xpassed"),
            (TestStatus::Interrupted, "interrupted"),
        ];
        let parts: Vec<String> = order
            .iter()
            .filter_map(|(status, word)| match totals.count(*status) {
                0 => None,
                n => Some(format!("{n} {word}")),
            })
            .collect();
        let counts = if parts.is_empty() { "no tests ran".to_owned() } else { parts.join(", ") };
        let color = if totals.failed() || totals.interrupted() {
            RED
        } else if totals.count(TestStatus::Passed) == 0 {
            YELLOW
        } else {
            GREEN
        };
        let line = format!("==== {counts} in {:.2}s ====", totals.duration.as_secs_f64());
        self.println(&self.paint(&format!("{BOLD}{color}"), &line));
        let steps: Vec<String> = self.steps.iter().map(|(word, n)| format!("{n} {word}")).collect();
        self.println(&format!("steps: {}", steps.join(", ")));
        self.println(&format!("JUnit report: {}", self.report_path.display()));
        self.println(&format!("run log: {}", self.log_path.display()));
    }
}

fn step_word(outcome: &Outcome) -> &'static str {
    match outcome {
        Outcome::Passed | Outcome::XPassed { strict: false, .. } => "passed",
        Outcome::Failed(_) => "failed",
        Outcome::Error(_) => "errors",
        Outcome::Skipped { .. } => "skipped",
        Outcome::XFailed { .. } => "xfailed",
        Outcome::XPassed { strict: true, .. } => "xpassed (strict)",
    }
}

impl Reporter for ConsoleReporter {
    fn name(&self) -> &'static str {
        "console"
    }

    fn handle(&mut self, event: &Event) -> Result<(), String> {
        match &event.kind {
            EventKind::RunStarted { tests, steps, deselected, jobs, cluster } => {
                let deselected = if *deselected > 0 { format!(" / {deselected} deselected") } else { String::new() };
                self.println(&format!("collected {} tests{deselected}; {jobs} at a time on {cluster}", tests.len()));
                if let Some(bar) = &self.progress {
                    bar.set_length(*steps as u64);
                }
            }
            EventKind::Warning(warning) => self.warnings.push(warning.clone()),
            EventKind::RunFact { .. } => {}
            EventKind::TestStarted { test, .. } => {
                self.running.insert(test.clone());
                self.show_running();
            }
            EventKind::StepFinished(step) => {
                *self.steps.entry(step_word(&step.outcome)).or_default() += 1;
                if let Some(bar) = &self.progress {
                    bar.inc(1);
                }
            }
            EventKind::TestFinished(test) => self.test_line(test),
            EventKind::RunFinished(totals) => self.summary(totals, false),
            EventKind::RunAborted(totals) => self.summary(totals, true),
        }
        // A console that cannot print (a closed pipe) is no reason to stop a run.
        Ok(())
    }
}
