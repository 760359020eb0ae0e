"""The simulated cluster the suite talks to, as `sim/tests/wrapper.rs` started it.

The Rust test passes the API URL, one user's credentials and the PEM of the
inventory Route's self-signed certificate in the environment.
"""

import os

import pytest
from ocp_resources.resource import get_client


def _env(name):
    value = os.environ.get(name)
    if not value:
        pytest.exit(f"{name} is not set: run this suite through `cargo test -p mtv-sim --test wrapper`", returncode=2)
    return value


@pytest.fixture(scope="session")
def sim():
    return {
        "url": _env("MTV_SIM_URL"),
        "username": _env("MTV_SIM_USERNAME"),
        "password": _env("MTV_SIM_PASSWORD"),
        "inventory_ca": _env("MTV_SIM_INVENTORY_CA"),
    }


@pytest.fixture(scope="session")
def client(sim):
    # The wrapper's username/password login: OpenShift's authorization-code flow.
    return get_client(username=sim["username"], password=sim["password"], host=sim["url"], verify_ssl=False)
