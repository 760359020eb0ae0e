//! Gate plugins: decide per collected test whether it runs, is skipped, or
//! runs as an expected failure.
//!
//! Implement [`Guest`] (one function, `decide`) and call
//! `export_gate!(MyGate)`.

#[doc(hidden)]
pub mod bindings {
    wit_bindgen::generate!({
        path: "../wit",
        world: "mtv:plugin/gate@0.2.0",
        pub_export_macro: true,
        export_macro_name: "__export_gate_world",
        default_bindings_module: "mtv_plugin_sdk::gate::bindings",
    });
}

pub use bindings::exports::mtv::plugin::gate_hooks::{Decision, GateOutcome, Guest, Marker, RunFacts, TestItem, Verdict};

impl Marker {
    /// A keyword argument's value (`run = false` → `Some("false")`).
    pub fn kwarg(&self, name: &str) -> Option<&str> {
        self.kwargs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

/// Export a [`Guest`] implementation as the plugin's component. The export
/// exists only in wasm builds, so the crate still builds and tests natively.
#[macro_export]
macro_rules! export_gate {
    ($gate:ident) => {
        #[cfg(target_family = "wasm")]
        $crate::gate::bindings::__export_gate_world!($gate with_types_in $crate::gate::bindings);
        #[cfg(not(target_family = "wasm"))]
        const _: () = {
            let _ = <$gate as $crate::gate::Guest>::decide;
        };
    };
}
