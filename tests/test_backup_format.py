"""The archive's format 2 (issue 29): tables by column in xz, the history's blocks carried as what
the records' rows do not say and rebuilt on restore, by row or by column as they were written;
archives of format 1 still restore; an archive whose blocks do not rebuild is refused whole; a
long table tells its progress."""

from __future__ import annotations

import base64
import hashlib
import json
import zipfile
import zlib
from datetime import UTC, date, datetime, time
from enum import Enum
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bluehelmet.services import backup as backups
from bluehelmet.services import records
from bluehelmet.services.backup import BackupError, backup, restore, signature_of
from bluehelmet.services.database import Database
from bluehelmet.storage import audit_codec
from bluehelmet.storage.audit_codec import block_text
from bluehelmet.storage.tables import audit_block_table, metadata
from tests.test_backup import KEY, Fresh, _images, _row_count, _tables, fresh, lines_of, set_lines, spare_postgres
from tests.test_history_encoding import _import, _synth_mission

ROWS = audit_codec.Layout.ROWS

__all__ = ["fresh", "spare_postgres"]  # the fixtures, shared with the backup tests


def _imported(db: Database, tmp_path: Path, n: int = 40) -> None:
    """A mission with an import's creations in blocks, one of them changed since."""
    events = _synth_mission(db, tmp_path, n)
    _import(db, tmp_path / "events.csv", events, list(events[0]))
    with db.transaction("clerk") as tx:
        first = records.list_records(tx, "Incident", limit=1)[0]
        records.update(tx, "Incident", first.id or 0, {"notes": "Seen again on the 3rd."}, version=1)


