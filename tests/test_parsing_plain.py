"""The plain conversion of ``services/parsing.py`` against the JSON validation it stands in for.

A record whose values are plainly right is converted without encoding it as JSON and validating
that; every other record goes through the JSON validation as before. Both must agree: for any
values of any kind, the plain conversion either declines (None) or gives exactly the fields,
values and types the JSON validation gives; and what ``parse_values`` answers (the fields, or
the problems it names) is what the JSON validation alone answers.
"""

from __future__ import annotations

import json
import typing
from datetime import date, time
from enum import Enum
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from bluehelmet.domain.catalogue import ENTITIES
from bluehelmet.domain.errors import InvalidRecord
from bluehelmet.domain.incidents import Incident
from bluehelmet.domain.records import SYSTEM_FIELDS, Record, entity_fields
from bluehelmet.services import parsing

#: JSON values of every shape, including those that look like dates, times and choices.
_TRICKY_TEXT = ["", "2021-03-04", "2021-3-4", "2021-02-29", "2021-13-01", "0000-01-01", "20210304", "2021-W01-1",
                "2021-03-04T00:00:00", "12:30", "12:30:00", "24:00", "23:59:60", "12:30:00.5", "12:30Z", "Battles",
                "battles", "draft", " draft", "1", "true", "null", "é", "e\u0301"]  # fmt: skip
_json_leaf = (
    st.none()
    | st.booleans()
    | st.integers(-(2**31) + 1, 2**31 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.sampled_from(_TRICKY_TEXT)
    | st.text(max_size=12)
)
_json_value = st.recursive(_json_leaf, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
    st.text(max_size=4), inner, max_size=3), max_leaves=6)  # fmt: skip


def _fitting(hint: Any, clean: bool) -> st.SearchStrategy[Any]:
    """JSON values of the kind a field of type ``hint`` takes (as a client would send them);
    unless ``clean``, with texts that are almost what it takes."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    tricky = st.nothing() if clean else st.sampled_from(_TRICKY_TEXT)
    if hint is str:
        return st.sampled_from(_TRICKY_TEXT) | st.text(max_size=12)
    if hint is int:
        return st.integers(-(2**31) + 1, 2**31 - 1)
    if hint is float:
        return st.floats(allow_nan=False, allow_infinity=False) | st.integers(-1000, 1000)
    if hint is bool:
        return st.booleans()
    if hint is date:
        return st.dates().map(date.isoformat) | tricky
    if hint is time:
        return st.times().map(lambda t: t.isoformat(timespec="minutes")) | tricky
    if isinstance(hint, type) and issubclass(hint, Enum):
        return st.sampled_from([m.value for m in hint]) | tricky
    if origin in (typing.Union, __import__("types").UnionType):
        return st.none() | st.one_of([_fitting(a, clean) for a in args if a is not type(None)])
    if origin is list:
        return st.lists(_fitting(args[0], clean), max_size=3)
    if origin is dict:
        return st.dictionaries(st.text(max_size=4), st.text(max_size=4), max_size=3)
    return _json_value


@st.composite
def _inputs(draw: st.DrawFn) -> tuple[type[Record], dict[str, Any]]:
    cls = draw(st.sampled_from(ENTITIES))
    hints = typing.get_type_hints(cls)
    data: dict[str, Any] = {}
    clean = draw(st.booleans())  # values of the right kinds only: mostly converted plainly
    for f in entity_fields(cls):
        required = f.default is f.default_factory  # both MISSING
        if required and draw(st.integers(0, 20)) == 0:
            continue  # a required field left out, now and then
        if not required and draw(st.booleans()):
            continue
        wild = not clean and draw(st.integers(0, 9)) == 0
        data[f.name] = draw(_json_value if wild else _fitting(hints[f.name], clean))
    if not clean and draw(st.integers(0, 15)) == 0:
        data[draw(st.sampled_from(["colour", "Notes", "event date", "version"]))] = draw(_json_leaf)
    return cls, data


def _by_json(cls: type[Record], data: dict[str, Any]) -> dict[str, Any] | list[tuple[Any, ...]]:
    """What the JSON validation alone gives: the fields, or each error's place, type and message."""
    try:
        parsed = parsing._input_model(cls).model_validate_json(json.dumps(data))
    except ValidationError as error:
        return [(e["loc"], e["type"], e["msg"]) for e in error.errors()]
    return dict(parsed.__dict__)


