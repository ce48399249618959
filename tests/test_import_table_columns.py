"""Incidents in bluehelmet's own columns: the columnar import writes exactly what the row path
writes (records, audit images, rollups, report with its problems and warnings), all or nothing,
and nothing at all when killed mid-file.

As in test_import_columns.py, each comparison loads one file into mission A by the row path and
into mission B of the same database by the columnar path, then compares everything each wrote.
"""

from __future__ import annotations

import csv
import itertools
import json
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
from sqlalchemy import select

from bluehelmet.domain.incidents import Incident
from bluehelmet.imports import table_columns
from bluehelmet.imports.registry import NotColumnar, import_file, table_importer
from bluehelmet.imports.tables import FileProblem
from bluehelmet.services import loading, records
from bluehelmet.services.column_load import load_columns
from bluehelmet.services.database import Database
from bluehelmet.services.exchange import columns, describe
from bluehelmet.storage.tables import TABLES
from tests.test_import_batched import _events, two_missions
from tests.test_import_batched import _written as _written_with_ids
from tests.test_import_columns import _counts, _rollups_clean, _without_ids

__all__ = ["two_missions"]  # the fixture, used here by name

IMPORTER = table_importer("incident")  # as the command names the kind (entity_name)
HEADER = [c.name for c in columns(Incident)]
OPTIONAL = [c.name for c in columns(Incident) if not c.required]
_COUNTER = itertools.count()


def _own(row: dict[str, str]) -> dict[str, str]:
    """A synthetic ACLED event in bluehelmet's own columns (a place the missions know)."""
    sub = row["sub_event_type"]
    return {
        "external_id": row["event_id_cnty"], "event_date": row["event_date"], "event_time": "",
        "time_precision": "day", "event_type": row["event_type"], "sub_event_type": sub,
        "category": "ied_detonated" if sub == "Remote explosive/landmine/IED" else "",
        "location": row["location"], "sector": "", "location_name": row["location"], "location_name_fr": "",
        "admin1": row["admin1"], "admin2": row["admin2"], "admin3": row["admin3"],
        "latitude": row["latitude"], "longitude": row["longitude"], "geo_precision": "exact", "target": "",
        "perpetrator": "", "actor1": row["actor1"], "assoc_actor1": row["assoc_actor_1"], "inter1": row["inter1"],
        "actor2": row["actor2"], "assoc_actor2": row["assoc_actor_2"], "inter2": row["inter2"],
        "interaction": row["interaction"], "disorder_type": row["disorder_type"], "civilian_targeting": "false",
        "explosives_used": "", "operation": "", "responding_units": "", "fatalities": row["fatalities"],
        "killed_peacekeepers": "", "injured_peacekeepers": "", "killed_national_forces": "",
        "injured_national_forces": "", "killed_civilians": "", "injured_civilians": "", "attackers_estimated": "",
        "source": row["source"], "source_scale": row["source_scale"], "source_timestamp": row["timestamp"],
        "tags": row["tags"], "source_reliability": "", "information_credibility": "", "review_status": "verified",
        "notes": row["notes"], "provenance": "",
    }  # fmt: skip


_BASE = [_own(row) for row in _events(12)]


def _write(path: Path, rows: list[dict[str, str]], header: list[str] = HEADER, described: bool = False) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=header, extrasaction="ignore")
        writer.writeheader()
        if described:
            by_name = {c.name: c for c in columns(Incident)}
            writer.writerow({name: describe(by_name[name]) for name in header})
        writer.writerows(rows)
    return path


def _written(db: Database, mission: str) -> dict[str, Any]:
    """Everything a load wrote for the mission (``test_import_batched._written``), a sector named
    by its name: the two missions have sectors of the same names and different ids."""
    sector = TABLES[records.kind_of("Sector")]
    with db.transaction("reader") as tx:
        names = {row[0]: row[1] for row in tx.session.execute(select(sector.c.id, sector.c.name))}
    found = json.dumps(_written_with_ids(db, mission), sort_keys=True)
    named = re.sub(
        r'(\\*"sector_id\\*": )(\d+)', lambda m: f"{m.group(1)}{names.get(int(m.group(2)), m.group(2))!r}", found
    )
    result: dict[str, Any] = json.loads(named)
    return result


