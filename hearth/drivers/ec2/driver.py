"""The EC2 driver: instances, images, zones, instance types, keys, volumes, snapshots, VPCs,
subnets and Elastic IPs of one EC2 region (AWS or any endpoint speaking EC2's API)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, Self

from sqlalchemy import Engine

from hearth.errors import HearthError, ValidationError

from ..base import Collection, Driver, Feature
from ..caller import Caller
from ..resources import Instance, InstanceCreate
from ..schema import migrated_engine
from .catalogue import HardwareProfiles, Realms
from .config import Credentials, Ec2Config
from .context import Ec2Context
from .images import Images
from .instances import Instances
from .keys import Keys
from .networks import Addresses, Networks, Subnets
from .snapshots import Snapshots
from .volumes import Volumes


class Ec2Driver(Driver):
    """Every operation EC2 has a counterpart for. Not served: suspend/resume (EC2 has no pause;
    hibernation is a stop), templates (EC2 boots AMIs, not specs), hardware profile overrides
    (instance types are fixed), create-stopped (RunInstances always starts), chosen ids (EC2
    names its instances), instance NICs, removable media and storage pools."""

    name = "ec2"
    features = frozenset(
        {
            Feature.user_data,
            Feature.authentication_key,
            Feature.volume_name,
            Feature.instance_count,
            Feature.realm_filter,
        }
    )
    names_are_labels = True  # an instance's name is its Name tag: EC2 names nothing itself
    parts = {
        Collection.instances: Instances,
        Collection.images: Images,
        Collection.realms: Realms,
        Collection.hardware_profiles: HardwareProfiles,
        Collection.keys: Keys,
        Collection.volumes: Volumes,
        Collection.snapshots: Snapshots,
        Collection.networks: Networks,
        Collection.subnets: Subnets,
        Collection.addresses: Addresses,
    }
    context: Ec2Context

    def __init__(
        self,
        config: Ec2Config,
        engine: Engine,
        *,
        owns_engine: bool = False,
        credentials: Credentials | None = None,
    ) -> None:
        super().__init__(
            Ec2Context(
                config, engine, driver_name=self.name, owns_engine=owns_engine, credentials=credentials
            )
        )

    # --- hooks and extensions (not contract operations) ---

    def create_instances(self, caller: Caller, request: InstanceCreate, count: int) -> list[Instance]:
        """One RunInstances with MinCount = MaxCount = count: EC2 launches them together."""
        return self._part(Instances).launch(caller, request, count)

    def with_credentials(self, credentials: Credentials) -> Self:
        """This driver acting with other credentials (Deltacloud-style: a request brings its own
        key pair); the store and config are shared, the EC2 client is the view's own."""
        view = type(self).__new__(type(self))
        Driver.__init__(view, self.context.with_credentials(credentials))
        return view

    def with_key_pair(self, access_key_id: str, secret_access_key: str) -> Self:
        """``with_credentials`` from the two strings a request brought (HTTP Basic on /api):
        what the service calls, which has no business knowing ``Credentials``."""
        return self.with_credentials(Credentials(access_key_id, secret_access_key))

    def host_report(self) -> dict[str, str | None]:
        """The region, and why it cannot be reached (None: it answered DescribeAvailabilityZones)."""
        region = self.context.region
        try:
            self.context.cloud.call("reaching EC2", "describe_availability_zones")
        except HearthError as exc:
            return {region: exc.message}
        return {region: None}

    def close(self) -> None:
        self.context.close()


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
        raise ValidationError("the ec2 driver takes at most one --uri (the endpoint URL)")
    if uris:
        if "endpoint_url" in opts:
            raise ValidationError("give the EC2 endpoint as --uri or as [ec2] endpoint_url, not both")
        opts["endpoint_url"] = uris[0]
    return Ec2Driver(Ec2Config.from_options(opts), engine, owns_engine=False)


def providers(options: Mapping[str, Any] | None = None) -> dict[str, dict[str, str]]:
    """The providers this backend reaches, as Deltacloud's drivers collection lists them: the
    configured region, with its EC2 entry point (the configured endpoint, else AWS's host)."""
    config = Ec2Config.from_options(dict(options or {}))
    return {config.region: {"ec2": config.endpoint_url or f"ec2.{config.region}.amazonaws.com"}}
