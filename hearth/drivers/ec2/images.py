"""Images: the configured owners' AMIs (the shared catalogue) plus those Hearth users captured."""

from __future__ import annotations

import time

from hearth.errors import InvalidState
from hearth.vocab.instance_states import InstanceState

from ..caller import SYSTEM_OWNER, Caller
from ..parts import ImagesPart
from ..resources import Image, ImageCreate
from .amis import image_item, image_view, visible_image
from .context import EVERYONE, Ec2Context, Kind
from .tags import name_tags


class Images(ImagesPart):
    context: Ec2Context

    def list_images(self, caller: Caller) -> list[Image]:
        ctx = self.context
        rows = ctx.rows_by_id(Kind.image, caller)
        anyones = ctx.rows_by_id(Kind.image, EVERYONE)  # other users' captures are not catalogue
        views: dict[str, Image] = {}
        for item in ctx.cloud.pages(
            "listing images", "describe_images", "Images", Owners=list(ctx.config.image_owners)
        ):
            if item["ImageId"] in anyones and item["ImageId"] not in rows:
                continue
            view = image_view(item, rows)
            if view is not None:
                views[view.id] = view
        mine = [i for i in rows if i not in views]
        if mine:
            for item in ctx.cloud.by_ids("listing images", "describe_images", "Images", "image-id", mine):
                view = image_view(item, rows)
                if view is not None:
                    views[view.id] = view
        return sorted(views.values(), key=lambda i: (i.owner_id != SYSTEM_OWNER, i.created, i.id))

    def get_image(self, caller: Caller, image_id: str) -> Image:
        return visible_image(self.context, caller, image_id)

    def create_image(self, caller: Caller, request: ImageCreate) -> Image:
        """CreateImage of a STOPPED instance (EC2 would reboot a running one; the contract captures
        only stopped guests). The AMI name must be unique in the account, so it gets a suffix."""
        ctx = self.context
        inst = ctx.owned(Kind.instance, caller, request.instance_id)
        state = ctx.instance_state(inst.id)
        if state is not InstanceState.STOPPED:
            raise InvalidState(
                f"instance {inst.id} must be STOPPED to capture its disk; it is {state.value}",
                instance=inst.id,
                state=state.value,
            )
        made = ctx.cloud.call(
            f"capturing instance {inst.id}",
            "create_image",
            InstanceId=inst.id,
            Name=f"{request.name}-{int(time.time() * 1000):x}",
            Description=request.description,
            NoReboot=True,
            TagSpecifications=name_tags("image", request.name),
        )
        image_id = str(made["ImageId"])
        ctx.record(caller, Kind.image, image_id, request.name, source_instance=inst.id)
        return self.get_image(caller, image_id)

    def delete_image(self, caller: Caller, image_id: str) -> None:
        _, row = image_item(self.context, caller, image_id, modify=True)
        self.context.cloud.call(f"deregistering image {image_id}", "deregister_image", ImageId=image_id)
        if row is not None:
            self.context.forget(image_id)
