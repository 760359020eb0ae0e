//! Shared helpers for the simulator's HTTP tests: a running simulator with a `kube`
//! client, resource handles, fixtures, and waiting by watch.

#![allow(dead_code)] // each test binary uses a different subset

use std::time::Duration;

use futures_util::StreamExt;
use kube::api::{Api, ApiResource, DynamicObject, GroupVersionKind, PostParams, WatchEvent, WatchParams};
use kube::{Client, Config};
use mtv_sim::{Sim, SimConfig};
use serde_json::{Value, json};

pub const FORKLIFT: &str = "forklift.konveyor.io";

pub struct Cluster {
    pub sim: Sim,
    pub client: Client,
}

pub async fn start() -> Cluster {
    start_with(SimConfig::default()).await
}

pub async fn start_with(config: SimConfig) -> Cluster {
    let sim = Sim::start(config).await.expect("simulator starts");
    let client = client_for(&sim.url());
    Cluster { sim, client }
}

pub fn client_for(url: &str) -> Client {
    let config = Config::new(url.parse().expect("url"));
    Client::try_from(config).expect("client")
}

pub fn resource(group: &str, version: &str, kind: &str, plural: &str) -> ApiResource {
    ApiResource::from_gvk_with_plural(&GroupVersionKind::gvk(group, version, kind), plural)
}

pub fn namespaces() -> ApiResource {
    resource("", "v1", "Namespace", "namespaces")
}
pub fn secrets() -> ApiResource {
    resource("", "v1", "Secret", "secrets")
}
pub fn configmaps() -> ApiResource {
    resource("", "v1", "ConfigMap", "configmaps")
}
pub fn events() -> ApiResource {
    resource("", "v1", "Event", "events")
}
pub fn pvcs() -> ApiResource {
    resource("", "v1", "PersistentVolumeClaim", "persistentvolumeclaims")
}
pub fn providers() -> ApiResource {
    resource(FORKLIFT, "v1beta1", "Provider", "providers")
}
pub fn storage_maps() -> ApiResource {
    resource(FORKLIFT, "v1beta1", "StorageMap", "storagemaps")
}
pub fn network_maps() -> ApiResource {
    resource(FORKLIFT, "v1beta1", "NetworkMap", "networkmaps")
}
pub fn plans() -> ApiResource {
    resource(FORKLIFT, "v1beta1", "Plan", "plans")
}
pub fn migrations() -> ApiResource {
    resource(FORKLIFT, "v1beta1", "Migration", "migrations")
}
pub fn hooks() -> ApiResource {
    resource(FORKLIFT, "v1beta1", "Hook", "hooks")
}
pub fn populators() -> ApiResource {
    resource(FORKLIFT, "v1beta1", "VSphereXcopyVolumePopulator", "vspherexcopyvolumepopulators")
}
pub fn virtual_machines() -> ApiResource {
    resource("kubevirt.io", "v1", "VirtualMachine", "virtualmachines")
}
pub fn nads() -> ApiResource {
    resource("k8s.cni.cncf.io", "v1", "NetworkAttachmentDefinition", "network-attachment-definitions")
}

/// A `DynamicObject` from JSON (`apiVersion`/`kind` may be left out).
pub fn object(value: Value) -> DynamicObject {
    serde_json::from_value(value).expect("valid object JSON")
}

pub fn to_json(obj: &DynamicObject) -> Value {
    serde_json::to_value(obj).expect("serializable")
}

/// The API error of a failed call (panics on success or on a transport error).
pub fn api_error<T: std::fmt::Debug>(result: kube::Result<T>) -> Box<kube::core::Status> {
    match result {
        Err(kube::Error::Api(status)) => status,
        other => panic!("expected an API error, got {other:?}"),
    }
}

impl Cluster {
    pub fn api(&self, res: &ApiResource, ns: &str) -> Api<DynamicObject> {
        Api::namespaced_with(self.client.clone(), ns, res)
    }

