//! The Forklift inventory REST API (`/providers/...`), served from the same inventory
//! the simulated controller migrates from. Reached through the API server's service
//! proxy (see [`proxied_path`]); [`serve`] takes the inventory path alone, so any other
//! front (a Route) can mount it too.
//!
//! Shapes follow Forklift's `pkg/controller/provider/web`: every source provider
//! serves the one inventory, each in its provider type's own shape.

use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use super::App;
use crate::api::errors::ApiError;
use crate::api::resources::{self, FORKLIFT};
use crate::controller::text;
use crate::inventory::{Inventory, PowerState, SourceVm};
use crate::stats::Verb;

/// The inventory Service's name, namespace and HTTPS port.
pub(crate) const SERVICE: &str = "forklift-inventory";
pub(crate) const NAMESPACE: &str = crate::platform::MTV_NAMESPACE;
const PORT: &str = "8443";
const PORT_NAME: &str = "api-https";

/// Counted under this resource name in `/sim/v1/stats`.
pub(crate) const STATS_RESOURCE: &str = "forklift-inventory";

/// `detail=all` means level 9 in Forklift.
const DETAIL_ALL: u8 = 9;

/// The inventory path (e.g. `/providers/vsphere`) when `path` is the service-proxy path
/// of the inventory Service: `/api/v1/namespaces/<ns>/services/[https:]forklift-inventory[:8443|:api-https]/proxy/...`.
pub(crate) fn proxied_path(path: &str) -> Option<&str> {
    let rest = path.strip_prefix("/api/v1/namespaces/")?;
    let (namespace, rest) = rest.split_once('/')?;
    let rest = rest.strip_prefix("services/")?;
    let (service, rest) = rest.split_once('/')?;
    let rest = rest.strip_prefix("proxy")?;
    if namespace != NAMESPACE || !(rest.is_empty() || rest.starts_with('/')) {
        return None;
    }
    let service = service.strip_prefix("https:").unwrap_or(service);
    let (name, port) = service.split_once(':').unwrap_or((service, PORT));
    (name == SERVICE && (port == PORT || port == PORT_NAME)).then_some(rest)
}

/// Answers one inventory request: the bearer token, then `get` on the Provider, then the object.
pub(crate) async fn serve(app: &App, method: &Method, path: &str, query: Option<&str>, headers: &HeaderMap) -> Response {
    app.counters.count_resource(Verb::Get, STATS_RESOURCE);
    if app.authorize(headers).is_err() {
        return (StatusCode::UNAUTHORIZED, "Unauthorized").into_response();
    }
    if method != Method::GET {
        return ApiError::method_not_allowed(format!("{method} is not supported by the inventory")).into_response();
    }
    let latency = app.scenario.api_latency();
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    let params = match Params::parse(query) {
        Ok(p) => p,
        Err(message) => return (StatusCode::BAD_REQUEST, message).into_response(),
    };
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let view = View { app, inventory: &app.inventory, params: &params };
    match view.route(&segments) {
        Ok(body) => ([(header::CONTENT_TYPE, "application/json")], body.to_string()).into_response(),
        Err(failure) => failure.into_response(),
    }
}

/// Why a request is not answered with a body.
enum Failure {
    NotFound,
    ProviderNotFound,
    Forbidden(String),
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        match self {
            Failure::NotFound => (StatusCode::NOT_FOUND, "").into_response(),
            Failure::ProviderNotFound => (StatusCode::NOT_FOUND, [("X-Reason", "ProviderNotFound")], "").into_response(),
            Failure::Forbidden(reason) => {
                let mut response = (StatusCode::FORBIDDEN, "").into_response();
                if let Ok(value) = HeaderValue::from_str(&reason) {
                    response.headers_mut().insert("forklift-error-message", value);
                }
                response
            }
        }
    }
}

/// `detail`, `name`, `limit` and `offset`.
struct Params {
    detail: u8,
    name: Option<String>,
    limit: Option<usize>,
    offset: usize,
}

