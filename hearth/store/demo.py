"""The demo accounts seeded on first start; ``hearth serve`` prints these, so keep them here only."""

from __future__ import annotations

from typing import NamedTuple


class DemoUser(NamedTuple):
    name: str
    password: str
    is_admin: bool


DEMO_USER = DemoUser("demo", "demo-password", False)
ADMIN_USER = DemoUser("admin", "admin-password", True)
DEMO_USERS: tuple[DemoUser, ...] = (DEMO_USER, ADMIN_USER)
# The account Deltacloud's test suite logs in as, seeded by ``--seed deltacloud`` only.
DELTACLOUD_USER = DemoUser("mockuser", "mockpassword", False)