    pub fn cluster_api(&self, res: &ApiResource) -> Api<DynamicObject> {
        Api::all_with(self.client.clone(), res)
    }

    pub async fn create(&self, res: &ApiResource, ns: &str, value: Value) -> DynamicObject {
        let name = value.pointer("/metadata/name").cloned();
        self.api(res, ns)
            .create(&PostParams::default(), &object(value))
            .await
            .unwrap_or_else(|e| panic!("creating {} {name:?}: {e}", res.plural))
    }

    pub async fn namespace(&self, name: &str) {
        self.cluster_api(&namespaces())
            .create(&PostParams::default(), &object(json!({"metadata": {"name": name}})))
            .await
            .expect("namespace created");
    }

    pub async fn get(&self, res: &ApiResource, ns: &str, name: &str) -> Value {
        to_json(&self.api(res, ns).get(name).await.unwrap_or_else(|e| panic!("getting {} {ns}/{name}: {e}", res.plural)))
    }

    /// Waits, by watching, until `done` holds for the object; returns it.
    pub async fn wait_for(&self, res: &ApiResource, ns: &str, name: &str, what: &str, done: impl Fn(&Value) -> bool) -> Value {
        let api = self.api(res, ns);
        let wait = async {
            loop {
                let current = api.get(name).await.expect("object exists while waiting");
                let rv = current.metadata.resource_version.clone().unwrap_or_default();
                let value = to_json(&current);
                if done(&value) {
                    return value;
                }
                let params = WatchParams::default().fields(&format!("metadata.name={name}")).timeout(30);
                let mut stream = api.watch(&params, &rv).await.expect("watch starts").boxed();
                while let Some(event) = stream.next().await {
                    match event.expect("watch event") {
                        WatchEvent::Added(o) | WatchEvent::Modified(o) => {
                            let value = to_json(&o);
                            if done(&value) {
                                return value;
                            }
                        }
                        WatchEvent::Deleted(_) => panic!("{} {ns}/{name} was deleted while waiting for {what}", res.plural),
                        WatchEvent::Bookmark(_) => {}
                        WatchEvent::Error(e) => panic!("watch error while waiting for {what}: {e:?}"),
                    }
                }
            }
        };
        match tokio::time::timeout(Duration::from_secs(20), wait).await {
            Ok(value) => value,
            Err(_) => {
                let last = self.get(res, ns, name).await;
                panic!("timed out waiting for {what} on {} {ns}/{name}; last state: {last:#}", res.plural)
            }
        }
    }

    pub async fn wait_condition(&self, res: &ApiResource, ns: &str, name: &str, condition: &str) -> Value {
        self.wait_for(res, ns, name, condition, |o| has_condition(o, condition)).await
    }

    /// Waits until a Plan ends (Succeeded, Failed or Canceled).
    pub async fn wait_plan_done(&self, ns: &str, name: &str) -> Value {
        self.wait_for(&plans(), ns, name, "a plan result", |o| ["Succeeded", "Failed", "Canceled"].iter().any(|c| has_condition(o, c)))
            .await
    }
}

pub fn has_condition(obj: &Value, kind: &str) -> bool {
    conditions(obj).iter().any(|c| c["type"] == kind && c["status"] == "True")
}

pub fn conditions(obj: &Value) -> Vec<Value> {
    obj.pointer("/status/conditions").and_then(Value::as_array).cloned().unwrap_or_default()
}

pub fn condition(obj: &Value, kind: &str) -> Value {
    conditions(obj).into_iter().find(|c| c["type"] == kind).unwrap_or_else(|| panic!("no {kind} condition in {:#}", obj["status"]))
}

/// Pipeline step `name` of VM `index` of a Plan.
pub fn step(plan: &Value, vm: usize, name: &str) -> Value {
    plan.pointer(&format!("/status/migration/vms/{vm}/pipeline"))
        .and_then(Value::as_array)
        .and_then(|p| p.iter().find(|s| s["name"] == name).cloned())
        .unwrap_or_else(|| panic!("no step {name} for VM {vm}: {:#}", plan["status"]))
}

