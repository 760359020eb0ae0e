//! The host interfaces plugins import, one module each (init: add to the
//! linker; the run config's grants are their configure input; a hook call's
//! `PluginState` is the per-call state). Adding an interface means one new
//! module and one line in `add_to_linker`.

mod config;
mod http;
mod log;
mod secrets;

pub(crate) use http::HOST_ONLY_HEADERS;

use super::state::PluginState;
use super::world::World;
use wasmtime::component::{HasSelf, Linker};

/// Link WASI (deny-all, see `PluginState::new`) and the interfaces `world`
/// imports. Anything else a component imports fails at instantiation.
pub(crate) fn add_to_linker(linker: &mut Linker<PluginState>, world: World) -> wasmtime::Result<()> {
    wasmtime_wasi::p2::add_to_linker_sync(linker)?;
    super::limits::add_wall_bound_clock(linker)?;
    log::add_to_linker(linker)?;
    config::add_to_linker(linker)?;
    if world.imports_network() {
        http::add_to_linker(linker)?;
        secrets::add_to_linker(linker)?;
    }
    Ok(())
}

type State = HasSelf<PluginState>;
