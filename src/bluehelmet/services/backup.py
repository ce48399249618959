"""Backing a mission up to one portable file, and restoring it: ``bluehelmet backup|restore``.

The archive is a zip of one file per table and ``manifest.json``: the archive format and its
version, the schema revision, and each table's row count and SHA-256. Format 2 (written) holds a
table as an xz stream of JSON lines, its column names then chunks of rows by column; format 1
(read still) held JSON Lines, a row a line with its columns by name (``backup_format``).
It holds everything: the records, their audit history, the accounts (password hashes and token
digests included: keep the file as safe as the database). The incident rollups are derived
data: they are left out and rebuilt from the incidents on restore.

It is the same on SQLite and PostgreSQL, so a mission moves from a laptop to a server by a
backup on one and a restore on the other. The backup reads every table in one transaction, so
it is a consistent snapshot while the application keeps writing.

The manifest is signed: an HMAC-SHA256 over its canonical JSON with the server's secret key
(``BLUEHELMET_SECRET_KEY``), in ``signature.json``. The checksums protect against damage (a
truncated copy, a flipped bit); they do not protect against someone who edits rows and computes
the checksums again. The signature does: only a holder of the key can sign a manifest, so an
edited, a foreign (signed with another key) or an unsigned archive is refused unless the
operator says ``trust_unsigned`` (``restore --trust-unsigned``). Every table must be in the
archive (the accounts, the tokens and the audit history included): an archive without one is
refused whatever the operator says.

A restore checks the whole archive (format, revision, signature, every table, every checksum
and count) before it writes anything, refuses a database that holds any row, and writes every row in one
transaction: it lands whole or not at all. Row ids are kept, so references and the audit
history stay true (the audit table is append-only; a restore only inserts).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import lzma
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Table, func, insert, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from bluehelmet import __version__
from bluehelmet.domain.errors import BluehelmetError
from bluehelmet.services import backup_format
from bluehelmet.services.database import Database
from bluehelmet.storage import migrate
from bluehelmet.storage.rollups import ROLLUPS, rebuild_incident_rollup
from bluehelmet.storage.tables import audit_block_table, metadata

__all__ = ["FORMAT", "FORMAT_VERSION", "BackupError", "Manifest", "Progress", "backup", "read_manifest", "restore",
           "signature_of"]  # fmt: skip

FORMAT = "bluehelmet-backup"
FORMAT_VERSION = 2
#: The versions a restore reads.
_READ = (1, 2)
_MANIFEST = "manifest.json"
_SIGNATURE = "signature.json"
#: The tables every archive holds, whatever its revision.
_ALWAYS = frozenset({"account", "api_token", "audit_entry"})
_BATCH = backup_format.CHUNK
#: How often a long table's progress is told (rows).
_TELL_EVERY = 100_000
#: Told of each table as it is done: its name, its rows, and how many tables of how many; and
#: of a long table every 100,000 rows as it goes (the rows so far).
Progress = Callable[[str, int, int, int], None]


class BackupError(BluehelmetError):
    """The archive cannot be made or restored; the message says why."""


@dataclass(frozen=True)
class Manifest:
    """What an archive holds: the schema revision it was made at, and each table's rows and digest."""

    revision: str
    created_at: str
    made_by: str
    backend: str
    tables: dict[str, dict[str, Any]]
    format_version: int = FORMAT_VERSION

    @property
    def rows(self) -> int:
        return sum(int(t["rows"]) for t in self.tables.values())

    def as_dict(self) -> dict[str, Any]:
        return {"format": FORMAT, "format_version": self.format_version, "schema_revision": self.revision,
                "created_at": self.created_at, "made_by": self.made_by, "backend": self.backend,
                "tables": self.tables}  # fmt: skip


def _derived() -> set[str]:
    return {rollup.table.name for rollup in ROLLUPS}


def _kept_tables() -> list[Table]:
    """The tables an archive holds, parents before children (so a restore can insert in order)."""
    return [t for t in metadata.sorted_tables if t.name not in _derived()]


def _snapshot(connection: Connection) -> None:
    """Make the reads that follow one consistent snapshot of every table."""
    if connection.dialect.name == "sqlite":
        # pysqlite opens a transaction only before a write; WAL gives a read transaction its snapshot.
        connection.exec_driver_sql("BEGIN")


