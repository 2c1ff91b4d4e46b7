"""``also_drivers`` in the server's config: the extra backends a Deltacloud request may pick."""

from __future__ import annotations

from pathlib import Path

import pytest

from hearth.errors import ValidationError
from hearth.service import ServiceConfig, load_config
from hearth.service.config import DriverName


def _load(tmp_path: Path, text: str) -> ServiceConfig:
    path = tmp_path / "hearth.toml"
    path.write_text(text)
    return load_config(path)


def test_also_drivers_in_the_file_name_the_extra_backends(tmp_path: Path) -> None:
    cfg = _load(tmp_path, 'driver = "mock"\nalso_drivers = ["ec2"]\n[ec2]\nregion = "eu-west-1"\n')
    assert cfg.also_drivers == (DriverName.ec2,)
    assert cfg.drivers == (DriverName.mock, DriverName.ec2)
    assert cfg.options_of(DriverName.ec2) == {"region": "eu-west-1"}


def test_the_command_line_names_them_too() -> None:
    cfg = ServiceConfig().with_overrides(also_drivers=("ec2",))
    assert cfg.also_drivers == (DriverName.ec2,)


@pytest.mark.parametrize(
    ("also", "driver", "message"),
    [
        (("nosuch",), "mock", "unknown extra driver 'nosuch'"),
        (("libvirt",), "mock", "libvirt cannot be an extra driver"),
        (("ec2",), "ec2", "ec2 is already the server's driver"),
        (("ec2", "ec2"), "mock", "extra driver ec2 is named twice"),
    ],
)
def test_a_wrong_extra_driver_is_refused_with_the_reason(
    also: tuple[str, ...], driver: str, message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        ServiceConfig().with_overrides(driver=driver, also_drivers=also)


def test_an_extra_ec2_driver_takes_no_server_credentials(tmp_path: Path) -> None:
    text = 'also_drivers = ["ec2"]\n[ec2]\naccess_key_id = "AKIAX"\nsecret_access_key = "s3cret-value"\n'
    with pytest.raises(ValidationError, match="each request's credentials") as caught:
        _load(tmp_path, text)
    assert "s3cret-value" not in str(caught.value)


def test_the_ec2_table_still_needs_the_ec2_driver_somewhere(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="add it with also_drivers"):
        _load(tmp_path, '[ec2]\nregion = "eu-west-1"\n')


def test_also_drivers_must_be_a_list_of_strings(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="also_drivers must be a list of strings"):
        _load(tmp_path, 'also_drivers = "ec2"\n')
