"""A Deltacloud document as a page a person can use in a plain browser, without JavaScript.

Everything shown comes from the same ``Node`` tree the XML is written from, so the page cannot
say other than the XML does: an element with an ``href`` is a link, an ``actions`` element's
links are buttons (forms that ``POST``; a delete sends ``_method=delete``), a collection is a
table of its members. The ``Page`` extras add the forms to create and the way home. Every text
and attribute is HTML-escaped, so a name holding markup shows as text.
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

from .form import Field, Form, Kind, Page
from .links import PREFIX

if TYPE_CHECKING:
    from .document import Document, Node

_STYLE = (
    "body{font-family:sans-serif;margin:1em 2em;max-width:70em}"
    "table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:.2em .5em;"
    "text-align:left;vertical-align:top}th{background:#eee}form.action{display:inline;margin:0 .2em}"
    "fieldset{margin:1em 0}label{display:block;margin:.3em 0}small{color:#666}nav a{margin-right:1em}"
)
# Actions whose link is a page with the form to fill in (its matrix parameters preselect the
# choice), not a button: Deltacloud's "Launch instance" went to a form too.
_FORM_FIRST = {"create_instance": "Launch instance…"}
# Columns a collection's table shows for each member, when its members have them.
_COLUMNS = ("name", "state", "capacity", "size", "bucket", "content_length", "fingerprint")


def _e(value: object) -> str:
    return escape(str(value), quote=True)


def _href(url: str, page: Page | None) -> str:
    if page is None or not page.query or not url.startswith(page.home):
        return url
    return url + ("&" if "?" in url else "?") + page.query


def _link(url: str, text: str, page: Page | None) -> str:
    return f"<a href='{_e(_href(url, page))}'>{_e(text)}</a>"


def _label(name: str) -> str:
    return name.replace("_", " ")


def _field(f: Field) -> str:
    name = _e(f.name)
    need = " required" if f.required else ""
    if f.kind is Kind.hidden:
        return f"<input type='hidden' name='{name}' value='{_e(f.value)}'>"
    if f.kind is Kind.select:
        options = "".join(
            f"<option value='{_e(v)}'{' selected' if v == f.value else ''}>{_e(t)}</option>"
            for v, t in f.choices
        )
        control = f"<select name='{name}'{need}>{options}</select>"
    elif f.kind is Kind.textarea:
        control = f"<textarea name='{name}' rows='4' cols='60'{need}>{_e(f.value)}</textarea>"
    else:
        control = f"<input type='{f.kind.value}' name='{name}' value='{_e(f.value)}'{need}>"
    return f"<label>{_e(f.label)} {control}</label>"


def _form(form: Form, page: Page | None, css: str = "create") -> str:
    enctype = " enctype='multipart/form-data'" if form.multipart else ""
    override = form.method.lower()
    hidden = f"<input type='hidden' name='_method' value='{_e(override)}'>" if override != "post" else ""
    fields = "".join(_field(f) for f in form.fields)
    button = f"<button type='submit'>{_e(form.submit)}</button>"
    action = _e(_href(form.action, page))
    inner = f"{hidden}{fields}{button}"
    if css == "action":  # the rel names the form, so a test or a stylesheet can find it
        rel = _e(form.title)
        return f"<form class='action {rel}' method='post' action='{action}'{enctype}>{inner}</form>"
    return (
        f"<form class='{css}' method='post' action='{action}'{enctype}><fieldset>"
        f"<legend>{_e(form.title)}</legend>{inner}</fieldset></form>"
    )


def _actions(node: Node, page: Page | None) -> str:
    """An ``actions`` element's links as buttons: each a form posting to the link; an action that
    needs choices first (launching an instance of an image) links the page whose form asks them."""
    out = []
    for link in node.children:
        href, rel = link.attrs.get("href"), link.attrs.get("rel", "")
        if not href:
            continue
        if rel in _FORM_FIRST:
            out.append(
                f"<a class='action {_e(rel)}' href='{_e(_href(href, page))}'>{_e(_FORM_FIRST[rel])}</a>"
            )
            continue
        fields = page.action_fields.get(rel, ()) if page is not None else ()
        method = link.attrs.get("method", "post")
        form = Form(rel, href, _label(rel).capitalize(), fields, method)
        out.append(_form(form, page, "action"))
    return "".join(out)


def _attrs(node: Node, skip: tuple[str, ...] = ("href", "id")) -> str:
    shown = [f"{_e(k)}: {_e(v)}" for k, v in node.attrs.items() if k not in skip]
    return f" <small>({', '.join(shown)})</small>" if shown else ""


def _value(node: Node, page: Page | None) -> str:
    """One element's content as a table cell shows it."""
    if node.tag == "actions":
        return _actions(node, page)
    parts = []
    href = node.attrs.get("href")
    if href:
        parts.append(_link(href, node.attrs.get("id") or node.text or href, page))
        if node.text and node.attrs.get("id"):
            parts.append(" " + _e(node.text))
    elif node.text is not None:
        parts.append(f"<span class='text'>{_e(node.text)}</span>")
    parts.append(_attrs(node, ("href", "id") if href else ()))
    if node.children:
        parts.append("<ul>" + "".join(f"<li>{_row_inline(c, page)}</li>" for c in node.children) + "</ul>")
    return "".join(parts)


