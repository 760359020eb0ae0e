//! Loading plugins and calling their hooks: one engine, one linker per
//! world, an `InstancePre` per plugin, a fresh `Store` per hook call.

use super::bindings::{gate, reporter, storage_vendor};
use super::cache::{ArtifactCache, CacheOutcome, sha256_hex};
use super::capabilities;
use super::contract_0_1;
use super::engine::{EPOCH_TICK, EpochTicker, InstanceSlots, new_engine};
use super::limits::Limits;
use super::services::HostServices;
use super::state::{Grants, PluginContext, PluginState};
use super::world::{CONTRACT_VERSION, Contract, Shape, Unsupported, World, supported_contract_versions};
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use wasmtime::component::{Component, InstancePre, Linker};
use wasmtime::{Engine, Store, Trap, UpdateDeadline};

pub use super::bindings::gate::exports::mtv::plugin::gate_hooks::{Decision, GateOutcome, Marker, RunFacts, TestItem, Verdict};
pub use super::bindings::reporter::exports::mtv::plugin::reporter_hooks::{Outcome, ReportFacts, ReportResult};
pub use super::bindings::storage_vendor::exports::mtv::plugin::storage_vendor_hooks::{Field, Presence, Problem, VendorInfo};

/// What the run config says about one plugin.
#[derive(Debug, Clone, Default)]
pub struct PluginSpec {
    pub name: String,
    pub path: PathBuf,
    /// Expected sha256 of the wasm file; a mismatch refuses to load.
    pub sha256: Option<String>,
    pub grants: Grants,
    pub settings: BTreeMap<String, String>,
    pub limits: Limits,
}

/// Why a plugin was not loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("plugin '{name}': cannot read {}: {error}", path.display())]
    Read { name: String, path: PathBuf, error: std::io::Error },
    #[error(
        "plugin '{name}': {} has sha256 {actual}, but mtv-host.toml pins {expected}; rebuild the plugin you meant, or update `sha256` in its [[plugins]] entry",
        path.display()
    )]
    PinMismatch { name: String, path: PathBuf, expected: String, actual: String },
    #[error("plugin '{name}': {} is not a WebAssembly component: {reason}", path.display())]
    NotAComponent { name: String, path: PathBuf, reason: String },
    #[error(
        "plugin '{name}': {} implements none of the worlds this host runs (it exports: {exports}); a plugin exports one of mtv:plugin/gate-hooks, reporter-hooks or storage-vendor-hooks @{CONTRACT_VERSION} — build it with mtv-plugin-sdk {CONTRACT_VERSION}",
        path.display()
    )]
    NoWorld { name: String, path: PathBuf, exports: String },
    #[error("plugin '{name}': built against {}, {}", contract_name(found), version_advice(found, *why))]
    UnsupportedVersion { name: String, found: String, why: Unsupported },
    #[error(
        "plugin '{name}' ({world} world) imports what the host does not provide: {}. A {world} plugin may import only WASI 0.2 and {}; build it with mtv-plugin-sdk {CONTRACT_VERSION} (contract mtv:plugin@{CONTRACT_VERSION}) and remove the other dependencies",
        offending.join(", "), allowed_interfaces(*world)
    )]
    UnsupportedImports { name: String, world: World, offending: Vec<String> },
    #[error("plugin '{name}': cannot link: {reason}")]
    Link { name: String, reason: String },
}

fn version_advice(found: &str, why: Unsupported) -> String {
    let loads = supported_contract_versions();
    let rebuild = format!("rebuild the plugin with mtv-plugin-sdk {CONTRACT_VERSION}");
    match why {
        Unsupported::Newer => {
            format!("newer than this host (it loads mtv:plugin {loads}); use an mtv-host release that supports {found}, or {rebuild}")
        }
        Unsupported::Unknown => format!("which this host does not load (it loads mtv:plugin {loads}); {rebuild}"),
    }
}

fn contract_name(version: &str) -> String {
    if version.is_empty() { "an unversioned mtv:plugin contract".into() } else { format!("contract mtv:plugin@{version}") }
}

fn allowed_interfaces(world: World) -> &'static str {
    if world.imports_network() { "mtv:plugin/{log,config,http,secrets}" } else { "mtv:plugin/{log,config}" }
}

