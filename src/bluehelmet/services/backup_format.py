"""How a backup holds each table: its file in the archive, written and read back.

Format 2 (written since issue 29): ``tables/<table>.jsonl.xz``, an xz stream stored as it is in
the zip. Its first line is a JSON array of the table's column names; each line after it is a
chunk of up to 10,000 rows, written by column (a JSON array holding, for each column, the array
of its values): a column's values side by side compress to about a third less than the same
rows one by one. Values are written as in format 1 (dates and times in ISO 8601, moments in UTC,
binary data in base64).

The history's compressed blocks (``audit_block.data``, the creations of an import) are not
carried as their bytes: a block repeats the values of the records it created, which the archive
holds already, and compressed bytes do not compress again. A block is carried as its entity,
keys and record ids, the values that differ from each record's row at the time of the backup
(a record changed since its import), its layout (``"layout": "columns"`` for a block written by
column since issue 29; none for one written by row, as archives made before hold them) and the
SHA-256 of its text. A restore rebuilds the text from the rows it has just written, in the
block's layout, refuses the archive if the digest differs, and compresses it again
(``audit_codec.compress_block``). A block that would not come back byte for byte here is
carried as its bytes.

Format 1 (read): ``tables/<table>.jsonl``, deflated in the zip, one JSON object a row.

In both, the manifest's SHA-256 of a table is of its text as written, before compression.
"""

from __future__ import annotations

import base64
import hashlib
import json
import lzma
import zipfile
import zlib
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, date, datetime, time
from enum import Enum
from typing import IO, Any

from sqlalchemy import Connection, Date, DateTime, LargeBinary, Table, Time, select

from bluehelmet.domain.catalogue import entity_class
from bluehelmet.storage import audit_codec
from bluehelmet.storage.tables import TABLES, audit_block_table
from bluehelmet.storage.types import UTCDateTime

__all__ = ["CHUNK", "RowError", "count", "read_rows", "write_table"]

#: Rows a chunk of format 2 holds (and a restore inserts at once).
CHUNK = 10_000
_PRESET = 6  # xz: -9 compresses 1-2% more, with ten times the memory


class RowError(ValueError):
    """A line of a table file that is not rows of its table: where it is, and why."""

    def __init__(self, where: str, reason: str) -> None:
        super().__init__(f"{where}: {reason}")
        self.where = where
        self.reason = reason


def _encode(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, bytes | memoryview):  # attachments' content, a block kept as its bytes
        return base64.b64encode(bytes(value)).decode("ascii")
    raise TypeError(f"{type(value).__name__} is not a JSON value")


