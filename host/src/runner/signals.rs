//! Ctrl-C and SIGTERM, handled from the moment a run starts, whatever it
//! is doing: loading plugins, gating, migrating or waiting on a reporter.
//!
//! The first signal requests a stop: nothing new starts, running
//! migrations are canceled and torn down, the report is written. The
//! second aborts: teardown is abandoned, and the report so far and the
//! list of objects left are written before the process exits. Should even
//! that hang (a plugin stuck in a host call), the process exits after
//! [`ABORT_GRACE`]; a third signal exits at once.

use std::time::Duration;

use super::stop::Stop;

/// How long an aborted run may take to write what it knows.
pub const ABORT_GRACE: Duration = Duration::from_secs(10);

/// The exit status of an interrupted run (pytest's).
pub const INTERRUPTED_STATUS: i32 = 2;

/// Watches for signals on the current runtime for the rest of the process.
pub fn watch(stop: Stop) {
    let mut signals = Signals::install();
    tokio::spawn(async move {
        signals.next().await;
        eprintln!("interrupted: starting nothing new; canceling running migrations and tearing down (again to stop at once)");
        stop.request(super::event::StopReason::Interrupted);
        signals.next().await;
        eprintln!("interrupted twice: stopping without teardown; writing the report so far and the objects left (again to exit now)");
        stop.abort();
        std::thread::spawn(|| {
            std::thread::sleep(ABORT_GRACE);
            eprintln!("interrupted: gave up writing after {}s", ABORT_GRACE.as_secs());
            std::process::exit(INTERRUPTED_STATUS);
        });
        signals.next().await;
        std::process::exit(INTERRUPTED_STATUS);
    });
}

/// SIGINT and SIGTERM, registered once so that no signal is missed
/// between two waits.
#[cfg(unix)]
struct Signals {
    interrupt: Option<tokio::signal::unix::Signal>,
    terminate: Option<tokio::signal::unix::Signal>,
}

#[cfg(unix)]
impl Signals {
    fn install() -> Self {
        use tokio::signal::unix::{SignalKind, signal};
        Self { interrupt: signal(SignalKind::interrupt()).ok(), terminate: signal(SignalKind::terminate()).ok() }
    }

    async fn next(&mut self) {
        async fn recv(signal: &mut Option<tokio::signal::unix::Signal>) {
            match signal {
                Some(signal) => {
                    signal.recv().await;
                }
                None => std::future::pending().await,
            }
        }
        tokio::select! {
            () = recv(&mut self.interrupt) => {}
            () = recv(&mut self.terminate) => {}
        }
    }
}

#[cfg(not(unix))]
struct Signals;

#[cfg(not(unix))]
impl Signals {
    fn install() -> Self {
        Self
    }

    async fn next(&mut self) {
        let _ = tokio::signal::ctrl_c().await;
    }
}
