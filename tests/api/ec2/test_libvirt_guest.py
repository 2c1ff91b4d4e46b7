"""/ec2 over the libvirt driver (qemu:///system): boto3 and the AWS CLI boot the real tiny test
guest under TCG, read its serial console and terminate it, as they would on AWS.

The image is the test guest registered in the catalogue (kernel boot); ``small`` is the libvirt
driver's 256 MiB, 1 vCPU profile. The boot marker in GetConsoleOutput is the guest's own line,
so only a guest that really ran passes.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hearth.testing.guest import MARKER
from tests.drivers.contract.libvirt_cases import GUEST_IMAGE, guest_files

from .._libvirt import BOOT_TIMEOUT, serve_libvirt
from ..conftest import DEMO, Running
from .aws_cli import ok, run
from .clients import Credentials, access_key, ec2_client

pytestmark = [pytest.mark.libvirtd, pytest.mark.guest]
WAIT = {"Delay": 1, "MaxAttempts": int(BOOT_TIMEOUT)}


@pytest.fixture(scope="module")
def libvirt_ec2() -> Iterator[tuple[Running, Credentials]]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HEARTH_ACCEL", "tcg")
        with serve_libvirt(guest_files(), "ec2", access_keys=True, catalogue=True) as (running, _state):
            yield running, access_key(running, DEMO[0])


def _image(ec2: Any) -> str:
    images = ec2.describe_images(Filters=[{"Name": "name", "Values": [GUEST_IMAGE]}])["Images"]
    assert [i["Name"] for i in images] == [GUEST_IMAGE], images
    return str(images[0]["ImageId"])


def _console_until_marker(read: Any) -> str:
    deadline = time.monotonic() + BOOT_TIMEOUT
    while MARKER not in (output := read()):
        assert time.monotonic() < deadline, output[-2000:]
        time.sleep(1)
    return str(output)


def test_boto3_runs_the_test_guest_reads_its_console_stops_and_terminates_it(
    libvirt_ec2: tuple[Running, Credentials],
) -> None:
    server, key = libvirt_ec2
    ec2 = ec2_client(server, key)
    tags = [{"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": "boto3-guest"}]}]
    made = ec2.run_instances(
        ImageId=_image(ec2), InstanceType="small", MinCount=1, MaxCount=1, TagSpecifications=tags
    )
    instance_id = made["Instances"][0]["InstanceId"]
    assert made["Instances"][0]["State"]["Name"] in ("pending", "running")
    ec2.get_waiter("instance_running").wait(InstanceIds=[instance_id], WaiterConfig=WAIT)

    output = _console_until_marker(lambda: ec2.get_console_output(InstanceId=instance_id).get("Output", ""))
    assert "Linux version " in output
    status = ec2.describe_instance_status(InstanceIds=[instance_id])["InstanceStatuses"]
    assert [s["InstanceState"]["Name"] for s in status] == ["running"]
    named = ec2.describe_instances(Filters=[{"Name": "tag:Name", "Values": ["boto3-guest"]}])
    assert [i["InstanceId"] for r in named["Reservations"] for i in r["Instances"]] == [instance_id]

    stopping = ec2.stop_instances(InstanceIds=[instance_id])["StoppingInstances"][0]
    assert stopping["PreviousState"]["Name"] == "running"
    ec2.get_waiter("instance_stopped").wait(InstanceIds=[instance_id], WaiterConfig=WAIT)
    terminating = ec2.terminate_instances(InstanceIds=[instance_id])["TerminatingInstances"][0]
    assert terminating["PreviousState"]["Name"] == "stopped"
    ec2.get_waiter("instance_terminated").wait(InstanceIds=[instance_id], WaiterConfig=WAIT)
    left = ec2.describe_instances(InstanceIds=[instance_id])["Reservations"][0]["Instances"][0]
    assert left["State"] == {"Code": 48, "Name": "terminated"}


def test_the_aws_cli_runs_the_test_guest_waits_reads_its_console_and_terminates_it(
    libvirt_ec2: tuple[Running, Credentials], tmp_path: Path
) -> None:
    server, key = libvirt_ec2

    def cli(*args: str) -> Any:
        return ok(run(server, key, tmp_path, *args))

    image = cli("describe-images", "--filters", f"Name=name,Values={GUEST_IMAGE}")["Images"][0]["ImageId"]
    launched = cli("run-instances", "--image-id", image, "--instance-type", "small", "--count", "1")
    instance_id = launched["Instances"][0]["InstanceId"]
    cli("wait", "instance-running", "--instance-ids", instance_id)
    output = _console_until_marker(
        lambda: (cli("get-console-output", "--instance-id", instance_id) or {}).get("Output", "")
    )
    assert "Linux version " in output
    # A running instance terminated at once: stopped, then deleted; it stays visible as terminated.
    terminated = cli("terminate-instances", "--instance-ids", instance_id)["TerminatingInstances"][0]
    assert terminated["PreviousState"]["Name"] == "running"
    cli("wait", "instance-terminated", "--instance-ids", instance_id)
