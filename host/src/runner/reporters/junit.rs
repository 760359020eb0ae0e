//! The JUnit reporter: one test case per step (classname = test id), gate
//! decisions as properties, the step's log as system-out; written once,
//! atomically, when the run finishes, tests in plan order whatever order
//! they finished in.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use super::Reporter;
use crate::report::{CaseRecord, Counts, SuiteInfo, write_junit_file};
use crate::runner::event::Event;
use crate::secrets::redactor;

/// Where the report went, for the caller to check after the run.
pub type JunitResult = Arc<Mutex<Option<Result<Counts, String>>>>;

pub struct JunitReporter {
    path: PathBuf,
    started: SystemTime,
    properties: Vec<(String, String)>,
    /// Test ids in plan order.
    order: Vec<String>,
    cases: Vec<CaseRecord>,
    result: JunitResult,
}

impl JunitReporter {
    /// `properties` are the run facts written on the `<testsuite>`.
    pub fn new(path: PathBuf, properties: Vec<(String, String)>) -> (Self, JunitResult) {
        let result = JunitResult::default();
        let reporter =
            Self { path, started: SystemTime::now(), properties, order: Vec::new(), cases: Vec::new(), result: Arc::clone(&result) };
        (reporter, result)
    }
}

impl Reporter for JunitReporter {
    fn handle(&mut self, event: &Event) {
        match event {
            Event::StepFinished(step) => self.cases.push(CaseRecord {
                classname: step.test.clone(),
                name: step.step.clone(),
                time: step.duration,
                outcome: step.outcome.clone(),
                properties: step.properties.clone(),
                system_out: step.log.iter().map(|line| format!("{line}\n")).collect(),
            }),
            Event::Warning(warning) => self.properties.push(("warning".to_owned(), warning.clone())),
            Event::RunStarted { tests, .. } => self.order.clone_from(tests),
            Event::RunFinished(totals) => {
                // Stable: a test's steps keep their order.
                self.cases.sort_by_key(|case| self.order.iter().position(|id| *id == case.classname).unwrap_or(usize::MAX));
                let mut suite = SuiteInfo::for_run(self.started, self.properties.clone());
                suite.duration = Some(totals.duration);
                let written = write_junit_file(&self.path, &suite, &self.cases, |text| redactor().redact(text)).map_err(|e| e.to_string());
                if let Err(problem) = &written {
                    tracing::error!("{problem}");
                }
                *self.result.lock().unwrap_or_else(|p| p.into_inner()) = Some(written);
            }
            Event::TestStarted { .. } | Event::TestFinished(_) => {}
        }
    }
}
