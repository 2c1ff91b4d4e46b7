"""The EC2 driver against moto's EC2 server, checked from EC2's side with a client of our own.

The contract suite (tests/drivers/contract) covers the Hearth-visible behaviour; these check what
is particular to EC2: what the driver sends (key pairs, user data, device names, tags, no public
IP of EC2's choosing), the real instance-type figures, the catalogue, and objects made or ended
outside Hearth.
"""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from hearth.drivers import SYSTEM_OWNER, Caller, wait_for_state
from hearth.drivers.ec2 import Credentials, Ec2Config, Ec2Driver, open_ec2_driver
from hearth.drivers.ec2.states import map_state
from hearth.drivers.resources import (
    AddressCreate,
    HwpPropertyName,
    InstanceCreate,
    KeyImport,
    NetworkCreate,
    NetworkUpdate,
    SubnetCreate,
    VolumeAttach,
    VolumeCreate,
)
from hearth.drivers.sshkeys import generate
from hearth.errors import NotFound, ValidationError
from hearth.store import default_url
from hearth.vocab.instance_states import InstanceState

from .moto import MotoServer

S = InstanceState


def _boot(driver: Ec2Driver, who: Caller, image: str, **fields: object) -> str:
    req = InstanceCreate.model_validate({"image_id": image, "hwp_id": "t3.micro", **fields})
    inst = driver.create_instance(who, req)
    return wait_for_state(driver, who, inst.id, S.RUNNING, timeout=30).id


def _described(moto: MotoServer, instance_id: str) -> dict[str, object]:
    res = moto.client().describe_instances(InstanceIds=[instance_id])["Reservations"]
    return dict(res[0]["Instances"][0])


def test_hardware_profiles_carry_the_real_figures_of_each_instance_type(
    driver: Ec2Driver, alice: Caller
) -> None:
    t3 = driver.get_hardware_profile(alice, "t3.micro")
    assert t3.properties[HwpPropertyName.cpu].value == 2
    assert t3.properties[HwpPropertyName.memory].value == 1024
    assert t3.properties[HwpPropertyName.architecture].value == "x86_64"
    graviton = driver.get_hardware_profile(alice, "c6g.medium")
    assert graviton.properties[HwpPropertyName.architecture].value == "aarch64"
    assert graviton.properties[HwpPropertyName.memory].value == 2048
    assert {p.id for p in driver.list_hardware_profiles(alice)} == {
        "t3.micro",
        "t3.small",
        "m5.large",
        "c6g.medium",
    }
    with pytest.raises(NotFound):
        driver.get_hardware_profile(alice, "x9.enormous")


def test_without_a_type_list_every_type_of_the_region_is_offered(moto: MotoServer, tmp_path: Path) -> None:
    options = {k: v for k, v in moto.options().items() if k != "instance_types"}
    with open_ec2_driver(Ec2Config.from_options(options), default_url(tmp_path)) as d:
        profiles = {p.id: p for p in d.list_hardware_profiles(Caller("alice"))}
    assert len(profiles) > 500
    assert profiles["m5.large"].properties[HwpPropertyName.memory].value == 8192


def test_realms_are_the_zones_of_the_region(driver: Ec2Driver, alice: Caller) -> None:
    described = driver.context.cloud.call("t", "describe_availability_zones")
    zones = {z["ZoneName"] for z in described["AvailabilityZones"]}
    assert {r.id for r in driver.list_realms(alice)} == zones and "us-east-1a" in zones
    assert all(r.owner_id == SYSTEM_OWNER for r in driver.list_realms(alice))


def test_an_instance_is_launched_as_asked_and_tagged_with_its_name(
    driver: Ec2Driver, moto: MotoServer, alice: Caller, image: str
) -> None:
    driver.import_key(alice, KeyImport(name="deploy", public_key=generate().public.openssh))
    inst_id = _boot(
        driver,
        alice,
        image,
        name="web",
        key_name="deploy",
        user_data="#cloud-config\n",
        realm_id="us-east-1b",
    )
    seen = _described(moto, inst_id)
    key_pair = str(seen["KeyName"])
    assert key_pair.startswith("hearth-")  # the caller's key, under a name unique in the account
    assert moto.client().describe_key_pairs(KeyNames=[key_pair])["KeyPairs"]
    assert {"Key": "Name", "Value": "web"} in seen["Tags"]  # type: ignore[operator]
    assert seen["Placement"]["AvailabilityZone"] == "us-east-1b"  # type: ignore[index]
    assert seen.get("PublicIpAddress") is None  # public addresses come from the addresses collection
    attr = moto.client().describe_instance_attribute(InstanceId=inst_id, Attribute="userData")
    assert base64.b64decode(attr["UserData"]["Value"]).decode() == "#cloud-config\n"
    inst = driver.get_instance(alice, inst_id)
    assert (inst.name, inst.key_name, inst.realm, inst.image) == ("web", "deploy", "us-east-1b", image)
    assert (inst.vcpus, inst.memory_mib) == (2, 1024)


