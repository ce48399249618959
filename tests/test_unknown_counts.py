"""Unknown is not zero: a toll a report does not give is stored, exported, imported, counted
and shown as not recorded, never as 0; every sum says how many events it could not add."""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bluehelmet.analytics.incidents import known_sum
from bluehelmet.cli import cli
from bluehelmet.domain.errors import InvalidRecord
from bluehelmet.domain.incidents import TOLL_FIELDS, Incident
from bluehelmet.exports.writers import write
from bluehelmet.imports.tables import read_table
from bluehelmet.services import exporting, loading, records, stats
from bluehelmet.services.database import Database
from bluehelmet.services.stats import IncidentFilter
from bluehelmet.storage import migrate
from bluehelmet.storage.rollups import rollup_rows
from tests import factories
from tests.test_imports_external import (
    acled_row,
    load_acled,
    mission,  # noqa: F401  (the ACLED mission, a fixture)
    write_csv,
)


def _incident(tx: Any, mission_id: int, day: date, **extra: object) -> Incident:
    values: dict[str, object] = {
        "mission_id": mission_id, "event_date": day.isoformat(), "event_type": "Battles",
        "sub_event_type": "Armed clash", "responding_unit_ids": [], "latitude": None, "longitude": None,
        "location_id": None, "sector_id": None, "external_id": None, "location_name": "Gao",
        "perpetrator": "JNIM", "review_status": "verified", "category": None,
        **dict.fromkeys(TOLL_FIELDS),
    }  # fmt: skip
    values.update(extra)
    made = factories.make(tx, "Incident", **values)
    assert isinstance(made, Incident)
    return made


@pytest.fixture
def mission_id(db: Database) -> int:
    with db.transaction("tester") as tx:
        return int(factories.make(tx, "Mission", name="MINUSMA").id or 0)


# ------------------------------------------------------------------ the record, its files, its rules


def test_an_omitted_toll_is_stored_exported_and_imported_back_as_unknown(
    db: Database, mission_id: int, tmp_path: Path
) -> None:
    url = db.settings.database_url
    created = CliRunner().invoke(
        cli, ["--db", url, "record", "add", "Incident", f"mission_id={mission_id}", "external_id=U-1",
              "event_date=2021-04-02", "event_type=Battles", "sub_event_type=Armed clash", "killed_peacekeepers=0"],
    )  # fmt: skip
    assert created.exit_code == 0, created.output
    with db.transaction("reader") as tx:
        (stored,) = records.list_records(tx, "Incident", {"external_id": "U-1"})
        assert stored.fatalities is None and stored.killed_civilians is None  # type: ignore[attr-defined]
        assert stored.killed_peacekeepers == 0  # type: ignore[attr-defined]  # a known zero stays zero
    columns, rows = exporting.export_rows(db, "Incident", mission="MINUSMA")
    write("csv", tmp_path / "i.csv", columns, rows)
    cells = dict(read_table(tmp_path / "i.csv"))[2]
    assert cells["fatalities"] == "" and cells["killed_peacekeepers"] == "0"
    with db.transaction("tester") as tx:  # someone types a figure; the file says it is not recorded
        (stored,) = records.list_records(tx, "Incident", {"external_id": "U-1"})
        records.update(tx, "Incident", stored.id or 0, {"fatalities": 7, "injured_civilians": 0}, stored.version)
    report = loading.load(db, "importer", "Incident", read_table(tmp_path / "i.csv"), mission="MINUSMA")
    assert (report.problem_count, report.updated) == (0, 1), report.problems
    with db.transaction("reader") as tx:
        (back,) = records.list_records(tx, "Incident", {"external_id": "U-1"})
        assert [getattr(back, t) for t in TOLL_FIELDS] == [None, 0, None, None, None, None, None]
    write("geojson", tmp_path / "i.geojson", *exporting.export_rows(db, "Incident", mission="MINUSMA"))
    (feature,) = json.loads((tmp_path / "i.geojson").read_text())["features"]
    # GeoJSON properties are the file's cells as text: unknown is an empty one, unlike a zero.
    assert feature["properties"]["fatalities"] in ("", None) and feature["properties"]["killed_peacekeepers"] in (
        "0",
        0,
    )
    write("hxl", tmp_path / "i.hxl.csv", *exporting.export_rows(db, "Incident", mission="MINUSMA"))
    header, tags, row = list(csv.reader((tmp_path / "i.hxl.csv").read_text(encoding="utf-8-sig").splitlines()))
    assert row[tags.index("#affected+killed")] == "" and row[header.index("killed_peacekeepers")] == "0"


