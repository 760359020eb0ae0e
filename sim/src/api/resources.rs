//! The resource types the simulator serves: where they live in the URL space, what
//! they are called, and how the server treats them.

use std::sync::LazyLock;

use forklift_crds::{Crd, PrinterColumn};

/// One served resource type.
#[derive(Debug)]
pub(crate) struct ResourceDef {
    /// API group, empty for core (`/api/v1`).
    pub group: &'static str,
    pub version: &'static str,
    pub plural: &'static str,
    pub singular: &'static str,
    pub kind: &'static str,
    pub namespaced: bool,
    pub short_names: Vec<&'static str>,
    /// Whether `/status` is a subresource; then main-resource writes keep the stored status.
    pub status_subresource: bool,
    /// The CRD whose schema validates writes (Forklift kinds only).
    pub crd: Option<&'static Crd>,
    /// Extra field selectors the resource supports beyond `metadata.name`/`metadata.namespace`.
    pub field_selectors: &'static [&'static str],
    pub printer_columns: Vec<PrinterColumn>,
}

impl ResourceDef {
    pub fn api_version(&self) -> String {
        if self.group.is_empty() { self.version.to_string() } else { format!("{}/{}", self.group, self.version) }
    }

    pub fn list_kind(&self) -> String {
        format!("{}List", self.kind)
    }

    pub fn is(&self, group: &str, plural: &str) -> bool {
        self.group == group && self.plural == plural
    }

    pub fn subject<'a>(&'a self, name: &'a str) -> crate::api::errors::Subject<'a> {
        crate::api::errors::Subject { group: self.group, kind: self.kind, plural: self.plural, name }
    }
}

pub(crate) const CORE: &str = "";
pub(crate) const FORKLIFT: &str = "forklift.konveyor.io";
pub(crate) const KUBEVIRT: &str = "kubevirt.io";
pub(crate) const CNI: &str = "k8s.cni.cncf.io";
pub(crate) const CDI: &str = "cdi.kubevirt.io";
pub(crate) const RBAC: &str = "rbac.authorization.k8s.io";
pub(crate) const BATCH: &str = "batch";
pub(crate) const OLM: &str = "operators.coreos.com";
pub(crate) const OPENSHIFT_CONFIG: &str = "config.openshift.io";
pub(crate) const ROUTE: &str = "route.openshift.io";
/// KubeVirt's aggregated API: only the `virtualmachines/start|stop|restart` calls.
pub(crate) const KUBEVIRT_SUBRESOURCES: &str = "subresources.kubevirt.io";

const EVENT_FIELDS: &[&str] = &[
    "involvedObject.kind",
    "involvedObject.namespace",
    "involvedObject.name",
    "involvedObject.uid",
    "involvedObject.apiVersion",
    "involvedObject.resourceVersion",
    "involvedObject.fieldPath",
    "reason",
    "type",
    "source",
];

struct Plain {
    group: &'static str,
    version: &'static str,
    plural: &'static str,
    singular: &'static str,
    kind: &'static str,
    namespaced: bool,
    short_names: &'static [&'static str],
    status_subresource: bool,
    field_selectors: &'static [&'static str],
}