def test_a_count_is_one_launch_with_numbered_names(
    driver: Ec2Driver, moto: MotoServer, alice: Caller, image: str
) -> None:
    made = driver.create_instances(alice, InstanceCreate(image_id=image, hwp_id="t3.micro", name="many"), 3)
    reservations = {
        str(_described(moto, i.id)["ReservationId"])
        for i in made
        if "ReservationId" in _described(moto, i.id)
    }
    assert sorted(i.name for i in made) == ["many-1", "many-2", "many-3"]
    assert len(reservations) <= 1  # one RunInstances call (moto may omit the reservation id)


def test_instances_made_outside_hearth_are_invisible(
    driver: Ec2Driver, moto: MotoServer, alice: Caller, image: str
) -> None:
    other = moto.client().run_instances(ImageId=image, InstanceType="t3.micro", MinCount=1, MaxCount=1)
    outsider = other["Instances"][0]["InstanceId"]
    admin = Caller("root", is_admin=True)
    assert outsider not in {i.id for i in driver.list_instances(admin)}
    with pytest.raises(NotFound):
        driver.get_instance(admin, outsider)
    with pytest.raises(NotFound):
        driver.stop_instance(admin, outsider)


def test_an_instance_terminated_outside_hearth_is_an_error_that_destroy_clears(
    driver: Ec2Driver, moto: MotoServer, alice: Caller, image: str
) -> None:
    inst_id = _boot(driver, alice, image)
    moto.client().terminate_instances(InstanceIds=[inst_id])
    gone = driver.get_instance(alice, inst_id)
    assert gone.state is S.ERROR and gone.state_reason == "terminated outside Hearth"
    assert [a.value for a in gone.actions] == ["destroy"]
    assert driver.destroy_instance(alice, inst_id).state is S.FINISHED
    with pytest.raises(NotFound):
        driver.get_instance(alice, inst_id)


def test_destroy_terminates_in_ec2_and_lets_volumes_and_addresses_go(
    driver: Ec2Driver, moto: MotoServer, alice: Caller, image: str
) -> None:
    inst_id = _boot(driver, alice, image, realm_id="us-east-1a")
    vol = driver.create_volume(alice, VolumeCreate(capacity_gb=1, realm_id="us-east-1a", name="data"))
    on = driver.attach_volume(alice, vol.id, VolumeAttach(instance_id=inst_id, device="vdc"))
    assert on.device == "vdc"
    ec2_vol = moto.client().describe_volumes(VolumeIds=[vol.id])["Volumes"][0]
    assert ec2_vol["Attachments"][0]["Device"] == "/dev/sdc"  # vdc is EC2's /dev/sdc
    addr = driver.create_address(alice, AddressCreate(name="front"))
    driver.associate_address(alice, addr.id, inst_id)
    assert driver.get_instance(alice, inst_id).public_addresses == [addr.ip_address]
    driver.stop_instance(alice, inst_id, force=True)
    wait_for_state(driver, alice, inst_id, S.STOPPED, timeout=30)
    driver.destroy_instance(alice, inst_id)
    assert _described(moto, inst_id)["State"]["Name"] in ("shutting-down", "terminated")  # type: ignore[index]
    assert driver.get_volume(alice, vol.id).instance is None
    assert driver.get_address(alice, addr.id).instance is None


def test_the_catalogue_is_the_configured_owners_images_and_captures_stay_private(
    driver: Ec2Driver, moto: MotoServer, alice: Caller, bob: Caller, image: str
) -> None:
    shared = driver.get_image(bob, image)
    assert shared.owner_id == SYSTEM_OWNER and shared.name == "hearth-test-image"
    inst_id = _boot(driver, alice, image)
    driver.stop_instance(alice, inst_id, force=True)
    wait_for_state(driver, alice, inst_id, S.STOPPED, timeout=30)
    from hearth.drivers.resources import ImageCreate

    captured = driver.create_image(alice, ImageCreate(instance_id=inst_id, name="golden"))
    assert captured.source_instance == inst_id and captured.owner_id == "alice"
    # The AMI is the account's own ("self"), yet Bob does not get it as catalogue.
    assert captured.id not in {i.id for i in driver.list_images(bob)}
    assert captured.id in {i.id for i in driver.list_images(alice)}
    amazon = moto.client().describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    with pytest.raises(NotFound):  # not an owner the config names
        driver.get_image(alice, amazon)