impl Params {
    fn parse(query: Option<&str>) -> Result<Params, String> {
        let mut params = Params { detail: 0, name: None, limit: None, offset: 0 };
        for (key, value) in form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
            match key.as_ref() {
                "detail" if value == "all" => params.detail = DETAIL_ALL,
                "detail" => params.detail = value.parse().map_err(|_| format!("detail: {value:?} is not a number or `all`"))?,
                "name" => params.name = Some(value.into_owned()),
                "limit" => params.limit = Some(value.parse().map_err(|_| format!("limit: {value:?} is not a number"))?),
                "offset" => params.offset = value.parse().map_err(|_| format!("offset: {value:?} is not a number"))?,
                _ => {}
            }
        }
        Ok(params)
    }

    /// Forklift's name predicate: only the last `/`-separated segment is compared.
    fn name_matches(&self, name: &str) -> bool {
        self.name.as_deref().is_none_or(|wanted| wanted.rsplit('/').next() == Some(name))
    }
}

/// A Provider CR as the inventory sees it.
struct Provider {
    object: Value,
    uid: String,
    kind: String,
}

struct View<'a> {
    app: &'a App,
    inventory: &'a Inventory,
    params: &'a Params,
}

const TYPES: [&str; 7] = ["openshift", "vsphere", "ovirt", "openstack", "ova", "ec2", "hyperv"];

