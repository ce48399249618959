"""The columnar import writes exactly what the row path writes (records, audit images, rollups,
report with its problems and warnings), all or nothing, and nothing at all when killed mid-file.

Each comparison loads one file into mission A by the row path and into mission B of the same
database by the columnar path, then compares everything each wrote (ids and stamps aside).
"""

from __future__ import annotations

import itertools
import re
import signal
import subprocess
import sys
import textwrap
import unicodedata
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, text, update
from sqlalchemy.exc import OperationalError

from bluehelmet.imports import acled_columns
from bluehelmet.imports.acled import IMPORTER
from bluehelmet.services import loading, records
from bluehelmet.services.column_load import load_columns
from bluehelmet.services.database import Database
from bluehelmet.storage import audit_store, bulk, rollups
from bluehelmet.storage.tables import TABLES
from tests.test_import_batched import _events, _written, two_missions
from tests.test_import_batched import _write as write_acled

__all__ = ["two_missions"]  # the fixture, used here by name

_BASE = _events(12)
_COUNTER = itertools.count()


def _without_ids(report: loading.LoadReport) -> dict[str, Any]:
    """The report, a record named by its id (``Incident #348``) named without it: the two
    missions of one database give the same incident different ids."""
    found = report.as_dict()
    for name in ("problems", "warnings"):
        found[name] = [{**p, "reason": re.sub(r"#\d+", "#N", p["reason"])} for p in found[name]]
    return found


def _row_path(db: Database, path: Path, mission: str) -> dict[str, Any]:
    report = loading.load(db, "analyst", "Incident", IMPORTER.rows(path), mission=mission,
                          source=f"acled import: {path.name}", convert=IMPORTER.convert)  # fmt: skip
    return _without_ids(report)


def _column_path(db: Database, path: Path, mission: str) -> dict[str, Any]:
    report = load_columns(db, "analyst", "Incident", acled_columns.acled_columns(path), mission=mission,
                          source=f"acled import: {path.name}", convert=IMPORTER.convert)  # fmt: skip
    return _without_ids(report)


def _rollups_clean(db: Database) -> None:
    with db.transaction("checker") as tx:
        assert rollups.rollup_rows(tx.session) == rollups.rollup_rows(tx.session, fresh=True)


def _nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


#: Changes to one row: each makes it bad, doubtful, merged or merely unusual for the columnar reader.
MUTATIONS: dict[str, Any] = {
    "unknown type": lambda r: {"event_type": "Skirmish"},
    "wrong sub-type": lambda r: {"event_type": "Protests", "sub_event_type": "Armed clash"},
    "date words": lambda r: {"event_date": "15 January 2021"},
    "bad date": lambda r: {"event_date": "yesterday"},
    "future": lambda r: {"event_date": "2999-01-01"},
    "Paris": lambda r: {"latitude": "48.85", "longitude": "2.35"},
    "no place": lambda r: {"latitude": "", "longitude": ""},
    "lone latitude": lambda r: {"longitude": ""},
    "admin1 elsewhere": lambda r: {"admin1": "Kayes"},
    "admin1 unknown": lambda r: {"admin1": "Atlantis"},
    "fatalities words": lambda r: {"fatalities": "many"},
    "fatalities real": lambda r: {"fatalities": "2.0"},
    "fatalities unknown": lambda r: {"fatalities": ""},
    "typed number": lambda r: {"notes": "12 killed near the well."},
    "edge space": lambda r: {"location": f" {r['location']}"},
    "decomposed": lambda r: {"notes": _nfd("Ségou, Ménaka")},
    "no event id": lambda r: {"event_id_cnty": ""},
    "same actors": lambda r: {"actor2": r["actor1"]},
    "assoc spacing": lambda r: {"assoc_actor_1": "Dozo;Dan Na Ambassagou"},
    "inter words": lambda r: {"inter1": "State forces", "interaction": "State forces-Civilians"},
    "bad precision": lambda r: {"time_precision": "4"},
    "iso timestamp": lambda r: {"timestamp": "2021-04-01T10:00:00"},
    "unknown place": lambda r: {"location": "Nowhere Town"},
    "huge count": lambda r: {"fatalities": "9999999999"},
}


