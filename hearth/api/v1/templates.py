"""/v1/templates: Kimchi-style VM templates — list, get, create, change, delete, clone.

A template is named by its name (or id) in URLs. ``invalid`` in every response lists the parts
this host cannot provide now; ``POST /v1/instances {"template": …}`` makes instances from one.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Body, Depends, Path, Request, Response

from hearth.errors import NotSupported
from hearth.service.template_models import Template, TemplateClone, TemplateCreate, TemplateUpdate
from hearth.service.templates import TemplateService

from ..deps import CallerDep, call
from ..pagination import DEFAULT_LIMIT, Cursor, Limit, page, page_model
from .common import PREFIX, created_doc, json_body, v1_router

router = v1_router("templates")
TemplatePage = page_model("templates", Template)
Ref = Annotated[str, Path(min_length=1, max_length=255, description="template name or id")]


async def _templates(request: Request) -> TemplateService:
    found = getattr(request.app.state.service, "templates", None)
    if not isinstance(found, TemplateService):
        raise NotSupported("templates are not available on this server")
    return found


TemplatesDep = Annotated[TemplateService, Depends(_templates)]


def _location(t: Template) -> str:
    return f"{PREFIX}/templates/{t.id}"


@router.get("/templates", response_model=TemplatePage)
async def list_templates(
    tpl: TemplatesDep, who: CallerDep, limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None
) -> Any:
    return page("templates", await call(tpl.list, who), limit, cursor)


@router.get("/templates/{name}", response_model=Template)
async def get_template(tpl: TemplatesDep, who: CallerDep, name: Ref) -> Any:
    """The template and, in ``invalid``, what this host lacks for it now."""
    return await call(tpl.get, who, name)


@router.post("/templates", response_model=Template, status_code=201, responses={201: created_doc()})
async def create_template(
    tpl: TemplatesDep, who: CallerDep, body: Annotated[TemplateCreate, Body()]
) -> Response:
    """Omitted parts come from the site's template.conf and osinfo; a missing network, host
    interface or bridge is a 400 naming it."""
    made = await call(tpl.create, who, body)
    return json_body(made, 201, _location(made))


@router.patch("/templates/{name}", response_model=Template)
async def update_template(
    tpl: TemplatesDep, who: CallerDep, name: Ref, body: Annotated[TemplateUpdate, Body()]
) -> Any:
    """Change the given fields (``null`` clears cdrom, kernel, initrd, cmdline)."""
    return await call(tpl.update, who, name, body)


@router.delete("/templates/{name}", status_code=204, response_class=Response)
async def delete_template(tpl: TemplatesDep, who: CallerDep, name: Ref) -> Response:
    """Instances made from the template are not affected."""
    await call(tpl.delete, who, name)
    return Response(status_code=204)


@router.post(
    "/templates/{name}/clone", response_model=Template, status_code=201, responses={201: created_doc()}
)
async def clone_template(
    tpl: TemplatesDep, who: CallerDep, name: Ref, body: Annotated[TemplateClone | None, Body()] = None
) -> Response:
    """A copy owned by the caller, named ``body.name`` or ``<name>-clone<N>``."""
    made = await call(tpl.clone, who, name, body.name if body else None)
    return json_body(made, 201, _location(made))
