"""The service layer: operations every frontend shares (callers, tasks, templates → instances).

Frontends build one ``Service`` (``open_service(config)``) and translate their protocol to it;
the Service talks to the driver and the store. Nothing here knows about HTTP.
"""

from .auth import Authenticator
from .config import DriverName, ServiceConfig, default_state_dir, load_config
from .core import InstanceList, Service, Templates, open_service
from .tasks import Progress, Task, TaskError, TaskRunner, TaskStatus

__all__ = [
    "Authenticator",
    "DriverName",
    "InstanceList",
    "Progress",
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
]
