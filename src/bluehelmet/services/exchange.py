"""How records look in the spreadsheets and files a mission exchanges.

One column per field a person sets. A reference is written as the name of the record it points
to (``sector`` holds "Sector East", not an id), or ``#id`` where a record has no name; a list is
written with ``; `` between items. Text that a spreadsheet would run as a formula is neutralised
on the way out and restored on the way in. The same columns serve templates, imports and
exports, so an exported file imports again as the same records.
"""

from __future__ import annotations

import dataclasses
import math
import re
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from enum import StrEnum
from typing import Any

from bluehelmet.domain.catalogue import entity_class
from bluehelmet.domain.errors import Problem
from bluehelmet.domain.records import Record, entity_fields, reference_list_target, reference_target

__all__ = [
    "FORMULA_START",
    "LIST_SEPARATOR",
    "Column",
    "cell_text",
    "columns",
    "describe",
    "neutralise",
    "reference_keys",
    "restore_formula_text",
    "sheet_text",
    "structured_to_values",
    "text_from_sheet",
    "text_to_values",
    "values_to_text",
]

LIST_SEPARATOR = "; "
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_TRUE = {"true", "yes", "y", "1", "oui", "vrai"}
_FALSE = {"false", "no", "n", "0", "non", "faux"}
_INT = re.compile(r"^[+-]?\d{1,30}$")  # longer is no storable number (and int() refuses 4300 digits)


@dataclass(frozen=True)
class Column:
    """One column of a file: its header, the field it fills, and how its cells are read."""

    name: str
    field: str
    kind: str  # text, integer, number, boolean, date, time, vocabulary, list, ratings, reference
    required: bool
    target: str | None = None
    many: bool = False
    vocabulary: tuple[str, ...] = ()


def _base(tp: Any) -> tuple[Any, bool]:
    """The type inside an Optional, and whether it was optional."""
    args = typing.get_args(tp)
    if args and type(None) in args:
        (inner,) = [a for a in args if a is not type(None)]
        return inner, True
    return tp, False


def _kind(tp: Any) -> tuple[str, tuple[str, ...]]:
    origin = typing.get_origin(tp)
    if origin is list:
        (item,) = typing.get_args(tp)
        vocab = tuple(m.value for m in item) if isinstance(item, type) and issubclass(item, StrEnum) else ()
        return "list", vocab
    if origin is dict:
        return "ratings", ()
    if isinstance(tp, type) and issubclass(tp, StrEnum):
        return "vocabulary", tuple(m.value for m in tp)
    simple = {str: "text", int: "integer", float: "number", bool: "boolean", date: "date", time: "time"}
    return simple.get(tp, "text"), ()


def _column_name(field: str) -> str:
    if field.endswith("_ids"):
        return field[: -len("_ids")] + "s"
    if field.endswith("_id"):
        return field[: -len("_id")]
    return field


_COLUMNS: dict[type[Record], tuple[Column, ...]] = {}


def columns(cls: type[Record]) -> list[Column]:
    """The columns of ``cls`` in files; the mission is given by the import, not by a column."""
    # Derived from the class alone, and asked for once per row of every file.
    if cls not in _COLUMNS:
        _COLUMNS[cls] = _columns(cls)
    return list(_COLUMNS[cls])


def _columns(cls: type[Record]) -> tuple[Column, ...]:
    hints = typing.get_type_hints(cls)
    result = []
    # The record's own fields first; provenance (common to every kind) last.
    for f in sorted(entity_fields(cls), key=lambda f: f.name == "provenance"):
        if f.name == "mission_id":
            continue
        required = f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
        single, many = reference_target(f), reference_list_target(f)
        if single or many:
            result.append(Column(_column_name(f.name), f.name, "reference", required, single or many, bool(many)))
            continue
        kind, vocabulary = _kind(_base(hints[f.name])[0])
        result.append(Column(f.name, f.name, kind, required, vocabulary=vocabulary))
    return tuple(result)


def describe(column: Column) -> str:
    """A one-line description of what a cell of ``column`` holds, for templates."""
    need = "[required]" if column.required else "[optional]"
    if column.kind == "reference":
        what = f"name of a {column.target} (or #id)"
        return f"{need} {what}{', several separated by ;' if column.many else ''}"
    if column.vocabulary:
        return f"{need} {'several of' if column.kind == 'list' else 'one of'}: {', '.join(column.vocabulary)}"
    hints = {
        "date": "a date, YYYY-MM-DD",
        "time": "a time, HH:MM or HH:MM:SS",
        "integer": "a whole number",
        "number": "a number (decimal point)",
        "boolean": "true or false",
        "list": "items separated by ;",
        "ratings": "domain=rating pairs separated by ;",
        "text": "text",
    }
    return f"{need} {hints[column.kind]}"


def neutralise(text: str) -> str:
    """Text that a spreadsheet would evaluate as a formula, made inert with a leading apostrophe."""
    return "'" + text if text.startswith(FORMULA_START) else text


def restore_formula_text(text: str) -> str:
    """Undo :func:`neutralise` (only where it would have added the apostrophe)."""
    return text[1:] if text.startswith("'") and text[1:].startswith(FORMULA_START) else text


#: What a spreadsheet's XML cannot hold (control characters but tab, line feed and carriage
#: return), and a run of text that reads as the escape OOXML writes such a character as.
_UNWRITABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]|_(?=x[0-9A-Fa-f]{4}_)")
_ESCAPED = re.compile(r"_x([0-9A-Fa-f]{4})_")


