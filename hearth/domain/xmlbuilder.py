"""Declarative bindings between typed Python attributes and a live lxml tree.

The tree is the only storage: a property reads and writes the element it names, so
everything the model does not know (elements, attributes, comments) stays where it was and
is written back unchanged. That is what makes the round-trip lossless without a second,
hand-synchronised representation.

A path is ``./a/b[@type='x']/c/@attr`` (attribute) or ``./a/b`` (element text) or ``@attr``
(attribute of the object's own element). Steps may carry one ``[@name='value']`` predicate;
missing steps are created in the owning class's ``ORDER`` so new output looks like libvirt's.
A class whose declarations contradict each other (a bound child its ORDER does not rank, a
child class of another tag, two properties on one place) is refused when it is defined.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator, Sequence
from typing import Any, ClassVar, Generic, Self, TypeVar, overload

from lxml import etree

from hearth.domain.xmlio import XMLParseError, parse_element, to_string
from hearth.errors import ValidationError

T = TypeVar("T")
ObjT = TypeVar("ObjT", bound="XMLObject")

_NAME = r"[A-Za-z_][\w.-]*"
_STEP = re.compile(rf"^({_NAME})(?:\[@([\w.:-]+)='([^']*)'\])?$")
_TAG = re.compile(rf"^{_NAME}$")

Step = tuple[str, str | None, str | None]


@functools.cache  # the same few paths ("@type", "./target/@dev") recur in many classes
def _compile(path: str) -> tuple[tuple[Step, ...], str | None]:
    rel = path[2:] if path.startswith("./") else path
    parts = [p for p in rel.split("/") if p and p != "."]
    attr: str | None = None
    if parts and parts[-1].startswith("@"):
        attr = parts.pop()[1:]
    steps: list[Step] = []
    for part in parts:
        m = _STEP.match(part)
        if not m:
            raise ValueError(f"unsupported path step {part!r} in {path!r}")
        steps.append((m.group(1), m.group(2), m.group(3)))
    return tuple(steps), attr


def _matches(child: etree._Element, step: Step) -> bool:
    tag, pattr, pval = step
    return child.tag == tag and (pattr is None or child.get(pattr) == pval)


def _child(node: etree._Element, step: Step) -> etree._Element | None:
    if step[1] is None:
        return node.find(step[0])  # C-level scan for the common, predicate-free step
    for child in node:
        if _matches(child, step):
            return child
    return None


def _find(node: etree._Element, steps: Sequence[Step]) -> etree._Element | None:
    cur: etree._Element | None = node
    for step in steps:
        assert cur is not None
        cur = _child(cur, step)
        if cur is None:
            return None
    return cur


_RANKS: dict[int, tuple[Sequence[str], dict[str, int]]] = {}


def _ranks(order: Sequence[str]) -> dict[str, int]:
    """Tag → position in ``order``; cached by identity (orders are class constants)."""
    entry = _RANKS.get(id(order))
    if entry is None or entry[0] is not order:
        entry = _RANKS[id(order)] = (order, {tag: i for i, tag in enumerate(order)})
    return entry[1]


def insert_ordered(parent: etree._Element, child: etree._Element, order: Sequence[str]) -> None:
    """Insert ``child`` right after the last sibling that ``order`` ranks at or before it.

    Same-tag siblings stay together (a new disk goes after the last disk); siblings the order
    does not know keep their place. Scanning from the end makes in-order building O(1).
    """
    ranks = _ranks(order)
    rank = ranks.get(str(child.tag))
    if rank is None:
        parent.append(child)
        return
    pos = len(parent)
    for sib in reversed(parent):
        sib_rank = ranks.get(sib.tag) if isinstance(sib.tag, str) else None
        if sib_rank is not None and sib_rank <= rank:
            break
        pos -= 1
    if pos == len(parent):
        parent.append(child)
    else:
        parent.insert(pos, child)


def _ensure(node: etree._Element, steps: Sequence[Step], order: Sequence[str]) -> etree._Element:
    cur = node
    for step in steps:
        found = _child(cur, step)
        if found is None:
            found = etree.Element(step[0])
            if step[1] is not None and step[2] is not None:
                found.set(step[1], step[2])
            insert_ordered(cur, found, order)
        cur = found
    return cur


def _existing(obj: XMLObject, steps: Sequence[Step]) -> etree._Element | None:
    """The element at ``steps`` below ``obj``, if both exist; creates nothing."""
    root = obj.lookup()
    return None if root is None else _find(root, steps)


def _detach(el: etree._Element) -> None:
    parent = el.getparent()
    assert parent is not None
    parent.remove(el)


def _is_empty(el: etree._Element, step: Step) -> bool:
    extra_attrs = [k for k in el.attrib if k != step[1]]
    return not extra_attrs and len(el) == 0 and not (el.text or "").strip()


def _prune(node: etree._Element, steps: Sequence[Step]) -> None:
    """Remove the path's elements bottom-up while they are left with nothing in them."""
    chain: list[etree._Element] = [node]
    for step in steps:
        nxt = _find(chain[-1], [step])
        if nxt is None:
            return
        chain.append(nxt)
    for depth in range(len(steps), 0, -1):
        el = chain[depth]
        if not _is_empty(el, steps[depth - 1]):
            return
        chain[depth - 1].remove(el)


