"""/api's addresses, networks, subnets and network_interfaces over a real server on loopback:
every route in XML and JSON, creates (201 + Location), deletes (204), associate/disassociate
(202), missing parameters (400 naming them), unknown ids (404 ``Not Found``, Deltacloud's words)
and, over a backend that only reads them, 412 with ``Expect`` naming the capability."""

from __future__ import annotations

import ipaddress
import itertools
import time
from collections.abc import Iterator
from xml.etree import ElementTree as ET

import httpx
import pytest

from hearth.api.deltacloud.net_views import nic_id, parse_nic_id
from hearth.drivers import Collection
from hearth.drivers.resources import NetworkInterface
from hearth.vocab.nic_kinds import InterfaceType
from hearth.vocab.nic_models import NicModel

from ..conftest import DEMO, FAST, OTHER, Running, serve_driver
from .conftest import xml
from .readonly import read_only_mock

_seq = itertools.count(1)


def _json(r: httpx.Response) -> dict:
    assert r.headers["content-type"] == "application/json", r.text
    body: dict = r.json()
    return body


def _error(r: httpx.Response, status: int) -> str:
    """The XML error document's message, after checking its status and code."""
    assert r.status_code == status, r.text
    doc = xml(r)
    assert doc.tag == "error" and doc.get("status") == str(status) and doc.findtext("code") == str(status)
    return doc.findtext("message") or ""


def _links(el: ET.Element) -> dict[str, tuple[str | None, str | None]]:
    return {link.get("rel") or "": (link.get("method"), link.get("href")) for link in el.iter("link")}


def _instance(api: httpx.Client) -> str:
    r = api.post("/api/instances", data={"image_id": "debian-12", "hwp_id": "small"})
    assert r.status_code == 201, r.text
    ident = xml(r).get("id") or ""
    deadline = time.monotonic() + 20
    while xml(api.get(f"/api/instances/{ident}")).findtext("state") != "RUNNING":
        assert time.monotonic() < deadline, "the instance did not boot"
        time.sleep(0.05)
    return ident


def _network(api: httpx.Client) -> tuple[str, str]:
    """A new network (10.<n>.0.0/16) with one subnet (10.<n>.1.0/24): their ids."""
    n = next(_seq)
    r = api.post("/api/networks", data={"name": f"net-{n}", "address_block": f"10.{n}.0.0/16"})
    assert r.status_code == 201, r.text
    net = xml(r).get("id") or ""
    r = api.post(
        "/api/subnets", data={"network_id": net, "address_block": f"10.{n}.1.0/24", "name": f"sub-{n}"}
    )
    assert r.status_code == 201, r.text
    return net, xml(r).get("id") or ""


# --- entry point ------------------------------------------------------------------------------


def test_the_entry_point_links_the_four_collections_without_features(api: httpx.Client) -> None:
    links = {link.get("rel"): link for link in xml(api.get("/api")).findall("link")}
    for rel in ("addresses", "networks", "subnets", "network_interfaces"):
        assert links[rel].get("href", "").endswith(f"/api/{rel}") and links[rel].findall("feature") == []
    value = _json(api.get("/api", params={"format": "json"}))
    rels = {link["rel"]: link for link in value["api"]["links"]}
    assert rels["addresses"]["features"] == [] and "subnets" in rels


# --- addresses --------------------------------------------------------------------------------


def test_an_address_is_created_shown_and_listed_in_xml_and_json(api: httpx.Client) -> None:
    r = api.post("/api/addresses")
    assert r.status_code == 201, r.text
    doc = xml(r)
    ident = doc.get("id") or ""
    assert r.headers["location"] == doc.get("href") and r.headers["location"].endswith(
        f"/api/addresses/{ident}"
    )
    ip = doc.findtext("ip") or ""
    ipaddress.ip_address(ip)
    links = _links(doc)
    assert links["destroy"] == ("delete", doc.get("href"))
    assert links["associate"] == ("post", f"{doc.get('href')}/associate") and "disassociate" not in links
    assert doc.find("instance") is None
    listed = xml(api.get("/api/addresses"))
    assert listed.tag == "addresses" and ident in {a.get("id") for a in listed.findall("address")}
    shown = _json(api.get(f"/api/addresses/{ident}", params={"format": "json"}))["address"]
    assert shown == {"id": ident, "href": doc.get("href"), "associated": False}
    every = _json(api.get("/api/addresses", params={"format": "json"}))["addresses"]
    assert shown in every


