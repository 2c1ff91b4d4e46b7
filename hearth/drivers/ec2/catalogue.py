"""Realms (availability zones) and hardware profiles (instance types): the cloud's, shared by
every user. The facts and their cache are ``zones`` and ``instance_types``, which instances and
volumes use too."""

from __future__ import annotations

from ..caller import Caller
from ..parts import HardwareProfilesPart, RealmsPart
from ..resources import HardwareProfile, Realm
from . import instance_types, zones
from .context import Ec2Context


class Realms(RealmsPart):
    context: Ec2Context

    def list_realms(self, caller: Caller) -> list[Realm]:
        return zones.list_realms(self.context)

    def get_realm(self, caller: Caller, realm_id: str) -> Realm:
        return zones.get_realm(self.context, realm_id)


class HardwareProfiles(HardwareProfilesPart):
    context: Ec2Context

    def list_hardware_profiles(self, caller: Caller) -> list[HardwareProfile]:
        types = instance_types.all_types(self.context)
        return [instance_types.profile_model(t) for _, t in sorted(types.items())]

    def get_hardware_profile(self, caller: Caller, hwp_id: str) -> HardwareProfile:
        return instance_types.profile_model(instance_types.type_info(self.context, hwp_id))
