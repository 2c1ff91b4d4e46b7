"""The EC2 driver: an EC2 region (AWS, or any endpoint speaking EC2's API) as a Hearth backend."""

from .config import Credentials, Ec2Config
from .driver import Ec2Driver, open_driver, open_ec2_driver, providers

__all__ = ["Credentials", "Ec2Config", "Ec2Driver", "open_driver", "open_ec2_driver", "providers"]
