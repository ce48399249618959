"""A batched load writes exactly what a row-by-row load writes: the same records, audit entries,
rollups, report and problems. The same file goes into two missions of one database, one load
per path, and everything each wrote is compared (ids and timestamps aside)."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bluehelmet.imports.acled import IMPORTER
from bluehelmet.imports.registry import table_importer
from bluehelmet.services import batching, loading, records
from bluehelmet.services.database import Database
from bluehelmet.services.synth import ACLED_COLUMNS, synthesise
from bluehelmet.storage.rollups import PLACED_SECTOR, ROLLUPS
from bluehelmet.storage.tables import TABLES

_STAMPS = {"id", "uid", "mission_id", "created_at", "updated_at", "location_id"}  # the uid: an identity, as the id


def _write(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(ACLED_COLUMNS))
        writer.writeheader()
        writer.writerows(rows)
    return path


def _events(n: int) -> list[dict[str, str]]:
    incidents = next(f for f in synthesise(incidents=n, seed=5).files if f.kind == "acled")
    return list(incidents.iter_rows())


@pytest.fixture
def two_missions(db: Database, tmp_path: Path) -> Database:
    """Missions A and B, each with the synthetic mission's sectors and places."""
    files = {f.kind: f for f in synthesise(incidents=0, seed=5).files}
    for name in ("A", "B"):
        with db.transaction("test") as tx:
            records.create(tx, "Mission", {"name": name, "country_iso3": "MLI"})
        for kind in ("Sector", "Location"):
            path = tmp_path / f"{kind}.csv"
            with path.open("w", encoding="utf-8", newline="") as handle:
                writer = csv.DictWriter(handle, fieldnames=list(files[kind].columns))
                writer.writeheader()
                writer.writerows(files[kind].iter_rows())
            report = loading.load(db, "test", kind, table_importer(kind).rows(path), mission=name, batched=False)
            assert report.written, report.problems
    return db


def _load(db: Database, path: Path, mission: str, *, batched: bool) -> dict[str, Any]:
    report = loading.load(
        db, "analyst", "Incident", IMPORTER.rows(path), mission=mission, source=f"acled import: {path.name}",
        convert=IMPORTER.convert, batched=batched,
    )  # fmt: skip
    return report.as_dict()


def _plain(values: dict[str, Any] | None, places: dict[int, str]) -> str:
    if values is None:
        return "null"
    kept = {k: v for k, v in values.items() if k not in _STAMPS}
    kept["location"] = places.get(values.get("location_id") or 0, "")
    return json.dumps(kept, sort_keys=True, default=str)


def _written(db: Database, mission: str) -> dict[str, Any]:
    """Everything a load wrote for the mission, without ids and timestamps."""
    incident, location = TABLES[records.kind_of("Incident")], TABLES[records.kind_of("Location")]
    mission_table = TABLES[records.kind_of("Mission")]
    with db.transaction("reader") as tx:
        session = tx.session
        mission_id = session.scalar(select(mission_table.c.id).where(mission_table.c.name == mission))
        places = {row[0]: row[1] for row in session.execute(select(location.c.id, location.c.name))}
        sector = TABLES[records.kind_of("Sector")]
        sectors = {row[0]: row[1] for row in session.execute(select(sector.c.id, sector.c.name))}
        named = {"location_id": places, "sector_id": sectors, PLACED_SECTOR: sectors}
        rows = session.execute(select(incident).where(incident.c.mission_id == mission_id)).mappings().all()
        ids = {row["id"]: row["external_id"] for row in rows}
        stored = sorted(_plain(dict(row), places) for row in rows)
        audit = [e for i in ids for e in records.history(tx, "Incident", i)]  # the images whole, as stored or not
        entries = sorted(
            json.dumps([ids[a.record_id], str(a.action), a.version, a.actor,
                        _plain(a.before, places), _plain(a.after, places)])
            for a in audit
        )  # fmt: skip
        rollups = {}
        for rollup in ROLLUPS:
            table = rollup.table
            found = session.execute(select(table).where(table.c.mission_id == mission_id)).mappings().all()
            rollups[rollup.name] = sorted(
                json.dumps({k: named[k].get(v, v) if k in named else v for k, v in r.items()
                            if k != "mission_id"}, sort_keys=True, default=str)
                for r in found
            )  # fmt: skip
    return {"incidents": stored, "audit": entries, "rollups": rollups}


def _same_report(a: dict[str, Any], b: dict[str, Any]) -> None:
    assert {**a, "source": ""} == {**b, "source": ""}


@pytest.mark.parametrize("batch", [1000, 7])
def test_a_batched_load_writes_what_a_row_by_row_load_writes(
    two_missions: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, batch: int
) -> None:
    monkeypatch.setattr(loading, "_BATCH", batch)  # 7: events repeat across and within batches
    monkeypatch.setattr(loading, "_PENDING_CELLS", 10 if batch == 7 else 100_000)  # written part by part
    rows = _events(60)
    rows.append({**rows[3], "data_id": "9001", "actor1": "Dozo Communal Militia (Mali)", "fatalities": "9"})
    rows.append({**rows[40], "data_id": "9002", "event_id_cnty": "", "notes": "no event id"})
    first = _write(tmp_path / "acled.csv", rows)
    for mission, batched in (("A", False), ("B", True)):
        assert _load(two_missions, first, mission, batched=batched)["created"] == 61
    rows[10] = {**rows[10], "fatalities": "12", "notes": "revised"}
    second = _write(tmp_path / "acled-v2.csv", rows)
    reports = {
        m: [_load(two_missions, p, m, batched=b) for p in (first, second)] for m, b in (("A", False), ("B", True))
    }
    for a, b in zip(reports["A"], reports["B"], strict=True):
        _same_report(a, b)
    assert reports["B"][1]["updated"] >= 1
    assert _written(two_missions, "A") == _written(two_missions, "B")