def sheet_text(text: str) -> str:
    """Text as an XLSX cell holds it: a control character as OOXML's escape (``\x1f`` as
    ``_x001F_``, which a spreadsheet shows as the character), and the underscore of text that
    would read as such an escape escaped itself (``_x005F_``), so that nothing is lost."""
    return (
        _UNWRITABLE.sub(lambda m: f"_x{ord(m.group()):04X}_", text) if "_" in text or not text.isprintable() else text
    )


def text_from_sheet(text: str) -> str:
    """Undo OOXML's escapes in an XLSX cell's text (:func:`sheet_text`, or a spreadsheet's own)."""
    return _ESCAPED.sub(lambda m: chr(int(m.group(1), 16)), text) if "_x" in text else text


def reference_keys(target: str) -> tuple[str, ...]:
    """The fields by which a record of ``target`` is named in a file (its label, its natural key)."""
    cls = entity_class(target)
    keys = [cls.label_field]
    keys += [key[-1] for key in cls.natural_keys if key[-1] not in keys and len(key) <= 2]
    return tuple(keys)


def _cell_value(column: Column, text: str) -> Any:
    """A cell's text as the JSON value the record's field takes (left as text when it is not
    one, so the strict parser reports the cell as it was written)."""
    if column.kind == "text":
        return restore_formula_text(text)
    if column.kind == "integer" and _INT.match(text):
        return int(text)
    if column.kind == "number":
        try:
            number = float(text.replace(",", ".")) if text.count(",") == 1 and "." not in text else float(text)
        except ValueError:
            return text
        return number if math.isfinite(number) else text
    if column.kind == "boolean":
        lowered = text.lower()
        return True if lowered in _TRUE else False if lowered in _FALSE else text
    if column.kind == "list":
        return [restore_formula_text(item.strip()) for item in text.split(";") if item.strip()]
    if column.kind == "ratings":
        pairs = [item.split("=", 1) for item in text.split(";") if item.strip()]
        return {k.strip(): v.strip() for k, v in pairs} if all(len(p) == 2 for p in pairs) else text
    return text


def text_to_values(
    cls: type[Record],
    row: Mapping[str, str],
    resolve: typing.Callable[[str, str], int | str],
    who: str,
) -> tuple[dict[str, Any], list[Problem]]:
    """The field values of one file row, with references resolved by ``resolve(target, text)``
    (which gives an id, or a reason the name did not resolve). Unknown columns are problems."""
    known = {c.name: c for c in columns(cls)}
    problems = [Problem(who, name, "is not a column of this kind of record") for name in row if name not in known]
    defaults = _defaults(cls)
    values: dict[str, Any] = {}
    for name, raw in row.items():
        column = known.get(name)
        text = (raw or "").strip()
        if column is None or (not text and column.required):
            continue  # a required field left empty is reported by the parser as missing
        if not text:
            values[column.field] = defaults[column.field]  # an emptied cell resets the field
        elif column.kind != "reference":
            values[column.field] = _cell_value(column, text)
        else:
            values[column.field] = _resolve(column, text, resolve, who, problems)
    return values, problems


def structured_to_values(
    cls: type[Record],
    row: Mapping[str, Any],
    resolve: typing.Callable[[str, str], int | str],
    who: str,
) -> tuple[dict[str, Any], list[Problem]]:
    """Like :func:`text_to_values` for rows whose values are already typed (YAML, JSON): lists
    are lists and dates are dates; references are still written as names (or lists of names)."""
    known = {c.name: c for c in columns(cls)}
    problems = [Problem(who, name, "is not a column of this kind of record") for name in row if name not in known]
    values: dict[str, Any] = {}
    for name, value in row.items():
        column = known.get(name)
        if column is None:
            continue
        if column.kind == "reference" and value is not None:
            names = value if isinstance(value, list) else [value]
            text = "; ".join(str(v) for v in names)
            values[column.field] = _resolve(column, text, resolve, who, problems) if text else []
        elif isinstance(value, date | time):
            values[column.field] = value.isoformat()
        else:
            values[column.field] = value
    return values, problems


def _defaults(cls: type[Record]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for f in entity_fields(cls):
        if f.default is not dataclasses.MISSING:
            result[f.name] = f.default.value if isinstance(f.default, StrEnum) else f.default
        elif f.default_factory is not dataclasses.MISSING:
            result[f.name] = f.default_factory()
    return result


def _resolve(
    column: Column, text: str, resolve: typing.Callable[[str, str], int | str], who: str, problems: list[Problem]
) -> int | list[int] | None:
    ids = []
    for part in [p.strip() for p in text.split(";") if p.strip()] if column.many else [text]:
        found = resolve(column.target or "", part)
        if isinstance(found, str):
            problems.append(Problem(who, column.name, found))
        else:
            ids.append(found)
    return ids if column.many else (ids[0] if ids else None)


def values_to_text(record: Record, name_of: typing.Callable[[str, int], str]) -> dict[str, str]:
    """One record as a file row; ``name_of(target, id)`` writes a reference."""
    row = {}
    for column in columns(type(record)):
        value = getattr(record, column.field)
        if column.kind == "reference":
            ids = value if column.many else ([] if value is None else [value])
            row[column.name] = LIST_SEPARATOR.join(neutralise(name_of(column.target or "", i)) for i in ids)
        else:
            row[column.name] = cell_text(value)
    return row


def cell_text(value: Any) -> str:
    """A field's value as the text of its cell (a reference's id is written by the caller)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, StrEnum):
        return str(value.value)
    if isinstance(value, date | time | datetime):
        return value.isoformat()
    if isinstance(value, list):
        return LIST_SEPARATOR.join(neutralise(cell_text(v)) for v in value)
    if isinstance(value, dict):
        return LIST_SEPARATOR.join(f"{k}={v}" for k, v in value.items())
    if isinstance(value, str):
        return neutralise(value)
    return repr(value) if isinstance(value, float) else str(value)
