"""One EC2 Query request: its parameters from a GET query string or a POST form, ``Action``, ``Version``.

boto3 and the AWS CLI POST a form; presigned URLs and hand-written tools use GET. Both spell the
same flat ``name=value`` pairs, read here into one ``Params`` tree with the protocol's own
parameters (``Action``, ``Version``, SigV4's ``X-Amz-*`` of a presigned URL) taken out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final
from urllib.parse import parse_qsl

from .faults import Ec2Error, bad, missing
from .params import MAX_PARAMETERS, Params

API_VERSION: Final = "2016-11-15"
FORM_TYPE: Final = "application/x-www-form-urlencoded"
# A presigned URL's signature parameters: the authenticator reads them, no action does.
SIGNATURE_PARAMETERS: Final = frozenset(
    {
        "X-Amz-Algorithm",
        "X-Amz-Credential",
        "X-Amz-Date",
        "X-Amz-Expires",
        "X-Amz-SignedHeaders",
        "X-Amz-Signature",
        "X-Amz-Security-Token",
    }
)
ACTION_NAME_LENGTH: Final = 128


@dataclass(frozen=True)
class Ec2Request:
    action: str
    version: str
    params: Params  # the action's own parameters


def _decode(raw: bytes, where: str) -> list[tuple[str, str]]:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise bad(f"the {where} is not UTF-8") from None
    try:
        return parse_qsl(text, keep_blank_values=True, max_num_fields=MAX_PARAMETERS, errors="strict")
    except UnicodeDecodeError:
        raise bad(f"a parameter in the {where} is not UTF-8") from None
    except ValueError:
        raise bad(f"the {where} has more than {MAX_PARAMETERS} parameters") from None


def request_pairs(method: str, query: bytes, body: bytes, content_type: str | None) -> list[tuple[str, str]]:
    """The ``name=value`` pairs of a GET's query, or of a POST's query and form body together."""
    pairs = _decode(query, "query string")
    if method == "POST" and body:
        media = (content_type or "").split(";", 1)[0].strip().lower()
        if media != FORM_TYPE:
            raise bad(f"a POST body must be {FORM_TYPE}")
        pairs += _decode(body, "request body")
    return pairs


def read_request(pairs: list[tuple[str, str]]) -> Ec2Request:
    """The action, the API version and the action's parameters; MissingAction, MissingParameter
    (``Version``) or NoSuchVersion when the protocol's own parameters are wrong."""
    params = Params.parse(pairs)
    action = params.text("Action")
    if not action:
        raise Ec2Error("MissingAction", "The request must contain the parameter Action")
    if len(action) > ACTION_NAME_LENGTH or not (action.isascii() and action.isalnum()):
        raise Ec2Error("InvalidAction", "The action is not valid for this web service")
    version = params.text("Version")
    if not version:
        raise missing("Version")
    if version != API_VERSION:
        shown = version if len(version) <= 32 else version[:32] + "…"
        raise Ec2Error(
            "NoSuchVersion", f"The requested version ({shown}) is not served here; use {API_VERSION}"
        )
    return Ec2Request(action, version, params.without("Action", "Version", *SIGNATURE_PARAMETERS))
