//! The runner: selected tests in, events out.
//!
//! # Architecture
//!
//! ```text
//!   prepare_units ── TestUnit per test: Skip | Broken | Ready(Blueprint)
//!         │
//!         ▼
//!   dispatch::run_all ─── -j slots, --maxfail, Ctrl-C/SIGTERM (CancellationToken)
//!         │  spawns
//!         ▼
//!   unit::run_unit ──── steps in order (migration::Lifecycle, watches)
//!         │             → data collector on failure → teardown
//!         │
//!         │ Event (RunStarted, TestStarted, StepFinished, TestFinished,
//!         │        Warning, RunFinished) over one mpsc channel
//!         ▼
//!   reporters::dispatch ──┬─► JunitReporter   (one case per step, atomic write)
//!                         ├─► LogFileReporter (mtv-host.log, redacted)
//!                         └─► ConsoleReporter (progress / lines, summary)
//! ```
//!
//! Events flow one way. The runner never asks a reporter anything; a
//! reporter never changes what runs. The dispatcher alone decides what
//! starts next, so cancellation and fail-fast live in one place.
//!
//! A test's steps stay together in one task; tests run concurrently up to
//! `-j`. When a step fails, the later steps are reported as expected
//! failures naming it (`previous step failed (create_plan)`). A gate's
//! expected failure turns failed steps into xfail and passing ones into
//! strict XPASS failures.

pub mod dispatch;
pub mod event;
pub mod gate;
pub mod outcome;
pub mod prepare;
pub mod reporters;
pub mod resources;
pub mod settings;
pub mod unit;

pub use dispatch::{DispatchOptions, run_all};
pub use event::{Event, RunTotals, StepRecord, TestRecord, TestStatus};
pub use gate::{GateDecision, Gating};
pub use prepare::{CopyOffloadPlans, prepare_units};
pub use resources::{RESOURCES_FILE, write_resources};
pub use settings::{ClusterMode, JOBS, RUN_KEYS, RunSettings, parse_set};
pub use unit::{Prepared, TestUnit, UnitContext};
