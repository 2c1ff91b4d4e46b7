"""The ``mock_pools`` table: the mock driver's storage pools, seeded once like its realms.

Rows rather than constants so a store looks the same to every process sharing it, and an
operator can shape the catalogue (add a pool, mark one inactive) with plain SQL in tests.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .models import ID_LEN, Base, ResourceColumns


class MockPool(ResourceColumns, Base):
    __tablename__ = "mock_pools"

    type: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(16))
    capacity_bytes: Mapped[int] = mapped_column(BigInteger)
    allocation_bytes: Mapped[int] = mapped_column(BigInteger)
    path: Mapped[str | None] = mapped_column(Text)
    realm_id: Mapped[str] = mapped_column(String(ID_LEN))
