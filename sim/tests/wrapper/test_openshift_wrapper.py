"""openshift-python-wrapper against the simulator: what a session of MTV tests
reads and does, through the wrapper's own classes and waits."""

import base64

import pytest
import requests
from kubernetes.dynamic.exceptions import UnauthorizedError
from ocp_resources.cluster_service_version import ClusterServiceVersion
from ocp_resources.cluster_version import ClusterVersion
from ocp_resources.migration import Migration
from ocp_resources.namespace import Namespace
from ocp_resources.network_map import NetworkMap
from ocp_resources.plan import Plan
from ocp_resources.pod import Pod
from ocp_resources.provider import Provider
from ocp_resources.resource import get_client
from ocp_resources.route import Route
from ocp_resources.secret import Secret
from ocp_resources.storage_map import StorageMap
from ocp_resources.subscription import Subscription
from ocp_resources.virtual_machine import VirtualMachine
from ocp_resources.virtual_machine_instance import VirtualMachineInstance

MTV_NAMESPACE = "openshift-mtv"
NAMESPACE = "wrapper-e2e"
VM_NAME = "mtv-rhel8-sanity"


def test_login_hands_out_a_token_that_the_api_accepts(client, sim):
    token = client.configuration.api_key["authorization"]
    assert token.startswith("Bearer sha256~")
    assert Namespace(client=client, name=MTV_NAMESPACE).exists


def test_a_wrong_password_gets_no_client(sim):
    with pytest.raises(Exception, match="No authorization code found"):
        get_client(username=sim["username"], password="not-the-password", host=sim["url"], verify_ssl=False)


def test_discovery_answers_every_advertised_group_version(client, sim):
    token = client.configuration.api_key["authorization"]
    groups = requests.get(f"{sim['url']}/apis", headers={"Authorization": token}, timeout=10).json()["groups"]
    paths = ["/api/v1"] + [f"/apis/{v['groupVersion']}" for g in groups for v in g["versions"]]
    for path in paths:
        response = requests.get(f"{sim['url']}{path}", headers={"Authorization": token}, timeout=10)
        assert response.status_code == 200, path
        assert response.json()["resources"], path
    names = {g["name"] for g in groups}
    for group in ["operators.coreos.com", "config.openshift.io", "route.openshift.io", "kubevirt.io", "subresources.kubevirt.io"]:
        assert group in names


def test_the_mtv_operator_is_installed(client):
    subscription = Subscription(client=client, name="mtv-operator", namespace=MTV_NAMESPACE)
    assert subscription.exists
    csv_name = subscription.instance.status.installedCSV
    csv = ClusterServiceVersion(client=client, name=csv_name, namespace=MTV_NAMESPACE)
    csv.wait_for_status(status=ClusterServiceVersion.Status.SUCCEEDED, timeout=30)
    assert csv.instance.status.phase == "Succeeded"


def test_the_cluster_version(client):
    version = ClusterVersion(client=client, name="version")
    assert version.exists
    assert version.instance.status.desired.version.startswith("4.")
    assert version.instance.status.history[0].state == "Completed"


def test_forklift_pods_run(client):
    pods = list(Pod.get(client=client, namespace=MTV_NAMESPACE))
    names = [p.name for p in pods]
    controller = [p for p in pods if p.name.startswith("forklift-controller-")]
    assert controller, names
    controller[0].wait_for_status(status=Pod.Status.RUNNING, timeout=30)
    assert all(p.name.startswith("forklift-") for p in pods), names
    assert all(p.instance.status.phase == "Running" for p in pods), names


def test_the_inventory_is_reached_through_its_route(client, sim):
    route = Route(client=client, name="forklift-inventory", namespace=MTV_NAMESPACE)
    assert route.exists
    token = client.configuration.api_key["authorization"]
    url = f"https://{route.host}/providers"
    # The route's certificate is self-signed: trusted when given, refused when not.
    with pytest.raises(requests.exceptions.SSLError):
        requests.get(url, headers={"Authorization": token}, timeout=10)
    trusted = requests.get(url, headers={"Authorization": token}, verify=sim["inventory_ca"], timeout=10)
    assert trusted.status_code == 200
    assert [p["name"] for p in trusted.json()["openshift"]] == ["host"]
    unverified = requests.get(url, headers={"Authorization": token}, verify=False, timeout=10)
    assert unverified.json() == trusted.json()
    assert requests.get(url, verify=False, timeout=10).status_code == 401