/// Why a hook call failed. The run goes on; the caller decides what the
/// failure means for the tests.
#[derive(Debug, thiserror::Error)]
pub enum HookError {
    #[error(
        "plugin '{plugin}' hook '{hook}' exceeded its deadline of {limit_ms} ms of guest time (raise `limits.deadline_ms` in its [[plugins]] entry)"
    )]
    Deadline { plugin: String, hook: &'static str, limit_ms: u64 },
    #[error(
        "plugin '{plugin}' hook '{hook}' ran longer than its wall-clock limit of {limit_ms} ms, sleeps included and HTTP requests left out (raise `limits.wall_ms` in its [[plugins]] entry)"
    )]
    Wall { plugin: String, hook: &'static str, limit_ms: u64 },
    #[error(
        "plugin '{plugin}' hook '{hook}' exceeded its memory limit of {limit_mib} MiB (raise `limits.memory_mib` in its [[plugins]] entry)"
    )]
    Memory { plugin: String, hook: &'static str, limit_mib: u64 },
    #[error("plugin '{plugin}' hook '{hook}' crashed: {message}")]
    Trap { plugin: String, hook: &'static str, message: String },
    #[error("plugin '{plugin}' is a {actual} plugin; hook '{hook}' needs a {expected} plugin")]
    WrongWorld { plugin: String, hook: &'static str, expected: World, actual: World },
}

/// A plugin ready to be called: compiled, checked, pre-linked.
pub struct LoadedPlugin {
    pub name: String,
    pub path: PathBuf,
    pub sha256: String,
    pub size: u64,
    pub world: World,
    pub contract_version: String,
    pub contract: Contract,
    pub shape: Shape,
    pub cache: CacheOutcome,
    context: Arc<PluginContext>,
    pre: InstancePre<PluginState>,
}

impl LoadedPlugin {
    pub fn grants(&self) -> &Grants {
        &self.context.grants
    }

    pub fn limits(&self) -> &Limits {
        &self.context.limits
    }
}

/// Owns the engine, the compiled-artifact cache and one linker per world.
pub struct PluginRuntime {
    engine: Engine,
    cache: ArtifactCache,
    linkers: BTreeMap<&'static str, Linker<PluginState>>,
    services: HostServices,
    slots: InstanceSlots,
    _ticker: EpochTicker,
}

impl PluginRuntime {
    /// `cache_dir = None` compiles every time (no disk cache).
    pub fn new(services: HostServices, cache_dir: Option<PathBuf>) -> anyhow::Result<Self> {
        let engine = new_engine()?;
        let mut linkers = BTreeMap::new();
        for world in World::ALL {
            let mut linker = Linker::new(&engine);
            capabilities::add_to_linker(&mut linker, world)?;
            contract_0_1::add_to_linker(&mut linker, world)?;
            linkers.insert(world.name(), linker);
        }
        Ok(PluginRuntime {
            cache: ArtifactCache::new(&engine, cache_dir),
            _ticker: EpochTicker::start(&engine)?,
            engine,
            linkers,
            services,
            slots: InstanceSlots::new(),
        })
    }

    /// Components compiled rather than read from the cache so far.
    pub fn compiles(&self) -> u64 {
        self.cache.compiles()
    }

    /// Read, verify, compile (or take from the cache), check the world and
    /// imports, and pre-link a plugin.
    pub fn load(&self, spec: &PluginSpec) -> Result<LoadedPlugin, LoadError> {
        let name = spec.name.clone();
        let wasm = std::fs::read(&spec.path).map_err(|error| LoadError::Read { name: name.clone(), path: spec.path.clone(), error })?;
        let sha256 = sha256_hex(&wasm);
        if let Some(expected) = &spec.sha256
            && !expected.eq_ignore_ascii_case(&sha256)
        {
            return Err(LoadError::PinMismatch { name, path: spec.path.clone(), expected: expected.clone(), actual: sha256 });
        }
        let (component, cache) = self.compile(&name, &spec.path, &wasm, &sha256)?;
        let shape = Shape::of(&component, &self.engine);
        let (world, contract) = check_shape(&name, &spec.path, &shape)?;
        let linker = &self.linkers[world.name()];
        let pre = linker.instantiate_pre(&component).map_err(|e| LoadError::Link { name: name.clone(), reason: format!("{e:#}") })?;
        let context = Arc::new(PluginContext {
            name: name.clone(),
            settings: spec.settings.clone(),
            grants: spec.grants.clone(),
            limits: spec.limits,
            services: self.services.clone(),
        });
        Ok(LoadedPlugin {
            name,
            path: spec.path.clone(),
            sha256,
            size: wasm.len() as u64,
            world,
            contract_version: shape.contract_version.clone().unwrap_or_default(),
            contract,
            shape,
            cache,
            context,
            pre,
        })
    }

    /// The shape of a wasm file without checking it against a world
    /// (`plugins inspect`).
    pub fn inspect(&self, path: &Path) -> Result<(Shape, String, u64), LoadError> {
        let name = path.display().to_string();
        let wasm = std::fs::read(path).map_err(|error| LoadError::Read { name: name.clone(), path: path.to_path_buf(), error })?;
        let sha256 = sha256_hex(&wasm);
        let (component, _) = self.compile(&name, path, &wasm, &sha256)?;
        Ok((Shape::of(&component, &self.engine), sha256, wasm.len() as u64))
    }

    fn compile(&self, name: &str, path: &Path, wasm: &[u8], sha256: &str) -> Result<(Component, CacheOutcome), LoadError> {
        if is_core_module(wasm) {
            return Err(LoadError::NotAComponent {
                name: name.to_string(),
                path: path.to_path_buf(),
                reason: "it is a core module; build for the wasm32-wasip2 target, which produces a component".into(),
            });
        }
        let started = std::time::Instant::now();
        let loaded = self.cache.load(&self.engine, wasm, sha256).map_err(|e| LoadError::NotAComponent {
            name: name.to_string(),
            path: path.to_path_buf(),
            reason: format!("{e:#}"),
        })?;
        match loaded.1 {
            CacheOutcome::Compiled => tracing::debug!(plugin = name, "compiled in {:?}", started.elapsed()),
            CacheOutcome::Cached => tracing::debug!(plugin = name, "loaded from cache in {:?}", started.elapsed()),
        }
        Ok(loaded)
    }

    /// Run one hook in a fresh store with the plugin's limits.
    fn call<R>(
        &self,
        plugin: &LoadedPlugin,
        hook: &'static str,
        expected: World,
        body: impl FnOnce(&mut Store<PluginState>, &InstancePre<PluginState>) -> wasmtime::Result<R>,
    ) -> Result<R, HookError> {
        if plugin.world != expected {
            return Err(HookError::WrongWorld { plugin: plugin.name.clone(), hook, expected, actual: plugin.world });
        }
        let limits = plugin.context.limits;
        // Declared before the store so the slot returns after the instance is gone.
        let _slot = self.slots.take();
        let mut store = Store::new(&self.engine, PluginState::new(Arc::clone(&plugin.context)));
        store.limiter(|state| &mut state.limiter);
        store.call_hook(|mut ctx, hook| {
            ctx.data_mut().on_transition(hook);
            Ok(())
        });
        let deadline = limits.deadline();
        store.set_epoch_deadline(1);
        store.epoch_deadline_callback(move |mut ctx| {
            let state = ctx.data_mut();
            let used = state.guest_time();
            if used >= deadline {
                state.deadline_hit = true;
                return Ok(UpdateDeadline::Interrupt);
            }
            let wall_left = state.wall_remaining();
            if wall_left.is_zero() {
                state.wall_hit = true;
                return Ok(UpdateDeadline::Interrupt);
            }
            let remaining_ticks = (deadline - used).min(wall_left).as_millis() / EPOCH_TICK.as_millis().max(1);
            Ok(UpdateDeadline::Continue(u64::try_from(remaining_ticks).unwrap_or(u64::MAX).max(1)))
        });
        let result = body(&mut store, &plugin.pre);
        let state = store.data();
        forward_output(&plugin.name, "stdout", &state.stdout.contents());
        let stderr = state.stderr.contents();
        forward_output(&plugin.name, "stderr", &stderr);
        result.map_err(|error| {
            let name = plugin.name.clone();
            if state.wall_hit {
                HookError::Wall { plugin: name, hook, limit_ms: limits.wall_ms }
            } else if state.deadline_hit || matches!(error.downcast_ref::<Trap>(), Some(Trap::Interrupt)) {
                HookError::Deadline { plugin: name, hook, limit_ms: limits.deadline_ms }
            } else if state.limiter.exceeded {
                HookError::Memory { plugin: name, hook, limit_mib: limits.memory_mib }
            } else {
                HookError::Trap { plugin: name, hook, message: trap_message(&error, &stderr) }
            }
        })
    }

    pub fn gate_decide(
        &self,
        plugin: &LoadedPlugin,
        facts: &RunFacts,
        tests: &[TestItem],
    ) -> Result<Result<GateOutcome, String>, HookError> {
        let answer = self.call(plugin, "decide", World::Gate, |store, pre| match plugin.contract {
            Contract::Current => {
                let gate = gate::GatePre::new(pre.clone())?.instantiate(&mut *store)?;
                gate.mtv_plugin_gate_hooks().call_decide(&mut *store, facts, tests)
            }
            Contract::V0_1 => contract_0_1::decide(store, pre, facts, tests),
        })?;
        Ok(match answer {
            Ok(mut outcome) => {
                for verdict in &mut outcome.verdicts {
                    make_printable(&mut verdict.id);
                    if let Decision::Skip(reason) | Decision::Xfail(reason) = &mut verdict.decision {
                        make_printable(reason);
                    }
                    verdict.properties.iter_mut().for_each(|(key, value)| make_printable_all([key, value]));
                }
                outcome.warnings.iter_mut().for_each(make_printable);
                Ok(outcome)
            }
            Err(mut why) => {
                make_printable(&mut why);
                Err(why)
            }
        })
    }

    pub fn report(&self, plugin: &LoadedPlugin, facts: ReportFacts, junit_xml: &str) -> Result<ReportResult, HookError> {
        let mut result = self.call(plugin, "report", World::Reporter, |store, pre| match plugin.contract {
            Contract::Current => {
                let reporter = reporter::ReporterPre::new(pre.clone())?.instantiate(&mut *store)?;
                reporter.mtv_plugin_reporter_hooks().call_report(&mut *store, facts, junit_xml)
            }
            Contract::V0_1 => contract_0_1::report(store, pre, facts, junit_xml),
        })?;
        // A replacement report is XML, vetted and escaped as such by the caller.
        if let Outcome::Unchanged(why) = &mut result.outcome {
            make_printable(why);
        }
        result.messages.iter_mut().for_each(make_printable);
        Ok(result)
    }

    pub fn vendor_describe(&self, plugin: &LoadedPlugin) -> Result<VendorInfo, HookError> {
        let mut info = self.call(plugin, "describe", World::StorageVendor, |store, pre| match plugin.contract {
            Contract::Current => {
                let vendor = storage_vendor::StorageVendorPre::new(pre.clone())?.instantiate(&mut *store)?;
                vendor.mtv_plugin_storage_vendor_hooks().call_describe(&mut *store)
            }
            Contract::V0_1 => contract_0_1::describe(store, pre),
        })?;
        make_printable_all([&mut info.product, &mut info.display_name]);
        for field in &mut info.fields {
            make_printable_all([&mut field.config_key, &mut field.secret_key, &mut field.description]);
        }
        Ok(info)
    }

    pub fn vendor_validate(&self, plugin: &LoadedPlugin, values: &[(String, String)]) -> Result<Vec<Problem>, HookError> {
        let mut problems = self.call(plugin, "validate", World::StorageVendor, |store, pre| match plugin.contract {
            Contract::Current => {
                let vendor = storage_vendor::StorageVendorPre::new(pre.clone())?.instantiate(&mut *store)?;
                vendor.mtv_plugin_storage_vendor_hooks().call_validate(&mut *store, values)
            }
            Contract::V0_1 => contract_0_1::validate(store, pre, values),
        })?;
        for problem in &mut problems {
            make_printable_all([&mut problem.key, &mut problem.message, &mut problem.fix]);
        }
        Ok(problems)
    }
}

fn check_shape(name: &str, path: &Path, shape: &Shape) -> Result<(World, Contract), LoadError> {
    let Some(world) = shape.world else {
        let exports = if shape.exports.is_empty() { "nothing".to_string() } else { shape.exports.join(", ") };
        return Err(LoadError::NoWorld { name: name.to_string(), path: path.to_path_buf(), exports });
    };
    let found = shape.contract_version.as_deref().unwrap_or_default();
    let contract =
        Contract::of(found).map_err(|why| LoadError::UnsupportedVersion { name: name.to_string(), found: found.to_string(), why })?;
    let offending = shape.unsupported_imports(world);
    if !offending.is_empty() {
        return Err(LoadError::UnsupportedImports { name: name.to_string(), world, offending });
    }
    Ok((world, contract))
}

/// A core module starts with version 1; a component with a layer byte of 1
/// after its version (bytes 4..8 are `0d 00 01 00`).
fn is_core_module(wasm: &[u8]) -> bool {
    wasm.len() >= 8 && wasm[..4] == *b"\0asm" && wasm[4..8] == [1, 0, 0, 0]
}

fn forward_output(plugin: &str, stream: &str, bytes: &[u8]) {
    for line in String::from_utf8_lossy(bytes).lines().filter(|l| !l.trim().is_empty()) {
        tracing::info!(target: "plugin", "[{plugin} {stream}] {}", printable(line));
    }
}

/// Text from a plugin, or from a server a plugin talked to, made safe to
/// print: control characters (ESC, NUL, CR, line breaks…) and bidi
/// overrides become visible escapes (`\x1b`, `\n`), so the text can
/// neither drive the terminal nor forge a line of the host's own output.
/// Applied once, where such text enters the host.
pub fn printable(text: &str) -> Cow<'_, str> {
    let unsafe_char =
        |c: char| c != '\t' && (c.is_control() || matches!(c, '\u{2028}' | '\u{2029}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'));
    if !text.contains(unsafe_char) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\0' => out.push_str("\\0"),
            c if unsafe_char(c) && (c as u32) < 0x80 => out.push_str(&format!("\\x{:02x}", c as u32)),
            c if unsafe_char(c) => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

fn make_printable(text: &mut String) {
    if let Cow::Owned(clean) = printable(text) {
        *text = clean;
    }
}

fn make_printable_all<const N: usize>(texts: [&mut String; N]) {
    texts.into_iter().for_each(make_printable);
}

/// The trap, plus what a Rust guest printed when it panicked
/// (`panicked at src/lib.rs:1:1:` and the message on the next line).
fn trap_message(error: &wasmtime::Error, stderr: &[u8]) -> String {
    let cause = error.downcast_ref::<Trap>().map(|t| t.to_string()).unwrap_or_else(|| format!("{error:#}"));
    let printed = String::from_utf8_lossy(stderr);
    let lines: Vec<&str> = printed.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with("note:")).collect();
    let tail = lines[lines.len().saturating_sub(2)..].join(" ");
    let message = if tail.is_empty() { cause } else { format!("{cause} ({tail})") };
    printable(&message).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refusal(found: &str) -> String {
        let why = Contract::of(found).expect_err("not loadable");
        LoadError::UnsupportedVersion { name: "p".into(), found: found.into(), why }.to_string()
    }

    #[test]
    fn printable_escapes_controls_and_bidi_overrides_and_keeps_the_rest() {
        assert!(matches!(printable("plain text\twith a tab, ü and ✓"), Cow::Borrowed(_)));
        assert_eq!(printable("a\u{9b}31m\u{202e}b\u{7f}\u{2028}"), r"a\u{9b}31m\u{202e}b\x7f\u{2028}");
    }

    #[test]
    fn refusals_name_the_found_and_loadable_versions_and_the_sdk() {
        let loads = format!("it loads mtv:plugin {}", supported_contract_versions());
        let sdk = format!("rebuild the plugin with mtv-plugin-sdk {CONTRACT_VERSION}");
        let newer = refusal("9.0.0");
        assert!(
            newer.contains("contract mtv:plugin@9.0.0, newer than this host") && newer.contains(&loads) && newer.contains(&sdk),
            "{newer}"
        );
        let between = refusal("0.1.5");
        assert!(between.contains("mtv:plugin@0.1.5, which this host does not load") && between.contains(&sdk), "{between}");
        let unversioned = refusal("");
        assert!(unversioned.starts_with("plugin 'p': built against an unversioned mtv:plugin contract, which"), "{unversioned}");
    }
}
