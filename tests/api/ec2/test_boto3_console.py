"""boto3's get_console_output against /ec2 on a real server (mock driver)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from botocore.exceptions import ClientError


def _run(ec2: Any) -> str:
    images = ec2.describe_images(Filters=[{"Name": "name", "Values": ["debian-12"]}])["Images"]
    answer = ec2.run_instances(ImageId=images[0]["ImageId"], InstanceType="small", MinCount=1, MaxCount=1)
    return str(answer["Instances"][0]["InstanceId"])


def test_get_console_output_answers_the_boot_log_decoded_by_boto3(ec2: Any) -> None:
    instance_id = _run(ec2)
    answer = ec2.get_console_output(InstanceId=instance_id)
    assert answer["InstanceId"] == instance_id
    assert isinstance(answer["Timestamp"], datetime)
    assert "Linux version " in answer["Output"] and "login: " in answer["Output"]
    latest = ec2.get_console_output(InstanceId=instance_id, Latest=True)
    assert latest["Output"] == answer["Output"]


def test_get_console_output_of_an_unknown_or_foreign_instance_is_not_found(ec2: Any, ec2_other: Any) -> None:
    instance_id = _run(ec2)
    for client, wanted in ((ec2, "i-0123456789abcdef0"), (ec2_other, instance_id)):
        with pytest.raises(ClientError) as excinfo:
            client.get_console_output(InstanceId=wanted)
        assert excinfo.value.response["Error"]["Code"].startswith("InvalidInstanceID"), excinfo.value.response
