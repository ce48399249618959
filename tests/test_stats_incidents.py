"""Incident analysis: hand-computed cases, the `stats incidents` JSON contract, and properties
that compare each grouping with a plain computation on random data."""

from __future__ import annotations

import json
import random
from collections import Counter
from datetime import date, timedelta
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Integer, func, literal, select, text

from bluehelmet.analytics.incidents import GroupKey, date_key, fold, percent_change, rate_change
from bluehelmet.cli import cli
from bluehelmet.services import stats
from bluehelmet.services.database import Database
from bluehelmet.services.stats import IncidentFilter
from bluehelmet.storage.aggregates import iso_week_text
from tests import factories

TYPES = [
    ("Battles", "Armed clash", None),
    ("Explosions/Remote violence", "Remote explosive/landmine/IED", "ied_detonated"),
    ("Strategic developments", "Disrupted weapons use", "ied_neutralised"),
    ("Violence against civilians", "Attack", "protection_of_civilians"),
]


def _incident(tx, mission_id: int, day: date, kind: int = 0, **extra: object) -> None:  # type: ignore[no-untyped-def]
    event_type, sub_event_type, category = TYPES[kind]
    values = {
        "mission_id": mission_id, "event_date": day.isoformat(), "event_type": event_type,
        "sub_event_type": sub_event_type, "category": category, "fatalities": 0, "killed_peacekeepers": 0,
        "injured_peacekeepers": 0, "killed_civilians": 0, "injured_civilians": 0, "responding_unit_ids": [],
        "latitude": None, "longitude": None, "location_id": None, "sector_id": None, "external_id": None,
    }  # fmt: skip
    values.update(extra)
    factories.make(tx, "Incident", **values)


@pytest.fixture
def mission_id(db: Database) -> int:
    with db.transaction("tester") as tx:
        return int(factories.make(tx, "Mission", name="MINUSMA").id or 0)