def _typed(values: dict[str, Any]) -> dict[str, Any]:
    """The values with their types, so that 3 and 3.0, or a choice and its text, differ."""
    return {k: (type(v), [(type(i), i) for i in v] if isinstance(v, list) else v) for k, v in values.items()}


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_inputs())
def test_the_plain_conversion_gives_what_the_json_validation_gives_or_declines(
    given_input: tuple[type[Record], dict[str, Any]],
) -> None:
    cls, data = given_input
    try:
        cleaned = dict(parsing._cleaned(cls, data))
    except InvalidRecord:
        return  # refused before either validation runs
    plain = parsing._plainly(cls, cleaned)
    reference = _by_json(cls, cleaned)
    if plain is not None:
        assert isinstance(reference, dict), (data, reference)
        assert _typed(plain) == _typed(reference)
        assert list(plain) == list(reference)  # the fields in the same order


def _through_json(cls: type[Record], data: dict[str, Any]) -> Any:
    """What ``parse_values`` answered when every record went through the JSON validation: the
    typed fields, or the problems (record, field, reason) in order."""
    who = parsing._who(cls, data)
    system = sorted(set(data) & set(SYSTEM_FIELDS))
    if system:
        return [(who, name, "is kept by the system and cannot be set") for name in system]
    unstorable = [(who, str(name), why) for name, value in data.items() if (why := parsing.unstorable(value))]
    if unstorable:
        return unstorable
    try:
        cleaned = parsing._cleaned(cls, data)
    except InvalidRecord as refused:
        return [(p.record, p.field, p.reason) for p in refused.problems]
    try:
        parsed = parsing._input_model(cls).model_validate_json(json.dumps(dict(cleaned)))
    except ValidationError as error:
        return [(who, ".".join(str(p) for p in e["loc"]) or "(record)", parsing._reason(e)) for e in error.errors()]
    return _typed(dict(parsed.__dict__))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_inputs())
def test_parse_values_answers_what_it_answered_through_json(given_input: tuple[type[Record], dict[str, Any]]) -> None:
    cls, data = given_input
    try:
        parsed: Any = _typed(parsing.parse_values(cls, data))
    except InvalidRecord as refused:
        parsed = [(p.record, p.field, p.reason) for p in refused.problems]
    assert parsed == _through_json(cls, data)


def test_a_plain_incident_is_converted_without_the_json_validation() -> None:
    body = {"mission_id": 1, "external_id": "P-1", "event_date": "2021-03-04", "event_type": "Battles",
            "sub_event_type": "Armed clash", "location_name": "Kidal", "latitude": 18.44, "longitude": 1,
            "fatalities": 2, "responding_unit_ids": [3], "review_status": "draft"}  # fmt: skip
    plain = parsing._plainly(Incident, body)
    assert plain is not None
    assert plain["event_date"] == date(2021, 3, 4) and type(plain["longitude"]) is float
    assert _typed(plain) == _typed(typing.cast(dict[str, Any], _by_json(Incident, body)))
    for odd in ({"event_date": "2021-3-4"}, {"fatalities": "2"}, {"fatalities": True}, {"colour": "red"},
                {"event_type": "battles"}, {"latitude": "18.44"}):  # fmt: skip
        assert parsing._plainly(Incident, {**body, **odd}) is None, odd
    assert parsing._plainly(Incident, {k: v for k, v in body.items() if k != "event_date"}) is None
