"""Turning outside input (JSON-like values from the CLI, the API, files) into domain records.

Strict: ``false`` is not a number, ``"12"`` is not an integer, an unknown field is an error.
Dates and vocabulary values come as the strings JSON would carry.

What decides is pydantic's strict validation of the values as JSON. The values a request brings
are already decoded, so a record whose every value is plainly what its field takes (text for
text, a whole number for an integer, ``"2021-03-04"`` for a date, a choice's exact value...) is
converted directly, by converters worked out once per kind (``_plan``), with the result the
JSON validation gives; any other value (a wrong type, a date in another form, a field not of
the kind, a required field missing) sends the record through the JSON validation, which names
what is wrong exactly as before.
"""

from __future__ import annotations

import dataclasses
import json
import math
import re
import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, time
from enum import Enum
from functools import partial
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


def _unstorable_fields(data: Mapping[str, Any]) -> list[tuple[str, str]]:
    return [(str(name), why) for name, value in data.items() if (why := unstorable(value))]


def parse_record(cls: type[Record], data: Mapping[str, Any]) -> Record:
    """A new, unsaved ``cls`` from ``data``, or InvalidRecord naming each bad field."""
    return cls(**parse_values(cls, data))


_SYSTEM = frozenset(SYSTEM_FIELDS)


def parse_values(cls: type[Record], data: Mapping[str, Any]) -> dict[str, Any]:
    """The fields of a new ``cls`` from ``data``, typed and checked, or InvalidRecord naming
    each bad field (what :func:`parse_record` builds its record from)."""
    if not _SYSTEM.isdisjoint(data):
        who, reason = _who(cls, data), "is kept by the system and cannot be set"
        raise InvalidRecord([Problem(who, name, reason) for name in sorted(_SYSTEM.intersection(data))])
    found = _unstorable_fields(data)
    if found:
        raise InvalidRecord([Problem(_who(cls, data), name, why) for name, why in found])
    cleaned = _cleaned(cls, data)
    plain = _plainly(cls, cleaned)
    if plain is not None:
        return plain
    try:
        payload = json.dumps(dict(cleaned), default=_json_default)
        parsed = _input_model(cls).model_validate_json(payload)
    except ValidationError as error:
        who = _who(cls, data)  # as sent
        problems = [Problem(who, ".".join(str(p) for p in e["loc"]) or "(record)", _reason(e)) for e in error.errors()]
        raise InvalidRecord(problems) from None
    return dict(parsed.__dict__)  # the fields as validated (iterating the model costs more)


def _who(cls: type[Record], data: Mapping[str, Any]) -> str:
    """How a problem names the new record: its kind and, when it has one, its label."""
    label_value = data.get(cls.label_field)
    shown = _printable(label_value[:100]) if isinstance(label_value, str) else label_value
    return f"{cls.__name__} (new)" + (f" '{shown}'" if isinstance(shown, str | int) else "")


class _Undecided(Exception):
    """A value the plain conversion does not decide: the JSON validation decides it."""


Convert = Callable[[Any], Any]


@dataclass(frozen=True)
class _Plan:
    """How the fields of a kind are converted when plainly right: worked out once per kind."""

    converters: dict[str, Convert]
    #: Every field in order: its default when it has one that is shared safely, else _NONE.
    start: dict[str, Any]
    required: frozenset[str]
    #: The fields whose default is made anew for each record (a list, a mapping).
    factories: tuple[tuple[str, Callable[[], Any]], ...]


_NONE = object()
_PLANS: dict[type[Record], _Plan | None] = {}


def _plan(cls: type[Record]) -> _Plan | None:
    """The converters of ``cls``'s fields (None: a field of a type not converted plainly)."""
    if cls not in _PLANS:
        hints = typing.get_type_hints(cls)
        fields = entity_fields(cls)
        converters = {f.name: _converter(hints[f.name]) for f in fields}
        start = {f.name: _NONE if f.default is dataclasses.MISSING else f.default for f in fields}
        factories = tuple((f.name, f.default_factory) for f in fields if f.default_factory is not dataclasses.MISSING)
        required = frozenset(name for name, value in start.items() if value is _NONE) - {n for n, _ in factories}
        plan = _Plan({n: c for n, c in converters.items() if c is not None}, start, required, factories)
        _PLANS[cls] = None if None in converters.values() else plan
    return _PLANS[cls]


def _plainly(cls: type[Record], data: Mapping[str, Any]) -> dict[str, Any] | None:
    """The fields of a new ``cls`` from ``data`` when every value is plainly what its field
    takes, as the JSON validation would give them; None when it must decide."""
    plan = _plan(cls)
    if plan is None or not plan.required.issubset(data.keys()):
        return None
    converters = plan.converters
    values = plan.start.copy()
    try:
        for name, value in data.items():
            convert = converters.get(name)  # a key that is no text is no field either: None
            if convert is None:
                return None
            values[name] = convert(value)
    except _Undecided:
        return None
    for name, factory in plan.factories:
        if name not in data:
            values[name] = factory()
    return values