impl View<'_> {
    fn route(&self, segments: &[&str]) -> Result<Value, Failure> {
        match segments {
            ["providers"] => {
                let mut all = Map::new();
                for kind in TYPES {
                    all.insert(kind.to_string(), Value::Array(self.providers(kind).iter().map(|p| self.provider_entry(p)).collect()));
                }
                Ok(Value::Object(all))
            }
            ["providers", kind] if TYPES.contains(kind) => {
                Ok(Value::Array(self.page(self.providers(kind).iter().map(|p| self.provider_entry(p)).collect())))
            }
            ["providers", kind, uid, rest @ ..] if TYPES.contains(kind) => {
                let provider = self.providers(kind).into_iter().find(|p| p.uid == *uid).ok_or(Failure::ProviderNotFound)?;
                self.may_get(&provider)?;
                match rest {
                    [] => {
                        let mut full = self.provider_entry(&provider);
                        self.add_provider_detail(&provider, &mut full);
                        Ok(full)
                    }
                    _ => self.collection(&provider, rest),
                }
            }
            _ => Err(Failure::NotFound),
        }
    }

    fn providers(&self, kind: &str) -> Vec<Provider> {
        let (items, _) = self.app.store.list(resources::get(FORKLIFT, "providers"), None);
        items
            .iter()
            .filter(|p| text(p, "/spec/type") == kind)
            .map(|p| Provider { object: (**p).clone(), uid: text(p, "/metadata/uid").to_string(), kind: kind.to_string() })
            .collect()
    }

    /// The scenario's `inventory_forbidden_providers` stands for a token without `get` on them.
    fn may_get(&self, provider: &Provider) -> Result<(), Failure> {
        let name = text(&provider.object, "/metadata/name");
        let namespace = text(&provider.object, "/metadata/namespace");
        let qualified = format!("{namespace}/{name}");
        let denied = self.app.scenario.get().inventory_forbidden_providers;
        if denied.iter().any(|d| d == name || *d == qualified) {
            return Err(Failure::Forbidden(format!(
                "providers.forklift.konveyor.io \"{name}\" is forbidden: the token may not get it in namespace {namespace}"
            )));
        }
        Ok(())
    }

    fn provider_entry(&self, provider: &Provider) -> Value {
        let mut entry = json!({
            "uid": provider.uid,
            "version": text(&provider.object, "/metadata/resourceVersion"),
            "namespace": text(&provider.object, "/metadata/namespace"),
            "name": text(&provider.object, "/metadata/name"),
            "selfLink": format!("providers/{}/{}", provider.kind, provider.uid),
            "id": provider.uid,
        });
        if self.params.detail >= 1 {
            self.add_provider_detail(provider, &mut entry);
        }
        entry
    }

    fn add_provider_detail(&self, provider: &Provider, entry: &mut Value) {
        entry["type"] = json!(provider.kind);
        entry["object"] = provider.object.clone();
        if provider.kind == "vsphere" {
            let inv = self.inventory;
            entry["apiVersion"] = json!("8.0.2");
            entry["product"] = json!("VMware vCenter Server");
            entry["instanceUuid"] = json!(format!("5e1c2a1d-{}", &provider.uid.get(9..).unwrap_or_default()));
            entry["datacenterCount"] = json!(1);
            entry["clusterCount"] = json!(1);
            entry["hostCount"] = json!(1);
            entry["vmCount"] = json!(inv.vms.len());
            entry["networkCount"] = json!(inv.networks.len());
            entry["datastoreCount"] = json!(inv.datastores.len());
        }
    }

    /// `limit` and `offset` paging of a list.
    fn page(&self, items: Vec<Value>) -> Vec<Value> {
        let rest = items.into_iter().skip(self.params.offset);
        match self.params.limit {
            Some(limit) => rest.take(limit).collect(),
            None => rest.collect(),
        }
    }

    fn collection(&self, provider: &Provider, rest: &[&str]) -> Result<Value, Failure> {
        let shape = Shape { inventory: self.inventory, uid: &provider.uid, kind: &provider.kind };
        let (objects, full_list) = match (provider.kind.as_str(), rest[0]) {
            ("vsphere", "vms") => (self.inventory.vms.iter().map(|vm| shape.vsphere_vm(vm)).collect(), true),
            ("vsphere", "workloads") => match rest {
                [_, id] => return self.inventory.vms.iter().find(|vm| vm.id == *id).map(|vm| shape.workload(vm)).ok_or(Failure::NotFound),
                _ => return Err(Failure::NotFound),
            },
            ("vsphere", "datastores") => (self.inventory.datastores.iter().map(|d| shape.vsphere_datastore(d)).collect(), false),
            ("vsphere", "networks") => (self.inventory.networks.iter().map(|n| shape.vsphere_network(n)).collect(), false),
            ("vsphere", "hosts") => (vec![shape.host()], false),
            ("vsphere", "clusters") => (vec![shape.cluster()], false),
            ("vsphere", "datacenters") => (vec![shape.datacenter()], false),
            ("ovirt", "vms") => (self.inventory.vms.iter().map(|vm| shape.ovirt_vm(vm)).collect(), false),
            ("ovirt", "disks") => (shape.ovirt_disks(), false),
            ("ovirt", "storagedomains") => (self.inventory.datastores.iter().map(|d| shape.ovirt_storage_domain(d)).collect(), false),
            ("ovirt", "networks") => (self.inventory.networks.iter().map(|n| shape.ovirt_network(n)).collect(), false),
            ("ovirt", "nicprofiles") => (self.inventory.networks.iter().map(|n| shape.ovirt_nic_profile(n)).collect(), false),
            ("openstack", "vms") => (self.inventory.vms.iter().map(|vm| shape.openstack_vm(vm)).collect(), false),
            ("openstack", "volumes") => (shape.openstack_volumes(), false),
            ("openstack", "volumetypes") => (self.inventory.datastores.iter().map(|d| shape.openstack_volume_type(d)).collect(), false),
            ("openstack", "networks") => (self.inventory.networks.iter().map(|n| shape.openstack_network(n)).collect(), false),
            ("openshift", "vms" | "namespaces" | "storageclasses" | "networkattachmentdefinitions") => (Vec::new(), false),
            _ => return Err(Failure::NotFound),
        };
        match rest {
            [_] => {
                let listed = objects
                    .into_iter()
                    .filter(|o| self.params.name_matches(text(o, "/name")) && self.path_matches(o))
                    .map(|o| if full_list || self.params.detail >= 1 { o } else { level_zero(&provider.kind, o) })
                    .collect();
                Ok(Value::Array(self.page(listed)))
            }
            [_, id] => objects.into_iter().find(|o| text(o, "/id") == *id).ok_or(Failure::NotFound),
            _ => Err(Failure::NotFound),
        }
    }

    /// A `name` of two or more segments also has to end the object's inventory path.
    fn path_matches(&self, object: &Value) -> bool {
        match self.params.name.as_deref() {
            Some(wanted) if wanted.contains('/') => text(object, "/path").ends_with(wanted),
            _ => true,
        }
    }
}

/// The level-0 fields of an object in a list without `detail`.
fn level_zero(kind: &str, object: Value) -> Value {
    let keys: &[&str] = match kind {
        "vsphere" => &["id", "variant", "parent", "path", "revision", "name", "selfLink"],
        "ovirt" => &["id", "revision", "path", "name", "description", "selfLink"],
        _ => &["id", "revision", "path", "name", "selfLink"],
    };
    let Value::Object(map) = object else { return object };
    Value::Object(map.into_iter().filter(|(k, _)| keys.contains(&k.as_str())).collect())
}

/// Builds each provider type's JSON for the inventory's objects.
struct Shape<'a> {
    inventory: &'a Inventory,
    uid: &'a str,
    kind: &'a str,
}

