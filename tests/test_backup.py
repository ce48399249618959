"""`bluehelmet backup` and `bluehelmet restore`: a whole mission, its audit history and its accounts
round-trip through one archive, between SQLite and PostgreSQL in both directions; a restore
refuses a database that holds anything and an archive that is damaged, and writes nothing then."""

from __future__ import annotations

import json
import lzma
import uuid
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from bluehelmet.cli import backup as backup_cli
from bluehelmet.cli.door import Door
from bluehelmet.cli.lazy import LazyGroup
from bluehelmet.config import Settings
from bluehelmet.services import accounts, records, rollups
from bluehelmet.services.backup import BackupError, backup, read_manifest, restore
from bluehelmet.services.database import Database
from bluehelmet.storage.audit_store import every_entry
from bluehelmet.storage.tables import audit_table, metadata
from tests.conftest import POSTGRES_URL
from tests.factories import make

Fresh = Callable[[str], Database]

#: The secret key of the servers of these tests: their archives are signed with it.
KEY = "a-backup-signing-key-long-and-random-0123456789"


@pytest.fixture(scope="module")
def spare_postgres(postgres_url: str) -> Iterator[str]:
    """One more PostgreSQL database for this module (made and dropped once: dropping is slow)."""
    base = make_url(postgres_url)
    name = f"{base.database}_spare"
    admin = create_engine(make_url(POSTGRES_URL), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def fresh(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Fresh]:
    """Makes a new database without a schema: 'sqlite' (a new file) or 'postgresql' (the spare
    database, emptied of every table, function and trigger: one per test)."""
    made: list[Database] = []

    def new(backend: str) -> Database:
        if backend == "sqlite":
            url = f"sqlite:///{tmp_path / uuid.uuid4().hex}.db"
        else:
            assert not any(d.engine.dialect.name == "postgresql" for d in made), "one spare PostgreSQL per test"
            url = request.getfixturevalue("spare_postgres")
            engine = create_engine(url)
            with engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
            engine.dispose()
        made.append(Database(Settings(database_url=url, secret_key=KEY)))
        return made[-1]

    yield new
    for database in made:
        database.close()


def _tables(db: Database) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table (rollups included), in key order."""
    with db.engine.connect() as conn:
        return {
            t.name: [dict(r) for r in conn.execute(select(t).order_by(*t.primary_key.columns)).mappings()]
            for t in metadata.sorted_tables
        }


def _images(db: Database) -> dict[int, str]:
    """Every audit entry's full before and after images, as the history gives them back."""
    with Session(db.engine) as session:
        return {e.id or 0: json.dumps([e.before, e.after], sort_keys=True) for e in every_entry(session)}


def _other(backend: str) -> str:
    return "postgresql" if backend == "sqlite" else "sqlite"


def test_a_mission_round_trips_to_the_other_backend_and_back(
    reference_db: Database, fresh: Fresh, tmp_path: Path
) -> None:
    here = reference_db.engine.dialect.name
    first = backup(reference_db, tmp_path / "mission.zip", key=KEY)
    assert first.tables["incident"]["rows"] > 300 and first.tables["audit_entry"]["rows"] > 900
    assert "incident_month" not in first.tables  # derived: rebuilt on restore

    moved = fresh(_other(here))
    told: list[tuple[str, int]] = []
    restore(moved, tmp_path / "mission.zip", progress=lambda table, rows, n, of: told.append((table, rows)))
    assert dict(told)["incident"] == first.tables["incident"]["rows"]
    assert _tables(moved) == _tables(reference_db)
    assert _images(moved) == _images(reference_db)  # every image of the history, decoded on each side
    assert rollups.check(moved) == []

    # The restored mission lives on: new records get new ids (sequences follow), edits are audited.
    accounts.add_account(moved, "tester", "ops", "analyst", password="a long enough password")
    with moved.transaction("tester") as tx:
        incident = records.list_records(tx, "Incident")[0]
        assert incident.id is not None
        version = incident.version or 0
        changed = records.update(tx, "Incident", incident.id, {"fatalities": 7}, version=version)
        mission_id = getattr(incident, "mission_id", None)
        added = make(tx, "Incident", mission_id=mission_id, location_id=None, sector_id=None)
        records.delete(tx, "Incident", added.id or 0, version=1)
        history = [e.action for e in records.history(tx, "Incident", incident.id)]
    assert changed.version == version + 1 and history[-1] == "update"
    with moved.engine.connect() as conn, pytest.raises(DBAPIError):
        conn.execute(audit_table.delete())  # still append-only after a restore

    second = backup(moved, tmp_path / "grown.zip")
    assert second.tables["account"]["rows"] == 1
    back = fresh(here)
    restore(back, tmp_path / "grown.zip")
    assert _tables(back) == _tables(moved)
    assert _images(back) == _images(moved)
    assert rollups.check(back) == []
    assert accounts.authenticate(back, "ops", "a long enough password") is not None


def lines_of(parts: dict[str, bytes], table: str) -> list[Any]:
    """A table's lines in an archive of format 2: its column names, then chunks of columns."""
    return [json.loads(line) for line in lzma.decompress(parts[f"tables/{table}.jsonl.xz"]).splitlines()]


def set_lines(parts: dict[str, bytes], table: str, lines: list[Any]) -> None:
    text = "".join(json.dumps(line, separators=(",", ":")) + "\n" for line in lines)
    parts[f"tables/{table}.jsonl.xz"] = lzma.compress(text.encode())


def _damaged(archive: Path, target: Path, how: str) -> Path:
    """A copy of ``archive`` broken in one way."""
    with zipfile.ZipFile(archive) as source:
        parts = {name: source.read(name) for name in source.namelist()}
    manifest = json.loads(parts["manifest.json"])
    if how == "truncated":
        target.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
        return target
    if how == "a changed row":
        lines = lines_of(parts, "incident")
        lines[1][lines[0].index("version")][0] += 1
        set_lines(parts, "incident", lines)
    elif how == "a missing row":
        lines = lines_of(parts, "sector")
        set_lines(parts, "sector", [lines[0], [column[1:] for column in lines[1]]])
    elif how == "not xz":
        parts["tables/sector.jsonl.xz"] = b"plain text, not xz"
    elif how == "no manifest":
        del parts["manifest.json"]
    elif how == "a newer format":
        parts["manifest.json"] = json.dumps({**manifest, "format_version": 99}).encode()
    elif how == "an unknown revision":
        parts["manifest.json"] = json.dumps({**manifest, "schema_revision": "9999"}).encode()
    elif how == "an unknown table":
        parts["manifest.json"] = json.dumps({**manifest, "tables": {**manifest["tables"], "secrets": {
            "file": "tables/incident.jsonl.xz", "rows": manifest["tables"]["incident"]["rows"],
            "sha256": manifest["tables"]["incident"]["sha256"]}}}).encode()  # fmt: skip
    with zipfile.ZipFile(target, "w") as out:
        for name, data in parts.items():
            out.writestr(name, data)
    return target


DAMAGE = {
    "truncated": "not a bluehelmet backup",
    "a changed row": "does not match its checksum",
    "a missing row": "does not match its checksum",
    "not xz": "tables/sector.jsonl.xz cannot be read",
    "no manifest": "has no manifest.json",
    "a newer format": "format version 99",
    "an unknown revision": "revision 9999",
    "an unknown table": "does not know: secrets",
}


def _row_count(db: Database) -> int:
    with db.engine.connect() as conn:
        return sum(int(conn.scalar(select(func.count()).select_from(t)) or 0) for t in metadata.sorted_tables)


def test_a_restore_refuses_a_database_in_use_and_a_damaged_archive(db: Database, fresh: Fresh, tmp_path: Path) -> None:
    with db.transaction("tester") as tx:
        make(tx, "Incident")
    archive = tmp_path / "small.zip"
    backup(db, archive, key=KEY)
    before = _tables(db)
    with pytest.raises(BackupError, match=r"is not empty .*incident"):
        restore(db, archive, key=KEY)
    assert _tables(db) == before

    empty = fresh(db.engine.dialect.name)
    empty.init_schema()
    for how, reason in DAMAGE.items():
        broken = _damaged(archive, tmp_path / f"{how}.zip", how)
        with pytest.raises(BackupError, match=reason):
            restore(empty, broken, trust_unsigned=True)  # the checks past the signature
        assert _row_count(empty) == 0, how
    with pytest.raises(BackupError, match="does not exist"):
        read_manifest(tmp_path / "nowhere.zip")
    restore(empty, archive)
    assert _tables(empty) == before


def _group() -> click.Group:
    """The commands under a group of their own, as the command line registers them."""

    @click.group(cls=LazyGroup)
    @click.option("--db", required=True)
    @click.pass_context
    def group(ctx: click.Context, db: str) -> None:
        door = Door(Settings(database_url=db, secret_key=KEY), "tester")
        ctx.obj = door
        ctx.call_on_close(door.close)

    for command in backup_cli.COMMANDS:
        group.add_command(command)
    return group


def test_the_commands_report_progress_on_stderr_and_refuse_in_one_line(
    db: Database, fresh: Fresh, tmp_path: Path
) -> None:
    with db.transaction("tester") as tx:
        make(tx, "Unit")
    url = db.engine.url.render_as_string(hide_password=False)
    runner = CliRunner()
    made = runner.invoke(_group(), ["--db", url, "backup", str(tmp_path / "b.zip"), "--json"])
    assert made.exit_code == 0, made.output
    assert json.loads(made.stdout)["tables"]["unit"] == 1
    assert "backed up" in made.stderr and "unit: 1 rows" in made.stderr

    target = fresh(db.engine.dialect.name)
    target_url = target.engine.url.render_as_string(hide_password=False)
    restored = runner.invoke(_group(), ["--db", target_url, "restore", str(tmp_path / "b.zip")])
    assert restored.exit_code == 0, restored.output
    assert restored.stdout.startswith("restored ") and "restored " in restored.stderr
    again = runner.invoke(_group(), ["--db", target_url, "restore", str(tmp_path / "b.zip")])
    assert again.exit_code == 1 and again.stderr.startswith("error: ") and "is not empty" in again.stderr
    assert "Traceback" not in again.output
