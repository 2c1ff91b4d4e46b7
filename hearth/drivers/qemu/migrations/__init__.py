"""The qemu driver's Alembic revisions (branch ``qemu``): applied, beside the shared branch, by
``hearth.drivers.schema`` to a store opened for this driver, and to no other store."""