def _row_inline(node: Node, page: Page | None) -> str:
    return f"<b>{_e(_label(node.tag))}</b> {_value(node, page)}"


def _member(node: Node, page: Page | None) -> str:
    rows = []
    ident, href = node.attrs.get("id"), node.attrs.get("href")
    if ident:  # a member's own link: its page again, fresh (a post's answer is not reloadable)
        shown = _link(href, ident, page) if href else _e(ident)
        rows.append(f"<tr><th>id</th><td class='id'>{shown}</td></tr>")
    for k, v in node.attrs.items():
        if k not in ("href", "id"):
            rows.append(f"<tr><th>{_e(_label(k))}</th><td>{_e(v)}</td></tr>")
    for child in node.children:
        rows.append(f"<tr><th>{_e(_label(child.tag))}</th><td>{_value(child, page)}</td></tr>")
    return f"<table class='member'>{''.join(rows)}</table>"


def _is_collection(node: Node) -> bool:
    return bool(node.children) and all(
        "href" in c.attrs and c.tag == node.children[0].tag for c in node.children
    )


def _collection(node: Node, page: Page | None) -> str:
    if not node.children:
        return "<p class='empty'>None yet.</p>"
    if not _is_collection(node):
        return _member(node, page)
    members = node.children
    columns = [c for c in _COLUMNS if any(m_child.tag == c for m in members for m_child in m.children)]
    has_actions = any(child.tag == "actions" for m in members for child in m.children)
    head = "".join(
        f"<th>{_e(_label(c))}</th>" for c in ["id", *columns, *(["actions"] if has_actions else [])]
    )
    rows = []
    for m in members:
        by_tag = {c.tag: c for c in m.children}
        cells = [_link(m.attrs["href"], m.attrs.get("id", m.attrs["href"]), page)]
        for c in columns:
            cells.append(_e(by_tag[c].text or "") if c in by_tag else "")
        if has_actions:
            cells.append(_actions(by_tag["actions"], page) if "actions" in by_tag else "")
        rows.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    return f"<table class='collection'><tr>{head}</tr>{''.join(rows)}</table>"


def _entry(node: Node, page: Page | None) -> str:
    """The entry point: each collection a link, with the features it advertises."""
    items = []
    for link in node.children:
        features = ", ".join(f.attrs.get("name", "") for f in link.children)
        note = f" <small>({_e(features)})</small>" if features else ""
        items.append(
            f"<li>{_link(link.attrs.get('href', ''), _label(link.attrs.get('rel', '')), page)}{note}</li>"
        )
    about = f"<p>driver {_e(node.attrs.get('driver', ''))}, version {_e(node.attrs.get('version', ''))}</p>"
    return f"{about}<ul class='collections'>{''.join(items)}</ul>"


def _body(doc: Document) -> str:
    page, root = doc.page, doc.xml
    if root.tag == "api":
        return _entry(root, page)
    if "href" in root.attrs or root.tag == "error":
        return _member(root, page)
    return _collection(root, page)


def _nav(page: Page | None) -> str:
    """Home, and this page in Deltacloud's other formats (an error page, which has no ``Page``,
    still links home, by path)."""
    if page is None:
        return f"<a href='{_e(PREFIX)}'>Home</a>"
    links = [_link(page.home, "Home", page)]
    if page.here:
        join = "&" if "?" in page.here else "?"
        links += [
            f"<a href='{_e(page.here + join + 'format=' + f)}'>{f.upper()}</a>" for f in ("xml", "json")
        ]
    return "".join(links)


def render_page(doc: Document) -> bytes:
    """The page: the way home, the document, then its forms."""
    title = _e(doc.title)
    page = doc.page
    nav = f"<nav>{_nav(page)}</nav>"
    forms = "".join(_form(f, page) for f in page.forms) if page is not None else ""
    if page is not None and page.picture:
        forms = f"<p><img src='{_e(page.picture)}' alt='{title}'></p>" + forms
    text = (
        "<!DOCTYPE html>\n<html><head><meta charset='utf-8'>"
        f"<title>Deltacloud API - {title}</title><style>{_STYLE}</style></head>"
        f"<body>{nav}<h1>{title}</h1>{_body(doc)}{forms}</body></html>\n"
    )
    return text.encode()
