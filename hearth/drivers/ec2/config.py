"""How the EC2 driver is set up: which endpoint and region, whose credentials, which images.

Credentials are held in ``Credentials``, whose repr never shows them, and are never put into a
log line or an error message (``errors.scrub`` removes them from EC2's own words too).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from hearth.errors import ValidationError

_REGION = re.compile(r"^[a-z][a-z0-9-]{1,62}$")
_OPTION_KEYS = {
    "endpoint_url",
    "region",
    "access_key_id",
    "secret_access_key",
    "image_owners",
    "instance_types",
    "wait_seconds",
}
DEFAULT_REGION = "us-east-1"


@dataclass(frozen=True)
class Credentials:
    """An access key pair; ``repr`` shows only that one is set, never its values."""

    access_key_id: str = field(repr=False)
    secret_access_key: str = field(repr=False)

    def __post_init__(self) -> None:
        if not self.access_key_id or not self.secret_access_key:
            raise ValidationError("EC2 credentials need both access_key_id and secret_access_key")

    def __repr__(self) -> str:
        return "Credentials(<hidden>)"

    @property
    def secrets(self) -> tuple[str, ...]:
        """What must never be shown (the access key id too: it names the account's user)."""
        return (self.access_key_id, self.secret_access_key)


@dataclass(frozen=True)
class Ec2Config:
    """``credentials`` None: boto3's own chain (environment, ~/.aws, instance role).

    ``image_owners`` are the EC2 owners (ids or ``self``, ``amazon``) whose images form the shared
    catalogue every Hearth user may boot; ``instance_types`` limits the hardware profiles offered
    (a region has hundreds); ``wait_seconds`` bounds the waits the contract needs to
    be synchronous (a detach settling).
    """

    region: str = DEFAULT_REGION
    endpoint_url: str | None = None
    credentials: Credentials | None = field(default=None, repr=False)
    image_owners: tuple[str, ...] = ("self",)
    instance_types: tuple[str, ...] | None = None  # None: every type the region offers
    wait_seconds: float = 60.0

    def __post_init__(self) -> None:
        if not _REGION.match(self.region):
            raise ValidationError(f"[ec2] region {self.region!r} is not a region name such as us-east-1")
        if self.endpoint_url is not None:
            parts = urlsplit(self.endpoint_url)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise ValidationError(
                    "[ec2] endpoint_url must be an http(s) URL such as https://ec2.us-east-1.amazonaws.com"
                )
            if parts.username or parts.password:
                raise ValidationError("[ec2] endpoint_url must not carry credentials; use access_key_id")
        if not self.image_owners:
            raise ValidationError("[ec2] image_owners must name at least one owner (e.g. self)")
        if not 0 < self.wait_seconds <= 3600:
            raise ValidationError("[ec2] wait_seconds must be between 0 and 3600")

    @classmethod
    def from_options(cls, options: Mapping[str, Any]) -> Ec2Config:
        """The config from the server's ``[ec2]`` TOML table; unknown keys and wrong types refused
        (messages name the key, never its value: it may be a secret)."""
        for key in options:
            if key not in _OPTION_KEYS:
                known = ", ".join(sorted(_OPTION_KEYS))
                raise ValidationError(f"[ec2] has no key {key!r} (known: {known})", key=key)
        kwargs: dict[str, Any] = {}
        for key in ("endpoint_url", "region", "access_key_id", "secret_access_key"):
            if key in options:
                value = options[key]
                if not isinstance(value, str) or not value:
                    raise ValidationError(f"[ec2] {key} must be a non-empty string", key=key)
                kwargs[key] = value
        key_id, secret = kwargs.pop("access_key_id", None), kwargs.pop("secret_access_key", None)
        if (key_id is None) != (secret is None):
            raise ValidationError("[ec2] give both access_key_id and secret_access_key, or neither")
        if key_id is not None and secret is not None:
            kwargs["credentials"] = Credentials(key_id, secret)
        if "image_owners" in options:
            owners = options["image_owners"]
            if not isinstance(owners, list) or not all(isinstance(o, str) and o for o in owners):
                raise ValidationError("[ec2] image_owners must be a list of strings", key="image_owners")
            kwargs["image_owners"] = tuple(owners)
        if "instance_types" in options:
            types = options["instance_types"]
            if not isinstance(types, list) or not types or not all(isinstance(t, str) and t for t in types):
                raise ValidationError(
                    "[ec2] instance_types must be a non-empty list of strings", key="instance_types"
                )
            kwargs["instance_types"] = tuple(types)
        if "wait_seconds" in options:
            wait = options["wait_seconds"]
            if isinstance(wait, bool) or not isinstance(wait, int | float):
                raise ValidationError("[ec2] wait_seconds must be a number", key="wait_seconds")
            kwargs["wait_seconds"] = float(wait)
        return cls(**kwargs)