def _parts(archive: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(archive) as source:
        return {name: source.read(name) for name in source.namelist()}


def _write(parts: dict[str, bytes], target: Path, manifest: dict[str, Any] | None = None) -> Path:
    if manifest is not None:
        parts["manifest.json"] = json.dumps(manifest, indent=2).encode()
        parts["signature.json"] = json.dumps(signature_of(parts["manifest.json"], KEY)).encode()
    with zipfile.ZipFile(target, "w") as out:
        for name, data in parts.items():
            out.writestr(name, data)
    return target


def test_blocks_are_carried_short_and_rebuilt_byte_for_byte(db: Database, fresh: Fresh, tmp_path: Path) -> None:
    _imported(db, tmp_path)
    made = backup(db, tmp_path / "short.zip", key=KEY)
    assert made.format_version == 2 and made.tables["audit_block"]["rows"] >= 1
    lines = lines_of(_parts(tmp_path / "short.zip"), "audit_block")
    carried = [value["block"] for chunk in lines[1:] for value in chunk[lines[0].index("data")]]
    assert carried and all(set(c) == {"entity", "keys", "ids", "differ", "sha256", "layout"} for c in carried)
    assert {c["layout"] for c in carried} == {"columns"}
    # The record changed since its import keeps its creation's value in the block; no other does.
    differ = [values for c in carried for _, values in c["differ"]]
    assert len(differ) == 1 and list(differ[0]) == ["notes"] and differ[0]["notes"] != "Seen again on the 3rd."
    other = fresh(db.engine.dialect.name)
    restore(other, tmp_path / "short.zip")
    assert _tables(other) == _tables(db)  # the blocks' bytes too
    assert _images(other) == _images(db)


def test_blocks_written_by_row_and_by_column_restore_byte_for_byte(
    db: Database, fresh: Fresh, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    events = _synth_mission(db, tmp_path, 40)
    columns = list(events[0])
    with monkeypatch.context() as before:  # an import of a bluehelmet before issue 29: blocks by row
        before.setattr(audit_codec, "encode_block", lambda keys, rows: zlib.compress(block_text(keys, rows, ROWS), 6))
        _import(db, tmp_path / "before.csv", events[:25], columns)
    _import(db, tmp_path / "since.csv", events[25:], columns)
    with db.transaction("clerk") as tx:  # a record of each import changed since
        written = sorted(records.list_records(tx, "Incident", limit=40), key=lambda r: r.id or 0)
        for record in (written[0], written[-1]):
            records.update(tx, "Incident", record.id or 0, {"notes": "Seen again on the 3rd."}, version=1)
    with db.engine.connect() as conn:
        blocks = [
            audit_codec.opened_block(zlib.decompress(d))[0] for d in conn.scalars(select(audit_block_table.c.data))
        ]
    assert ROWS in blocks and audit_codec.Layout.COLUMNS in blocks
    backup(db, tmp_path / "both.zip", key=KEY)
    lines = lines_of(_parts(tmp_path / "both.zip"), "audit_block")
    carried = [value["block"] for chunk in lines[1:] for value in chunk[lines[0].index("data")]]
    assert sorted(c.get("layout", "rows") for c in carried) == sorted(blocks)  # every block carried short
    assert sorted(c.get("layout", "rows") for c in carried for _ in c["differ"]) == ["columns", "rows"]
    for backend in (db.engine.dialect.name, "postgresql" if db.engine.dialect.name == "sqlite" else "sqlite"):
        other = fresh(backend)
        restore(other, tmp_path / "both.zip")
        assert _tables(other)["audit_block"] == _tables(db)["audit_block"]  # the blocks' bytes, either layout
        assert _images(other) == _images(db)


def test_an_archive_whose_block_does_not_rebuild_is_refused_whole(db: Database, fresh: Fresh, tmp_path: Path) -> None:
    _imported(db, tmp_path, 12)
    backup(db, tmp_path / "good.zip", key=KEY)
    parts = _parts(tmp_path / "good.zip")
    manifest = json.loads(parts["manifest.json"])

    def with_block(change: Any, name: str) -> Path:
        lines = lines_of(parts, "audit_block")
        column = lines[1][lines[0].index("data")]
        column[0] = change(column[0])
        copy = dict(parts)
        set_lines(copy, "audit_block", lines)
        text = b"".join(json.dumps(line, separators=(",", ":")).encode() + b"\n" for line in lines)
        table = {**manifest["tables"]["audit_block"], "sha256": hashlib.sha256(text).hexdigest()}
        return _write(copy, tmp_path / name, {**manifest, "tables": {**manifest["tables"], "audit_block": table}})

    def edited(value: dict[str, Any]) -> dict[str, Any]:  # an incident's creation said otherwise
        block = value["block"]
        return {"block": {**block, "differ": [[0, {block["keys"][-1]: "not what was written"}]]}}

    cases = {
        "edited.zip": (edited, "does not rebuild to its checksum"),
        "shapeless.zip": (lambda value: {"block": {"ids": 3}}, "neither base64 nor a block"),
        "number.zip": (lambda value: 12, "not base64 text"),
    }
    target = fresh(db.engine.dialect.name)
    for name, (change, reason) in cases.items():
        with pytest.raises(BackupError, match=reason):
            restore(target, with_block(change, name))
        assert _row_count(target) == 0, name  # the incidents written before the blocks are rolled back too


def _plain(value: Any) -> Any:
    """A value as format 1 wrote it."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, bytes | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    return value


def _format_one(db: Database, target: Path) -> Path:
    """The mission as an archive of format 1 (JSON Lines, a row a line, blocks as their bytes)."""
    made = backup(db, target.with_name("today.zip"), key=KEY)
    parts: dict[str, bytes] = {}
    tables: dict[str, Any] = {}
    with db.engine.connect() as conn:
        for name in made.tables:
            table = metadata.tables[name]
            rows = conn.execute(select(table).order_by(*table.primary_key.columns)).mappings()
            text = "".join(json.dumps({k: _plain(v) for k, v in row.items()}) + "\n" for row in rows).encode()
            file = f"tables/{name}.jsonl"
            parts[file] = text
            tables[name] = {"file": file, "rows": made.tables[name]["rows"], "sha256": hashlib.sha256(text).hexdigest()}
    manifest = {**made.as_dict(), "format_version": 1, "tables": tables}
    return _write(parts, target, manifest)


def test_an_archive_of_format_one_still_restores(db: Database, fresh: Fresh, tmp_path: Path) -> None:
    _imported(db, tmp_path, 15)
    old = _format_one(db, tmp_path / "old.zip")
    other = fresh("postgresql" if db.engine.dialect.name == "sqlite" else "sqlite")
    told: list[tuple[str, int]] = []
    manifest = restore(other, old, progress=lambda table, rows, n, of: told.append((table, rows)))
    assert manifest.format_version == 1 and dict(told)["incident"] == 15
    assert _tables(other) == _tables(db)
    assert _images(other) == _images(db)


def test_a_long_table_tells_its_progress_as_it_goes(
    db: Database, fresh: Fresh, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _imported(db, tmp_path, 30)
    monkeypatch.setattr(backups, "_TELL_EVERY", 10)
    monkeypatch.setattr(backups.backup_format, "CHUNK", 10)
    told: list[tuple[str, int]] = []
    backup(db, tmp_path / "b.zip", key=KEY, progress=lambda table, rows, n, of: told.append((table, rows)))
    assert [rows for table, rows in told if table == "incident"] == [10, 20, 30]
    told.clear()
    restore(fresh(db.engine.dialect.name), tmp_path / "b.zip", progress=lambda t, rows, n, of: told.append((t, rows)))
    assert [rows for table, rows in told if table == "incident"] == [10, 20, 30]
