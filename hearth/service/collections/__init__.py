"""The service's operations, one class per collection, one module per group of collections.

Every frontend (``/v1``, the Deltacloud, EC2 and CIMI frontends, the web UI) calls these through
the Service (``service.instances.get(caller, id)``, ``service.volumes.attach(…)``), never the
driver: each checks the capability gate first, then calls the driver's contract method, and adds
what is the service's business (tasks for long work, the one-action-at-a-time guard, templates).
"""

from .catalogue import HardwareProfiles, Realms
from .disks import Disks
from .images import Images, ImageUpload
from .instances import Accepted, InstanceList, Instances, Templates
from .interfaces import Interfaces
from .keys import Keys
from .networks import Addresses, Networks, Subnets
from .pools import Pools
from .snapshots import Snapshots
from .volumes import Volumes

__all__ = [
    "Accepted",
    "Addresses",
    "Disks",
    "HardwareProfiles",
    "ImageUpload",
    "Images",
    "InstanceList",
    "Instances",
    "Interfaces",
    "Keys",
    "Networks",
    "Pools",
    "Realms",
    "Snapshots",
    "Subnets",
    "Templates",
    "Volumes",
]
