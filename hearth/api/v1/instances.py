"""/v1/instances: list, get, create (from an image or a template), actions, delete."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import Body, Query, Response
from pydantic import BaseModel, ConfigDict, Discriminator, Field, StrictBool, Tag, create_model

from hearth.drivers import ACTION_OPERATIONS, Operation
from hearth.drivers.operations import DEFAULT_STOP_TIMEOUT, MAX_INSTANCE_COUNT
from hearth.drivers.resources import (
    Action,
    ConsoleOutput,
    Instance,
    InstanceCreate,
    InstanceFilter,
    InstanceMetrics,
    Name,
)
from hearth.service import Task
from hearth.service.collections import Accepted
from hearth.vocab.instance_states import InstanceState

from ..deps import Call, serving
from ..idempotency import CREATE_MARK
from ..pagination import DEFAULT_LIMIT, Cursor, Limit, Pages
from .common import PREFIX, Id, NameFilter, json_body, task_doc, v1_router

router = v1_router("instances")
INSTANCES = Pages("instances", Instance)
MAX_STOP_TIMEOUT = 3600.0


class TemplateInstanceCreate(BaseModel):
    """Create an instance from a template (resolved by the templates service)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    template: str = Field(min_length=1, max_length=255, description="template name or id")
    name: Name | None = None
    realm: str | None = Field(default=None, description="realm id (default: the driver's choice)")
    start: StrictBool = Field(default=True, description="start it once created (false: leave it STOPPED)")


# The driver form is InstanceCreate without what only the service may fill in: a resolved
# template (`spec`, with host paths) must come from the templates service, never from a client.
_SERVICE_ONLY = frozenset({"template_id", "spec", "image_id", "instance_id"})
if TYPE_CHECKING:
    ImageInstanceCreate = InstanceCreate
else:
    ImageInstanceCreate = create_model(
        "ImageInstanceCreate",
        __config__=ConfigDict(frozen=True, extra="forbid"),
        __doc__="Create an instance from an image with a hardware profile (the driver form).",
        image_id=(str, Field(min_length=1, max_length=255)),
        **{n: (f.annotation, f) for n, f in InstanceCreate.model_fields.items() if n not in _SERVICE_ONLY},
    )

# Tags in <angle brackets> are union branches; error messages leave them out of field paths.
_IMAGE, _TEMPLATE = "<image form>", "<template form>"


def _form(value: Any) -> str:
    if isinstance(value, dict):
        return _TEMPLATE if "template" in value else _IMAGE
    return _TEMPLATE if isinstance(value, TemplateInstanceCreate) else _IMAGE


CreateBody = Annotated[
    Annotated[ImageInstanceCreate, Tag(_IMAGE)] | Annotated[TemplateInstanceCreate, Tag(_TEMPLATE)],
    Discriminator(_form),
]


