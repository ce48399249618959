"""Writing the incident rollups' pending deltas (``Transaction.rollup``) before a commit.

On SQLite each rollup's touched keys go in as one ``executemany`` of an upsert: the database is
in the process, a statement costs no round trip. On PostgreSQL every statement is a round trip
to the server and back, and a creation touches one key of each of the fifteen rollups: written
one statement a rollup, those round trips were most of a creation's time. There the deltas of
every rollup go in one statement, each rollup's rows sent as one array a column and upserted
from ``unnest`` in a data-modifying ``WITH`` of its own, so that a creation, a change or a bulk
of 10,000 incidents costs one round trip for all the rollups, and the statement's text is the
same whatever the number of rows (the driver prepares it once per connection).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cache, lru_cache
from typing import Any

from sqlalchemy import Float, Integer, String, Table, bindparam, delete, func, literal_column, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.sql import Executable

from bluehelmet.storage.database import execute_many
from bluehelmet.storage.rollups import MEASURES, ROLLUPS, Deltas, Rollup, RollupKey

__all__ = ["add_grouped", "apply_deltas"]


def apply_deltas(session: Session, deltas: Deltas) -> None:
    """Write pending deltas (each touched key added to its row, which is made if missing), and
    remove the rows they leave without events. Apply a batch once, then clear it."""
    by_rollup: dict[str, list[tuple[RollupKey, list[int]]]] = {}
    for key, values in deltas.items():
        if any(values):
            by_rollup.setdefault(key[0], []).append((key[1:], values))
    # In key order, so that concurrent writers lock the rows they share in the same order.
    changed = [(rollup, sorted(by_rollup[rollup.name])) for rollup in ROLLUPS if rollup.name in by_rollup]
    if not changed:
        return
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        _upsert_all(session, changed)
    else:
        for rollup, rows in changed:
            columns = rollup.key_columns
            upsert = _built_upsert(dialect, rollup.table, columns)
            execute_many(session, upsert, (*columns, *MEASURES), [(*key, *values) for key, values in rows])
    for rollup, rows in changed:
        emptied = [key for key, values in rows if values[0] < 0]
        if emptied:
            columns = rollup.key_columns
            execute_many(session, _emptied_rows(rollup.table, columns), tuple(f"k_{n}" for n in columns), emptied)


def add_grouped(session: Session, grouped: Mapping[str, Sequence[Sequence[Any]]]) -> None:
    """Add rows to the rollups on SQLite, given by rollup name as columns (its key columns then
    its measures, each a list, in key order): counts of new incidents, none negative. What
    ``apply_deltas`` does for the same rows, without a Python object a row but the tuples the
    driver takes: one ``executemany`` a rollup. (On PostgreSQL, sent as the arrays of
    ``apply_deltas``' one statement, a batch's 35,000 groups cost the client more to adapt
    than the server's own grouping: ``bulk.count_in_rollups`` is used there.)"""
    dialect = session.get_bind().dialect.name
    if dialect != "sqlite":
        raise NotImplementedError(f"grouped rollup rows are added on SQLite only, not {dialect}")
    for rollup in ROLLUPS:
        given = grouped.get(rollup.name)
        if given and len(given[0]):
            columns = rollup.key_columns
            upsert = _built_upsert(dialect, rollup.table, columns)
            execute_many(session, upsert, (*columns, *MEASURES), list(zip(*given, strict=True)))


# Built once per rollup: constructing the statement (its ``excluded`` columns above all) cost
# more than executing it, on every commit. A built statement is immutable and shared by threads.
@lru_cache(maxsize=32)
def _built_upsert(dialect: str, table: Table, key_columns: tuple[str, ...]) -> Any:
    """INSERT ... ON CONFLICT (key) DO UPDATE adding the new values to the stored ones."""
    if dialect not in ("sqlite", "postgresql"):
        raise NotImplementedError(f"the incident rollup has no upsert for {dialect}")
    stmt = (sqlite.insert if dialect == "sqlite" else postgresql.insert)(table)
    adding = {name: table.c[name] + stmt.excluded[name] for name in MEASURES}
    return stmt.on_conflict_do_update(index_elements=list(key_columns), set_=adding)


@lru_cache(maxsize=32)
def _emptied_rows(table: Table, key_columns: tuple[str, ...]) -> Any:
    """DELETE the rows of the keys bound as ``k_<column>`` that are left without events."""
    where = [table.c[name] == bindparam(f"k_{name}") for name in key_columns]
    return delete(table).where(*where, table.c.events <= literal_column("0"))  # no parameter: a constant


def _parameter(rollup: Rollup, column: str) -> str:
    return f"{rollup.name}__{column}"


def _array_of(table: Table, column: str) -> postgresql.ARRAY[Any]:
    """The array type of a column's values as sent (lengths left out: the column checks them)."""
    kind = table.c[column].type
    item = Float() if isinstance(kind, Float) else Integer() if isinstance(kind, Integer) else String()
    return postgresql.ARRAY(item)


@cache
def _all_upserts() -> Executable:
    """One statement upserting rows into every rollup: per rollup a ``WITH`` part
    ``INSERT INTO r SELECT * FROM unnest(<one array a column>) ON CONFLICT (key) DO UPDATE``
    adding the measures. A rollup given empty arrays is left as it is."""
    parts = []
    for rollup in ROLLUPS:
        columns = (*rollup.key_columns, *MEASURES)
        arrays = [bindparam(_parameter(rollup, c), type_=_array_of(rollup.table, c)) for c in columns]
        unnested = func.unnest(*arrays).table_valued(*columns).render_derived()
        insert = postgresql.insert(rollup.table).from_select(list(columns), select(*unnested.c))
        adding = {name: rollup.table.c[name] + insert.excluded[name] for name in MEASURES}
        upsert = insert.on_conflict_do_update(index_elements=list(rollup.key_columns), set_=adding)
        parts.append(upsert.cte(f"add_{rollup.name}"))
    return select(literal_column("1")).add_cte(*parts)  # no parameter: a constant


#: Up to this many rows a rollup, its values are sent one parameter each (a creation touches
#: one key a rollup, a change two): the driver adapts a plain value for less than a list.
_FEW = 2


def _upsert_all(session: Session, changed: list[tuple[Rollup, list[tuple[RollupKey, list[int]]]]]) -> None:
    dialect = session.get_bind().dialect
    params: dict[str, Any] = {}
    if all(len(rows) <= _FEW for _, rows in changed):
        shape = tuple((rollup, len(rows)) for rollup, rows in changed)
        for rollup, rows in changed:
            for n, (key, values) in enumerate(rows):
                for column, value in zip((*rollup.key_columns, *MEASURES), (*key, *values), strict=True):
                    params[f"{_parameter(rollup, column)}_{n}"] = value
        sql = _driver_sql(dialect, _few_upserts(shape))
    else:
        touched = {rollup.name: rows for rollup, rows in changed}
        for rollup in ROLLUPS:
            rows = touched.get(rollup.name, [])
            for i, column in enumerate(rollup.key_columns):
                params[_parameter(rollup, column)] = [key[i] for key, _ in rows]
            for i, column in enumerate(MEASURES):
                params[_parameter(rollup, column)] = [values[i] for _, values in rows]
        sql = _driver_sql(dialect, _all_upserts())
    session.connection().exec_driver_sql(sql, params)


@lru_cache(maxsize=64)
def _few_upserts(shape: tuple[tuple[Rollup, int], ...]) -> Executable:
    """One statement upserting ``n`` rows into each rollup of ``shape``, a ``WITH`` part a
    rollup, each value a parameter of its own (``<rollup>__<column>_<row>``)."""
    parts = []
    for rollup, count in shape:
        columns = (*rollup.key_columns, *MEASURES)
        rows = [{c: bindparam(f"{_parameter(rollup, c)}_{n}", type_=rollup.table.c[c].type) for c in columns}
                for n in range(count)]  # fmt: skip
        insert = postgresql.insert(rollup.table).values(rows)
        adding = {name: rollup.table.c[name] + insert.excluded[name] for name in MEASURES}
        upsert = insert.on_conflict_do_update(index_elements=list(rollup.key_columns), set_=adding)
        parts.append(upsert.cte(f"add_{rollup.name}"))
    return select(literal_column("1")).add_cte(*parts)  # no parameter: a constant


@lru_cache(maxsize=128)
def _driver_sql(dialect: Any, stmt: Executable) -> str:
    compiled = stmt.compile(dialect=dialect)  # type: ignore[attr-defined]
    if compiled.positional:
        raise NotImplementedError("the rollups' single statement is written for named parameters (psycopg)")
    return str(compiled.string)
