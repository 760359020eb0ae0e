//! The JUnit reporter: one test case per step (classname = test id), gate
//! decisions as properties, the step's log as system-out; written once,
//! atomically, when the run finishes (or is aborted: then with the steps
//! finished so far), tests in plan order whatever order they finished in.

use std::path::PathBuf;
use std::time::SystemTime;

use super::Reporter;
use crate::report::{CaseRecord, SuiteInfo, iso8601, write_junit_file};
use crate::runner::event::{Event, EventKind, RunTotals};
use crate::secrets::redactor;

pub struct JunitReporter {
    path: PathBuf,
    started: Option<SystemTime>,
    properties: Vec<(String, String)>,
    /// Test ids in plan order.
    order: Vec<String>,
    cases: Vec<CaseRecord>,
}

impl JunitReporter {
    /// `properties` are the run facts written on the `<testsuite>`.
    pub fn new(path: PathBuf, properties: Vec<(String, String)>) -> Self {
        Self { path, started: None, properties, order: Vec::new(), cases: Vec::new() }
    }

    fn write(&mut self, totals: &RunTotals, aborted: bool) -> Result<(), String> {
        // Stable: a test's steps keep their order.
        self.cases.sort_by_key(|case| self.order.iter().position(|id| *id == case.classname).unwrap_or(usize::MAX));
        let mut properties = self.properties.clone();
        if let Some(reason) = &totals.stopped {
            properties.push(("stopped".to_owned(), reason.to_string()));
        }
        if aborted {
            properties.push(("aborted".to_owned(), "a second signal stopped the run before teardown finished".to_owned()));
        }
        let mut suite = SuiteInfo::for_run(self.started.unwrap_or_else(SystemTime::now), properties);
        suite.duration = Some(totals.duration);
        write_junit_file(&self.path, &suite, &self.cases, |text| redactor().redact(text)).map(|_| ()).map_err(|e| e.to_string())
    }
}

impl Reporter for JunitReporter {
    fn name(&self) -> &'static str {
        "junit"
    }

    fn handle(&mut self, event: &Event) -> Result<(), String> {
        match &event.kind {
            EventKind::StepFinished(step) => {
                // When the step ran, so the report alone can draw the run's timeline.
                let mut properties = step.properties.clone();
                if !step.duration.is_zero() {
                    let started = event.timestamp.checked_sub(step.duration).unwrap_or(event.timestamp);
                    properties.push(("started".to_owned(), iso8601(started)));
                    properties.push(("finished".to_owned(), iso8601(event.timestamp)));
                }
                self.cases.push(CaseRecord {
                    classname: step.test.clone(),
                    name: step.step.clone(),
                    time: step.duration,
                    outcome: step.outcome.clone(),
                    properties,
                    system_out: step.log.iter().map(|line| format!("{line}\n")).collect(),
                });
            }
            EventKind::Warning(warning) => self.properties.push(("warning".to_owned(), warning.clone())),
            EventKind::RunFact { key, value } => self.properties.push((key.clone(), value.clone())),
            EventKind::RunStarted { tests, .. } => {
                self.started = Some(event.timestamp);
                self.order.clone_from(tests);
            }
            EventKind::RunFinished(totals) => return self.write(totals, false),
            EventKind::RunAborted(totals) => return self.write(totals, true),
            EventKind::TestStarted { .. } | EventKind::TestFinished(_) => {}
        }
        Ok(())
    }
}
