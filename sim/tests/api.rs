//! The Kubernetes API surface, through the `kube` client over HTTP.

mod common;

use common::*;
use kube::api::{DeleteParams, ListParams, Patch, PatchParams, PostParams};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::discovery::Discovery;
use mtv_sim::{RequestFault, SimConfig};
use serde_json::{Value, json};

#[tokio::test]
async fn discovery_and_version_resolve_every_kind() {
    let cluster = start().await;
    let version = cluster.client.apiserver_version().await.unwrap();
    assert_eq!(version.major, "1");
    let discovery = Discovery::new(cluster.client.clone()).run().await.unwrap();
    for (group, kind, plural) in [
        ("forklift.konveyor.io", "Plan", "plans"),
        ("forklift.konveyor.io", "VSphereXcopyVolumePopulator", "vspherexcopyvolumepopulators"),
        ("kubevirt.io", "VirtualMachine", "virtualmachines"),
        ("k8s.cni.cncf.io", "NetworkAttachmentDefinition", "network-attachment-definitions"),
        ("", "Secret", "secrets"),
    ] {
        let version = if group == "forklift.konveyor.io" { "v1beta1" } else { "v1" };
        let (found, caps) = discovery
            .resolve_gvk(&kube::api::GroupVersionKind::gvk(group, version, kind))
            .unwrap_or_else(|| panic!("{kind} not discovered"));
        assert_eq!(found.plural, plural);
        assert_eq!(caps.scope, kube::discovery::Scope::Namespaced);
    }
    let stats = cluster.sim.stats();
    assert!(stats.discovery >= 3, "{stats:?}");
}

#[tokio::test]
async fn crud_with_merge_and_json_patches() {
    let cluster = start().await;
    cluster.namespace("crud").await;
    let hooks_api = cluster.api(&hooks(), "crud");
    let created = cluster
        .create(
            &hooks(),
            "crud",
            json!({"metadata": {"name": "h1", "labels": {"app": "mtv"}}, "spec": {"image": "quay.io/konveyor/hook-runner"}}),
        )
        .await;
    let uid = created.metadata.uid.clone().unwrap();
    assert_eq!(created.metadata.generation, Some(1));
    assert!(created.metadata.creation_timestamp.is_some());

    let merged = hooks_api
        .patch("h1", &PatchParams::default(), &Patch::Merge(json!({"spec": {"deadline": 600}, "metadata": {"labels": {"tier": "1"}}})))
        .await
        .unwrap();
    assert_eq!(to_json(&merged)["spec"]["deadline"], 600);
    assert_eq!(merged.metadata.generation, Some(2), "spec change bumps the generation");
    let labelled =
        hooks_api.patch("h1", &PatchParams::default(), &Patch::Merge(json!({"metadata": {"labels": {"extra": "x"}}}))).await.unwrap();
    assert_eq!(labelled.metadata.generation, Some(2), "metadata changes do not");

    // kube's typed JSON patch needs its `jsonpatch` feature; send the body as-is.
    let ops = json!([{"op": "replace", "path": "/spec/image", "value": "quay.io/other"}, {"op": "remove", "path": "/spec/deadline"}]);
    let request = axum::http::Request::builder()
        .method("PATCH")
        .uri("/apis/forklift.konveyor.io/v1beta1/namespaces/crud/hooks/h1")
        .header("content-type", "application/json-patch+json")
        .body(ops.to_string().into_bytes())
        .unwrap();
    let patched: kube::api::DynamicObject = cluster.client.request(request).await.unwrap();
    let patched_json = to_json(&patched);
    assert_eq!(patched_json["spec"], json!({"image": "quay.io/other"}));

    let mut replacement = patched.clone();
    replacement.data["spec"]["image"] = json!("quay.io/replaced");
    let replaced = hooks_api.replace("h1", &PostParams::default(), &replacement).await.unwrap();
    assert_eq!(to_json(&replaced)["spec"]["image"], "quay.io/replaced");
    assert_eq!(replaced.metadata.uid.as_deref(), Some(uid.as_str()));

    let listed = hooks_api.list(&ListParams::default()).await.unwrap();
    assert_eq!(listed.items.len(), 1);
    assert!(listed.metadata.resource_version.is_some());

    hooks_api.delete("h1", &DeleteParams::default()).await.unwrap();
    assert_eq!(api_error(hooks_api.get("h1").await).code, 404);
    assert_eq!(api_error(hooks_api.delete("h1", &DeleteParams::default()).await).code, 404);
}