@st.composite
def acled_files(draw: st.DrawFn) -> list[dict[str, str]]:
    """A few events with random changes, some repeated (adjacent: per-actor rows; later: again)."""
    size = draw(st.integers(min_value=1, max_value=8))
    prefix = f"P{next(_COUNTER)}-"
    rows = [{**row, "event_id_cnty": prefix + row["event_id_cnty"]} for row in _BASE[:size]]
    for _ in range(draw(st.integers(min_value=0, max_value=4))):
        at = draw(st.integers(min_value=0, max_value=len(rows) - 1))
        name = draw(st.sampled_from(sorted(MUTATIONS)))
        rows[at] = {**rows[at], **MUTATIONS[name](rows[at])}
    for _ in range(draw(st.integers(min_value=0, max_value=2))):
        at = draw(st.integers(min_value=0, max_value=len(rows) - 1))
        again = {**rows[at], "actor1": "Dozo Communal Militia (Mali)", "fatalities": "4"}
        where = draw(st.sampled_from(["next", "end"]))
        rows.insert(at + 1, again) if where == "next" else rows.append(again)
    return rows


#: Changes of a stored event in a later file that the row path takes as updates (or keeps as stored).
EDITS: dict[str, Any] = {
    "notes": lambda r: {"notes": "Changed on review."},
    "fatalities": lambda r: {"fatalities": "7"},
    "fatalities unknown": lambda r: {"fatalities": ""},
    "no place": lambda r: {"latitude": "", "longitude": ""},  # the stored coordinates are kept
    "unknown place": lambda r: {"location": "Nowhere Town"},
    "source": lambda r: {"source": "Another newspaper"},
    "precision": lambda r: {"geo_precision": "2"},
}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=acled_files(), data=st.data())
def test_the_columnar_and_row_paths_write_and_report_the_same(
    two_missions: Database, tmp_path_factory: pytest.TempPathFactory, rows: list[dict[str, str]], data: st.DataObject
) -> None:
    folder = tmp_path_factory.mktemp("acled")
    edited = list(rows)
    for _ in range(data.draw(st.integers(min_value=1, max_value=3))):
        at = data.draw(st.integers(min_value=0, max_value=len(edited) - 1))
        edited[at] = {**edited[at], **EDITS[data.draw(st.sampled_from(sorted(EDITS)))](edited[at])}
    path, changed = write_acled(folder / "acled.csv", rows), write_acled(folder / "edited.csv", edited)
    # again: nothing changed, or the updates the row path makes; then a file of edited events
    for file in (path, path, changed):
        by_rows = _row_path(two_missions, file, "A")
        by_columns = _column_path(two_missions, file, "B")
        assert by_columns == by_rows
        assert _written(two_missions, "B") == _written(two_missions, "A")
    _rollups_clean(two_missions)


