"""CreateKeyPair, ImportKeyPair, DescribeKeyPairs, DeleteKeyPair: Hearth's keys by name."""

from __future__ import annotations

import base64
import binascii

from hearth.drivers.resources import Key, KeyCreate, KeyImport, KeyKind

from ..context import Context
from ..elements.keys import KEY_TYPES, key_body
from ..faults import Ec2Error, invalid
from ..filters import FilterSet, read_filters
from ..ids import Kind
from ..params import Params
from ..registry import action
from ..render import Body
from ..tags import read_tag_specifications

DUPLICATE = "InvalidKeyPair.Duplicate"


def _key_create(name: str, key_type: str) -> KeyCreate:
    if key_type == "ed25519":
        return KeyCreate(name=name, kind=KeyKind.ssh_ed25519)
    return KeyCreate(name=name, kind=KeyKind.ssh_rsa)


def keys_filter(ctx: Context) -> FilterSet[Key]:
    return FilterSet[Key](
        {
            "key-name": lambda k: [k.name],
            "key-pair-id": lambda k: [ctx.ec2(Kind.key, k.id)],
            "fingerprint": lambda k: [k.fingerprint],
            "key-type": lambda k: [KEY_TYPES[k.kind]] if k.kind in KEY_TYPES else [],
        }
    )


def _no_tags(params: Params) -> None:
    if any(read_tag_specifications(params, {"key-pair"}).values()):
        raise Ec2Error("Unsupported", "Hearth keeps no tags on key pairs")


async def _duplicate_check(ctx: Context, name: str) -> None:
    # The key store's Conflict would say the same; EC2's words are the ones clients look for.
    keys = await ctx.run(ctx.calls.keys.list, ctx.caller)
    if any(k.name == name and k.owner_id == ctx.caller.user_id for k in keys):
        raise Ec2Error(DUPLICATE, f"The keypair '{name}' already exists.")


@action("CreateKeyPair", ("KeyName", "KeyType", "KeyFormat", "TagSpecification"), conflict=DUPLICATE)
async def create_key_pair(ctx: Context, params: Params) -> Body:
    name = params.required("KeyName")
    chosen = params.choice("KeyType", ("rsa", "ed25519")) or "rsa"  # EC2's default is RSA
    if params.choice("KeyFormat", ("pem", "ppk")) == "ppk":
        raise Ec2Error("Unsupported", "Hearth gives private keys in OpenSSH's format only")
    _no_tags(params)
    await _duplicate_check(ctx, name)
    made = await ctx.run(ctx.calls.keys.create, ctx.caller, _key_create(name, chosen))
    return {**key_body(made, ctx.ids), "keyMaterial": made.private_key}


@action("ImportKeyPair", ("KeyName", "PublicKeyMaterial", "TagSpecification"), conflict=DUPLICATE)
async def import_key_pair(ctx: Context, params: Params) -> Body:
    name = params.required("KeyName")
    material = params.required("PublicKeyMaterial")
    _no_tags(params)
    try:  # a blob: boto3 and the CLI send it base64-encoded
        public = base64.b64decode(material, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        raise invalid("PublicKeyMaterial", "", "must be base64 of an OpenSSH public key") from None
    await _duplicate_check(ctx, name)
    key = await ctx.run(ctx.calls.keys.import_, ctx.caller, KeyImport(name=name, public_key=public.strip()))
    body = key_body(key, ctx.ids)
    return {k: body[k] for k in ("keyFingerprint", "keyName", "keyPairId", "tagSet")}


@action("DescribeKeyPairs", ("KeyName", "KeyPairId", "IncludePublicKey", "Filter"))
async def describe_key_pairs(ctx: Context, params: Params) -> Body:
    names = params.strings("KeyName")
    key_ids = params.strings("KeyPairId")
    public = params.boolean("IncludePublicKey") or False
    keep = keys_filter(ctx).matcher(read_filters(params))
    keys = await ctx.run(ctx.calls.keys.list, ctx.caller)
    missing = [n for n in names if not any(k.name == n for k in keys)]
    if missing:
        raise Ec2Error("InvalidKeyPair.NotFound", f"The key pair '{missing[0]}' does not exist")
    wanted = {k.id for k in ctx.select(Kind.key, key_ids, keys)} if key_ids else None
    shown = [
        k for k in keys if (not names or k.name in names) and (wanted is None or k.id in wanted) and keep(k)
    ]
    return {"keySet": [key_body(k, ctx.ids, public) for k in shown]}


@action("DeleteKeyPair", ("KeyName", "KeyPairId"))
async def delete_key_pair(ctx: Context, params: Params) -> Body:
    """Deleting a key pair that is not there succeeds, as in EC2."""
    name = params.text("KeyName")
    pair_id = params.text("KeyPairId")
    if not name and not pair_id:
        raise Ec2Error("MissingParameter", "The request must contain the parameter KeyName or KeyPairId")
    keys = await ctx.run(ctx.calls.keys.list, ctx.caller)
    for key in keys:
        ctx.ec2(Kind.key, key.id)
    target = next((k for k in keys if k.owner_id == ctx.caller.user_id and k.name == name), None)
    if pair_id:
        hearth = ctx.ids.hearth(Kind.key, pair_id)
        target = next((k for k in keys if k.id == hearth), None)
    if target is not None:
        await ctx.run(ctx.calls.keys.delete, ctx.caller, target.id)
    return {"return": True, "keyPairId": ctx.ec2(Kind.key, target.id) if target else None}