def test_associating_an_address_shows_it_on_the_instance_until_disassociated(api: httpx.Client) -> None:
    inst = _instance(api)
    ident = xml(api.post("/api/addresses")).get("id") or ""
    ip = xml(api.get(f"/api/addresses/{ident}")).findtext("ip")
    r = api.post(f"/api/addresses/{ident}/associate", data={"instance_id": inst})
    assert r.status_code == 202 and r.content == b"", r.text
    doc = xml(api.get(f"/api/addresses/{ident}"))
    assert doc.find("instance") is not None and doc.find("instance").get("id") == inst  # type: ignore[union-attr]
    links = _links(doc)
    assert "disassociate" in links and "associate" not in links
    value = _json(api.get(f"/api/addresses/{ident}", params={"format": "json"}))["address"]
    assert value["associated"] is True and value["instance_id"] == inst
    shown = xml(api.get(f"/api/instances/{inst}"))
    assert [a.text for a in shown.findall("public_addresses/address")] == [ip]
    public = _json(api.get(f"/api/instances/{inst}", params={"format": "json"}))["instance"][
        "public_addresses"
    ]
    assert public == [{"address": ip, "type": "ipv4"}]
    # An associated address is not released behind the instance's back.
    assert api.delete(f"/api/addresses/{ident}").status_code == 409
    r = api.post(f"/api/addresses/{ident}/disassociate", params={"format": "json"})
    assert r.status_code == 202 and r.content == b""
    assert xml(api.get(f"/api/instances/{inst}")).findall("public_addresses/address") == []
    assert api.delete(f"/api/addresses/{ident}").status_code == 204
    assert _error(api.get(f"/api/addresses/{ident}"), 404) == "Not Found"


def test_associate_without_instance_id_is_a_400_naming_it(api: httpx.Client) -> None:
    ident = xml(api.post("/api/addresses")).get("id")
    message = _error(api.post(f"/api/addresses/{ident}/associate"), 400)
    assert message.startswith("Required parameter 'instance_id' not found")


def test_an_unknown_address_is_404_not_found_in_xml_and_json(api: httpx.Client) -> None:
    assert _error(api.get("/api/addresses/no-such"), 404) == "Not Found"
    assert _error(api.delete("/api/addresses/no-such"), 404) == "Not Found"
    assert _error(api.post("/api/addresses/no-such/associate", data={"instance_id": "x"}), 404) == "Not Found"
    assert _error(api.post("/api/addresses/no-such/disassociate"), 404) == "Not Found"
    r = api.get("/api/addresses/no-such", params={"format": "json"})
    assert r.status_code == 404
    assert _json(r) == {
        "code": 404,
        "message": "Not Found",
        "error": "Deltacloud::Exceptions::ObjectNotFound",
    }


def test_associating_with_an_unknown_instance_is_a_404(api: httpx.Client) -> None:
    ident = xml(api.post("/api/addresses")).get("id")
    r = api.post(f"/api/addresses/{ident}/associate", data={"instance_id": "no-such"})
    assert r.status_code == 404 and "no-such" in _error(r, 404)


def test_disassociating_an_address_that_is_not_associated_is_a_409(api: httpx.Client) -> None:
    ident = xml(api.post("/api/addresses")).get("id")
    assert "not associated" in _error(api.post(f"/api/addresses/{ident}/disassociate"), 409)


# --- networks and subnets ---------------------------------------------------------------------