def signature_of(manifest: bytes, key: str) -> dict[str, str]:
    """The signature of a manifest's bytes with ``key``: the HMAC and the key's id (an HMAC of a
    fixed text, so two archives say whether they were signed with the same key, revealing none)."""
    return {"algorithm": "HMAC-SHA256",
            "key_id": hmac.new(key.encode(), b"bluehelmet backup key", hashlib.sha256).hexdigest()[:16],
            "signature": hmac.new(key.encode(), manifest, hashlib.sha256).hexdigest()}  # fmt: skip


def backup(db: Database, path: Path, *, progress: Progress | None = None, key: str | None = None) -> Manifest:
    """Write the whole database to the archive at ``path`` (replaced if it exists), its manifest
    signed with ``key`` (default: the settings' secret key; none: unsigned)."""
    key = db.settings.secret_key if key is None else key
    revision = db.schema_revision()
    if revision is None:
        raise BackupError(f"{db.url} holds no bluehelmet schema: nothing to back up")
    tables = _kept_tables()
    described: dict[str, dict[str, Any]] = {}
    partial = path.with_name(path.name + ".partial")
    try:
        options: dict[str, Any] = {"isolation_level": "REPEATABLE READ"} if db.engine.dialect.name != "sqlite" else {}
        with (
            db.engine.connect().execution_options(**options) as connection,
            zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive,
        ):
            _snapshot(connection)
            for number, table in enumerate(tables, start=1):
                told = _Teller(progress, table.name, number, len(tables))
                described[table.name] = backup_format.write_table(connection, table, archive, told)
                told.done(described[table.name]["rows"])
            connection.rollback()
            manifest = Manifest(revision, datetime.now(UTC).isoformat(), f"bluehelmet {__version__}",
                                db.engine.dialect.name, described)  # fmt: skip
            written = json.dumps(manifest.as_dict(), indent=2).encode()
            archive.writestr(_MANIFEST, written)
            if key:
                archive.writestr(_SIGNATURE, json.dumps(signature_of(written, key), indent=2))
        partial.replace(path)  # a backup cut short never passes for a whole one
    except DBAPIError as error:
        raise BackupError(f"cannot read {db.url}: {str(error.orig or error).strip().splitlines()[0]}") from None
    except (OSError, lzma.LZMAError) as error:
        raise BackupError(f"cannot write {path}: {getattr(error, 'strerror', None) or error}") from None
    finally:
        partial.unlink(missing_ok=True)
    return manifest


class _Teller:
    """A table's progress: its rows so far every ``_TELL_EVERY`` as it goes, then its rows."""

    def __init__(self, progress: Progress | None, table: str, number: int, tables: int) -> None:
        self.progress, self.table, self.number, self.tables = progress, table, number, tables
        self.told = -1

    def __call__(self, rows: int) -> None:
        if rows - max(self.told, 0) >= _TELL_EVERY:
            self.done(rows)

    def done(self, rows: int) -> None:
        if self.progress is not None and rows != self.told:
            self.progress(self.table, rows, self.number, self.tables)
        self.told = rows


def read_manifest(path: Path) -> Manifest:
    """The archive's manifest, once every table file in it is checked against its count and
    digest; BackupError names the first thing wrong."""
    archive = _open(path)
    with archive:
        manifest = _parse_manifest(path, archive)
        for name, entry in manifest.tables.items():
            try:
                rows, digest = backup_format.count(archive, entry, manifest.format_version)
            except (KeyError, ValueError, zipfile.BadZipFile, OSError, EOFError, lzma.LZMAError) as error:
                raise BackupError(f"{path.name} is damaged: {entry['file']} cannot be read ({error})") from None
            if rows != entry["rows"] or digest != entry["sha256"]:
                raise BackupError(f"{path.name} is damaged: table {name} does not match its checksum in the manifest")
    return manifest


def _open(path: Path) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(path)
    except FileNotFoundError:
        raise BackupError(f"{path} does not exist") from None
    except (zipfile.BadZipFile, OSError) as error:
        raise BackupError(f"{path.name} is not a bluehelmet backup (not a readable zip: {error})") from None


