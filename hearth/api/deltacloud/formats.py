"""Which of XML, JSON and HTML (or, for the state machine, dot and PNG) a request gets:
``?format=`` first, then the Accept header.

Deltacloud answers XML when there is no Accept header (its clients never sent one) and HTML to a
bare ``*/*`` (what a browser or curl sends); anything else it cannot match is 406.
"""

from __future__ import annotations

from enum import Enum


class Format(Enum):
    xml = "application/xml"
    json = "application/json"
    html = "text/html"
    # Pictures of the instance state machine only (``graph``); other collections answer 406.
    gv = "text/vnd.graphviz"
    png = "image/png"


# The formats every document renders in; gv and png are only for answers that carry a picture.
DOCUMENT_FORMATS = frozenset({Format.xml, Format.json, Format.html})


class NotAcceptable(Exception):
    """No format the client accepts: answered 406 with an empty body."""


_BY_NAME = {"xml": Format.xml, "json": Format.json, "html": Format.html, "gv": Format.gv, "png": Format.png}
_BY_TYPE = {
    "application/xml": Format.xml,
    "text/xml": Format.xml,
    "application/json": Format.json,
    "text/html": Format.html,
    "application/xhtml+xml": Format.html,
    "text/*": Format.html,
    "application/*": Format.xml,
    "*/*": Format.html,
    "text/vnd.graphviz": Format.gv,
    "image/png": Format.png,
}


def _ranges(accept: str) -> list[tuple[float, int, str]]:
    """The header's media ranges as (quality, position, type), best first; q=0 ones dropped."""
    out: list[tuple[float, int, str]] = []
    for position, part in enumerate(accept.split(",")):
        media, *params = (p.strip() for p in part.split(";"))
        quality = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if media and quality > 0:
            out.append((quality, position, media.lower()))
    return sorted(out, key=lambda r: (-r[0], r[1]))


def negotiate(format_param: str | None, accept: str | None) -> Format:
    """The format to answer in, or NotAcceptable."""
    if format_param:
        chosen = _BY_NAME.get(format_param.lower())
        if chosen is None:
            raise NotAcceptable
        return chosen
    if accept is None or not accept.strip():
        return Format.xml
    for _, _, media in _ranges(accept):
        chosen = _BY_TYPE.get(media)
        if chosen is not None:
            return chosen
    raise NotAcceptable
