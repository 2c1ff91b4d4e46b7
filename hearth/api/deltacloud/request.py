"""What a Deltacloud request carries: path (with ``;name=value`` matrix parameters taken off),
query and form parameters in one map, the headers Deltacloud reads.

A browser's form can only GET or POST, so a url-encoded form POST naming ``_method=delete`` is a
DELETE, as Rack's MethodOverride made it for Deltacloud's HTML pages (its delete buttons).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import parse_qsl, unquote

from starlette.types import Scope

FORM = "application/x-www-form-urlencoded"
OVERRIDE = "_method"
OVERRIDABLE = frozenset({"DELETE"})  # what a form's _method may turn a POST into


@dataclass(frozen=True, slots=True)
class ApiRequest:
    method: str
    path: str  # below /api, without matrix parameters, no trailing slash ("" for the entry point)
    url: str  # the path and query as sent, for error documents
    params: dict[str, str]
    headers: dict[str, str]
    client: str | None
    matrix: dict[str, str] = field(default_factory=dict)  # the ``;name=value`` pairs alone

    def selected(self, name: str) -> str | None:
        """The driver or provider the request picks, as Deltacloud reads it: ``api[name]`` (in
        the query, or a matrix parameter of the path), else the ``X-Deltacloud-<Name>`` header;
        lower-cased, as Deltacloud does."""
        value = (
            self.params.get(f"api[{name}]") or self.matrix.get(name) or self.header(f"x-deltacloud-{name}")
        )
        return value.strip().lower() if value and value.strip() else None

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


def _matrix(path: str) -> tuple[str, dict[str, str]]:
    """``/api;driver=mock;provider=x/realms`` → (``/api/realms``, {driver, provider})."""
    params: dict[str, str] = {}
    segments = []
    for segment in path.split("/"):
        name, *pairs = segment.split(";")
        for pair in pairs:
            key, _, value = pair.partition("=")
            if key:
                params[unquote(key)] = unquote(value)
        segments.append(name)
    return "/".join(segments), params


def read(scope: Scope, prefix: str, body: bytes) -> ApiRequest:
    headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
    raw = (scope.get("raw_path") or scope["path"].encode()).decode("latin-1")
    query = scope.get("query_string", b"").decode("latin-1")
    path, matrix = _matrix(unquote(raw))
    params = dict(matrix)
    params.update(parse_qsl(query, keep_blank_values=True))
    method = scope["method"]
    if body and headers.get("content-type", "").split(";")[0].strip().lower() == FORM:
        form = dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
        asked = form.pop(OVERRIDE, "").upper()  # from the form only, as Rack read it
        if method == "POST" and asked in OVERRIDABLE:
            method = asked
        params.update(form)
    below = path[len(prefix) :].strip("/")
    client = scope.get("client")
    return ApiRequest(
        method=method,
        path=below,
        url=raw + (f"?{query}" if query else ""),
        params=params,
        headers=headers,
        client=client[0] if client else None,
        matrix=matrix,
    )
