"""The EC2 driver: instances, images, zones, instance types, keys, volumes, snapshots, VPCs,
subnets and Elastic IPs of one EC2 region (AWS or any endpoint speaking EC2's API)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from ..schema import migrated_engine
from .config import Ec2Config
from .instances import InstanceOps


class Ec2Driver(InstanceOps):
    """Every operation EC2 has a counterpart for. Not served: suspend/resume (EC2 has no pause;
    hibernation is a stop), templates (EC2 boots AMIs, not specs), hardware profile overrides
    (instance types are fixed), create-stopped (RunInstances always starts), instance NICs,
    removable media and storage pools."""


def open_ec2_driver(config: Ec2Config, db_url: str) -> Ec2Driver:
    """Open the driver with its store at ``db_url``, migrating the store first. EC2 is not
    contacted until the first operation."""
    with migrated_engine(db_url, "ec2") as engine:
        return Ec2Driver(config, engine, owns_engine=True)


def open_driver(
    *,
    uris: list[str],
    state_dir: Path,
    engine: Engine,
    server_id: str | None = None,
    options: Mapping[str, Any] | None = None,
) -> Ec2Driver:
    """The server's entry point (hearth.service.backends): the service's own, migrated store;
    ``options`` is the config's ``[ec2]`` table. The endpoint comes from ``endpoint_url`` there
    (or one ``--uri``), never from both."""
    opts = dict(options or {})
    if len(uris) > 1:
        from hearth.errors import ValidationError

        raise ValidationError("the ec2 driver takes at most one --uri (the endpoint URL)")
    if uris:
        if "endpoint_url" in opts:
            from hearth.errors import ValidationError

            raise ValidationError("give the EC2 endpoint as --uri or as [ec2] endpoint_url, not both")
        opts["endpoint_url"] = uris[0]
    return Ec2Driver(Ec2Config.from_options(opts), engine, owns_engine=False)
