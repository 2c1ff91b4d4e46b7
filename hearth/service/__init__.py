"""The service layer: operations every frontend shares (callers, collections, tasks, templates).

Frontends build one ``Service`` (``open_service(config)``) and translate their protocol to it:
``service.instances``, ``service.volumes``, … (``hearth.service.collections``) gate each
operation on the driver's capabilities and call the driver; nothing above the service does.
Nothing here knows about HTTP.
"""

from .auth import Authenticator
from .capability import CapabilityGate, Placement
from .collections import ImageUpload, InstanceList, Templates
from .config import DriverName, SeedName, ServiceConfig, default_state_dir, load_config
from .core import Service, open_service, prepare_store
from .tasks import Progress, Task, TaskError, TaskRunner, TaskStatus

__all__ = [
    "Authenticator",
    "CapabilityGate",
    "DriverName",
    "ImageUpload",
    "InstanceList",
    "Placement",
    "Progress",
    "SeedName",
    "Service",
    "ServiceConfig",
    "Task",
    "TaskError",
    "TaskRunner",
    "TaskStatus",
    "Templates",
    "default_state_dir",
    "load_config",
    "open_service",
    "prepare_store",
]
