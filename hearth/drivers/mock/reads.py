"""The instance read path: one SELECT per get or list, Core rows turned straight into models.

Reading an instance is the API's hottest call. Everything an ``Instance`` shows comes from one
statement: the row, its template sizes and its profile's sizes by outer join, its bindings and
public addresses as JSON arrays from correlated subqueries, and the ownership check in the WHERE
clause. Statements are built once per shape, so SQLAlchemy's compiled cache always hits, and they
run on a plain Connection: no ORM session, no identity map, no objects to load.
"""

from __future__ import annotations

import gc
import json
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, Integer, Select, String, bindparam, select, type_coerce
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import BindParameter
from sqlalchemy.sql.functions import FunctionElement

from hearth.errors import BackendError
from hearth.vocab.instance_states import InstanceState

from ..resources import Action, HwpPropertyName, Instance, InstanceConsoles, NetworkBinding, build_trusted
from .tables import MockAddress, MockBinding, MockHardwareProfile, MockInstance, MockInstanceSpec

_I, _SPEC, _HWP = MockInstance, MockInstanceSpec, MockHardwareProfile
_STATES = {s.value: s for s in InstanceState}
_HWP_NAMES = {n.value: n for n in HwpPropertyName}


class json_rows(FunctionElement[Any]):
    """Aggregate the selected columns of every row into a JSON array of arrays ([] or NULL if none).

    Typed as text: ``decoded`` parses it, skipping the parse for the common empty array.
    """

    type = String()
    inherit_cache = True


@compiles(json_rows, "sqlite")
def _json_rows_sqlite(element: json_rows, compiler: SQLCompiler, **kw: Any) -> str:
    return f"json_group_array(json_array({compiler.process(element.clauses, **kw)}))"


@compiles(json_rows, "postgresql")
def _json_rows_postgresql(element: json_rows, compiler: SQLCompiler, **kw: Any) -> str:
    return f"json_agg(json_build_array({compiler.process(element.clauses, **kw)}))::text"


class json_int(FunctionElement[Any]):
    """``column[key]["value"]`` of a JSON column when it is an integer, else NULL; no JSON parse."""

    type = Integer()
    inherit_cache = True


def _json_int_args(element: json_int, compiler: SQLCompiler, **kw: Any) -> tuple[str, str]:
    column, key = element.clauses
    if not (isinstance(key, BindParameter) and isinstance(key.value, str) and key.value.isidentifier()):
        raise TypeError("json_int takes a column and a literal identifier key")
    return compiler.process(column, **kw), key.value


@compiles(json_int, "sqlite")
def _json_int_sqlite(element: json_int, compiler: SQLCompiler, **kw: Any) -> str:
    column, key = _json_int_args(element, compiler, **kw)
    path = f"'$.{key}.value'"
    return f"CASE json_type({column}, {path}) WHEN 'integer' THEN json_extract({column}, {path}) END"


@compiles(json_int, "postgresql")
def _json_int_postgresql(element: json_int, compiler: SQLCompiler, **kw: Any) -> str:
    column, key = _json_int_args(element, compiler, **kw)
    value = f"(({column})::json -> '{key}' -> 'value')"
    return f"CASE WHEN json_typeof({value}) = 'number' THEN ({value} #>> '{{}}')::integer END"


def decoded(value: Any, empty: Any) -> Any:
    """A JSON column or aggregate as Python: drivers hand back text (SQLite) or parsed values."""
    if value is None:
        return empty
    if isinstance(value, str):
        return empty if value in ("[]", "{}") else json.loads(value)
    return value


# Both subqueries follow the tables' indexes on instance_id, which is the order the separate
# per-table queries of the earlier read path returned.
_BINDINGS = (
    select(json_rows(MockBinding.network_id, MockBinding.subnet_id, MockBinding.ip_address))
    .where(MockBinding.instance_id == _I.id)
    .scalar_subquery()
)
_PUBLIC = select(json_rows(MockAddress.ip_address)).where(MockAddress.instance_id == _I.id).scalar_subquery()

_COLUMNS = (
    _I.id,
    _I.name,
    _I.owner_id,
    _I.created,
    _I.state,
    _I.next_state,
    _I.next_at,
    _I.state_reason,
    _I.image_id,
    _I.template_id,
    _I.realm_id,
    _I.hwp_id,
    type_coerce(_I.hwp_overrides, String()),  # parsed by `decoded`: most are empty
    _I.key_name,
    _SPEC.memory_mib,
    _SPEC.vcpus,
    json_int(_HWP.properties, "memory"),
    json_int(_HWP.properties, "cpu"),
    _BINDINGS,
    _PUBLIC,
)


def _base() -> Select[Any]:
    return (
        select(*_COLUMNS).outerjoin(_SPEC, _SPEC.instance_id == _I.id).outerjoin(_HWP, _HWP.id == _I.hwp_id)
    )


_SCOPE: BindParameter[Any] = bindparam("scope", expanding=True)
GET = _base().where(_I.id == bindparam("instance_id"))
# A single read sees the caller's own and the shared rows: two fixed parameters, no expanding IN.
GET_SCOPED = GET.where(_I.owner_id.in_([bindparam("owner"), bindparam("shared")]))
# Writers lock the instance row only (PostgreSQL refuses FOR UPDATE on an outer join's far side).
GET_LOCKED = GET.with_for_update(of=_I)
GET_SCOPED_LOCKED = GET_SCOPED.with_for_update(of=_I)
_LIST = _base().order_by(_I.created, _I.id)
_REALM = _I.realm_id == bindparam("realm_id")
LISTS = {
    (False, False): _LIST,
    (True, False): _LIST.where(_I.owner_id.in_(_SCOPE)),
    (False, True): _LIST.where(_REALM),
    (True, True): _LIST.where(_I.owner_id.in_(_SCOPE)).where(_REALM),
}


