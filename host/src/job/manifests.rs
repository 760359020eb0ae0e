//! Typed Kubernetes objects (k8s-openapi) for an in-cluster run, so the
//! output is valid by construction for Job, ServiceAccount, ClusterRole,
//! ClusterRoleBinding, PersistentVolumeClaim and the report reader Pod.

use super::rbac::HOST_PERMISSIONS;
use k8s_openapi::api::batch::v1::{Job, JobSpec};
use k8s_openapi::api::core::v1::{
    Container, EnvVar, PersistentVolumeClaim, PersistentVolumeClaimSpec, PersistentVolumeClaimVolumeSource, Pod, PodSecurityContext,
    PodSpec, PodTemplateSpec, ResourceRequirements, SecretVolumeSource, SecurityContext, ServiceAccount, Volume, VolumeMount,
    VolumeResourceRequirements,
};
use k8s_openapi::api::rbac::v1::{ClusterRole, ClusterRoleBinding, PolicyRule, RoleRef, Subject};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use std::collections::BTreeMap;

/// Where things are inside the container.
const SECRET_DIR: &str = "/etc/mtv-test-config";
const REPORTS_DIR: &str = "/reports";

#[derive(Debug, Clone)]
pub struct JobOptions {
    pub name: String,
    pub namespace: String,
    pub image: String,
    pub shards: u32,
    /// The Secret made with `oc create secret generic <name> --from-file=providers.json=… --from-file=mtv-host.toml=… …`.
    pub secret_name: String,
    /// Extra arguments for `mtv-host run` (e.g. `-m tier0`).
    pub run_args: Vec<String>,
    pub reports_size: String,
    pub cpu: String,
    pub memory: String,
    /// The pods log in with the Secret's `cluster_host`, `cluster_username`
    /// and `cluster_password` (`--cluster login`) instead of acting as a
    /// ServiceAccount bound to the host's ClusterRole.
    pub login: bool,
}

impl Default for JobOptions {
    fn default() -> Self {
        JobOptions {
            name: "mtv-tests".into(),
            namespace: "mtv-tests".into(),
            image: "quay.io/example/mtv-host:latest".into(),
            shards: 4,
            secret_name: "mtv-test-config".into(),
            run_args: Vec::new(),
            reports_size: "1Gi".into(),
            cpu: "500m".into(),
            memory: "512Mi".into(),
            login: false,
        }
    }
}

