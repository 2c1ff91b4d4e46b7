"""Drivers per request on /api: a mock server that also offers the ec2 driver, picked by header,
matrix parameter or ``api[driver]``, described offline from the driver class's declaration;
its collections reached with the EC2 key pair as HTTP Basic (against moto's server)."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from hearth.drivers.mock import MockDriver
from hearth.service import Service
from hearth.service.config import DriverName
from hearth.service.per_request import RemoteDriver

from ...drivers.ec2.moto import (
    ACCESS_KEY_ID,
    INSTANCE_TYPES,
    REGION,
    SECRET_ACCESS_KEY,
    MotoServer,
    run_moto,
)
from ..conftest import DEMO, FAST, Running, serve, store
from .conftest import xml


def _closed_port() -> int:
    """A loopback port nothing listens on: an EC2 endpoint that any call would fail to reach."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def offline(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    """The mock server with ec2 per request, its endpoint a port where nothing answers."""
    tmp = tmp_path_factory.mktemp("drivers")
    engine = store(tmp)
    options = {"endpoint_url": f"http://127.0.0.1:{_closed_port()}", "region": "eu-west-1"}
    remote = RemoteDriver(DriverName.ec2, options, tmp)
    service = Service(MockDriver(engine, timing=FAST), engine, remote_drivers=[remote])
    with serve(service) as running:
        yield running


@pytest.fixture
def anonymous(offline: Running) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=offline.url, timeout=30, headers={"accept": ""}) as c:
        yield c


def _features(root: object) -> set[str]:
    return {str(f.get("name")) for f in root.findall("link/feature")}  # type: ignore[attr-defined]


def test_the_ec2_driver_is_picked_by_header_matrix_parameter_or_api_driver(
    anonymous: httpx.Client,
) -> None:
    assert xml(anonymous.get("/api", headers={"x-deltacloud-driver": "ec2"})).get("driver") == "ec2"
    assert xml(anonymous.get("/api;driver=ec2")).get("driver") == "ec2"
    assert xml(anonymous.get("/api", params={"api[driver]": "ec2"})).get("driver") == "ec2"
    assert xml(anonymous.get("/api", headers={"x-deltacloud-driver": "EC2"})).get("driver") == "ec2"
    assert xml(anonymous.get("/api")).get("driver") == "mock"
    r = anonymous.get("/api;driver=ec2")
    assert r.headers["x-deltacloud-driver"] == "ec2"


def test_api_driver_wins_over_the_header_as_in_deltacloud(anonymous: httpx.Client) -> None:
    r = anonymous.get("/api", params={"api[driver]": "mock"}, headers={"x-deltacloud-driver": "ec2"})
    assert xml(r).get("driver") == "mock"


def test_the_ec2_entry_point_answers_offline_from_the_driver_class(anonymous: httpx.Client) -> None:
    # Nothing listens at the configured endpoint and no credentials are sent: a cloud call fails.
    r = anonymous.get("/api", headers={"x-deltacloud-driver": "ec2"})
    assert r.status_code == 200, r.text
    root = xml(r)
    rels = {link.get("rel") for link in root.findall("link")}
    assert {"instances", "images", "realms", "keys", "storage_volumes", "drivers"} <= rels
    assert "buckets" not in rels  # Hearth's own blob store is for Hearth's users, not a cloud's key pair
    assert "metrics" not in rels  # the ec2 driver does not read instance metrics


def test_the_features_change_with_the_driver(anonymous: httpx.Client) -> None:
    ec2 = _features(xml(anonymous.get("/api", headers={"x-deltacloud-driver": "ec2"})))
    mock = _features(xml(anonymous.get("/api", headers={"x-deltacloud-driver": "mock"})))
    assert "user_name" not in ec2 and "user_name" in mock  # EC2 names nothing: a name is a tag
    assert {"user_data", "authentication_key"} <= ec2


def test_the_ec2_entry_point_in_json_names_the_driver(anonymous: httpx.Client) -> None:
    api = anonymous.get("/api;driver=ec2", params={"format": "json"}).json()["api"]
    assert api["driver"] == "ec2" and api["provider"] == "default"
    instances = next(link for link in api["links"] if link["rel"] == "instances")
    names = {f[0]["name"] for f in instances["features"]}
    assert "user_name" not in names and "user_data" in names


def test_the_instance_states_of_ec2_are_its_own_without_credentials(anonymous: httpx.Client) -> None:
    ec2 = anonymous.get("/api;driver=ec2/instance_states")
    mock = anonymous.get("/api/instance_states")
    assert ec2.status_code == 200 and mock.status_code == 200
    ec2_actions = {t.get("action") for t in xml(ec2).iter("transition")}
    mock_actions = {t.get("action") for t in xml(mock).iter("transition")}
    assert "suspend" in mock_actions and "suspend" not in ec2_actions  # EC2 has no pause


def test_drivers_lists_every_configured_backend_with_the_ec2_region(
    offline: Running, anonymous: httpx.Client
) -> None:
    root = xml(anonymous.get("/api/drivers"))
    drivers = {d.get("id"): d for d in root.findall("driver")}
    assert list(drivers) == ["ec2", "mock"]
    ec2 = drivers["ec2"]
    assert ec2.get("href") == f"{offline.url}/api/drivers/ec2" and ec2.findtext("name") == "EC2"
    (provider,) = ec2.findall("provider")
    assert provider.get("id") == "eu-west-1"
    entry = provider.find("entrypoint")
    assert (
        entry is not None
        and entry.get("kind") == "ec2"
        and (entry.text or "").startswith("http://127.0.0.1:")
    )
    assert drivers["mock"].findall("provider") == []


def test_drivers_in_json_carry_the_entrypoints_by_kind_then_provider(anonymous: httpx.Client) -> None:
    body = anonymous.get("/api/drivers", params={"format": "json"}).json()
    assert set(body) == {"ec2", "mock"} and body["mock"] == {"name": "Mock"}
    assert body["ec2"]["name"] == "EC2"
    assert set(body["ec2"]["entrypoints"]["ec2"]) == {"eu-west-1"}
    one = anonymous.get("/api/drivers/ec2", params={"format": "json"}).json()["driver"]
    assert one["id"] == "ec2" and one["name"] == "EC2" and "eu-west-1" in one["entrypoints"]["ec2"]


def test_an_unconfigured_driver_is_deltacloud_s_500_and_unknown_in_drivers(anonymous: httpx.Client) -> None:
    for r in (
        anonymous.get("/api", headers={"x-deltacloud-driver": "nosuch"}),
        anonymous.get("/api;driver=libvirt/realms"),
    ):
        assert r.status_code == 500
        root = xml(r)
        assert root.tag == "error" and "is not available on this server" in (root.findtext("message") or "")
    assert anonymous.get("/api/drivers/nosuch").status_code == 404


def test_post_api_with_a_driver_redirects_to_its_matrix_url(
    offline: Running, anonymous: httpx.Client
) -> None:
    r = anonymous.post("/api", data={"driver": "ec2"})
    assert r.status_code == 301 and r.headers["location"] == f"{offline.url}/api;driver=ec2"
    r = anonymous.post("/api", data={"provider": "eu-west-1"})
    assert r.status_code == 301 and r.headers["location"] == f"{offline.url}/api;provider=eu-west-1"
    r = anonymous.post("/api", data={"driver": "ec2", "provider": "eu-west-1"})
    assert r.headers["location"] == f"{offline.url}/api;driver=ec2"  # Deltacloud keeps the driver only
    r = anonymous.post("/api")
    assert r.status_code == 301 and r.headers["location"] == f"{offline.url}/api"


def test_ec2_collections_without_credentials_are_401_naming_the_key_pair(anonymous: httpx.Client) -> None:
    for path in ("/api;driver=ec2/realms", "/api;driver=ec2/images", "/api;driver=ec2/hardware_profiles"):
        r = anonymous.get(path)
        assert r.status_code == 401, (path, r.text)
        assert r.headers["www-authenticate"] == 'Basic realm="ec2-deltacloud@hearth"'
        assert "access key id" in (xml(r).findtext("message") or "")


def test_hearth_s_blob_store_is_not_served_through_a_cloud_s_key_pair(anonymous: httpx.Client) -> None:
    r = anonymous.get("/api;driver=ec2/buckets", auth=("AKIAANY", "any-secret"))
    assert r.status_code == 404 and xml(r).tag == "error"


def test_an_unreachable_ec2_endpoint_is_a_clear_error_that_shows_no_secret(
    offline: Running, anonymous: httpx.Client
) -> None:
    secret = "a-secret-that-must-not-show-anywhere"
    r = anonymous.get("/api;driver=ec2/realms", auth=("AKIAOFFLINEKEY000001", secret))
    assert 500 <= r.status_code < 600 and xml(r).tag == "error"
    assert secret not in r.text and "AKIAOFFLINEKEY000001" not in r.text and "Traceback" not in r.text


def test_the_mock_driver_keeps_hearth_s_users(anonymous: httpx.Client) -> None:
    assert anonymous.get("/api;driver=mock/realms").status_code == 401
    assert anonymous.get("/api;driver=mock/realms", auth=DEMO).status_code == 200


def test_the_ec2_sessions_are_bounded_and_keyed_by_the_key_pair(tmp_path: Path) -> None:
    remote = RemoteDriver(DriverName.ec2, {"region": "us-east-1"}, tmp_path, max_sessions=2)
    try:
        a = remote.lease("AKIAONE", "secret-one")
        assert remote.lease("AKIAONE", "secret-one") is a and a.leases == 2  # cached
        remote.release(a)
        b = remote.lease("AKIAONE", "secret-two")  # another secret: another session
        assert b is not a and b.caller == a.caller  # but the same owner: the access key id's
        remote.release(b)
        c = remote.lease("AKIATWO", "secret-three")
        remote.release(c)
        assert remote.open_sessions == 2 and a.retired  # the least recently used one is out
        assert a.leases == 1 and not a.service.tasks._closed  # still leased: not closed yet
        remote.release(a)  # its last request is done: closed now
        assert a.leases == 0 and a.service.tasks._closed
        assert "AKIAONE" not in a.caller.user_id and "secret" not in repr(remote.__dict__)
    finally:
        remote.close()
    assert (tmp_path / "hearth-ec2.db").exists()  # the driver's own store under the state dir


# --- slice 2: the ec2 driver's collections, with the key pair as HTTP Basic, against moto ---


@pytest.fixture(scope="module")
def moto_ec2(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MotoServer]:
    with run_moto(tmp_path_factory.mktemp("moto")) as server:
        yield server


@pytest.fixture(scope="module")
def cloud(moto_ec2: MotoServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    """The mock server with ec2 per request at moto's endpoint (the table has no credentials)."""
    tmp = tmp_path_factory.mktemp("cloud")
    engine = store(tmp)
    options = {"endpoint_url": moto_ec2.url, "region": REGION, "instance_types": INSTANCE_TYPES}
    remote = RemoteDriver(DriverName.ec2, options, tmp)
    service = Service(MockDriver(engine, timing=FAST), engine, remote_drivers=[remote])
    with serve(service) as running:
        yield running


