"""How an audit entry's before and after images are stored, and given back whole.

The history keeps every image exactly, but it does not store what it can work out again:

- ``FULL``: both images as they are (the entries written before revision 0025 that did not
  fit a shorter form, the accounts' entries, any image the other forms would not give back).
- ``CREATE``: a creation's after-image without its stamps (id, version, who and when created
  and updated, the deletion marks), which are the entry's own columns.
- ``BLOCK``: the creations of one batch of an import, one compressed block per batch
  (``audit_block``: the image's keys once, then each key's values, column by column: a column's
  values side by side compress to about a third less than the same rows one by one; blocks
  written before issue 29 hold one array a record and are read as they are).
- ``RUN``: the same block's creation of its last record, standing also for the creations of the
  block's other records, whose entries are not stored one by one: the block holds the run of
  entry ids they were given (``first_entry_id`` to this entry's id, in the order of the records'
  ids), and they share this entry's actor and time (``audit_store`` gives them back as entries).
- ``CHANGE``: an update, delete or restore: only the fields that changed, before and after
  (the version and the updated stamps are the entry's own columns). Its full before-image is
  the record's previous after-image, so the form is chosen only when they are equal.

Every encoding is decoded again before it is chosen; an image that would not come back equal
is stored ``FULL``. Pure: no SQL here (``audit_store`` reads and writes).
"""

from __future__ import annotations

import base64
import json
import re
import zlib
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from enum import IntEnum, StrEnum
from itertools import accumulate, islice
from operator import le, sub
from typing import Any

from bluehelmet.domain.records import JSONValue

__all__ = [
    "STAMPS",
    "Form",
    "Image",
    "Layout",
    "block_text",
    "column_text",
    "compress_block",
    "decode",
    "decode_block",
    "encode_block",
    "encode_change",
    "encode_columns",
    "encode_creation",
    "opened_block",
    "same",
    "stamps",
]

Image = dict[str, JSONValue]


class Form(IntEnum):
    FULL = 0
    CHANGE = 1
    CREATE = 2
    BLOCK = 3
    RUN = 4


class Layout(StrEnum):
    """How a block's text holds its rows: one array a record (written before issue 29's
    columns, still read), or one line a key (written since)."""

    ROWS = "rows"
    COLUMNS = "columns"


_UUID_TEXT = 36
_UUIDS = re.compile("(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})*")

#: The fields of a creation's image that the entry's own columns give (in the images' order).
STAMPS = ("id", "version", "created_at", "created_by", "updated_at", "updated_by", "deleted_at", "deleted_by")
#: The fields every change sets from the entry's own columns.
_CHANGE_STAMPS = ("version", "updated_at", "updated_by")


def stamps(record_id: int, version: int, actor: str, at: datetime) -> Image:
    """A creation's stamps, as the entry's columns give them."""
    moment = _moment(at)
    return {"id": record_id, "version": version, "created_at": moment, "created_by": actor,
            "updated_at": moment, "updated_by": actor, "deleted_at": None, "deleted_by": None}  # fmt: skip


def _moment(at: datetime) -> str:
    """A moment as the images write it, and as the entry's column gives it back (in UTC)."""
    return at.astimezone(UTC).isoformat()


def _creation(stamped: Image, values: Mapping[str, JSONValue]) -> Image:
    return {**stamped, **values}


def encode_creation(record_id: int, version: int, actor: str, at: datetime, after: Image) -> Image | None:
    """The after-image of a creation without its stamps, or None if it does not come back equal."""
    stamped = stamps(record_id, version, actor, at)
    # The stamps are scalars (a number, a text, null): equal and of the same type is equal as JSON.
    # The values are taken as they are, so the image comes back whole when the stamps do.
    if list(after)[: len(STAMPS)] != list(STAMPS) or any(
        type(after[k]) is not type(v) or after[k] != v for k, v in stamped.items()
    ):
        return None
    return {k: v for k, v in after.items() if k not in stamped}


