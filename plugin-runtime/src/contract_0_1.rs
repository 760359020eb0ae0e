//! Contract 0.1.0, still loaded. Its components import the host interfaces
//! and export their hooks under `@0.1.0` names. Between 0.1.0 and 0.2.0
//! only the gate's `run-facts` changed (0.2.0 added
//! `source-provider-version`); everything else is the same type under a
//! new name. Component types are structural, so the current host
//! implementations and hook types serve 0.1.0 as they are, and only
//! `run-facts` needs a 0.1.0 shape. Dropping 0.1.0 means deleting this
//! module and its entry in `world::Contract`.

use super::bindings::interfaces::{config, http, log, secrets};
use super::runtime::{GateOutcome, Problem, ReportFacts, ReportResult, RunFacts, TestItem, VendorInfo};
use super::state::PluginState;
use super::world::{CONTRACT_0_1, CONTRACT_PACKAGE, World};
use wasmtime::component::{ComponentNamedList, ComponentType, InstancePre, Lift, Linker, Lower};
use wasmtime::{Store, StoreContextMut};

/// `run-facts` as 0.1.0 declares it.
#[derive(ComponentType, Lower)]
#[component(record)]
struct RunFactsV0_1 {
    #[component(name = "source-provider")]
    source_provider: String,
    #[component(name = "source-provider-type")]
    source_provider_type: String,
    #[component(name = "storage-class")]
    storage_class: String,
    #[component(name = "dry-run")]
    dry_run: bool,
}

impl From<&RunFacts> for RunFactsV0_1 {
    fn from(facts: &RunFacts) -> Self {
        RunFactsV0_1 {
            source_provider: facts.source_provider.clone(),
            source_provider_type: facts.source_provider_type.clone(),
            storage_class: facts.storage_class.clone(),
            dry_run: facts.dry_run,
        }
    }
}

type Context<'a> = StoreContextMut<'a, PluginState>;

/// Link the host interfaces under their 0.1.0 names, served by the current
/// implementations.
pub(crate) fn add_to_linker(linker: &mut Linker<PluginState>, world: World) -> wasmtime::Result<()> {
    linker.instance(&interface("log"))?.func_wrap("write", |mut cx: Context, (level, message): (log::Level, String)| {
        log::Host::write(cx.data_mut(), level, message);
        Ok(())
    })?;
    let mut settings = linker.instance(&interface("config"))?;
    settings.func_wrap("get", |mut cx: Context, (key,): (String,)| Ok((config::Host::get(cx.data_mut(), key),)))?;
    settings.func_wrap("entries", |mut cx: Context, (): ()| Ok((config::Host::entries(cx.data_mut()),)))?;
    if world.imports_network() {
        linker
            .instance(&interface("http"))?
            .func_wrap("send", |mut cx: Context, (request,): (http::Request,)| Ok((http::Host::send(cx.data_mut(), request),)))?;
        linker
            .instance(&interface("secrets"))?
            .func_wrap("get", |mut cx: Context, (name,): (String,)| Ok((secrets::Host::get(cx.data_mut(), name),)))?;
    }
    Ok(())
}

fn interface(name: &str) -> String {
    format!("{CONTRACT_PACKAGE}/{name}@{CONTRACT_0_1}")
}

pub(crate) fn decide(
    store: &mut Store<PluginState>,
    pre: &InstancePre<PluginState>,
    facts: &RunFacts,
    tests: &[TestItem],
) -> wasmtime::Result<Result<GateOutcome, String>> {
    let facts = RunFactsV0_1::from(facts);
    call_hook::<(&RunFactsV0_1, &[TestItem]), (Result<GateOutcome, String>,)>(store, pre, World::Gate, "decide", (&facts, tests))
        .map(|(outcome,)| outcome)
}

pub(crate) fn report(
    store: &mut Store<PluginState>,
    pre: &InstancePre<PluginState>,
    facts: ReportFacts,
    junit_xml: &str,
) -> wasmtime::Result<ReportResult> {
    call_hook::<(ReportFacts, &str), (ReportResult,)>(store, pre, World::Reporter, "report", (facts, junit_xml)).map(|(result,)| result)
}

pub(crate) fn describe(store: &mut Store<PluginState>, pre: &InstancePre<PluginState>) -> wasmtime::Result<VendorInfo> {
    call_hook::<(), (VendorInfo,)>(store, pre, World::StorageVendor, "describe", ()).map(|(info,)| info)
}

pub(crate) fn validate(
    store: &mut Store<PluginState>,
    pre: &InstancePre<PluginState>,
    values: &[(String, String)],
) -> wasmtime::Result<Vec<Problem>> {
    call_hook::<(&[(String, String)],), (Vec<Problem>,)>(store, pre, World::StorageVendor, "validate", (values,))
        .map(|(problems,)| problems)
}

/// Instantiate and call `func` of the world's 0.1.0 hooks interface. The
/// types are checked against the component's when the function is looked up.
fn call_hook<P, R>(
    store: &mut Store<PluginState>,
    pre: &InstancePre<PluginState>,
    world: World,
    func: &str,
    params: P,
) -> wasmtime::Result<R>
where
    P: ComponentNamedList + Lower,
    R: ComponentNamedList + Lift,
{
    let instance = pre.instantiate(&mut *store)?;
    let hooks = interface(world.hooks_interface());
    let index = instance
        .get_export_index(&mut *store, None, &hooks)
        .and_then(|exported| instance.get_export_index(&mut *store, Some(&exported), func))
        .ok_or_else(|| wasmtime::format_err!("the component exports no {hooks}#{func}"))?;
    instance.get_typed_func::<P, R>(&mut *store, &index)?.call(&mut *store, params)
}
