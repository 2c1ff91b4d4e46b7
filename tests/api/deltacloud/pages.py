"""Reading Hearth's /api HTML pages as a browser would: the links, the forms and their fields."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class FormSeen:
    action: str
    method: str
    css: str
    enctype: str
    fields: dict[str, str] = field(default_factory=dict)  # name → the value a browser would send
    choices: dict[str, list[str]] = field(default_factory=dict)  # select name → option values
    buttons: list[str] = field(default_factory=list)


class PageSeen(HTMLParser):
    """The anchors, forms, and elements that would run script, of one page."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.links: list[str] = []
        self.forms: list[FormSeen] = []
        self.scripts = 0  # <script> elements and on* attributes
        self._select: str | None = None
        self._button = False
        self._textarea: str | None = None
        self.feed(text)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        self.scripts += (tag == "script") + sum(k.startswith("on") for k in a)
        form = self.forms[-1] if self.forms else None
        if tag == "a" and "href" in a:
            self.links.append(a["href"])
        elif tag == "form":
            enctype = a.get("enctype", "application/x-www-form-urlencoded")
            self.forms.append(
                FormSeen(a.get("action", ""), a.get("method", "get"), a.get("class", ""), enctype)
            )
        elif form is not None and tag == "input" and a.get("name"):
            form.fields[a["name"]] = a.get("value", "")
        elif form is not None and tag == "select":
            self._select = a.get("name", "")
            form.choices[self._select] = []
        elif form is not None and tag == "option" and self._select is not None:
            form.choices[self._select].append(a.get("value", ""))
            if "selected" in a or self._select not in form.fields:
                form.fields[self._select] = a.get("value", "")
        elif form is not None and tag == "textarea":
            self._textarea = a.get("name", "")
            form.fields[self._textarea] = ""
        elif tag == "button":
            self._button = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "button":
            self._button = False
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._button and self.forms and data.strip():
            self.forms[-1].buttons.append(data.strip())
        elif self._textarea is not None and self.forms:
            self.forms[-1].fields[self._textarea] += data

    def form(self, button: str) -> FormSeen:
        """The one form whose button reads ``button``."""
        found = [f for f in self.forms if button in f.buttons]
        assert len(found) == 1, (button, [f.buttons for f in self.forms])
        return found[0]