@pytest.fixture(scope="module")
def migrated(client):
    """A namespace, a vSphere Provider with its Secret, maps, a Plan and a Migration,
    created and waited for with the wrapper; yields the Plan and Migration."""
    with Namespace(client=client, name=NAMESPACE) as ns:
        ns.wait_for_status(status=Namespace.Status.ACTIVE, timeout=30)
        password = base64.b64encode(b"vc-password").decode()
        with (
            Secret(client=client, name="vsphere-creds", namespace=NAMESPACE, data_dict={"user": base64.b64encode(b"admin").decode(), "password": password}),
            Provider(
                client=client,
                name="vsphere",
                namespace=NAMESPACE,
                provider_type="vsphere",
                url="https://vcenter.example/sdk",
                secret_name="vsphere-creds",
                secret_namespace=NAMESPACE,
            ) as source,
        ):
            source.wait_for_condition(condition="Ready", status="True", timeout=60)
            providers = {"source_provider_name": "vsphere", "source_provider_namespace": NAMESPACE,
                         "destination_provider_name": "host", "destination_provider_namespace": MTV_NAMESPACE}
            storage = {"storageClass": "standard", "accessMode": "ReadWriteOnce", "volumeMode": "Filesystem"}
            with (
                StorageMap(client=client, name="storage", namespace=NAMESPACE, mapping=[{"source": {"id": "datastore-1"}, "destination": storage}], **providers) as smap,
                NetworkMap(client=client, name="network", namespace=NAMESPACE, mapping=[{"source": {"name": "VM Network"}, "destination": {"type": "pod"}}], **providers) as nmap,
            ):
                smap.wait_for_condition(condition="Ready", status="True", timeout=60)
                nmap.wait_for_condition(condition="Ready", status="True", timeout=60)
                with Plan(
                    client=client,
                    name="plan",
                    namespace=NAMESPACE,
                    storage_map_name="storage",
                    storage_map_namespace=NAMESPACE,
                    network_map_name="network",
                    network_map_namespace=NAMESPACE,
                    virtual_machines_list=[{"id": "vm-1001"}],
                    target_namespace=NAMESPACE,
                    **providers,
                ) as plan:
                    plan.wait_for_condition(condition="Ready", status="True", timeout=60)
                    with Migration(client=client, name="migration", namespace=NAMESPACE, plan_name="plan", plan_namespace=NAMESPACE) as migration:
                        plan.wait_for_condition(condition="Succeeded", status="True", timeout=120, stop_condition="Failed")
                        migration.wait_for_condition(condition="Succeeded", status="True", timeout=60)
                        yield plan, migration


def test_a_plan_and_its_migration_succeed(migrated):
    plan, migration = migrated
    assert plan.instance.status.migration.vms[0].name == VM_NAME
    owners = migration.instance.metadata.ownerReferences
    assert [(o.kind, o.name, o.uid) for o in owners] == [("Plan", plan.name, plan.instance.metadata.uid)]


def test_the_migrated_vm_stops_and_starts(client, migrated):
    vm = VirtualMachine(client=client, name=VM_NAME, namespace=NAMESPACE)
    assert vm.exists
    assert vm.ready is True
    vm.stop(wait=True, timeout=30, vmi_delete_timeout=30)
    assert vm.ready is None, "a stopped VM has no status.ready"
    assert "ready" not in vm.instance.status
    assert vm.printable_status == "Stopped"
    assert vm.instance.spec.runStrategy == "Halted"
    assert not vm.vmi.exists

    vm.start(wait=True, timeout=30)
    assert vm.instance.spec.runStrategy == "Always"
    vmi = VirtualMachineInstance(client=client, name=VM_NAME, namespace=NAMESPACE)
    vmi.wait_until_running(timeout=30, logs=False)
    assert vmi.instance.metadata.ownerReferences[0].uid == vm.instance.metadata.uid
    assert [i.name for i in vmi.instance.status.interfaces] == [i.name for i in vm.get_interfaces()]

    vm.stop(wait=True, timeout=30, vmi_delete_timeout=30)
    assert vm.ready is None


def test_a_stopped_vm_cannot_be_stopped_again(client, migrated):
    vm = VirtualMachine(client=client, name=VM_NAME, namespace=NAMESPACE)
    if vm.ready:
        vm.stop(wait=True, timeout=30, vmi_delete_timeout=30)
    with pytest.raises(Exception, match="VM is not running"):
        vm.api_request(method="PUT", action="stop", retry_params={"timeout": 1, "sleep_time": 1})
