//! The source inventory the fake Forklift controller migrates from: VMs with their disks
//! and NICs, datastores and networks — and per-VM behaviour knobs.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::Context;
use serde::{Deserialize, Serialize};

/// Everything the source providers expose. One inventory serves every source provider.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Inventory {
    #[serde(default)]
    pub datastores: Vec<Datastore>,
    #[serde(default)]
    pub networks: Vec<Network>,
    #[serde(default)]
    pub vms: Vec<SourceVm>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Datastore {
    pub id: String,
    pub name: String,
    /// Whether the array behind it offloads copies (XCOPY/VAAI); sets the populator's `xcopyUsed`.
    #[serde(default = "yes")]
    pub xcopy: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Network {
    pub id: String,
    pub name: String,
}

/// Power state of a source VM.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PowerState {
    #[serde(alias = "poweredOn")]
    On,
    #[serde(alias = "poweredOff")]
    Off,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceVm {
    pub id: String,
    pub name: String,
    pub power_state: PowerState,
    /// Virtual CPUs (vSphere `cpuCount`).
    #[serde(default = "two", alias = "cpuCount")]
    pub cpus: u32,
    /// Cores per socket (vSphere `coresPerSocket`); sockets = `cpus / cores_per_socket`.
    #[serde(default = "one", alias = "coresPerSocket")]
    pub cores_per_socket: u32,
    /// Memory in MiB (vSphere `memoryMB`).
    #[serde(default = "four_gib", alias = "memoryMB")]
    pub memory_mib: u64,
    /// The BIOS uuid (vSphere `uuid`), the migrated VM's serial; derived from `id` when absent.
    #[serde(default)]
    pub uuid: Option<String>,
    #[serde(default = "bios")]
    pub firmware: String,
    #[serde(default)]
    pub guest_os: String,
    #[serde(default)]
    pub disks: Vec<Disk>,
    #[serde(default)]
    pub nics: Vec<Nic>,
    /// How the simulated migration of this VM behaves.
    #[serde(default)]
    pub behavior: VmBehavior,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Disk {
    /// Datastore id (matched against StorageMap `source.id`, or its name against `source.name`).
    pub datastore: String,
    pub capacity_gib: u64,
    /// vSphere disk mode, e.g. `persistent` or `independent_persistent`.
    #[serde(default = "persistent")]
    pub mode: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Nic {
    /// Network id (matched against NetworkMap `source.id`, or its name against `source.name`).
    pub network: String,
    #[serde(default)]
    pub mac: String,
    /// Guest IP addresses reported by VMware Tools on this NIC (static IPs the migration preserves).
    #[serde(default)]
    pub ip_addresses: Vec<String>,
}

/// Per-VM behaviour knobs. Set in the inventory file (`[vms.behavior]`) or at run time
/// in the scenario (`vms.<name or id>`); the scenario wins field by field.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct VmBehavior {
    /// Pipeline step at which the VM fails, e.g. `DiskTransfer`, `ImageConversion`.
    pub fail_at: Option<String>,
    /// The error reason the failing step reports.
    pub fail_message: Option<String>,
    /// Forces the result of the VM's PreHook (`pass` or `fail`) whatever the Hook says.
    pub pre_hook: Option<HookResult>,
    /// Forces the result of the VM's PostHook.
    pub post_hook: Option<HookResult>,
    /// Time per pipeline step for this VM, overriding the global step delay.
    pub step_delay_ms: Option<u64>,
    /// Faults in the migrated VM, to show the post-migration checks failing:
    /// the destination gets this much memory (MiB) instead of the source's.
    pub target_memory_mib: Option<u64>,
    /// The destination VM loses its last NIC.
    pub target_drop_nic: Option<bool>,
    /// The destination VM gets this serial instead of the source uuid.
    pub target_serial: Option<String>,
    /// The destination VM gets this firmware (`bios` or `efi`) instead of the source's.
    pub target_firmware: Option<String>,
}

impl VmBehavior {
    /// `self`'s knobs where set, otherwise `fallback`'s.
    pub(crate) fn or(&self, fallback: &VmBehavior) -> VmBehavior {
        VmBehavior {
            fail_at: self.fail_at.clone().or_else(|| fallback.fail_at.clone()),
            fail_message: self.fail_message.clone().or_else(|| fallback.fail_message.clone()),
            pre_hook: self.pre_hook.or(fallback.pre_hook),
            post_hook: self.post_hook.or(fallback.post_hook),
            step_delay_ms: self.step_delay_ms.or(fallback.step_delay_ms),
            target_memory_mib: self.target_memory_mib.or(fallback.target_memory_mib),
            target_drop_nic: self.target_drop_nic.or(fallback.target_drop_nic),
            target_serial: self.target_serial.clone().or_else(|| fallback.target_serial.clone()),
            target_firmware: self.target_firmware.clone().or_else(|| fallback.target_firmware.clone()),
        }
    }
}

/// The forced outcome of a hook.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum HookResult {
    Pass,
    Fail,
}

fn yes() -> bool {
    true
}
fn one() -> u32 {
    1
}
fn persistent() -> String {
    "persistent".to_string()
}
fn two() -> u32 {
    2
}
fn four_gib() -> u64 {
    4096
}
fn bios() -> String {
    "bios".to_string()
}

/// The inventory file: the inventory plus optional timing defaults.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct InventoryFile {
    pub step_delay_ms: Option<u64>,
    pub api_latency_ms: Option<u64>,
    #[serde(default)]
    datastores: Vec<Datastore>,
    #[serde(default)]
    networks: Vec<Network>,
    #[serde(default)]
    vms: Vec<SourceVm>,
}

