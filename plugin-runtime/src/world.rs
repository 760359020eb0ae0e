//! Which world a component implements, and whether the host can satisfy
//! what it imports — decided from the component's type before any
//! instantiation.

use wasmtime::Engine;
use wasmtime::component::Component;

/// The contract package, and the version this host and its SDK
/// (mtv-plugin-sdk, released with the same version) are built against.
pub const CONTRACT_PACKAGE: &str = "mtv:plugin";
pub const CONTRACT_VERSION: &str = "0.2.0";

/// Older contract versions this host still loads, through an adapter
/// (`contract_0_1`). A version leaves this list when its adapter goes.
pub const PREVIOUS_CONTRACT_VERSIONS: [&str; 1] = [CONTRACT_0_1];
pub(crate) const CONTRACT_0_1: &str = "0.1.0";

/// Which contract a component was built against, as far as the host
/// dispatches on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Contract {
    /// [`CONTRACT_VERSION`].
    Current,
    /// `0.1.0`: no `source-provider-version` in the gate's run facts.
    V0_1,
}

/// Why a contract version cannot be loaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unsupported {
    /// Newer than [`CONTRACT_VERSION`]: the plugin needs a newer host.
    Newer,
    /// Not one this host knows: older than every supported version, one
    /// that never shipped, or no version at all.
    Unknown,
}

impl Contract {
    pub fn of(version: &str) -> Result<Contract, Unsupported> {
        match version {
            CONTRACT_VERSION => Ok(Contract::Current),
            CONTRACT_0_1 => Ok(Contract::V0_1),
            _ if parse_version(version) > parse_version(CONTRACT_VERSION) => Err(Unsupported::Newer),
            _ => Err(Unsupported::Unknown),
        }
    }
}

/// Every loadable version, oldest first: `0.1.0, 0.2.0`.
pub fn supported_contract_versions() -> String {
    let mut all = PREVIOUS_CONTRACT_VERSIONS.to_vec();
    all.push(CONTRACT_VERSION);
    all.join(", ")
}

/// `0.10.2` → `[0, 10, 2]`; anything unparsable sorts first.
fn parse_version(version: &str) -> Vec<u64> {
    version.split('.').map(|part| part.parse().unwrap_or(0)).collect()
}

/// The WASI 0.2 interfaces the host links (all deny-all).
const WASI_INTERFACES: [&str; 27] = [
    "wasi:cli/environment",
    "wasi:cli/exit",
    "wasi:cli/stdin",
    "wasi:cli/stdout",
    "wasi:cli/stderr",
    "wasi:cli/terminal-input",
    "wasi:cli/terminal-output",
    "wasi:cli/terminal-stdin",
    "wasi:cli/terminal-stdout",
    "wasi:cli/terminal-stderr",
    "wasi:clocks/monotonic-clock",
    "wasi:clocks/wall-clock",
    "wasi:filesystem/types",
    "wasi:filesystem/preopens",
    "wasi:io/error",
    "wasi:io/poll",
    "wasi:io/streams",
    "wasi:random/random",
    "wasi:random/insecure",
    "wasi:random/insecure-seed",
    "wasi:sockets/network",
    "wasi:sockets/instance-network",
    "wasi:sockets/udp",
    "wasi:sockets/udp-create-socket",
    "wasi:sockets/tcp",
    "wasi:sockets/tcp-create-socket",
    "wasi:sockets/ip-name-lookup",
];

/// The three plugin kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum World {
    Gate,
    Reporter,
    StorageVendor,
}

impl World {
    pub const ALL: [World; 3] = [World::Gate, World::Reporter, World::StorageVendor];

    pub fn name(self) -> &'static str {
        match self {
            World::Gate => "gate",
            World::Reporter => "reporter",
            World::StorageVendor => "storage-vendor",
        }
    }

    /// The interface a component of this world exports.
    pub(crate) fn hooks_interface(self) -> &'static str {
        match self {
            World::Gate => "gate-hooks",
            World::Reporter => "reporter-hooks",
            World::StorageVendor => "storage-vendor-hooks",
        }
    }

    /// Host interfaces this world may import.
    fn host_interfaces(self) -> &'static [&'static str] {
        if self.imports_network() { &["log", "config", "http", "secrets"] } else { &["log", "config"] }
    }

    /// Gates and reporters talk to services; storage vendors only describe
    /// and validate, so they get neither the network nor secrets.
    pub(crate) fn imports_network(self) -> bool {
        !matches!(self, World::StorageVendor)
    }
}

