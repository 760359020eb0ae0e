//! What OpenShift with MTV installed has besides Forklift's own objects: the
//! operator's OLM Subscription and ClusterServiceVersion, the ClusterVersion,
//! the forklift-* pods, and the `forklift-inventory` Route. Their health
//! follows the `operator_failed` scenario knob.

use serde_json::{Value, json};

use crate::api::resources::{self, CORE, OLM, OPENSHIFT_CONFIG, ROUTE};
use crate::scenario::{Scenario, ScenarioHandle};
use crate::store::Store;

/// The namespace the Forklift operator lives in on OpenShift.
pub(crate) const MTV_NAMESPACE: &str = "openshift-mtv";
/// The OpenShift release the simulated cluster reports.
pub(crate) const OPENSHIFT_VERSION: &str = "4.20.0";
const CSV_NAME: &str = "mtv-operator.v2.10.0";
const MTV_VERSION: &str = "2.10.0";
/// The pods of a healthy MTV install, `forklift-controller` first.
const PODS: [&str; 4] = [
    "forklift-controller-6c7b9f8d4-x2k9q",
    "forklift-api-5d8f7c6b9-m4n7p",
    "forklift-validation-7f9c8d5b6-q8r2t",
    "forklift-ui-plugin-8b6d4c7f5-h3j6w",
];

fn create(store: &Store, group: &str, plural: &str, object: Value) -> anyhow::Result<()> {
    store.create(resources::get(group, plural), object).map(|_| ()).map_err(|e| anyhow::anyhow!(e.message))
}

/// Creates the objects; `inventory_host` is the `host:port` of the HTTPS inventory.
pub(crate) fn seed(store: &Store, scenario: &ScenarioHandle, inventory_host: &str) -> anyhow::Result<()> {
    let now = crate::time::now_rfc3339();
    create(
        store,
        OLM,
        "subscriptions",
        json!({
            "apiVersion": "operators.coreos.com/v1alpha1",
            "kind": "Subscription",
            "metadata": {"name": "mtv-operator", "namespace": MTV_NAMESPACE},
            "spec": {"channel": "release-v2.10", "installPlanApproval": "Automatic", "name": "mtv-operator",
                     "source": "redhat-operators", "sourceNamespace": "openshift-marketplace", "startingCSV": CSV_NAME},
            "status": {"currentCSV": CSV_NAME, "installedCSV": CSV_NAME, "state": "AtLatestKnown", "lastUpdated": now},
        }),
    )?;
    create(
        store,
        OLM,
        "clusterserviceversions",
        json!({
            "apiVersion": "operators.coreos.com/v1alpha1",
            "kind": "ClusterServiceVersion",
            "metadata": {"name": CSV_NAME, "namespace": MTV_NAMESPACE},
            "spec": {"displayName": "Migration Toolkit for Virtualization Operator", "version": MTV_VERSION, "replaces": "mtv-operator.v2.9.0"},
            "status": {},
        }),
    )?;
    create(
        store,
        OPENSHIFT_CONFIG,
        "clusterversions",
        json!({
            "apiVersion": "config.openshift.io/v1",
            "kind": "ClusterVersion",
            "metadata": {"name": "version"},
            "spec": {"channel": "stable-4.20", "clusterID": "5d3b2a8e-3c1f-4a6e-9f0b-2d7c8e1a4b6f"},
            "status": {
                "desired": {"version": OPENSHIFT_VERSION, "image": format!("quay.io/openshift-release-dev/ocp-release:{OPENSHIFT_VERSION}-x86_64")},
                "history": [{"state": "Completed", "version": OPENSHIFT_VERSION, "startedTime": now, "completionTime": now, "verified": true}],
                "observedGeneration": 1,
                "conditions": [
                    {"type": "Available", "status": "True", "lastTransitionTime": now, "message": format!("Done applying {OPENSHIFT_VERSION}")},
                    {"type": "Progressing", "status": "False", "lastTransitionTime": now, "message": format!("Cluster version is {OPENSHIFT_VERSION}")},
                ],
            },
        }),
    )?;
    for name in PODS {
        let app = name.rsplitn(3, '-').last().unwrap_or(name);
        create(
            store,
            CORE,
            "pods",
            json!({
                "apiVersion": "v1",
                "kind": "Pod",
                "metadata": {"name": name, "namespace": MTV_NAMESPACE, "labels": {"app": "forklift", "service": app}},
                "spec": {"containers": [{"name": app, "image": format!("registry.redhat.io/mtv/{app}:{MTV_VERSION}")}]},
                "status": {},
            }),
        )?;
    }
    create(
        store,
        ROUTE,
        "routes",
        json!({
            "apiVersion": "route.openshift.io/v1",
            "kind": "Route",
            "metadata": {"name": "forklift-inventory", "namespace": MTV_NAMESPACE, "labels": {"app": "forklift", "service": "forklift-inventory"}},
            "spec": {
                "host": inventory_host,
                "to": {"kind": "Service", "name": "forklift-inventory", "weight": 100},
                "port": {"targetPort": 8443},
                "tls": {"termination": "reencrypt", "insecureEdgeTerminationPolicy": "Redirect"},
                "wildcardPolicy": "None",
            },
            "status": {"ingress": [{"host": inventory_host, "routerName": "default", "wildcardPolicy": "None",
                "conditions": [{"type": "Admitted", "status": "True", "lastTransitionTime": now}]}]},
        }),
    )?;
    reconcile(store, scenario);
    Ok(())
}

