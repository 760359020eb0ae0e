//! The Forklift inventory, read the way Forklift's own clients do: the
//! `forklift-inventory` Service in the MTV namespace through the API server's
//! service proxy, with the run's credentials. A test's source Provider is found
//! by its uid, each VM by name; their ids go into the Plan and their disks and
//! NICs decide the test's StorageMap and NetworkMap.

use std::time::Duration;

use kube::Client;
use serde_json::{Value, json};

/// The inventory Service, its namespace and HTTPS port.
const PROXY: &str = "/api/v1/namespaces/openshift-mtv/services/https:forklift-inventory:8443/proxy";
/// Between two looks for a Provider or VM the inventory does not list yet.
const RETRY: Duration = Duration::from_secs(1);

/// Inventory lookups for one source Provider.
pub struct InventoryClient {
    client: Client,
    provider_type: String,
    /// `namespace/name` of the Provider CR, for messages.
    provider: String,
    uid: String,
}

/// What the inventory says about one source VM: its id and the ids of the
/// datastores and networks its disks and NICs use, first use first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceVm {
    pub name: String,
    pub id: String,
    pub datastores: Vec<String>,
    pub networks: Vec<String>,
    /// The VM as the inventory served it, for the checks after migrating.
    pub facts: Value,
}

async fn get(client: &Client, path: &str) -> Result<Value, String> {
    let request = http::Request::get(format!("{PROXY}{path}")).body(Vec::new()).map_err(|e| format!("inventory request {path}: {e}"))?;
    let text = client.request_text(request).await.map_err(|e| format!("reading the Forklift inventory at {path}: {e}"))?;
    serde_json::from_str(&text).map_err(|e| format!("the Forklift inventory answered {path} with something other than JSON: {e}"))
}

/// Whether there is time for another look before `deadline`.
async fn retry_before(deadline: tokio::time::Instant) -> bool {
    if tokio::time::Instant::now() + RETRY > deadline {
        return false;
    }
    tokio::time::sleep(RETRY).await;
    true
}

impl InventoryClient {
    /// Finds the Provider `namespace/name` of `provider_type` in the inventory,
    /// waiting up to `timeout` for the inventory to list it.
    pub async fn for_provider(
        client: Client,
        provider_type: &str,
        namespace: &str,
        name: &str,
        timeout: Duration,
    ) -> Result<InventoryClient, String> {
        let path = format!("/providers/{provider_type}");
        let deadline = tokio::time::Instant::now() + timeout;
        let uid = loop {
            let listed = get(&client, &path).await?;
            let entry = listed.as_array().into_iter().flatten().find(|p| p["name"] == name && p["namespace"] == namespace);
            if let Some(uid) = entry.and_then(|p| p["uid"].as_str()) {
                break uid.to_owned();
            }
            if !retry_before(deadline).await {
                return Err(format!(
                    "the Forklift inventory does not list Provider {namespace}/{name} ({provider_type}) after {}s",
                    timeout.as_secs()
                ));
            }
        };
        Ok(InventoryClient { client, provider_type: provider_type.to_owned(), provider: format!("{namespace}/{name}"), uid })
    }

    /// The VM named `name`, waiting up to `timeout` for it to appear (a clone
    /// shows up a while after it is made); `None` when it never does.
    pub async fn vm(&self, name: &str, timeout: Duration) -> Result<Option<SourceVm>, String> {
        let path = format!("/providers/{}/{}/vms?detail=all&name={}", self.provider_type, self.uid, encode(name));
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let listed = get(&self.client, &path).await?;
            match listed.as_array().map(Vec::as_slice).unwrap_or_default() {
                [] => {}
                [one] => return source_vm(&self.provider, name, one.clone()).map(Some),
                many => {
                    return Err(format!("Provider {}: {} VMs are named {name}: name one by its inventory id", self.provider, many.len()));
                }
            }
            if !retry_before(deadline).await {
                return Ok(None);
            }
        }
    }

    pub fn provider(&self) -> &str {
        &self.provider
    }
}

fn encode(text: &str) -> String {
    percent_encoding::utf8_percent_encode(text, percent_encoding::NON_ALPHANUMERIC).to_string()
}

/// Reads the id and the datastores and networks of a VM in Forklift's vSphere
/// shape (`disks[].datastore.id`, `nics[].network.id`, falling back to `networks[].id`).
fn source_vm(provider: &str, name: &str, vm: Value) -> Result<SourceVm, String> {
    let id = vm["id"].as_str().filter(|id| !id.is_empty()).ok_or_else(|| format!("Provider {provider}: VM {name} has no inventory id"))?;
    let ids = |list: &str, field: &str| -> Vec<String> {
        let mut found: Vec<String> = Vec::new();
        for item in vm[list].as_array().into_iter().flatten() {
            if let Some(id) = item[field]["id"].as_str().or_else(|| item["id"].as_str().filter(|_| field.is_empty()))
                && !found.iter().any(|f| f == id)
            {
                found.push(id.to_owned());
            }
        }
        found
    };
    let mut networks = ids("nics", "network");
    if networks.is_empty() {
        networks = ids("networks", "");
    }
    Ok(SourceVm { name: name.to_owned(), id: id.to_owned(), datastores: ids("disks", "datastore"), networks, facts: vm.clone() })
}

/// StorageMap entries: one per datastore the VMs' disks use, no duplicates.
pub fn storage_entries(vms: &[SourceVm], storage_class: &str) -> Vec<Value> {
    unique(vms.iter().flat_map(|vm| &vm.datastores))
        .into_iter()
        .map(|id| json!({"source": {"id": id}, "destination": {"storageClass": storage_class}}))
        .collect()
}

/// The networks the VMs' NICs use, first use first, no duplicates: the first
/// goes to the pod network, each other one to a NetworkAttachmentDefinition.
pub fn networks_used(vms: &[SourceVm]) -> Vec<String> {
    unique(vms.iter().flat_map(|vm| &vm.networks))
}

fn unique<'a>(ids: impl Iterator<Item = &'a String>) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    for id in ids {
        if !found.contains(id) {
            found.push(id.clone());
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vm(id: &str, disks: &[&str], nics: &[&str]) -> SourceVm {
        let value = json!({
            "id": id,
            "disks": disks.iter().map(|d| json!({"datastore": {"kind": "Datastore", "id": d}})).collect::<Vec<_>>(),
            "nics": nics.iter().map(|n| json!({"network": {"kind": "Network", "id": n}, "mac": "00:50:56:00:00:01"})).collect::<Vec<_>>(),
        });
        source_vm("ns/p", id, value).unwrap()
    }

    #[test]
    fn maps_have_one_entry_per_datastore_and_network() {
        let vms = [vm("vm-1", &["ds-1", "ds-1", "ds-2"], &["net-1", "net-2"]), vm("vm-2", &["ds-2", "ds-3"], &["net-2", "net-1"])];
        let sources: Vec<Value> = storage_entries(&vms, "sc").iter().map(|e| e["source"]["id"].clone()).collect();
        assert_eq!(sources, [json!("ds-1"), json!("ds-2"), json!("ds-3")]);
        assert_eq!(networks_used(&vms), ["net-1", "net-2"]);
    }

    #[test]
    fn a_vm_without_an_id_is_an_error_naming_provider_and_vm() {
        let error = source_vm("ns/vsphere", "web1", json!({"name": "web1"})).unwrap_err();
        assert!(error.contains("ns/vsphere") && error.contains("web1"), "{error}");
    }
}
