//! Reporters: independent consumers of the runner's events. Each sees every
//! event in order and never reaches back into the runner.

mod console;
mod junit;
mod logfile;

pub use console::ConsoleReporter;
pub use junit::{JunitReporter, JunitResult};
pub use logfile::LogFileReporter;

use tokio::sync::mpsc::UnboundedReceiver;

use super::event::Event;

pub trait Reporter: Send {
    fn handle(&mut self, event: &Event);
}

/// Feeds every event to every reporter, in order, until the runner hangs up.
pub async fn dispatch(mut events: UnboundedReceiver<Event>, mut reporters: Vec<Box<dyn Reporter>>) {
    while let Some(event) = events.recv().await {
        for reporter in &mut reporters {
            reporter.handle(&event);
        }
    }
}
