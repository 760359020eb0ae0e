//! How a run is told to stop, and why. One [`Stop`] is shared by the
//! signal handler, the dispatcher, every unit and every reporter: the
//! first reason given wins, and everyone waiting on it wakes.
//!
//! Two levels: [`Stop::request`] stops starting tests and cancels running
//! migrations (teardown still runs); [`Stop::abort`] also abandons teardown,
//! so the run writes what it knows (report so far, objects left) and exits.

use std::sync::{Arc, OnceLock};

use tokio_util::sync::CancellationToken;

use super::event::StopReason;

#[derive(Clone, Default)]
pub struct Stop {
    requested: CancellationToken,
    aborted: CancellationToken,
    reason: Arc<OnceLock<StopReason>>,
}

impl Stop {
    /// Stops the run for `reason` (kept only if no reason was given before).
    pub fn request(&self, reason: StopReason) {
        let _ = self.reason.set(reason);
        self.requested.cancel();
    }

    /// Stops at once: no more teardown. Implies [`Stop::request`].
    pub fn abort(&self) {
        self.request(StopReason::Interrupted);
        self.aborted.cancel();
    }

    pub fn is_requested(&self) -> bool {
        self.requested.is_cancelled()
    }

    pub fn is_aborted(&self) -> bool {
        self.aborted.is_cancelled()
    }

    pub fn reason(&self) -> Option<&StopReason> {
        self.reason.get()
    }

    /// Completes once a stop is requested.
    pub async fn requested(&self) {
        self.requested.cancelled().await;
    }

    /// Completes once the run is aborted.
    pub async fn aborted(&self) {
        self.aborted.cancelled().await;
    }

    /// Runs `work` unless the run is stopped first; `None` when stopped.
    pub async fn unless_stopped<T>(&self, work: impl Future<Output = T>) -> Option<T> {
        tokio::select! {
            biased;
            () = self.requested() => None,
            value = work => Some(value),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_first_reason_wins_and_wakes_waiters() {
        let stop = Stop::default();
        assert!(stop.unless_stopped(async { 1 }).await.is_some());
        stop.request(StopReason::ReporterFailed { reporter: "junit", problem: "disk full".into() });
        stop.request(StopReason::Interrupted);
        assert_eq!(stop.reason(), Some(&StopReason::ReporterFailed { reporter: "junit", problem: "disk full".into() }));
        assert_eq!(stop.unless_stopped(std::future::pending::<()>()).await, None);
        assert!(!stop.is_aborted());
        stop.abort();
        assert!(stop.is_aborted());
    }
}
