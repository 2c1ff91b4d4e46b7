"""The one MAC rule: what it refuses, the form it returns, and the MACs it makes."""

from __future__ import annotations

import re

import pytest

from hearth.errors import ValidationError
from hearth.vocab.mac import (
    MAC_PATTERN,
    UNICAST_MAC_PATTERN,
    MacProblem,
    check_mac,
    mac_problem,
    random_mac,
)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("52:54:00:12:34", MacProblem.shape),
        ("52-54-00-12-34-56", MacProblem.shape),
        ("52:54:00:12:34:5g", MacProblem.shape),
        ("01:00:5e:00:00:01", MacProblem.multicast),
        ("ff:ff:ff:ff:ff:ff", MacProblem.multicast),
        ("00:00:00:00:00:00", MacProblem.zero),
        ("52:54:00:AB:cd:01", None),
        ("02:00:00:00:00:00", None),
    ],
)
def test_each_kind_of_bad_mac_is_named(text: str, problem: MacProblem | None) -> None:
    assert mac_problem(text) is problem


def test_a_good_mac_comes_back_lower_case_and_a_bad_one_is_a_validation_error() -> None:
    assert check_mac("52:54:00:AB:CD:EF") == "52:54:00:ab:cd:ef"
    with pytest.raises(ValidationError, match="multicast") as err:
        check_mac("01:00:5e:00:00:01")
    assert err.value.details["mac"] == "01:00:5e:00:00:01"
    with pytest.raises(ValidationError, match="not of the form"):
        check_mac("zz")


def test_the_openapi_pattern_says_what_the_check_decides() -> None:
    samples = [
        "52:54:00:12:34:56", "00:00:00:00:00:01", "02:00:00:00:00:00", "01:00:00:00:00:00",
        "03:12:34:56:78:9a", "00:00:00:00:00:00", "fe:ff:ff:ff:ff:ff", "FF:00:00:00:00:00",
        "00:10:00:00:00:00", "52:54:00:12:34",
    ]  # fmt: skip
    for text in samples + [random_mac() for _ in range(50)]:
        assert bool(re.match(UNICAST_MAC_PATTERN, text)) == (mac_problem(text) is None), text


def test_random_macs_are_locally_administered_unicast_in_qemu_s_range() -> None:
    for _ in range(200):
        mac = random_mac()
        assert re.match(MAC_PATTERN, mac) and mac == mac.lower()
        first = int(mac[:2], 16)
        assert first & 0b10, "locally administered"
        assert not first & 0b01, "unicast"
        assert mac.startswith("52:54:00:") and mac_problem(mac) is None


def test_a_random_mac_avoids_the_taken_ones() -> None:
    taken = {random_mac() for _ in range(20)}
    assert all(random_mac(taken) not in taken for _ in range(200))


def test_random_macs_come_from_secrets_not_random(monkeypatch: pytest.MonkeyPatch) -> None:
    import random

    monkeypatch.setattr(random, "randrange", lambda *a: 0)
    monkeypatch.setattr(random, "getrandbits", lambda *a: 0)
    assert len({random_mac() for _ in range(20)}) > 1
