"""A driver's own store rows as collections under the caller's ownership rules.

Every table a driver keeps for a resource carries ``owner_id`` (``ResourceColumns``), so "list
what this caller may see, oldest first", "fetch one row or say NotFound/Forbidden", "rename it"
and "delete it" are the same queries and the same checks whatever the table and the backend.
A backend describes each collection once (its table, how errors name it, which of the table's
rows belong to it, its parent) and its parts ask that description, not the table.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from typing import Generic, Protocol, TypeVar

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from hearth.errors import ValidationError
from hearth.store.models import ResourceColumns

from .caller import Caller, can_see, ensure_modifiable, ensure_visible, owner_scope

R = TypeVar("R", bound=ResourceColumns)
M = TypeVar("M")


class Sessions(Protocol):
    """Where a collection's rows are read and written: every store-backed context."""

    def read(self) -> AbstractContextManager[Session]: ...
    def write(self) -> AbstractContextManager[Session]: ...


class OwnedRows(Generic[R]):
    """The rows of ``model`` that make one collection, as the caller may see and change them.

    ``where``: which rows of the table are this collection's (a table may hold several kinds,
    or rows kept but no longer shown); ``parent``: the column naming the row this one belongs
    to (a subnet's network), for "the rows of that one"; ``order``: listing order, by default
    creation order. ``kind`` names the collection in errors ("volume vol-1 not found").
    """

    def __init__(
        self,
        model: type[R],
        kind: str,
        *where: ColumnElement[bool],
        parent: InstrumentedAttribute[str] | None = None,
        order: Sequence[InstrumentedAttribute[str]] = (),
    ) -> None:
        self.model = model
        self.kind = kind
        self.where = where
        self.parent = parent
        self.order = tuple(order) or (model.created, model.id)

    def query(self, caller: Caller, owner: str | None = None) -> Select[R]:
        """The rows the caller may see (of ``owner`` only, if given), in order; callers may
        add filters."""
        q = select(self.model).where(*self.where).order_by(*self.order)
        scope = owner_scope(caller, owner)
        if scope is not None:
            q = q.where(self.model.owner_id.in_(scope))
        return q

    def rows(
        self, s: Session, caller: Caller, *where: ColumnElement[bool], owner: str | None = None
    ) -> list[R]:
        return list(s.scalars(self.query(caller, owner).where(*where)))

    def find(self, s: Session, row_id: str) -> R | None:
        """The collection's row ``row_id``, whoever owns it; None if it has none."""
        if not self.where:
            return s.get(self.model, row_id)
        return s.scalars(select(self.model).where(self.model.id == row_id, *self.where)).first()

    def row(self, s: Session, caller: Caller, row_id: str, modify: bool = False) -> R:
        """The row, or NotFound / Forbidden as ``ensure_visible`` / ``ensure_modifiable`` decide."""
        row = self.find(s, row_id)
        check = ensure_modifiable if modify else ensure_visible
        check(caller, self.kind, row_id, row.owner_id if row else None)
        assert row is not None
        return row

    def fetch(self, store: Sessions, caller: Caller, row_id: str, modify: bool = False) -> R:
        """Like ``row``, in a read session of its own (the row stays usable after it)."""
        with store.read() as s:
            return self.row(s, caller, row_id, modify)

    def delete(
        self, store: Sessions, caller: Caller, row_id: str, check: Callable[[Session, R], None] | None = None
    ) -> R:
        """Delete the row the caller may change. ``check`` runs first, in the same transaction:
        it may refuse, or remove what the backend keeps outside the store. Returns the row."""
        with store.write() as s:
            row = self.row(s, caller, row_id, modify=True)
            if check is not None:
                check(s, row)
            s.delete(row)
            return row

    def insert(self, store: Sessions, row: R, undo: Callable[[], None] | None = None) -> R:
        """Store a new row in a write session of its own. If that fails, ``undo`` removes what
        the backend made for the row outside the store (a disk file, a libvirt object), so a
        failed create leaves nothing behind."""
        try:
            with store.write() as s:
                s.add(row)
                s.flush()
        except BaseException:
            if undo is not None:
                undo()
            raise
        return row

    def by_ref(self, s: Session, caller: Caller, ref: str) -> R | None:
        """The row the caller may use by id, else by name (ValidationError if the name is
        ambiguous); None if there is neither, so the backend can look further or say so."""
        row = self.find(s, ref)
        if row is not None and can_see(caller, row.owner_id):
            return row
        same_name = s.scalars(select(self.model).where(self.model.name == ref, *self.where))
        named = [r for r in same_name if can_see(caller, r.owner_id)]
        if len(named) > 1:
            raise ValidationError(
                f"{self.kind} name {ref!r} is ambiguous ({len(named)} {self.kind}s); give the {self.kind} id",
                **{self.kind: ref},
            )
        return named[0] if named else None

    def unknown(self, ref: str) -> ValidationError:
        """The refusal of a request naming a row ``by_ref`` did not find (400, not 404: the
        request is wrong, not the resource missing)."""
        return ValidationError(f"{self.kind} {ref!r} does not exist", **{self.kind: ref})

    def of(self, s: Session, parent_id: str) -> list[R]:
        """The rows that belong to ``parent_id`` (whoever owns them), oldest first."""
        q = select(self.model).where(self.belongs_to(parent_id)).order_by(*self.order)
        return list(s.scalars(q))

    def count_of(self, s: Session, parent_id: str) -> int:
        q = select(func.count()).select_from(self.model).where(self.belongs_to(parent_id))
        return s.scalar(q) or 0

    def belongs_to(self, parent_id: str) -> ColumnElement[bool]:
        """The filter "of that parent" (a listing's ``network_id=``)."""
        if self.parent is None:
            raise TypeError(f"{self.kind} rows belong to no parent")
        return self.parent == parent_id


class OwnedCollection(OwnedRows[R], Generic[R, M]):
    """A collection whose contract model is made from its row alone (``view``): list, get,
    rename and delete are then the same for every backend that keeps it so."""

    def __init__(
        self,
        model: type[R],
        kind: str,
        view: Callable[[R], M],
        *where: ColumnElement[bool],
        parent: InstrumentedAttribute[str] | None = None,
        order: Sequence[InstrumentedAttribute[str]] = (),
    ) -> None:
        super().__init__(model, kind, *where, parent=parent, order=order)
        self.view = view

    def add(self, s: Session, row: R) -> M:
        """Store a new row (its defaults filled in) and return its view."""
        s.add(row)
        s.flush()
        return self.view(row)

    def create(self, store: Sessions, row: R, undo: Callable[[], None] | None = None) -> M:
        """``insert``, returning the new row's view."""
        return self.view(self.insert(store, row, undo))

    def list(self, store: Sessions, caller: Caller, *where: ColumnElement[bool]) -> list[M]:
        with store.read() as s:
            return [self.view(r) for r in self.rows(s, caller, *where)]

    def get(self, store: Sessions, caller: Caller, row_id: str) -> M:
        with store.read() as s:
            return self.view(self.row(s, caller, row_id))

    def change(self, store: Sessions, caller: Caller, row_id: str, edit: Callable[[Session, R], None]) -> M:
        """Apply ``edit`` (which may refuse) to the row the caller may change; its new view."""
        with store.write() as s:
            row = self.row(s, caller, row_id, modify=True)
            edit(s, row)
            s.flush()
            return self.view(row)

    def rename(self, store: Sessions, caller: Caller, row_id: str, name: str) -> M:
        def set_name(s: Session, row: R) -> None:
            row.name = name

        return self.change(store, caller, row_id, set_name)
