"""What the EC2 driver keeps beside EC2 itself (branch ``ec2``): who owns what it made.

EC2 has one owner per account; Hearth has many users on one account. Each row records an EC2
object (instance, image, volume, snapshot, VPC, subnet, Elastic IP) made through Hearth, under
its EC2 id, with the Hearth user owning it and the Hearth name it was given. Anything in the
account without a row is not a Hearth user's: it is invisible, or (images, the default VPC) the
shared catalogue. ``region`` keeps a store reused against another region from claiming its ids.
"""

from __future__ import annotations

from sqlalchemy import Index, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from hearth.store.models import ID_LEN, NAME_LEN, ResourceColumns


class Base(DeclarativeBase):
    """The EC2 driver's metadata, apart from the shared store's."""


class Ec2Object(ResourceColumns, Base):
    __tablename__ = "ec2_objects"
    __table_args__ = (Index("ix_ec2_objects_region_kind", "region", "kind"),)

    region: Mapped[str] = mapped_column(String(NAME_LEN))
    kind: Mapped[str] = mapped_column(String(16))
    # Instances: the Hearth key name the caller gave (EC2 knows the key pair under another name).
    key_name: Mapped[str | None] = mapped_column(String(NAME_LEN))
    # Volumes: the device the caller attached it as ("vdb"), which EC2 knows as /dev/sdb.
    device: Mapped[str | None] = mapped_column(String(16))
    # Images: the instance captured.
    source_instance: Mapped[str | None] = mapped_column(String(ID_LEN))
