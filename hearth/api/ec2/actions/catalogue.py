"""DescribeRegions, DescribeAvailabilityZones (realms), DescribeInstanceTypes (hardware profiles)."""

from __future__ import annotations

from hearth.drivers.resources import HardwareProfile, Realm

from ..context import Context
from ..elements.catalogue import ZONE_STATES, instance_type_item, region_item, zone_item
from ..faults import Ec2Error
from ..filters import FilterSet, read_filters
from ..paging import page, read_paging
from ..params import Params
from ..registry import action
from ..render import Body

REGIONS = FilterSet[str]({"region-name": lambda r: [r], "endpoint": lambda r: [r]})
ZONES = FilterSet[Realm](
    {
        "zone-name": lambda z: [z.id],
        "zone-id": lambda z: [z.id],
        "state": lambda z: [ZONE_STATES[z.state]],
        "zone-type": lambda z: ["availability-zone"],
    }
)
INSTANCE_TYPES = FilterSet[HardwareProfile]({"instance-type": lambda p: [p.id]})


@action("DescribeRegions", ("RegionName", "AllRegions", "Filter"))
async def describe_regions(ctx: Context, params: Params) -> Body:
    region = ctx.frontend.region
    wanted = params.strings("RegionName")
    unknown = [r for r in wanted if r != region]
    if unknown:
        raise Ec2Error("InvalidParameterValue", f"Invalid region name: {unknown[0]}")
    params.boolean("AllRegions")
    shown = REGIONS.apply(read_filters(params), [region])
    return {"regionInfo": [region_item(r, ctx.endpoint) for r in shown]}


@action("DescribeAvailabilityZones", ("ZoneName", "ZoneId", "AllAvailabilityZones", "Filter"))
async def describe_availability_zones(ctx: Context, params: Params) -> Body:
    names = set(params.strings("ZoneName")) | set(params.strings("ZoneId"))
    params.boolean("AllAvailabilityZones")
    keep = ZONES.matcher(read_filters(params))
    realms = await ctx.run(ctx.calls.realms.list, ctx.caller)
    unknown = sorted(names - {r.id for r in realms})
    if unknown:
        raise Ec2Error("InvalidParameterValue", f"Invalid availability zone: [{unknown[0]}]")
    shown = [r for r in realms if (not names or r.id in names) and keep(r)]
    return {"availabilityZoneInfo": [zone_item(r, ctx.frontend.region) for r in shown]}


@action(
    "DescribeInstanceTypes",
    ("InstanceType", "Filter", "MaxResults", "NextToken", "IncludeUnsupportedInRegion"),
)
async def describe_instance_types(ctx: Context, params: Params) -> Body:
    names = params.strings("InstanceType")
    keep = INSTANCE_TYPES.matcher(read_filters(params))
    paging = read_paging(params, 5, 100)
    params.boolean("IncludeUnsupportedInRegion")
    profiles = await ctx.run(ctx.calls.hardware_profiles.list, ctx.caller)
    unknown = sorted(set(names) - {p.id for p in profiles})
    if unknown:
        raise Ec2Error(
            "InvalidInstanceType", f"The following supplied instance types do not exist: [{unknown[0]}]"
        )
    chosen, token = page([p for p in profiles if (not names or p.id in names) and keep(p)], paging)
    return {"instanceTypeSet": [instance_type_item(p) for p in chosen], "nextToken": token}