#[tokio::test]
async fn secrets_are_base64_and_string_data_is_folded_in() {
    let cluster = start().await;
    cluster.namespace("sec").await;
    let secret = cluster.create(&secrets(), "sec", json!({"metadata": {"name": "s"}, "stringData": {"user": "admin"}})).await;
    let secret = to_json(&secret);
    assert_eq!(secret["data"]["user"], "YWRtaW4=");
    assert_eq!(secret["type"], "Opaque");
    assert!(secret.get("stringData").is_none());
    let bad = cluster
        .api(&secrets(), "sec")
        .create(&PostParams::default(), &object(json!({"metadata": {"name": "bad"}, "data": {"k": "***"}})))
        .await;
    assert_eq!(api_error(bad).code, 422);
}

#[tokio::test]
async fn label_and_field_selectors_filter_lists() {
    let cluster = start().await;
    cluster.namespace("sel").await;
    for (name, labels) in
        [("a", json!({"app": "mtv", "tier": "1"})), ("b", json!({"app": "mtv", "tier": "2"})), ("c", json!({"app": "other"}))]
    {
        cluster.create(&configmaps(), "sel", json!({"metadata": {"name": name, "labels": labels}})).await;
    }
    let api = cluster.api(&configmaps(), "sel");
    let names = |list: kube::core::ObjectList<kube::api::DynamicObject>| {
        let mut names: Vec<String> = list.items.into_iter().filter_map(|o| o.metadata.name).collect();
        names.sort();
        names
    };
    for (selector, expected) in [
        ("app=mtv", vec!["a", "b"]),
        ("app==mtv,tier!=2", vec!["a"]),
        ("tier in (1,2)", vec!["a", "b"]),
        ("tier notin (1)", vec!["b", "c"]),
        ("tier", vec!["a", "b"]),
        ("!tier", vec!["c"]),
    ] {
        let listed = api.list(&ListParams::default().labels(selector)).await.unwrap();
        assert_eq!(names(listed), expected, "selector {selector}");
    }
    let by_name = api.list(&ListParams::default().fields("metadata.name=b")).await.unwrap();
    assert_eq!(names(by_name), vec!["b"]);
    let bad_field = api.list(&ListParams::default().fields("spec.color=red")).await;
    assert_eq!(api_error(bad_field).code, 400);
    let bad_label = api.list(&ListParams::default().labels("tier in 1")).await;
    assert_eq!(api_error(bad_label).code, 400);

    cluster.namespace("sel2").await;
    cluster.create(&configmaps(), "sel2", json!({"metadata": {"name": "d", "labels": {"app": "mtv"}}})).await;
    let everywhere = cluster.cluster_api(&configmaps()).list(&ListParams::default().labels("app=mtv")).await.unwrap();
    assert_eq!(names(everywhere), vec!["a", "b", "d"], "all-namespace list");
    let in_ns = cluster.cluster_api(&configmaps()).list(&ListParams::default().fields("metadata.namespace=sel2")).await.unwrap();
    assert_eq!(names(in_ns), vec!["d"]);
}