impl InventoryFile {
    pub fn load(path: &Path) -> anyhow::Result<InventoryFile> {
        let text = std::fs::read_to_string(path).with_context(|| format!("reading inventory file {}", path.display()))?;
        let file: InventoryFile =
            toml::from_str(&text).with_context(|| format!("parsing inventory file {} (format: sim/README.md)", path.display()))?;
        file.inventory().check().with_context(|| format!("checking inventory file {}", path.display()))?;
        Ok(file)
    }

    pub fn inventory(&self) -> Inventory {
        Inventory { datastores: self.datastores.clone(), networks: self.networks.clone(), vms: self.vms.clone() }
    }
}

impl SourceVm {
    /// The BIOS uuid: the configured one, or a stable one derived from the id.
    pub fn uuid(&self) -> String {
        if let Some(uuid) = &self.uuid {
            return uuid.clone();
        }
        let hash = self.id.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3));
        format!(
            "4210{:04x}-{:04x}-{:04x}-{:04x}-{:012x}",
            hash >> 48,
            (hash >> 32) & 0xffff,
            (hash >> 16) & 0xffff,
            hash & 0xffff,
            hash & 0xffff_ffff_ffff
        )
    }

    /// CPU sockets: `cpus / cores_per_socket`, at least one.
    pub fn sockets(&self) -> u32 {
        (self.cpus / self.cores_per_socket.max(1)).max(1)
    }
}

impl Inventory {
    /// Finds a VM by id, then by name.
    pub fn vm(&self, id_or_name: &str) -> Option<&SourceVm> {
        self.vms.iter().find(|vm| vm.id == id_or_name).or_else(|| self.vms.iter().find(|vm| vm.name == id_or_name))
    }

    pub fn datastore(&self, id_or_name: &str) -> Option<&Datastore> {
        self.datastores.iter().find(|d| d.id == id_or_name || d.name == id_or_name)
    }

    pub fn network(&self, id_or_name: &str) -> Option<&Network> {
        self.networks.iter().find(|n| n.id == id_or_name || n.name == id_or_name)
    }

    /// Rejects duplicate ids and references to undeclared datastores or networks.
    pub fn check(&self) -> anyhow::Result<()> {
        let mut seen = BTreeMap::new();
        for vm in &self.vms {
            if let Some(other) = seen.insert(vm.id.as_str(), vm.name.as_str()) {
                anyhow::bail!("VM id {:?} is used by both {other:?} and {:?}", vm.id, vm.name);
            }
            for disk in &vm.disks {
                if self.datastore(&disk.datastore).is_none() {
                    anyhow::bail!("VM {:?}: disk on unknown datastore {:?} (declare it under [[datastores]])", vm.name, disk.datastore);
                }
            }
            for nic in &vm.nics {
                if self.network(&nic.network).is_none() {
                    anyhow::bail!("VM {:?}: NIC on unknown network {:?} (declare it under [[networks]])", vm.name, nic.network);
                }
            }
        }
        Ok(())
    }
}

