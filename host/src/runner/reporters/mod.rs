//! Reporters: independent consumers of the runner's events. Each sees every
//! event in order and never reaches back into the runner, except to say it
//! cannot go on: a reporter that fails stops the run with a typed reason,
//! since a run nobody can read about is not worth continuing.

mod console;
mod junit;
mod logfile;

pub use console::ConsoleReporter;
pub use junit::JunitReporter;
pub use logfile::LogFileReporter;

use tokio::sync::mpsc::UnboundedReceiver;

use super::event::{Event, StopReason};
use super::stop::Stop;

pub trait Reporter: Send {
    /// Names the reporter in a stop reason.
    fn name(&self) -> &'static str;

    /// Takes one event; `Err` is what could not be written, and why.
    fn handle(&mut self, event: &Event) -> Result<(), String>;
}

/// Feeds every event to every reporter, in order, until the runner hangs
/// up. A reporter that fails is dropped and the run is stopped.
pub async fn dispatch(mut events: UnboundedReceiver<Event>, mut reporters: Vec<Box<dyn Reporter>>, stop: Stop) {
    while let Some(event) = events.recv().await {
        reporters.retain_mut(|reporter| match reporter.handle(&event) {
            Ok(()) => true,
            Err(problem) => {
                tracing::error!("the {} reporter failed: {problem}", reporter.name());
                stop.request(StopReason::ReporterFailed { reporter: reporter.name(), problem });
                false
            }
        });
    }
}