#[tokio::test]
async fn stale_resource_version_is_a_conflict() {
    let cluster = start().await;
    cluster.namespace("cf").await;
    let api = cluster.api(&configmaps(), "cf");
    let first = cluster.create(&configmaps(), "cf", json!({"metadata": {"name": "c"}, "data": {"k": "1"}})).await;
    let mut update = first.clone();
    update.data["data"]["k"] = json!("2");
    api.replace("c", &PostParams::default(), &update).await.unwrap();
    update.data["data"]["k"] = json!("3");
    let conflict = api_error(api.replace("c", &PostParams::default(), &update).await);
    assert_eq!((conflict.code, conflict.reason.as_str()), (409, "Conflict"));
    assert!(conflict.message.contains("the object has been modified"), "{}", conflict.message);
    let patch_conflict = api
        .patch(
            "c",
            &PatchParams::default(),
            &Patch::Merge(json!({"metadata": {"resourceVersion": first.metadata.resource_version}, "data": {"k": "4"}})),
        )
        .await;
    assert_eq!(api_error(patch_conflict).code, 409);
    let again = api_error(api.create(&PostParams::default(), &object(json!({"metadata": {"name": "c"}}))).await);
    assert_eq!((again.code, again.reason.as_str()), (409, "AlreadyExists"));
}

#[tokio::test]
async fn generate_name_and_name_validation() {
    let cluster = start().await;
    cluster.namespace("names").await;
    let generated = cluster
        .create(&providers(), "names", json!({"metadata": {"generateName": "vsphere-"}, "spec": {"type": "openshift", "secret": {}}}))
        .await;
    let name = generated.metadata.name.unwrap();
    assert!(name.starts_with("vsphere-") && name.len() == "vsphere-".len() + 5, "{name}");

    let api = cluster.api(&configmaps(), "names");
    let invalid = api_error(api.create(&PostParams::default(), &object(json!({"metadata": {"name": "Bad_Name"}}))).await);
    assert_eq!((invalid.code, invalid.reason.as_str()), (422, "Invalid"));
    assert!(invalid.message.contains("metadata.name: Invalid value: \"Bad_Name\""), "{}", invalid.message);
    let causes = invalid.details.as_ref().map(|d| d.causes.clone()).unwrap_or_default();
    assert_eq!(causes[0].field, "metadata.name");
    let nameless = api_error(api.create(&PostParams::default(), &object(json!({"metadata": {}}))).await);
    assert!(nameless.message.contains("name or generateName is required"), "{}", nameless.message);

    let long = "a".repeat(64);
    let ns_error =
        api_error(cluster.cluster_api(&namespaces()).create(&PostParams::default(), &object(json!({"metadata": {"name": long}}))).await);
    assert_eq!(ns_error.code, 422);
    assert!(ns_error.message.contains("must be no more than 63 characters"), "{}", ns_error.message);
    let bad_label =
        api_error(api.create(&PostParams::default(), &object(json!({"metadata": {"name": "ok", "labels": {"app": "-x-"}}}))).await);
    assert_eq!(bad_label.code, 422);
    let missing_ns =
        api_error(cluster.api(&configmaps(), "nowhere").create(&PostParams::default(), &object(json!({"metadata": {"name": "x"}}))).await);
    assert_eq!(missing_ns.code, 404);
    assert!(missing_ns.message.contains("namespaces \"nowhere\" not found"), "{}", missing_ns.message);
}

