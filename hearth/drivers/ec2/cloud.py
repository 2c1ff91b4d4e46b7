"""One EC2 client under one set of credentials, and the only place boto3 is called.

Every call goes through ``call``/``pages`` so each failure becomes a typed Hearth error naming
what was being done. The client is made on first use: opening the driver (and ``GET /api``)
never talks to EC2.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import boto3
from botocore.config import Config as BotoConfig

from .config import Credentials, Ec2Config
from .errors import ec2_errors

FILTER_VALUES = 199  # EC2 takes at most 200 values per filter
# botocore's "standard" retry mode backs off on throttling and 5xx before we see an error.
_BOTO = BotoConfig(
    retries={"mode": "standard", "max_attempts": 4},
    connect_timeout=10,
    read_timeout=60,
    user_agent_extra="hearth",
)


class Cloud:
    def __init__(self, config: Ec2Config, credentials: Credentials | None) -> None:
        self.config = config
        self.credentials = credentials
        self._client: Any = None
        self._lock = threading.Lock()

    @property
    def secrets(self) -> tuple[str, ...]:
        return self.credentials.secrets if self.credentials else ()

    def _ec2(self) -> Any:
        with self._lock:
            if self._client is None:
                creds = self.credentials
                session = boto3.session.Session(
                    aws_access_key_id=creds.access_key_id if creds else None,
                    aws_secret_access_key=creds.secret_access_key if creds else None,
                    region_name=self.config.region,
                )
                with ec2_errors("connecting to EC2", self.secrets):
                    self._client = session.client("ec2", endpoint_url=self.config.endpoint_url, config=_BOTO)
            return self._client

    def call(self, doing: str, operation: str, **params: Any) -> dict[str, Any]:
        """One EC2 action (boto3's snake_case name) with its parameters; the parsed response."""
        client = self._ec2()
        with ec2_errors(doing, self.secrets):
            result: dict[str, Any] = getattr(client, operation)(**params)
        return result

    def pages(self, doing: str, operation: str, key: str, **params: Any) -> Iterator[dict[str, Any]]:
        """Every item under ``key`` across all pages of a Describe action."""
        client = self._ec2()
        with ec2_errors(doing, self.secrets):
            paginator = client.get_paginator(operation)
            for page in paginator.paginate(**params):
                yield from page.get(key, [])

    def by_ids(
        self,
        doing: str,
        operation: str,
        key: str,
        id_filter: str,
        ids: list[str],
        *more: dict[str, Any],
    ) -> list[dict[str, Any]]:
        """The items of a Describe action for ``ids``, asked by filter (a filter, unlike the
        ``…Ids`` parameters, does not fail the whole call for one id EC2 has forgotten), in
        chunks of EC2's limit on a filter's values; ``more`` are further filters."""
        found: list[dict[str, Any]] = []
        client = self._ec2()
        for start in range(0, len(ids), FILTER_VALUES):
            filters = [{"Name": id_filter, "Values": ids[start : start + FILTER_VALUES]}, *more]
            if client.can_paginate(operation):
                found.extend(self.pages(doing, operation, key, Filters=filters))
            else:
                found.extend(self.call(doing, operation, Filters=filters).get(key, []))
        return found

    def close(self) -> None:
        with self._lock:
            if self._client is not None:
                self._client.close()
                self._client = None