def test_a_network_and_its_subnet_are_created_shown_and_listed_in_xml_and_json(api: httpx.Client) -> None:
    r = api.post("/api/networks", data={"name": "made", "address_block": "172.20.0.0/16"})
    assert r.status_code == 201, r.text
    doc = xml(r)
    net = doc.get("id") or ""
    assert r.headers["location"] == doc.get("href") and doc.get("href", "").endswith(f"/api/networks/{net}")
    assert doc.findtext("name") == "made" and doc.findtext("state") == "UP"
    assert [b.text for b in doc.findall("address_blocks/address_block")] == ["172.20.0.0/16"]
    assert doc.findall("subnets/subnet") == []
    assert _links(doc)["destroy"] == ("delete", doc.get("href"))
    r = api.post(
        "/api/subnets", data={"network_id": net, "address_block": "172.20.5.0/24", "name": "made-sub"}
    )
    assert r.status_code == 201, r.text
    sub = xml(r)
    sub_id = sub.get("id") or ""
    assert r.headers["location"] == sub.get("href") and sub.get("href", "").endswith(f"/api/subnets/{sub_id}")
    assert sub.findtext("name") == "made-sub" and sub.findtext("state") == "UP"
    assert sub.findtext("address_block") == "172.20.5.0/24" and sub.findtext("network") == net
    shown = xml(api.get(f"/api/networks/{net}"))
    assert [(s.get("id"), s.get("href")) for s in shown.findall("subnets/subnet")] == [
        (sub_id, sub.get("href"))
    ]
    value = _json(api.get(f"/api/networks/{net}", params={"format": "json"}))["network"]
    assert value == {
        "id": net,
        "name": "made",
        "href": doc.get("href"),
        "state": "UP",
        "address_blocks": ["172.20.0.0/16"],
        "subnets": [{"id": sub_id, "href": sub.get("href")}],
    }
    svalue = _json(api.get(f"/api/subnets/{sub_id}", params={"format": "json"}))["subnet"]
    assert svalue == {
        "id": sub_id,
        "name": "made-sub",
        "href": sub.get("href"),
        "type": "PRIVATE",
        "state": "UP",
        "address_block": "172.20.5.0/24",
        "network": {"id": net, "href": doc.get("href")},
    }
    assert value in _json(api.get("/api/networks", params={"format": "json"}))["networks"]
    assert svalue in _json(api.get("/api/subnets", params={"format": "json"}))["subnets"]
    assert net in {n.get("id") for n in xml(api.get("/api/networks")).findall("network")}
    assert sub_id in {s.get("id") for s in xml(api.get("/api/subnets")).findall("subnet")}


def test_a_network_with_subnets_is_refused_then_deleted_once_they_are(api: httpx.Client) -> None:
    net, sub = _network(api)
    assert api.delete(f"/api/networks/{net}").status_code == 409
    assert api.delete(f"/api/subnets/{sub}").status_code == 204
    assert _error(api.get(f"/api/subnets/{sub}"), 404) == "Not Found"
    assert api.delete(f"/api/networks/{net}").status_code == 204
    assert _error(api.get(f"/api/networks/{net}"), 404) == "Not Found"


def test_a_nameless_network_and_subnet_get_made_up_names(api: httpx.Client) -> None:
    net = xml(api.post("/api/networks", data={"address_block": "172.21.0.0/16"}))
    assert (net.findtext("name") or "").startswith("net-")
    r = api.post("/api/subnets", data={"network_id": net.get("id"), "address_block": "172.21.1.0/24"})
    assert r.status_code == 201 and (xml(r).findtext("name") or "").startswith("subnet-")


@pytest.mark.parametrize(
    ("path", "data", "name"),
    [
        ("/api/networks", {"name": "x"}, "address_block"),
        ("/api/subnets", {"address_block": "10.0.0.0/24"}, "network_id"),
        ("/api/subnets", {"network_id": "default"}, "address_block"),
    ],
)
def test_a_create_without_a_required_parameter_is_a_400_naming_it(
    api: httpx.Client, path: str, data: dict[str, str], name: str
) -> None:
    assert _error(api.post(path, data=data), 400).startswith(f"Required parameter '{name}' not found")


def test_a_malformed_address_block_is_a_400_naming_the_parameter(api: httpx.Client) -> None:
    message = _error(api.post("/api/networks", data={"address_block": "10.0.0.1/8"}), 400)
    assert "address_block" in message


def test_a_subnet_of_an_unknown_network_is_a_404(api: httpx.Client) -> None:
    r = api.post("/api/subnets", data={"network_id": "no-such", "address_block": "10.9.0.0/24"})
    assert r.status_code == 404 and "no-such" in _error(r, 404)


def test_unknown_networks_and_subnets_are_404_not_found(api: httpx.Client) -> None:
    for path in ("/api/networks/no-such", "/api/subnets/no-such"):
        assert _error(api.get(path), 404) == "Not Found"
        assert _error(api.delete(path), 404) == "Not Found"
        assert _json(api.get(path, params={"format": "json"}))["message"] == "Not Found"


def test_the_shared_default_network_links_no_destroy_for_a_plain_user(api: httpx.Client) -> None:
    doc = xml(api.get("/api/networks/default"))
    assert doc.findtext("name") == "default" and "destroy" not in _links(doc)
    assert "destroy" not in _links(xml(api.get("/api/subnets/default")))


