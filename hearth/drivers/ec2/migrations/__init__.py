"""The EC2 driver's Alembic revisions (branch ``ec2``): applied, beside the shared branch, by
``hearth.drivers.schema`` to a store opened for this driver, and to no other store."""
