"""The ``[ec2]`` table: checked key by key, and credentials never shown."""

from __future__ import annotations

import pytest

from hearth.drivers.ec2 import Credentials, Ec2Config, Ec2Driver, providers
from hearth.errors import ValidationError

from .moto import ACCESS_KEY_ID, SECRET_ACCESS_KEY


def test_a_full_table_gives_endpoint_region_credentials_and_catalogue() -> None:
    cfg = Ec2Config.from_options(
        {
            "endpoint_url": "http://127.0.0.1:5000",
            "region": "eu-west-1",
            "access_key_id": ACCESS_KEY_ID,
            "secret_access_key": SECRET_ACCESS_KEY,
            "image_owners": ["self", "amazon"],
            "instance_types": ["t3.micro"],
            "wait_seconds": 5,
        }
    )
    assert (cfg.endpoint_url, cfg.region, cfg.image_owners) == (
        "http://127.0.0.1:5000",
        "eu-west-1",
        ("self", "amazon"),
    )
    assert cfg.credentials == Credentials(ACCESS_KEY_ID, SECRET_ACCESS_KEY)
    assert cfg.instance_types == ("t3.micro",) and cfg.wait_seconds == 5.0


def test_credentials_never_show_in_the_config_or_its_repr() -> None:
    cfg = Ec2Config.from_options({"access_key_id": ACCESS_KEY_ID, "secret_access_key": SECRET_ACCESS_KEY})
    for text in (repr(cfg), str(cfg), repr(cfg.credentials)):
        assert SECRET_ACCESS_KEY not in text and ACCESS_KEY_ID not in text


def test_an_empty_table_means_the_default_region_and_boto3s_own_credentials() -> None:
    cfg = Ec2Config.from_options({})
    assert cfg.region == "us-east-1" and cfg.credentials is None and cfg.endpoint_url is None


@pytest.mark.parametrize(
    ("options", "words"),
    [
        ({"endpoint": "http://x"}, "no key 'endpoint'"),
        ({"region": ""}, "region must be a non-empty string"),
        ({"region": "Not A Region"}, "not a region name"),
        ({"endpoint_url": "ftp://host"}, "http(s) URL"),
        ({"endpoint_url": "http://user:pw@host"}, "must not carry credentials"),
        ({"access_key_id": ACCESS_KEY_ID}, "both access_key_id and secret_access_key"),
        ({"secret_access_key": SECRET_ACCESS_KEY}, "both access_key_id and secret_access_key"),
        ({"access_key_id": 5, "secret_access_key": SECRET_ACCESS_KEY}, "access_key_id must be"),
        ({"image_owners": "self"}, "image_owners must be a list"),
        ({"image_owners": []}, "at least one owner"),
        ({"instance_types": []}, "instance_types must be a non-empty list"),
        ({"wait_seconds": "5"}, "wait_seconds must be a number"),
        ({"wait_seconds": 0}, "between 0 and 3600"),
    ],
)
def test_bad_tables_are_refused_naming_the_key_never_a_secret(options: dict[str, object], words: str) -> None:
    with pytest.raises(ValidationError) as err:
        Ec2Config.from_options(options)
    assert words in err.value.message
    assert SECRET_ACCESS_KEY not in err.value.message and ACCESS_KEY_ID not in err.value.message


def test_the_providers_are_the_configured_region_at_its_endpoint() -> None:
    assert providers({}) == {"us-east-1": {"ec2": "ec2.us-east-1.amazonaws.com"}}
    table = {"region": "eu-west-1", "endpoint_url": "http://127.0.0.1:5000"}
    assert providers(table) == {"eu-west-1": {"ec2": "http://127.0.0.1:5000"}}
    with pytest.raises(ValidationError, match="region"):
        providers({"region": "Not A Region"})
    caps = Ec2Driver.capabilities()  # declared by the class: no driver opened
    assert caps.names_are_labels and caps.driver == "ec2"
