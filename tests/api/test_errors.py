"""One error shape for every failure: routing, validation, state, capability, backend, bugs."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from hearth.drivers import OPERATION_METHODS, Caller, Collection, Operation
from hearth.drivers.mock import MockDriver
from hearth.drivers.mock.catalogue import Realms
from hearth.drivers.mock.images import Images
from hearth.drivers.mock.instances import Instances
from hearth.drivers.mock.volumes import Volumes
from hearth.drivers.parts import PART_BASES, Part
from hearth.drivers.resources import Image, Instance, InstanceFilter, Realm, Volume, VolumeCreate
from hearth.errors import BackendTimeout

from .conftest import DEMO, FAST, Running, assert_error, new_instance, serve_driver, wait_state, wait_task


def test_unknown_route_is_404_in_the_error_shape(demo: httpx.Client) -> None:
    body = assert_error(demo.get("/v1/no-such-collection"), 404, "NotFound")
    assert "/v1/no-such-collection" in str(body["message"])
    assert_error(demo.get("/elsewhere"), 404, "NotFound")


def test_wrong_method_is_405_in_the_error_shape(demo: httpx.Client) -> None:
    r = demo.put("/v1/instances")
    assert_error(r, 405, "MethodNotAllowed")
    assert set(r.headers["allow"].replace(" ", "").split(",")) == {"GET", "POST"}


def test_unparseable_json_is_400(demo: httpx.Client) -> None:
    r = demo.post("/v1/networks", content=b'{"name": ', headers={"content-type": "application/json"})
    assert_error(r, 400, "ValidationError")


def test_schema_violations_are_422_naming_the_fields(demo: httpx.Client) -> None:
    r = demo.post("/v1/networks", json={"name": "ok", "address_blocks": ["10.0.0.0/8"], "colour": "red"})
    body = assert_error(r, 422, "ValidationError")
    assert body["details"] == {"fields": ["colour"]}
    r = demo.post("/v1/networks", json={"name": "-bad name", "address_blocks": ["10.0.0.1/8"]})
    body = assert_error(r, 422, "ValidationError")
    assert body["details"] == {"fields": ["name", "address_blocks"]}
    assert "10.0.0.1/8" in str(body["message"])  # the CIDR check explains itself
    body = assert_error(demo.get("/v1/instances", params={"limit": 0}), 422, "ValidationError")
    assert body["details"] == {"fields": ["query parameter limit"]}
    body = assert_error(demo.get("/v1/instances", params={"state": "network"}), 422, "ValidationError")
    assert "state" in str(body["message"])
    body = assert_error(demo.post("/v1/instances", json={"image_id": "debian-12"}), 422, "ValidationError")
    assert body["details"] == {"fields": ["hwp_id"]}


def test_a_rejected_value_is_not_echoed(demo: httpx.Client) -> None:
    """Validation messages name the field, never repeat what was sent (it may be a secret)."""
    secret = "hunter2-very-secret"
    r = demo.post("/v1/keys", json={"name": secret + " with spaces"})
    assert_error(r, 422, "ValidationError")
    assert secret not in r.text


def test_the_driver_form_does_not_take_a_resolved_template(demo: httpx.Client) -> None:
    r = demo.post("/v1/instances", json={"template_id": "t", "hwp_id": "small", "spec": {"os": "debian12"}})
    body = assert_error(r, 422, "ValidationError")
    assert set(body["details"]["fields"]) >= {"template_id", "spec"}


def test_an_action_not_allowed_now_is_409_with_the_allowed_ones(demo: httpx.Client) -> None:
    inst = new_instance(demo)
    wait_state(demo, inst["id"], "RUNNING")
    body = assert_error(demo.post(f"/v1/instances/{inst['id']}/start"), 409, "InvalidState")
    assert "allowed now: stop, reboot, suspend" in str(body["message"])
    assert body["details"]["allowed"] == ["stop", "reboot", "suspend"]
    assert_error(demo.delete(f"/v1/instances/{inst['id']}"), 409, "InvalidState")


# Everything but these operations falls back to the contract's "not supported".
_KEEP = {
    Operation.instances_list, Operation.instances_get, Operation.images_list, Operation.images_get,
    Operation.realms_list, Operation.realms_get, Operation.hardware_profiles_list,
    Operation.hardware_profiles_get, Operation.keys_list, Operation.keys_get,
}  # fmt: skip


def _keeping_only(part: type[Part]) -> type[Part]:
    """The mock's part with every operation outside ``_KEEP`` given back to the base part."""
    base = PART_BASES[part.collection]
    dropped = {
        meth: getattr(base, meth)
        for op, meth in OPERATION_METHODS.items()
        if op.collection is part.collection and op not in _KEEP
    }
    return type(f"ReadOnly{part.__name__}", (part,), dropped)


class ReadOnlyDriver(MockDriver):
    """A real driver with less capability: it lists and shows, and nothing else."""

    name = "readonly"
    features = frozenset()
    parts = {
        collection: _keeping_only(part)
        for collection, part in MockDriver.parts.items()
        if any(op.collection is collection for op in _KEEP)
    }