def _parse_manifest(path: Path, archive: zipfile.ZipFile) -> Manifest:
    try:
        data = json.loads(archive.read(_MANIFEST))
    except KeyError:
        raise BackupError(f"{path.name} is not a bluehelmet backup (it has no {_MANIFEST})") from None
    except (ValueError, zipfile.BadZipFile, OSError, EOFError) as error:
        raise BackupError(f"{path.name} is damaged: its manifest cannot be read ({error})") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise BackupError(f"{path.name} is not a bluehelmet backup (its manifest names no {FORMAT})")
    version = data.get("format_version")
    if version not in _READ or isinstance(version, bool):
        raise BackupError(f"{path.name} is a backup of format version {version}; this bluehelmet reads "
                          f"versions {' and '.join(map(str, _READ))}")  # fmt: skip
    tables = data.get("tables")
    valid = isinstance(tables, dict) and all(
        isinstance(t, dict) and isinstance(t.get("file"), str) and isinstance(t.get("rows"), int)
        and isinstance(t.get("sha256"), str) for t in tables.values()
    )  # fmt: skip
    if not isinstance(tables, dict) or not valid or not isinstance(data.get("schema_revision"), str):
        raise BackupError(f"{path.name} is damaged: its manifest does not list the tables")
    return Manifest(data["schema_revision"], str(data.get("created_at", "")), str(data.get("made_by", "")),
                    str(data.get("backend", "")), tables, int(version))  # fmt: skip


def _rows(
    path: Path,
    archive: zipfile.ZipFile,
    table: Table,
    manifest: Manifest,
    connection: Connection,
    tell: Callable[[int], None],
) -> Iterator[dict[str, Any]]:
    entry = manifest.tables[table.name]
    done = 0
    try:
        for row in backup_format.read_rows(archive, table, entry, manifest.format_version, connection):
            yield row
            done += 1
            tell(done)
    except backup_format.RowError as error:
        raise BackupError(f"{path.name}: {error.where} of {entry['file']} is not a row of {table.name} "
                          f"({error.reason})") from None  # fmt: skip
    except (ValueError, TypeError) as error:
        raise BackupError(f"{path.name} is damaged: {entry['file']} cannot be read ({error})") from None
    except (zipfile.BadZipFile, OSError, EOFError, lzma.LZMAError) as error:
        raise BackupError(f"{path.name} is damaged: {entry['file']} cannot be read ({error})") from None


