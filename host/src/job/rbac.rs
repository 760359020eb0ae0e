//! The API access the host needs in-cluster: only the verbs and resources
//! a run uses. Tests create and delete their own namespaces, so the grant
//! is cluster-wide.

/// (API group, resources, verbs).
pub const HOST_PERMISSIONS: &[(&str, &[&str], &[&str])] = &[
    ("", &["namespaces"], &["get", "list", "create", "delete"]),
    ("", &["secrets"], &["get", "list", "create", "patch", "delete"]),
    ("", &["events", "pods"], &["get", "list"]),
    (
        "forklift.konveyor.io",
        &["providers", "storagemaps", "networkmaps", "plans", "migrations", "hooks"],
        &["get", "list", "watch", "create", "patch", "update", "delete"],
    ),
    ("forklift.konveyor.io", &["vspherexcopyvolumepopulators"], &["get", "list"]),
    ("kubevirt.io", &["virtualmachines"], &["get", "list", "delete"]),
    ("k8s.cni.cncf.io", &["network-attachment-definitions"], &["get", "create", "delete"]),
];