fn meta(name: &str, namespace: Option<&str>) -> ObjectMeta {
    ObjectMeta {
        name: Some(name.to_string()),
        namespace: namespace.map(str::to_string),
        labels: Some(BTreeMap::from([("app.kubernetes.io/name".to_string(), "mtv-host".to_string())])),
        ..Default::default()
    }
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

/// The `sh -c` line of each pod: its completion index becomes its shard.
fn run_command(options: &JobOptions) -> String {
    let extra: String = options.run_args.iter().map(|a| format!(" '{}'", a.replace('\'', r"'\''"))).collect();
    format!(
        "exec mtv-host run --config {SECRET_DIR}/mtv-host.toml --secrets-dir {SECRET_DIR} --cluster {cluster} \
         --shard $((JOB_COMPLETION_INDEX + 1))/{shards} --junit-xml {REPORTS_DIR}/junit-shard-$JOB_COMPLETION_INDEX.xml \
         --data-collector-path {REPORTS_DIR}/data-collector-$JOB_COMPLETION_INDEX{extra}",
        shards = options.shards,
        cluster = if options.login { "login" } else { "kubeconfig" },
    )
}

fn mounts(read_only_reports: bool) -> Vec<VolumeMount> {
    vec![
        VolumeMount { name: "config".into(), mount_path: SECRET_DIR.into(), read_only: Some(true), ..Default::default() },
        VolumeMount { name: "reports".into(), mount_path: REPORTS_DIR.into(), read_only: Some(read_only_reports), ..Default::default() },
    ]
}

fn volumes(options: &JobOptions) -> Vec<Volume> {
    vec![
        Volume {
            name: "config".into(),
            secret: Some(SecretVolumeSource { secret_name: Some(options.secret_name.clone()), ..Default::default() }),
            ..Default::default()
        },
        Volume {
            name: "reports".into(),
            persistent_volume_claim: Some(PersistentVolumeClaimVolumeSource {
                claim_name: format!("{}-reports", options.name),
                read_only: None,
            }),
            ..Default::default()
        },
    ]
}

fn restricted() -> SecurityContext {
    SecurityContext { allow_privilege_escalation: Some(false), run_as_non_root: Some(true), ..Default::default() }
}

/// Every object, in apply order. With `login`, no ServiceAccount or RBAC:
/// the pods carry no service account token at all.
pub fn render(options: &JobOptions) -> Vec<serde_json::Value> {
    let ns = Some(options.namespace.as_str());
    let account = ServiceAccount { metadata: meta(&options.name, ns), ..Default::default() };
    let role = ClusterRole {
        metadata: meta(&options.name, None),
        rules: Some(
            HOST_PERMISSIONS
                .iter()
                .map(|(group, resources, verbs)| PolicyRule {
                    api_groups: Some(vec![group.to_string()]),
                    resources: Some(strings(resources)),
                    verbs: strings(verbs),
                    ..Default::default()
                })
                .collect(),
        ),
        ..Default::default()
    };
    let binding = ClusterRoleBinding {
        metadata: meta(&options.name, None),
        role_ref: RoleRef { api_group: "rbac.authorization.k8s.io".into(), kind: "ClusterRole".into(), name: options.name.clone() },
        subjects: Some(vec![Subject {
            kind: "ServiceAccount".into(),
            name: options.name.clone(),
            namespace: Some(options.namespace.clone()),
            ..Default::default()
        }]),
    };
    let claim = PersistentVolumeClaim {
        metadata: meta(&format!("{}-reports", options.name), ns),
        spec: Some(PersistentVolumeClaimSpec {
            access_modes: Some(strings(&["ReadWriteMany"])),
            resources: Some(VolumeResourceRequirements {
                requests: Some(BTreeMap::from([("storage".to_string(), Quantity(options.reports_size.clone()))])),
                ..Default::default()
            }),
            ..Default::default()
        }),
        ..Default::default()
    };
    let requests =
        BTreeMap::from([("cpu".to_string(), Quantity(options.cpu.clone())), ("memory".to_string(), Quantity(options.memory.clone()))]);
    let container = Container {
        name: "mtv-host".into(),
        image: Some(options.image.clone()),
        command: Some(strings(&["/bin/sh", "-c"])),
        args: Some(vec![run_command(options)]),
        env: Some(vec![EnvVar { name: "MTV_HOST_CACHE_DIR".into(), value: Some("/tmp/mtv-host-cache".into()), ..Default::default() }]),
        resources: Some(ResourceRequirements { requests: Some(requests.clone()), limits: Some(requests), ..Default::default() }),
        volume_mounts: Some(mounts(false)),
        security_context: Some(restricted()),
        ..Default::default()
    };
    let pod_security = Some(PodSecurityContext { run_as_non_root: Some(true), ..Default::default() });
    let job = Job {
        metadata: meta(&options.name, ns),
        spec: Some(JobSpec {
            completion_mode: Some("Indexed".into()),
            completions: Some(options.shards as i32),
            parallelism: Some(options.shards as i32),
            backoff_limit_per_index: Some(0),
            template: PodTemplateSpec {
                metadata: Some(meta(&options.name, None)),
                spec: Some(PodSpec {
                    service_account_name: (!options.login).then(|| options.name.clone()),
                    automount_service_account_token: options.login.then_some(false),
                    restart_policy: Some("Never".into()),
                    containers: vec![container],
                    volumes: Some(volumes(options)),
                    security_context: pod_security.clone(),
                    ..Default::default()
                }),
            },
            ..Default::default()
        }),
        ..Default::default()
    };
    // Mounts the report volume so `oc cp` can fetch the shard reports.
    let reader = Pod {
        metadata: meta(&format!("{}-reports-reader", options.name), ns),
        spec: Some(PodSpec {
            containers: vec![Container {
                name: "reader".into(),
                image: Some(options.image.clone()),
                command: Some(strings(&["/bin/sh", "-c", "sleep infinity"])),
                volume_mounts: Some(mounts(true).into_iter().filter(|m| m.name == "reports").collect()),
                security_context: Some(restricted()),
                ..Default::default()
            }],
            volumes: Some(volumes(options).into_iter().filter(|v| v.name == "reports").collect()),
            security_context: pod_security,
            ..Default::default()
        }),
        ..Default::default()
    };
    let access = if options.login { Vec::new() } else { vec![to_value(&account), to_value(&role), to_value(&binding)] };
    access.into_iter().chain([to_value(&claim), to_value(&job), to_value(&reader)]).collect()
}

/// k8s-openapi's Serialize adds `apiVersion` and `kind`.
fn to_value<T: serde::Serialize>(object: &T) -> serde_json::Value {
    serde_json::to_value(object).unwrap_or_default()
}

/// A multi-document YAML stream for `oc apply -f -`.
pub fn render_yaml(options: &JobOptions) -> Result<String, serde_json::Error> {
    let mut out = String::new();
    for object in render(options) {
        out.push_str("---\n");
        out.push_str(&crate::yaml::to_string(&object)?);
    }
    Ok(out)
}
