"""File text for whole exports: one small function per column, chosen once per export.

:func:`bluehelmet.services.exchange.values_to_text` writes one record, asking the type of
every value and looking up every reference. An export of a million rows instead reads plain
column values (``storage.export_queries``) and passes each through the function made for its
column, which gives the text ``values_to_text`` gives for the same field: a value of any other
type than the column's usual one goes through :func:`~bluehelmet.services.exchange.cell_text`,
the rule ``values_to_text`` itself applies. References are looked up in a map of names built
once per referenced kind, with the rule of ``Resolver.name_of``.
"""

from __future__ import annotations

import json
import typing
from collections.abc import Callable, Mapping, Sequence
from datetime import time
from enum import StrEnum
from typing import Any

from sqlalchemy.orm import Session

from bluehelmet.domain.records import Record
from bluehelmet.geography.names import normalise
from bluehelmet.services import records
from bluehelmet.services.exchange import (
    FORMULA_START,
    LIST_SEPARATOR,
    Column,
    cell_text,
    neutralise,
    reference_keys,
)
from bluehelmet.storage import export_queries
from bluehelmet.storage.tables import TABLES

__all__ = ["Cell", "formatters", "reference_names", "row_formatter"]

#: The text of one cell from the value its column holds.
Cell = Callable[[Any], str]


def _text(value: Any) -> str:
    if value.__class__ is str:
        return "'" + value if value.startswith(FORMULA_START) else value
    return cell_text(value)


def _stored(value: Any) -> str:
    """A vocabulary (its value is its text) or, on SQLite, a date (stored as its ISO text)."""
    return value if value.__class__ is str else cell_text(value)


def _optional_integer(value: Any) -> str:
    return str(value) if value.__class__ is int else cell_text(value)


def _number(value: Any) -> str:
    return repr(value) if value.__class__ is float else cell_text(value)


def _boolean(value: Any) -> str:
    # SQLite stores a boolean as 0 or 1, which SQLAlchemy would read as bool(value).
    return cell_text(bool(value) if value.__class__ is int else value)


def _time(value: Any) -> str:
    return cell_text(time.fromisoformat(value) if value.__class__ is str else value)


def _json(value: Any) -> Any:
    return json.loads(value) if value.__class__ is str else value


def _listed(value: Any) -> str:
    """A list or ratings column (JSON); an empty list, the usual, is not parsed."""
    return "" if value == "[]" else cell_text(_json(value))


def _plain(column: Column, nullable: bool) -> Cell:
    """The function for a column that is not a reference, over the values as stored."""
    if column.kind == "text":
        return _text
    if column.kind in ("vocabulary", "date"):
        return _stored
    if column.kind == "integer":
        return _optional_integer if nullable else str
    choices: dict[str, Cell] = {
        "number": _number, "boolean": _boolean, "time": _time, "list": _listed, "ratings": _listed,
    }  # fmt: skip
    return choices.get(column.kind, cell_text)


def _reference(many: bool, reference_names: Mapping[int, str]) -> Cell:
    names = {record_id: neutralise(name) for record_id, name in reference_names.items()}

    def one(value: Any) -> str:
        if value is None:
            return ""
        name = names.get(value)
        return name if name is not None else f"#{value}"

    def several(value: Any) -> str:
        if value == "[]" or not value:
            return ""
        ids = _json(value)
        return LIST_SEPARATOR.join([name if (name := names.get(i)) is not None else f"#{i}" for i in ids])

    return several if many else one


def formatters(session: Session, cls: type[Record], columns: Sequence[Column], mission_id: int | None) -> list[Cell]:
    """One function per column of ``cls``, in the order of ``columns``, each taking the value
    as ``storage.export_queries.stream_rows`` reads it."""
    table = TABLES[cls]
    names: dict[str, dict[int, str]] = {}
    result = []
    for column in columns:
        if column.kind != "reference":
            result.append(_plain(column, bool(table.c[column.field].nullable)))
            continue
        target = column.target or ""
        if target not in names:
            names[target] = reference_names(session, target, mission_id)
        result.append(_reference(column.many, names[target]))
    return result


