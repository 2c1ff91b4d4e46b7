"""The AWS CLI as a user runs it: its own process, configured only by the environment, pointed
at a server's /ec2 with an access key."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from hearth.api.ec2.context import REGION

from ..conftest import Running
from .clients import Credentials


def _aws() -> list[str]:
    if importlib.util.find_spec("awscli") is not None:
        return [sys.executable, "-m", "awscli"]
    found = shutil.which("aws")
    if found is None:
        pytest.fail("the AWS CLI is not installed (it is a dev dependency: pip install -e '.[dev]')")
    return [found]


def run(server: Running, key: Credentials, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(home),
        "AWS_ACCESS_KEY_ID": key.access_key_id,
        "AWS_SECRET_ACCESS_KEY": key.secret_access_key,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_CONFIG_FILE": str(home / "config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(home / "credentials"),
        "AWS_MAX_ATTEMPTS": "1",
    }
    command = [*_aws(), "--endpoint-url", f"{server.url}/ec2", "--output", "json", "ec2", *args]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=120, check=False)


def ok(result: subprocess.CompletedProcess[str]) -> Any:
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout) if result.stdout.strip() else None