def _converter(hint: Any) -> Convert | None:
    """The plain conversion of a field of type ``hint`` (None: the JSON validation does all)."""
    simple: dict[Any, Convert] = {str: _text, int: _whole, float: _number, bool: _truth, date: _date, time: _time}
    if hint in simple:
        return simple[hint]
    if isinstance(hint, type) and issubclass(hint, Enum):
        if all(isinstance(member.value, str) for member in hint):
            return partial(_choice, hint)
        return None
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType) and len(args) == 2 and type(None) in args:
        inner = _converter(next(a for a in args if a is not type(None)))
        return None if inner is None else partial(_optional, inner)
    if origin is list and len(args) == 1:
        inner = _converter(args[0])
        return None if inner is None else partial(_listed, inner)
    if origin is dict and args == (str, str):
        return _text_map
    return None


def _text(value: Any) -> Any:
    if type(value) is str:
        return value
    raise _Undecided


def _whole(value: Any) -> Any:
    if type(value) is int:
        return value
    raise _Undecided


def _number(value: Any) -> Any:
    if type(value) is float and math.isfinite(value):
        return value
    if type(value) is int:  # JSON's 3 is the number 3.0
        return float(value)
    raise _Undecided


def _truth(value: Any) -> Any:
    if type(value) is bool:
        return value
    raise _Undecided


_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_HOUR = re.compile(r"[0-9]{2}:[0-9]{2}(:[0-9]{2})?")


def _date(value: Any) -> Any:
    return value if type(value) is date else _from_text(value, _DAY, date.fromisoformat)


def _time(value: Any) -> Any:
    if type(value) is time and value.tzinfo is None and not value.microsecond:
        return value
    return _from_text(value, _HOUR, time.fromisoformat)


def _from_text(value: Any, form: re.Pattern[str], parse: Callable[[str], Any]) -> Any:
    """``value`` parsed when it is text of exactly ``form``; undecided otherwise (left to pydantic)."""
    if type(value) is str and form.fullmatch(value):
        try:
            return parse(value)
        except ValueError:
            raise _Undecided from None
    raise _Undecided


def _choice(kind: type[Enum], value: Any) -> Any:
    if type(value) is kind:
        return value
    if type(value) is str and (member := kind._value2member_map_.get(value)) is not None:
        return member
    raise _Undecided


def _optional(inner: Convert, value: Any) -> Any:
    return None if value is None else inner(value)


def _listed(inner: Convert, value: Any) -> Any:
    if type(value) is list:
        return [inner(item) for item in value]
    raise _Undecided


def _text_map(value: Any) -> Any:
    if type(value) is dict and all(type(k) is str and type(v) is str for k, v in value.items()):
        return dict(value)
    raise _Undecided


def _printable(text: str) -> str:
    """``text`` as an answer may quote it: no NUL, no lone surrogate (replaced by "?")."""
    return text.replace("\x00", "").encode("utf-8", "replace").decode("utf-8")


def _cleaned(cls: type[Record], data: Mapping[str, Any]) -> Mapping[str, Any]:
    """``data`` with its text normalised (``domain.text``); InvalidRecord naming each field whose
    text breaks a rule of its kind (too long, not Unicode, invisible characters in a name)."""
    cleaned: dict[str, Any] | None = None
    problems = []
    kinds = _text_kinds(cls)
    for name, value in data.items():
        text: Any
        if type(value) is str:
            text, why = clean_text(value, kinds.get(name) or text_kind(str(name), cls.label_field))
        elif isinstance(value, str):
            text, why = clean_text(value, text_kind(str(name), cls.label_field))
        elif isinstance(value, list) and any(isinstance(v, str) for v in value):
            kind = text_kind(str(name), cls.label_field)
            pairs = [clean_text(v, kind) if isinstance(v, str) else (v, None) for v in value]
            text, why = [p[0] for p in pairs], next((p[1] for p in pairs if p[1]), None)
        else:
            continue
        if why:
            problems.append((str(name), why))
        elif text != value:
            cleaned = dict(data) if cleaned is None else cleaned
            cleaned[name] = text
    if problems:
        who = _who(cls, data)
        raise InvalidRecord([Problem(who, name, why) for name, why in problems])
    return data if cleaned is None else cleaned


_KINDS: dict[type[Record], dict[str, str]] = {}


def _text_kinds(cls: type[Record]) -> dict[str, str]:
    """The text kind of each of ``cls``'s fields (``domain.text``), worked out once."""
    if cls not in _KINDS:
        _KINDS[cls] = {f.name: text_kind(f.name, cls.label_field) for f in entity_fields(cls)}
    return _KINDS[cls]


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