def test_clean_rows_are_written_in_bulk(
    two_missions: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Most rows of a clean file take the columnar path (the point of it), across batches."""
    monkeypatch.setattr(acled_columns, "BATCH_ROWS", 7)
    proved: list[int] = []
    split = acled_columns._Batches.split

    def counted(self: Any, *args: Any) -> Any:
        batch = split(self, *args)
        proved.append(len(batch.numbers))
        return batch

    monkeypatch.setattr(acled_columns._Batches, "split", counted)
    rows = _events(40)
    path = write_acled(tmp_path / "acled.csv", rows)
    assert _column_path(two_missions, path, "B") == _row_path(two_missions, path, "A")
    assert len(proved) > 3 and sum(proved) >= 0.9 * len(rows)
    assert _written(two_missions, "B") == _written(two_missions, "A")
    _rollups_clean(two_missions)
    entries = _counts(two_missions)[1]
    again = _column_path(two_missions, path, "B")
    assert again == _row_path(two_missions, path, "A")
    assert again["unchanged"] == again["rows"] > 0 and _counts(two_missions)[1] == entries  # no audit entry


def _counts(db: Database) -> tuple[int, int, int]:
    incident = TABLES[records.kind_of("Incident")]
    with db.transaction("reader") as tx:
        written = tx.session.scalar(select(func.count()).select_from(incident)) or 0
        audited = sum(1 for e in audit_store.every_entry(tx.session) if e.entity == "Incident")
        counted = sum(v[0] for k, v in rollups.rollup_rows(tx.session).items() if k[0] == "incident_day")
    return written, audited, counted


def test_a_bad_row_anywhere_writes_nothing_and_every_problem_is_named(
    two_missions: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(acled_columns, "BATCH_ROWS", 5)  # batches written before the bad rows are met
    rows = _events(30)
    rows[3]["event_date"] = "yesterday"
    rows[-1]["latitude"], rows[-1]["longitude"] = "48.85", "2.35"  # Paris, in the last batch
    path = write_acled(tmp_path / "bad.csv", rows)
    report = _column_path(two_missions, path, "B")
    assert not report["written"] and report["created"] > 20  # counted as the row path counts them
    assert report == _row_path(two_missions, path, "A")
    assert [p["row"] for p in report["problems"]] == [5, 31]
    assert _counts(two_missions) == (0, 0, 0)


_KILLED = """
import os, signal, sys
from pathlib import Path
from bluehelmet.config import Settings
from bluehelmet.imports import acled_columns
from bluehelmet.imports.acled import IMPORTER
from bluehelmet.services import column_load
from bluehelmet.services.database import Database
from bluehelmet.storage import bulk

acled_columns.BATCH_ROWS = 10
calls = []
count = bulk.count_columns_in_rollups

def killing(*args, **kwargs):
    count(*args, **kwargs)
    calls.append(1)
    if len(calls) == 3:  # three batches written in the open transaction: killed mid-file
        os.kill(os.getpid(), signal.SIGKILL)

bulk.count_columns_in_rollups = killing
db = Database(Settings(database_url=sys.argv[1]))
column_load.load_columns(db, "killed", "Incident", acled_columns.acled_columns(Path(sys.argv[2])),
                         mission="B", convert=IMPORTER.convert)
print("not killed")
"""


def test_an_import_killed_mid_file_leaves_nothing(two_missions: Database, tmp_path: Path) -> None:
    path = write_acled(tmp_path / "acled.csv", _events(60))
    url = two_missions.settings.database_url
    two_missions.close()
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(_KILLED), url, str(path)],
        check=False,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == -signal.SIGKILL, done.stderr
    assert "not killed" not in done.stdout
    db = Database(two_missions.settings)
    assert _counts(db) == (0, 0, 0)
    assert _column_path(db, path, "B")["created"] == 60  # and the database takes the same file afterwards
    assert _counts(db)[0] == 60
    _rollups_clean(db)
    db.close()


@pytest.mark.parametrize("db", [pytest.param("postgresql", marks=pytest.mark.postgresql)], indirect=True)
def test_the_places_a_batch_counts_under_are_locked_for_share_on_postgresql(
    two_missions: Database, tmp_path: Path
) -> None:
    """As on the row path: while a batch's incidents are being counted into the rollups under
    the sector of their place, a change of that place's sector waits for the batch's commit (so
    it moves what the batch counted), on PostgreSQL; SQLite writes one transaction at a time."""
    assert two_missions.engine.dialect.name == "postgresql"
    path = write_acled(tmp_path / "acled.csv", _events(6))
    _column_path(two_missions, path, "B")
    incident, location = TABLES[records.kind_of("Incident")], TABLES[records.kind_of("Location")]
    with two_missions.transaction("reader") as tx:
        placed = tx.session.execute(
            select(incident.c.id, incident.c.location_id).where(
                incident.c.location_id.is_not(None), incident.c.sector_id.is_(None)
            )
        ).all()
    assert placed, "the synthetic file places its incidents through their places"
    ids, place = [i for i, _ in placed], placed[0][1]
    with two_missions.transaction("importer") as tx:
        bulk.count_in_rollups(tx.session, incident.c.id, ids)
        with two_missions.engine.connect() as other:
            other.execute(text("SET lock_timeout = '300ms'"))
            with pytest.raises(OperationalError, match="lock"):
                other.execute(update(location).where(location.c.id == place).values(sector_id=None))
        tx.session.rollback()
    with two_missions.engine.begin() as free:  # after the batch, the place can change
        free.execute(text("SET LOCAL lock_timeout = '300ms'"))
        free.execute(select(location.c.id).where(location.c.id == place).with_for_update())