impl Default for Inventory {
    /// The built-in inventory: a few vSphere-like VMs on a regular datastore and
    /// copy-offload VMs on `datastore-12345`.
    fn default() -> Self {
        let ds = |id: &str, name: &str, xcopy: bool| Datastore { id: id.into(), name: name.into(), xcopy };
        let net = |id: &str, name: &str| Network { id: id.into(), name: name.into() };
        let disk = |datastore: &str, capacity_gib: u64| Disk { datastore: datastore.into(), capacity_gib, mode: persistent() };
        let nic = |network: &str, n: u8| Nic {
            network: network.into(),
            mac: format!("00:50:56:a1:00:{n:02x}"),
            ip_addresses: vec![format!("192.168.122.{}", 100 + u16::from(n))],
        };
        let vm = |id: &str, name: &str, power_state: PowerState, guest_os: &str, disks: Vec<Disk>, nics: Vec<Nic>| SourceVm {
            id: id.into(),
            name: name.into(),
            power_state,
            cpus: 2,
            cores_per_socket: 1,
            memory_mib: 4096,
            uuid: None,
            firmware: "bios".into(),
            guest_os: guest_os.into(),
            disks,
            nics,
            behavior: VmBehavior::default(),
        };
        let mut windows = vm(
            "vm-1002",
            "mtv-win2019",
            PowerState::On,
            "windows2019srv_64Guest",
            vec![disk("datastore-1", 60)],
            vec![nic("network-1", 2)],
        );
        windows.firmware = "efi".into();
        windows.memory_mib = 8192;
        let mut failing = vm(
            "vm-1006",
            "mtv-rhel8-fail-conversion",
            PowerState::On,
            "rhel8_64Guest",
            vec![disk("datastore-1", 20)],
            vec![nic("network-1", 6)],
        );
        failing.behavior = VmBehavior {
            fail_at: Some("ImageConversion".into()),
            fail_message: Some("virt-v2v: error: inspection could not detect the source guest (or physical machine)".into()),
            ..VmBehavior::default()
        };
        Inventory {
            datastores: vec![
                ds("datastore-1", "mtv-nfs-ds", false),
                ds("datastore-12345", "mtv-xcopy-ds", true),
                ds("datastore-67890", "mtv-xcopy-ds-2", true),
                ds("datastore-99999", "mtv-non-xcopy-ds", false),
            ],
            networks: vec![net("network-1", "VM Network"), net("network-2", "Mgmt Network")],
            vms: vec![
                vm(
                    "vm-1001",
                    "mtv-rhel8-sanity",
                    PowerState::On,
                    "rhel8_64Guest",
                    vec![disk("datastore-1", 20)],
                    vec![nic("network-1", 1)],
                ),
                windows,
                vm("vm-1003", "mtv-rhel9-warm", PowerState::On, "rhel9_64Guest", vec![disk("datastore-1", 30)], vec![nic("network-1", 3)]),
                vm(
                    "vm-1004",
                    "mtv-rhel8-2disks",
                    PowerState::On,
                    "rhel8_64Guest",
                    vec![disk("datastore-1", 20), disk("datastore-1", 10)],
                    vec![nic("network-1", 4), nic("network-2", 5)],
                ),
                vm("vm-1005", "mtv-rhel8-off", PowerState::Off, "rhel8_64Guest", vec![disk("datastore-1", 20)], vec![nic("network-1", 7)]),
                failing,
                vm(
                    "vm-2001",
                    "mtv-xcopy-rhel9",
                    PowerState::On,
                    "rhel9_64Guest",
                    vec![disk("datastore-12345", 30)],
                    vec![nic("network-1", 8)],
                ),
                vm(
                    "vm-2002",
                    "mtv-xcopy-2disks",
                    PowerState::On,
                    "rhel9_64Guest",
                    vec![disk("datastore-12345", 30), disk("datastore-67890", 10)],
                    vec![nic("network-1", 9)],
                ),
                vm(
                    "vm-2003",
                    "mtv-xcopy-mixed",
                    PowerState::Off,
                    "rhel9_64Guest",
                    vec![disk("datastore-12345", 30), disk("datastore-99999", 10)],
                    vec![nic("network-1", 10)],
                ),
            ],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_inventory_is_consistent() {
        let inv = Inventory::default();
        inv.check().unwrap();
        assert_eq!(inv.vm("vm-1001").unwrap().name, "mtv-rhel8-sanity");
        assert_eq!(inv.vm("mtv-xcopy-rhel9").unwrap().disks[0].datastore, "datastore-12345");
        assert!(inv.datastore("mtv-xcopy-ds").is_some());
    }

    #[test]
    fn example_file_parses() {
        let text = include_str!("../inventory.example.toml");
        let file: InventoryFile = toml::from_str(text).unwrap();
        file.inventory().check().unwrap();
        assert_eq!(file.step_delay_ms, Some(300));
        let inventory = file.inventory();
        let vm = inventory.vm("db-01").unwrap();
        assert_eq!(vm.behavior.fail_at.as_deref(), Some("DiskTransfer"));
        assert_eq!(vm.power_state, PowerState::Off);
    }

    #[test]
    fn unknown_keys_and_dangling_references_are_rejected() {
        assert!(toml::from_str::<InventoryFile>("[[vms]]\nid='a'\nname='b'\npower_state='on'\ncolour='red'\n").is_err());
        let file: InventoryFile =
            toml::from_str("[[vms]]\nid='a'\nname='b'\npower_state='on'\n[[vms.disks]]\ndatastore='nope'\ncapacity_gib=1\n").unwrap();
        assert!(file.inventory().check().unwrap_err().to_string().contains("nope"));
    }
}
