"""An import's creations kept in a block by column (issue 29): every value comes back as it was
written, whatever the column holds; blocks written by row before still read, and both layouts
compress again to the same bytes (what a backup relies on to carry a block short)."""

from __future__ import annotations

import base64
import json
import math
import random
import uuid
import zlib
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bluehelmet.storage.audit_codec import (
    Layout,
    block_text,
    compress_block,
    decode_block,
    encode_block,
    encode_columns,
    opened_block,
)

#: A block as bluehelmet wrote it before issue 29 (by row), kept as its bytes: it must read forever.
OLD_BLOCK = base64.b64decode(
    "eJwdjEEOgjAQRa9iZj01tBRo3XkO6GLaTg2RQFJKjDGeyUN4McHVfy95+S+483OFSw/bGAFhXgqv+yYqNI1l/Euh2woOYYxH2aHZOS+PQ3pQ"
    "SXITJAnruyh0qFkYapOoovKaWzJBpv3j6vn78ZQJTwPMTHkAwBp7IEB5bpzb0YbKy6hY1EmT0L4JwsaWRZdMZSUpXwcNOG/ThCVvjL1z7v0D"
    "cPk6Gg=="
)

values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
    max_leaves=6,
)
uuids = st.uuids().map(str)


def _column(n: int) -> st.SearchStrategy[list[Any]]:
    """A column of ``n`` values: anything, or what the block writes shorter (UUIDs, numbers that
    never go down), or something close to those that must not be taken for them."""
    exactly = {"min_size": n, "max_size": n}
    return st.one_of(
        st.lists(values, **exactly),
        st.lists(uuids, **exactly),
        st.lists(st.integers(), **exactly).map(sorted),
        st.lists(uuids | st.none() | uuids.map(str.upper) | uuids.map(lambda u: u.replace("-", "")), **exactly),
        st.lists(st.integers(0, 2) | st.booleans(), **exactly).map(sorted),  # 0 <= False < True <= 2
        st.lists(st.integers() | st.floats(-5, 5), **exactly).map(sorted),
    )


@st.composite
def blocks(draw: st.DrawFn) -> tuple[list[str], dict[int, list[Any]]]:
    keys = draw(st.lists(st.text(max_size=5), unique=True, max_size=6))
    n = draw(st.integers(0, 12))
    ids = draw(st.lists(st.integers(1, 2**40), unique=True, min_size=n, max_size=n))
    columns = [draw(_column(n)) for _ in keys]
    return keys, {record_id: [c[row] for c in columns] for row, record_id in enumerate(ids)}


def _json(value: Any) -> str:
    """As JSON says it: 1, 1.0, true and -0.0, 0.0 differ (Python's ``==`` would not tell)."""
    return json.dumps(value, sort_keys=True)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])  # a shared machine
@given(blocks())
def test_every_value_written_in_a_block_comes_back_exactly(block: tuple[list[str], dict[int, list[Any]]]) -> None:
    keys, rows = block
    data = encode_block(keys, rows)
    images = decode_block(data)
    assert list(images) == list(rows)
    assert _json(images) == _json({i: dict(zip(keys, row, strict=True)) for i, row in rows.items()})
    assert compress_block(zlib.decompress(data)) == data  # a backup rebuilds it byte for byte
    columns = [[row[k] for row in rows.values()] for k in range(len(keys))]
    assert encode_columns(keys, list(rows), columns) == data  # a columnar import's block, the same bytes


