//! Build mtv-host plugins as WebAssembly components.
//!
//! A plugin crate is a `cdylib` that implements one world — [`gate`],
//! [`reporter`] or [`storage_vendor`] — and calls that world's export macro;
//! build it with `cargo build --target wasm32-wasip2`. The export macro
//! embeds the world's component type, so a crate that exports nothing
//! carries no world.
//!
//! See the README for the walk-through a vendor team follows.

/// The contract version this SDK builds against (`mtv:plugin@…`).
pub const CONTRACT_VERSION: &str = "0.2.0";

pub mod checks;

mod host;
pub use host::{http, log, secrets, settings};

pub mod gate;
pub mod reporter;
pub mod storage_vendor;

#[cfg(test)]
mod tests {
    #[test]
    fn sdk_release_is_the_contract_version() {
        assert_eq!(env!("CARGO_PKG_VERSION"), super::CONTRACT_VERSION);
    }
}
