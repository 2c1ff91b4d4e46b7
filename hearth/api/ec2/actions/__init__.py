"""The EC2 actions, one module per group of collections; importing this registers them all."""

from . import catalogue, images, instances, keys, networks, storage, tags

__all__ = ["catalogue", "images", "instances", "keys", "networks", "storage", "tags"]
