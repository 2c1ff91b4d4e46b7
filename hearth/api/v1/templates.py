"""/v1/templates: Kimchi-style VM templates — list, get, create, change, delete, clone.

A template is named by its name (or id) in URLs. ``invalid`` in every response lists the parts
this host cannot provide now; ``POST /v1/instances {"template": …}`` makes instances from one.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Body, Depends, Path, Response

from hearth.errors import NotSupported
from hearth.service.template_models import Template, TemplateClone, TemplateCreate, TemplateUpdate
from hearth.service.templates import TemplateService

from ..deps import CallDep
from ..pagination import DEFAULT_LIMIT, Cursor, Limit, Pages
from .common import PREFIX, NameFilter, created_doc, json_body, v1_router

router = v1_router("templates")
TEMPLATES = Pages("templates", Template)
Ref = Annotated[str, Path(min_length=1, max_length=255, description="template name or id")]


async def _templates(call: CallDep) -> TemplateService:
    """The templates service, or 501 (before the body is looked at) when this server has none."""
    found = call.service.templates
    if not isinstance(found, TemplateService):
        raise NotSupported("templates are not available on this server")
    return found


TemplatesDep = Annotated[TemplateService, Depends(_templates)]


def _location(t: Template) -> str:
    return f"{PREFIX}/templates/{t.id}"


@router.get("/templates", response_model=TEMPLATES.model)
async def list_templates(
    call: CallDep,
    tpl: TemplatesDep,
    name: NameFilter = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> Response:
    return TEMPLATES.response(await call.thread(tpl.list, call.caller, name=name), limit, cursor)


@router.get("/templates/{name}", response_model=Template)
async def get_template(call: CallDep, tpl: TemplatesDep, name: Ref) -> Response:
    """The template and, in ``invalid``, what this host lacks for it now."""
    return json_body(await call.thread(tpl.get, call.caller, name))


@router.post("/templates", response_model=Template, status_code=201, responses={201: created_doc()})
async def create_template(
    call: CallDep, tpl: TemplatesDep, body: Annotated[TemplateCreate, Body()]
) -> Response:
    """Omitted parts come from the site's template.conf and osinfo; a missing network, host
    interface or bridge is a 400 naming it."""
    made = await call.thread(tpl.create, call.caller, body)
    return json_body(made, 201, _location(made))


@router.patch("/templates/{name}", response_model=Template)
async def update_template(
    call: CallDep, tpl: TemplatesDep, name: Ref, body: Annotated[TemplateUpdate, Body()]
) -> Response:
    """Change the given fields (``null`` clears cdrom, kernel, initrd, cmdline)."""
    return json_body(await call.thread(tpl.update, call.caller, name, body))


@router.delete("/templates/{name}", status_code=204, response_class=Response)
async def delete_template(call: CallDep, tpl: TemplatesDep, name: Ref) -> Response:
    """Instances made from the template are not affected."""
    await call.thread(tpl.delete, call.caller, name)
    return Response(status_code=204)


@router.post(
    "/templates/{name}/clone", response_model=Template, status_code=201, responses={201: created_doc()}
)
async def clone_template(
    call: CallDep, tpl: TemplatesDep, name: Ref, body: Annotated[TemplateClone | None, Body()] = None
) -> Response:
    """A copy owned by the caller, named ``body.name`` or ``<name>-clone<N>``."""
    made = await call.thread(tpl.clone, call.caller, name, body.name if body else None)
    return json_body(made, 201, _location(made))
