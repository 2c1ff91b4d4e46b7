"""Deltacloud's URL table: each path pattern, the methods it answers and their handlers.

Paths are matched below /api with their matrix parameters removed; ``{}`` segments are ids,
passed to the handler in order. OPTIONS and HEAD are answered from this table by the frontend.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from . import buckets as b
from . import collections as c
from . import images as im
from . import instances as i
from . import metrics as m
from . import networking as n
from . import nics
from . import storage as s
from .answer import Answer

Handler = Callable[..., Awaitable[Answer]]


@dataclass(frozen=True)
class Route:
    pattern: re.Pattern[str]
    methods: dict[str, Handler]
    streamed: frozenset[str] = frozenset()  # methods whose handler reads the body itself


def _route(template: str, streamed: tuple[str, ...] = (), **methods: Handler) -> Route:
    regex = "^" + re.escape(template).replace(r"\{\}", "([^/]+)") + "$"
    return Route(re.compile(regex), {m.upper(): h for m, h in methods.items()}, frozenset(streamed))


ROUTES: tuple[Route, ...] = (
    _route("", get=c.entry, post=c.redirect),
    _route("drivers", get=c.drivers),
    _route("drivers/{}", get=c.driver_show),
    _route("realms", get=c.realms),
    _route("realms/{}", get=c.realm_show),
    _route("hardware_profiles", get=c.hardware_profiles),
    _route("hardware_profiles/{}", get=c.hardware_profile_show),
    _route("instance_states", get=c.states),
    _route("images", get=im.index, post=im.create),
    _route("images/{}", get=im.show, delete=im.destroy),
    _route("instances", get=i.index, post=i.create),
    _route("instances/{}", get=i.show, delete=i.destroy),
    _route("instances/{}/{}", post=i.act),
    _route("keys", get=i.keys, post=i.key_create),
    _route("keys/{}", get=i.key_show, delete=i.key_destroy),
    _route("storage_volumes", get=s.volumes, post=s.volume_create),
    _route("storage_volumes/{}", get=s.volume_show, delete=s.volume_destroy),
    _route("storage_volumes/{}/attach", post=s.volume_attach),
    _route("storage_volumes/{}/detach", post=s.volume_detach),
    _route("storage_snapshots", get=s.snapshots, post=s.snapshot_create),
    _route("storage_snapshots/{}", get=s.snapshot_show, delete=s.snapshot_destroy),
    _route("buckets", get=b.index, post=b.create),
    _route("buckets/{}", ("POST",), get=b.show, post=b.blob_create, delete=b.destroy),
    _route(
        "buckets/{}/{}",
        ("PUT",),
        get=b.blob_show,
        head=b.blob_head,
        put=b.blob_put,
        post=b.blob_update,
        delete=b.blob_destroy,
    ),
    _route("buckets/{}/{}/content", get=b.blob_content),
    _route("addresses", get=n.addresses, post=n.address_create),
    _route("addresses/{}", get=n.address_show, delete=n.address_destroy),
    _route("addresses/{}/associate", post=n.address_associate),
    _route("addresses/{}/disassociate", post=n.address_disassociate),
    _route("networks", get=n.networks, post=n.network_create),
    _route("networks/{}", get=n.network_show, delete=n.network_destroy),
    _route("subnets", get=n.subnets, post=n.subnet_create),
    _route("subnets/{}", get=n.subnet_show, delete=n.subnet_destroy),
    _route("network_interfaces", get=nics.index, post=nics.create),
    _route("network_interfaces/{}", get=nics.show, delete=nics.destroy),
    _route("metrics", get=m.index),
    _route("metrics/{}", get=m.show),
)


def match(path: str) -> tuple[Route, tuple[Any, ...]] | None:
    for route in ROUTES:
        found = route.pattern.match(path)
        if found:
            return route, found.groups()
    return None


def route_collection(path: str) -> str:
    """The collection a path below /api lies in (``""``: the entry point)."""
    return path.split("/", 1)[0]


def streams(route: Route, method: str, content_type: str | None) -> bool:
    """Whether the handler reads this request's body itself: a streamed route's PUT always, its
    POST when multipart (a url-encoded form is small and read into the parameters)."""
    if method not in route.streamed:
        return False
    return method != "POST" or (content_type or "").lower().startswith("multipart/form-data")


def allowed(route: Route) -> list[str]:
    """The methods a path answers, as Allow lists them: OPTIONS, then GET with HEAD, then others."""
    methods = ["OPTIONS", *route.methods]
    if "GET" in route.methods and "HEAD" not in route.methods:
        methods.insert(methods.index("GET") + 1, "HEAD")
    return methods