def test_a_batched_load_finds_the_same_problems_and_writes_nothing(two_missions: Database, tmp_path: Path) -> None:
    rows = _events(30)
    rows[2]["event_type"] = "Skirmish"
    rows[5]["latitude"], rows[5]["longitude"] = "48.85", "2.35"  # Paris
    rows[9]["event_date"] = "yesterday"
    rows[12]["fatalities"] = "many"
    path = _write(tmp_path / "bad.csv", rows)
    row_by_row = _load(two_missions, path, "A", batched=False)
    batched = _load(two_missions, path, "B", batched=True)
    _same_report(row_by_row, batched)
    assert batched["problem_count"] == 4 and not batched["written"]
    assert _written(two_missions, "B")["incidents"] == []


def test_a_batched_load_gives_each_record_a_new_id_that_later_writes_do_not_take(
    two_missions: Database, tmp_path: Path
) -> None:
    """The batch writes ids it reserved (no RETURNING): they follow the records already there,
    and a record created afterwards through the ordinary path still gets an id of its own."""
    path = _write(tmp_path / "acled.csv", _events(25))
    assert _load(two_missions, path, "A", batched=False)["created"] == 25
    assert _load(two_missions, path, "B", batched=True)["created"] == 25
    with two_missions.transaction("test") as tx:
        later = records.create(
            tx, "Incident", {"mission_id": 1, "event_date": "2021-03-01", "event_type": "Battles",
                             "sub_event_type": "Armed clash", "external_id": "LATER-1"},
        )  # fmt: skip
        table = TABLES[records.kind_of("Incident")]
        ids = list(tx.session.scalars(select(table.c.id).order_by(table.c.id)))
    assert len(ids) == len(set(ids)) == 51
    assert ids[:50] == list(range(ids[0], ids[0] + 50))  # the batch continued after the first load's ids
    assert later.id == max(ids)


def test_a_record_built_for_a_bulk_insert_holds_what_the_ordinary_one_holds() -> None:
    from bluehelmet.domain.incidents import Incident  # noqa: PLC0415
    from bluehelmet.domain.records import snapshot  # noqa: PLC0415
    from bluehelmet.services.parsing import parse_values  # noqa: PLC0415
    from bluehelmet.storage.tables import unsaved  # noqa: PLC0415

    values = parse_values(Incident, {"mission_id": 3, "event_date": "2021-01-15", "event_type": "Battles",
                                     "sub_event_type": "Armed clash", "fatalities": 4})  # fmt: skip
    bulk, ordinary = unsaved(Incident, values), Incident(**values)
    assert bulk.uid != ordinary.uid  # each new record its own global id; the rest the same
    assert {**snapshot(bulk), "uid": None} == {**snapshot(ordinary), "uid": None}
    assert bulk.fatalities == 4 and bulk.id is None and bulk.label() == ordinary.label()
    with pytest.raises(TypeError, match="needs event_date"):
        unsaved(Incident, {k: v for k, v in values.items() if k != "event_date"})


def test_a_large_load_refreshes_the_planner_statistics_on_postgresql(
    two_missions: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sqlalchemy import text  # noqa: PLC0415

    monkeypatch.setattr(loading, "_ANALYSE_AFTER", 20)
    path = _write(tmp_path / "acled.csv", _events(25))
    assert _load(two_missions, path, "A", batched=True)["created"] == 25
    with two_missions.engine.connect() as conn:
        if two_missions.engine.dialect.name == "postgresql":
            analysed = conn.execute(
                text("SELECT relname FROM pg_stat_user_tables WHERE last_analyze IS NOT NULL")
            ).scalars()
            assert {"incident", "audit_entry", "incident_day"} <= set(analysed)
        else:  # SQLite plans its groupings from the indexes: a load does not analyse the incidents there
            has_stats = conn.execute(text("SELECT name FROM sqlite_master WHERE name = 'sqlite_stat1'")).first()
            analysed = [] if has_stats is None else conn.execute(text("SELECT idx FROM sqlite_stat1")).scalars()
            assert "ix_incident_day_facets" not in set(analysed)


def test_a_long_load_measures_the_table_it_is_making_as_it_goes(
    two_missions: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On PostgreSQL, inside the load's own transaction, each time the table is four times
    larger: the statistics count the rows written so far, so the natural-key look-ups of the
    later batches are planned for a table of that size, not for an empty one."""
    from sqlalchemy import text  # noqa: PLC0415
    from sqlalchemy.engine import Connection  # noqa: PLC0415

    monkeypatch.setattr(loading, "_ANALYSE_AFTER", 20)
    monkeypatch.setattr(loading, "_BATCH", 10)
    measured: list[float] = []
    real = batching.analyse_keys_on

    def spied(connection: Connection, table: Any) -> None:
        real(connection, table)
        if connection.dialect.name == "postgresql":
            query = text("SELECT reltuples FROM pg_class WHERE oid = 'incident'::regclass")
            measured.append(float(connection.execute(query).scalar_one()))
        else:
            measured.append(-1.0)

    monkeypatch.setattr(batching, "analyse_keys_on", spied)
    path = _write(tmp_path / "acled.csv", _events(95))
    assert _load(two_missions, path, "A", batched=True)["created"] == 95
    assert len(measured) == 2  # after 20 rows written and after 80, not at every batch
    if two_missions.engine.dialect.name == "postgresql":
        assert measured[0] >= 20 and measured[1] >= 80, measured  # the uncommitted rows, counted
    else:
        assert measured == [-1.0, -1.0]
