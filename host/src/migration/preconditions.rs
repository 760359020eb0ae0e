//! What a session checks on the cluster before any test starts: MTV is
//! installed and running — the operator's OLM Subscription with its
//! ClusterServiceVersion `Succeeded`, and the forklift pods (a
//! `forklift-controller-*` among them) Running. Also reads the cluster's
//! OpenShift version, which decides formats such as the VM serial.

use kube::api::{Api, ApiResource, DynamicObject, GroupVersionKind, ListParams};
use serde_json::Value;

/// The namespace MTV installs into.
pub const MTV_NAMESPACE: &str = "openshift-mtv";
/// The operator's Subscription in it.
pub const MTV_SUBSCRIPTION: &str = "mtv-operator";

fn resource(group: &str, version: &str, kind: &str, plural: &str) -> ApiResource {
    ApiResource::from_gvk_with_plural(&GroupVersionKind::gvk(group, version, kind), plural)
}

async fn get(client: &kube::Client, resource: &ApiResource, namespace: Option<&str>, name: &str) -> Result<Option<Value>, String> {
    let api: Api<DynamicObject> = match namespace {
        Some(ns) => Api::namespaced_with(client.clone(), ns, resource),
        None => Api::all_with(client.clone(), resource),
    };
    match api.get_opt(name).await {
        Ok(found) => Ok(found.and_then(|o| serde_json::to_value(o).ok())),
        // The API group is not served at all: not OpenShift, or OLM missing.
        Err(kube::Error::Api(status)) if status.code == 404 => Ok(None),
        Err(e) => Err(format!("reading {} {name}: {e}", resource.kind)),
    }
}

fn text<'a>(value: &'a Value, pointer: &str) -> &'a str {
    value.pointer(pointer).and_then(Value::as_str).unwrap_or_default()
}

/// `Ok` when MTV is installed and its pods run; otherwise every problem
/// found, with what to look at, in one message.
pub async fn check_mtv_installed(client: &kube::Client) -> Result<(), String> {
    let mut problems = Vec::new();
    let subscriptions = resource("operators.coreos.com", "v1alpha1", "Subscription", "subscriptions");
    let csvs = resource("operators.coreos.com", "v1alpha1", "ClusterServiceVersion", "clusterserviceversions");
    match get(client, &subscriptions, Some(MTV_NAMESPACE), MTV_SUBSCRIPTION).await? {
        None => problems.push(format!("the Subscription {MTV_NAMESPACE}/{MTV_SUBSCRIPTION} does not exist: install the MTV operator")),
        Some(subscription) => {
            let csv_name = match text(&subscription, "/status/installedCSV") {
                "" => text(&subscription, "/status/currentCSV"),
                name => name,
            };
            if csv_name.is_empty() {
                problems.push(format!("the Subscription {MTV_NAMESPACE}/{MTV_SUBSCRIPTION} has installed no ClusterServiceVersion yet"));
            } else {
                match get(client, &csvs, Some(MTV_NAMESPACE), csv_name).await? {
                    None => problems.push(format!("the ClusterServiceVersion {MTV_NAMESPACE}/{csv_name} does not exist")),
                    Some(csv) if text(&csv, "/status/phase") == "Succeeded" => {}
                    Some(csv) => problems.push(format!(
                        "the ClusterServiceVersion {MTV_NAMESPACE}/{csv_name} is {:?}, not Succeeded ({}: {})",
                        text(&csv, "/status/phase"),
                        text(&csv, "/status/reason"),
                        text(&csv, "/status/message"),
                    )),
                }
            }
        }
    }
    let pods: Api<DynamicObject> = Api::namespaced_with(client.clone(), MTV_NAMESPACE, &resource("", "v1", "Pod", "pods"));
    let pods = pods.list(&ListParams::default()).await.map_err(|e| format!("listing the pods in {MTV_NAMESPACE}: {e}"))?;
    let forklift: Vec<Value> = pods
        .items
        .into_iter()
        .filter_map(|p| serde_json::to_value(p).ok())
        .filter(|p| text(p, "/metadata/name").starts_with("forklift-"))
        .collect();
    if !forklift.iter().any(|p| text(p, "/metadata/name").starts_with("forklift-controller-")) {
        problems.push(format!("no forklift-controller pod in {MTV_NAMESPACE}"));
    }
    for pod in forklift.iter().filter(|p| text(p, "/status/phase") != "Running") {
        let waiting = pod
            .pointer("/status/containerStatuses")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(|c| text(c, "/state/waiting/reason"))
            .find(|r| !r.is_empty())
            .map(|r| format!(" ({r})"))
            .unwrap_or_default();
        problems.push(format!(
            "the pod {MTV_NAMESPACE}/{} is {:?}, not Running{waiting}",
            text(pod, "/metadata/name"),
            text(pod, "/status/phase")
        ));
    }
    if problems.is_empty() {
        return Ok(());
    }
    Err(format!(
        "MTV is not ready on the cluster, so no test was started:\n  - {}\n(look at `oc get subscription,csv,pods -n {MTV_NAMESPACE}`)",
        problems.join("\n  - ")
    ))
}

/// The cluster's OpenShift version (`ClusterVersion/version`, e.g. `4.20.0`):
/// the desired version once its update completed. `None` when the cluster is
/// not OpenShift.
pub async fn cluster_version(client: &kube::Client) -> Result<Option<String>, String> {
    let versions = resource("config.openshift.io", "v1", "ClusterVersion", "clusterversions");
    let Some(version) = get(client, &versions, None, "version").await? else { return Ok(None) };
    let completed = version
        .pointer("/status/history")
        .and_then(Value::as_array)
        .and_then(|h| h.iter().find(|entry| text(entry, "/state") == "Completed"))
        .map(|entry| text(entry, "/version"));
    Ok(completed.or_else(|| Some(text(&version, "/status/desired/version"))).filter(|v| !v.is_empty()).map(str::to_owned))
}
