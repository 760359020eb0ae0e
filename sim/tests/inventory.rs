//! The Forklift inventory REST API, through the API server's service proxy to the
//! `forklift-inventory` Service, as the host and the original suite read it.

mod common;

use common::*;
use kube::config::{KubeConfigOptions, Kubeconfig};
use mtv_sim::SimConfig;
use serde_json::{Value, json};

const PROXY: &str = "/api/v1/namespaces/openshift-mtv/services/https:forklift-inventory:8443/proxy";

/// GET through the proxy: status code, `forklift-error-message` / `X-Reason` header, JSON body.
async fn get(client: &kube::Client, path: &str) -> (u16, String, Value) {
    get_at(client, &format!("{PROXY}{path}")).await
}

async fn get_at(client: &kube::Client, uri: &str) -> (u16, String, Value) {
    let request = axum::http::Request::builder().method("GET").uri(uri).body(Vec::new()).unwrap();
    let response = client.send(request.map(kube::client::Body::from)).await.unwrap();
    let code = response.status().as_u16();
    let header = ["forklift-error-message", "x-reason"]
        .iter()
        .find_map(|h| response.headers().get(*h))
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let body = axum::body::to_bytes(axum::body::Body::new(response.into_body()), 1 << 20).await.unwrap();
    (code, header, serde_json::from_slice(&body).unwrap_or(Value::Null))
}

async fn provider(cluster: &Cluster, name: &str, kind: &str) -> String {
    cluster.namespace("prov").await;
    let created =
        cluster.create(&providers(), "prov", json!({"metadata": {"name": name}, "spec": {"type": kind, "url": "https://vcenter.example/sdk", "secret": {"name": "s", "namespace": "prov"}}})).await;
    created.metadata.uid.unwrap()
}

#[tokio::test]
async fn vsphere_objects_in_forklift_shapes() {
    let cluster = start().await;
    let uid = provider(&cluster, "vsphere", "vsphere").await;
    let client = &cluster.client;

    let (code, _, listed) = get(client, "/providers/vsphere").await;
    assert_eq!(code, 200);
    let entry = listed.as_array().unwrap().iter().find(|p| p["name"] == "vsphere").unwrap();
    assert_eq!((entry["id"].as_str(), entry["namespace"].as_str()), (Some(uid.as_str()), Some("prov")));
    assert!(entry.get("object").is_none(), "level 0 has no object: {entry}");
    let (_, _, detailed) = get(client, "/providers/vsphere?detail=1").await;
    assert_eq!(detailed[0]["vmCount"], 9);

    let base = format!("/providers/vsphere/{uid}");
    let (_, _, vms) = get(client, &format!("{base}/vms?name=mtv-rhel8-2disks")).await;
    let [vm] = vms.as_array().unwrap().as_slice() else { panic!("one VM by name: {vms}") };
    assert_eq!(vm["id"], "vm-1004");
    assert_eq!((vm["cpuCount"].as_u64(), vm["coresPerSocket"].as_u64(), vm["memoryMB"].as_u64()), (Some(2), Some(1), Some(4096)));
    assert_eq!(vm["powerState"], "poweredOn");
    assert_eq!(vm["path"], "/DC0/vm/mtv-rhel8-2disks");
    assert_eq!(vm["disks"][1]["file"], "[mtv-nfs-ds] mtv-rhel8-2disks/mtv-rhel8-2disks_1.vmdk");
    assert_eq!(vm["disks"][1]["datastore"], json!({"kind": "Datastore", "id": "datastore-1"}));
    assert_eq!(vm["disks"][1]["capacity"], 10u64 << 30);
    assert_eq!(vm["nics"][1]["mac"], "00:50:56:a1:00:05");
    assert_eq!(vm["networks"], json!([{"kind": "Network", "id": "network-1"}, {"kind": "Network", "id": "network-2"}]));
    assert_eq!(vm["guestNetworks"][0]["ip"], "192.168.122.104");
    assert_eq!(vm["uuid"].as_str().unwrap().len(), 36);
    let (_, _, by_id) = get(client, &format!("{base}/vms/vm-1004")).await;
    assert_eq!(&by_id, vm);
    let (_, _, by_path) = get(client, &format!("{base}/vms?name=DC0/vm/mtv-rhel8-2disks")).await;
    assert_eq!(by_path.as_array().unwrap().len(), 1);
    let (_, _, by_wrong_path) = get(client, &format!("{base}/vms?name=DC9/vm/mtv-rhel8-2disks")).await;
    assert_eq!(by_wrong_path, json!([]));

    let (_, _, datastores) = get(client, &format!("{base}/datastores")).await;
    assert_eq!(
        datastores[0],
        json!({"id": "datastore-1", "parent": {"kind": "Folder", "id": "group-s5"}, "path": "/DC0/datastore/mtv-nfs-ds",
        "revision": 1, "name": "mtv-nfs-ds", "selfLink": format!("providers/vsphere/{uid}/datastores/datastore-1")})
    );
    let (_, _, datastore) = get(client, &format!("{base}/datastores/datastore-1")).await;
    assert!(datastore["capacity"].as_u64().unwrap() > 0);
    let (_, _, networks) = get(client, &format!("{base}/networks?detail=all&name=Mgmt%20Network")).await;
    assert_eq!((networks[0]["id"].as_str(), networks[0]["variant"].as_str()), (Some("network-2"), Some("Standard")));
    let (_, _, workload) = get(client, &format!("{base}/workloads/vm-1001")).await;
    assert_eq!(workload["host"]["cluster"]["datacenter"]["name"], "DC0");
    let (_, _, hosts) = get(client, &format!("{base}/hosts?detail=1")).await;
    assert_eq!(hosts[0]["productName"], "VMware ESXi");

    let (code, _, _) = get(client, &format!("{base}/vms/vm-404")).await;
    assert_eq!(code, 404);
    let (code, reason, _) = get(client, "/providers/vsphere/no-such-uid/vms").await;
    assert_eq!((code, reason.as_str()), (404, "ProviderNotFound"));
    let (code, _, _) = get(client, &format!("{base}/vms?limit=many")).await;
    assert_eq!(code, 400);
    assert!(cluster.sim.stats().by_resource["forklift-inventory"] >= 14);
}