#: The functions above as expressions over a value ``{v}``, for :func:`row_formatter`.
_INLINE: dict[Cell, str] = {
    _text: '("\'" + {v} if {v}.startswith(_fs) else {v}) if {v}.__class__ is str else _ct({v})',
    _stored: "{v} if {v}.__class__ is str else _ct({v})",
    _optional_integer: "str({v}) if {v}.__class__ is int else _ct({v})",
    _number: "repr({v}) if {v}.__class__ is float else _ct({v})",
    str: "str({v})",
}


def row_formatter(cells: Sequence[Cell]) -> Callable[[Sequence[Any]], list[str]]:
    """One function writing a whole row's cells, the same as ``[f(v) for f, v in zip(cells, row)]``.

    Made from source, as ``dataclasses`` makes ``__init__``: the common functions are written
    inline, so a row of fifty cells costs one call instead of fifty (a third of the time of a
    million-row export otherwise goes to calling them). Items of ``row`` past the cells are
    ignored."""
    names = [f"v{i}" for i in range(len(cells))]
    scope: dict[str, Any] = {"_fs": FORMULA_START, "_ct": cell_text}
    parts = []
    for i, (name, cell) in enumerate(zip(names, cells, strict=True)):
        template = _INLINE.get(cell)
        if template is None:
            scope[f"_f{i}"] = cell
            template = f"_f{i}({{v}})"
        parts.append(f"({template.format(v=name)})")
    source = f"def row_text(row):\n    {', '.join([*names, '*_'])} = row\n    return [{', '.join(parts)}]\n"
    exec(compile(source, "<bluehelmet.services.cells.row_formatter>", "exec"), scope)  # noqa: S102 - our own source
    made: Callable[[Sequence[Any]], list[str]] = scope["row_text"]
    return made


def _named_by_id(text: str) -> int | None:
    """The id ``#12`` names (``Resolver.find`` reads such a name as an id, not as a name)."""
    if text.startswith("#") and text[1:].isascii() and text[1:].isdigit() and len(text) <= 19:
        return int(text[1:])
    return None


def _is_text(cls: type[Record], field: str) -> bool:
    hint = typing.get_type_hints(cls)[field]
    inner = [a for a in typing.get_args(hint) if a is not type(None)] or [hint]
    return all(a is str or (isinstance(a, type) and issubclass(a, StrEnum)) for a in inner)


def reference_names(session: Session, target: str, mission_id: int | None) -> dict[int, str]:
    """How files name the records of ``target``, by id: the ``Resolver.name_of`` rule for a
    whole table at once. A record is named by its label when that is text that finds exactly
    this record among the mission's live records of ``target`` (by its label, natural key or
    spelling variants, matched as ``Resolver.find`` matches); every other id is written ``#id``
    (and is not in the map)."""
    cls = records.kind_of(target)
    keys = reference_keys(cls.__name__)
    variants = "variants" in cls.__dataclass_fields__
    fields = [*keys, *(["variants"] if variants else [])]
    has_mission = "mission_id" in cls.__dataclass_fields__
    filters = {"mission_id": mission_id} if mission_id is not None and has_mission else {}
    index: dict[str, set[int]] = {}
    labels: list[tuple[int, Any]] = []
    for row_id, *values in export_queries.live_rows(session, cls, fields, filters):
        spellings = values[: len(keys)] + list((values[-1] or []) if variants else [])
        for name in spellings:
            if isinstance(name, str | int) and str(name).strip():
                index.setdefault(normalise(str(name)), set()).add(row_id)
        labels.append((row_id, values[0]))
    result: dict[int, str] = {}
    for row_id, label in labels:
        if not isinstance(label, str) or not label.strip():
            continue
        by_id = _named_by_id(label)
        if (by_id == row_id) if by_id is not None else index.get(normalise(label)) == {row_id}:
            result[row_id] = str(label)
    if _is_text(cls, cls.label_field):
        # A label such as "#12" names record 12 whether or not it is live or in the mission.
        for row_id, label in export_queries.labels_starting(session, cls, cls.label_field, "#"):
            if _named_by_id(label) == row_id:
                result[row_id] = label
    return result
