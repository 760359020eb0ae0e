//! JUnit XML reports: written streaming and atomically, merged from shards,
//! read back for counts, and vetted before a plugin's replacement is
//! accepted.
//!
//! # What a report looks like
//! One `<testsuites>` holding one `<testsuite name="mtv-host">` whose
//! header (`tests failures errors skipped time timestamp hostname`) is
//! computed before any case is written, then `<properties>` (run facts,
//! gate decisions), then one `<testcase classname name time>` per test or
//! step with, in order: its `<properties>`, at most one outcome element,
//! and `<system-out>` (the captured log).
//!
//! Outcomes follow pytest: `<failure message type>detail</failure>`,
//! `<error …>`, `<skipped type="skip" message="reason"/>`, and an expected
//! failure is `<skipped type="xfail" message="xfail: reason"/>`. An
//! unexpected pass (XPASS) is a `<failure type="xpass" message="XPASS(strict):
//! reason"/>` in strict mode (`[run] xfail_strict`), on the test's last step.
//! Non-strict (the default, as in pytest), it passes and carries an `xpass`
//! property.
//!
//! Every caller-supplied string passes through the caller's redaction
//! function, then characters XML 1.0 forbids are written as `#xHH` (as
//! pytest does), then markup is escaped.

mod error;
mod escape;
mod merge;
pub mod page;
mod read;
mod record;
mod writer;

// Shared with the plugin runtime's compiled-component cache.
use mtv_plugin_runtime::atomic;

pub use atomic::{write_atomically, write_private};
pub use error::ReportError;
pub use merge::merge;
pub use read::{Inventory, summarize, validate_junit};
pub use record::{CaseRecord, Counts, Fault, Outcome, SuiteInfo, iso8601};
pub use writer::{write_junit, write_junit_file};
