"""`hearth key`: SSH keys — list, show, create (the private key is shown once), import, delete."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from .crud import add_list_show_delete
from .options import JsonOpt, UrlOpt, UserOpt

app = typer.Typer(name="key", help="SSH keys for instances.", no_args_is_help=True)


def _columns() -> list[Any]:
    from .render import field

    return [
        ("ID", field("id")),
        ("NAME", field("name")),
        ("KIND", field("kind")),
        ("FINGERPRINT", field("fingerprint")),
    ]


add_list_show_delete(app, "keys", "key", _columns)


@app.command("create")
def create(
    name: Annotated[str, typer.Argument(help="key name")],
    kind: Annotated[str, typer.Option(help="ssh-ed25519 or ssh-rsa")] = "ssh-ed25519",
    url: UrlOpt = None,
    user: UserOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Generate a key pair on the server; the private key is printed this once and never stored."""
    from .crud import created
    from .http import connect

    with connect(url, user) as api:
        created(api, "/v1/keys", {"name": name, "kind": kind}, as_json)


@app.command("import")
def import_key(
    name: Annotated[str, typer.Argument(help="key name")],
    public_key_file: Annotated[Path, typer.Option("--file", help="OpenSSH public key file")],
    url: UrlOpt = None,
    user: UserOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Import an existing public key."""
    from .crud import created
    from .http import ClientError, client_errors, connect

    with client_errors():
        try:
            text = public_key_file.read_text().strip()
        except OSError as exc:
            raise ClientError(f"cannot read {public_key_file}: {exc.strerror}") from None
    with connect(url, user) as api:
        created(api, "/v1/keys", {"name": name, "public_key": text}, as_json)