def encode_change(
    version: int, actor: str, at: datetime, previous: Image, before: Image, after: Image
) -> tuple[Image, Image] | None:
    """The fields that changed, before and after (stamps left out), or None when ``before`` is
    not the previous after-image or the change would not come back equal."""
    if not same(before, previous):
        return None
    changed = [k for k in {**before, **after} if k not in _CHANGE_STAMPS and (
        k not in before or k not in after or not same(before[k], after[k]))]  # fmt: skip
    old = {k: before[k] for k in changed if k in before}
    new = {k: after[k] for k in changed if k in after}
    if not same(_apply(version, actor, at, previous, old, new), after):
        return None
    return old, new


def same(a: Any, b: Any) -> bool:
    """Equal as JSON says it: ``1``, ``1.0`` and ``true`` differ (Python's ``==`` would not tell)."""
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


def _apply(version: int, actor: str, at: datetime, previous: Image, old: Image, new: Image) -> Image:
    image = dict(previous)
    for key in old:
        if key not in new:
            del image[key]
    image.update(new)
    image.update(version=version, updated_at=_moment(at), updated_by=actor)
    return image


def decode(
    form: int,
    version: int,
    actor: str,
    at: datetime,
    record_id: int,
    stored: tuple[Any, Any],
    previous: Image | None,
    block_row: Image | None = None,
) -> tuple[Image | None, Image | None]:
    """The entry's full before and after images from what is stored. ``previous`` is the
    record's after-image of the entry before (needed by a change); ``block_row`` the values
    of a creation kept in a block (keys in the image's order, stamps left out)."""
    before, after = stored
    if form == Form.FULL:
        return before, after
    if form == Form.CREATE:
        return None, _creation(stamps(record_id, version, actor, at), after)
    if form in (Form.BLOCK, Form.RUN):
        if block_row is None:
            raise ValueError(f"audit entry of record {record_id}: its block is missing")
        return None, _creation(stamps(record_id, version, actor, at), block_row)
    if previous is None:
        raise ValueError(f"audit entry of record {record_id}: a change with no entry before it")
    return dict(previous), _apply(version, actor, at, previous, before, after)


def encode_block(keys: Sequence[str], rows: Mapping[int, Sequence[JSONValue]]) -> bytes:
    """Creations' values (by record id, in ``keys`` order) as one compressed block, by column
    (ValueError for a value JSON cannot hold, NaN, or a row that is not one value a key)."""
    return compress_block(block_text(keys, rows))


def block_text(keys: Sequence[str], rows: Mapping[int, Sequence[JSONValue]], layout: Layout = Layout.COLUMNS) -> bytes:
    """A block's text before it is compressed, in ``layout`` (a backup rebuilds it from the
    records' rows, in the layout the block was written in)."""
    if layout == Layout.ROWS:
        return _dumps({"keys": list(keys), "ids": list(rows), "rows": list(rows.values())})
    if any(len(row) != len(keys) for row in rows.values()):
        raise ValueError("a block's row is not one value a key")
    columns: list[Any] = [list(c) for c in zip(*rows.values(), strict=True)] if rows else [[] for _ in keys]
    return column_text(keys, list(rows), columns)


def encode_columns(keys: Sequence[str], ids: Sequence[int], columns: Sequence[Sequence[JSONValue]]) -> bytes:
    """``encode_block`` of the same creations given by column (``columns[k][i]`` the value of
    ``keys[k]`` for ``ids[i]``): the same bytes, without a row made of each record and taken
    apart again (a columnar import holds its values as columns already)."""
    return compress_block(column_text(keys, ids, columns))


def column_text(keys: Sequence[str], ids: Sequence[int], columns: Sequence[Sequence[JSONValue]]) -> bytes:
    """A block's text in ``Layout.COLUMNS`` from its values by column (ValueError unless one
    column a key, of one value a record)."""
    if len(columns) != len(keys) or any(len(column) != len(ids) for column in columns):
        raise ValueError("a block's row is not one value a key")
    lines: list[Any] = [c if isinstance(c, list) else list(c) for c in columns]  # the caller's lists kept
    uuids, deltas = [], []
    for position, column in enumerate(lines):
        if (packed := _packed(column)) is not None:
            lines[position] = packed
            uuids.append(position)
        elif _rising(column):
            lines[position] = _deltas(column)
            deltas.append(position)
    header = {"layout": str(Layout.COLUMNS), "keys": list(keys), "ids": _deltas(list(ids)),
              "uuids": uuids, "deltas": deltas}  # fmt: skip
    return b"\n".join([_dumps(header), *map(_dumps, lines)])


