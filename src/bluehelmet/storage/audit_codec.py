"""How an audit entry's before and after images are stored, and given back whole.

The history keeps every image exactly, but it does not store what it can work out again:

- ``FULL``: both images as they are (the entries written before revision 0025 that did not
  fit a shorter form, the accounts' entries, any image the other forms would not give back).
- ``CREATE``: a creation's after-image without its stamps (id, version, who and when created
  and updated, the deletion marks), which are the entry's own columns.
- ``BLOCK``: the creations of one batch of an import, one compressed block of rows per batch
  (``audit_block``: the image's keys once, then each record's values); about 40 bytes a row.
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

import json
import zlib
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from enum import IntEnum
from typing import Any

from bluehelmet.domain.records import JSONValue

__all__ = [
    "STAMPS",
    "Form",
    "Image",
    "block_text",
    "decode",
    "decode_block",
    "encode_block",
    "encode_change",
    "encode_creation",
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
    """Creations' values (by record id, in ``keys`` order) as one compressed block."""
    return zlib.compress(block_text(keys, rows), 6)


def block_text(keys: Sequence[str], rows: Mapping[int, Sequence[JSONValue]]) -> bytes:
    """A block's text before it is compressed (a backup rebuilds it from the records' rows)."""
    document = {"keys": list(keys), "ids": list(rows), "rows": list(rows.values())}
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode()


def decode_block(data: bytes) -> dict[int, Image]:
    """Each record's values from a block, by record id."""
    document = json.loads(zlib.decompress(data))
    keys = document["keys"]
    return {int(i): dict(zip(keys, row, strict=True)) for i, row in zip(document["ids"], document["rows"], strict=True)}
