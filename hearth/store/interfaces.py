"""The mock driver's instance NICs and resolved template specs (revision 0002).

A NIC on a Hearth network holds that instance's address binding on one subnet (``subnet_id``),
so removing the NIC releases the address and ``network_bindings`` always match the NICs.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from .models import ID_LEN, NAME_LEN, Base, UTCDateTime, utcnow

MAC_LEN = 17


class MockInterface(Base):
    __tablename__ = "mock_interfaces"

    instance_id: Mapped[str] = mapped_column(
        ForeignKey("mock_instances.id", ondelete="CASCADE"), primary_key=True
    )
    mac: Mapped[str] = mapped_column(String(MAC_LEN), primary_key=True)
    type: Mapped[str] = mapped_column(String(16))
    source: Mapped[str | None] = mapped_column(String(NAME_LEN))
    mode: Mapped[str | None] = mapped_column(String(8))
    model: Mapped[str] = mapped_column(String(16))
    subnet_id: Mapped[str | None] = mapped_column(String(ID_LEN))
    created: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class MockInstanceSpec(Base):
    """The template an instance was built from, resolved (``InstanceSpec`` as JSON)."""

    __tablename__ = "mock_instance_specs"

    instance_id: Mapped[str] = mapped_column(
        ForeignKey("mock_instances.id", ondelete="CASCADE"), primary_key=True
    )
    memory_mib: Mapped[int]
    vcpus: Mapped[int]
    spec: Mapped[dict[str, Any]] = mapped_column(JSON)