const DATACENTER: &str = "DC0";
const HOST_ID: &str = "host-21";
const CLUSTER_ID: &str = "domain-c8";

impl Shape<'_> {
    fn link(&self, collection: &str, id: &str) -> String {
        format!("providers/{}/{}/{collection}/{id}", self.kind, self.uid)
    }

    fn base(&self, collection: &str, id: &str, name: &str, path: String, parent: Value) -> Value {
        json!({"id": id, "parent": parent, "path": path, "revision": 1, "name": name, "selfLink": self.link(collection, id)})
    }

    fn datastore_name(&self, id: &str) -> String {
        self.inventory.datastore(id).map_or_else(|| id.to_string(), |d| d.name.clone())
    }

    fn network_id(&self, id_or_name: &str) -> String {
        self.inventory.network(id_or_name).map_or_else(|| id_or_name.to_string(), |n| n.id.clone())
    }

    fn datastore_id(&self, id_or_name: &str) -> String {
        self.inventory.datastore(id_or_name).map_or_else(|| id_or_name.to_string(), |d| d.id.clone())
    }

    fn vmdk(&self, vm: &SourceVm, index: usize) -> String {
        let ds = vm.disks.get(index).map(|d| self.datastore_name(&d.datastore)).unwrap_or_default();
        let suffix = if index == 0 { String::new() } else { format!("_{index}") };
        format!("[{ds}] {}/{}{suffix}.vmdk", vm.name, vm.name)
    }

    fn vsphere_vm(&self, vm: &SourceVm) -> Value {
        let mut networks: Vec<String> = Vec::new();
        for nic in &vm.nics {
            let id = self.network_id(&nic.network);
            if !networks.contains(&id) {
                networks.push(id);
            }
        }
        let disks: Vec<Value> = vm
            .disks
            .iter()
            .enumerate()
            .map(|(i, disk)| {
                json!({
                    "key": 2000 + i, "unitNumber": i, "controllerKey": 1000, "file": self.vmdk(vm, i),
                    "datastore": {"kind": "Datastore", "id": self.datastore_id(&disk.datastore)},
                    "capacity": disk.capacity_gib * 1024 * 1024 * 1024, "shared": false, "rdm": false, "bus": "scsi",
                    "mode": disk.mode, "changeTrackingEnabled": false, "parent": "",
                })
            })
            .collect();
        let nics: Vec<Value> = vm
            .nics
            .iter()
            .enumerate()
            .map(|(i, nic)| {
                json!({"network": {"kind": "Network", "id": self.network_id(&nic.network)}, "mac": nic.mac, "order": i,
                       "deviceKey": 4000 + i, "pciAddress": "", "startConnected": true})
            })
            .collect();
        let guest_networks: Vec<Value> = vm
            .nics
            .iter()
            .enumerate()
            .flat_map(|(i, nic)| {
                let network = self.inventory.network(&nic.network).map_or_else(|| nic.network.clone(), |n| n.name.clone());
                nic.ip_addresses.iter().map(move |ip| {
                    json!({"device": format!("ens{}", 192 + i), "deviceConfigId": 4000 + i, "mac": nic.mac, "ip": ip,
                           "origin": "manual", "prefix": 24, "dns": [], "network": network})
                })
            })
            .collect();
        let on = vm.power_state == PowerState::On;
        let ip = if on { vm.nics.iter().flat_map(|n| n.ip_addresses.first()).next().cloned().unwrap_or_default() } else { String::new() };
        let mut object =
            self.base("vms", &vm.id, &vm.name, format!("/{DATACENTER}/vm/{}", vm.name), json!({"kind": "Folder", "id": "group-v4"}));
        let fields = json!({
            "revisionValidated": 1, "isTemplate": false, "powerState": if on { "poweredOn" } else { "poweredOff" },
            "host": HOST_ID, "networks": networks.iter().map(|id| json!({"kind": "Network", "id": id})).collect::<Vec<_>>(),
            "disks": disks, "concerns": [],
            "policyVersion": 1, "uuid": vm.uuid(), "instanceUuid": format!("5010{}", vm.uuid().get(4..).unwrap_or_default()),
            "firmware": vm.firmware, "connectionState": "connected", "snapshot": {"kind": "", "id": ""},
        });
        merge(&mut object, fields);
        let fields = json!({
            "changeTrackingEnabled": false, "consolidationNeeded": false, "cpuAffinity": [], "cpuHotAddEnabled": false,
            "cpuHotRemoveEnabled": false, "memoryHotAddEnabled": false, "faultToleranceEnabled": false,
            "cpuCount": vm.cpus, "coresPerSocket": vm.cores_per_socket, "memoryMB": vm.memory_mib,
            "guestName": vm.guest_os, "guestNameFromVmwareTools": vm.guest_os, "hostName": vm.name, "guestId": vm.guest_os,
            "balloonedMemory": 0, "ipAddress": ip, "storageUsed": vm.disks.iter().map(|d| d.capacity_gib).sum::<u64>() * 1024 * 1024 * 1024,
            "tpmEnabled": false, "numaNodeAffinity": [], "devices": [], "nics": nics, "guestNetworks": guest_networks,
            "guestDisks": [], "guestIpStacks": [], "secureBoot": false,
            "toolsStatus": if on { "toolsOk" } else { "toolsNotRunning" }, "toolsRunningStatus": if on { "guestToolsRunning" } else { "guestToolsNotRunning" },
            "toolsVersionStatus2": "guestToolsCurrent", "diskEnableUuid": false, "nestedHVEnabled": false,
            "customDef": [], "customValues": [], "tags": [],
        });
        merge(&mut object, fields);
        object
    }

    fn workload(&self, vm: &SourceVm) -> Value {
        let mut workload = self.vsphere_vm(vm);
        let mut host = self.host();
        let mut cluster = self.cluster();
        cluster["datacenter"] = self.datacenter();
        host["cluster"] = cluster;
        workload["host"] = host;
        workload
    }

    fn vsphere_datastore(&self, ds: &crate::inventory::Datastore) -> Value {
        let mut object = self.base(
            "datastores",
            &ds.id,
            &ds.name,
            format!("/{DATACENTER}/datastore/{}", ds.name),
            json!({"kind": "Folder", "id": "group-s5"}),
        );
        merge(
            &mut object,
            json!({"type": if ds.xcopy { "VMFS" } else { "NFS" }, "capacity": 2_199_023_255_552u64, "free": 1_099_511_627_776u64,
                   "maintenance": "normal", "backingDevicesNames": [], "storageIORMSupported": false, "iormEnabled": false,
                   "iormCongestionThreshold": 0, "iormCongestionThresholdMode": "", "iormPercentOfPeakThroughput": 0}),
        );
        object
    }

    fn vsphere_network(&self, net: &crate::inventory::Network) -> Value {
        let mut object = self.base(
            "networks",
            &net.id,
            &net.name,
            format!("/{DATACENTER}/network/{}", net.name),
            json!({"kind": "Folder", "id": "group-n6"}),
        );
        merge(&mut object, json!({"variant": "Standard", "vlanId": "", "tag": ""}));
        object
    }

    fn host(&self) -> Value {
        let mut object = self.base(
            "hosts",
            HOST_ID,
            "esxi-0.sim.local",
            format!("/{DATACENTER}/host/Cluster0/esxi-0.sim.local"),
            json!({"kind": "Cluster", "id": CLUSTER_ID}),
        );
        merge(
            &mut object,
            json!({"cluster": CLUSTER_ID, "status": "green", "inMaintenance": false, "managementServerIp": "192.168.1.10",
                   "thumbprint": "AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD", "timezone": "UTC",
                   "cpuSockets": 2, "cpuCores": 32, "memoryBytes": 274_877_906_944u64, "productName": "VMware ESXi",
                   "productVersion": "8.0.2", "networking": {"pNICs": [], "vNICs": [], "portGroups": [], "switches": []},
                   "networks": self.inventory.networks.iter().map(|n| json!({"kind": "Network", "id": n.id})).collect::<Vec<_>>(),
                   "datastores": self.inventory.datastores.iter().map(|d| json!({"kind": "Datastore", "id": d.id})).collect::<Vec<_>>(),
                   "vms": self.inventory.vms.iter().map(|v| json!({"kind": "VM", "id": v.id})).collect::<Vec<_>>(),
                   "networkAdapters": [], "hostScsiDisks": [], "advancedOptions": [],
                   "vmotionSupported": true, "storageVmotionSupported": true}),
        );
        object
    }

    fn cluster(&self) -> Value {
        let mut object = self.base(
            "clusters",
            CLUSTER_ID,
            "Cluster0",
            format!("/{DATACENTER}/host/Cluster0"),
            json!({"kind": "Folder", "id": "group-h3"}),
        );
        merge(
            &mut object,
            json!({"folder": "group-h3", "dasEnabled": false, "drsEnabled": true, "hosts": [{"kind": "Host", "id": HOST_ID}]}),
        );
        object
    }

    fn datacenter(&self) -> Value {
        self.base("datacenters", "datacenter-2", DATACENTER, format!("/{DATACENTER}"), json!({"kind": "Folder", "id": "group-d1"}))
    }

    fn ovirt_disk_id(vm: &SourceVm, index: usize) -> String {
        format!("{}-disk-{index}", vm.id)
    }

    fn ovirt_vm(&self, vm: &SourceVm) -> Value {
        let on = vm.power_state == PowerState::On;
        let nics: Vec<Value> = vm
            .nics
            .iter()
            .enumerate()
            .map(|(i, nic)| {
                json!({"id": format!("{}-nic-{i}", vm.id), "name": format!("nic{}", i + 1), "interface": "virtio", "plugged": true,
                       "ipAddress": nic.ip_addresses, "profile": format!("{}-profile", self.network_id(&nic.network)), "mac": nic.mac})
            })
            .collect();
        let attachments: Vec<Value> = (0..vm.disks.len())
            .map(|i| {
                let id = Self::ovirt_disk_id(vm, i);
                json!({"id": id, "interface": "virtio_scsi", "scsiReservation": false, "disk": id, "bootable": i == 0})
            })
            .collect();
        json!({
            "id": vm.id, "revision": 1, "path": format!("Cluster0/{}", vm.name), "name": vm.name, "description": "",
            "selfLink": self.link("vms", &vm.id), "cluster": CLUSTER_ID, "status": if on { "up" } else { "down" },
            "host": if on { HOST_ID } else { "" }, "revisionValidated": 1, "nics": nics, "diskAttachments": attachments,
            "concerns": [], "cpuSockets": vm.sockets(), "cpuCores": vm.cores_per_socket, "cpuThreads": 1,
            "memory": vm.memory_mib * 1024 * 1024, "bios": if vm.firmware == "efi" { "q35_ovmf" } else { "q35_sea_bios" },
            "serialNumber": vm.uuid(), "guest": {"distribution": vm.guest_os}, "osType": vm.guest_os,
        })
    }

    fn ovirt_disks(&self) -> Vec<Value> {
        self.inventory
            .vms
            .iter()
            .flat_map(|vm| {
                vm.disks.iter().enumerate().map(move |(i, disk)| {
                    let id = Self::ovirt_disk_id(vm, i);
                    let bytes = disk.capacity_gib * 1024 * 1024 * 1024;
                    json!({"id": id, "revision": 1, "path": "", "name": format!("{}_Disk{}", vm.name, i + 1), "description": "",
                           "selfLink": self.link("disks", &id), "shared": false, "storageDomain": self.datastore_id(&disk.datastore),
                           "profile": "", "provisionedSize": bytes, "actualSize": bytes, "storageType": "image", "status": "ok",
                           "lunStorage": {}})
                })
            })
            .collect()
    }

    fn ovirt_storage_domain(&self, ds: &crate::inventory::Datastore) -> Value {
        json!({"id": ds.id, "revision": 1, "path": ds.name, "name": ds.name, "description": "", "selfLink": self.link("storagedomains", &ds.id),
               "dataCenter": "datacenter-2", "type": "data", "storage": {"type": "nfs"}, "available": 1_099_511_627_776u64, "used": 0})
    }

    fn ovirt_network(&self, net: &crate::inventory::Network) -> Value {
        json!({"id": net.id, "revision": 1, "path": format!("{DATACENTER}/{}", net.name), "name": net.name, "description": "",
               "selfLink": self.link("networks", &net.id), "dataCenter": "datacenter-2", "vlan": "", "usages": ["vm"],
               "nicProfiles": [format!("{}-profile", net.id)]})
    }

    fn ovirt_nic_profile(&self, net: &crate::inventory::Network) -> Value {
        let id = format!("{}-profile", net.id);
        json!({"id": id, "revision": 1, "path": "", "name": net.name, "description": "", "selfLink": self.link("nicprofiles", &id),
               "network": net.id, "portMirroring": false, "networkFilter": "", "qos": "", "properties": [], "passThrough": false})
    }

    fn openstack_vm(&self, vm: &SourceVm) -> Value {
        let mut addresses = Map::new();
        for nic in &vm.nics {
            let network = self.inventory.network(&nic.network).map_or_else(|| nic.network.clone(), |n| n.name.clone());
            let entries: Vec<Value> = nic
                .ip_addresses
                .iter()
                .map(|ip| json!({"addr": ip, "version": 4, "OS-EXT-IPS:type": "fixed", "OS-EXT-IPS-MAC:mac_addr": nic.mac}))
                .collect();
            addresses.insert(network, Value::Array(entries));
        }
        let volumes: Vec<Value> = (0..vm.disks.len()).map(|i| json!({"ID": format!("{}-volume-{i}", vm.id)})).collect();
        json!({
            "id": vm.id, "revision": 1, "path": vm.name, "name": vm.name, "selfLink": self.link("vms", &vm.id),
            "tenantID": "project-1", "status": if vm.power_state == PowerState::On { "ACTIVE" } else { "SHUTOFF" },
            "hostID": HOST_ID, "revisionValidated": 1, "imageID": "", "flavorID": format!("flavor-{}-{}", vm.cpus, vm.memory_mib),
            "addresses": addresses, "attachedVolumes": volumes, "concerns": [], "userID": "user-1",
            "created": "2026-01-01T00:00:00Z", "updated": "2026-01-01T00:00:00Z", "progress": 0,
            "metadata": {}, "securityGroups": [], "fault": {}, "tags": [],
        })
    }

    fn openstack_volumes(&self) -> Vec<Value> {
        self.inventory
            .vms
            .iter()
            .flat_map(|vm| {
                vm.disks.iter().enumerate().map(move |(i, disk)| {
                    let id = format!("{}-volume-{i}", vm.id);
                    json!({"id": id, "revision": 1, "path": "", "name": format!("{}-{i}", vm.name), "selfLink": self.link("volumes", &id),
                           "volumeType": self.datastore_name(&disk.datastore), "size": disk.capacity_gib, "status": "in-use",
                           "attachments": [{"server_id": vm.id}], "bootable": if i == 0 { "true" } else { "false" }})
                })
            })
            .collect()
    }

    fn openstack_volume_type(&self, ds: &crate::inventory::Datastore) -> Value {
        json!({"id": ds.id, "revision": 1, "path": "", "name": ds.name, "selfLink": self.link("volumetypes", &ds.id),
               "description": "", "extraSpecs": {}, "isPublic": true})
    }

    fn openstack_network(&self, net: &crate::inventory::Network) -> Value {
        json!({"id": net.id, "revision": 1, "path": "", "name": net.name, "selfLink": self.link("networks", &net.id),
               "status": "ACTIVE", "subnets": [], "shared": false, "tenantID": "project-1"})
    }
}

