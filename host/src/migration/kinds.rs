//! The Kubernetes kinds a migration test creates or reads, and where each
//! lives in the API.

use kube::api::{ApiResource, GroupVersionKind};
use serde::Serialize;

const FORKLIFT: &str = "forklift.konveyor.io";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum Kind {
    Namespace,
    Secret,
    Event,
    NetworkAttachmentDefinition,
    VirtualMachine,
    Provider,
    NetworkMap,
    StorageMap,
    Hook,
    Plan,
    Migration,
}

impl Kind {
    /// `(group, version, kind, plural)`
    fn coordinates(self) -> (&'static str, &'static str, &'static str, &'static str) {
        match self {
            Self::Namespace => ("", "v1", "Namespace", "namespaces"),
            Self::Secret => ("", "v1", "Secret", "secrets"),
            Self::Event => ("", "v1", "Event", "events"),
            Self::NetworkAttachmentDefinition => ("k8s.cni.cncf.io", "v1", "NetworkAttachmentDefinition", "network-attachment-definitions"),
            Self::VirtualMachine => ("kubevirt.io", "v1", "VirtualMachine", "virtualmachines"),
            Self::Provider => (FORKLIFT, "v1beta1", "Provider", "providers"),
            Self::NetworkMap => (FORKLIFT, "v1beta1", "NetworkMap", "networkmaps"),
            Self::StorageMap => (FORKLIFT, "v1beta1", "StorageMap", "storagemaps"),
            Self::Hook => (FORKLIFT, "v1beta1", "Hook", "hooks"),
            Self::Plan => (FORKLIFT, "v1beta1", "Plan", "plans"),
            Self::Migration => (FORKLIFT, "v1beta1", "Migration", "migrations"),
        }
    }

    pub fn name(self) -> &'static str {
        self.coordinates().2
    }

    pub fn api_version(self) -> String {
        let (group, version, _, _) = self.coordinates();
        if group.is_empty() { version.to_owned() } else { format!("{group}/{version}") }
    }

    pub fn namespaced(self) -> bool {
        self != Self::Namespace
    }

    pub fn api_resource(self) -> ApiResource {
        let (group, version, kind, plural) = self.coordinates();
        ApiResource::from_gvk_with_plural(&GroupVersionKind::gvk(group, version, kind), plural)
    }

    /// Deletion order inside a test namespace, as the original suite tears
    /// down: what references others goes first, so nothing is recreated or
    /// left blocked behind a finalizer. The namespace goes last, on its own.
    pub const TEARDOWN_ORDER: [Kind; 9] = [
        Kind::Migration,
        Kind::Plan,
        Kind::Provider,
        Kind::Hook,
        Kind::Secret,
        Kind::NetworkAttachmentDefinition,
        Kind::StorageMap,
        Kind::NetworkMap,
        Kind::VirtualMachine,
    ];
}

impl std::fmt::Display for Kind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}