def _plain(report: loading.LoadReport) -> dict[str, Any]:
    """The report without ids (``_without_ids``) and without the mission's name, which differs."""
    found = _without_ids(report)
    for name in ("problems", "warnings"):
        found[name] = [{**p, "reason": re.sub(r"mission [AB]\b", "mission M", p["reason"])} for p in found[name]]
    return found


def _row_path(db: Database, path: Path, mission: str) -> dict[str, Any]:
    try:
        report = loading.load(db, "analyst", "Incident", IMPORTER.rows(path), mission=mission,
                              source=f"Incident import: {path.name}")  # fmt: skip
    except FileProblem as refused:  # a file both paths refuse whole (one row, made blank)
        return {"refused": str(refused)}
    return _plain(report)


def _column_path(db: Database, path: Path, mission: str) -> dict[str, Any]:
    try:
        report = load_columns(db, "analyst", "Incident", table_columns.table_columns(path), mission=mission,
                              source=f"Incident import: {path.name}", convert=loading.text_converter)  # fmt: skip
    except NotColumnar:  # read row by row, as `import_file` reads it (a file of one blank row)
        return _row_path(db, path, mission)
    except FileProblem as refused:
        return {"refused": str(refused)}
    return _plain(report)


#: Changes to one row: each makes it bad, doubtful, or merely unusual for the columnar reader.
MUTATIONS: dict[str, Any] = {
    "unknown type": lambda r: {"event_type": "Skirmish"},
    "wrong sub-type": lambda r: {"event_type": "Protests", "sub_event_type": "Armed clash"},
    "bad date": lambda r: {"event_date": "yesterday"},
    "date slashes": lambda r: {"event_date": "15/01/2021"},
    "future": lambda r: {"event_date": "2999-01-01"},
    "Paris": lambda r: {"latitude": "48.85", "longitude": "2.35"},
    "no place": lambda r: {"latitude": "", "longitude": ""},
    "lone latitude": lambda r: {"longitude": ""},
    "decimal comma": lambda r: {"latitude": r["latitude"].replace(".", ",")},
    "latitude 200": lambda r: {"latitude": "200.5"},
    "fatalities words": lambda r: {"fatalities": "many"},
    "fatalities real": lambda r: {"fatalities": "2.0"},
    "fatalities negative": lambda r: {"fatalities": "-3"},
    "fatalities unknown": lambda r: {"fatalities": ""},
    "huge count": lambda r: {"fatalities": "9999999999"},
    "plus sign": lambda r: {"fatalities": "+4"},
    "killed more": lambda r: {"fatalities": "1", "killed_civilians": "3"},
    "killed within": lambda r: {"fatalities": "5", "killed_civilians": "3", "injured_civilians": "2"},
    "typed number": lambda r: {"notes": "12 killed near the well."},
    "edge space": lambda r: {"location_name": f" {r['location_name']}"},
    "decomposed": lambda r: {"notes": unicodedata.normalize("NFD", "Ségou, Ménaka")},
    "formula": lambda r: {"notes": "'=SUM(A1)"},
    "no external id": lambda r: {"external_id": ""},
    "long code": lambda r: {"external_id": "X" * 150},
    "invisible": lambda r: {"external_id": r["external_id"] + "\u200b"},
    "unknown place": lambda r: {"location": "Nowhere Town"},
    "other place": lambda r: {"location": "Gao"},  # far from the coordinate, mostly: a warning
    "no place named": lambda r: {"location": ""},
    "sector": lambda r: {"sector": "Sector East"},
    "unknown sector": lambda r: {"sector": "Sector Zero"},
    "category mismatch": lambda r: {"category": "ied_detonated", "sub_event_type": "Armed clash"},
    "bad category": lambda r: {"category": "boom"},
    "time": lambda r: {"event_time": "10:30"},
    "bad time": lambda r: {"event_time": "25:00"},
    "boolean words": lambda r: {"civilian_targeting": "yes", "explosives_used": "maybe"},
    "rejected": lambda r: {"review_status": "rejected"},
    "bad review": lambda r: {"review_status": "final"},
    "precisions": lambda r: {"time_precision": "week", "geo_precision": "region"},
    "bad precision": lambda r: {"time_precision": "4"},
    "grades": lambda r: {"source_reliability": "B", "information_credibility": "7"},
    "unknown unit": lambda r: {"responding_units": "Nobody; Nobody"},
    "inter words": lambda r: {"inter1": "State forces"},
    "own provenance": lambda r: {"provenance": "Field report"},
    "blank row": lambda r: dict.fromkeys(r, ""),
    "row of spaces": lambda r: dict.fromkeys(r, " \x1f"),  # blank to str.strip(), not to every trim
    "no-break space": lambda r: {"notes": r["notes"] + "\u00a0"},
}
#: Changes of a stored incident in a later file, which the row path takes as updates.
EDITS: dict[str, Any] = {
    "notes": lambda r: {"notes": "Changed on review."},
    "fatalities": lambda r: {"fatalities": "7"},
    "fatalities unknown": lambda r: {"fatalities": ""},
    "no place": lambda r: {"latitude": "", "longitude": ""},
    "unknown place": lambda r: {"location": "Nowhere Town"},
    "source": lambda r: {"source": "Another newspaper"},
    "verified to draft": lambda r: {"review_status": "draft"},
}


