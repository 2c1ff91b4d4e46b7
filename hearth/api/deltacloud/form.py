"""What an HTML page offers a person beyond the document: forms to create, act and delete.

Plain data, so the page renderer (``page.py``) and the code that decides which forms a page gets
(``browser.py``) share it without importing each other. A form posts as Deltacloud's HTML did:
``POST`` always (browsers send nothing else), a delete as ``_method=delete`` (Rack's
MethodOverride, which ``request.py`` honours for form posts).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum


class Kind(Enum):
    text = "text"
    number = "number"
    textarea = "textarea"
    select = "select"
    file = "file"
    hidden = "hidden"


@dataclass(frozen=True)
class Field:
    """One input: its parameter name, the label a person reads, and for a select its choices
    as (value, label) pairs."""

    name: str
    label: str
    kind: Kind = Kind.text
    value: str = ""
    choices: tuple[tuple[str, str], ...] = ()
    required: bool = False


@dataclass(frozen=True)
class Form:
    """A form that posts to ``action``; ``method`` is the HTTP method it stands for (``delete``
    is sent as ``_method``); ``multipart`` for a file upload."""

    title: str
    action: str
    submit: str
    fields: tuple[Field, ...] = ()
    method: str = "post"
    multipart: bool = False


@dataclass
class Page:
    """What the HTML rendering adds to a document: the way home and to this page's XML and JSON,
    a query every link keeps (the
    ``format=html`` the page was asked with, so a client that sends no Accept stays in HTML),
    the forms under the document and the inputs some action buttons need (volume attach)."""

    home: str
    query: str = ""
    here: str = ""  # this page's path and query without ``format``, for its XML and JSON links
    forms: list[Form] = field(default_factory=list)
    action_fields: dict[str, tuple[Field, ...]] = field(default_factory=dict)
    picture: str = ""  # an image the page shows (the state machine's PNG), by URL