def test_another_user_sees_neither_demo_s_network_nor_its_address(api: httpx.Client, server: Running) -> None:
    net, sub = _network(api)
    address = xml(api.post("/api/addresses")).get("id")
    with httpx.Client(base_url=server.url, auth=OTHER, timeout=30, headers={"accept": ""}) as other:
        for path in (f"/api/networks/{net}", f"/api/subnets/{sub}", f"/api/addresses/{address}"):
            assert _error(other.get(path), 404) == "Not Found"
        assert address not in {a.get("id") for a in xml(other.get("/api/addresses")).findall("address")}


# --- network_interfaces -----------------------------------------------------------------------


def test_a_nic_is_created_on_a_network_shown_listed_and_deleted(api: httpx.Client) -> None:
    inst = _instance(api)
    net, sub = _network(api)
    r = api.post("/api/network_interfaces", data={"instance": inst, "network": net})
    assert r.status_code == 201, r.text
    doc = xml(r)
    ident = doc.get("id") or ""
    href = doc.get("href") or ""
    assert r.headers["location"] == href and href.endswith(f"/api/network_interfaces/{ident}")
    assert parse_nic_id(ident) is not None and parse_nic_id(ident)[0] == inst  # type: ignore[index]
    ip = doc.findtext("ip_address") or ""
    block = xml(api.get(f"/api/subnets/{sub}")).findtext("address_block") or ""
    assert ipaddress.ip_address(ip) in ipaddress.ip_network(block)
    where = doc.find("network")
    assert where is not None and (where.get("id"), where.get("rel"), where.text) == (sub, "subnet", sub)
    assert (where.get("href") or "").endswith(f"/api/subnets/{sub}")
    owner = doc.find("instance")
    assert owner is not None and (owner.get("id"), owner.text) == (inst, inst)
    assert _links(doc)["destroy"] == ("delete", href)
    value = _json(api.get(f"/api/network_interfaces/{ident}", params={"format": "json"}))["network_interface"]
    assert value["id"] == ident and value["href"] == href and value["ip_address"] == ip
    assert value["network"]["id"] == sub and value["instance"] == {"id": inst, "href": owner.get("href")}
    assert value["name"] == doc.findtext("name")
    assert value in _json(api.get("/api/network_interfaces", params={"format": "json"}))["network_interfaces"]
    assert ident in {
        n.get("id") for n in xml(api.get("/api/network_interfaces")).findall("network_interface")
    }
    nics = xml(api.get(f"/api/instances/{inst}")).findall("network_interfaces/network_interface")
    assert [(n.get("id"), n.get("href")) for n in nics] == [(ident, href)]
    listed = xml(api.get("/api/instances"))
    mine = next(i for i in listed.findall("instance") if i.get("id") == inst)
    assert [n.get("id") for n in mine.findall("network_interfaces/network_interface")] == [ident]
    assert api.delete(f"/api/network_interfaces/{ident}").status_code == 204
    assert _error(api.get(f"/api/network_interfaces/{ident}"), 404) == "Not Found"
    assert xml(api.get(f"/api/instances/{inst}")).find("network_interfaces") is None


def test_a_nic_asked_on_a_subnet_joins_that_subnet_s_network(api: httpx.Client) -> None:
    inst = _instance(api)
    net, sub = _network(api)
    r = api.post("/api/network_interfaces", data={"instance": inst, "network": sub, "name": "ignored"})
    assert r.status_code == 201, r.text
    assert xml(r).find("network").get("id") == sub  # type: ignore[union-attr]
    shown = api.get(f"/v1/instances/{inst}", headers={"accept": "application/json"}).json()
    assert {b["network"] for b in shown["network_bindings"]} == {net}


@pytest.mark.parametrize(
    ("data", "name"), [({"network": "default"}, "instance"), ({"instance": "i"}, "network")]
)
def test_a_nic_create_without_a_required_parameter_is_a_400_naming_it(
    api: httpx.Client, data: dict[str, str], name: str
) -> None:
    message = _error(api.post("/api/network_interfaces", data=data), 400)
    assert message.startswith(f"Required parameter '{name}' not found")


def test_a_nic_on_an_unknown_network_is_a_400_and_on_an_unknown_instance_a_404(api: httpx.Client) -> None:
    inst = _instance(api)
    assert "no-such-net" in _error(
        api.post("/api/network_interfaces", data={"instance": inst, "network": "no-such-net"}), 400
    )
    r = api.post("/api/network_interfaces", data={"instance": "no-such", "network": "default"})
    assert r.status_code == 404


