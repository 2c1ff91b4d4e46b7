"""The native JSON API, /v1: one router module per collection, registered in ``ROUTERS``.

To add a collection, write its module and add one line below; ``create_app`` includes them all.
"""

from __future__ import annotations

from fastapi import APIRouter

from . import (
    addresses,
    buckets,
    consoles,
    events,
    hardware_profiles,
    host,
    images,
    instances,
    interfaces,
    keys,
    networks,
    pools,
    realms,
    root,
    snapshots,
    subnets,
    tasks,
    templates,
    volumes,
)

ROUTERS: list[APIRouter] = [
    root.router,
    instances.router,
    consoles.router,
    interfaces.router,
    images.router,
    realms.router,
    hardware_profiles.router,
    keys.router,
    volumes.router,
    snapshots.router,
    networks.router,
    subnets.router,
    pools.router,
    addresses.router,
    tasks.router,
    templates.router,
    host.router,
    buckets.router,
    events.router,
]

from . import media as _media  # noqa: E402  (media sources, listing, cache, uploads; instance disks)

ROUTERS += _media.ROUTERS
