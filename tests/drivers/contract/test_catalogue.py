"""Realms, hardware profiles (fixed/range/enum and overrides), images captured from instances."""

from __future__ import annotations

import pytest

from hearth.drivers import Feature, Operation
from hearth.drivers.resources import (
    HardwareProfile,
    HwpProperty,
    HwpPropertyName,
    ImageCreate,
    ImageState,
    InstanceCreate,
    PropertyKind,
)
from hearth.errors import InvalidState, NotFound, ValidationError

from .helpers import DriverCase, boot, serves, stopped


def _with_kind(
    profiles: list[HardwareProfile], kind: PropertyKind
) -> tuple[HardwareProfile, HwpPropertyName, HwpProperty]:
    for p in profiles:
        for name, prop in p.properties.items():
            if prop.kind is kind:
                return p, name, prop
    raise AssertionError(f"a driver that accepts overrides must offer a profile with a {kind.value} property")


def test_realms_and_profiles_list_and_get(case: DriverCase) -> None:
    d, alice = case.driver, case.alice
    realms = d.list_realms(alice)
    assert realms and all(r.id and r.name and r.owner_id and r.created for r in realms)
    assert d.get_realm(alice, realms[0].id) == realms[0]
    profiles = d.list_hardware_profiles(alice)
    assert case.hwp_id in {p.id for p in profiles}
    assert d.get_hardware_profile(alice, case.hwp_id).id == case.hwp_id
    with pytest.raises(NotFound):
        d.get_realm(alice, "no-such-realm")
    with pytest.raises(NotFound):
        d.get_hardware_profile(alice, "no-such-profile")
    for p in profiles:
        for prop in p.properties.values():
            if prop.kind is PropertyKind.range:
                assert prop.first is not None and prop.last is not None and prop.first <= prop.last
            if prop.kind is PropertyKind.enum:
                assert prop.values and prop.value in prop.values


def test_overrides_inside_range_and_enum_are_accepted(case: DriverCase) -> None:
    d = case.driver
    if Feature.hardware_profile_overrides not in d.capabilities().features:
        return  # refusal covered by test_every_undeclared_feature_is_refused_as_not_supported
    profiles = d.list_hardware_profiles(case.alice)
    hwp, rname, rprop = _with_kind(profiles, PropertyKind.range)
    assert rprop.last is not None
    overrides: dict[HwpPropertyName, int | str] = {rname: rprop.last}
    for name, prop in hwp.properties.items():
        if prop.kind is PropertyKind.enum and prop.values:
            overrides[name] = prop.values[-1]
    inst = d.create_instance(
        case.alice, InstanceCreate(image_id=case.image_id, hwp_id=hwp.id, hwp_overrides=overrides)
    )
    assert inst.hardware_profile == hwp.id
    assert inst.hardware_profile_overrides == overrides


def test_overrides_outside_the_profile_name_property_and_allowed_values(case: DriverCase) -> None:
    d, alice = case.driver, case.alice
    if Feature.hardware_profile_overrides not in d.capabilities().features:
        return
    profiles = d.list_hardware_profiles(alice)
    hwp, rname, rprop = _with_kind(profiles, PropertyKind.range)
    assert rprop.first is not None and rprop.last is not None

    def create(overrides: dict[HwpPropertyName, int | str], profile: str = hwp.id) -> None:
        d.create_instance(
            alice, InstanceCreate(image_id=case.image_id, hwp_id=profile, hwp_overrides=overrides)
        )

    with pytest.raises(ValidationError) as err:
        create({rname: rprop.last + (rprop.step or 1)})
    assert rname.value in err.value.message
    assert f"{rprop.first}..{rprop.last}" in err.value.message
    assert err.value.details["property"] == rname.value
    if rprop.step and rprop.step > 1:
        with pytest.raises(ValidationError) as err:
            create({rname: rprop.first + 1})
        assert f"steps of {rprop.step}" in err.value.message

    ehwp, ename, eprop = _with_kind(profiles, PropertyKind.enum)
    assert eprop.values
    bad = max(v for v in eprop.values if isinstance(v, int)) + 1 if isinstance(eprop.value, int) else "nope"
    with pytest.raises(ValidationError) as err:
        create({ename: bad}, ehwp.id)
    assert ename.value in err.value.message
    assert all(str(v) in err.value.message for v in eprop.values)

    fixed = [
        (p, n, prop) for p in profiles for n, prop in p.properties.items() if prop.kind is PropertyKind.fixed
    ]
    if fixed:
        fhwp, fname, fprop = fixed[0]
        other: int | str = fprop.value + 1 if isinstance(fprop.value, int) else f"{fprop.value}-other"
        with pytest.raises(ValidationError) as err:
            create({fname: other}, fhwp.id)
        assert "fixed" in err.value.message and fname.value in err.value.message

    missing = [(p, n) for p in profiles for n in HwpPropertyName if n not in p.properties]
    if missing:
        mhwp, mname = missing[0]
        with pytest.raises(ValidationError) as err:
            create({mname: 1}, mhwp.id)
        assert mname.value in err.value.message
    assert d.list_instances(alice) == [], "refused creates must not leave instances behind"


def test_images_list_get_and_capture_from_a_stopped_instance(case: DriverCase) -> None:
    d, alice = case.driver, case.alice
    images = d.list_images(alice)
    assert case.image_id in {i.id for i in images}
    assert d.get_image(alice, case.image_id).id == case.image_id
    with pytest.raises(NotFound):
        d.get_image(alice, "no-such-image")
    running = boot(case)
    attempt = lambda: d.create_image(alice, ImageCreate(instance_id=running.id, name="snap"))  # noqa: E731
    if not serves(d, Operation.images_create, attempt):
        return
    with pytest.raises(InvalidState) as err:
        attempt()  # a running guest's disk is not captured
    assert "STOPPED" in err.value.message
    off = stopped(case)
    img = d.create_image(alice, ImageCreate(instance_id=off.id, name="captured", description="from a test"))
    assert img.owner_id == alice.user_id and img.name == "captured"
    assert img.source_instance == off.id
    assert img.state in (ImageState.PENDING, ImageState.AVAILABLE)
    assert img.id in {i.id for i in d.list_images(alice)}
    # The captured image boots like any other.
    inst = d.create_instance(alice, InstanceCreate(image_id=img.id, hwp_id=case.hwp_id))
    assert inst.image == img.id
    if serves(d, Operation.images_delete, lambda: d.delete_image(alice, img.id)):
        d.delete_image(alice, img.id)
        with pytest.raises(NotFound):
            d.get_image(alice, img.id)
