//! Teardown of one test's objects, in the original suite's order: cancel
//! running Migrations, archive Plans, delete Migration → Plan → Provider →
//! Hook → Secret → NetworkAttachmentDefinition → StorageMap → NetworkMap →
//! VirtualMachine (every VM in the namespace, migrated ones included), then
//! the namespace, waiting until it is gone. What cannot be deleted is a
//! leftover, reported and listed in `resources.json`.

use std::time::Duration;

use serde::Serialize;
use serde_json::{Value, json};

use super::cluster::{Cluster, CreatedResource};
use super::kinds::Kind;
use super::wait::{Check, true_condition, wait_for};

/// An object teardown could not remove, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Leftover {
    pub kind: Kind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    pub name: String,
    pub problem: String,
}

/// Removes what `created` lists (one test's objects) and its namespace.
pub async fn teardown(cluster: &Cluster, namespace: &str, created: &[CreatedResource], timeout: Duration) -> Vec<Leftover> {
    let mut leftovers = Vec::new();
    let of_kind = |kind: Kind| created.iter().filter(move |r| r.kind == kind);
    for migration in of_kind(Kind::Migration) {
        if let Err(problem) = cancel_if_running(cluster, migration).await {
            tracing::debug!("{problem}");
        }
    }
    for plan in of_kind(Kind::Plan) {
        let archive = json!({"spec": {"archived": true}});
        if let Err(error) = cluster.patch(Kind::Plan, plan.namespace.as_deref(), &plan.name, &archive).await {
            tracing::debug!("archiving Plan {}: {error}", plan.name);
        }
    }
    for kind in Kind::TEARDOWN_ORDER {
        for resource in of_kind(kind) {
            if let Err(error) = cluster.delete(kind, resource.namespace.as_deref(), &resource.name).await {
                leftovers.push(leftover(kind, resource.namespace.clone(), &resource.name, error.to_string()));
            }
        }
    }
    match cluster.list(Kind::VirtualMachine, Some(namespace)).await {
        Ok(vms) => {
            for vm in vms {
                let name = vm["metadata"]["name"].as_str().unwrap_or_default();
                if let Err(error) = cluster.delete(Kind::VirtualMachine, Some(namespace), name).await {
                    leftovers.push(leftover(Kind::VirtualMachine, Some(namespace.to_owned()), name, error.to_string()));
                }
            }
        }
        Err(error) => tracing::debug!("listing VirtualMachines in {namespace}: {error}"),
    }
    let namespace_created = of_kind(Kind::Namespace).any(|r| r.name == namespace);
    if namespace_created {
        let gone = match cluster.delete(Kind::Namespace, None, namespace).await {
            Ok(_) => wait_for(cluster, Kind::Namespace, None, namespace, "be deleted", timeout, |object| match object {
                None => Check::Done(()),
                Some(_) => Check::Pending,
            })
            .await
            .map_err(|e| e.to_string()),
            Err(error) => Err(error.to_string()),
        };
        if let Err(problem) = gone {
            leftovers.push(leftover(Kind::Namespace, None, namespace, problem));
        }
    }
    leftovers
}

impl Leftover {
    /// An object the run created and never got to delete (a second signal).
    pub fn not_torn_down(resource: CreatedResource) -> Self {
        let problem = "not torn down: the run was stopped before teardown".to_owned();
        Self { kind: resource.kind, namespace: resource.namespace, name: resource.name, problem }
    }
}

fn leftover(kind: Kind, namespace: Option<String>, name: &str, problem: String) -> Leftover {
    Leftover { kind, namespace, name: name.to_owned(), problem }
}

/// Forklift cancels VMs listed in `spec.cancel`; a finished Migration is left alone.
async fn cancel_if_running(cluster: &Cluster, migration: &CreatedResource) -> Result<(), String> {
    let ns = migration.namespace.as_deref();
    let Some(current) = cluster.get(Kind::Migration, ns, &migration.name).await.map_err(|e| e.to_string())? else {
        return Ok(());
    };
    if is_finished(&current) {
        return Ok(());
    }
    let cancel: Vec<Value> = current
        .pointer("/status/vms")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|vm| json!({"id": vm["id"], "name": vm["name"]}))
        .collect();
    if cancel.is_empty() {
        return Ok(());
    }
    cluster.patch(Kind::Migration, ns, &migration.name, &json!({"spec": {"cancel": cancel}})).await.map(|_| ()).map_err(|e| e.to_string())
}

fn is_finished(migration: &Value) -> bool {
    ["Succeeded", "Failed", "Canceled"].iter().any(|kind| true_condition(migration, kind).is_some())
}