class Converter(Generic[T]):
    """Turns XML text into a Python value and back."""

    name: str = "value"

    def load(self, text: str, where: str) -> T:
        raise NotImplementedError

    def dump(self, value: T) -> str:
        raise NotImplementedError


class StrConv(Converter[str]):
    name = "string"

    def load(self, text: str, where: str) -> str:
        return text

    def dump(self, value: str) -> str:
        if not isinstance(value, str):
            raise ValidationError(f"{value!r} is not a string")
        return value


class IntConv(Converter[int]):
    name = "integer"

    def load(self, text: str, where: str) -> int:
        try:
            return int(text.strip(), 0) if text.strip().lower().startswith("0x") else int(text.strip())
        except ValueError:
            raise ValidationError(f"{where} is not an integer: {text!r}") from None

    def dump(self, value: int) -> str:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValidationError(f"{value!r} is not an integer")
        return str(value)


class BoolConv(Converter[bool]):
    name = "boolean"

    def __init__(self, true: str = "yes", false: str = "no") -> None:
        self.true, self.false = true, false

    def load(self, text: str, where: str) -> bool:
        v = text.strip().lower()
        if v in (self.true, "yes", "on", "true", "1"):
            return True
        if v in (self.false, "no", "off", "false", "0"):
            return False
        raise ValidationError(f"{where} is not {self.true}/{self.false}: {text!r}")

    def dump(self, value: bool) -> str:
        return self.true if value else self.false


class XMLProperty(Generic[T]):
    """A typed attribute bound to one attribute or element text in the tree.

    ``alt`` names other places libvirt also accepts for the same fact (read from whichever
    exists, written where it already is); ``check`` validates a value against its object
    (for rules that depend on another property, such as macvtap modes on direct NICs);
    ``on_set`` runs after a value is written, to keep an invariant with another property
    (a lower maximum vCPU count lowers the current one).
    """

    def __init__(
        self,
        path: str,
        conv: Converter[T],
        *,
        choices: Sequence[str] | None = None,
        alt: Sequence[str] = (),
        check: Callable[[Any, str], None] | None = None,
        on_set: Callable[[Any, T], None] | None = None,
        doc: str = "",
    ) -> None:
        self.path = path
        self.steps, self.attr = _compile(path)
        self.alts = [_compile(a) for a in alt]
        self.conv = conv
        self.choices = tuple(choices) if choices else None
        self.check = check
        self.on_set = on_set
        self.__doc__ = doc
        self.name = path

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def _locate(self, root: etree._Element) -> tuple[tuple[Step, ...], str | None, etree._Element | None]:
        """The (steps, attr, element) of the first place that holds the value."""
        for steps, attr in ((self.steps, self.attr), *self.alts):
            el = _find(root, steps)
            if el is not None and (el.get(attr) is not None if attr is not None else el.text is not None):
                return steps, attr, el
        return self.steps, self.attr, _find(root, self.steps)

    @overload
    def __get__(self, obj: None, owner: type | None = None) -> Self: ...
    @overload
    def __get__(self, obj: XMLObject, owner: type | None = None) -> T | None: ...
    def __get__(self, obj: XMLObject | None, owner: type | None = None) -> T | Self | None:
        if obj is None:
            return self
        root = obj.lookup()
        if root is None:
            return None
        _steps, attr, el = (
            self._locate(root) if self.alts else (self.steps, self.attr, _find(root, self.steps))
        )
        if el is None:
            return None
        raw = el.get(attr) if attr is not None else el.text
        if raw is None:
            return None
        return self.conv.load(raw, f"{obj.TAG} {self.path}")

    def __set__(self, obj: XMLObject, value: T | None) -> None:
        if value is None:
            root = obj.lookup()
            if root is None:
                return
            steps, attr, el = self._locate(root)
            if el is None:
                return
            if attr is not None:
                if attr in el.attrib:
                    del el.attrib[attr]
            else:
                el.text = None
            _prune(root, steps)
            return
        text = self.conv.dump(value)
        if self.choices is not None and text not in self.choices:
            raise ValidationError(
                f"{obj.TAG} {self.name} must be one of {', '.join(self.choices)}, not {text!r}",
                field=self.name,
                allowed=list(self.choices),
            )
        if self.check is not None:
            self.check(obj, text)
        steps, attr = self.steps, self.attr
        if self.alts:
            root = obj.lookup()
            if root is not None:
                steps, attr, _el = self._locate(root)
        el = _ensure(obj.node, steps, obj.ORDER) if steps else obj.node
        if attr is not None:
            el.set(attr, text)
        else:
            el.text = text
        if self.on_set is not None:
            self.on_set(obj, value)


