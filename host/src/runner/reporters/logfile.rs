//! The run log (`mtv-host.log`): every event as timestamped lines, each
//! step's own log included, redacted before it reaches the disk.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use super::Reporter;
use crate::runner::event::{Event, EventKind, RunTotals};
use crate::secrets::redactor;

pub struct LogFileReporter {
    out: BufWriter<File>,
}

impl LogFileReporter {
    /// Creates (truncates) the log at `path`.
    pub fn create(path: &Path) -> Result<Self, String> {
        let file =
            File::create(path).map_err(|e| format!("cannot create the run log {}: {e} (set log_file under [run])", path.display()))?;
        Ok(Self { out: BufWriter::new(file) })
    }

    /// `text`, one log line per line, stamped with the event's time.
    fn line(&mut self, event: &Event, text: &str) -> std::io::Result<()> {
        let stamp = jiff::Timestamp::try_from(event.timestamp).unwrap_or(jiff::Timestamp::UNIX_EPOCH);
        for line in redactor().redact(text).lines() {
            writeln!(self.out, "{stamp:.3} {line}")?;
        }
        Ok(())
    }

    fn finished(&mut self, event: &Event, totals: &RunTotals, how: &str) -> std::io::Result<()> {
        let stopped = totals.stopped.as_ref().map(|reason| format!(" ({reason})")).unwrap_or_default();
        self.line(event, &format!("run {how} in {:.2}s{stopped}", totals.duration.as_secs_f64()))?;
        self.out.flush()
    }

    fn write(&mut self, event: &Event) -> std::io::Result<()> {
        match &event.kind {
            EventKind::RunStarted { tests, deselected, jobs, cluster, .. } => self
                .line(event, &format!("run started: {} tests ({deselected} deselected), {jobs} at a time, cluster {cluster}", tests.len())),
            EventKind::Warning(warning) => self.line(event, &format!("WARNING {warning}")),
            EventKind::RunFact { key, value } => self.line(event, &format!("{key}: {value}")),
            EventKind::TestStarted { test, namespace } => {
                self.line(event, &format!("{test} started in namespace {}", namespace.as_deref().unwrap_or("-")))
            }
            EventKind::StepFinished(step) => {
                for entry in &step.log {
                    self.line(event, &format!("{}::{} | {entry}", step.test, step.step))?;
                }
                self.line(event, &format!("{}::{} {:?} ({:.2}s)", step.test, step.step, step.outcome, step.duration.as_secs_f64()))
            }
            EventKind::TestFinished(test) => {
                let message = test.message.as_deref().map(|m| format!(": {m}")).unwrap_or_default();
                self.line(event, &format!("{} {}{message} ({:.2}s)", test.test, test.status.label(), test.duration.as_secs_f64()))?;
                for leftover in &test.leftovers {
                    self.line(event, &format!("{} leftover {} {}: {}", test.test, leftover.kind, leftover.name, leftover.problem))?;
                }
                Ok(())
            }
            EventKind::RunFinished(totals) => self.finished(event, totals, "finished"),
            EventKind::RunAborted(totals) => self.finished(event, totals, "aborted"),
        }
    }
}

impl Reporter for LogFileReporter {
    fn name(&self) -> &'static str {
        "run log"
    }

    fn handle(&mut self, event: &Event) -> Result<(), String> {
        self.write(event).map_err(|e| format!("cannot write the run log: {e}"))
    }
}