/// Sets the CSV phase and the pods' states from the `operator_failed` knob:
/// healthy is CSV `Succeeded` and every pod Running and Ready; failed is CSV
/// `Failed` and `forklift-controller` in CrashLoopBackOff.
pub(crate) fn reconcile(store: &Store, scenario: &ScenarioHandle) {
    set_cluster_version(store, &openshift_version(&scenario.get()));
    let failed = scenario.get().operator_failed;
    let now = crate::time::now_rfc3339();
    let csv_status = if failed {
        json!({"phase": "Failed", "reason": "InstallCheckFailed", "message": "install failed: deployment forklift-controller not ready before timeout",
               "lastTransitionTime": now})
    } else {
        json!({"phase": "Succeeded", "reason": "InstallSucceeded", "message": "install strategy completed with no errors", "lastTransitionTime": now})
    };
    set_status(store, OLM, "clusterserviceversions", CSV_NAME, csv_status);
    for (i, name) in PODS.iter().enumerate() {
        let crashing = failed && i == 0;
        set_status(store, CORE, "pods", name, pod_status(crashing, &now));
    }
}

/// The release the cluster reports: the `openshift_version` knob, else 4.20.0.
pub(crate) fn openshift_version(scenario: &Scenario) -> String {
    scenario.openshift_version.clone().unwrap_or_else(|| OPENSHIFT_VERSION.to_owned())
}

/// Points ClusterVersion `version` at `version`, as an upgrade that completed would.
fn set_cluster_version(store: &Store, version: &str) {
    let resource = resources::get(OPENSHIFT_CONFIG, "clusterversions");
    let Some(current) = store.get(resource, "", "version") else { return };
    if current["status"]["desired"]["version"] == version {
        return;
    }
    let result = store.update(resource, "", "version", |current| {
        let mut next = current.as_ref().clone();
        next["status"]["desired"]["version"] = json!(version);
        next["status"]["history"][0]["version"] = json!(version);
        Ok(next)
    });
    if let Err(e) = result {
        tracing::debug!(error = %e.message, "cannot set the cluster version");
    }
}

fn pod_status(crashing: bool, now: &str) -> Value {
    let ready = if crashing { "False" } else { "True" };
    let state = if crashing {
        json!({"waiting": {"reason": "CrashLoopBackOff", "message": "back-off 5m0s restarting failed container"}})
    } else {
        json!({"running": {"startedAt": now}})
    };
    json!({
        "phase": if crashing { "Pending" } else { "Running" },
        "conditions": [
            {"type": "Initialized", "status": "True", "lastTransitionTime": now},
            {"type": "Ready", "status": ready, "lastTransitionTime": now},
            {"type": "ContainersReady", "status": ready, "lastTransitionTime": now},
            {"type": "PodScheduled", "status": "True", "lastTransitionTime": now},
        ],
        "containerStatuses": [{"name": "main", "ready": !crashing, "restartCount": if crashing { 7 } else { 0 }, "started": !crashing, "state": state}],
        "startTime": now,
    })
}

fn set_status(store: &Store, group: &str, plural: &str, name: &str, status: Value) {
    let resource = resources::get(group, plural);
    let Some(current) = store.get(resource, MTV_NAMESPACE, name) else { return };
    // Only a change of state is written, so a knob change elsewhere leaves these alone.
    if current["status"]["phase"] == status["phase"] {
        return;
    }
    let result = store.update(resource, MTV_NAMESPACE, name, |current| {
        let mut next = current.as_ref().clone();
        next["status"] = status;
        Ok(next)
    });
    if let Err(e) = result {
        tracing::debug!(plural, name, error = %e.message, "cannot set the platform status");
    }
}