def compress_block(text: bytes) -> bytes:
    """A block's text compressed as it is stored: zlib level 6, each line its own deflate block
    (a column's own codes; matches still reach back into the columns before it). A row-major
    text is one line: its bytes are ``zlib.compress(text, 6)``'s, as they always were."""
    compressor = zlib.compressobj(6)
    *lines, last = text.split(b"\n")
    parts = [compressor.compress(line + b"\n") + compressor.flush(zlib.Z_BLOCK) for line in lines]
    return b"".join([*parts, compressor.compress(last), compressor.flush()])


def decode_block(data: bytes) -> dict[int, Image]:
    """Each record's values from a block (either layout), by record id."""
    return opened_block(zlib.decompress(data))[1]


def opened_block(text: bytes) -> tuple[Layout, dict[int, Image]]:
    """A block's layout and each record's values, by record id, from its text."""
    first, _, rest = text.partition(b"\n")
    header = json.loads(first)
    keys = header["keys"]
    if header.get("layout") != Layout.COLUMNS:
        rows = zip(header["ids"], header["rows"], strict=True)
        return Layout.ROWS, {int(i): dict(zip(keys, row, strict=True)) for i, row in rows}
    ids = list(accumulate(header["ids"]))
    columns = [json.loads(line) for line in rest.split(b"\n")] if keys else []
    if len(columns) != len(keys) or any(len(c) != len(ids) for c in columns if isinstance(c, list)):
        raise ValueError("a block's columns are not one a key, of one value a record")
    for position in header["uuids"]:
        columns[position] = _unpacked(columns[position], len(ids))
    for position in header["deltas"]:
        columns[position] = list(accumulate(columns[position]))
    if not keys:
        return Layout.COLUMNS, {i: {} for i in ids}
    records = zip(ids, zip(*columns, strict=True), strict=True)
    return Layout.COLUMNS, {i: dict(zip(keys, row, strict=True)) for i, row in records}


def _dumps(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode()


def _deltas(numbers: Sequence[int]) -> list[int]:
    return list(map(sub, numbers, [0, *numbers]))


def _rising(column: list[Any]) -> bool:
    """Whole numbers that never go down (record ids, moments): their differences compress to
    almost nothing, where those of numbers that go up and down compress worse than they."""
    if not column or type(column[0]) is not int:
        return False
    try:  # most columns are told apart at their first values, in C
        rising = all(map(le, column, islice(column, 1, None)))
    except TypeError:  # a number beside a text or null
        return False
    return rising and set(map(type, column)) == {int}  # not true beside 1, nor 1.5


def _packed(column: list[Any]) -> str | None:
    """A column of UUIDs in their canonical text as the base64 of their 16 bytes each (21 bytes
    compressed become 16), or None when any value is not one."""
    if not column or type(column[0]) is not str or len(column[0]) != _UUID_TEXT:
        return None
    try:
        joined = "".join(column) if set(map(len, column)) == {_UUID_TEXT} else ""
    except TypeError:  # a value that is not a text
        return None
    if not joined or _UUIDS.fullmatch(joined) is None:
        return None
    return base64.b64encode(bytes.fromhex(joined.replace("-", ""))).decode("ascii")


def _unpacked(packed: Any, count: int) -> list[str]:
    raw = base64.b64decode(packed, validate=True)
    if len(raw) != 16 * count:
        raise ValueError("a block's column of UUIDs does not hold one a record")
    h = raw.hex()
    return [f"{h[i:i + 8]}-{h[i + 8:i + 12]}-{h[i + 12:i + 16]}-{h[i + 16:i + 20]}-{h[i + 20:i + 32]}"
            for i in range(0, len(h), 32)]  # fmt: skip