@pytest.fixture(scope="module")
def readonly(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    with serve_driver(tmp_path_factory.mktemp("readonly"), lambda e: ReadOnlyDriver(e, timing=FAST)) as r:
        yield r


def test_unsupported_operations_are_501_and_not_advertised(readonly: Running) -> None:
    with readonly.client(DEMO) as c:
        entry = c.get("/v1").json()
        names = {col["name"] for col in entry["collections"]}
        service_side = set(readonly.service.service_collections())
        assert "tasks" in service_side
        frontend_side = {"media", "host", "buckets", "events"}  # over the Service and the host, any driver
        assert (
            names
            == {"instances", "images", "realms", "hardware_profiles", "keys"} | service_side | frontend_side
        )
        by_name = {col["name"]: col for col in entry["collections"]}
        assert by_name["instances"]["operations"] == ["list", "get"]
        assert by_name["instances"]["features"] == []
        assert c.get("/v1/instances").status_code == 200
        cases = [
            ("POST", "/v1/instances", {"image_id": "debian-12", "hwp_id": "small"}, "instances.create"),
            ("POST", "/v1/instances/x/start", None, "instances.start"),
            ("POST", "/v1/instances/x/stop", None, "instances.stop"),
            ("DELETE", "/v1/instances/x", None, "instances.destroy"),
            ("GET", "/v1/volumes", None, "volumes.list"),
            ("POST", "/v1/volumes", {"capacity_gb": 1}, "volumes.create"),
            ("GET", "/v1/networks/x", None, "networks.get"),
            ("POST", "/v1/keys", {"name": "k"}, "keys.create"),
            ("GET", "/v1/instances/x/interfaces", None, "interfaces.list"),
            ("DELETE", "/v1/addresses/x", None, "addresses.delete"),
            ("GET", "/v1/instances/x/console/log", None, "instances.console_output"),
            ("GET", "/v1/instances/x/metrics", None, "instances.metrics"),
        ]
        for method, path, body, op in cases:
            r = c.request(method, path, json=body)
            err = assert_error(r, 501, "NotSupported")
            assert err["details"] == {"driver": "readonly", "operation": op}, (path, err)
            assert f"does not support {op}" in str(err["message"])


def test_an_unsupported_feature_is_501(readonly: Running) -> None:
    with readonly.client(DEMO) as c:
        err = assert_error(c.get("/v1/instances", params={"realm": "local"}), 501, "NotSupported")
        assert err["details"] == {"driver": "readonly", "feature": "realm_filter"}


class BrokenRealms(Realms):
    def get_realm(self, caller: Caller, realm_id: str) -> Realm:
        raise RuntimeError("secret internals: password=hunter2 at /srv/db")


class BrokenImages(Images):
    def list_images(self, caller: Caller) -> list[Image]:
        raise BackendTimeout("the hypervisor did not answer within 30s", host="h1")


class BrokenVolumes(Volumes):
    def create_volume(self, caller: Caller, request: VolumeCreate) -> Volume:
        raise ZeroDivisionError("deep inside a task")


class BrokenInstances(Instances):
    def list_instances(self, caller: Caller, filters: InstanceFilter | None = None) -> list[Instance]:
        return [Instance.model_construct(id="leaked-driver-value")]  # an invalid response: a bug as well


class BrokenDriver(MockDriver):
    """A driver with a bug (a plain exception) and a backend that times out."""

    name = "broken"
    parts = {
        **MockDriver.parts,
        Collection.realms: BrokenRealms,
        Collection.images: BrokenImages,
        Collection.volumes: BrokenVolumes,
        Collection.instances: BrokenInstances,
    }


@pytest.fixture(scope="module")
def broken(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    with serve_driver(tmp_path_factory.mktemp("broken"), lambda e: BrokenDriver(e, timing=FAST)) as r:
        yield r


def test_a_bug_is_500_without_a_traceback(broken: Running, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR, logger="hearth.api"), broken.client(DEMO) as c:
        r = c.get("/v1/realms/local")
        body = assert_error(r, 500, "InternalError")
        assert "hunter2" not in r.text and "RuntimeError" not in r.text and "/srv/db" not in r.text
        ref = body["details"]["reference"]
        assert ref in str(body["message"])
        # The server log has the traceback under the reference.
        logged = [rec for rec in caplog.records if ref in rec.getMessage()]
        assert logged and logged[0].exc_info is not None
        # The connection and the server survive it.
        assert c.get("/v1/realms").status_code == 200


def test_an_invalid_driver_response_is_500_too(broken: Running) -> None:
    with broken.client(DEMO) as c:
        r = c.get("/v1/instances")
        body = assert_error(r, 500, "InternalError")
        assert body["message"] == f"internal server error (reference {body['details']['reference']})"
        assert "leaked-driver-value" not in r.text


def test_a_backend_timeout_is_504(broken: Running) -> None:
    with broken.client(DEMO) as c:
        body = assert_error(c.get("/v1/images"), 504, "BackendTimeout")
        assert body["details"] == {"host": "h1"}


def test_a_bug_inside_a_task_fails_the_task_without_internals(broken: Running) -> None:
    with broken.client(DEMO) as c:
        svc = broken.service
        caller = svc.authenticate(*DEMO)
        real = Volumes(svc.driver.context, MockDriver).create_volume(caller, VolumeCreate(capacity_gb=1))
        snap = c.post("/v1/snapshots", json={"volume_id": real.id}).json()
        r = c.post("/v1/volumes", json={"capacity_gb": 1, "snapshot_id": snap["id"]})
        assert r.status_code == 202
        done = wait_task(c, r.headers["location"])
        assert done["status"] == "failed" and done["result"] is None
        err = done["error"]
        assert err["code"] == 500 and err["error"] == "InternalError"
        assert "deep inside" not in r.text + str(done) and "ZeroDivision" not in str(done)


def test_database_urls_are_never_shown_with_their_password(tmp_path: Path) -> None:
    from hearth.service import ServiceConfig

    cfg = ServiceConfig(state_dir=tmp_path, db="postgresql://hearth:s3cret@db.example/hearth")
    assert "s3cret" not in cfg.db_display and "***" in cfg.db_display
