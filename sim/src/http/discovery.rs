//! Discovery documents (`/api`, `/apis`, `/apis/<group>/<version>`, `/version`), so
//! `kube` and `kubectl` can map kinds to URLs.

use serde_json::{Value, json};

use crate::api::resources::{self, KUBEVIRT_SUBRESOURCES, ResourceDef};

const VERBS: [&str; 8] = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];

pub(crate) fn version() -> Value {
    json!({
        "major": "1",
        "minor": "33",
        "gitVersion": "v1.33.0+mtv-sim",
        "gitCommit": "0000000000000000000000000000000000000000",
        "gitTreeState": "clean",
        "buildDate": "2026-01-01T00:00:00Z",
        "goVersion": "go1.24.0",
        "compiler": "gc",
        "platform": "linux/amd64",
    })
}

pub(crate) fn core_versions(server_address: &str) -> Value {
    json!({
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": server_address}],
    })
}

fn group_doc(group: &str, version: &str) -> Value {
    let group_version = json!({"groupVersion": format!("{group}/{version}"), "version": version});
    json!({"name": group, "versions": [group_version], "preferredVersion": group_version})
}

pub(crate) fn group_list() -> Value {
    let groups: Vec<Value> = resources::groups().into_iter().map(|(g, v)| group_doc(g, v)).collect();
    json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": groups})
}

/// The `APIGroup` document of one group, if served.
pub(crate) fn group(name: &str) -> Option<Value> {
    let (group, version) = resources::groups().into_iter().find(|(g, _)| *g == name)?;
    let mut doc = group_doc(group, version);
    doc["kind"] = json!("APIGroup");
    doc["apiVersion"] = json!("v1");
    Some(doc)
}

fn resource_entries(resource: &ResourceDef) -> Vec<Value> {
    let mut main = json!({
        "name": resource.plural,
        "singularName": resource.singular,
        "namespaced": resource.namespaced,
        "kind": resource.kind,
        "verbs": VERBS,
    });
    if !resource.short_names.is_empty() {
        main["shortNames"] = json!(resource.short_names);
    }
    let mut entries = vec![main];
    if resource.status_subresource {
        entries.push(json!({
            "name": format!("{}/status", resource.plural),
            "singularName": "",
            "namespaced": resource.namespaced,
            "kind": resource.kind,
            "verbs": ["get", "patch", "update"],
        }));
    }
    entries
}

/// KubeVirt's power calls: subresources of `virtualmachines` in a group of their own.
fn kubevirt_subresources() -> Value {
    let entries: Vec<Value> = ["start", "stop", "restart"]
        .iter()
        .map(|action| {
            json!({"name": format!("virtualmachines/{action}"), "singularName": "", "namespaced": true, "kind": "VirtualMachine", "verbs": ["update"]})
        })
        .collect();
    json!({"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": format!("{KUBEVIRT_SUBRESOURCES}/v1"), "resources": entries})
}

/// The `APIResourceList` of one group/version (`""` for core), if served.
pub(crate) fn resource_list(group: &str, version: &str) -> Option<Value> {
    if (group, version) == (KUBEVIRT_SUBRESOURCES, "v1") {
        return Some(kubevirt_subresources());
    }
    let served: Vec<&ResourceDef> = resources::all().iter().filter(|r| r.group == group && r.version == version).collect();
    if served.is_empty() {
        return None;
    }
    let group_version = if group.is_empty() { version.to_string() } else { format!("{group}/{version}") };
    let entries: Vec<Value> = served.into_iter().flat_map(resource_entries).collect();
    Some(json!({"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": group_version, "resources": entries}))
}

fn group_version_path(group: &str, version: &str) -> String {
    if group.is_empty() { format!("api/{version}") } else { format!("apis/{group}/{version}") }
}

/// The OpenAPI v3 index. Only what `kubectl` needs to see that the server validates
/// fields itself (`fieldValidation`), so `kubectl apply`/`create` work without
/// `--validate=false`; there are no schemas in it.
pub(crate) fn openapi_index() -> Value {
    let mut pairs: Vec<(&str, &str)> = vec![("", "v1")];
    // Only groups with objects have schemas; KubeVirt's power calls have none.
    pairs.extend(resources::groups().into_iter().filter(|(g, _)| *g != KUBEVIRT_SUBRESOURCES));
    let paths: serde_json::Map<String, Value> = pairs
        .into_iter()
        .map(|(g, v)| {
            let path = group_version_path(g, v);
            let url = format!("/openapi/v3/{path}");
            (path, json!({"serverRelativeURL": url}))
        })
        .collect();
    json!({"paths": paths})
}

/// The OpenAPI v3 document of one group/version: every object path with a PATCH
/// operation that takes `fieldValidation`.
pub(crate) fn openapi_group_version(path: &str) -> Option<Value> {
    let served: Vec<&ResourceDef> = resources::all().iter().filter(|r| group_version_path(r.group, r.version) == path).collect();
    if served.is_empty() {
        return None;
    }
    let paths: serde_json::Map<String, Value> = served
        .into_iter()
        .map(|r| {
            let item = if r.namespaced {
                format!("/{path}/namespaces/{{namespace}}/{}/{{name}}", r.plural)
            } else {
                format!("/{path}/{}/{{name}}", r.plural)
            };
            let operation = json!({
                "x-kubernetes-group-version-kind": {"group": r.group, "version": r.version, "kind": r.kind},
                "parameters": [
                    {"name": "fieldValidation", "in": "query", "schema": {"type": "string", "uniqueItems": true}},
                    {"name": "dryRun", "in": "query", "schema": {"type": "string", "uniqueItems": true}},
                ],
                "responses": {"200": {"description": "OK"}},
            });
            (item, json!({"patch": operation}))
        })
        .collect();
    Some(json!({"openapi": "3.0.0", "info": {"title": "mtv-sim", "version": "v1.33.0"}, "paths": paths}))
}
