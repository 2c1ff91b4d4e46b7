"""What a browser's request gets beyond the document: the forms of its page, and after a form
post the page a person should land on.

Deltacloud's HTML answered a create with the new resource's page (201; a key's page is the only
time its private key is shown), an instance action with the instance's page (202), and sent the
browser on with a redirect after a delete (to the collection; a blob's to its bucket), a bucket
create (to the bucket), an instance's destroy action (to the instances) and a volume's attach or
detach (to the volume). Those redirects are 303 here, so the browser follows with a GET.

The choices a create form offers (images, realms, profiles, keys, volumes) are read through the
service only for a page that shows them, never for an XML or JSON client.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from urllib.parse import parse_qsl, urlencode

from hearth.drivers import Caller, Feature, Operation
from hearth.drivers.resources import Instance
from hearth.vocab.instance_states import InstanceState

from .answer import Answer
from .context import Context
from .form import Field, Form, Kind, Page

HTML_QUERY = "format=html"
_ID = "[^/]+"
# A POST to these paths, answered well, sends the browser on: (pattern, where to, in words).
_AFTER_POST: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], str]], ...] = (
    (re.compile(rf"^instances/({_ID})/destroy$"), lambda m: "instances"),
    (re.compile(rf"^storage_volumes/({_ID})/(attach|detach)$"), lambda m: f"storage_volumes/{m[1]}"),
    (re.compile(r"^buckets$"), lambda m: ""),  # the new bucket: its Location
)

Builder = Callable[[Context, Page, tuple[str, ...]], Awaitable[None]]  # may ask the caller


def _keep(ctx: Context) -> str:
    """The query a page's links keep: ``format=html`` when the page was asked for by it."""
    return HTML_QUERY if ctx.request.params.get("format") else ""


def _here(ctx: Context) -> str:
    """The request's path and query without ``format`` (the page's own XML and JSON add theirs)."""
    path, _, query = ctx.request.url.partition("?")
    kept = [(k, v) for k, v in parse_qsl(query, keep_blank_values=True) if k != "format"]
    return path + (f"?{urlencode(kept)}" if kept else "")


def _url(ctx: Context, below: str) -> str:
    return ctx.links.entry + (f"/{below}" if below else "")


def _see_other(ctx: Context, url: str) -> Answer:
    keep = _keep(ctx)
    if keep:
        url += ("&" if "?" in url else "?") + keep
    return Answer(None, 303, [("location", url)])


def _redirect(ctx: Context, answer: Answer) -> Answer | None:
    """Where a browser goes after its form post succeeded, or None to show the answer."""
    request = ctx.request
    if answer.status >= 300:
        return None
    if request.method == "DELETE" and answer.status == 204:
        return _see_other(ctx, _url(ctx, request.path.rpartition("/")[0]))
    if request.method != "POST":
        return None
    for pattern, target in _AFTER_POST:
        found = pattern.match(request.path)
        if found is None:
            continue
        where = target(found)
        if not where:
            location = dict(answer.headers).get("location")
            return _see_other(ctx, location) if location else None
        return _see_other(ctx, _url(ctx, where))
    return None


async def for_browser(ctx: Context, answer: Answer) -> Answer:
    """The answer as a browser should get it: a redirect after a form post, or the document
    with its page's forms."""
    moved = _redirect(ctx, answer)
    if moved is not None:
        return moved
    if answer.document is None:
        return answer
    page = Page(home=ctx.links.entry, query=_keep(ctx), here=_here(ctx))
    answer.document.page = page
    if ctx.request.method in ("GET", "HEAD") and answer.status == 200:
        for pattern, build in _PAGES:
            found = pattern.match(ctx.request.path)
            if found is not None:
                await build(ctx, page, found.groups())
                break
    return answer


# --- the forms of each page ----------------------------------------------------------------------


def _choices(pairs: list[tuple[str, str]], none: str | None = None) -> tuple[tuple[str, str], ...]:
    return ((("", none),) if none is not None else ()) + tuple(pairs)