def Str(
    path: str,
    *,
    choices: Sequence[str] | None = None,
    alt: Sequence[str] = (),
    check: Callable[[Any, str], None] | None = None,
    doc: str = "",
) -> XMLProperty[str]:
    return XMLProperty(path, StrConv(), choices=choices, alt=alt, check=check, doc=doc)


def Int(
    path: str,
    *,
    check: Callable[[Any, str], None] | None = None,
    on_set: Callable[[Any, int], None] | None = None,
    doc: str = "",
) -> XMLProperty[int]:
    return XMLProperty(path, IntConv(), check=check, on_set=on_set, doc=doc)


def Bool(path: str, *, true: str = "yes", false: str = "no", doc: str = "") -> XMLProperty[bool]:
    return XMLProperty(path, BoolConv(true, false), doc=doc)


class Flag:
    """Presence of an (empty) element, such as ``<readonly/>`` or ``<features><acpi/>``."""

    def __init__(self, path: str, doc: str = "") -> None:
        self.path = path
        self.steps, attr = _compile(path)
        if attr is not None or not self.steps:
            raise ValueError(f"a Flag names an element, not {path!r}")
        self.__doc__ = doc

    @overload
    def __get__(self, obj: None, owner: type | None = None) -> Self: ...
    @overload
    def __get__(self, obj: XMLObject, owner: type | None = None) -> bool: ...
    def __get__(self, obj: XMLObject | None, owner: type | None = None) -> bool | Self:
        if obj is None:
            return self
        return _existing(obj, self.steps) is not None

    def __set__(self, obj: XMLObject, value: bool) -> None:
        if value:
            _ensure(obj.node, self.steps, obj.ORDER)
            return
        el = _existing(obj, self.steps)
        if el is not None:
            _detach(el)
            _prune(obj.node, self.steps[:-1])  # obj exists: node creates nothing


