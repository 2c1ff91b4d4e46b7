"""Hardware-profile overrides: checked once here so every driver accepts and refuses the same values."""

from __future__ import annotations

from collections.abc import Mapping

from hearth.errors import ValidationError

from .resources import HWP_UNITS, HardwareProfile, HwpProperty, HwpPropertyName, HwpValue, PropertyKind


def _allowed(prop: HwpProperty) -> str:
    if prop.kind is PropertyKind.fixed:
        return f"fixed at {prop.value}"
    if prop.kind is PropertyKind.range:
        step = f" in steps of {prop.step}" if prop.step else ""
        return f"{prop.first}..{prop.last} {prop.unit.value}{step}"
    return "one of " + ", ".join(str(v) for v in prop.values or [])


def _coerce(prop: HwpProperty, raw: HwpValue) -> HwpValue | None:
    """Bring a JSON value to the property's type (numbers may arrive as strings); None if impossible."""
    if isinstance(prop.value, int) and not isinstance(prop.value, bool):
        if isinstance(raw, bool):
            return None
        if isinstance(raw, int):
            return raw
        try:
            return int(raw.strip())
        except ValueError:
            return None
    return str(raw)


def _fits(prop: HwpProperty, value: HwpValue) -> bool:
    if prop.kind is PropertyKind.fixed:
        return value == prop.value
    if prop.kind is PropertyKind.enum:
        return value in (prop.values or [])
    assert prop.first is not None and prop.last is not None and isinstance(value, int)
    return prop.first <= value <= prop.last and (not prop.step or (value - prop.first) % prop.step == 0)


def check_overrides(
    profile: HardwareProfile, overrides: Mapping[HwpPropertyName, HwpValue]
) -> dict[HwpPropertyName, HwpValue]:
    """Return the overrides with values coerced, or raise ValidationError naming property and range."""
    checked: dict[HwpPropertyName, HwpValue] = {}
    for name, raw in overrides.items():
        prop = profile.properties.get(name)
        if prop is None:
            known = ", ".join(p.value for p in profile.properties) or "none (the profile is opaque)"
            raise ValidationError(
                f"hardware profile {profile.id!r} has no property {name.value!r}; its properties: {known}",
                property=name.value,
                profile=profile.id,
            )
        value = _coerce(prop, raw)
        if value is None or not _fits(prop, value):
            raise ValidationError(
                f"{name.value}={raw!r} is not allowed by hardware profile {profile.id!r}: "
                f"{name.value} must be {_allowed(prop)}",
                property=name.value,
                profile=profile.id,
                allowed=_allowed(prop),
            )
        checked[name] = value
    return checked


def effective_values(
    profile: HardwareProfile, overrides: Mapping[HwpPropertyName, HwpValue]
) -> dict[HwpPropertyName, HwpValue]:
    """Every property's value for an instance: the checked override, else the profile's default."""
    values: dict[HwpPropertyName, HwpValue] = {n: p.value for n, p in profile.properties.items()}
    values.update(check_overrides(profile, overrides))
    return values


def fixed(name: HwpPropertyName, value: HwpValue) -> HwpProperty:
    """A profile property with one fixed value, in that property's unit."""
    return HwpProperty(kind=PropertyKind.fixed, unit=HWP_UNITS[name], value=value)


def ranged(
    name: HwpPropertyName, default: int, first: int, last: int, step: int | None = None
) -> HwpProperty:
    """A property taking any value from ``first`` to ``last`` (in ``step``s); ``default`` unless
    overridden."""
    return HwpProperty(
        kind=PropertyKind.range, unit=HWP_UNITS[name], value=default, first=first, last=last, step=step
    )


def one_of(name: HwpPropertyName, default: int, values: list[int]) -> HwpProperty:
    """A property taking one of ``values``, ``default`` unless overridden."""
    return HwpProperty(kind=PropertyKind.enum, unit=HWP_UNITS[name], value=default, values=list(values))