def _named(ident: str, name: str) -> str:
    return ident if name == ident else f"{ident} ({name})"


async def _instances(ctx: Context, page: Page, ids: tuple[str, ...]) -> None:
    who = await ctx.caller()
    gate = ctx.served
    if not gate.supports(Operation.instances_create):
        return
    images = await ctx.run(ctx.service.images.list, who, None)
    chosen = ctx.request.params.get("image_id", "")  # an image's "Launch instance" link names it
    fields = [
        Field(
            "image_id",
            "Image",
            Kind.select,
            value=chosen,
            choices=_choices([(i.id, _named(i.id, i.name)) for i in images]),
            required=True,
        ),
    ]
    if gate.supports(Operation.hardware_profiles_list):
        profiles = await ctx.run(ctx.service.hardware_profiles.list, who)
        hwps = [(h.id, _named(h.id, h.name)) for h in profiles]
        fields.append(Field("hwp_id", "Hardware profile", Kind.select, choices=_choices(hwps, "default")))
    if gate.supports(Operation.realms_list):
        realms = await ctx.run(ctx.service.realms.list, who)
        where = [(r.id, _named(r.id, r.name)) for r in realms]
        fields.append(Field("realm_id", "Realm", Kind.select, choices=_choices(where, "any")))
    if gate.has(Feature.hardware_profile_overrides):  # empty: the profile's own value
        fields += [
            Field("hwp_memory", "Memory (MB), if the profile lets you choose", Kind.number),
            Field("hwp_cpu", "CPUs, if the profile lets you choose", Kind.number),
            Field("hwp_storage", "Storage (GB), if the profile lets you choose", Kind.number),
        ]
    fields.append(Field("name", "Name"))
    if gate.has(Feature.authentication_key) and gate.supports(Operation.keys_list):
        keys = await ctx.run(ctx.service.keys.list, who)
        fields.append(
            Field("keyname", "SSH key", Kind.select, choices=_choices([(k.id, k.id) for k in keys], "none"))
        )
    if gate.has(Feature.user_data):
        fields.append(Field("user_data", "User data (base64)", Kind.textarea))
    page.forms.append(Form("Launch an instance", _url(ctx, "instances"), "Create instance", tuple(fields)))


async def _keys(ctx: Context, page: Page, ids: tuple[str, ...]) -> None:
    if not ctx.served.supports(Operation.keys_create):
        return
    fields = (
        Field("name", "Name", required=True),
        Field("public_key", "Public key to import (empty: a new key pair)", Kind.textarea),
    )
    page.forms.append(Form("Create a key", _url(ctx, "keys"), "Create key", fields))


async def _attach_fields(ctx: Context, who: Caller, page: Page) -> None:
    """The attach button's inputs: which instance, which device."""
    if not ctx.served.supports(Operation.volumes_attach):
        return
    found: list[Instance] = await ctx.run(ctx.service.instances.list, who, None)
    choices = tuple((i.id, _named(i.id, i.name)) for i in found if i.state is not InstanceState.FINISHED)
    page.action_fields["attach"] = (
        Field("instance_id", "to instance", Kind.select, choices=choices, required=True),
        Field("device", "as device", value="vdb", required=True),
    )


async def _volumes(ctx: Context, page: Page, ids: tuple[str, ...]) -> None:
    who = await ctx.caller()
    gate = ctx.served
    await _attach_fields(ctx, who, page)
    if not gate.supports(Operation.volumes_create):
        return
    fields = [Field("capacity", "Capacity (GB)", Kind.number, value="1", required=True)]
    if gate.has(Feature.volume_name):
        fields.append(Field("name", "Name"))
    if gate.supports(Operation.realms_list):
        realms = await ctx.run(ctx.service.realms.list, who)
        fields.append(
            Field("realm_id", "Realm", Kind.select, choices=_choices([(r.id, r.id) for r in realms], "any"))
        )
    if gate.supports(Operation.snapshots_list):
        snaps = await ctx.run(ctx.service.snapshots.list, who)
        made = [(s.id, _named(s.id, s.name)) for s in snaps]
        fields.append(Field("snapshot_id", "From snapshot", Kind.select, choices=_choices(made, "none")))
    page.forms.append(
        Form("Create a storage volume", _url(ctx, "storage_volumes"), "Create volume", tuple(fields))
    )