def _line(value: Any) -> bytes:
    text = json.dumps(value, default=_encode, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    return (text + "\n").encode()


def write_table(
    connection: Connection, table: Table, archive: zipfile.ZipFile, told: Callable[[int], None]
) -> dict[str, Any]:
    """Write ``table`` in format 2; ``told`` hears the rows written so far after each chunk."""
    name = f"tables/{table.name}.jsonl.xz"
    digest = hashlib.sha256()
    rows = 0
    columns = list(table.columns.keys())
    data = columns.index("data") if table is audit_block_table else -1
    stmt = select(table).order_by(*table.primary_key.columns)
    with (
        archive.open(zipfile.ZipInfo(name), "w", force_zip64=True) as member,
        lzma.open(member, "wb", preset=_PRESET) as out,
    ):
        header = _line(columns)
        digest.update(header)
        out.write(header)
        for part in connection.execution_options(yield_per=CHUNK).execute(stmt).partitions(CHUNK):
            values = [list(column) for column in zip(*part, strict=True)]
            if data >= 0:
                entities = values[columns.index("entity")]
                values[data] = [_carried(connection, e, bytes(d)) for e, d in zip(entities, values[data], strict=True)]
            line = _line(values)
            digest.update(line)
            out.write(line)
            rows += len(part)
            told(rows)
    return {"file": name, "rows": rows, "sha256": digest.hexdigest()}


def _image_value(value: Any) -> Any:
    """A column's value as an audit image holds it (``domain.records.snapshot``)."""
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return value


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def _records(connection: Connection, entity: str, ids: list[int]) -> dict[int, Any]:
    """The rows of the records a block created (their ids are consecutive: one range, no list)."""
    table = TABLES[entity_class(entity)]
    if not ids:
        return {}
    stmt = select(table).where(table.c.id.between(min(ids), max(ids)))
    wanted = set(ids)
    return {row["id"]: row for row in connection.execute(stmt).mappings() if row["id"] in wanted}


def _rebuilt(carried: Mapping[str, Any], rows: Mapping[int, Mapping[str, Any]]) -> bytes:
    keys = carried["keys"]
    layout = audit_codec.Layout(carried.get("layout", audit_codec.Layout.ROWS))  # archives before issue 29's columns
    differ = {int(position): values for position, values in carried["differ"]}
    found: dict[int, list[Any]] = {}
    for position, record_id in enumerate(carried["ids"]):
        row = rows.get(record_id, {})
        own = {k: _image_value(row[k]) for k in keys if k in row} | differ.get(position, {})
        found[record_id] = [own[k] for k in keys]
    return audit_codec.block_text(keys, found, layout)


def _carried(connection: Connection, entity: str, data: bytes) -> Any:
    """A block as format 2 carries it: what its records' rows do not say, or else its bytes."""
    try:
        text = zlib.decompress(data)
        if audit_codec.compress_block(text) != data:  # written by another zlib: rebuilt, it would not be the same bytes
            return data
        layout, images = audit_codec.opened_block(text)
        rows = _records(connection, entity, list(images))
    except (zlib.error, ValueError, KeyError, TypeError):
        return data
    keys = list(next(iter(images.values()), {}))
    differ = []
    for position, (record_id, image) in enumerate(images.items()):
        row = rows.get(record_id, {})
        own = {k: v for k, v in image.items() if k not in row or _json(_image_value(row[k])) != _json(v)}
        if own:
            differ.append([position, own])
    carried = {"entity": entity, "keys": keys, "ids": list(images), "differ": differ,
               "sha256": hashlib.sha256(text).hexdigest()}  # fmt: skip
    if layout != audit_codec.Layout.ROWS:
        carried["layout"] = str(layout)  # a block written by row carries none, as it always did
    try:
        same = _rebuilt(carried, rows) == text
    except (KeyError, ValueError, TypeError):
        same = False
    return {"block": carried} if same else data


def _rebuild(connection: Connection, value: Any) -> bytes:
    """A carried block's bytes, rebuilt from the rows restored (ValueError if they do not give it)."""
    carried = value.get("block") if isinstance(value, dict) else None
    valid = isinstance(carried, dict) and isinstance(carried.get("entity"), str) and all(
        isinstance(carried.get(k), list) for k in ("keys", "ids", "differ")
    ) and isinstance(carried.get("sha256"), str)  # fmt: skip
    if not isinstance(carried, dict) or not valid:
        raise ValueError("a block of the history is neither base64 nor a block to rebuild")
    try:
        text = _rebuilt(carried, _records(connection, carried["entity"], [int(i) for i in carried["ids"]]))
    except (KeyError, ValueError, TypeError) as error:
        raise ValueError(f"a block of the history cannot be rebuilt ({type(error).__name__}: {error})") from None
    if hashlib.sha256(text).hexdigest() != carried["sha256"]:
        raise ValueError("a block of the history does not rebuild to its checksum from the records restored")
    return audit_codec.compress_block(text)


def _decoders(table: Table, connection: Connection) -> dict[str, Callable[[Any], Any]]:
    decoders: dict[str, Callable[[Any], Any]] = {}
    for column in table.columns:
        kind = column.type
        if isinstance(kind, UTCDateTime | DateTime):
            decoders[column.name] = datetime.fromisoformat
        elif isinstance(kind, Date):
            decoders[column.name] = date.fromisoformat
        elif isinstance(kind, Time):
            decoders[column.name] = time.fromisoformat
        elif isinstance(kind, LargeBinary):
            decoders[column.name] = lambda value: _binary(value, connection)
    return decoders


def _binary(value: Any, connection: Connection) -> bytes:
    if isinstance(value, dict):
        return _rebuild(connection, value)
    if not isinstance(value, str):
        raise ValueError("binary data is not base64 text")
    return base64.b64decode(value, validate=True)


def _member(archive: zipfile.ZipFile, entry: Mapping[str, Any], version: int) -> IO[bytes]:
    handle = archive.open(str(entry["file"]))
    return handle if version == 1 else lzma.open(handle, "rb")


def _chunk(line: bytes, width: int) -> list[list[Any]]:
    """A chunk's columns, checked to be ``width`` arrays of one length."""
    chunk = json.loads(line)
    if not isinstance(chunk, list) or len(chunk) != width or not all(isinstance(c, list) for c in chunk):
        raise ValueError(f"a chunk is not {width} arrays of values")
    if len({len(c) for c in chunk}) > 1:
        raise ValueError("a chunk's columns are of different lengths")
    return chunk


def _header(line: bytes) -> list[str]:
    columns = json.loads(line)
    if not isinstance(columns, list) or not all(isinstance(c, str) for c in columns):
        raise ValueError("the first line is not the list of column names")
    return columns


def count(archive: zipfile.ZipFile, entry: Mapping[str, Any], version: int) -> tuple[int, str]:
    """A table file's rows and the SHA-256 of its text (errors of the file's reading, its
    compression or its shape are raised: ValueError, KeyError, OSError, EOFError, LZMAError)."""
    digest = hashlib.sha256()
    rows = 0
    with _member(archive, entry, version) as handle:
        if version == 1:
            for line in handle:
                digest.update(line)
                rows += 1
            return rows, digest.hexdigest()
        width = -1
        for line in handle:
            digest.update(line)
            if width < 0:
                width = len(_header(line))
            else:
                chunk = _chunk(line, width)
                rows += len(chunk[0]) if chunk else 0
    return rows, digest.hexdigest()


def read_rows(
    archive: zipfile.ZipFile, table: Table, entry: Mapping[str, Any], version: int, connection: Connection
) -> Iterator[dict[str, Any]]:
    """Each row of a table file, decoded; RowError says where a row is wrong and why."""
    decoders = _decoders(table, connection)
    known = set(table.columns.keys())
    with _member(archive, entry, version) as handle:
        columns: list[str] = []
        for number, line in enumerate(handle, start=1):
            where = f"line {number}"
            try:
                if version == 1:
                    found = [json.loads(line)]
                    if not isinstance(found[0], dict):
                        raise ValueError("a row is not a JSON object")
                elif not columns:
                    columns = _header(line)
                    found = []
                else:
                    chunk = _chunk(line, len(columns))
                    found = [dict(zip(columns, values, strict=True)) for values in zip(*chunk, strict=True)]
                unknown = set(columns) - known if version == 2 else set().union(*found) - known
                if unknown:
                    raise ValueError(f"unknown columns {sorted(unknown)}")
            except (ValueError, TypeError) as error:
                raise RowError(where, str(error)) from None
            for row in found:
                try:
                    decoded = {k: (decoders[k](v) if v is not None and k in decoders else v) for k, v in row.items()}
                except (ValueError, TypeError) as error:  # a bad base64 block is a ValueError too
                    raise RowError(where, str(error)) from None
                yield decoded