def _parents_first(table: Table, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows ordered so that a row a column of the same table refers to comes before the row
    (a unit's parent unit, a region's parent region): foreign keys are checked on each insert."""
    own = [fk.parent.name for fk in table.foreign_keys if fk.column.table is table]
    if not own:
        return rows
    placed: set[Any] = set()
    ordered: list[dict[str, Any]] = []
    waiting = rows
    while waiting:
        ready = [r for r in waiting if all(r.get(c) is None or r.get(c) in placed or r.get(c) == r["id"] for c in own)]
        if not ready:  # a loop of references: let the database say which
            ready = waiting
        ordered += ready
        placed.update(r["id"] for r in ready)
        chosen = {id(r) for r in ready}
        waiting = [r for r in waiting if id(r) not in chosen]
    return ordered


def _batches(rows: Iterable[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) == _BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _held_rows(connection: Connection) -> dict[str, int]:
    held = {}
    for table in metadata.sorted_tables:
        count = int(connection.scalar(select(func.count()).select_from(table)) or 0)
        if count:
            held[table.name] = count
    return held


def _prepare(db: Database, path: Path, manifest: Manifest) -> None:
    """Bring an empty database to the archive's revision, or refuse a database it cannot go into."""
    head = migrate.head_revision()
    current = db.schema_revision()
    if current is None:
        try:
            migrate.upgrade(db.engine, manifest.revision)
        except Exception as error:  # alembic: an unknown revision, or a database it cannot reach
            raise BackupError(
                f"{path.name} was made at schema revision {manifest.revision}, which this bluehelmet does not know "
                f"({type(error).__name__}: {error}): restore it with the bluehelmet that made it, or a newer one"
            ) from None
        return
    if current != manifest.revision:
        raise BackupError(
            f"{path.name} was made at schema revision {manifest.revision} and {db.url} is at {current}: restore "
            f"into a new database without a schema, which is then upgraded to {head}"
        )


def _check_signature(path: Path, key: str, trust_unsigned: bool) -> None:
    """Refuse an archive whose manifest this server's ``key`` did not sign, unless trusted."""
    with _open(path) as archive:
        try:
            written = archive.read(_MANIFEST)
            given = json.loads(archive.read(_SIGNATURE))
        except KeyError:
            given = None
        except (ValueError, zipfile.BadZipFile, OSError, EOFError):
            given = {}
    if trust_unsigned:
        return
    if given is None:
        raise BackupError(f"{path.name} is not signed: it may have been made or edited by anyone; restore it "
                          "only if you know where it comes from, with --trust-unsigned")  # fmt: skip
    if not key:
        raise BackupError(f"{path.name} is signed, but this server has no secret key to check it with: set "
                          "BLUEHELMET_SECRET_KEY to the key of the server that made it, or say "
                          "--trust-unsigned")  # fmt: skip
    expected = signature_of(written, key)
    if not isinstance(given, dict) or not hmac.compare_digest(str(given.get("signature", "")), expected["signature"]):
        whose = "another server's key" if isinstance(given, dict) and given.get("key_id") != expected["key_id"] else (
            "this server's key, but its manifest was changed since")  # fmt: skip
        raise BackupError(f"{path.name} does not carry a valid signature (signed with {whose}): it is refused; "
                          "restore it only if you know where it comes from, with --trust-unsigned")  # fmt: skip


def restore(
    db: Database, path: Path, *, progress: Progress | None = None, trust_unsigned: bool = False, key: str | None = None
) -> Manifest:
    """Restore the archive at ``path`` into the empty database ``db``, all or nothing; then bring
    the schema up to date and rebuild the incident rollups. The archive must be signed with
    ``key`` (default: the settings' secret key) unless ``trust_unsigned``, and hold every table."""
    manifest = read_manifest(path)  # every checksum, before anything is written
    _check_signature(path, db.settings.secret_key if key is None else key, trust_unsigned)
    tables = {t.name: t for t in _kept_tables()}
    strange = sorted(set(manifest.tables) - set(tables))
    if strange:
        raise BackupError(f"{path.name} holds tables this bluehelmet does not know: {', '.join(strange)}")
    missing = sorted(set(tables) - set(manifest.tables) - _added_after(manifest.revision))
    if missing:
        raise BackupError(f"{path.name} lacks tables every backup holds: {', '.join(missing)}; it is refused")
    _prepare(db, path, manifest)
    try:
        with db.engine.begin() as connection, _open(path) as archive:
            held = _held_rows(connection)
            if held:
                listed = ", ".join(f"{n} {name}" for name, n in sorted(held.items()))
                raise BackupError(f"{db.url} is not empty ({listed}): a backup is restored only into an empty "
                                  "database, so that nothing in it is mixed or lost")  # fmt: skip
            # The history's blocks last: a block is rebuilt from the rows of the records it created.
            order = [t for t in tables.values() if t.name in manifest.tables and t is not audit_block_table]
            order += [audit_block_table] if audit_block_table.name in manifest.tables else []
            for number, table in enumerate(order, start=1):
                entry = manifest.tables[table.name]
                told = _Teller(progress, table.name, number, len(order))
                rows: Iterable[dict[str, Any]] = _rows(path, archive, table, manifest, connection, told)
                if any(fk.column.table is table for fk in table.foreign_keys):
                    rows = _parents_first(table, list(rows))
                for batch in _batches(rows):
                    connection.execute(insert(table), batch)
                if entry["rows"] and connection.dialect.name == "postgresql" and "id" in table.c:
                    sequence = func.pg_get_serial_sequence(table.name, "id")
                    connection.execute(select(func.setval(sequence, select(func.max(table.c.id)).scalar_subquery())))
                told.done(int(entry["rows"]))
            if manifest.revision == migrate.head_revision():
                _rebuild_rollups(connection)  # in the same transaction: the restore lands whole
    except DBAPIError as error:
        reason = str(error.orig or error).strip().splitlines()[0]
        raise BackupError(f"{db.url} refused the restore, nothing was written: {reason}") from None
    if manifest.revision != migrate.head_revision():
        migrate.upgrade(db.engine)
        with db.engine.begin() as connection:
            _rebuild_rollups(connection)
    return manifest


def _added_after(revision: str) -> set[str]:
    """The tables of today's schema an archive made at an older ``revision`` may lack (those a
    later migration may have created): all but the accounts, the tokens and the audit history,
    which every revision has had; none when it was made at the head."""
    if revision == migrate.head_revision():
        return set()
    return {t.name for t in _kept_tables()} - _ALWAYS


def _rebuild_rollups(connection: Connection) -> None:
    with Session(bind=connection) as session:
        rebuild_incident_rollup(session)
        session.flush()
