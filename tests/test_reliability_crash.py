"""A `bluehelmet import` killed (SIGKILL) in the middle of a 200,000-row file, on each backend:
afterwards the database is sound, none of the file is in it, and importing again completes
with every row exactly once.

The file is 200,000 rows, generated here; the kill comes at a chosen point, not at a time: once
the command's progress bar (on a terminal: the test gives it a pseudo-terminal) has moved past
its first thousand rows, which are then written to the database inside the open transaction.
Waiting for the whole file would take minutes at today's pace, so the import that is run to its
end afterwards is the file's first ``RERUN_ROWS`` rows: enough to hold every row the killed
process had written, and small enough to keep the test to seconds.
"""

from __future__ import annotations

import csv
import os
import pty
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import func, text
from sqlalchemy import select as select_rows

from bluehelmet.imports.registry import table_importer
from bluehelmet.services import loading, records, rollups
from bluehelmet.services.database import Database
from bluehelmet.storage.tables import audit_table, metadata
from tests.factories import make

__all__ = ["assert_sound"]

ROWS = 200_000
RERUN_ROWS = 1_000
HEADER = ["external_id", "event_date", "event_type", "sub_event_type", "location", "latitude", "longitude",
          "fatalities", "notes"]  # fmt: skip


def assert_sound(db: Database) -> None:
    """The database passes its integrity checks, every table reads whole, and the rollups agree."""
    with db.engine.connect() as conn:
        if db.engine.dialect.name == "sqlite":
            assert conn.execute(text("PRAGMA integrity_check")).scalar() == "ok"
            assert conn.execute(text("PRAGMA foreign_key_check")).fetchall() == []
        for table in metadata.sorted_tables:  # every row of every table can be read back
            assert (
                len(conn.execute(select_rows(table)).fetchall())
                == conn.execute(select_rows(func.count()).select_from(table)).scalar()
            )
    assert rollups.check(db) == []


def _write_incidents(path: Path, rows: int) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for n in range(rows):
            writer.writerow([f"CR-{n:06d}", f"2021-{1 + n % 12:02d}-{1 + n % 28:02d}", "Battles", "Armed clash",
                             "Ansongo", "15.66", "0.50", n % 5, f"row {n}"])  # fmt: skip


def _kill_after_progress(url: str, path: Path, renders: int) -> None:
    """Start `bluehelmet import` on ``path``; SIGKILL it once its progress bar has been drawn
    ``renders`` times (the first drawing is at row 0; each later one comes after a flush)."""
    main, terminal = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "bluehelmet", "--db", url, "--actor", "importer", "import", "incident", str(path)],
        stdout=subprocess.DEVNULL, stderr=terminal, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    os.close(terminal)
    seen = b""
    deadline = time.monotonic() + 120
    try:
        while seen.count(b"\r") < renders:
            assert process.poll() is None, f"the import ended before it could be killed: {seen!r}"
            assert time.monotonic() < deadline, f"no progress within 120 s: {seen!r}"
            ready, _, _ = select.select([main], [], [], 0.2)
            if ready:
                seen += os.read(main, 4096)
        os.kill(process.pid, signal.SIGKILL)
        assert process.wait(timeout=30) == -signal.SIGKILL
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        os.close(main)


def test_an_import_killed_midway_leaves_nothing_and_runs_again_whole(db: Database, tmp_path: Path) -> None:
    with db.transaction("tester") as tx:
        mission = make(tx, "Mission", name="MINUSMA")
        make(tx, "Location", mission_id=mission.id, name="Ansongo", sector_id=None)
    with db.engine.connect() as conn:
        audit_before = conn.execute(select_rows(func.count()).select_from(audit_table)).scalar()
    big = tmp_path / "incidents.csv"
    _write_incidents(big, ROWS)
    url = db.engine.url.render_as_string(hide_password=False)

    _kill_after_progress(url, big, renders=2)  # past the first 1,000 rows, flushed, uncommitted
    if db.engine.dialect.name == "postgresql":
        time.sleep(0.5)  # the server notices the dead client and rolls its transaction back
    assert_sound(db)
    with db.transaction("tester") as tx:
        assert records.count(tx, "Incident") == 0
    with db.engine.connect() as conn:
        assert conn.execute(select_rows(func.count()).select_from(audit_table)).scalar() == audit_before

    head = tmp_path / "incidents-head.csv"
    _write_incidents(head, RERUN_ROWS)
    importer = table_importer("incident")
    for attempt in ("first", "again"):
        report = loading.load(db, "importer", "Incident", importer.rows(head), source=f"incident import: {head.name}")
        assert report.problem_count == 0, report.problems[:3]
        assert (report.created, report.unchanged) == ((RERUN_ROWS, 0) if attempt == "first" else (0, RERUN_ROWS))
    with db.transaction("tester") as tx:
        stored = records.list_records(tx, "Incident")
        assert len(stored) == RERUN_ROWS == len({r.external_id for r in stored})  # type: ignore[attr-defined]
    assert_sound(db)
