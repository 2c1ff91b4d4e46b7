"""Deltacloud's metrics collection over /api (mock driver): one metric per running instance,
property names in the index, one sample per property in the show, as Deltacloud's views lay
them out."""

from __future__ import annotations

import httpx

from ..conftest import OTHER, Running, new_instance, wait_state
from .conftest import xml

_SAMPLE_KEYS = ["minimum", "maximum", "average", "timestamp", "unit"]


def _running(api: httpx.Client, name: str) -> str:
    inst = new_instance(api, name=name)
    wait_state(api, inst["id"], "RUNNING")
    return str(inst["id"])


def test_the_index_lists_running_instances_with_their_property_names(
    api: httpx.Client, server: Running
) -> None:
    running = _running(api, "measured")
    idle = new_instance(api, start=False)
    wait_state(api, idle["id"], "STOPPED")
    root = xml(api.get("/api/metrics"))
    assert root.tag == "metrics"
    by_id = {m.get("id"): m for m in root.findall("metric")}
    assert idle["id"] not in by_id
    metric = by_id[running]
    assert metric.get("href") == f"{server.url}/api/metrics/{running}"
    assert metric.findtext("entity") == "measured"
    names = [p.tag for p in metric.find("properties") or []]
    assert "cpuUtilization" in names and "nicOutputPacket" in names and names == sorted(names)
    assert all(len(p) == 0 for p in metric.find("properties") or [])


def test_the_show_gives_one_sample_per_property_in_xml_and_json(api: httpx.Client) -> None:
    ident = _running(api, "sampled")
    root = xml(api.get(f"/api/metrics/{ident}"))
    assert root.tag == "metric" and root.get("id") == ident
    cpu = root.find("properties/cpuTime/sample")
    assert cpu is not None
    facts = {p.get("name"): p.get("value") for p in cpu.findall("property")}
    assert list(facts) == _SAMPLE_KEYS and facts["unit"] == "Seconds"
    assert float(facts["average"] or 0) > 0 and facts["minimum"] == facts["maximum"] == facts["average"]
    r = api.get(f"/api/metrics/{ident}", headers={"accept": "application/json"})
    assert r.status_code == 200 and r.headers["content-type"] == "application/json"
    body = r.json()["metric"]
    assert body["id"] == ident and body["entity"] == "sampled"
    props = {p["name"]: p["values"] for p in body["properties"]}
    assert list(props["nicInputByte"][0]) == _SAMPLE_KEYS and props["nicInputByte"][0]["unit"] == "Bytes"
    listed = api.get("/api/metrics", headers={"accept": "application/json"}).json()["metrics"]
    mine = next(m for m in listed if m["id"] == ident)
    assert all(p["values"] is None for p in mine["properties"])


def test_a_stopped_unknown_or_foreign_instance_has_no_metric(api: httpx.Client, server: Running) -> None:
    idle = new_instance(api, start=False)
    wait_state(api, idle["id"], "STOPPED")
    stopped = api.get(f"/api/metrics/{idle['id']}")
    assert stopped.status_code == 404 and "is STOPPED" in (xml(stopped).findtext("message") or "")
    assert api.get("/api/metrics/nope").status_code == 404
    with httpx.Client(base_url=server.url, auth=OTHER, timeout=30, headers={"accept": ""}) as c:
        ident = _running(api, "private")
        assert c.get(f"/api/metrics/{ident}").status_code == 404
        assert ident not in {m.get("id") for m in xml(c.get("/api/metrics")).findall("metric")}


def test_the_entry_point_advertises_metrics(api: httpx.Client, server: Running) -> None:
    root = xml(api.get("/api"))
    links = {link.get("rel"): link.get("href") for link in root.findall("link")}
    assert links["metrics"] == f"{server.url}/api/metrics"