def test_the_values_a_column_is_taken_apart_for_come_back_as_they_were() -> None:
    keys = ["uid", "upper", "at", "flags", "big", "zero", "notes", "tags"]
    rows = {
        10: [
            str(uuid.UUID(int=1)),
            "0D2B4E6A-8c1f-4c3e-8a6f-0d2b4e6a8c1f",
            1640995201,
            0,
            2**70,
            -0.0,
            "Ménaka\n",
            [[1]],
        ],
        11: [
            str(uuid.UUID(int=2**128 - 1)),
            "0d2b4e6a-8c1f-4c3e-8a6f-0d2b4e6a8c1f",
            1640995201,
            True,
            2**80,
            0.0,
            None,
            [],
        ],
        13: [str(uuid.UUID(int=5)), str(uuid.UUID(int=6)), 1640995300, 1, -(2**90), 0, "\u2028", [None, True, 1.5]],
    }
    data = encode_block(keys, rows)
    layout, images = opened_block(zlib.decompress(data))
    header = json.loads(zlib.decompress(data).split(b"\n")[0])
    assert layout == Layout.COLUMNS and header["uuids"] == [0] and header["deltas"] == [2]
    assert header["ids"] == [10, 1, 2]
    for record_id, row in rows.items():
        assert _json(images[record_id]) == _json(dict(zip(keys, row, strict=True)))
    assert math.copysign(1, images[10]["zero"]) == -1 and images[11]["flags"] is True and images[13]["flags"] == 1


def test_a_block_written_by_row_before_still_reads() -> None:
    layout, images = opened_block(zlib.decompress(OLD_BLOCK))
    assert layout == Layout.ROWS
    assert images == {
        7: {
            "uid": "2f1e5c1a-9b7d-4c3e-8a6f-0d2b4e6a8c1f",
            "notes": 'Abeïbara, "near"',
            "fatalities": 3,
            "tags": ["a", 1.5],
        },
        8: {"uid": "9c0b1d2e-3f4a-4b5c-9d6e-7f8091a2b3c4", "notes": None, "fatalities": True, "tags": []},
    }
    assert decode_block(OLD_BLOCK) == images
    # Rebuilt from its values in its own layout, it is the same text and the same bytes.
    rows = {i: list(image.values()) for i, image in images.items()}
    assert compress_block(block_text(list(images[7]), rows, Layout.ROWS)) == OLD_BLOCK
    assert compress_block(zlib.decompress(OLD_BLOCK)) == OLD_BLOCK == zlib.compress(zlib.decompress(OLD_BLOCK), 6)
    assert _json(decode_block(encode_block(list(images[7]), rows))) == _json(images)


def test_a_block_by_column_is_shorter_than_by_row() -> None:
    pick = random.Random(29)
    places = ["Abeïbara", "Taoudenni", "Kidal", "Ménaka", "Gao", "Tessalit"]
    rows = {
        1000 + n: [
            str(uuid.UUID(int=pick.getrandbits(128), version=4)), "ACLED", f"MLI{n}", 1640995201 + n * 17,
            pick.choice(places), round(pick.uniform(14, 25), 4), pick.randrange(4), [],
            f"On {n % 28 + 1:02} January 2012, armed clash near {pick.choice(places)}.",
        ]
        for n in range(2000)
    }  # fmt: skip
    keys = [
        "uid",
        "provenance",
        "external_id",
        "source_timestamp",
        "location",
        "latitude",
        "fatalities",
        "tags",
        "notes",
    ]
    by_row = zlib.compress(block_text(keys, rows, Layout.ROWS), 6)
    by_column = encode_block(keys, rows)
    assert len(by_column) < 0.75 * len(by_row)
    assert _json(decode_block(by_column)) == _json(decode_block(by_row))


def test_what_a_block_cannot_hold_is_refused() -> None:
    for bad in (math.nan, math.inf):
        with pytest.raises(ValueError):
            encode_block(["ratio", "uid"], {1: [bad, str(uuid.UUID(int=1))], 2: [1.0, str(uuid.UUID(int=2))]})
    with pytest.raises(ValueError):
        encode_block(["a", "b"], {1: [1, 2], 2: [3]})  # a row short of a value
    assert decode_block(encode_block([], {4: [], 5: []})) == {4: {}, 5: {}}
    assert decode_block(encode_block(["a"], {})) == {}
