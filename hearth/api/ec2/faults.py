"""EC2 error codes and statuses, and Hearth's typed errors mapped onto them.

boto3 and the AWS CLI branch on the code (``InvalidInstanceID.NotFound``, ``IncorrectInstanceState``)
and retry on the status (5xx and throttling), so both follow what EC2 itself answers: nearly every
client error is a 400, authentication 401, authorisation and signatures 403, throttling and
unavailability 503.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from hearth.errors import (
    AuthFailure,
    BackendError,
    BackendTimeout,
    Conflict,
    Forbidden,
    HearthError,
    IdempotencyMismatch,
    InvalidState,
    LimitExceeded,
    NotFound,
    NotSupported,
    PayloadTooLarge,
    Unavailable,
    ValidationError,
)

# Codes answered with a status other than 400.
_STATUS: Final[Mapping[str, int]] = {
    "AuthFailure": 401,
    "MissingAuthenticationToken": 401,
    "UnauthorizedOperation": 403,
    "SignatureDoesNotMatch": 403,
    "OptInRequired": 403,
    "DryRunOperation": 412,
    "RequestEntityTooLarge": 413,
    "InternalError": 500,
    "RequestLimitExceeded": 503,
    "Unavailable": 503,
}

# NotFound's ``kind`` (what the driver looked up) → the code EC2 gives for a missing one of those.
NOT_FOUND: Final[Mapping[str, str]] = {
    "instance": "InvalidInstanceID.NotFound",
    "image": "InvalidAMIID.NotFound",
    "volume": "InvalidVolume.NotFound",
    "snapshot": "InvalidSnapshot.NotFound",
    "key": "InvalidKeyPair.NotFound",
    "network": "InvalidVpcID.NotFound",
    "subnet": "InvalidSubnetID.NotFound",
    "address": "InvalidAllocationID.NotFound",
    "interface": "InvalidNetworkInterfaceID.NotFound",
}


class Ec2Error(Exception):
    """An error as EC2 reports it: a code, one sentence, and the HTTP status of that code."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    @property
    def status(self) -> int:
        return status_of(self.code)


def status_of(code: str) -> int:
    return _STATUS.get(code, 400)


def bad(message: str) -> Ec2Error:
    """InvalidParameterValue, the code of nearly every malformed request."""
    return Ec2Error("InvalidParameterValue", message)


def missing(name: str) -> Ec2Error:
    return Ec2Error("MissingParameter", f"The request must contain the parameter {name}")


def invalid(name: str, value: str, why: str) -> Ec2Error:
    """InvalidParameterValue naming the parameter; the value is quoted only when it is short."""
    shown = f" '{value}'" if value and len(value) <= 64 else ""
    return Ec2Error("InvalidParameterValue", f"Invalid value{shown} for {name}: {why}")


def code_for(exc: HearthError, conflict: str = "IncorrectState") -> str:
    """The EC2 code for a typed Hearth error; ``conflict`` is what a Conflict means to the action
    that met it (a duplicate key pair, a volume in use, a VPC with subnets left)."""
    kind = str(exc.details.get("kind", ""))
    match exc:
        case IdempotencyMismatch():
            return "IdempotentParameterMismatch"
        case ValidationError():
            return "TagLimitExceeded" if exc.details.get("limit") == "tags" else "InvalidParameterValue"
        case AuthFailure():
            return "AuthFailure"
        case Forbidden():
            return "UnauthorizedOperation"
        case NotFound():
            return NOT_FOUND.get(kind, "InvalidParameterValue")
        case InvalidState():
            # The state machine names the instance it refused (``instance=``), lookups the kind.
            return "IncorrectInstanceState" if kind == "instance" or "instance" in exc.details else conflict
        case Conflict():
            return conflict
        case PayloadTooLarge():
            return "RequestEntityTooLarge"
        case LimitExceeded():
            return "RequestLimitExceeded"
        case NotSupported():
            return "Unsupported"
        case Unavailable() | BackendTimeout():
            return "Unavailable"
        case BackendError():
            return "InternalError"
    return "InternalError"