impl std::fmt::Display for World {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// A component's imports and exports as names, and what they say.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Shape {
    pub world: Option<World>,
    /// The contract version the component was built against, read from its
    /// `mtv:plugin/…@VERSION` export.
    pub contract_version: Option<String>,
    pub imports: Vec<String>,
    pub exports: Vec<String>,
}

/// `mtv:plugin/log@0.1.0` → (`mtv:plugin/log`, Some(`0.1.0`)).
fn split_version(name: &str) -> (&str, Option<&str>) {
    match name.split_once('@') {
        Some((interface, version)) => (interface, Some(version)),
        None => (name, None),
    }
}

impl Shape {
    pub(crate) fn of(component: &Component, engine: &Engine) -> Shape {
        let ty = component.component_type();
        let imports: Vec<String> = ty.imports(engine).map(|(name, _)| name.to_string()).collect();
        let exports: Vec<String> = ty.exports(engine).map(|(name, _)| name.to_string()).collect();
        let mut world = None;
        let mut contract_version = None;
        for export in &exports {
            let (interface, version) = split_version(export);
            if let Some(found) = World::ALL.iter().find(|w| interface == format!("{CONTRACT_PACKAGE}/{}", w.hooks_interface())) {
                world = Some(*found);
                contract_version = version.map(str::to_string);
            }
        }
        Shape { world, contract_version, imports, exports }
    }

    /// `storage-vendor (mtv:plugin@0.2.0)`, saying when the contract is an
    /// older one or one this host cannot load.
    pub fn world_summary(&self) -> String {
        let (Some(world), Some(version)) = (self.world, &self.contract_version) else {
            return "none: exports no mtv:plugin hooks interface".into();
        };
        let note = match Contract::of(version) {
            Ok(Contract::Current) => String::new(),
            Ok(_) => format!(", an older contract this host still loads; mtv-plugin-sdk {CONTRACT_VERSION} builds against the current one"),
            Err(Unsupported::Newer) => format!(", newer than this host's {CONTRACT_VERSION}"),
            Err(Unsupported::Unknown) => format!(", not loaded by this host, which loads {}", supported_contract_versions()),
        };
        format!("{world} ({CONTRACT_PACKAGE}@{version}{note})")
    }

    /// Imports the host cannot satisfy for `world`.
    pub(crate) fn unsupported_imports(&self, world: World) -> Vec<String> {
        self.imports.iter().filter(|name| !is_provided(name, world)).cloned().collect()
    }
}

fn is_provided(import: &str, world: World) -> bool {
    let (interface, version) = split_version(import);
    if let Some(name) = interface.strip_prefix(&format!("{CONTRACT_PACKAGE}/")) {
        return version.is_some_and(|v| Contract::of(v).is_ok()) && world.host_interfaces().contains(&name);
    }
    WASI_INTERFACES.contains(&interface) && version.is_some_and(|v| v.starts_with("0.2."))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contract_imports_depend_on_world() {
        assert!(is_provided("mtv:plugin/http@0.1.0", World::Gate));
        assert!(!is_provided("mtv:plugin/http@0.1.0", World::StorageVendor));
        assert!(is_provided("mtv:plugin/log@0.2.0", World::Gate));
        assert!(!is_provided("mtv:plugin/log@0.3.0", World::Gate));
        assert!(!is_provided("mtv:plugin/log", World::Gate));
    }

    #[test]
    fn versions_are_current_previous_newer_or_unknown() {
        assert_eq!(Contract::of(CONTRACT_VERSION), Ok(Contract::Current));
        assert_eq!(Contract::of("0.1.0"), Ok(Contract::V0_1));
        assert_eq!(Contract::of("0.10.0"), Err(Unsupported::Newer));
        assert_eq!(Contract::of("1.0.0"), Err(Unsupported::Newer));
        assert_eq!(Contract::of("0.0.9"), Err(Unsupported::Unknown));
        assert_eq!(Contract::of("0.1.5"), Err(Unsupported::Unknown));
        assert_eq!(Contract::of("draft"), Err(Unsupported::Unknown));
        assert_eq!(Contract::of(""), Err(Unsupported::Unknown));
        assert_eq!(supported_contract_versions(), format!("0.1.0, {CONTRACT_VERSION}"));
    }

    #[test]
    fn only_wasi_02_cli_interfaces_are_provided() {
        assert!(is_provided("wasi:cli/environment@0.2.6", World::Gate));
        assert!(!is_provided("wasi:http/outgoing-handler@0.2.6", World::Gate));
        assert!(!is_provided("wasi:cli/environment@0.3.0", World::Gate));
    }
}