@pytest.fixture
def ec2(cloud: Running) -> Iterator[httpx.Client]:
    """A Deltacloud client on the ec2 driver, the EC2 key pair as its Basic credentials."""
    with httpx.Client(
        base_url=cloud.url,
        auth=(ACCESS_KEY_ID, SECRET_ACCESS_KEY),
        timeout=60,
        headers={"accept": "", "x-deltacloud-driver": "ec2"},
    ) as c:
        yield c


def _state(ec2: httpx.Client, ident: str) -> str:
    return str(xml(ec2.get(f"/api/instances/{ident}")).findtext("state"))


def _wait(ec2: httpx.Client, ident: str, state: str) -> None:
    deadline = time.monotonic() + 30
    while (seen := _state(ec2, ident)) != state:
        assert time.monotonic() < deadline, f"instance {ident} still {seen}, wanted {state}"
        time.sleep(0.1)


def test_the_ec2_realms_are_the_region_s_zones(moto_ec2: MotoServer, ec2: httpx.Client) -> None:
    r = ec2.get("/api;driver=ec2/realms")
    assert r.status_code == 200, r.text
    ids = {realm.get("id") for realm in xml(r).findall("realm")}
    zones = {z["ZoneName"] for z in moto_ec2.client().describe_availability_zones()["AvailabilityZones"]}
    assert ids and ids <= zones