def test_a_total_not_recorded_is_not_fewer_than_its_parts(db: Database, mission_id: int) -> None:
    with db.transaction("tester") as tx:
        _incident(tx, mission_id, date(2021, 1, 1), killed_peacekeepers=3, killed_civilians=2)
        with pytest.raises(InvalidRecord, match="fewer than the 5 killed"):
            _incident(tx, mission_id, date(2021, 1, 2), fatalities=4, killed_peacekeepers=3, killed_civilians=2)
        _incident(tx, mission_id, date(2021, 1, 3), fatalities=3, killed_peacekeepers=3)  # the rest unknown: fine


@pytest.mark.usefixtures("mission")
def test_acled_writes_zero_for_none_and_leaves_the_cell_empty_when_it_does_not_know(
    db: Database, tmp_path: Path
) -> None:
    path = write_csv(
        tmp_path / "acled.csv",
        [acled_row("MLI9001", fatalities="0"), acled_row("MLI9002", fatalities=""), acled_row("MLI9003")],
    )
    report = load_acled(db, path)
    assert report.problem_count == 0, report.problems
    with db.transaction("reader") as tx:
        found = {i.external_id: i.fatalities for i in records.list_records(tx, "Incident")}  # type: ignore[attr-defined]
    assert found == {"MLI9001": 0, "MLI9002": None, "MLI9003": 3}


def test_the_api_gives_null_for_a_toll_not_recorded(db: Database, mission_id: int) -> None:
    from fastapi.testclient import TestClient  # noqa: PLC0415

    from bluehelmet.services import accounts  # noqa: PLC0415
    from bluehelmet.web.app import create_app  # noqa: PLC0415

    with db.transaction("tester") as tx:
        made = _incident(tx, mission_id, date(2021, 4, 2), killed_civilians=0)
    accounts.add_account(db, "tester", "api", "analyst", password="correct horse battery staple")
    issued = accounts.issue_token(db, "tester", "api")
    with TestClient(create_app(db.settings, db=db)) as client:
        body = client.get(f"/api/records/incident/{made.id}", headers={"Authorization": f"Bearer {issued}"}).json()
        assert body["fatalities"] is None and body["killed_civilians"] == 0
        rows = client.get("/api/stats/incidents", headers={"Authorization": f"Bearer {issued}"}).json()["rows"]
        assert rows[0]["fatalities"] == 0 and rows[0]["fatalities_unknown"] == 1
        with db.transaction("tester") as tx:
            _incident(tx, mission_id, date(2021, 4, 3), fatalities=5, review_status="draft")
        every = client.get("/api/stats/incidents", headers={"Authorization": f"Bearer {issued}"}).json()["rows"]
        verified = client.get(
            "/api/stats/incidents", params={"status": "verified"}, headers={"Authorization": f"Bearer {issued}"}
        ).json()["rows"]
        assert (every[0]["events"], every[0]["fatalities"]) == (2, 5)
        assert (verified[0]["events"], verified[0]["fatalities"], verified[0]["fatalities_unknown"]) == (1, 0, 1)


# ------------------------------------------------------------------ sums that know their gaps


