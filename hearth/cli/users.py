"""`hearth user add`: create a server user in the store (also while the server runs: SQLite WAL)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from hearth.cli.output import user_errors

app = typer.Typer(help="Manage the server's users.", no_args_is_help=True)


@app.command("add")
def add(
    name: Annotated[str, typer.Argument(help="user name (lowercase letters, digits, . _ -)")],
    password: Annotated[
        str,
        typer.Option(prompt=True, hide_input=True, confirmation_prompt=True, help="at least 8 characters"),
    ],
    admin: Annotated[
        bool, typer.Option("--admin", help="the user sees and manages everyone's resources")
    ] = False,
    state_dir: Annotated[Path | None, typer.Option(help="the server's state directory")] = None,
    db: Annotated[
        str | None, typer.Option(help="database URL (default: SQLite in the state directory)")
    ] = None,
    config: Annotated[Path | None, typer.Option(help="the server's TOML config file")] = None,
) -> None:
    """Create a user whose password is stored as a scrypt hash, never in clear."""
    with user_errors():
        from hearth.service import load_config
        from hearth.store import make_engine, upgrade
        from hearth.store.users import create_user

        cfg = load_config(config).with_overrides(state_dir=state_dir, db=db)
        engine = make_engine(cfg.db_url)
        try:
            upgrade(engine)
            account = create_user(engine, name, password, is_admin=admin)
        finally:
            engine.dispose()
        typer.echo(f"created {'admin' if account.is_admin else 'user'} {account.name} in {cfg.db_display}")