#[tokio::test]
async fn forklift_objects_are_validated_against_their_crds() {
    let cluster = start().await;
    cluster.namespace("val").await;
    let bad_provider = cluster
        .api(&providers(), "val")
        .create(&PostParams::default(), &object(json!({"metadata": {"name": "p"}, "spec": {"type": "foo", "secret": {}}})))
        .await;
    let status = api_error(bad_provider);
    assert_eq!((status.code, status.reason.as_str()), (422, "Invalid"));
    assert!(status.message.contains(r#"spec.type: Unsupported value: "foo": supported values: "#), "{}", status.message);
    assert!(status.message.contains(r#""vsphere""#), "{}", status.message);

    let bad_plan = cluster
        .api(&plans(), "val")
        .create(
            &PostParams::default(),
            &object(
                json!({"metadata": {"name": "plan"}, "spec": {"provider": {"source": {"name": "x"}}, "type": "lukewarm", "vms": "vm-1"}}),
            ),
        )
        .await;
    let status = api_error(bad_plan);
    assert_eq!(status.code, 422);
    let fields: Vec<String> = status.details.as_ref().unwrap().causes.iter().map(|c| c.field.clone()).collect();
    for field in ["spec.provider.destination", "spec.map", "spec.targetNamespace", "spec.type", "spec.vms"] {
        assert!(fields.contains(&field.to_string()), "{field} missing from {fields:?}");
    }
    assert!(status.message.contains("spec.provider.destination: Required value"), "{}", status.message);
    assert!(status.message.contains("spec.vms: Invalid value: \"string\": spec.vms in body must be of type array"), "{}", status.message);

    let bad_cutover = cluster
        .api(&migrations(), "val")
        .create(&PostParams::default(), &object(json!({"metadata": {"name": "m"}, "spec": {"plan": {"name": "p"}, "cutover": "tomorrow"}})))
        .await;
    assert!(api_error(bad_cutover).message.contains("spec.cutover"));

    let strict = PostParams { field_manager: None, dry_run: false };
    let unknown = cluster
        .api(&hooks(), "val")
        .create(&strict, &object(json!({"metadata": {"name": "h"}, "spec": {"image": "x", "imag": "y"}})))
        .await
        .unwrap();
    assert!(to_json(&unknown)["spec"].get("imag").is_none(), "unknown fields are pruned");

    let plan = json!({"metadata": {"name": "p"}, "spec": {"vms": [], "targetNamespace": "x", "map": {"network": {}, "storage": {}}, "provider": {"source": {}, "destination": {}}}});
    let created = cluster.create(&plans(), "val", plan).await;
    assert_eq!(to_json(&created)["spec"]["deleteVmOnFailMigration"], true, "CRD defaults are applied");
}

#[tokio::test]
async fn status_is_a_subresource_for_crds() {
    let cluster = start().await;
    cluster.namespace("st").await;
    let api = cluster.api(&hooks(), "st");
    let created = cluster
        .create(&hooks(), "st", json!({"metadata": {"name": "h"}, "spec": {"image": "i"}, "status": {"observedGeneration": 7}}))
        .await;
    assert!(to_json(&created).get("status").is_none(), "status is dropped on create");
    let with_status = api
        .patch_status(
            "h",
            &PatchParams::default(),
            &Patch::Merge(json!({"status": {"observedGeneration": 1}, "spec": {"image": "ignored"}})),
        )
        .await
        .unwrap();
    let value = to_json(&with_status);
    assert_eq!(value["status"]["observedGeneration"], 1);
    assert_eq!(value["spec"]["image"], "i", "a status write leaves the spec alone");
    let mut replacement = with_status.clone();
    replacement.data["status"] = json!({"observedGeneration": 99});
    replacement.data["spec"]["image"] = json!("j");
    let replaced = to_json(&api.replace("h", &PostParams::default(), &replacement).await.unwrap());
    assert_eq!(replaced["status"]["observedGeneration"], 1, "a main-resource write leaves the status alone");
    assert_eq!(replaced["spec"]["image"], "j");
}

#[tokio::test]
async fn deleting_a_namespace_deletes_its_objects() {
    let cluster = start().await;
    cluster.namespace("doomed").await;
    cluster.namespace("kept").await;
    cluster.create(&configmaps(), "doomed", json!({"metadata": {"name": "c"}})).await;
    cluster.create(&hooks(), "doomed", json!({"metadata": {"name": "h"}, "spec": {}})).await;
    cluster.create(&configmaps(), "kept", json!({"metadata": {"name": "c"}})).await;
    cluster.cluster_api(&namespaces()).delete("doomed", &DeleteParams::default()).await.unwrap();
    assert_eq!(api_error(cluster.api(&configmaps(), "doomed").get("c").await).code, 404);
    assert_eq!(api_error(cluster.api(&hooks(), "doomed").get("h").await).code, 404);
    assert_eq!(api_error(cluster.cluster_api(&namespaces()).get("doomed").await).code, 404);
    cluster.api(&configmaps(), "kept").get("c").await.unwrap();
}

#[tokio::test]
async fn bearer_token_is_required_when_configured() {
    let cluster = start_with(SimConfig::default().token(Some("s3cret".into()))).await;
    let anonymous = cluster.api(&configmaps(), "default").list(&ListParams::default()).await;
    let status = api_error(anonymous);
    assert_eq!((status.code, status.reason.as_str()), (401, "Unauthorized"));

    let kubeconfig = Kubeconfig::from_yaml(&cluster.sim.kubeconfig_yaml()).unwrap();
    let config = kube::Config::from_custom_kubeconfig(kubeconfig, &KubeConfigOptions::default()).await.unwrap();
    assert_eq!(config.default_namespace, "default");
    let client = kube::Client::try_from(config).unwrap();
    let api: kube::Api<kube::api::DynamicObject> = kube::Api::namespaced_with(client, "default", &configmaps());
    assert!(api.list(&ListParams::default()).await.unwrap().items.is_empty());
}

#[tokio::test]
async fn injected_faults_and_latency() {
    let cluster = start().await;
    cluster.namespace("faults").await;
    cluster.create(&configmaps(), "faults", json!({"metadata": {"name": "c"}})).await;
    let api = cluster.api(&configmaps(), "faults");
    cluster.sim.scenario().fail_requests(RequestFault::new("get", "configmaps", 2, 500));
    cluster.sim.scenario().fail_requests(RequestFault::new("update", "configmaps", 1, 409));
    assert_eq!(api_error(api.get("c").await).code, 500);
    api.list(&ListParams::default()).await.expect("other verbs are not affected");
    assert_eq!(api_error(api.get("c").await).reason, "InternalError");
    let current = api.get("c").await.expect("the fault is used up");
    let conflict = api_error(api.replace("c", &PostParams::default(), &current).await);
    assert_eq!((conflict.code, conflict.reason.as_str()), (409, "Conflict"));
    api.replace("c", &PostParams::default(), &current).await.unwrap();

    cluster.sim.scenario().update(|s| s.api_latency_ms = 150);
    let started = std::time::Instant::now();
    api.get("c").await.unwrap();
    assert!(started.elapsed() >= std::time::Duration::from_millis(150));
}

#[tokio::test]
async fn scenario_and_stats_over_http() {
    let cluster = start().await;
    let request = |method: &str, uri: &str, body: &str| {
        axum::http::Request::builder()
            .method(method)
            .uri(uri)
            .header("content-type", "application/json")
            .body(body.as_bytes().to_vec())
            .unwrap()
    };
    let body = r#"{"step_delay_ms": 7, "request_faults": [{"verb": "list", "resource": "secrets", "count": 1, "code": 500}]}"#;
    let answer: Value =
        serde_json::from_str(&cluster.client.request_text(request("PUT", "/sim/v1/scenario", body)).await.unwrap()).unwrap();
    assert_eq!(answer["step_delay_ms"], 7);
    assert_eq!(cluster.sim.scenario().get().step_delay_ms, 7);
    let patched: Value =
        serde_json::from_str(&cluster.client.request_text(request("PATCH", "/sim/v1/scenario", r#"{"api_latency_ms": 1}"#)).await.unwrap())
            .unwrap();
    assert_eq!((patched["step_delay_ms"].as_u64(), patched["api_latency_ms"].as_u64()), (Some(7), Some(1)));
    let rejected = cluster.client.request_text(request("PUT", "/sim/v1/scenario", r#"{"stepDelay": 1}"#)).await;
    assert!(rejected.is_err(), "unknown knobs are rejected");

    let failed = cluster.api(&secrets(), "default").list(&ListParams::default()).await;
    assert_eq!(api_error(failed).code, 500);

    let before = cluster.sim.stats();
    let api = cluster.api(&configmaps(), "default");
    cluster.create(&configmaps(), "default", json!({"metadata": {"name": "c"}})).await;
    api.get("c").await.unwrap();
    api.list(&ListParams::default()).await.unwrap();
    api.patch("c", &PatchParams::default(), &Patch::Merge(json!({"data": {"a": "b"}}))).await.unwrap();
    api.delete("c", &DeleteParams::default()).await.unwrap();
    let after = cluster.sim.stats();
    assert_eq!(after.total - before.total, 5);
    assert_eq!((after.create - before.create, after.get - before.get, after.list - before.list), (1, 1, 1));
    assert_eq!((after.patch - before.patch, after.delete - before.delete), (1, 1));
    assert_eq!(after.by_resource["configmaps"], 5);
    let served: Value = serde_json::from_str(&cluster.client.request_text(request("GET", "/sim/v1/stats", "")).await.unwrap()).unwrap();
    assert_eq!(served["total"].as_u64(), Some(after.total), "the /sim endpoints are not counted");
}

#[tokio::test]
async fn parallel_simulators_have_their_own_state() {
    let (a, b) = tokio::join!(start(), start());
    assert_ne!(a.sim.url(), b.sim.url());
    a.create(&configmaps(), "default", json!({"metadata": {"name": "only-in-a"}})).await;
    assert_eq!(api_error(b.api(&configmaps(), "default").get("only-in-a").await).code, 404);
    a.sim.shutdown().await;
    b.api(&configmaps(), "default").list(&ListParams::default()).await.expect("b keeps running");
}

/// Bodies are read by their Content-Type as a real server reads them: protobuf
/// for the built-in kinds the simulator decodes, 415 for custom resources and
/// for types no endpoint reads, 400 for a protobuf body that does not decode.
#[tokio::test]
async fn request_bodies_are_read_by_their_media_type() {
    let cluster = start().await;
    let post = |uri: &str, content_type: &str, body: Vec<u8>| {
        axum::http::Request::builder().method("POST").uri(uri).header("content-type", content_type).body(body).unwrap()
    };
    const PROTOBUF: &str = "application/vnd.kubernetes.protobuf";
    // runtime.Unknown{typeMeta{v1, Namespace}, raw: Namespace{metadata{name: from-protobuf}}}
    let mut namespace = b"k8s\0\x0a\x0f\x0a\x02v1\x12\x09Namespace\x12\x11\x0a\x0f\x0a\x0dfrom-protobuf".to_vec();
    let created: Value =
        serde_json::from_str(&cluster.client.request_text(post("/api/v1/namespaces", PROTOBUF, namespace.clone())).await.unwrap()).unwrap();
    assert_eq!((created["kind"].as_str(), created["metadata"]["name"].as_str()), (Some("Namespace"), Some("from-protobuf")));

    namespace.truncate(namespace.len() - 3);
    let broken = cluster.client.request_text(post("/api/v1/namespaces", PROTOBUF, namespace)).await;
    assert_eq!(api_error(broken).code, 400);

    let hook = json!({"apiVersion": "forklift.konveyor.io/v1beta1", "kind": "Hook", "metadata": {"name": "h"}, "spec": {"image": "x"}});
    let hooks = "/apis/forklift.konveyor.io/v1beta1/namespaces/default/hooks";
    let refused = api_error(cluster.client.request_text(post(hooks, PROTOBUF, hook.to_string().into_bytes())).await);
    assert_eq!((refused.code, refused.reason.as_str()), (415, "UnsupportedMediaType"));
    assert!(refused.message.contains("accepted media types include: application/json, application/yaml;"), "{}", refused.message);
    let refused = api_error(cluster.client.request_text(post("/api/v1/namespaces/default/secrets", "text/plain", b"{}".to_vec())).await);
    assert!(refused.code == 415 && refused.message.contains(PROTOBUF), "{refused:?}");
    cluster.client.request_text(post(hooks, "application/json; charset=utf-8", hook.to_string().into_bytes())).await.unwrap();
}