def test_fatalities_unknown_on_hand_made_incidents_on_every_path(db: Database, mission_id: int) -> None:
    with db.transaction("tester") as tx:
        _incident(tx, mission_id, date(2021, 1, 5), fatalities=3)
        _incident(tx, mission_id, date(2021, 1, 20))  # casualties not recorded
        _incident(tx, mission_id, date(2021, 1, 31), fatalities=0, location_name="Kidal")
        _incident(tx, mission_id, date(2021, 2, 1), location_name="Kidal", killed_civilians=2)
        _incident(tx, mission_id, date(2021, 2, 14), fatalities=5, location_name="Kidal")
        _incident(tx, mission_id, date(2021, 3, 1), review_status="rejected")  # never counted
    expected_month = {"2021-01": (3, 1), "2021-02": (5, 1)}
    for flt in (IncidentFilter(), IncidentFilter(date(2021, 1, 1), date(2021, 2, 28)),
                IncidentFilter(date(2021, 1, 3), date(2021, 2, 20))):  # fmt: skip
        rows = stats.incident_table(db, ["month"], flt)
        assert {r["month"]: (r["fatalities"], r["fatalities_unknown"]) for r in rows} == expected_month
    by_place = stats.incident_table(db, ["location"], IncidentFilter(date(2021, 1, 10), date(2021, 12, 31)))
    assert {r["location"]: (r["fatalities"], r["fatalities_unknown"]) for r in by_place} == {
        "Gao": (0, 1),
        "Kidal": (5, 1),
    }
    by_type = stats.incident_table(db, ["location", "event_type", "day"], IncidentFilter())
    assert sum(r["fatalities_unknown"] for r in by_type) == 2
    (total,) = stats.incident_table(db, [], IncidentFilter())
    assert (total["events"], total["fatalities"], total["fatalities_unknown"]) == (5, 8, 2)
    assert (total["killed_civilians"], total["killed_civilians_unknown"]) == (2, 4)
    assert known_sum(total, ["killed_peacekeepers", "injured_peacekeepers"]).unknown == 5
    result = CliRunner().invoke(cli, ["--db", db.settings.database_url, "stats", "incidents", "--json"])
    assert json.loads(result.stdout)["rows"] == [total]
    with db.transaction("tester") as tx:
        (gao,) = [i for i in records.list_records(tx, "Incident") if str(i.event_date) == "2021-01-20"]
        records.update(tx, "Incident", gao.id or 0, {"fatalities": 4}, gao.version)
    (total,) = stats.incident_table(db, [], IncidentFilter())
    assert (total["fatalities"], total["fatalities_unknown"]) == (12, 1)
    with db.transaction("tester") as tx:
        assert rollup_rows(tx.session) == rollup_rows(tx.session, fresh=True)


_KEYS = ["year", "month", "week", "day", "event_type", "location", "perpetrator", "sector"]
_events = st.lists(
    st.tuples(
        st.dates(date(2020, 12, 1), date(2021, 3, 31)),
        st.sampled_from(["Battles", "Riots"]),
        st.sampled_from(["Gao", "Kidal", ""]),
        st.one_of(st.none(), st.integers(0, 9)),
    ),
    max_size=12,
)
_counter = iter(range(1_000_000))


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(events=_events, keys=st.lists(st.sampled_from(_KEYS), unique=True, max_size=2), bounded=st.booleans())
def test_the_known_sum_and_the_unknown_count_do_not_depend_on_the_grouping(
    db: Database, events: list[tuple[date, str, str, int | None]], keys: list[str], bounded: bool
) -> None:
    name = f"M{next(_counter)}"
    with db.transaction("tester") as tx:
        mission = int(factories.make(tx, "Mission", name=name).id or 0)
        for day, kind, place, deaths in events:
            sub = "Armed clash" if kind == "Battles" else "Mob violence"
            _incident(tx, mission, day, event_type=kind, sub_event_type=sub, location_name=place, fatalities=deaths)
    flt = IncidentFilter(date(2021, 1, 4), date(2021, 3, 14)) if bounded else IncidentFilter()
    counted = [e for e in events if not bounded or date(2021, 1, 4) <= e[0] <= date(2021, 3, 14)]
    rows = stats.incident_table(db, keys, flt, mission=name)
    assert sum(r["events"] for r in rows) == len(counted)
    assert sum(r["fatalities"] for r in rows) == sum(e[3] or 0 for e in counted)
    assert sum(r["fatalities_unknown"] for r in rows) == sum(e[3] is None for e in counted)
    (total,) = stats.incident_table(db, [], flt, mission=name)
    assert total["fatalities_unknown"] == sum(r["fatalities_unknown"] for r in rows)


# ------------------------------------------------------------------ storage


def test_the_migration_keeps_every_value_and_counts_none_as_unknown(db: Database, mission_id: int) -> None:
    with db.transaction("tester") as tx:
        _incident(tx, mission_id, date(2021, 1, 5), fatalities=24, killed_peacekeepers=4, killed_civilians=0)
        _incident(tx, mission_id, date(2021, 1, 6), fatalities=0)
    config = migrate.alembic_config()
    with db.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0013")
    migrate.upgrade(db.engine)
    assert migrate.schema_drift(db.engine) == []
    with db.transaction("reader") as tx:
        kept = sorted(
            (i.fatalities, i.killed_peacekeepers, i.killed_civilians) for i in records.list_records(tx, "Incident")
        )  # type: ignore[attr-defined]
        assert kept == [(0, 0, 0), (24, 4, 0)]  # the old placeholders of the downgrade, then every value kept
        assert rollup_rows(tx.session) == rollup_rows(tx.session, fresh=True)