const PLAIN: &[Plain] = &[
    Plain {
        group: CORE,
        version: "v1",
        plural: "namespaces",
        singular: "namespace",
        kind: "Namespace",
        namespaced: false,
        short_names: &["ns"],
        status_subresource: true,
        field_selectors: &["status.phase"],
    },
    Plain {
        group: CORE,
        version: "v1",
        plural: "secrets",
        singular: "secret",
        kind: "Secret",
        namespaced: true,
        short_names: &[],
        status_subresource: false,
        field_selectors: &["type"],
    },
    Plain {
        group: CORE,
        version: "v1",
        plural: "configmaps",
        singular: "configmap",
        kind: "ConfigMap",
        namespaced: true,
        short_names: &["cm"],
        status_subresource: false,
        field_selectors: &[],
    },
    Plain {
        group: CORE,
        version: "v1",
        plural: "pods",
        singular: "pod",
        kind: "Pod",
        namespaced: true,
        short_names: &["po"],
        status_subresource: true,
        field_selectors: &["status.phase", "spec.nodeName"],
    },
    Plain {
        group: CORE,
        version: "v1",
        plural: "events",
        singular: "event",
        kind: "Event",
        namespaced: true,
        short_names: &["ev"],
        status_subresource: false,
        field_selectors: EVENT_FIELDS,
    },
    Plain {
        group: CORE,
        version: "v1",
        plural: "persistentvolumeclaims",
        singular: "persistentvolumeclaim",
        kind: "PersistentVolumeClaim",
        namespaced: true,
        short_names: &["pvc"],
        status_subresource: true,
        field_selectors: &[],
    },
    // What `mtv-host job render` creates, so its manifests apply here as on a cluster.
    Plain {
        group: CORE,
        version: "v1",
        plural: "serviceaccounts",
        singular: "serviceaccount",
        kind: "ServiceAccount",
        namespaced: true,
        short_names: &["sa"],
        status_subresource: false,
        field_selectors: &[],
    },
    Plain {
        group: RBAC,
        version: "v1",
        plural: "clusterroles",
        singular: "clusterrole",
        kind: "ClusterRole",
        namespaced: false,
        short_names: &[],
        status_subresource: false,
        field_selectors: &[],
    },
    Plain {
        group: RBAC,
        version: "v1",
        plural: "clusterrolebindings",
        singular: "clusterrolebinding",
        kind: "ClusterRoleBinding",
        namespaced: false,
        short_names: &[],
        status_subresource: false,
        field_selectors: &[],
    },
    Plain {
        group: BATCH,
        version: "v1",
        plural: "jobs",
        singular: "job",
        kind: "Job",
        namespaced: true,
        short_names: &[],
        status_subresource: true,
        field_selectors: &[],
    },
    Plain {
        group: KUBEVIRT,
        version: "v1",
        plural: "virtualmachines",
        singular: "virtualmachine",
        kind: "VirtualMachine",
        namespaced: true,
        short_names: &["vm", "vms"],
        status_subresource: true,
        field_selectors: &[],
    },
    Plain {
        group: KUBEVIRT,
        version: "v1",
        plural: "virtualmachineinstances",
        singular: "virtualmachineinstance",
        kind: "VirtualMachineInstance",
        namespaced: true,
        short_names: &["vmi", "vmis"],
        status_subresource: true,
        field_selectors: &[],
    },
    Plain {
        group: OLM,
        version: "v1alpha1",
        plural: "subscriptions",
        singular: "subscription",
        kind: "Subscription",
        namespaced: true,
        short_names: &["sub", "subs"],
        status_subresource: true,
        field_selectors: &[],
    },
    Plain {
        group: OLM,
        version: "v1alpha1",
        plural: "clusterserviceversions",
        singular: "clusterserviceversion",
        kind: "ClusterServiceVersion",
        namespaced: true,
        short_names: &["csv", "csvs"],
        status_subresource: true,
        field_selectors: &[],
    },
    Plain {
        group: OPENSHIFT_CONFIG,
        version: "v1",
        plural: "clusterversions",
        singular: "clusterversion",
        kind: "ClusterVersion",
        namespaced: false,
        short_names: &[],
        status_subresource: true,
        field_selectors: &[],
    },
    Plain {
        group: ROUTE,
        version: "v1",
        plural: "routes",
        singular: "route",
        kind: "Route",
        namespaced: true,
        short_names: &[],
        status_subresource: true,
        field_selectors: &[],
    },
    Plain {
        group: CNI,
        version: "v1",
        plural: "network-attachment-definitions",
        singular: "network-attachment-definition",
        kind: "NetworkAttachmentDefinition",
        namespaced: true,
        short_names: &["net-attach-def"],
        status_subresource: false,
        field_selectors: &[],
    },
    Plain {
        group: CDI,
        version: "v1beta1",
        plural: "datavolumes",
        singular: "datavolume",
        kind: "DataVolume",
        namespaced: true,
        short_names: &["dv", "dvs"],
        status_subresource: true,
        field_selectors: &[],
    },
];

static RESOURCES: LazyLock<Vec<ResourceDef>> = LazyLock::new(|| {
    let mut all: Vec<ResourceDef> = PLAIN
        .iter()
        .map(|p| ResourceDef {
            group: p.group,
            version: p.version,
            plural: p.plural,
            singular: p.singular,
            kind: p.kind,
            namespaced: p.namespaced,
            short_names: p.short_names.to_vec(),
            status_subresource: p.status_subresource,
            crd: None,
            field_selectors: p.field_selectors,
            printer_columns: Vec::new(),
        })
        .collect();
    all.extend(forklift_crds::crds().iter().map(|crd| ResourceDef {
        group: crd.group.as_str(),
        version: crd.version.as_str(),
        plural: crd.plural.as_str(),
        singular: crd.singular.as_str(),
        kind: crd.kind.as_str(),
        namespaced: crd.namespaced,
        short_names: crd.short_names.iter().map(String::as_str).collect(),
        status_subresource: crd.status_subresource,
        crd: Some(crd),
        field_selectors: &[],
        printer_columns: crd.printer_columns.clone(),
    }));
    all
});

/// Every served resource.
pub(crate) fn all() -> &'static [ResourceDef] {
    &RESOURCES
}

/// Looks a resource up by group, version and plural, as in a URL.
pub(crate) fn find(group: &str, version: &str, plural: &str) -> Option<&'static ResourceDef> {
    all().iter().find(|r| r.group == group && r.version == version && r.plural == plural)
}

/// Looks a resource up by group and plural (any version), for the controller.
pub(crate) fn get(group: &str, plural: &str) -> &'static ResourceDef {
    all().iter().find(|r| r.is(group, plural)).unwrap_or_else(|| panic!("resource {plural}.{group} is not registered"))
}

/// Group/version pairs served under `/apis`, in a stable order.
pub(crate) fn groups() -> Vec<(&'static str, &'static str)> {
    let mut groups: Vec<(&'static str, &'static str)> = vec![(KUBEVIRT_SUBRESOURCES, "v1")];
    for r in all().iter().filter(|r| !r.group.is_empty()) {
        if !groups.contains(&(r.group, r.version)) {
            groups.push((r.group, r.version));
        }
    }
    groups
}
