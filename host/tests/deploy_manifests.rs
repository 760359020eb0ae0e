//! In-cluster runs: the rendered manifests and the Containerfile.

use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::{PersistentVolumeClaim, Pod, ServiceAccount};
use k8s_openapi::api::rbac::v1::{ClusterRole, ClusterRoleBinding};
use mtv_host::job::{HOST_PERMISSIONS, JobOptions, render, render_yaml};
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn typed<T: serde::de::DeserializeOwned>(value: &serde_json::Value) -> T {
    serde_json::from_value(value.clone()).unwrap_or_else(|e| panic!("{e}: {value}"))
}

#[test]
fn rendered_objects_are_valid_kubernetes_objects() {
    let options = JobOptions {
        shards: 3,
        image: "registry.example.com/mtv-host:1".into(),
        run_args: vec!["-m".into(), "tier0".into()],
        ..Default::default()
    };
    let objects = render(&options);
    let kinds: Vec<&str> = objects.iter().map(|o| o["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["ServiceAccount", "ClusterRole", "ClusterRoleBinding", "PersistentVolumeClaim", "Job", "Pod"]);
    let _: ServiceAccount = typed(&objects[0]);
    let role: ClusterRole = typed(&objects[1]);
    let binding: ClusterRoleBinding = typed(&objects[2]);
    let _: PersistentVolumeClaim = typed(&objects[3]);
    let job: Job = typed(&objects[4]);
    let _: Pod = typed(&objects[5]);

    let spec = job.spec.unwrap();
    assert_eq!(spec.completion_mode.as_deref(), Some("Indexed"));
    assert_eq!((spec.completions, spec.parallelism), (Some(3), Some(3)));
    let pod = spec.template.spec.unwrap();
    assert_eq!(pod.service_account_name.as_deref(), Some("mtv-tests"));
    let container = &pod.containers[0];
    let command = container.args.as_ref().unwrap()[0].clone();
    assert!(command.contains("--shard $((JOB_COMPLETION_INDEX + 1))/3"), "{command}");
    assert!(command.contains("--secrets-dir /etc/mtv-test-config") && command.ends_with(" '-m' 'tier0'"), "{command}");
    assert!(container.resources.as_ref().unwrap().requests.as_ref().unwrap().contains_key("memory"));
    let secret_volume = pod.volumes.unwrap().into_iter().find_map(|v| v.secret).unwrap();
    assert_eq!(secret_volume.secret_name.as_deref(), Some("mtv-test-config"));

    assert_eq!(binding.subjects.unwrap()[0].name, "mtv-tests");
    let rules = role.rules.unwrap();
    assert_eq!(rules.len(), HOST_PERMISSIONS.len());
    assert!(rules.iter().all(|r| !r.verbs.contains(&"*".to_string()) && !r.resources.as_ref().unwrap().contains(&"*".to_string())));
}

#[test]
fn with_login_the_pods_use_the_secrets_cluster_credentials_and_no_service_account() {
    let objects = render(&JobOptions { image: "img".into(), login: true, ..Default::default() });
    let kinds: Vec<&str> = objects.iter().map(|o| o["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["PersistentVolumeClaim", "Job", "Pod"]);
    let pod = typed::<Job>(&objects[1]).spec.unwrap().template.spec.unwrap();
    assert_eq!((pod.service_account_name, pod.automount_service_account_token), (None, Some(false)));
    let command = pod.containers[0].args.as_ref().unwrap()[0].clone();
    assert!(command.contains("--secrets-dir /etc/mtv-test-config --cluster login "), "{command}");
    let default = render(&JobOptions { image: "img".into(), ..Default::default() });
    assert!(default[4]["spec"]["template"]["spec"]["containers"][0]["args"][0].as_str().unwrap().contains("--cluster kubeconfig "));
}

#[test]
fn manifests_reference_secrets_and_never_inline_them() {
    let yaml = render_yaml(&JobOptions { image: "img".into(), ..Default::default() }).unwrap();
    assert!(!yaml.contains("kind: Secret"), "{yaml}");
    assert!(!yaml.contains("stringData") && !yaml.contains("password"), "{yaml}");
    let documents = yaml.split("---\n").filter(|d| !d.trim().is_empty()).count();
    assert_eq!(documents, 6);
}

/// What a `COPY` line copies.
struct Copy {
    from_stage: Option<String>,
    source: String,
}

fn copies(containerfile: &str) -> Vec<Copy> {
    containerfile
        .lines()
        .filter_map(|line| line.trim().strip_prefix("COPY "))
        .map(|rest| {
            let mut words: Vec<&str> = rest.split_whitespace().collect();
            let from_stage = words.first().and_then(|w| w.strip_prefix("--from=")).map(str::to_string);
            if from_stage.is_some() {
                words.remove(0);
            }
            Copy { from_stage, source: words[0].to_string() }
        })
        .collect()
}

#[test]
fn the_containerfile_copies_only_what_exists_or_is_built() {
    let text = std::fs::read_to_string(root().join("Containerfile")).unwrap();
    let stages: Vec<&str> = text.lines().filter(|l| l.starts_with("FROM ")).collect();
    assert_eq!(stages.len(), 2, "multi-stage: build, then runtime");
    let workspace = std::fs::read_to_string(root().join("Cargo.toml")).unwrap();
    let rust = workspace.lines().find_map(|l| l.strip_prefix("rust-version = ")).unwrap().trim_matches('"').to_string();
    assert!(stages[0].contains(&format!("rust:{rust}")), "the build stage uses the workspace's Rust {rust}: {}", stages[0]);

    let build_steps: String = text.lines().filter(|l| !l.starts_with("COPY")).collect::<Vec<_>>().join("\n");
    for copy in copies(&text) {
        match copy.from_stage.as_deref() {
            None if copy.source == "." => {}
            None => assert!(root().join(&copy.source).exists(), "COPY {} does not exist in the repository", copy.source),
            Some("build") => {
                let built =
                    copy.source.strip_prefix("/src/").unwrap_or_else(|| panic!("{} is outside the build's WORKDIR /src", copy.source));
                match built {
                    "target/release/mtv-host" => {
                        assert!(build_steps.contains("cargo build --release --package mtv-host"));
                        assert!(std::fs::read_to_string(root().join("host/Cargo.toml")).unwrap().contains("name = \"mtv-host\""));
                    }
                    "target/plugins" => {
                        assert!(build_steps.contains("cargo xtask plugins") && build_steps.contains("rustup target add wasm32-wasip2"));
                        assert!(
                            std::fs::read_to_string(root().join("xtask/src/main.rs"))
                                .unwrap()
                                .contains("(\"plugins/vendors\", \"plugins\")")
                        );
                    }
                    other => panic!("the build stage does not produce {other}"),
                }
            }
            Some(stage) => panic!("unknown stage {stage}"),
        }
    }
}
