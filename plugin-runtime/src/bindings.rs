//! Host-side bindings for the three worlds of `wit/`. The gate world's
//! bindings own the shared host interfaces; the other worlds reuse them.

pub mod gate {
    wasmtime::component::bindgen!({
        path: "../wit",
        world: "mtv:plugin/gate@0.2.0",
        // The plan's collected tests carry the contract's `Marker` and are
        // compared in tests.
        additional_derives: [PartialEq, Eq],
    });
}

pub mod reporter {
    wasmtime::component::bindgen!({
        path: "../wit",
        world: "mtv:plugin/reporter@0.2.0",
        with: {
            "mtv:plugin/log@0.2.0": super::gate::mtv::plugin::log,
            "mtv:plugin/config@0.2.0": super::gate::mtv::plugin::config,
            "mtv:plugin/http@0.2.0": super::gate::mtv::plugin::http,
            "mtv:plugin/secrets@0.2.0": super::gate::mtv::plugin::secrets,
        },
    });
}

pub mod storage_vendor {
    wasmtime::component::bindgen!({
        path: "../wit",
        world: "mtv:plugin/storage-vendor@0.2.0",
        with: {
            "mtv:plugin/log@0.2.0": super::gate::mtv::plugin::log,
            "mtv:plugin/config@0.2.0": super::gate::mtv::plugin::config,
        },
    });
}

/// The host interfaces every world imports.
pub use gate::mtv::plugin as interfaces;
