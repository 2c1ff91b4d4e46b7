"""The EC2 actions, one module per group of collections; importing this registers them all."""

from . import catalogue, images, instances

__all__ = ["catalogue", "images", "instances"]
