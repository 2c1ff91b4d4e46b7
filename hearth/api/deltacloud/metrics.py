"""Deltacloud's metrics collection: one metric per running instance of the caller's, named by the
instance's id, its figures read through the service.

Deltacloud's index lists each metric's property names with no values; its show gives each
property a list of samples (minimum, maximum, average, timestamp, unit). Hearth reads one figure
at one moment, so a property has one sample whose minimum, maximum and average are that figure.
The index reads the figures too, to name only the properties the backend can measure.
"""

from __future__ import annotations

from typing import Any

from hearth.drivers import Operation
from hearth.drivers.resources import METRICS_STATES, Instance, InstanceMetrics
from hearth.errors import InvalidState, NotFound

from .answer import Answer
from .capability import requires
from .context import Context
from .document import Node
from .faults import DeltacloudError
from .links import Links
from .views import collection, member


def _metric(links: Links, inst: Instance, figures: InstanceMetrics, samples: bool) -> tuple[Node, Any]:
    href = links.member("metrics", inst.id)
    node = Node("metric", {"href": href, "id": inst.id})
    node.add("entity", inst.name)
    props = node.add("properties")
    values: list[dict[str, Any]] = []
    for m in sorted(figures.metrics, key=lambda m: m.name.value):
        prop = props.add(m.name.value)
        if not samples:
            values.append({"name": m.name.value, "values": None})
            continue
        figure: int | float = int(m.value) if m.value.is_integer() else m.value
        sample = {
            "minimum": figure,
            "maximum": figure,
            "average": figure,
            "timestamp": int(m.timestamp.timestamp()),
            "unit": m.unit.value,
        }
        el = prop.add("sample")
        for key, v in sample.items():
            el.add("property", name=key, value=v)
        values.append({"name": m.name.value, "values": [sample]})
    return node, {"id": inst.id, "href": href, "entity": inst.name, "properties": values}


@requires(Operation.instances_metrics, "metrics")
async def index(ctx: Context) -> Answer:
    who = await ctx.caller()
    running = [i for i in await ctx.run(ctx.service.instances.list, who, None) if i.state in METRICS_STATES]
    items = []
    for inst in running:
        try:
            figures = await ctx.run(ctx.service.instances.metrics, who, inst.id)
        except (InvalidState, NotFound):
            continue  # it stopped or went away since the listing: it has no figures now
        items.append(_metric(ctx.links, inst, figures, samples=False))
    return Answer(collection("metrics", items))


@requires(Operation.instances_metrics, "metric")
async def show(ctx: Context, ident: str) -> Answer:
    """One instance's figures: 404 for an unknown or another's instance, and for one that is not
    running, which the index does not list either (its message says the state)."""
    who = await ctx.caller()
    inst = await ctx.run(ctx.service.instances.get, who, ident)
    try:
        figures = await ctx.run(ctx.service.instances.metrics, who, ident)
    except InvalidState as exc:
        raise DeltacloudError(404, exc.message) from None
    return Answer(member("metric", _metric(ctx.links, inst, figures, samples=True)))