def test_a_comparison_says_how_many_events_it_could_not_add(db: Database, mission_id: int) -> None:
    with db.transaction("tester") as tx:
        _incident(tx, mission_id, date(2020, 2, 1), killed_civilians=4, injured_civilians=2)
        _incident(tx, mission_id, date(2020, 2, 2), killed_civilians=1)  # injured not recorded
        _incident(tx, mission_id, date(2021, 2, 1), killed_civilians=1, injured_civilians=2)
        _incident(tx, mission_id, date(2021, 2, 3))  # nothing recorded
    change = stats.compare_with_previous_year(
        db, IncidentFilter(date(2021, 1, 1), date(2021, 4, 30)), "civilian_casualties"
    )
    assert (change.current, change.previous, change.current_unknown, change.previous_unknown) == (3, 7, 1, 1)
    result = CliRunner().invoke(
        cli, ["--db", db.settings.database_url, "stats", "compare", "--measure", "fatalities", "--from", "2021-01-01",
              "--to", "2021-04-30"],
    )  # fmt: skip
    assert "not recorded for 2 events in the period and 2 a year earlier" in result.stdout


def test_a_convoy_whose_vehicles_are_not_recorded_needs_notice_only_with_heavy_weapons(
    db: Database, mission_id: int
) -> None:
    from bluehelmet.domain.convoys import requires_notification  # noqa: PLC0415

    with db.transaction("tester") as tx:
        seen = records.create(tx, "ConvoyObservation", {"mission_id": mission_id, "armed_group": "CMA",
                                                         "observed_on": "2021-03-01"})  # fmt: skip
    with db.transaction("reader") as tx:
        assert records.get(tx, "ConvoyObservation", seen.id or 0).vehicles is None  # type: ignore[attr-defined]
    assert not requires_notification(None, heavy_weapons=False)
    assert requires_notification(None, heavy_weapons=True)
    assert requires_notification(6, heavy_weapons=False) and not requires_notification(0, heavy_weapons=False)


def test_convoys_whose_need_cannot_be_judged_are_counted_apart_never_as_compliant(
    db: Database, mission_id: int
) -> None:
    from bluehelmet.reporting.build import build_letter  # noqa: PLC0415
    from bluehelmet.services import convoy_stats  # noqa: PLC0415
    from tests.test_letter_frame import prose  # noqa: PLC0415

    with db.transaction("tester") as tx:
        for day, vehicles, heavy in (
            ("2021-03-01", None, False),
            ("2021-03-02", None, False),
            ("2021-03-03", None, True),
            ("2021-03-04", 9, False),
            ("2021-03-05", 2, False),
        ):
            records.create(tx, "ConvoyObservation", {"mission_id": mission_id, "armed_group": "CMA", "observed_on": day,
                                                     "vehicles": vehicles, "heavy_weapons": heavy})  # fmt: skip
    result = convoy_stats.convoys(db, date_from=date(2021, 3, 1), date_to=date(2021, 3, 31))
    total = result.total
    assert (total.observed, total.needing_notice, total.notified, total.need_unknown) == (5, 2, 0, 2)
    assert total.share == 0.0
    out = CliRunner().invoke(cli, ["--db", db.settings.database_url, "stats", "convoys", "--from", "2021-03-01",
                                   "--to", "2021-03-31"])  # fmt: skip
    assert out.exit_code == 0, out.output
    assert "0 of 2 convoys needing notice were notified beforehand" in out.stdout
    assert "2 more could not be judged (vehicles not recorded)" in out.stdout
    as_json = CliRunner().invoke(cli, ["--db", db.settings.database_url, "stats", "convoys", "--from", "2021-03-01",
                                       "--to", "2021-03-31", "--json"])  # fmt: skip
    assert json.loads(as_json.stdout)["total"]["need_unknown"] == 2
    letter = build_letter(db, date(2021, 3, 1), date(2021, 3, 31), mission="MINUSMA")
    english, french = prose(letter, "en"), prose(letter, "fr")
    assert "Of two observed convoys that required prior notification, two had not been notified." in english
    assert (
        "The need for notice of two further observed convoys could not be judged, as their vehicles were not recorded."
        in english
    )
    assert "La nécessité d'une notification n'a pu être évaluée pour deux autres convois observés" in french
