//! The run log (`mtv-host.log`): every event as timestamped lines, each
//! step's own log included, redacted before it reaches the disk.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use super::Reporter;
use crate::runner::event::Event;
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

    fn line(&mut self, text: &str) {
        let stamp = jiff::Timestamp::now();
        for line in redactor().redact(text).lines() {
            let _ = writeln!(self.out, "{stamp:.3} {line}");
        }
    }
}

impl Reporter for LogFileReporter {
    fn handle(&mut self, event: &Event) {
        match event {
            Event::RunStarted { tests, deselected, jobs, cluster, .. } => {
                self.line(&format!("run started: {} tests ({deselected} deselected), {jobs} at a time, cluster {cluster}", tests.len()));
            }
            Event::Warning(warning) => self.line(&format!("WARNING {warning}")),
            Event::TestStarted { test, namespace } => {
                self.line(&format!("{test} started in namespace {}", namespace.as_deref().unwrap_or("-")));
            }
            Event::StepFinished(step) => {
                for entry in &step.log {
                    self.line(&format!("{}::{} | {entry}", step.test, step.step));
                }
                self.line(&format!("{}::{} {:?} ({:.2}s)", step.test, step.step, step.outcome, step.duration.as_secs_f64()));
            }
            Event::TestFinished(test) => {
                let message = test.message.as_deref().map(|m| format!(": {m}")).unwrap_or_default();
                self.line(&format!("{} {}{message} ({:.2}s)", test.test, test.status.label(), test.duration.as_secs_f64()));
                for leftover in &test.leftovers {
                    self.line(&format!("{} leftover {} {}: {}", test.test, leftover.kind, leftover.name, leftover.problem));
                }
            }
            Event::RunFinished(totals) => {
                self.line(&format!(
                    "run finished in {:.2}s{}",
                    totals.duration.as_secs_f64(),
                    if totals.interrupted { " (interrupted)" } else { "" }
                ));
                let _ = self.out.flush();
            }
        }
    }
}
