"""Typed views of libvirt host capabilities and domain capabilities.

The designer can take these (from any connection, or from files) to refine its choices;
it never fetches them itself, so it stays usable without libvirt.
"""

from __future__ import annotations

from hearth.domain.xmlbuilder import Int, Str, XMLChildren, XMLObject


class Machine(XMLObject):
    TAG = "machine"
    name = Str(".")
    canonical = Str("@canonical")
    max_cpus = Int("@maxCpus")


class GuestDomainType(XMLObject):
    TAG = "domain"
    type = Str("@type")


class GuestCaps(XMLObject):
    TAG = "guest"
    os_type = Str("./os_type")
    arch = Str("./arch/@name")
    wordsize = Int("./arch/wordsize")
    emulator = Str("./arch/emulator")
    machines = XMLChildren(Machine, "./arch/machine")
    domain_types = XMLChildren(GuestDomainType, "./arch/domain")

    def machine_names(self) -> list[str]:
        return [m.name for m in self.machines if m.name]


class HostCapabilities(XMLObject):
    TAG = "capabilities"
    host_arch = Str("./host/cpu/arch")
    host_uuid = Str("./host/uuid")
    guests = XMLChildren(GuestCaps)

    def guest(self, arch: str, os_type: str = "hvm") -> GuestCaps | None:
        return self.guests.find(lambda g: g.arch == arch and g.os_type == os_type)

    def dac_label(self, domain_type: str) -> tuple[int, int] | None:
        """The uid and gid libvirt runs guests of ``domain_type`` as (its DAC ``baselabel``,
        ``+uid:+gid``); None when the host has no DAC model or the label is not numeric."""
        root = self.lookup()
        if root is None:
            return None
        for model in root.findall("host/secmodel"):
            if (model.findtext("model") or "").strip() != "dac":
                continue
            for label in model.findall("baselabel"):
                if label.get("type") != domain_type:
                    continue
                uid, sep, gid = (label.text or "").strip().partition(":")
                uid, gid = uid.lstrip("+"), gid.lstrip("+")
                if sep and uid.isdigit() and gid.isdigit():
                    return int(uid), int(gid)
        return None


class DomainCapabilities(XMLObject):
    TAG = "domainCapabilities"
    path = Str("./path")
    domain = Str("./domain")
    machine = Str("./machine")
    arch = Str("./arch")
    vcpu_max = Int("./vcpu/@max")

    def enum_values(self, section: str, name: str) -> list[str]:
        """Values of ``<enum name=…>`` under a path such as ``os`` or ``devices/disk``."""
        root = self.lookup()
        if root is None:
            return []
        base = root.find(section)
        if base is None or base.get("supported") == "no":
            return []
        enum = base.find(f"enum[@name='{name}']")
        return [] if enum is None else [v.text or "" for v in enum.findall("value")]

    def supported(self, section: str) -> bool:
        root = self.lookup()
        el = None if root is None else root.find(section)
        return el is not None and el.get("supported") == "yes"

    @property
    def firmwares(self) -> list[str]:
        return self.enum_values("os", "firmware")

    @property
    def loaders(self) -> list[str]:
        root = self.lookup()
        loader = None if root is None else root.find("os/loader")
        return [] if loader is None else [v.text or "" for v in loader.findall("value")]
