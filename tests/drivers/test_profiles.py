"""Hardware-profile overrides (coercion of JSON values, the one-line refusals) and the one table
of profiles the backends read."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from hearth.drivers.profile_catalogue import DIFFERENCES, PROFILES, profile_properties
from hearth.drivers.profiles import check_overrides, effective_values
from hearth.drivers.resources import HardwareProfile, HwpPropertyName
from hearth.errors import ValidationError

M, C, A = HwpPropertyName.memory, HwpPropertyName.cpu, HwpPropertyName.architecture


def _profile(name: str) -> HardwareProfile:
    props = profile_properties("mock")[name]
    return HardwareProfile(id=name, name=name, owner_id="system", created=datetime.now(UTC), properties=props)


def test_numbers_sent_as_strings_are_accepted_and_coerced() -> None:
    assert check_overrides(_profile("flexible"), {M: "2048", C: 4}) == {M: 2048, C: 4}


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({M: 256}, "memory must be 512..8192 MB in steps of 256"),
        ({M: 9000}, "memory must be 512..8192 MB"),
        ({M: 1000}, "in steps of 256"),
        ({M: "lots"}, "memory='lots' is not allowed"),
        ({M: True}, "memory=True"),
        ({C: 3}, "cpu must be one of 1, 2, 4"),
        ({A: "aarch64"}, "architecture must be fixed at x86_64"),
    ],
)
def test_out_of_profile_values_are_named(overrides: dict[HwpPropertyName, int | str], expected: str) -> None:
    with pytest.raises(ValidationError) as err:
        check_overrides(_profile("flexible"), overrides)
    assert expected in err.value.message
    assert err.value.details["profile"] == "flexible"


def test_opaque_profiles_take_no_overrides() -> None:
    with pytest.raises(ValidationError, match="has no property 'memory'; its properties: none"):
        check_overrides(_profile("opaque"), {M: 1024})


def test_effective_values_fill_in_defaults() -> None:
    vals = effective_values(_profile("flexible"), {C: 2})
    assert vals[M] == 1024 and vals[C] == 2 and vals[A] == "x86_64"


@pytest.mark.parametrize("driver", ["mock", "qemu", "libvirt"])
def test_every_backend_offers_the_same_profile_names(driver: str) -> None:
    assert list(profile_properties(driver)) == list(PROFILES)


def test_a_difference_changes_only_properties_the_table_has() -> None:
    for driver, profiles in DIFFERENCES.items():
        for name, props in profiles.items():
            assert name in PROFILES, (driver, name)
            assert set(props) <= set(PROFILES[name]), (driver, name)
            assert all(PROFILES[name][p] != prop for p, prop in props.items()), (driver, name)