class XMLObject:
    """A typed view of one element. Wrappers are cheap; two wrap the same node if ``==``.

    A wrapper either holds its element, or is a *section view* anchored at a path below a
    parent (``domain.os``, ``domain.devices``): reading through a view never creates
    anything, so an untouched document serialises exactly as it was parsed; the first write
    creates the element in its parent's ORDER.
    """

    TAG: ClassVar[str] = ""
    ORDER: ClassVar[tuple[str, ...]] = ()

    __slots__ = ("_anchor", "_node")

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        _check_declarations(cls)

    def __init__(self, node: etree._Element | None = None, **props: Any) -> None:
        if node is None:
            node = etree.Element(self.TAG)
        elif self.TAG and node.tag != self.TAG:
            raise ValidationError(f"expected a <{self.TAG}> element, got <{node.tag}>")
        self._node: etree._Element | None = node
        self._anchor: tuple[XMLObject, tuple[Step, ...]] | None = None
        for key, value in props.items():
            if not hasattr(type(self), key):
                raise TypeError(f"{type(self).__name__} has no property {key!r}")
            setattr(self, key, value)

    @classmethod
    def view(cls, parent: XMLObject, steps: tuple[Step, ...]) -> Self:
        """A wrapper for the element at ``steps`` below ``parent``, created only on write."""
        obj = cls.__new__(cls)
        obj._node = None
        obj._anchor = (parent, steps)
        return obj

    def lookup(self) -> etree._Element | None:
        """The element if it exists; never creates it."""
        if self._node is None and self._anchor is not None:
            parent, steps = self._anchor
            root = parent.lookup()
            if root is not None:
                self._node = _find(root, steps)
        return self._node

    @property
    def node(self) -> etree._Element:
        """The element, created (with its missing ancestors, in order) if needed."""
        if self._node is None:
            assert self._anchor is not None
            parent, steps = self._anchor
            self._node = _ensure(parent.node, steps, parent.ORDER)
        return self._node

    @property
    def exists(self) -> bool:
        return self.lookup() is not None

    @classmethod
    def from_xml(cls, text: str | bytes) -> Self:
        root = parse_element(text, what=f"<{cls.TAG}> XML" if cls.TAG else "XML document")
        if cls.TAG and root.tag != cls.TAG:
            raise XMLParseError(
                f"line {root.sourceline or 1}: expected root element <{cls.TAG}>, found <{root.tag}>"
            )
        return cls(root)

    def to_xml(self, *, pretty: bool = True) -> str:
        return to_string(self.node, pretty=pretty)

    def remove(self) -> None:
        """Detach this element from its parent (a no-op when it does not exist)."""
        el = self.lookup()
        parent = None if el is None else el.getparent()
        if el is not None and parent is not None:
            parent.remove(el)
        if self._anchor is not None:
            self._node = None

    def __eq__(self, other: object) -> bool:
        return isinstance(other, XMLObject) and other.lookup() is self.lookup() is not None

    def __hash__(self) -> int:
        return id(self.lookup())

    def __repr__(self) -> str:
        el = self.lookup()
        if el is None:
            return f"<{type(self).__name__} (absent)>"
        attrs = " ".join(f"{k!s}={v!r}" for k, v in el.attrib.items())
        return f"<{type(self).__name__} {el.tag!s} {attrs}>".replace(" >", ">")


class _ChildPath(Generic[ObjT]):
    """What Section, XMLChild and XMLChildren share: a class of child objects at an element path."""

    kind = "child path"

    def __init__(self, cls: type[ObjT], path: str | None = None) -> None:
        self.cls = cls
        self.steps, attr = _compile(path or f"./{cls.TAG}")
        if attr is not None or not self.steps:
            raise ValueError(f"a {self.kind} names an element, not {path!r}")


class Section(_ChildPath[ObjT]):
    """A sub-object that always answers (as a view), such as ``domain.os`` or ``domain.devices``."""

    kind = "Section path"

    @overload
    def __get__(self, obj: None, owner: type | None = None) -> Self: ...
    @overload
    def __get__(self, obj: XMLObject, owner: type | None = None) -> ObjT: ...
    def __get__(self, obj: XMLObject | None, owner: type | None = None) -> ObjT | Self:
        if obj is None:
            return self
        return self.cls.view(obj, self.steps)


class XMLChild(_ChildPath[ObjT]):
    """At most one child object at ``path`` (default: the class's TAG below this element)."""

    kind = "XMLChild path"

    @overload
    def __get__(self, obj: None, owner: type | None = None) -> Self: ...
    @overload
    def __get__(self, obj: XMLObject, owner: type | None = None) -> ObjT | None: ...
    def __get__(self, obj: XMLObject | None, owner: type | None = None) -> ObjT | Self | None:
        if obj is None:
            return self
        el = _existing(obj, self.steps)
        return None if el is None else self.cls(el)

    def __set__(self, obj: XMLObject, value: ObjT | None) -> None:
        old = _existing(obj, self.steps)
        if value is None:
            if old is not None:
                _detach(old)
            return
        if value.node.tag != self.steps[-1][0]:
            raise ValidationError(f"expected <{self.steps[-1][0]}>, got <{value.node.tag}>")
        if old is not None:
            parent = old.getparent()
            assert parent is not None
            parent.replace(old, value.node)
        else:
            parent = _ensure(obj.node, self.steps[:-1], obj.ORDER)
            insert_ordered(parent, value.node, obj.ORDER)

    def ensure(self, obj: XMLObject) -> ObjT:
        """The child, created (empty, in order) if it is not there yet."""
        return self.cls(_ensure(obj.node, self.steps, obj.ORDER))