@pytest.mark.parametrize("ident", ["no-such", "no-such_525400000001", "x_zz"])
def test_an_unknown_or_malformed_nic_id_is_404_not_found(api: httpx.Client, ident: str) -> None:
    assert _error(api.get(f"/api/network_interfaces/{ident}"), 404) == "Not Found"
    assert _error(api.delete(f"/api/network_interfaces/{ident}"), 404) == "Not Found"
    assert (
        _json(api.get(f"/api/network_interfaces/{ident}", params={"format": "json"}))["message"]
        == "Not Found"
    )


def test_another_user_does_not_see_demo_s_nic(api: httpx.Client, server: Running) -> None:
    inst = _instance(api)
    ident = xml(api.post("/api/network_interfaces", data={"instance": inst, "network": "default"})).get("id")
    with httpx.Client(base_url=server.url, auth=OTHER, timeout=30, headers={"accept": ""}) as other:
        assert _error(other.get(f"/api/network_interfaces/{ident}"), 404) == "Not Found"
        listed = xml(other.get("/api/network_interfaces")).findall("network_interface")
        assert ident not in {n.get("id") for n in listed}


def test_a_nic_id_joins_instance_and_mac_and_parses_back() -> None:
    nic = NetworkInterface(
        mac="52:54:00:ab:cd:ef", type=InterfaceType.network, source="n", model=NicModel.virtio,
        instance_id="a_b-1",
    )  # fmt: skip
    assert nic_id(nic) == "a_b-1_525400abcdef"
    assert parse_nic_id(nic_id(nic)) == ("a_b-1", "52:54:00:ab:cd:ef")
    assert parse_nic_id("525400abcdef") is None and parse_nic_id("a_52540") is None


def test_every_collection_needs_credentials(anonymous: httpx.Client) -> None:
    for path in ("addresses", "networks", "subnets", "network_interfaces"):
        r = anonymous.get(f"/api/{path}")
        assert r.status_code == 401 and r.headers["www-authenticate"].startswith("Basic ")


# --- a backend that only reads networking: 412 with Expect ------------------------------------

_NETWORKING = (Collection.addresses, Collection.networks, Collection.subnets, Collection.interfaces)


ReadOnlyNetworking = read_only_mock("readnet", *_NETWORKING)


@pytest.fixture(scope="module")
def readonly(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    tmp = tmp_path_factory.mktemp("dc-net-readonly")
    with serve_driver(tmp, lambda e: ReadOnlyNetworking(e, timing=FAST)) as running:
        yield from _client(running)


def _client(running: Running) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=running.url, auth=DEMO, timeout=30, headers={"accept": ""}) as c:
        yield c


def test_a_backend_that_only_reads_networking_answers_412_naming_each_capability(
    readonly: httpx.Client,
) -> None:
    refused = {
        "create_address": readonly.post("/api/addresses"),
        "destroy_address": readonly.delete("/api/addresses/a"),
        "associate_address": readonly.post("/api/addresses/a/associate", data={"instance_id": "i"}),
        "disassociate_address": readonly.post("/api/addresses/a/disassociate"),
        "create_network": readonly.post("/api/networks", data={"address_block": "10.0.0.0/8"}),
        "destroy_network": readonly.delete("/api/networks/default"),
        "create_subnet": readonly.post(
            "/api/subnets", data={"network_id": "n", "address_block": "10.0.0.0/24"}
        ),
        "destroy_subnet": readonly.delete("/api/subnets/default"),
        "create_network_interface": readonly.post(
            "/api/network_interfaces", data={"instance": "i", "network": "n"}
        ),
        "destroy_network_interface": readonly.delete("/api/network_interfaces/i_525400000001"),
    }
    for capability, r in refused.items():
        assert (r.status_code, r.headers.get("expect")) == (412, capability), (capability, r.text)
        assert _error(r, 412) == "The required capability to execute this operation is missing"
    r = readonly.post("/api/addresses", params={"format": "json"})
    assert r.status_code == 412 and _json(r)["error"] == "Deltacloud::Exceptions::NotSupported"


def test_a_backend_that_only_reads_networking_lists_them_without_destroy_links(
    readonly: httpx.Client,
) -> None:
    networks = xml(readonly.get("/api/networks"))
    assert [n.get("id") for n in networks.findall("network")] == ["default"]
    assert _links(networks) == {} and _links(xml(readonly.get("/api/subnets"))) == {}
    assert readonly.get("/api/addresses").status_code == 200
    assert readonly.get("/api/network_interfaces").status_code == 200