class StopOptions(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    timeout: float = Field(
        default=DEFAULT_STOP_TIMEOUT, ge=0, le=MAX_STOP_TIMEOUT, description="seconds before forcing it off"
    )
    force: StrictBool = Field(default=False, description="power off at once")


def _location(accepted: Accepted) -> str:
    """The instance to be; the task's own URL when there is none to name (several, or failed)."""
    if accepted.instance_id is None:
        return f"{PREFIX}/tasks/{accepted.task.id}"
    return f"{PREFIX}/instances/{accepted.instance_id}"


@router.get("/instances", response_model=INSTANCES.model)
async def list_instances(
    call: Annotated[Call, serving(Operation.instances_list)],
    state: Annotated[InstanceState | None, Query()] = None,
    realm: Annotated[str | None, Query(max_length=255)] = None,
    owner: Annotated[str | None, Query(max_length=255)] = None,
    name: NameFilter = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> Response:
    filters = InstanceFilter(state=state, realm_id=realm, owner_id=owner)
    items = await call.run(call.service.instances.list, call.caller, filters, name=name)
    return INSTANCES.response(items, limit, cursor)


@router.get("/instances/{instance_id}", response_model=Instance)
async def get_instance(call: Annotated[Call, serving(Operation.instances_get)], instance_id: Id) -> Response:
    return json_body(await call.run(call.service.instances.get, call.caller, instance_id))


@router.get("/instances/{instance_id}/console/log", response_model=ConsoleOutput)
async def get_console_output(
    call: Annotated[Call, serving(Operation.instances_console_output)], instance_id: Id
) -> Response:
    """What the guest wrote to its serial console so far: its last 64 KiB (501 where the backend
    cannot read it)."""
    return json_body(await call.run(call.service.instances.console_output, call.caller, instance_id))


@router.get("/instances/{instance_id}/metrics", response_model=InstanceMetrics)
async def get_instance_metrics(
    call: Annotated[Call, serving(Operation.instances_metrics)], instance_id: Id
) -> Response:
    """Figures read now from the running guest: cpu, memory, disk and network counters (409 when
    it is not RUNNING or PAUSED, 501 where the backend cannot read them)."""
    return json_body(await call.run(call.service.instances.metrics, call.caller, instance_id))


@router.post(
    "/instances",
    response_model=Task,
    status_code=202,
    responses=task_doc(
        "Accepted: the task making it (its result is the instance), Location the instance to be"
        " (the task's for several)"
    ),
    openapi_extra={CREATE_MARK: True},
)
async def create_instance(
    call: Annotated[Call, serving(Operation.instances_create)],
    body: Annotated[CreateBody, Body()],
    count: Annotated[int, Query(ge=1, le=MAX_INSTANCE_COUNT, description="how many")] = 1,
) -> Response:
    """From an image (driver form) or from a template (``{template, name?, realm?, start?}``);
    ``start: false`` in either form defines the instance STOPPED without ever running it. Always
    a task, whether or not disks are made: one shape for every create, so clients need one path."""
    instances = call.service.instances
    if isinstance(body, TemplateInstanceCreate):
        accepted = await call.run(
            instances.accept_from_template,
            call.caller,
            body.template,
            name=body.name,
            realm=body.realm,
            start=body.start,
        )
    else:
        request = InstanceCreate.model_validate(body.model_dump(exclude_unset=True))
        accepted = await call.run(instances.accept, call.caller, request, count)
    return json_body(accepted.task, 202, _location(accepted))


@router.delete("/instances/{instance_id}", status_code=204, response_class=Response)
async def delete_instance(
    call: Annotated[Call, serving(Operation.instances_destroy)], instance_id: Id
) -> Response:
    """Destroy a stopped instance (409 while it runs, naming the allowed actions)."""
    await call.run(call.service.instances.destroy, call.caller, instance_id)
    return Response(status_code=204)


@router.post("/instances/{instance_id}/stop", response_model=Instance, status_code=202)
async def stop_instance(
    call: Annotated[Call, serving(Operation.instances_stop)],
    instance_id: Id,
    options: Annotated[StopOptions | None, Body()] = None,
) -> Response:
    """Ask the guest to shut down; forced off after ``timeout`` seconds, or at once with ``force``."""
    opts = options or StopOptions()
    stopped = await call.run(
        call.service.instances.stop, call.caller, instance_id, timeout=opts.timeout, force=opts.force
    )
    return json_body(stopped, 202)


@router.post("/instances/{instance_id}/adopt", response_model=Instance)
async def adopt_instance(call: Annotated[Call, serving()], instance_id: Id) -> Response:
    """Admins: take over an instance another Hearth server on a shared host manages (it leaves
    that server's listings). 404 when no Hearth instance has this id on this server's hosts."""
    return json_body(await call.run(call.service.instances.adopt, call.caller, instance_id))


def _action_route(action: Action) -> Callable[..., Coroutine[Any, Any, Response]]:
    async def act(call: Call, instance_id: Id) -> Response:
        return json_body(await call.run(call.service.instances.act, call.caller, instance_id, action), 202)

    # The annotation names this action's operation, which a string annotation could not reach.
    act.__annotations__["call"] = Annotated[Call, serving(ACTION_OPERATIONS[action])]
    act.__name__ = f"{action.value}_instance"
    act.__doc__ = f"{action.value.capitalize()} the instance; 409 with the allowed actions if it cannot."
    return act


for _action in Action:
    if _action is Action.stop:
        continue
    router.add_api_route(
        f"/instances/{{instance_id}}/{_action.value}",
        _action_route(_action),
        methods=["POST"],
        response_model=Instance,
        status_code=202,
        name=f"{_action.value}_instance",
    )
