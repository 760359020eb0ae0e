//! A test harness for plugin authors: run a built component inside the real
//! runtime, with fake host interfaces, from a plugin's own `cargo test`.
//!
//! ```no_run
//! use mtv_plugin_runtime::testing::{FakeHost, build_component, sample};
//!
//! let wasm = build_component(env!("CARGO_MANIFEST_DIR")).unwrap();
//! let plugin = FakeHost::new()
//!     .setting("url", "https://issues.example.com")
//!     .grant_origin("https://issues.example.com")
//!     .respond("GET", "https://issues.example.com/rest/api/2/issue/ABC-1", 200, r#"{"key":"ABC-1"}"#)
//!     .load(&wasm)
//!     .unwrap();
//! let outcome = plugin.decide(&sample::run_facts(), &sample::tests()).unwrap();
//! assert!(outcome.is_ok(), "the gate stopped the run: {outcome:?}");
//! plugin.assert_no_unexpected_requests();
//! ```
//!
//! HTTP never reaches the network unless recording: requests are answered
//! from canned answers (`respond`, or a file written in record mode and read
//! by `FakeHost::replay`). Record mode (`FakeHost::record`) needs the crate's
//! `network` feature, which brings the real HTTP client.

mod build;
mod canned;
mod fake_host;
mod logs;
mod observed;
mod record;
#[cfg(feature = "network")]
mod recording;
pub mod sample;
mod test_plugin;

pub use build::{WASM_TARGET, build_component};
pub use fake_host::FakeHost;
pub use logs::LogLine;
pub use observed::SentRequest;
pub use record::{Exchange, load_exchanges};
#[cfg(feature = "network")]
pub use recording::RecordingTransport;
pub use test_plugin::TestPlugin;