def test_the_ec2_images_are_the_account_s_amis(moto_ec2: MotoServer, ec2: httpx.Client) -> None:
    ami = moto_ec2.register_image("deltacloud-per-request")
    r = ec2.get("/api/images")
    assert r.status_code == 200, r.text
    assert ami in {i.get("id") for i in xml(r).findall("image")}
    assert xml(ec2.get(f"/api/images/{ami}")).get("id") == ami


def test_an_instance_is_made_listed_and_destroyed_in_ec2_through_api(
    moto_ec2: MotoServer, ec2: httpx.Client
) -> None:
    ami = moto_ec2.register_image("deltacloud-instance")
    r = ec2.post("/api/instances", data={"image_id": ami, "hwp_id": "t3.micro", "name": "dc-web"})
    assert r.status_code == 201, r.text
    ident = str(xml(r).get("id"))
    assert r.headers["location"].endswith(f"/api/instances/{ident}")
    seen = moto_ec2.client().describe_instances(InstanceIds=[ident])["Reservations"][0]["Instances"][0]
    assert seen["ImageId"] == ami and {"Key": "Name", "Value": "dc-web"} in seen["Tags"]
    assert ident in {i.get("id") for i in xml(ec2.get("/api/instances")).findall("instance")}
    _wait(ec2, ident, "RUNNING")
    assert ec2.post(f"/api/instances/{ident}/stop").status_code == 202
    _wait(ec2, ident, "STOPPED")
    assert ec2.delete(f"/api/instances/{ident}").status_code == 204
    state = moto_ec2.client().describe_instances(InstanceIds=[ident])["Reservations"][0]["Instances"][0]
    assert state["State"]["Name"] in ("shutting-down", "terminated")
    assert ident not in {i.get("id") for i in xml(ec2.get("/api/instances")).findall("instance")}


