"""`hearth user add|list|passwd|delete` and `hearth user access-key add|list|delete`: the server's
users and their EC2 access keys, straight in its store.

These commands open the store the server uses (SQLite in WAL mode, or the configured database),
so they work while the server runs; a changed password, a deleted user or a deleted access key
stops working in the running server from its next request on (the store's auth epoch, see
hearth.store.auth_epoch; access keys are read from the store at every request).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from hearth.cli.output import user_errors, warn

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from hearth.service import ServiceConfig

app = typer.Typer(help="Manage the server's users.", no_args_is_help=True)

StateDir = Annotated[Path | None, typer.Option(help="the server's state directory")]
Db = Annotated[str | None, typer.Option(help="database URL (default: SQLite in the state directory)")]
Config = Annotated[Path | None, typer.Option(help="the server's TOML config file")]
Password = Annotated[
    str,
    typer.Option(
        prompt=True,
        hide_input=True,
        confirmation_prompt=True,
        help="at least 8 characters; asked twice, without echo, when not given",
    ),
]


@contextmanager
def _store(
    config: Path | None, state_dir: Path | None, db: str | None
) -> Iterator[tuple[ServiceConfig, Engine]]:
    from hearth.drivers.schema import migrated_engine
    from hearth.service import load_config

    cfg = load_config(config).with_overrides(state_dir=state_dir, db=db)
    with migrated_engine(cfg.db_url, cfg.driver.value) as engine:
        yield cfg, engine
    engine.dispose()  # (after a failure, migrated_engine has disposed of it)


@app.command("add")
def add(
    name: Annotated[str, typer.Argument(help="user name (lowercase letters, digits, . _ -)")],
    password: Password,
    admin: Annotated[
        bool, typer.Option("--admin", help="the user sees and manages everyone's resources")
    ] = False,
    state_dir: StateDir = None,
    db: Db = None,
    config: Config = None,
) -> None:
    """Create a user whose password is stored as a scrypt hash, never in clear."""
    with user_errors(), _store(config, state_dir, db) as (cfg, engine):
        from hearth.store.users import create_user

        account = create_user(engine, name, password, is_admin=admin)
        typer.echo(f"created {'admin' if account.is_admin else 'user'} {account.name} in {cfg.db_display}")


@app.command("list")
def list_(
    as_json: Annotated[bool, typer.Option("--json", help="print JSON for scripts")] = False,
    state_dir: StateDir = None,
    db: Db = None,
    config: Config = None,
) -> None:
    """List the users: name, whether admin, when created (never a password hash)."""
    with user_errors(), _store(config, state_dir, db) as (_cfg, engine):
        from hearth.cli.client.render import emit_list, field
        from hearth.store.user_admin import list_users

        users = [
            {"name": a.name, "admin": a.is_admin, "created": a.created.isoformat()}
            for a in list_users(engine)
        ]
        emit_list(
            users,
            as_json,
            [("NAME", field("name")), ("ADMIN", field("admin")), ("CREATED", field("created"))],
            "users",
        )


@app.command("passwd")
def passwd(
    name: Annotated[str, typer.Argument(help="the user whose password changes")],
    password: Password,
    state_dir: StateDir = None,
    db: Db = None,
    config: Config = None,
) -> None:
    """Set a new password; a running server refuses the old one from its next request on."""
    with user_errors(), _store(config, state_dir, db) as (_cfg, engine):
        from hearth.store.user_admin import set_password

        account = set_password(engine, name, password)
        typer.echo(f"changed the password of {account.name}")


@app.command("delete")
def delete(
    name: Annotated[str, typer.Argument(help="the user to delete")],
    force: Annotated[
        bool,
        typer.Option(
            "--force",
            help="delete even though the user still owns resources; they are kept, visible to admins only",
        ),
    ] = False,
    state_dir: StateDir = None,
    db: Db = None,
    config: Config = None,
) -> None:
    """Delete a user. Refused for the last admin, and while the user owns resources unless --force."""
    with user_errors(), _store(config, state_dir, db) as (cfg, engine):
        from hearth.store.user_admin import delete_user, describe

        gone = delete_user(
            engine, name, force=force, also_owned=_unrecorded_instances(cfg, engine, name, force)
        )
        typer.echo(f"deleted {'admin' if gone.account.is_admin else 'user'} {gone.account.name}")
        if gone.kept:
            warn(f"kept {describe(gone.kept)} that {gone.account.name} owned; only admins see them now")


def _unrecorded_instances(cfg: ServiceConfig, engine: Engine, name: str, force: bool) -> int:
    """Instances the store does not record: a libvirt domain keeps its owner in its own metadata,
    so only the driver can count them. Zero for the other drivers (their store rows count)."""
    from hearth.drivers import Caller
    from hearth.errors import HearthError
    from hearth.service.backends import open_driver
    from hearth.service.config import DriverName
    from hearth.store.users import get_user
    from hearth.vocab.instance_states import InstanceState

    account = get_user(engine, name)
    if cfg.driver is not DriverName.libvirt or account is None:
        return 0
    try:
        driver = open_driver(cfg, engine)
        try:
            found = driver.list_instances(Caller(user_id=account.id))
        finally:
            driver.close()
    except HearthError as exc:
        if not force:
            raise
        warn(f"could not count {name}'s libvirt instances ({exc.message}); they are kept if any")
        return 0
    return sum(1 for i in found if i.owner_id == account.id and i.state is not InstanceState.FINISHED)


# --- hearth user access-key: the keys a user signs EC2 requests with ---------------------------

access_key_app = typer.Typer(
    help="Manage a user's access keys for the EC2 API (AWS Signature Version 4).", no_args_is_help=True
)
app.add_typer(access_key_app, name="access-key")


@access_key_app.command("add")
def access_key_add(
    name: Annotated[str, typer.Argument(help="the user who signs with the new key")],
    as_json: Annotated[
        bool, typer.Option("--json", help="print {access_key_id, secret_access_key} for scripts")
    ] = False,
    state_dir: StateDir = None,
    db: Db = None,
    config: Config = None,
) -> None:
    """Make an access key; its secret is printed now and never again (it is stored sealed)."""
    with user_errors(), _store(config, state_dir, db) as (cfg, engine):
        from hearth.cli.client.render import show_json
        from hearth.service.access_keys import AccessKeys

        made = AccessKeys.in_state_dir(engine, cfg.state_dir).create(name)
        if as_json:
            show_json({"access_key_id": made.key.id, "secret_access_key": made.secret})
            return
        # Plain lines, not a table: a narrow terminal must not fold the secret.
        typer.echo(f"access_key_id      {made.key.id}")
        typer.echo(f"secret_access_key  {made.secret}")
        warn(f"the secret of {made.key.id} is shown only this once; keep it safe")


@access_key_app.command("list")
def access_key_list(
    name: Annotated[str, typer.Argument(help="the user whose keys to list")],
    as_json: Annotated[bool, typer.Option("--json", help="print JSON for scripts")] = False,
    state_dir: StateDir = None,
    db: Db = None,
    config: Config = None,
) -> None:
    """List a user's access keys: id and when made (never a secret)."""
    with user_errors(), _store(config, state_dir, db) as (cfg, engine):
        from hearth.cli.client.render import emit_list, field
        from hearth.service.access_keys import AccessKeys

        keys = [
            {"access_key_id": k.id, "user": k.user, "created": k.created.isoformat()}
            for k in AccessKeys.in_state_dir(engine, cfg.state_dir).list(name)
        ]
        emit_list(
            keys,
            as_json,
            [("ACCESS KEY ID", field("access_key_id")), ("CREATED", field("created"))],
            "access_keys",
        )


@access_key_app.command("delete")
def access_key_delete(
    name: Annotated[str, typer.Argument(help="the user the key belongs to")],
    key_id: Annotated[str, typer.Argument(metavar="KEY_ID", help="the access key id (AKIA…)")],
    state_dir: StateDir = None,
    db: Db = None,
    config: Config = None,
) -> None:
    """Delete an access key; a running server refuses requests signed with it from the next one on."""
    with user_errors(), _store(config, state_dir, db) as (cfg, engine):
        from hearth.service.access_keys import AccessKeys

        gone = AccessKeys.in_state_dir(engine, cfg.state_dir).delete(name, key_id)
        typer.echo(f"deleted access key {gone.id} of {gone.user}")
