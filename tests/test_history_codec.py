"""The audit codec gives back exactly what it was given, or says it cannot (and the entry is
stored with full images): for any images, values JSON tells apart (1, 1.0, true), keys added
or removed by a change, stamps that are not the entry's, and values a block cannot hold."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bluehelmet.storage.audit_codec import (
    Form,
    decode,
    decode_block,
    encode_block,
    encode_change,
    encode_creation,
    stamps,
)

AT = datetime(2026, 12, 7, 6, 19, 36, 306337, tzinfo=UTC)
LATER = AT + timedelta(minutes=5)

values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
    max_leaves=6,
)
fields = st.dictionaries(st.sampled_from(["a", "b", "notes", "fatalities", "tags", "x"]), values, max_size=6)


def _json(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


def _created(record_id: int, body: dict[str, Any]) -> dict[str, Any]:
    return {**stamps(record_id, 1, "importer", AT), **body}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])  # a shared machine
@given(fields, fields)
def test_any_creation_and_change_come_back_exactly(first: dict[str, Any], second: dict[str, Any]) -> None:
    created = _created(5, first)
    stored = encode_creation(5, 1, "importer", AT, created)
    assert stored is not None
    _, after = decode(Form.CREATE, 1, "importer", AT, 5, (None, stored), None)
    assert _json(after) == _json(created)

    changed = {**created, **second, "version": 2, "updated_at": LATER.isoformat(), "updated_by": "clerk"}
    for key in [k for k in first if k not in second][:1]:
        del changed[key]  # a field the change removes
    found = encode_change(2, "clerk", LATER, created, created, changed)
    assert found is not None
    before, rebuilt = decode(Form.CHANGE, 2, "clerk", LATER, 5, found, created)
    assert _json(before) == _json(created) and _json(rebuilt) == _json(changed)


def test_values_json_tells_apart_are_kept_apart() -> None:
    created = _created(1, {"count": 1, "flag": True, "ratio": 1.0})
    changed = {**created, "count": True, "flag": 1, "ratio": 1, "version": 2, "updated_at": LATER.isoformat()}
    old, new = encode_change(2, "importer", LATER, created, created, changed) or ({}, {})
    assert new == {"count": True, "flag": 1, "ratio": 1} and set(old) == {"count", "flag", "ratio"}
    _, rebuilt = decode(Form.CHANGE, 2, "importer", LATER, 1, (old, new), created)
    assert _json(rebuilt) == _json(changed)


def test_what_would_not_come_back_is_refused() -> None:
    created = _created(1, {"notes": "x"})
    assert encode_creation(2, 1, "importer", AT, created) is None  # another record's id
    assert encode_creation(1, 1, "someone else", AT, created) is None  # another actor
    assert encode_creation(1, 1, "importer", AT, {"notes": "x"}) is None  # no stamps (an account's entry)
    elsewhere = AT.astimezone(timezone(timedelta(hours=2)))
    assert encode_creation(1, 1, "importer", AT, {**created, "created_at": elsewhere.isoformat()}) is None
    # A change whose before-image is not the record's previous after-image.
    edited = {**created, "notes": "fixed by hand"}
    changed = {**edited, "version": 2, "updated_at": LATER.isoformat()}
    assert encode_change(2, "importer", LATER, created, edited, changed) is None
    # A change whose updated stamps are not the entry's own.
    odd = {**created, "notes": "y", "version": 2, "updated_at": LATER.isoformat(), "updated_by": "nobody"}
    assert encode_change(2, "importer", LATER, created, created, odd) is None


def test_a_block_holds_many_rows_and_refuses_what_json_cannot_hold() -> None:
    rows = {i: [f"note {i}", i * 1.5, None, ["a", i]] for i in range(1, 501)}
    data = encode_block(["notes", "ratio", "x", "tags"], rows)
    assert len(data) < 40 * len(rows)
    assert decode_block(data)[250] == {"notes": "note 250", "ratio": 375.0, "x": None, "tags": ["a", 250]}
    with pytest.raises(ValueError):
        encode_block(["ratio"], {1: [math.nan]})
