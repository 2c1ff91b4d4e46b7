"""`/api/instance_states?format=gv|png`: the state machine as Graphviz dot and as a PNG picture."""

from __future__ import annotations

import asyncio
import re
import subprocess
from pathlib import Path

import httpx
import pytest

from hearth.api.deltacloud import graph
from hearth.api.deltacloud.faults import DeltacloudError

from .conftest import xml

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _edges(dot: str) -> set[tuple[str, str, str]]:
    return set(re.findall(r'"(\w+)" -> "(\w+)" \[label="(\w+)"', dot))


def test_gv_is_a_dot_document_of_the_same_machine_the_xml_shows(anonymous: httpx.Client) -> None:
    r = anonymous.get("/api/instance_states", params={"format": "gv"})
    assert r.status_code == 200 and r.headers["content-type"] == "text/vnd.graphviz"
    # Graphviz itself parses it (canon: parse and print back, nothing rendered).
    parsed = subprocess.run(["dot", "-Tcanon"], input=r.text, capture_output=True, text=True, timeout=30)
    assert parsed.returncode == 0, parsed.stderr
    assert parsed.stdout.startswith("digraph instance_states")
    states = xml(anonymous.get("/api/instance_states"))
    expected = {
        (s.get("name"), t.get("to"), "auto" if t.get("auto") == "true" else t.get("action"))
        for s in states.iter("state")
        for t in s.iter("transition")
    }
    assert _edges(r.text) == expected
    assert ("start", "pending", "create") in expected and ("pending", "running", "auto") in expected


def test_png_is_a_picture_rendered_by_graphviz(anonymous: httpx.Client) -> None:
    r = anonymous.get("/api/instance_states", params={"format": "png"})
    assert r.status_code == 200 and r.headers["content-type"] == "image/png"
    assert r.content.startswith(PNG_MAGIC) and len(r.content) > 1000
    by_accept = anonymous.get("/api/instance_states", headers={"accept": "image/png"})
    assert by_accept.status_code == 200 and by_accept.content.startswith(PNG_MAGIC)


def test_a_picture_of_a_collection_that_is_not_the_state_machine_is_not_acceptable(
    api: httpx.Client,
) -> None:
    assert api.get("/api/realms", params={"format": "png"}).status_code == 406
    assert api.get("/api/images", params={"format": "gv"}).status_code == 406


def test_png_without_graphviz_is_a_500_that_says_so(
    anonymous: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(graph.shutil, "which", lambda _name: None)
    r = anonymous.get("/api/instance_states", params={"format": "png"})
    assert r.status_code == 500 and r.headers["content-type"] == "application/xml"
    assert "Graphviz's dot, which is not installed" in r.text and "Traceback" not in r.text


def test_a_dot_that_hangs_is_stopped_at_the_timeout(tmp_path: Path) -> None:
    slow = tmp_path / "slow-dot"
    slow.write_text("#!/bin/sh\nexec sleep 30\n")
    slow.chmod(0o755)
    with pytest.raises(DeltacloudError, match="within 0.3 s") as caught:
        asyncio.run(graph.render_png("digraph {}", timeout=0.3, program=str(slow)))
    assert caught.value.status == 500


def test_a_dot_that_fails_is_a_500_with_its_first_complaint() -> None:
    with pytest.raises(DeltacloudError, match=r"dot failed \(exit 1\): .*syntax error") as caught:
        asyncio.run(graph.render_png("digraph { -> }"))
    assert caught.value.status == 500