def test_networks_are_vpcs_and_ec2s_limits_are_refused_clearly(
    driver: Ec2Driver, moto: MotoServer, alice: Caller, bob: Caller
) -> None:
    default = [n for n in driver.list_networks(bob) if n.owner_id == SYSTEM_OWNER]
    assert len(default) == 1  # the account's default VPC, shared
    net = driver.create_network(
        alice, NetworkCreate(name="lab", address_blocks=["10.20.0.0/16", "10.21.0.0/16"])
    )
    vpc = moto.client().describe_vpcs(VpcIds=[net.id])["Vpcs"][0]
    assert {"Key": "Name", "Value": "lab"} in vpc["Tags"]
    assert net.address_blocks == ["10.20.0.0/16", "10.21.0.0/16"]
    with pytest.raises(ValidationError) as err:
        driver.create_network(alice, NetworkCreate(name="v6", address_blocks=["fd00:20::/48"]))
    assert "IPv6" in err.value.message
    with pytest.raises(ValidationError) as err:
        driver.create_subnet(
            alice, SubnetCreate(network_id=net.id, name="tiny", address_block="10.20.0.0/29")
        )
    assert "/16 and /28" in err.value.message
    grown = driver.update_network(
        alice, net.id, NetworkUpdate(name="lab2", address_blocks=["10.20.0.0/16", "10.22.0.0/16"])
    )
    assert grown.name == "lab2" and grown.address_blocks == ["10.20.0.0/16", "10.22.0.0/16"]
    blocks = moto.client().describe_vpcs(VpcIds=[net.id])["Vpcs"][0]["CidrBlockAssociationSet"]
    assert {b["CidrBlock"] for b in blocks if b["CidrBlockState"]["State"] != "disassociated"} == {
        "10.20.0.0/16",
        "10.22.0.0/16",
    }
    with pytest.raises(ValidationError) as err:  # EC2 cannot change a VPC's primary block
        driver.update_network(alice, net.id, NetworkUpdate(address_blocks=["10.23.0.0/16"]))
    assert "primary block" in err.value.message
    sub = driver.create_subnet(alice, SubnetCreate(network_id=net.id, name="a", address_block="10.20.1.0/24"))
    assert sub.id in {s.id for s in driver.list_subnets(alice)}
    assert sub.id not in {s.id for s in driver.list_subnets(bob)}


def test_state_names_map_onto_hearths_machine() -> None:
    for name, state in {
        "pending": S.PENDING,
        "running": S.RUNNING,
        "stopping": S.STOPPING,
        "stopped": S.STOPPED,
        "shutting-down": S.STOPPING,
        "terminated": S.ERROR,
    }.items():
        assert map_state({"State": {"Name": name}})[0] is state
    assert map_state({"State": {"Name": "rebooting-sideways"}})[0] is S.ERROR


def test_a_view_with_other_credentials_uses_them_for_its_calls(driver: Ec2Driver, alice: Caller) -> None:
    view = driver.with_credentials(Credentials("AKIAOTHERKEY00000001", "another-secret"))
    assert view.context.cloud is not driver.context.cloud
    assert view.context.cloud.credentials == Credentials("AKIAOTHERKEY00000001", "another-secret")
    assert view.list_realms(alice) == driver.list_realms(alice)  # moto accepts any key pair
    view.close()
    assert driver.list_realms(alice)  # closing the view leaves the driver's own client alone
    pair = driver.with_key_pair("AKIAOTHERKEY00000002", "a-third-secret")  # what the service calls
    assert pair.context.cloud.credentials == Credentials("AKIAOTHERKEY00000002", "a-third-secret")
    pair.close()


def test_a_listing_of_more_objects_than_one_ec2_filter_holds_is_complete(
    driver: Ec2Driver, alice: Caller
) -> None:
    """EC2 takes at most 200 values per filter, so the driver asks in chunks of 199: 205 volumes
    are two chunks, and every volume of both must be listed."""
    made = {driver.create_volume(alice, VolumeCreate(capacity_gb=1)).id for _ in range(205)}
    assert {v.id for v in driver.list_volumes(alice)} == made


def test_console_output_is_ec2s_decoded_and_only_for_its_owner(
    driver: Ec2Driver, alice: Caller, image: str
) -> None:
    inst_id = _boot(driver, alice, image)
    got = driver.get_console_output(alice, inst_id)
    assert got.instance_id == inst_id and got.output and not got.truncated
    assert "\n" in got.output  # text, not EC2's base64 of it
    with pytest.raises(NotFound):
        driver.get_console_output(Caller("mallory"), inst_id)
