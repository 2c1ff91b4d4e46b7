"""The two steps of ``scripts/conformance.sh`` that are more than shell: seeding a fresh server's
Deltacloud account, and comparing the suite's failures with a list of expected ones.

``python -m hearth.testing.conformance seed URL IMAGE NAME`` gives mockuser one key, volume,
snapshot and instance through the server's own ``/api`` (the suite's member tests need one of each
to look at; a fresh libvirt server has none, where Deltacloud's mock has fixtures).

``python -m hearth.testing.conformance compare LIST OUTPUT`` reads what the suite's ``run.sh``
printed and exits 0 only when the tests that failed, in the collections that ran, are exactly
those LIST names: an unlisted failure is a regression, a listed test that passes is a list that
has gone stale, and both fail the run, so the list stays true.
"""

from __future__ import annotations

import base64
import json
import re
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_TEST_ID = re.compile(r"test_\d+")
# run.sh's per-collection line ("realms   14 tests, ...") or its crash line.
_COLLECTION = re.compile(r"^(\S+)\s+(\d+ tests,|CRASHED)")
# The name line run.sh prints under "N) Failure:" / "N) Error:", indented, ending in ':'.
_FAILED = re.compile(r"^    .*#(test_\d+)_.*:$")
CRASHED = "CRASHED"

Failure = tuple[str, str]  # (collection, test id), the id CRASHED for a collection that crashed


class ListError(ValueError):
    """A line of the expected-failures list that is not ``COLLECTION TEST_ID [reason]``."""


def read_expected(lines: Iterable[str], source: str = "the list") -> dict[Failure, str]:
    """``COLLECTION TEST_ID  reason`` lines (``#`` starts a comment) into {(collection, id): reason}."""
    expected: dict[Failure, str] = {}
    for number, line in enumerate(lines, 1):
        words = line.split("#", 1)[0].split()
        if not words:
            continue
        if len(words) < 2 or not _TEST_ID.fullmatch(words[1]):
            raise ListError(
                f"{source}:{number}: want COLLECTION TEST_ID (e.g. base_api test_0013), not {line.strip()!r}"
            )
        expected[(words[0], words[1])] = " ".join(words[2:])
    return expected


def read_failures(output: Iterable[str]) -> tuple[set[str], set[Failure]]:
    """The collections run.sh ran, and the tests it named as failed (a crash counts as one)."""
    ran: set[str] = set()
    failed: set[Failure] = set()
    collection: str | None = None
    for raw in output:
        line = raw.rstrip("\n")
        head = _COLLECTION.match(line)
        if head:
            collection = head.group(1)
            ran.add(collection)
            if head.group(2) == CRASHED:
                failed.add((collection, CRASHED))
            continue
        test = _FAILED.match(line.rstrip())
        if collection is not None and test:
            failed.add((collection, test.group(1)))
    return ran, failed


@dataclass(frozen=True)
class Comparison:
    matched: list[Failure]
    unexpected: list[Failure]  # failed, not listed
    passing: list[Failure]  # listed, ran, did not fail

    @property
    def ok(self) -> bool:
        return not self.unexpected and not self.passing


def compare(expected: dict[Failure, str], ran: set[str], failed: set[Failure]) -> Comparison:
    """Only the listed tests of collections that ran count: a run of a few collections says
    nothing about the others."""
    wanted = {k for k in expected if k[0] in ran}
    return Comparison(
        matched=sorted(wanted & failed), unexpected=sorted(failed - wanted), passing=sorted(wanted - failed)
    )


def report(result: Comparison, expected: dict[Failure, str], source: str) -> list[str]:
    lines = [f"conformance: {len(result.matched)} expected failures, as listed in {source}"]
    lines += [f"conformance: UNEXPECTED failure: {c} {t}" for c, t in result.unexpected]
    lines += [
        f"conformance: {c} {t} passes now: take it off {source} ({expected[(c, t)]})"
        for c, t in result.passing
    ]
    return lines


class Api:
    """Deltacloud's ``/api`` as mockuser: form bodies in, JSON documents out."""

    def __init__(self, url: str, user: str = "mockuser", password: str = "mockpassword") -> None:
        self.url = url.rstrip("/")
        token = base64.b64encode(f"{user}:{password}".encode()).decode()
        self.headers = {"Authorization": f"Basic {token}", "Accept": "application/json"}

    def call(self, path: str, method: str = "GET", **form: str) -> dict[str, Any]:
        data = urllib.parse.urlencode(form).encode() if form else None
        request = urllib.request.Request(f"{self.url}/{path}", data=data, method=method, headers=self.headers)
        with urllib.request.urlopen(request, timeout=60) as answer:
            document: dict[str, Any] = json.load(answer)
            return document

    def create(self, collection: str, **form: str) -> str:
        """The new element's id (Deltacloud's JSON is ``{"<element>": {"id": ...}}``)."""
        made = next(iter(self.call(collection, "POST", **form).values()))
        return str(made["id"])


def seed(api: Api, image: str, name: str, timeout: float = 60.0) -> None:
    """One of each for mockuser: a key, a 1 GB volume (waited for), its snapshot, and an
    instance of ``image`` on the smallest profile (not waited for: it boots while the suite runs
    collections before metrics)."""
    api.create("keys", name=f"{name}-key")
    volume = api.create("storage_volumes", name=f"{name}-volume", capacity="1")
    deadline = time.monotonic() + timeout
    while api.call(f"storage_volumes/{volume}")["storage_volume"]["state"] != "AVAILABLE":
        if time.monotonic() > deadline:
            raise TimeoutError(f"volume {volume} not AVAILABLE after {timeout:.0f}s")
        time.sleep(0.5)
    api.create("storage_snapshots", volume_id=volume, name=f"{name}-snapshot")
    api.create("instances", image_id=image, hwp_id="small", realm_id="local", name=f"{name}-instance")


def main(argv: Sequence[str]) -> int:
    if len(argv) == 4 and argv[0] == "seed":
        try:
            seed(Api(argv[1]), argv[2], argv[3])
        except (OSError, TimeoutError, KeyError, ValueError) as exc:  # urllib's errors are OSErrors
            print(f"conformance: seeding mockuser's account failed: {exc}", file=sys.stderr)
            return 2
        print("conformance: seeded mockuser's key, volume, snapshot and instance")
        return 0
    if len(argv) == 3 and argv[0] == "compare":
        listed, output = Path(argv[1]), Path(argv[2])
        try:
            expected = read_expected(listed.read_text().splitlines(), str(listed))
        except (OSError, ListError) as exc:
            print(f"conformance: {exc}", file=sys.stderr)
            return 2
        ran, failed = read_failures(output.read_text().splitlines())
        result = compare(expected, ran, failed)
        print("\n".join(report(result, expected, str(listed))))
        return 0 if result.ok else 1
    print(
        "usage: python -m hearth.testing.conformance seed URL IMAGE NAME | compare LIST OUTPUT",
        file=sys.stderr,
    )
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
