"""`hearth serve`: the Hearth server — the /v1 API over one driver, on uvicorn.

Heavy imports (FastAPI, SQLAlchemy, the drivers) happen inside the command, so the rest of the
CLI starts fast.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from hearth.cli.output import user_errors

if TYPE_CHECKING:
    from hearth.service import Service, ServiceConfig

DRIVERS = ("mock", "libvirt", "qemu", "ec2")
# Named, not uvicorn's "auto": auto falls back to h11 and asyncio in silence when httptools or
# uvloop is missing, and the server runs at a fraction of its speed (bench/blobs.py: a blob PUT
# at ~0.4 of the disk's rate on h11, ~0.8 on httptools). WebSockets (the consoles) are served by
# the websockets library, named too: auto would pick wsproto or none by what happens to be there.
HTTP_IMPL = "httptools"
LOOP_IMPL = "uvloop"
WS_IMPL = "websockets"


def serve(
    driver: Annotated[
        str | None, typer.Option(help=f"backend: {', '.join(DRIVERS)} (default mock)", show_default=False)
    ] = None,
    also_driver: Annotated[
        list[str] | None,
        typer.Option(
            help="an extra backend a Deltacloud request may pick (X-Deltacloud-Driver, /api;driver=NAME) "
            "with its cloud credentials as HTTP Basic: ec2, set up by the [ec2] table without "
            "credentials (repeatable)",
            show_default=False,
        ),
    ] = None,
    uri: Annotated[
        list[str] | None, typer.Option(help="hypervisor URI for the driver, e.g. qemu:///system (repeatable)")
    ] = None,
    state_dir: Annotated[
        Path | None,
        typer.Option(
            help="server state directory (default /var/lib/hearth as root, else ~/.local/share/hearth)"
        ),
    ] = None,
    db: Annotated[
        str | None, typer.Option(help="database URL (default: SQLite in the state directory)")
    ] = None,
    listen: Annotated[
        str | None, typer.Option(help="HOST:PORT to listen on (default 127.0.0.1:8080)")
    ] = None,
    server_id: Annotated[
        str | None,
        typer.Option(
            help="this server's identity on shared hosts (default: generated once into the store)",
            show_default=False,
        ),
    ] = None,
    seed: Annotated[
        str | None,
        typer.Option(
            help="what a new mock store starts with: default (Hearth's catalogue) or deltacloud "
            "(Deltacloud's mock fixtures and the user mockuser / mockpassword, for its test suite)",
            show_default=False,
        ),
    ] = None,
    config: Annotated[
        Path | None,
        typer.Option(
            help="TOML file with the same keys (driver, also_drivers, uris, state_dir, db, listen, "
            "server_id, seed) and "
            "task_workers, max_queued_tasks, max_queued_tasks_per_user, max_json_body_bytes, "
            "max_upload_body_bytes, auth_failures_per_user, auth_failures_per_address, "
            "auth_failure_window_seconds, a [libvirt] or [ec2] table"
        ),
    ] = None,
) -> None:
    """Serve the Hearth API (default: the mock driver with SQLite in the state directory)."""
    with user_errors():
        from hearth.service import load_config

        cfg = load_config(config).with_overrides(
            driver=driver,
            also_drivers=tuple(also_driver) if also_driver else None,
            uris=tuple(uri) if uri else None,
            state_dir=state_dir,
            db=db,
            listen=listen,
            server_id=server_id,
            seed=seed,
        )
        _run(cfg)


def _run(cfg: ServiceConfig) -> None:
    import contextlib
    import logging

    import uvicorn

    from hearth.api.gate import BodyLimits
    from hearth.cli.allocator import release_free_memory
    from hearth.redact import RedactingFilter
    from hearth.service import SeedName
    from hearth.store.demo import DELTACLOUD_USER, DEMO_USERS
    from hearth.ui import create_app

    host, port = cfg.host_port
    _check_server_libraries()
    _secure(cfg)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)  # migrations are routine, not news
    service = open_server_service(cfg)
    try:
        shown_host = f"[{host}]" if ":" in host else host
        typer.echo(f"Hearth {cfg.driver.value} driver, state in {cfg.state_dir}, database {cfg.db_display}")
        for realm, problem in service.host_report().items():
            if problem is None:
                typer.echo(f"Host {realm}: reached")
            else:
                typer.echo(f"Host {realm}: UNAVAILABLE ({problem}); retrying in the background", err=True)
        typer.echo(f"Serving the API on http://{shown_host}:{port}/v1 (OpenAPI: /v1/openapi.json)")
        for extra in cfg.also_drivers:
            regions = ", ".join(service.backends.providers(extra.value)) or "default"
            typer.echo(
                f"Deltacloud /api also serves the {extra.value} driver per request ({regions}); "
                "HTTP Basic carries its credentials"
            )
        for user in DEMO_USERS:
            if _works(service, user.name, user.password):
                role = "admin" if user.is_admin else "user"
                typer.echo(f"Demo {role}: {user.name} / {user.password}")
        mock = DELTACLOUD_USER
        if cfg.seed is SeedName.deltacloud and _works(service, mock.name, mock.password):
            typer.echo(f"Deltacloud fixtures user: {mock.name} / {mock.password}")
        limits = BodyLimits(json=cfg.max_json_body_bytes, upload=cfg.max_upload_body_bytes)
        config = uvicorn.Config(
            create_app(service, limits),
            host=host,
            port=port,
            http=HTTP_IMPL,
            loop=LOOP_IMPL,
            ws=WS_IMPL,
            log_level="info",
            server_header=False,
        )
        for name in ("", "uvicorn", "uvicorn.error", "uvicorn.access"):  # no URI password in a log
            for target in (logging.getLogger(name), *logging.getLogger(name).handlers):
                target.addFilter(RedactingFilter())
        server = uvicorn.Server(config)
        release_free_memory()
        with contextlib.suppress(KeyboardInterrupt):  # uvicorn re-raises the SIGINT it stopped on
            server.run()
        if not server.started:
            raise typer.Exit(3)
    finally:
        service.close()


def open_server_service(cfg: ServiceConfig) -> Service:
    """The service as the server opens it (bench/blobs.py opens it so too): glibc held to one
    malloc arena with fixed thresholds (``hearth.cli.allocator``), and the store migrated and
    seeded in a child process, so Alembic and the new demo users' scrypt hashes (16 MiB each)
    never reach the server's memory."""
    from hearth.cli.allocator import limit_arenas, pin_thresholds
    from hearth.cli.child import run_in_child
    from hearth.service import open_service, prepare_store

    limit_arenas()  # before open_service starts the task workers' threads
    pin_thresholds()
    run_in_child(lambda: prepare_store(cfg), "preparing the store")
    return open_service(cfg, prepared=True)


