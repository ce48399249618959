"""Turning outside input (JSON-like values from the CLI, the API, files) into domain records.

Strict: ``false`` is not a number, ``"12"`` is not an integer, an unknown field is an error.
Dates and vocabulary values come as the strings JSON would carry.
"""

from __future__ import annotations

import dataclasses
import json
import typing
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, TypeAdapter, ValidationError, create_model

from bluehelmet.domain.errors import InvalidRecord, Problem
from bluehelmet.domain.records import SYSTEM_FIELDS, Record, entity_fields, snapshot
from bluehelmet.domain.text import clean_text, text_kind

__all__ = ["LARGEST", "editable_values", "parse_filters", "parse_record", "parse_values", "unstorable"]

#: The largest whole number any column holds: INTEGER is 32 bits in PostgreSQL (and a reference
#: past 64 bits would overflow SQLite's driver before any rule could name it).
LARGEST = 2**31 - 1


_MODELS: dict[type[Record], type[BaseModel]] = {}


def _input_model(cls: type[Record]) -> type[BaseModel]:
    if cls not in _MODELS:
        _MODELS[cls] = _build_input_model(cls)
    return _MODELS[cls]


def _build_input_model(cls: type[Record]) -> type[BaseModel]:
    hints = typing.get_type_hints(cls)
    spec: dict[str, Any] = {}
    for f in entity_fields(cls):
        if f.default is not dataclasses.MISSING:
            default: Any = f.default
        elif f.default_factory is not dataclasses.MISSING:
            default = f.default_factory()
        else:
            default = ...
        spec[f.name] = (hints[f.name], default)
    config = ConfigDict(strict=True, extra="forbid", allow_inf_nan=False)
    return create_model(f"{cls.__name__}Input", __config__=config, **spec)


def _reason(error: Mapping[str, Any]) -> str:
    if error["type"] == "extra_forbidden":
        return "is not a field of this kind of record"
    given = error.get("input")
    shown = "" if isinstance(given, dict) or given is None else f" (got {json.dumps(given)[:60]})"
    return f"{error['msg'][0].lower()}{error['msg'][1:]}{shown}"


def unstorable(value: Any) -> str | None:
    """Why no database can hold ``value`` (a whole number past 32 bits, text with a NUL character),
    looking inside lists and mappings; None when it can be stored."""
    kind = type(value)
    if kind is str:  # the common cases first
        return "contains a NUL character, which no text may hold" if "\x00" in value else None
    if value is None or kind is float or kind is bool:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        if value > LARGEST:
            return f"{value} is too large to store (at most {LARGEST})"
        if value < -LARGEST:
            return f"{value} is too small to store (at least -{LARGEST})"
    elif isinstance(value, str) and "\x00" in value:
        return "contains a NUL character, which no text may hold"
    elif isinstance(value, list | tuple):
        return next((why for item in value if (why := unstorable(item))), None)
    elif isinstance(value, Mapping):
        return next((why for item in (*value.keys(), *value.values()) if (why := unstorable(item))), None)
    return None


def _unstorable_fields(who: str, data: Mapping[str, Any]) -> list[Problem]:
    return [Problem(who, str(name), why) for name, value in data.items() if (why := unstorable(value))]


def parse_record(cls: type[Record], data: Mapping[str, Any]) -> Record:
    """A new, unsaved ``cls`` from ``data``, or InvalidRecord naming each bad field."""
    return cls(**parse_values(cls, data))


def parse_values(cls: type[Record], data: Mapping[str, Any]) -> dict[str, Any]:
    """The fields of a new ``cls`` from ``data``, typed and checked, or InvalidRecord naming
    each bad field (what :func:`parse_record` builds its record from)."""
    label_value = data.get(cls.label_field)
    shown = _printable(label_value[:100]) if isinstance(label_value, str) else label_value
    who = f"{cls.__name__} (new)" + (f" '{shown}'" if isinstance(shown, str | int) else "")
    system = sorted(set(data) & set(SYSTEM_FIELDS))
    if system:
        raise InvalidRecord([Problem(who, name, "is kept by the system and cannot be set") for name in system])
    unstorable_fields = _unstorable_fields(who, data)
    if unstorable_fields:
        raise InvalidRecord(unstorable_fields)
    data = _cleaned(cls, who, data)
    try:
        payload = json.dumps(dict(data), default=_json_default)
        parsed = _input_model(cls).model_validate_json(payload)
    except ValidationError as error:
        problems = [Problem(who, ".".join(str(p) for p in e["loc"]) or "(record)", _reason(e)) for e in error.errors()]
        raise InvalidRecord(problems) from None
    return dict(parsed.__dict__)  # the fields as validated (iterating the model costs more)


def _printable(text: str) -> str:
    """``text`` as an answer may quote it: no NUL, no lone surrogate (replaced by "?")."""
    return text.replace("\x00", "").encode("utf-8", "replace").decode("utf-8")


def _cleaned(cls: type[Record], who: str, data: Mapping[str, Any]) -> Mapping[str, Any]:
    """``data`` with its text normalised (``domain.text``); InvalidRecord naming each field whose
    text breaks a rule of its kind (too long, not Unicode, invisible characters in a name)."""
    cleaned: dict[str, Any] | None = None
    problems = []
    for name, value in data.items():
        text: Any
        if isinstance(value, str):
            text, why = clean_text(value, text_kind(str(name), cls.label_field))
        elif isinstance(value, list) and any(isinstance(v, str) for v in value):
            kind = text_kind(str(name), cls.label_field)
            pairs = [clean_text(v, kind) if isinstance(v, str) else (v, None) for v in value]
            text, why = [p[0] for p in pairs], next((p[1] for p in pairs if p[1]), None)
        else:
            continue
        if why:
            problems.append(Problem(who, str(name), why))
        elif text != value:
            cleaned = dict(data) if cleaned is None else cleaned
            cleaned[name] = text
    if problems:
        raise InvalidRecord(problems)
    return data if cleaned is None else cleaned


def _json_default(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not a JSON value")


def editable_values(record: Record) -> dict[str, Any]:
    """The user-set fields of ``record`` as JSON values, the starting point of an update."""
    values = snapshot(record)
    return {f.name: values[f.name] for f in entity_fields(type(record))}


_ADAPTERS: dict[type[Record], dict[str, TypeAdapter[Any]]] = {}


def _field_adapters(cls: type[Record]) -> dict[str, TypeAdapter[Any]]:
    """One validator per field a filter may name (built once: building one is costly)."""
    if cls not in _ADAPTERS:
        hints = typing.get_type_hints(cls)
        names = [f.name for f in dataclasses.fields(cls) if f.name not in SYSTEM_FIELDS[1:]]
        _ADAPTERS[cls] = {name: TypeAdapter(hints[name]) for name in names}
    return _ADAPTERS[cls]


def parse_filters(cls: type[Record], filters: Mapping[str, Any]) -> dict[str, Any]:
    """Filter values checked and converted like the fields they filter on."""
    adapters = _field_adapters(cls)
    who = cls.__name__
    problems, parsed = [], {}
    for name, value in filters.items():
        if name not in adapters:
            problems.append(Problem(who, name, "is not a field to filter on"))
            continue
        if why := unstorable(value):
            problems.append(Problem(who, name, why))
            continue
        try:
            parsed[name] = adapters[name].validate_json(json.dumps(value, default=_json_default), strict=True)
        except ValidationError as error:
            problems.append(Problem(who, name, _reason(error.errors()[0])))
    if problems:
        raise InvalidRecord(problems)
    return parsed
