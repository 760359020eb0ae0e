//! The event stream of one run: the sending side every unit holds, and the
//! task that feeds the reporters. Opened before anything can go wrong, so a
//! run stopped at any point still reports what it knows.

use std::path::PathBuf;

use tokio::sync::mpsc::{UnboundedSender, unbounded_channel};
use tokio::task::JoinHandle;

use super::event::{Event, EventKind};
use super::reporters::{self, ConsoleReporter, JunitReporter, LogFileReporter, Reporter};
use super::stop::Stop;

/// Where a run's reports go.
#[derive(Debug, Clone)]
pub struct ReportOutputs {
    pub junit_xml: PathBuf,
    pub log_file: PathBuf,
    /// Run facts, written on the JUnit `<testsuite>`.
    pub suite_properties: Vec<(String, String)>,
}

/// The sending side: stamps each event as it goes.
#[derive(Clone)]
pub struct Events(UnboundedSender<Event>);

impl Events {
    pub fn send(&self, kind: EventKind) {
        // A closed channel means the reporters are gone; the run still finishes its teardown.
        let _ = self.0.send(Event::now(kind));
    }
}

/// The reporters of a run, fed on their own task.
pub struct Reporting {
    events: Events,
    task: JoinHandle<()>,
}

impl Reporting {
    /// The JUnit report, the run log and the console.
    pub fn standard(outputs: &ReportOutputs, stop: &Stop) -> Result<Self, String> {
        let reporters: Vec<Box<dyn Reporter>> = vec![
            Box::new(JunitReporter::new(outputs.junit_xml.clone(), outputs.suite_properties.clone())),
            Box::new(LogFileReporter::create(&outputs.log_file)?),
            Box::new(ConsoleReporter::new(outputs.junit_xml.clone(), outputs.log_file.clone())),
        ];
        Ok(Self::start(reporters, stop))
    }

    /// Any reporters: what runner tests and embedders use.
    pub fn start(reporters: Vec<Box<dyn Reporter>>, stop: &Stop) -> Self {
        let (sender, receiver) = unbounded_channel();
        let task = tokio::spawn(reporters::dispatch(receiver, reporters, stop.clone()));
        Self { events: Events(sender), task }
    }

    pub fn events(&self) -> &Events {
        &self.events
    }

    /// Hangs up and waits until every reporter has handled every event.
    pub async fn finish(self) {
        drop(self.events);
        let _ = self.task.await;
    }
}