def test_another_key_pair_does_not_see_the_first_one_s_instances(
    moto_ec2: MotoServer, ec2: httpx.Client
) -> None:
    ami = moto_ec2.register_image("deltacloud-owner")
    made = xml(ec2.post("/api/instances", data={"image_id": ami, "hwp_id": "t3.micro"}))
    ident = str(made.get("id"))
    another = ("AKIAANOTHERKEY000002", "another-secret")
    other = ec2.get("/api/instances", auth=another)
    assert other.status_code == 200 and ident not in other.text
    assert ec2.get(f"/api/instances/{ident}", auth=another).status_code in (403, 404)


def test_force_auth_on_ec2_asks_the_cloud(ec2: httpx.Client, cloud: Running) -> None:
    assert ec2.get("/api", params={"force_auth": "1"}).status_code == 200
    with httpx.Client(base_url=cloud.url, timeout=30, headers={"accept": ""}) as anonymous:
        r = anonymous.get("/api;driver=ec2", params={"force_auth": "1"})
        assert r.status_code == 401


def test_the_key_pair_never_shows_in_an_ec2_error(ec2: httpx.Client) -> None:
    r = ec2.post("/api/instances", data={"image_id": "ami-00000000nosuch", "hwp_id": "t3.micro"})
    assert 400 <= r.status_code < 600 and xml(r).tag == "error"
    assert SECRET_ACCESS_KEY not in r.text and ACCESS_KEY_ID not in r.text and "Traceback" not in r.text


def test_a_provider_the_ec2_driver_is_not_set_up_for_is_refused(ec2: httpx.Client) -> None:
    r = ec2.get("/api;driver=ec2;provider=eu-west-1/realms")
    assert r.status_code == 400
    assert "serves the provider us-east-1" in (xml(r).findtext("message") or "")
    assert ec2.get("/api;driver=ec2;provider=us-east-1/realms").status_code == 200
    r = ec2.get("/api/realms", headers={"x-deltacloud-provider": "eu-west-1"})
    assert r.status_code == 400


def test_a_driver_name_with_a_line_break_is_refused_and_never_echoed_in_a_header(
    anonymous: httpx.Client,
) -> None:
    r = anonymous.get("/api;driver=ec2%0d%0aset-cookie:%20stolen=1/realms")
    assert r.status_code == 500 and xml(r).tag == "error"
    assert "set-cookie" not in r.headers and r.headers["x-deltacloud-driver"] == "mock"


def test_more_key_pairs_at_once_than_the_cache_holds_are_all_answered(
    moto_ec2: MotoServer, tmp_path: Path
) -> None:
    engine = store(tmp_path)
    options = {"endpoint_url": moto_ec2.url, "region": REGION, "instance_types": INSTANCE_TYPES}
    remote = RemoteDriver(DriverName.ec2, options, tmp_path, max_sessions=2)
    service = Service(MockDriver(engine, timing=FAST), engine, remote_drivers=[remote])
    with serve(service) as running:

        def realms(n: int) -> int:
            auth = (f"AKIAPARALLELKEY{n:05d}", f"secret-{n}")
            with httpx.Client(base_url=running.url, auth=auth, timeout=60) as c:
                return c.get("/api;driver=ec2/realms").status_code

        with ThreadPoolExecutor(max_workers=6) as pool:
            statuses = list(pool.map(realms, range(12)))
        assert statuses == [200] * 12
        assert remote.open_sessions == 2