@st.composite
def incident_files(draw: st.DrawFn) -> tuple[list[dict[str, str]], list[str], bool]:
    """A few incidents with random changes, some repeated, in all columns or some, described or not."""
    size = draw(st.integers(min_value=1, max_value=8))
    prefix = f"T{next(_COUNTER)}-"
    rows = [{**row, "external_id": prefix + row["external_id"]} for row in _BASE[:size]]
    for _ in range(draw(st.integers(min_value=0, max_value=4))):
        at = draw(st.integers(min_value=0, max_value=len(rows) - 1))
        name = draw(st.sampled_from(sorted(MUTATIONS)))
        rows[at] = {**rows[at], **MUTATIONS[name](rows[at])}
    for _ in range(draw(st.integers(min_value=0, max_value=2))):
        at = draw(st.integers(min_value=0, max_value=len(rows) - 1))
        again = {**rows[at], "actor1": "Dozo Communal Militia (Mali)", "fatalities": "4"}
        rows.insert(draw(st.integers(min_value=at + 1, max_value=len(rows))), again)
    dropped = draw(st.sets(st.sampled_from(OPTIONAL), max_size=6)) if draw(st.booleans()) else set()
    header = [name for name in HEADER if name not in dropped]
    return rows, header, draw(st.booleans())


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(drawn=incident_files(), data=st.data())
def test_the_columnar_and_row_paths_write_and_report_the_same(
    two_missions: Database,
    tmp_path_factory: pytest.TempPathFactory,
    drawn: tuple[list[dict[str, str]], list[str], bool],
    data: st.DataObject,
) -> None:
    rows, header, described = drawn
    folder = tmp_path_factory.mktemp("own")
    edited = list(rows)
    for _ in range(data.draw(st.integers(min_value=1, max_value=3))):
        at = data.draw(st.integers(min_value=0, max_value=len(edited) - 1))
        edited[at] = {**edited[at], **EDITS[data.draw(st.sampled_from(sorted(EDITS)))](edited[at])}
    path = _write(folder / "incidents.csv", rows, header, described)
    changed = _write(folder / "edited.csv", edited, header, described)
    # again: nothing changed, or the updates the row path makes; then a file of edited incidents
    for file in (path, path, changed):
        by_rows = _row_path(two_missions, file, "A")
        by_columns = _column_path(two_missions, file, "B")
        assert by_columns == by_rows
        assert _written(two_missions, "B") == _written(two_missions, "A")
    _rollups_clean(two_missions)


