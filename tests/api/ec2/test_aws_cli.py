"""The AWS CLI, unchanged, against /ec2: ``aws --endpoint-url …/ec2 ec2 …`` with a Hearth access key.

The CLI runs as a user runs it, in its own process, configured only by the environment.
"""

from __future__ import annotations

from pathlib import Path

from hearth.api.ec2.context import REGION

from ..conftest import Running
from .aws_cli import ok as _ok
from .aws_cli import run as _run
from .clients import Credentials


def test_the_cli_runs_waits_for_describes_and_terminates_an_instance(
    server: Running, demo_key: Credentials, tmp_path: Path
) -> None:
    regions = _ok(_run(server, demo_key, tmp_path, "describe-regions"))
    assert [r["RegionName"] for r in regions["Regions"]] == [REGION]
    image = _ok(
        _run(server, demo_key, tmp_path, "describe-images", "--filters", "Name=name,Values=debian-12")
    )["Images"][0]["ImageId"]
    launched = _ok(
        _run(
            server,
            demo_key,
            tmp_path,
            "run-instances",
            "--image-id",
            image,
            "--instance-type",
            "small",
            "--count",
            "1",
            "--tag-specifications",
            "ResourceType=instance,Tags=[{Key=Name,Value=cli}]",
        )
    )
    (instance,) = [i["InstanceId"] for i in launched["Instances"]]
    _ok(_run(server, demo_key, tmp_path, "wait", "instance-running", "--instance-ids", instance))
    names = _ok(
        _run(
            server,
            demo_key,
            tmp_path,
            "describe-instances",
            "--instance-ids",
            instance,
            "--query",
            "Reservations[].Instances[].[State.Name, Tags[?Key=='Name'].Value | [0]]",
        )
    )
    assert names == [["running", "cli"]]
    _ok(_run(server, demo_key, tmp_path, "stop-instances", "--instance-ids", instance))
    _ok(_run(server, demo_key, tmp_path, "wait", "instance-stopped", "--instance-ids", instance))
    terminated = _ok(_run(server, demo_key, tmp_path, "terminate-instances", "--instance-ids", instance))
    assert terminated["TerminatingInstances"][0]["CurrentState"]["Name"] == "shutting-down"
    _ok(_run(server, demo_key, tmp_path, "wait", "instance-terminated", "--instance-ids", instance))


def test_the_cli_reports_ec2s_error_code_and_exits_non_zero(
    server: Running, demo_key: Credentials, tmp_path: Path
) -> None:
    result = _run(server, demo_key, tmp_path, "describe-instances", "--instance-ids", "i-0123456789abcdef0")
    assert result.returncode != 0
    assert "InvalidInstanceID.NotFound" in result.stderr and "Traceback" not in result.stderr
    wrong = Credentials(demo_key.access_key_id, "x" * 40)
    result = _run(server, wrong, tmp_path, "describe-regions")
    assert result.returncode != 0 and "SignatureDoesNotMatch" in result.stderr


def test_the_cli_tags_a_volume_describes_and_deletes_its_tags(
    server: Running, demo_key: Credentials, tmp_path: Path
) -> None:
    volume = _ok(
        _run(server, demo_key, tmp_path, "create-volume", "--size", "1", "--availability-zone", "local")
    )
    volume_id = volume["VolumeId"]
    _ok(
        _run(
            server,
            demo_key,
            tmp_path,
            "create-tags",
            "--resources",
            volume_id,
            "--tags",
            "Key=env,Value=prod",
            "Key=owner,Value=ops",
        )
    )
    described = _ok(
        _run(
            server,
            demo_key,
            tmp_path,
            "describe-tags",
            "--filters",
            f"Name=resource-id,Values={volume_id}",
            "Name=key,Values=env,owner",
        )
    )
    assert sorted((t["Key"], t["Value"], t["ResourceType"]) for t in described["Tags"]) == [
        ("env", "prod", "volume"),
        ("owner", "ops", "volume"),
    ]
    by_tag = _ok(
        _run(server, demo_key, tmp_path, "describe-volumes", "--filters", "Name=tag:env,Values=prod")
    )
    assert [v["VolumeId"] for v in by_tag["Volumes"]] == [volume_id]
    _ok(_run(server, demo_key, tmp_path, "delete-tags", "--resources", volume_id, "--tags", "Key=env"))
    left = _ok(
        _run(server, demo_key, tmp_path, "describe-tags", "--filters", f"Name=resource-id,Values={volume_id}")
    )
    assert {t["Key"] for t in left["Tags"]} == {"owner", "Name"}
    _ok(_run(server, demo_key, tmp_path, "delete-volume", "--volume-id", volume_id))
