"""Ownership and provenance kept in each domain's ``<metadata>`` under Hearth's namespace.

The host, not only Hearth's database, then knows who owns a guest and what it was made from:
``virsh dumpxml`` shows it, and a fresh Hearth over an existing host finds its instances again.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from lxml import etree

from hearth.domain import Domain

NS = "https://hearth.dev/xmlns/libvirt/instance/1.0"
PREFIX = "hearth"
_TAG = f"{{{NS}}}instance"


@dataclass(frozen=True)
class InstanceMeta:
    owner_id: str
    name: str
    created: datetime
    hwp_id: str
    image_id: str | None = None
    template_id: str | None = None
    key_name: str | None = None
    overrides: dict[str, int | str] = field(default_factory=dict)
    # Files this instance owns and removes with itself: volumes as "pool/volume", the seed as a path.
    owned_volumes: tuple[str, ...] = ()
    seed: str | None = None
    # The Hearth server that manages the domain (hearth.store.identity); None on domains made
    # before servers had ids, which no server lists until an admin adopts them.
    server: str | None = None

    def with_(self, **changes: object) -> InstanceMeta:
        return replace(self, **changes)  # type: ignore[arg-type]

    def element(self) -> etree._Element:
        el = etree.Element(_TAG, nsmap={PREFIX: NS})
        el.set("owner", self.owner_id)
        el.set("name", self.name)
        el.set("created", self.created.astimezone(UTC).isoformat())
        el.set("hwp", self.hwp_id)
        for attr, value in (
            ("server", self.server),
            ("image", self.image_id),
            ("template", self.template_id),
            ("key", self.key_name),
            ("seed", self.seed),
        ):
            if value is not None:
                el.set(attr, value)
        for k, v in sorted(self.overrides.items()):
            etree.SubElement(el, f"{{{NS}}}override", name=k, value=str(v), type=type(v).__name__)
        for vol in self.owned_volumes:
            etree.SubElement(el, f"{{{NS}}}volume", ref=vol)
        return el

    def to_xml(self) -> str:
        return etree.tostring(self.element(), encoding="unicode")

    @classmethod
    def from_element(cls, el: etree._Element) -> InstanceMeta | None:
        """None when the element is not a complete Hearth record (someone else's domain)."""
        owner, name, created, hwp = (el.get(a) for a in ("owner", "name", "created", "hwp"))
        if not (owner and name and created and hwp):
            return None
        try:
            stamp = datetime.fromisoformat(created)
        except ValueError:
            return None
        overrides: dict[str, int | str] = {}
        volumes: list[str] = []
        for child in el:
            if child.tag == f"{{{NS}}}override" and child.get("name"):
                raw = child.get("value", "")
                overrides[child.get("name", "")] = int(raw) if child.get("type") == "int" else raw
            elif child.tag == f"{{{NS}}}volume" and child.get("ref"):
                volumes.append(child.get("ref", ""))
        return cls(
            owner_id=owner,
            name=name,
            created=stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC),
            hwp_id=hwp,
            image_id=el.get("image"),
            template_id=el.get("template"),
            key_name=el.get("key"),
            overrides=overrides,
            owned_volumes=tuple(volumes),
            seed=el.get("seed"),
            server=el.get("server"),
        )


def read(domain: Domain) -> InstanceMeta | None:
    el = domain.metadata(NS)
    return None if el is None else InstanceMeta.from_element(el)


def write(domain: Domain, meta: InstanceMeta) -> None:
    domain.set_metadata(NS, PREFIX, meta.element())