pub fn step_names(plan: &Value, vm: usize) -> Vec<String> {
    plan.pointer(&format!("/status/migration/vms/{vm}/pipeline"))
        .and_then(Value::as_array)
        .map(|p| p.iter().map(|s| s["name"].as_str().unwrap_or_default().to_string()).collect())
        .unwrap_or_default()
}

/// Names of a migration environment in one namespace.
pub struct Env {
    pub ns: String,
    pub source: &'static str,
    pub destination: &'static str,
    pub storage_map: &'static str,
    pub network_map: &'static str,
}

/// A storage map entry: datastore → storage class, optionally with copy-offload.
pub fn storage_entry(datastore: &str, offload: Option<(&str, &str)>) -> Value {
    let mut entry =
        json!({"source": {"id": datastore}, "destination": {"storageClass": "ocs-storagecluster-ceph-rbd", "volumeMode": "Block"}});
    if let Some((secret, vendor)) = offload {
        entry["offloadPlugin"] = json!({"vsphereXcopyConfig": {"secretRef": secret, "storageVendorProduct": vendor}});
    }
    entry
}

/// A namespace with a ready vSphere source, the local destination, a NetworkMap and a
/// StorageMap with `storage` entries; waits until the maps are ready.
pub async fn env(cluster: &Cluster, ns: &str, storage: Vec<Value>) -> Env {
    cluster.namespace(ns).await;
    cluster
        .create(&secrets(), ns, json!({"metadata": {"name": "vsphere-creds"}, "stringData": {"user": "administrator@vsphere.local", "password": "secret", "url": "https://vcenter.example/sdk"}}))
        .await;
    cluster
        .create(&providers(), ns, json!({"metadata": {"name": "vsphere"}, "spec": {"type": "vsphere", "url": "https://vcenter.example/sdk", "secret": {"name": "vsphere-creds", "namespace": ns}}}))
        .await;
    cluster.create(&providers(), ns, json!({"metadata": {"name": "host"}, "spec": {"type": "openshift", "url": "", "secret": {}}})).await;
    let provider_refs = json!({"source": {"name": "vsphere", "namespace": ns}, "destination": {"name": "host", "namespace": ns}});
    cluster
        .create(
            &network_maps(),
            ns,
            json!({"metadata": {"name": "nmap"}, "spec": {"provider": provider_refs, "map": [
                {"source": {"id": "network-1"}, "destination": {"type": "pod"}},
                {"source": {"id": "network-2"}, "destination": {"type": "ignored"}}
            ]}}),
        )
        .await;
    cluster.create(&storage_maps(), ns, json!({"metadata": {"name": "smap"}, "spec": {"provider": provider_refs, "map": storage}})).await;
    cluster.wait_condition(&providers(), ns, "vsphere", "Ready").await;
    cluster.wait_condition(&network_maps(), ns, "nmap", "Ready").await;
    cluster.wait_condition(&storage_maps(), ns, "smap", "Ready").await;
    Env { ns: ns.to_string(), source: "vsphere", destination: "host", storage_map: "smap", network_map: "nmap" }
}

impl Env {
    /// A Plan of `vms` (each `{"id": …}` or `{"name": …}`, possibly with hooks).
    pub fn plan(&self, name: &str, plan_type: &str, vms: Value) -> Value {
        json!({
            "metadata": {"name": name},
            "spec": {
                "provider": {"source": {"name": self.source, "namespace": self.ns}, "destination": {"name": self.destination, "namespace": self.ns}},
                "map": {"storage": {"name": self.storage_map, "namespace": self.ns}, "network": {"name": self.network_map, "namespace": self.ns}},
                "targetNamespace": self.ns,
                "type": plan_type,
                "vms": vms,
            }
        })
    }

    pub fn migration(&self, name: &str, plan: &str) -> Value {
        json!({"metadata": {"name": name}, "spec": {"plan": {"name": plan, "namespace": self.ns}}})
    }
}
