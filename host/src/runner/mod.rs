//! The runner: a run request in, events and a verdict out. A library: the
//! CLI parses flags into a [`RunRequest`] and renders the [`Ran`] it gets
//! back; tests drive [`session::run`] or [`execute`] directly.
//!
//! # Architecture
//!
//! ```text
//!   RunRequest ─► session::run ─► Ran (NoTests | Dry | Executed(RunTotals) | …)
//!         │  settings → plan, -k/-m, shard → integrations::load_inputs
//!         │  → plugins (integrations::defaults::select, plugins::load)
//!         │  → gate::decide → copy-offload plans → prepare_units
//!         │  → execute → reporter_plugins (JJI, …); a Narrator gets its lines
//!         │
//!   signals::watch ──► Stop ◄── reporters (a reporter that fails stops the run)
//!         │ (from the first moment: loading plugins, gating, migrating)
//!         ▼
//!   prepare_units ── TestUnit per test: Skip | Broken | Ready(Blueprint)
//!         │
//!         ▼
//!   execute ── connect ─► dispatch::run_all ── -j slots, --maxfail, Stop
//!         │                     │  spawns
//!         │                     ▼
//!         │               unit::run_unit ── steps in order (migration::Lifecycle)
//!         │                     │           → data collector (OutputDir) → teardown
//!         │                     │
//!         │  Event { timestamp, kind: RunStarted | TestStarted | StepFinished
//!         │          | TestFinished | Warning | RunFinished | RunAborted }
//!         ▼                     ▼
//!   resources.json     reporting::Reporting ──┬─► JunitReporter   (one case per step, atomic write)
//!   (created, left)                           ├─► LogFileReporter (mtv-host.log, redacted)
//!                                             └─► ConsoleReporter (progress / lines, summary)
//! ```
//!
//! Events flow one way, each stamped when sent. The runner never asks a
//! reporter anything; a reporter never changes what runs, except that one
//! which cannot write stops the run with a typed [`StopReason`]. The
//! dispatcher alone decides what starts next, so cancellation and
//! fail-fast live in one place. Counts travel on the stream: every
//! `TestRecord` carries its steps' JUnit counts and `RunTotals` their sum.
//!
//! A test's steps stay together in one task; tests run concurrently up to
//! `-j`. When a step fails, the later steps are reported as expected
//! failures naming it (`previous step failed (create_plan)`). A gate's
//! expected failure judges the test as a whole (pytest's rules, in
//! `outcome`): its failing step is the xfail, passing steps are passed, and
//! a test that passes is an XPASS, a failure only with `xfail_strict`.

pub mod dispatch;
pub mod event;
pub mod execute;
pub mod gate;
pub mod narrator;
pub mod outcome;
pub mod output_dir;
pub mod plugins;
pub mod prepare;
pub mod reporter_plugins;
pub mod reporters;
pub mod reporting;
pub mod resources;
pub mod session;
pub mod settings;
pub mod signals;
pub mod stop;
pub mod unit;

pub use dispatch::{DispatchOptions, run_all};
pub use event::{Event, EventKind, RunTotals, StepRecord, StopReason, TestRecord, TestStatus};
pub use execute::{Execution, execute, report_unstarted};
pub use gate::{GateDecision, Gating};
pub use narrator::Narrator;
pub use output_dir::{OutputDir, Protected};
pub use prepare::{CopyOffloadPlans, prepare_units};
pub use reporting::{Events, ReportOutputs, Reporting};
pub use resources::{RESOURCES_FILE, write_resources};
pub use session::{Mode, Ran, RunError, RunErrorKind, RunRequest};
pub use settings::{ClusterMode, JOBS, RUN_KEYS, RunSettings, parse_set};
pub use stop::Stop;
pub use unit::{Prepared, TestUnit, UnitContext};
