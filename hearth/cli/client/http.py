"""One authenticated connection to a Hearth server, and the one-line errors the CLI prints.

Every failure becomes ``ClientError`` with a sentence: the server's own error message when it
sent one, "cannot connect to URL" when nothing answers. The password comes from HEARTH_PASSWORD
or a prompt that does not echo, and never appears in any message.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import typer

from .options import DEFAULT_URL

PASSWORD_ENV = "HEARTH_PASSWORD"
TIMEOUT = 60.0
MAX_PAGES = 1000


class ClientError(Exception):
    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status  # the HTTP status when the server answered with an error


class Api:
    """Thin JSON-over-HTTP calls; ``base`` is the server URL without a trailing slash."""

    def __init__(self, base: str, user: str, password: str, *, timeout: float = TIMEOUT) -> None:
        self.base = base
        self._http = httpx.Client(
            base_url=base,
            auth=httpx.BasicAuth(user, password),
            timeout=timeout,
            headers={"Accept": "application/json", "User-Agent": "hearth-cli"},
            follow_redirects=False,
        )

    def close(self) -> None:
        self._http.close()

    def call(
        self,
        method: str,
        path: str,
        *,
        body: Any = None,
        params: dict[str, Any] | None = None,
        content: Iterator[bytes] | None = None,
    ) -> tuple[int, Any]:
        """(status, decoded JSON or None for an empty body); ClientError for any failure.

        ``content`` streams a raw body (application/octet-stream) instead of JSON ``body``.
        """
        clean = {k: v for k, v in (params or {}).items() if v is not None}
        extra: dict[str, Any] = {"json": body}
        if content is not None:
            extra = {"content": content, "headers": {"Content-Type": "application/octet-stream"}}
        try:
            resp = self._http.request(method, path, params=clean or None, **extra)
        except httpx.ConnectError:
            raise ClientError(f"cannot connect to {self.base}") from None
        except httpx.TimeoutException:
            raise ClientError(f"the server at {self.base} did not answer within {TIMEOUT:g}s") from None
        except httpx.HTTPError as exc:
            raise ClientError(f"talking to {self.base} failed: {type(exc).__name__}") from None
        data: Any = None
        if resp.content:
            try:
                data = resp.json()
            except ValueError:
                raise ClientError(
                    f"the server at {self.base} did not answer with JSON (HTTP {resp.status_code}); "
                    "is it a Hearth server?"
                ) from None
        if resp.status_code >= 400:
            message = data.get("message") if isinstance(data, dict) else None
            raise ClientError(
                str(message or f"the server answered HTTP {resp.status_code}"), resp.status_code
            )
        return resp.status_code, data

    def get(self, path: str, **params: Any) -> Any:
        return self.call("GET", path, params=params)[1]

    def post(self, path: str, body: Any = None) -> tuple[int, Any]:
        return self.call("POST", path, body=body)

    def delete(self, path: str) -> None:
        self.call("DELETE", path)

    def get_all(self, path: str, plural: str, **params: Any) -> list[Any]:
        """Every item of a paginated collection, following ``next``."""
        items: list[Any] = []
        cursor: str | None = None
        for _ in range(MAX_PAGES):
            page = self.get(path, **params, cursor=cursor, limit=1000)
            items.extend(page.get(plural, []))
            cursor = page.get("next")
            if not cursor:
                return items
        raise ClientError(f"{path} returned more than {MAX_PAGES} pages")

    def instance_id(self, ref: str) -> str:
        """The id of the instance ``ref`` names: its id, its name, or the start of one id (the
        short ids tables show)."""
        instances = self.get_all("/v1/instances", "instances")
        if any(i.get("id") == ref for i in instances):
            return ref
        named = [str(i["id"]) for i in instances if i.get("name") == ref]
        if len(named) == 1:
            return named[0]
        if named:
            raise ClientError(
                f"{len(named)} instances are named {ref!r}; use one of the ids {', '.join(named)}"
            )
        started = [str(i["id"]) for i in instances if ref and str(i.get("id", "")).startswith(ref)]
        if len(started) == 1:
            return started[0]
        if started:
            raise ClientError(f"{len(started)} instance ids start with {ref!r}; give more of the id")
        raise ClientError(f"instance {ref!r} not found (no instance has that id or name)")

    def get_item(self, plural: str, ref: str) -> Any:
        """``GET /v1/<plural>/<ref>``; when that is not found, the one item whose id starts with
        ``ref`` (tables show short ids)."""
        try:
            return self.get(f"/v1/{plural}/{ref}")
        except ClientError as exc:
            if exc.status != 404 or not ref:
                raise
            started = [
                i for i in self.get_all(f"/v1/{plural}", plural) if str(i.get("id", "")).startswith(ref)
            ]
            if len(started) != 1:
                raise
            return started[0]

    def template_names(self, instances: list[dict[str, Any]]) -> dict[str, str]:
        """Template id → name for the templates ``instances`` were made from ({} if none, or if
        this server has no templates collection)."""
        if not any(i.get("template") for i in instances):
            return {}
        try:
            templates = self.get_all("/v1/templates", "templates")
        except ClientError:
            return {}
        return {str(t["id"]): str(t["name"]) for t in templates if "id" in t and "name" in t}


def _password(user: str) -> str:
    env = os.environ.get(PASSWORD_ENV)
    if env is not None:
        return env
    if not sys.stdin.isatty():
        raise ClientError(f"no password for {user}: set {PASSWORD_ENV} or run in a terminal to be asked")
    import getpass  # turns echo off before it writes the prompt, so typing early cannot echo

    return getpass.getpass(f"Password for {user}: ")


@contextmanager
def connect(url: str | None, user: str | None) -> Iterator[Api]:
    """An Api for the chosen server and user; ClientError inside becomes one line and exit 1."""
    with client_errors():
        base = (url or DEFAULT_URL).rstrip("/")
        if not base.startswith(("http://", "https://")):
            raise ClientError(f"server URL {base!r} must start with http:// or https://")
        if not user:
            raise ClientError("no user: give --user or set HEARTH_USER")
        api = Api(base, user, _password(user))
        try:
            yield api
        finally:
            api.close()


@contextmanager
def client_errors() -> Iterator[None]:
    try:
        yield
    except ClientError as exc:
        typer.echo(f"hearth: error: {exc.message}", err=True)
        raise typer.Exit(1) from None