def get_statement(scoped: bool, lock: bool) -> Select[Any]:
    if lock:
        return GET_SCOPED_LOCKED if scoped else GET_LOCKED
    return GET_SCOPED if scoped else GET


def list_statement(scoped: bool, by_realm: bool) -> Select[Any]:
    return LISTS[(scoped, by_realm)]


def build_instance(
    r: Sequence[Any],
    now: float,
    actions: Callable[[InstanceState], list[Action]],
    consoles: Callable[[InstanceState], InstanceConsoles],
) -> Instance:
    """An Instance from one row of the statements above, as the reader sees it at ``now``.

    ``actions`` gives the actions the driver allows in a state, ``consoles`` its consoles there.
    Every value was validated on its way into the store, so the model is built without
    validating again.
    """
    (
        iid,
        name,
        owner,
        created,
        state,
        next_state,
        next_at,
        reason,
        image,
        template,
        realm,
        hwp,
        ovr,
        key,
        spec_memory,
        spec_vcpus,
        hwp_memory,
        hwp_cpu,
        bindings,
        public,
    ) = r
    if next_state is not None and next_at is not None and now >= next_at:
        state = next_state
    st = _STATES[state]
    ovr = decoded(ovr, None)
    if spec_memory is not None:  # built from a template: its resolved sizes
        memory, vcpus = spec_memory, spec_vcpus
    else:  # the profile's values with the instance's overrides
        memory, vcpus = hwp_memory, hwp_cpu
        if ovr:
            memory, vcpus = ovr.get("memory", memory), ovr.get("cpu", vcpus)
        memory = memory if isinstance(memory, int) else None
        vcpus = vcpus if isinstance(vcpus, int) else None
    mine = [
        build_trusted(NetworkBinding, {"network": network, "subnet": subnet, "ip_address": ip})
        for network, subnet, ip in decoded(bindings, ())
    ]
    return build_trusted(
        Instance,
        {
            "id": iid,
            "name": name,
            "owner_id": owner,
            "created": created,
            "state": st,
            "state_reason": reason,
            "actions": actions(st),
            "image": image,
            "template": template,
            "realm": realm,
            "hardware_profile": hwp,
            "hardware_profile_overrides": {_HWP_NAMES[k]: v for k, v in ovr.items()} if ovr else {},
            "key_name": key,
            "network_bindings": mine,
            "public_addresses": [ip for (ip,) in decoded(public, ())],
            "private_addresses": [b.ip_address for b in mine],
            "memory_mib": memory,
            "vcpus": vcpus,
            "consoles": consoles(st),
        },
    )


class RawRead:
    """A statement compiled once for SQLite and run on the pooled DBAPI connection itself.

    For the single-row reads the API makes most, SQLAlchemy's per-execution work (parameter
    processing, transaction events, result wrapping) costs more than SQLite's. The connection
    is in autocommit mode, so the SELECT is its own read transaction: one consistent snapshot.
    The column types' own result processors still turn values into Python (aware datetimes).
    """

    def __init__(self, engine: Engine, statement: Select[Any]) -> None:
        if engine.dialect.name != "sqlite":
            raise ValueError("RawRead serves SQLite only")
        compiled = statement.compile(dialect=engine.dialect)
        if not compiled.positional or compiled.positiontup is None:
            raise ValueError("expected SQLite's positional parameters")
        self.engine = engine
        self.sql = compiled.string
        self.names = tuple(compiled.positiontup)
        self.processors = [
            (i, proc)
            for i, column in enumerate(statement.selected_columns)
            if (proc := column.type.dialect_impl(engine.dialect).result_processor(engine.dialect, None))
        ]
        self.errors: type[Exception] = engine.dialect.loaded_dbapi.Error

    def first(self, params: dict[str, Any]) -> list[Any] | None:
        """The first row, values processed, or None; store failures become BackendError."""
        try:
            conn = self.engine.raw_connection()
            try:
                cur = conn.cursor()
                try:
                    raw = cur.execute(self.sql, [params[n] for n in self.names]).fetchone()
                finally:
                    cur.close()
            finally:
                conn.close()
        except self.errors as exc:
            raise BackendError(f"the mock driver's store failed ({type(exc).__name__})") from None
        if raw is None:
            return None
        row = list(raw)
        for i, proc in self.processors:
            row[i] = proc(row[i])
        return row


_gc_lock = threading.Lock()
_gc_depth = 0
_gc_reenable = False


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a large listing is built.

    Building 10,000 models allocates tens of thousands of young containers; each allocation burst
    triggers collections that rescan the growing batch, which made listing time grow faster than
    the row count. The objects built here hold no cycles, so reference counting frees them anyway.
    Nested and concurrent uses are counted; the collector is re-enabled only if it was on before.
    """
    global _gc_depth, _gc_reenable
    with _gc_lock:
        if _gc_depth == 0:
            _gc_reenable = gc.isenabled()
            gc.disable()
        _gc_depth += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_depth -= 1
            if _gc_depth == 0 and _gc_reenable:
                gc.enable()
