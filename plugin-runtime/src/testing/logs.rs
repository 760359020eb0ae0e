//! Plugin log lines, captured during a hook call. The runtime writes them as
//! tracing events with target `plugin`; a subscriber scoped to the calling
//! thread collects them, so the runtime needs no test-only API.

use std::fmt::Debug;
use std::sync::{Arc, Mutex};
use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};

/// The target the runtime logs plugin output under.
const PLUGIN_TARGET: &str = "plugin";

/// One line a plugin logged (or printed: those read `[name stdout] …`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogLine {
    pub level: Level,
    pub message: String,
}

#[derive(Default)]
pub(super) struct LogCapture {
    lines: Arc<Mutex<Vec<LogLine>>>,
}

impl LogCapture {
    /// Run `call` with this thread's plugin log events captured.
    pub(super) fn during<R>(&self, call: impl FnOnce() -> R) -> R {
        let subscriber = tracing_subscriber::registry().with(CaptureLayer { lines: Arc::clone(&self.lines) });
        tracing::subscriber::with_default(subscriber, call)
    }

    pub(super) fn lines(&self) -> Vec<LogLine> {
        self.lines.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).clone()
    }
}

struct CaptureLayer {
    lines: Arc<Mutex<Vec<LogLine>>>,
}

impl<S: Subscriber> Layer<S> for CaptureLayer {
    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        if event.metadata().target() != PLUGIN_TARGET {
            return;
        }
        let mut message = MessageField(String::new());
        event.record(&mut message);
        let line = LogLine { level: *event.metadata().level(), message: message.0 };
        self.lines.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).push(line);
    }
}

/// Reads the formatted `message` field of an event.
struct MessageField(String);

impl Visit for MessageField {
    fn record_debug(&mut self, field: &Field, value: &dyn Debug) {
        if field.name() == "message" {
            self.0 = format!("{value:?}");
        }
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.0 = value.to_string();
        }
    }
}
