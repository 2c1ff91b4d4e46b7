"""The ``tasks`` table: long operations outlive the request that started them, and the server.

A row is written when a task is queued and updated as it runs, so ``GET /v1/tasks/{id}`` works
from any process sharing the store, and a restart can tell which tasks never finished.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .models import Base, ResourceColumns, UTCDateTime, utcnow


class TaskRow(ResourceColumns, Base):
    """``result`` and ``error`` are JSON objects; at most one of them is set, when finished."""

    __tablename__ = "tasks"
    __table_args__ = (Index("ix_tasks_status", "status"),)

    kind: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))
    progress: Mapped[int] = mapped_column(Integer, default=0)
    message: Mapped[str | None] = mapped_column(Text)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    error: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    updated: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