class ChildList(Generic[ObjT]):
    """The live list of child objects matching one path step; changes go to the tree."""

    def __init__(self, owner: XMLObject, cls: type[ObjT], steps: tuple[Step, ...]) -> None:
        self._owner, self._cls, self._steps = owner, cls, steps

    def _parent(self, create: bool) -> etree._Element | None:
        if create:
            return _ensure(self._owner.node, self._steps[:-1], self._owner.ORDER)
        root = self._owner.lookup()
        return None if root is None else _find(root, self._steps[:-1])

    def _nodes(self) -> list[etree._Element]:
        parent = self._parent(False)
        if parent is None:
            return []
        last = self._steps[-1]
        return [c for c in parent if _matches(c, last)]

    def __iter__(self) -> Iterator[ObjT]:
        return (self._cls(n) for n in self._nodes())

    def __len__(self) -> int:
        return len(self._nodes())

    def __getitem__(self, i: int) -> ObjT:
        return self._cls(self._nodes()[i])

    def __bool__(self) -> bool:
        return bool(self._nodes())

    def append(self, item: ObjT) -> ObjT:
        """Add after the last sibling of its kind (or in ORDER when it is the first)."""
        parent = self._parent(True)
        assert parent is not None
        last = self._steps[-1]
        if last[1] is not None and last[2] is not None and item.node.get(last[1]) is None:
            item.node.set(last[1], last[2])
        if str(item.node.tag) in _ranks(self._owner.ORDER):
            insert_ordered(parent, item.node, self._owner.ORDER)
            return item
        same = [c for c in parent if c.tag == item.node.tag]
        if same:
            same[-1].addnext(item.node)
        else:
            parent.append(item.node)
        return item

    def remove(self, item: ObjT) -> None:
        parent = item.node.getparent()
        if parent is None or item.node not in self._nodes():
            raise ValidationError(f"{item!r} is not in this list")
        parent.remove(item.node)

    def find(self, pred: Callable[[ObjT], bool]) -> ObjT | None:
        return next((o for o in self if pred(o)), None)


class XMLChildren(_ChildPath[ObjT]):
    """All child objects at ``path`` (default: the class's TAG below this element)."""

    kind = "XMLChildren path"

    @overload
    def __get__(self, obj: None, owner: type | None = None) -> Self: ...
    @overload
    def __get__(self, obj: XMLObject, owner: type | None = None) -> ChildList[ObjT]: ...
    def __get__(self, obj: XMLObject | None, owner: type | None = None) -> ChildList[ObjT] | Self:
        if obj is None:
            return self
        return ChildList(obj, self.cls, self.steps)


# --- definition-time checks ---------------------------------------------------------------------

Place = tuple[tuple[Step, ...], str | None]


def _declarations(cls: type[XMLObject]) -> dict[str, object]:
    """The bindings of ``cls`` by attribute name; a subclass's attribute replaces its bases'."""
    found: dict[str, object] = {}
    for klass in reversed(cls.__mro__):
        for name, value in vars(klass).items():
            if isinstance(value, XMLProperty | Flag | Scaled | _ChildPath):
                found[name] = value
            else:
                found.pop(name, None)
    return found


def _element_paths(decl: object) -> tuple[tuple[Step, ...], ...]:
    """Every element path ``decl`` reads or may create (a property's alternatives included)."""
    if isinstance(decl, XMLProperty):
        return (decl.steps, *(steps for steps, _attr in decl.alts))
    if isinstance(decl, Flag | Scaled | _ChildPath):
        return (decl.steps,)
    return ()


def _value_place(decl: object) -> Place | None:
    """Where ``decl`` keeps its value: an attribute, or an element's text (attr None)."""
    if isinstance(decl, XMLProperty):
        return decl.steps, decl.attr
    if isinstance(decl, Scaled):
        return decl.steps, None
    return None


def _check_order(cls: type[XMLObject]) -> None:
    name, order = cls.__qualname__, cls.ORDER
    if not isinstance(order, tuple) or not all(isinstance(tag, str) for tag in order):
        raise TypeError(f"{name}.ORDER must be a tuple of element names, not {order!r}")
    seen: set[str] = set()
    for tag in order:
        if not _TAG.match(tag):
            raise TypeError(
                f"{name}.ORDER names {tag!r}, which is not an element name "
                "(ORDER ranks child elements, not attributes or paths)"
            )
        if tag in seen:
            raise TypeError(f"{name}.ORDER names {tag!r} twice")
        seen.add(tag)


