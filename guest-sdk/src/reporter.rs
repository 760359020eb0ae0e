//! Reporter plugins: run after the JUnit report is written, and may replace
//! it (for example with AI analysis added).
//!
//! Implement [`Guest`] (one function, `report`) and call
//! `export_reporter!(MyReporter)`.

#[doc(hidden)]
pub mod bindings {
    wit_bindgen::generate!({
        path: "../wit",
        world: "mtv:plugin/reporter@0.2.0",
        pub_export_macro: true,
        export_macro_name: "__export_reporter_world",
        with: {
            "mtv:plugin/log@0.2.0": crate::host::interfaces::log,
            "mtv:plugin/config@0.2.0": crate::host::interfaces::config,
            "mtv:plugin/http@0.2.0": crate::host::interfaces::http,
            "mtv:plugin/secrets@0.2.0": crate::host::interfaces::secrets,
        },
        default_bindings_module: "mtv_plugin_sdk::reporter::bindings",
    });
}

pub use bindings::exports::mtv::plugin::reporter_hooks::{Guest, Outcome, ReportFacts, ReportResult};

/// Export a [`Guest`] implementation as the plugin's component. The export
/// exists only in wasm builds, so the crate still builds and tests natively.
#[macro_export]
macro_rules! export_reporter {
    ($reporter:ident) => {
        #[cfg(target_family = "wasm")]
        $crate::reporter::bindings::__export_reporter_world!($reporter with_types_in $crate::reporter::bindings);
        #[cfg(not(target_family = "wasm"))]
        const _: () = {
            let _ = <$reporter as $crate::reporter::Guest>::report;
        };
    };
}