#[tokio::test]
async fn ovirt_and_openstack_vms_in_their_own_shapes() {
    let cluster = start().await;
    let ovirt = provider(&cluster, "rhv", "ovirt").await;
    let openstack = cluster
        .create(&providers(), "prov", json!({"metadata": {"name": "osp"}, "spec": {"type": "openstack", "url": "https://keystone.example/v3", "secret": {"name": "s", "namespace": "prov"}}}))
        .await
        .metadata
        .uid
        .unwrap();

    let (_, _, vms) = get(&cluster.client, &format!("/providers/ovirt/{ovirt}/vms?detail=all&name=mtv-win2019")).await;
    let vm = &vms[0];
    assert_eq!((vm["path"].as_str(), vm["status"].as_str()), (Some("Cluster0/mtv-win2019"), Some("up")));
    assert_eq!(vm["memory"], 8192u64 << 20);
    assert_eq!(vm["nics"][0]["mac"], "00:50:56:a1:00:02");
    let disk_id = vm["diskAttachments"][0]["disk"].as_str().unwrap();
    let (_, _, disk) = get(&cluster.client, &format!("/providers/ovirt/{ovirt}/disks/{disk_id}")).await;
    assert_eq!(disk["storageDomain"], "datastore-1");
    let (_, _, level0) = get(&cluster.client, &format!("/providers/ovirt/{ovirt}/vms")).await;
    assert!(level0[0].get("nics").is_none(), "oVirt lists are level 0 without detail: {}", level0[0]);

    let (_, _, vms) = get(&cluster.client, &format!("/providers/openstack/{openstack}/vms?detail=1&name=mtv-rhel8-off")).await;
    let vm = &vms[0];
    assert_eq!(vm["status"], "SHUTOFF");
    assert_eq!(vm["addresses"]["VM Network"][0]["OS-EXT-IPS-MAC:mac_addr"], "00:50:56:a1:00:07");
    let volume = vm["attachedVolumes"][0]["ID"].as_str().unwrap();
    let (_, _, volume) = get(&cluster.client, &format!("/providers/openstack/{openstack}/volumes/{volume}")).await;
    assert_eq!(volume["volumeType"], "mtv-nfs-ds");
}

#[tokio::test]
async fn the_callers_token_and_get_on_the_provider_are_required() {
    let cluster = start_with(SimConfig::default().token(Some("s3cret".into()))).await;
    let kubeconfig = Kubeconfig::from_yaml(&cluster.sim.kubeconfig_yaml()).unwrap();
    let config = kube::Config::from_custom_kubeconfig(kubeconfig, &KubeConfigOptions::default()).await.unwrap();
    let client = kube::Client::try_from(config).unwrap();
    let (code, _, _) = get(&cluster.client, "/providers/vsphere").await;
    assert_eq!(code, 401, "no token");

    let cluster = Cluster { sim: cluster.sim, client };
    let uid = provider(&cluster, "vsphere", "vsphere").await;
    let (code, _, _) = get(&cluster.client, &format!("/providers/vsphere/{uid}/vms")).await;
    assert_eq!(code, 200);
    cluster.sim.scenario().update(|s| s.inventory_forbidden_providers = vec!["prov/vsphere".into()]);
    let (code, reason, _) = get(&cluster.client, &format!("/providers/vsphere/{uid}/vms")).await;
    assert_eq!(code, 403);
    assert!(reason.contains("\"vsphere\"") && reason.contains("prov"), "{reason}");
}

#[tokio::test]
async fn the_route_serves_the_same_inventory_over_https() {
    let cluster = start_with(SimConfig::default().token(Some("s3cret".into()))).await;
    let ca = std::env::temp_dir().join(format!("mtv-sim-inventory-ca-{}.pem", std::process::id()));
    std::fs::write(&ca, cluster.sim.inventory_ca_pem()).unwrap();
    let mut kubeconfig = Kubeconfig::from_yaml(&cluster.sim.kubeconfig_yaml()).unwrap();
    let proxied =
        kube::Client::try_from(kube::Config::from_custom_kubeconfig(kubeconfig.clone(), &KubeConfigOptions::default()).await.unwrap())
            .unwrap();
    let target = kubeconfig.clusters[0].cluster.as_mut().unwrap();
    target.server = Some(cluster.sim.inventory_url());
    target.certificate_authority = Some(ca.display().to_string());
    target.certificate_authority_data = None;
    target.insecure_skip_tls_verify = None;
    let routed =
        kube::Client::try_from(kube::Config::from_custom_kubeconfig(kubeconfig, &KubeConfigOptions::default()).await.unwrap()).unwrap();
    let cluster = Cluster { sim: cluster.sim, client: proxied };
    let uid = provider(&cluster, "vsphere", "vsphere").await;

    let path = format!("/providers/vsphere/{uid}/vms?name=mtv-rhel8-2disks");
    let (code, _, through_route) = get_at(&routed, &path).await;
    std::fs::remove_file(&ca).unwrap();
    assert_eq!(code, 200);
    assert_eq!(through_route[0]["id"], "vm-1004");
    assert_eq!(through_route, get(&cluster.client, &path).await.2);
}