def test_grouping_by_month_and_type_as_the_contract_says(db: Database, mission_id: int) -> None:
    with db.transaction("tester") as tx:
        _incident(tx, mission_id, date(2021, 1, 5), 0, fatalities=3)
        _incident(tx, mission_id, date(2021, 1, 20), 1, fatalities=2, killed_civilians=1)
        _incident(tx, mission_id, date(2021, 1, 31), 1)
        _incident(tx, mission_id, date(2021, 2, 1), 0, fatalities=1)
        _incident(tx, mission_id, date(2021, 3, 1), 0)  # outside --to
    result = CliRunner().invoke(
        cli, ["--db", db.settings.database_url, "stats", "incidents", "--from", "2021-01-01", "--to", "2021-02-28",
              "--by", "month,event_type", "--json"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)["rows"]
    assert [(r["month"], r["event_type"], r["events"], r["fatalities"]) for r in rows] == [
        ("2021-01", "Battles", 1, 3),
        ("2021-01", "Explosions/Remote violence", 2, 2),
        ("2021-02", "Battles", 1, 1),
    ]
    assert rows[1]["killed_civilians"] == 1


def test_rejected_and_deleted_incidents_do_not_count(db: Database, mission_id: int) -> None:
    from bluehelmet.services import records  # noqa: PLC0415

    with db.transaction("tester") as tx:
        _incident(tx, mission_id, date(2021, 1, 5), review_status="rejected")
        _incident(tx, mission_id, date(2021, 1, 6), external_id="GONE")
        _incident(tx, mission_id, date(2021, 1, 7))
        (gone,) = records.list_records(tx, "Incident", {"external_id": "GONE"})
        records.delete(tx, "Incident", gone.id)
    rows = stats.incident_table(db, [], IncidentFilter())
    assert rows[0]["events"] == 1


def test_groups_are_sorted_as_python_sorts_text_whatever_the_database_collation(db: Database, mission_id: int) -> None:
    """By code point (capitals before small letters, accents after), missing ('' or none) first,
    on both backends; the weeks of days at the turn of a year are their ISO weeks."""
    names = ["bamako", "Gao", "Ségou", "Sikasso", "Zé", "", "", "Gao"]
    days = [date(2021, 1, 3), date(2021, 1, 4), date(2020, 12, 28), date(2021, 1, 3)]
    with db.transaction("tester") as tx:
        for n, name in enumerate(names):
            _incident(tx, mission_id, days[n % len(days)], location_name=name, fatalities=n)
    rows = stats.incident_table(db, ["location"], IncidentFilter())
    assert [(r["location"], r["events"]) for r in rows] == [
        (None, 2),
        ("Gao", 2),
        ("Sikasso", 1),
        ("Ségou", 1),
        ("Zé", 1),
        ("bamako", 1),
    ]
    assert rows[0]["fatalities"] == 5 + 6 and rows[1]["fatalities"] == 1 + 7
    weeks = stats.incident_table(db, ["week", "location"], IncidentFilter(date(2020, 12, 29), date(2021, 1, 4)))
    assert [(r["week"], r["location"]) for r in weeks] == [
        ("2020-W53", "Gao"), ("2020-W53", "Sikasso"), ("2020-W53", "Zé"), ("2020-W53", "bamako"),
        ("2021-W01", None), ("2021-W01", "Gao"),
    ]  # fmt: skip
    assert stats.incident_table(db, [], IncidentFilter(date(2019, 1, 1), date(2019, 1, 2)))[0]["events"] == 0


def test_weekly_rate_before_and_after_a_deployment(db: Database, mission_id: int) -> None:
    start, split, end = date(2020, 9, 7), date(2020, 12, 7), date(2021, 3, 7)
    with db.transaction("tester") as tx:
        for week in range(13):
            for n in range(10):
                _incident(tx, mission_id, start + timedelta(days=7 * week + n % 7), 3, location_name="Ansongo")
        for week in range(13):
            for n in range(2):
                _incident(tx, mission_id, split + timedelta(days=7 * week + n), 3, location_name="Ansongo")
        _incident(tx, mission_id, split, 3, location_name="Gao")  # another place
    where = {"location": ["Ansongo"], "category": ["protection_of_civilians"]}
    flt = IncidentFilter(start, end, where)  # 13 weeks on each side of the split
    result = stats.weekly_rate(db, split, flt)
    assert (result.before_events, result.after_events) == (130, 26)
    assert result.rate_before == pytest.approx(10.0) and result.rate_after == pytest.approx(2.0)
    assert result.ratio == pytest.approx(0.2)
    assert result.ratio_low is not None and result.ratio_high is not None
    assert result.ratio_low < 0.2 < result.ratio_high < 1


def test_the_same_months_a_year_earlier(db: Database, mission_id: int) -> None:
    with db.transaction("tester") as tx:
        for year, casualties in ((2020, [40, 50, 60]), (2021, [30, 33, 36])):
            for month, count in enumerate(casualties, start=1):
                _incident(tx, mission_id, date(year, month, 10), 1, killed_civilians=count // 3,
                          injured_civilians=count - count // 3, fatalities=count // 3)  # fmt: skip
        _incident(tx, mission_id, date(2021, 5, 10), 1, killed_civilians=50, fatalities=50)  # after the period
    flt = IncidentFilter(date(2021, 1, 1), date(2021, 4, 30), {"event_type": ["Explosions/Remote violence"]})
    change = stats.compare_with_previous_year(db, flt, "civilian_casualties")
    assert (change.current, change.previous) == (99, 150)
    assert round(change.change_percent or 0) == -34


def test_ied_summary(db: Database, mission_id: int) -> None:
    with db.transaction("tester") as tx:
        for n in range(5):
            _incident(tx, mission_id, date(2021, 2, 1 + n), 1, target="mission")
        for n in range(3):
            _incident(tx, mission_id, date(2021, 2, 10 + n), 2, target="mission")
        for n in range(4):
            _incident(tx, mission_id, date(2021, 3, 1 + n), 1, target="national_forces")
        _incident(tx, mission_id, date(2020, 12, 1), 1, target="mission")  # before the period
    summary = stats.ied_summary(db, IncidentFilter(date(2021, 1, 1), date(2021, 5, 31)))
    assert (summary.in_country, summary.against_mission, summary.neutralised, summary.detonated) == (12, 8, 3, 5)


def test_percent_change_and_rate_change_by_hand() -> None:
    assert percent_change(99, 150).change_percent == pytest.approx(-34.0)
    assert percent_change(5, 0).change_percent is None
    flat = rate_change(10, 1, 10, 1)
    assert flat.ratio == 1.0 and flat.ratio_low == pytest.approx(0.416, abs=0.001)
    assert rate_change(0, 2, 4, 2).ratio is None


def test_iso_weeks_cross_years_correctly() -> None:
    assert date_key(GroupKey.WEEK, date(2021, 1, 3)) == "2020-W53"
    assert date_key(GroupKey.WEEK, date(2021, 1, 4)) == "2021-W01"


def test_the_databases_iso_week_is_pythons_for_every_day_of_two_centuries(db: Database) -> None:
    """SQLite 3.40 has no %V: the week is worked out from the Thursday's Julian day number."""
    first, last = date(1900, 1, 1), date(2100, 12, 31)
    counting = "WITH RECURSIVE d(x) AS (SELECT 0 UNION ALL SELECT x + 1 FROM d WHERE x < :last) SELECT x FROM d"
    offsets = text(counting).bindparams(last=(last - first).days).columns(x=Integer).subquery("n")
    with db.transaction("tester") as tx:
        session = tx.session
        if session.get_bind().dialect.name == "sqlite":  # a day as SQLite stores it: ISO text
            day: Any = func.date(first.isoformat(), func.printf("+%d days", offsets.c.x))
        else:
            day = literal(first) + offsets.c.x
        weeks = session.execute(select(offsets.c.x, iso_week_text(session, day))).all()
    assert len(weeks) == (last - first).days + 1
    for offset, week in weeks:
        assert week == date_key(GroupKey.WEEK, first + timedelta(days=offset)), offset


_rows = st.lists(
    st.tuples(
        st.dates(date(2019, 12, 20), date(2021, 1, 10)),
        st.sampled_from(["Battles", "Riots", "Protests"]),
        st.sampled_from(["Gao", "Kidal", None]),
        st.integers(0, 3),
        st.integers(0, 20),
    ),
    max_size=40,
)
_KEYS = [GroupKey.YEAR, GroupKey.MONTH, GroupKey.WEEK, GroupKey.DAY, GroupKey.EVENT_TYPE, GroupKey.LOCATION]
_keys = st.lists(st.sampled_from(_KEYS), unique=True, max_size=3)


@settings(max_examples=200, deadline=None)
@given(rows=_rows, keys=_keys, seed=st.integers(0, 1000))
def test_folding_keeps_totals_whatever_the_keys_and_the_order(rows: list, keys: list, seed: int) -> None:  # type: ignore[type-arg]
    facts = [
        ({"day": d.isoformat(), "event_type": t, "location": loc}, n, {"fatalities": f}) for d, t, loc, n, f in rows
    ]
    keys = keys if not any(k in (GroupKey.YEAR, GroupKey.MONTH, GroupKey.WEEK) for k in keys) else [*keys, GroupKey.DAY]
    shuffled = facts[:]
    random.Random(seed).shuffle(shuffled)
    first, second = fold(facts, keys), fold(shuffled, keys)
    assert [(labels, t.events, t.sums) for labels, t in first] == [(labels, t.events, t.sums) for labels, t in second]
    assert sum(t.events for _, t in first) == sum(n for *_, n, _ in rows)
    assert sum(t.sums["fatalities"] for _, t in first) == sum(f for *_, f in rows)
    labels = [tuple((v is not None, v or "") for v in lab.values()) for lab, _ in first]
    assert labels == sorted(labels) and len(set(labels)) == len(labels)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    events=st.lists(
        st.tuples(st.dates(date(2020, 11, 1), date(2021, 2, 28)), st.integers(0, 3), st.integers(0, 5)), max_size=12
    )
)
def test_database_grouping_matches_a_plain_count(tmp_path_factory: pytest.TempPathFactory, events: list) -> None:  # type: ignore[type-arg]
    from bluehelmet.config import Settings  # noqa: PLC0415

    path = tmp_path_factory.mktemp("prop") / "p.db"
    database = Database(Settings(database_url=f"sqlite:///{path}"))
    database.init_schema()
    try:
        with database.transaction("tester") as tx:
            mission = int(factories.make(tx, "Mission", name="M").id or 0)
            for day, kind, deaths in events:
                _incident(tx, mission, day, kind, fatalities=deaths)
        rows = stats.incident_table(database, ["month", "event_type"], IncidentFilter())
        expected_events = Counter((d.strftime("%Y-%m"), TYPES[k][0]) for d, k, _ in events)
        expected_deaths = Counter()  # type: ignore[var-annotated]
        for d, k, deaths in events:
            expected_deaths[(d.strftime("%Y-%m"), TYPES[k][0])] += deaths
        assert {(r["month"], r["event_type"]): r["events"] for r in rows} == dict(expected_events)
        assert {(r["month"], r["event_type"]): r["fatalities"] for r in rows} == dict(expected_deaths)
    finally:
        database.close()


# ---------------------------------------------------------------------------- the letter's figures


def test_the_letters_incident_figures_come_out_of_the_analysis(reference_db: Database) -> None:
    """S/2021/520: PoC incidents in Ansongo's quartier hydraulique from 10 to 2 a week; 34 per cent
    fewer civilian casualties of explosive incidents; 68-plus IEDs, 25 against the mission, 12
    neutralised and 13 detonated."""
    place = {"location": ["quartier hydraulique, Ansongo"], "category": ["protection_of_civilians"]}
    rate = stats.weekly_rate(
        reference_db, date(2020, 12, 7), IncidentFilter(date(2020, 8, 31), date(2021, 5, 30), place)
    )
    assert (round(rate.rate_before, 1), round(rate.rate_after, 1)) == (10.0, 2.0)
    explosive = {"event_type": ["Explosions/Remote violence"]}
    change = stats.compare_with_previous_year(
        reference_db, IncidentFilter(date(2021, 1, 1), date(2021, 4, 30), explosive), "civilian_casualties"
    )
    assert round(change.change_percent or 0) == -34
    ieds = stats.ied_summary(reference_db, IncidentFilter(date(2021, 1, 1), date(2021, 5, 31)))
    assert ieds.in_country > 68
    assert (ieds.against_mission, ieds.neutralised, ieds.detonated) == (25, 12, 13)