def test_clean_rows_are_written_in_bulk_and_a_second_import_writes_nothing(
    two_missions: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Most rows of a clean file take the columnar path (the point of it), across batches, and
    the same file again is proved unchanged without a write; a template's description row too."""
    monkeypatch.setattr(table_columns, "BATCH_ROWS", 7)
    proved: list[int] = []
    split = table_columns._Batches.split

    def counted(self: Any, *args: Any) -> Any:
        batch = split(self, *args)
        proved.append(len(batch.numbers))
        return batch

    monkeypatch.setattr(table_columns._Batches, "split", counted)
    rows = [_own(row) for row in _events(40)]
    path = _write(tmp_path / "incidents.csv", rows, described=True)
    assert _column_path(two_missions, path, "B") == _row_path(two_missions, path, "A")
    assert len(proved) > 3 and sum(proved) >= 0.9 * len(rows)
    assert _written(two_missions, "B") == _written(two_missions, "A")
    _rollups_clean(two_missions)
    entries = _counts(two_missions)[1]
    proved.clear()
    again = _column_path(two_missions, path, "B")
    assert again == _row_path(two_missions, path, "A")
    assert again["unchanged"] == again["rows"] == len(rows) and sum(proved) == 0
    assert _counts(two_missions)[1] == entries  # no audit entry


def test_the_import_command_takes_the_columnar_path_for_a_csv_of_incidents(
    two_missions: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    taken: list[int] = []
    convert = table_columns._Batches.convert

    def counted(self: Any, *args: Any) -> Any:
        taken.append(1)
        return convert(self, *args)

    monkeypatch.setattr(table_columns._Batches, "convert", counted)
    path = _write(tmp_path / "incidents.csv", _BASE)
    report = import_file(two_missions, "analyst", IMPORTER, path, mission="B")
    assert report.created == len(_BASE) and taken
    odd = _write(tmp_path / "odd.csv", [*_BASE[:2], {"external_id": "X"}], header=[*HEADER[:5], "colour"])
    refused = import_file(two_missions, "analyst", IMPORTER, odd, mission="B")  # read row by row: named
    assert not refused.written and {p.column for p in refused.problems} >= {"colour"}


def test_a_bad_row_anywhere_writes_nothing_and_every_problem_is_named(
    two_missions: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(table_columns, "BATCH_ROWS", 5)  # batches written before the bad rows are met
    rows = [_own(row) for row in _events(30)]
    rows[3]["event_date"] = "yesterday"
    rows[-1]["latitude"], rows[-1]["longitude"] = "48.85", "2.35"  # Paris, in the last batch
    path = _write(tmp_path / "bad.csv", rows)
    report = _column_path(two_missions, path, "B")
    assert not report["written"] and report["created"] > 20  # counted as the row path counts them
    assert report == _row_path(two_missions, path, "A")
    assert [p["row"] for p in report["problems"]] == [5, len(rows) + 1]
    assert _counts(two_missions) == (0, 0, 0)


_KILLED = """
import os, signal, sys
from pathlib import Path
from bluehelmet.config import Settings
from bluehelmet.imports import table_columns
from bluehelmet.services import column_load, loading
from bluehelmet.services.database import Database
from bluehelmet.storage import bulk

table_columns.BATCH_ROWS = 10
calls = []
count = bulk.count_columns_in_rollups

def killing(*args, **kwargs):
    count(*args, **kwargs)
    calls.append(1)
    if len(calls) == 3:  # three batches written in the open transaction: killed mid-file
        os.kill(os.getpid(), signal.SIGKILL)

bulk.count_columns_in_rollups = killing
db = Database(Settings(database_url=sys.argv[1]))
column_load.load_columns(db, "killed", "Incident", table_columns.table_columns(Path(sys.argv[2])),
                         mission="B", convert=loading.text_converter)
print("not killed")
"""


def test_an_import_killed_mid_file_leaves_nothing(two_missions: Database, tmp_path: Path) -> None:
    path = _write(tmp_path / "incidents.csv", [_own(row) for row in _events(60)])
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
