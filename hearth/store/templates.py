"""The ``templates`` table (revision 0004): Kimchi-style VM templates, owned like every resource.

The definition is one JSON document validated by the service's pydantic model on the way in
and out, so adding a template field needs no migration; the name is unique per owner.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .models import Base, ResourceColumns, UTCDateTime, utcnow


class TemplateRow(ResourceColumns, Base):
    __tablename__ = "templates"
    __table_args__ = (UniqueConstraint("owner_id", "name", name="uq_templates_owner_name"),)

    definition: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
