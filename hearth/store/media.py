"""Media sources the server knows (revision 0006), and the host directories they serve.

A source row holds what ``hearth.service.media.sources.define`` checked; url-list URLs may carry
credentials, so they are stored but only ever shown through ``hearth.media.urls.redact``.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import JSON, Boolean, Engine, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from .models import Base, ResourceColumns


class MediaSourceRow(ResourceColumns, Base):
    __tablename__ = "media_sources"

    type: Mapped[str] = mapped_column(String(16))
    path: Mapped[str | None] = mapped_column(Text)
    server: Mapped[str | None] = mapped_column(String(255))
    export: Mapped[str | None] = mapped_column(Text)
    urls: Mapped[list[str]] = mapped_column(JSON, default=list)
    cache: Mapped[bool] = mapped_column(Boolean, default=False)
    root: Mapped[str | None] = mapped_column(Text)


def media_roots(engine: Engine) -> list[Path]:
    """The host directories media sources serve (a dir source's path, a mounted NFS export's
    mount point): files below them may be given to guests, as their listings are to every user."""
    with Session(engine) as s:
        rows = s.execute(select(MediaSourceRow.type, MediaSourceRow.path, MediaSourceRow.root))
        return [
            Path(str(root or path)) for kind, path, root in rows if kind in ("dir", "nfs") and (root or path)
        ]