def _check_declarations(cls: type[XMLObject]) -> None:
    """Refuse, when the class is defined, declarations that contradict each other.

    Without this, each mistake shows only later and far away: a child the ORDER does not name
    is silently created after all its siblings (out of libvirt's order), a child class whose
    TAG differs from its path fails on every read, and two properties bound to one place
    overwrite each other. ORDER may name elements no property binds: they rank the elements
    the model keeps without knowing them, so a new sibling still lands in libvirt's order.
    """
    _check_order(cls)
    name, order = cls.__qualname__, frozenset(cls.ORDER)
    places: dict[Place, str] = {}
    for attr, decl in _declarations(cls).items():
        for steps in _element_paths(decl):
            if order and steps and steps[0][0] not in order:
                tag = steps[0][0]
                raise TypeError(
                    f"{name}.{attr} binds child <{tag}>, which {name}.ORDER does not name: "
                    f"add it where libvirt puts <{tag}>"
                )
        if isinstance(decl, _ChildPath) and decl.cls.TAG and decl.steps[-1][0] != decl.cls.TAG:
            raise TypeError(
                f"{name}.{attr} holds <{decl.steps[-1][0]}> elements as {decl.cls.__qualname__}, "
                f"whose TAG is <{decl.cls.TAG}>"
            )
        place = _value_place(decl)
        if place is not None:
            other = places.setdefault(place, attr)
            if other != attr:
                raise TypeError(f"{name}.{other} and {name}.{attr} bind the same place")


_UNITS: dict[str, int] = {
    "b": 1, "bytes": 1,
    "kb": 10**3, "k": 2**10, "kib": 2**10,
    "mb": 10**6, "m": 2**20, "mib": 2**20,
    "gb": 10**9, "g": 2**30, "gib": 2**30,
    "tb": 10**12, "t": 2**40, "tib": 2**40,
    "pb": 10**15, "p": 2**50, "pib": 2**50,
    "eb": 10**18, "e": 2**60, "eib": 2**60,
}  # fmt: skip


def unit_factor(unit: str) -> int:
    """Bytes per ``unit``, with libvirt's spelling rules (case-insensitive; KB=1000, K=KiB=1024)."""
    try:
        return _UNITS[unit.lower()]
    except KeyError:
        raise ValidationError(f"unknown size unit {unit!r}") from None


class Scaled:
    """An element holding a size with an optional ``unit`` attribute, read in one fixed unit.

    libvirt accepts any unit on input and writes its own default; we read any unit and
    write ours with an explicit ``unit`` so there is never doubt about the scale. A size that
    is not whole in our unit reads rounded up, as libvirt's parser rounds it (``VIR_DIV_UP``:
    ``<memory unit='b'>134217729`` is 131073 KiB there, so its guest gets 129 MiB, not 128).
    ``check`` sees the new value (in ``unit``) before it is written, ``on_set`` after.
    """

    def __init__(
        self,
        path: str,
        unit: str,
        doc: str = "",
        *,
        check: Callable[[Any, int], None] | None = None,
        on_set: Callable[[Any, int], None] | None = None,
    ) -> None:
        self.path = path
        self.steps, attr = _compile(path)
        if attr is not None or not self.steps:
            raise ValueError(f"a Scaled property names an element, not {path!r}")
        self.unit = unit
        self.factor = unit_factor(unit)
        self.check = check
        self.on_set = on_set
        self.__doc__ = doc

    @overload
    def __get__(self, obj: None, owner: type | None = None) -> Self: ...
    @overload
    def __get__(self, obj: XMLObject, owner: type | None = None) -> int | None: ...
    def __get__(self, obj: XMLObject | None, owner: type | None = None) -> int | Self | None:
        if obj is None:
            return self
        el = _existing(obj, self.steps)
        if el is None or el.text is None:
            return None
        value = IntConv().load(el.text, f"{obj.TAG} {self.path}")
        factor = unit_factor(el.get("unit", self.unit))
        return -(-value * factor // self.factor)

    def __set__(self, obj: XMLObject, value: int | None) -> None:
        if value is None:
            el = _existing(obj, self.steps)
            if el is not None:
                _detach(el)
            return
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValidationError(f"{obj.TAG} {self.path} must be a non-negative integer, not {value!r}")
        if self.check is not None:
            self.check(obj, value)
        el = _ensure(obj.node, self.steps, obj.ORDER)
        unit = el.get("unit", self.unit) if el.text is not None else None
        total = value * self.factor
        if unit is not None and total % unit_factor(unit) == 0:
            # Keep the document's own unit when the value is exact in it (lossless re-set).
            el.text = str(total // unit_factor(unit))
        else:
            el.text = str(value)
            el.set("unit", self.unit)
        if self.on_set is not None:
            self.on_set(obj, value)