async def _volume(ctx: Context, page: Page, ids: tuple[str, ...]) -> None:
    who = await ctx.caller()
    await _attach_fields(ctx, who, page)


async def _snapshots(ctx: Context, page: Page, ids: tuple[str, ...]) -> None:
    who = await ctx.caller()
    gate = ctx.served
    if not (gate.supports(Operation.snapshots_create) and gate.supports(Operation.volumes_list)):
        return
    volumes = await ctx.run(ctx.service.volumes.list, who)
    fields = (
        Field(
            "volume_id",
            "Of volume",
            Kind.select,
            choices=tuple((v.id, _named(v.id, v.name)) for v in volumes),
            required=True,
        ),
        Field("name", "Name"),
    )
    page.forms.append(Form("Take a snapshot", _url(ctx, "storage_snapshots"), "Create snapshot", fields))


async def _snapshot(ctx: Context, page: Page, ids: tuple[str, ...]) -> None:
    if ctx.served.supports(Operation.snapshots_delete):
        page.forms.append(
            Form("Delete", _url(ctx, f"storage_snapshots/{ids[0]}"), "Delete snapshot", method="delete")
        )


async def _images(ctx: Context, page: Page, ids: tuple[str, ...]) -> None:
    who = await ctx.caller()
    if not ctx.served.supports(Operation.images_create):
        return
    found: list[Instance] = await ctx.run(ctx.service.instances.list, who, None)
    stopped = tuple((i.id, _named(i.id, i.name)) for i in found if i.state is InstanceState.STOPPED)
    fields = (
        Field("instance_id", "From stopped instance", Kind.select, choices=stopped, required=True),
        Field("name", "Name"),
        Field("description", "Description"),
    )
    page.forms.append(Form("Create an image", _url(ctx, "images"), "Create image", fields))


async def _states(ctx: Context, page: Page, ids: tuple[str, ...]) -> None:
    page.picture = _url(ctx, "instance_states") + "?format=png"  # as Deltacloud's page showed it


async def _buckets(ctx: Context, page: Page, ids: tuple[str, ...]) -> None:
    fields = (Field("name", "Name", required=True),)
    page.forms.append(Form("Create a bucket", _url(ctx, "buckets"), "Create bucket", fields))


async def _bucket(ctx: Context, page: Page, ids: tuple[str, ...]) -> None:
    href = _url(ctx, f"buckets/{ids[0]}")
    fields = (
        Field("blob_id", "Blob name", required=True),
        Field("blob_data", "File", Kind.file, required=True),
        Field("meta_params", "", Kind.hidden, value="1"),
        Field("meta_name1", "Metadata name (optional)"),
        Field("meta_value1", "Metadata value"),
    )
    page.forms.append(Form("Upload a blob", href, "Upload blob", fields, multipart=True))
    page.forms.append(Form("Delete", href, "Delete bucket", method="delete"))


async def _blob(ctx: Context, page: Page, ids: tuple[str, ...]) -> None:
    page.forms.append(Form("Delete", _url(ctx, f"buckets/{ids[0]}/{ids[1]}"), "Delete blob", method="delete"))


_PAGES: tuple[tuple[re.Pattern[str], Builder], ...] = tuple(
    (re.compile("^" + template.replace("{}", f"({_ID})") + "$"), build)
    for template, build in (
        ("instances", _instances),
        ("keys", _keys),
        ("storage_volumes", _volumes),
        ("storage_volumes/{}", _volume),
        ("storage_snapshots", _snapshots),
        ("storage_snapshots/{}", _snapshot),
        ("images", _images),
        ("instance_states", _states),
        ("buckets", _buckets),
        ("buckets/{}", _bucket),
        ("buckets/{}/{}", _blob),
    )
)