/// Adds `fields` to `object` (both JSON objects).
fn merge(object: &mut Value, fields: Value) {
    if let (Some(target), Value::Object(source)) = (object.as_object_mut(), fields) {
        target.extend(source);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_proxy_paths() {
        let ns = "/api/v1/namespaces/openshift-mtv/services";
        assert_eq!(proxied_path(&format!("{ns}/https:forklift-inventory:8443/proxy/providers/vsphere")), Some("/providers/vsphere"));
        assert_eq!(proxied_path(&format!("{ns}/forklift-inventory:api-https/proxy/providers")), Some("/providers"));
        assert_eq!(proxied_path(&format!("{ns}/forklift-inventory/proxy")), Some(""));
        assert_eq!(proxied_path(&format!("{ns}/forklift-inventory:9999/proxy/providers")), None);
        assert_eq!(proxied_path(&format!("{ns}/forklift-ui:8443/proxy/providers")), None);
        assert_eq!(proxied_path("/api/v1/namespaces/default/services/forklift-inventory:8443/proxy/providers"), None);
        assert_eq!(proxied_path(&format!("{ns}/forklift-inventory:8443/proxyx")), None);
    }

    #[test]
    fn name_compares_the_last_segment() {
        let params = Params::parse(Some("name=DC0/vm/web1&detail=all")).unwrap();
        assert_eq!(params.detail, DETAIL_ALL);
        assert!(params.name_matches("web1") && !params.name_matches("web"));
        assert!(Params::parse(Some("limit=x")).is_err());
    }
}