def _check_server_libraries() -> None:
    """Refuse to start, saying what to install, without the C parser, loop and WebSocket
    library the server names (uvicorn itself would fail later with a bare ImportError)."""
    from importlib.util import find_spec

    from hearth.errors import NotSupported

    missing = [name for name in (HTTP_IMPL, LOOP_IMPL, WS_IMPL) if find_spec(name) is None]
    if missing:
        raise NotSupported(
            f"hearth serve needs {' and '.join(missing)}: pip install 'uvicorn[standard]'",
            missing=missing,
        )


def _secure(cfg: ServiceConfig) -> None:
    """State dir 0700 and the database and generated files 0600 (fixed, and said so in one line);
    new files are born private."""
    import os

    from sqlalchemy.engine import make_url

    from hearth.service import DriverName
    from hearth.service.permissions import secure_state

    url = make_url(cfg.db_url)
    sqlite = Path(url.database) if url.get_backend_name() == "sqlite" and url.database else None
    notes = secure_state(cfg.state_dir, sqlite, hypervisor_traverses=cfg.driver is DriverName.libvirt)
    if notes:
        more = f" (and {len(notes) - 2} more)" if len(notes) > 2 else ""
        typer.echo(f"hearth: made {len(notes)} path(s) private: {'; '.join(notes[:2])}{more}", err=True)
    os.umask(0o077)


def _works(service: Service, name: str, password: str) -> bool:
    """Whether these demo credentials still log in (never print credentials that do not)."""
    from hearth.errors import AuthFailure

    try:
        service.authenticate(name, password)
    except AuthFailure:
        return False
    return True
