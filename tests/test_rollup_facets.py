"""The rollups by place, sector, perpetrator, week and day: every key, filter and hexagon count
gives the answer the incidents give, also after the locations and sectors incidents take their
place from change; and each rollup is what the groupings it holds are read from. The groupings
no rollup holds, added up along an ordered index, give what the incident rows give."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from unittest.mock import patch

import pytest
from alembic import command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import update

from bluehelmet.analytics.hotspots import HexagonCounts, hexagon_counts
from bluehelmet.analytics.incidents import DATE_KEYS, GroupKey, finest_period
from bluehelmet.services import hotspots, records, rollups, stats
from bluehelmet.services.database import Database
from bluehelmet.services.stats import IncidentFilter
from bluehelmet.storage import aggregates, migrate
from bluehelmet.storage.aggregates import incident_groups
from bluehelmet.storage.hotspot_queries import coordinate_counts
from bluehelmet.storage.rollups import rollup_named, rollup_rows
from bluehelmet.storage.tables import FACETS
from tests import factories
from tests.test_rollups import TYPES, _as_changes, _from_incidents, _in_step, _incident, _mission, _values, _when

_POINTS = [(15.6597, 0.5022), (16.2700, -0.0400), (16.2745, -0.0400), (18.4411, 1.4078)]
_placed = st.fixed_dictionaries(
    {
        "event_date": _when.map(date.isoformat),
        "kind": st.integers(0, len(TYPES) - 1),
        "target": st.sampled_from([None, "mission", "civilians"]),
        "fatalities": st.integers(0, 5),
        "killed_civilians": st.integers(0, 3),
        "admin1": st.sampled_from(["", "Gao", "Kidal"]),
        "location_name": st.sampled_from(["", "Gao", "Kidal"]),
        "perpetrator": st.sampled_from(["", "JNIM", "ISGS"]),
        "place": st.integers(0, 3),  # one of three locations, or none
        "own_sector": st.sampled_from([None, 0, 1]),
        "own_point": st.none() | st.integers(0, len(_POINTS) - 1),
    }
)
_any_keys = st.lists(st.sampled_from([k.value for k in GroupKey]), unique=True, max_size=3)
_any_filters = st.fixed_dictionaries(
    {},
    optional={
        "location": st.lists(st.sampled_from(["Gao", "Kidal", ""]), min_size=1, max_size=2),
        "sector": st.sampled_from(["North", "East"]),
        "perpetrator": st.lists(st.sampled_from(["JNIM", "ISGS"]), min_size=1),
        "event_type": st.sampled_from([t[0] for t in TYPES]),
    },
)
_any_query = st.tuples(_any_keys, st.none() | _when, st.none() | st.integers(0, 80), _any_filters)


def _placed_values(mission_id: int, fields: dict[str, Any], places: list[int], sectors: list[int]) -> dict[str, Any]:
    point = None if fields["own_point"] is None else _POINTS[fields["own_point"]]
    own_sector = fields["own_sector"]
    changes = _as_changes({k: fields[k] for k in ("event_date", "kind", "target", "fatalities", "killed_civilians")})
    return {
        **_values(mission_id, date(2021, 1, 1)), **changes,
        "admin1": fields["admin1"], "location_name": fields["location_name"], "perpetrator": fields["perpetrator"],
        "location_id": places[fields["place"]] if fields["place"] < len(places) else None,
        "sector_id": None if own_sector is None else sectors[own_sector],
        "latitude": None if point is None else point[0], "longitude": None if point is None else point[1],
    }  # fmt: skip


def _hexagons_from_incidents(db: Database, mission_id: int, flt: IncidentFilter) -> HexagonCounts:
    with db.transaction("tester") as tx:
        facts = coordinate_counts(tx.session, mission_id, date_from=flt.date_from, date_to=flt.date_to, where=flt.where)
        return hexagon_counts(facts, 7)


def _same_answers(db: Database, mission_id: int, name: str, queries: list[Any]) -> None:
    for keys, start, days, where in queries:
        end = None if days is None else (start or date(2020, 11, 20)) + timedelta(days=days)
        flt = IncidentFilter(start, end, where or None)
        answer = stats.incident_table(db, keys, flt, mission=name)
        assert answer == _from_incidents(db, mission_id, [GroupKey(k) for k in keys], flt), (keys, flt)
        assert hotspots.hexagons(db, flt, 7, mission=name) == _hexagons_from_incidents(db, mission_id, flt)


def _edit(db: Database, kind: str, record_id: int, **changes: object) -> None:
    with db.transaction("tester") as tx:
        current = records.get(tx, kind, record_id)
        records.update(tx, kind, record_id, changes, version=current.version or 0)


def _placed_mission(db: Database, incidents: list[dict[str, Any]]) -> tuple[int, str, list[int], list[int], list[int]]:
    """A mission with two sectors, three places (one without coordinates, put in a sector after
    its incidents were recorded) and ``incidents``: its id, name, sectors, places and incidents."""
    mission_id, name = _mission(db)
    with db.transaction("tester") as tx:
        sectors = [int(factories.make(tx, "Sector", mission_id=mission_id, name=n).id or 0) for n in ("North", "East")]
        places = [
            int(factories.make(tx, "Location", mission_id=mission_id, name=n, sector_id=s, latitude=p[0],
                               longitude=p[1]).id or 0)
            for n, s, p in (("Gao", sectors[0], _POINTS[1]), ("Kidal", sectors[1], _POINTS[3]))
        ]  # fmt: skip
        bare = factories.make(tx, "Location", mission_id=mission_id, name="Tessit", latitude=None, longitude=None)
        places.append(int(bare.id or 0))
        made = [
            int(factories.make(tx, "Incident", **_placed_values(mission_id, f, places, sectors)).id or 0)
            for f in incidents
        ]
    with db.transaction("tester") as tx:
        records.update(tx, "Location", places[2], {"sector_id": sectors[0]}, version=1)
    return mission_id, name, sectors, places, made


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(incidents=st.lists(_placed, min_size=1, max_size=20), queries=st.lists(_any_query, min_size=1, max_size=6))
def test_every_key_filter_and_hexagon_count_is_the_same_with_the_rollups(
    db: Database, incidents: list[dict[str, Any]], queries: list[Any]
) -> None:
    """Including after a location changes sector and coordinates, a sector is renamed, and
    incidents move, are rejected, deleted and restored."""
    mission_id, name, sectors, places, made = _placed_mission(db, incidents)
    _same_answers(db, mission_id, name, queries)

    _edit(db, "Location", places[0], sector_id=sectors[1], latitude=_POINTS[2][0], longitude=_POINTS[2][1])
    _edit(db, "Location", places[2], latitude=_POINTS[0][0], longitude=_POINTS[0][1])
    _edit(db, "Sector", sectors[0], name="Centre")
    _edit(db, "Sector", sectors[1], name="North")
    _edit(db, "Incident", made[0], location_id=places[1], latitude=None, longitude=None, perpetrator="ISGS")
    with db.transaction("tester") as tx:
        records.delete(tx, "Incident", made[-1])
        if len(made) > 2:
            records.restore(tx, "Incident", records.delete(tx, "Incident", made[1]).id or 0)
    _in_step(db)
    _same_answers(db, mission_id, name, queries)


@pytest.mark.parametrize(
    ("rollup", "keys", "where"),
    [
        ("incident_day", ["day"], None),
        ("incident_day", ["year", "week"], None),
        ("incident_week", ["week", "event_type"], None),
        ("incident_location_month", ["location"], None),
        ("incident_location_month", ["month", "location"], None),
        ("incident_day", ["day", "sector"], None),
        ("incident_day", ["sector", "week"], {"sector": "East"}),
        ("incident_perpetrator_month", ["perpetrator", "sector"], None),
        ("incident_month", ["sector", "month", "target"], None),
        ("incident_month", ["month", "sector", "category"], None),
        ("incident_month", ["year", "target"], {"sector": "East"}),
        ("incident_week", ["week", "sector", "event_type"], None),
        ("incident_place_month", ["sector", "location"], None),
        ("incident_location_month", [], {"location": "Ansongo"}),
        ("incident_place_month", [], {"location": "Ansongo", "sector": "East"}),
        ("incident_perpetrator_month", ["perpetrator", "year"], None),
        ("incident_region_day", ["day", "admin2"], None),
        ("incident_region_day", ["day", "admin1"], {"sector": "East"}),
        ("incident_region_week", ["week", "admin1"], {"sector": "East"}),
        ("incident_region_week", ["admin2", "sector"], None),
        ("incident_perpetrator_day", ["day", "perpetrator"], None),
        ("incident_perpetrator_day", ["perpetrator", "day"], {"perpetrator": "JNIM"}),
        ("incident_perpetrator_week", ["perpetrator", "week"], {"perpetrator": "JNIM"}),
        ("incident_type_day", ["day", "event_type"], None),
        ("incident_type_day", ["target", "day"], {"event_type": "Battles"}),
        ("incident_type_day", ["day", "sub_event_type", "category"], None),
        ("incident_perpetrator_type_month", ["perpetrator", "event_type"], None),
        ("incident_perpetrator_type_month", ["category", "perpetrator", "month"], {"perpetrator": "JNIM"}),
        ("incident_perpetrator_type_month", ["target", "year"], {"perpetrator": "JNIM"}),
    ],
)
def test_each_rollup_answers_the_groupings_it_holds(
    db: Database, rollup: str, keys: list[str], where: dict[str, Any] | None
) -> None:
    mission_id, name = _mission(db)
    with db.transaction("tester") as tx:
        sector = factories.make(tx, "Sector", mission_id=mission_id, name="East")
        place = factories.make(tx, "Location", mission_id=mission_id, sector_id=sector.id)
        for day in (date(2021, 2, 1), date(2021, 2, 28)):  # a Monday, a Sunday
            _incident(tx, mission_id, day, location_id=place.id, location_name="Ansongo", perpetrator="JNIM")
    table = rollup_named(rollup).table
    with db.engine.begin() as conn:  # behind the services' back
        conn.execute(update(table).values(events=table.c.events + 100))
    answer = stats.incident_table(db, keys, IncidentFilter(date(2021, 2, 1), date(2021, 2, 28), where), mission=name)
    assert sum(row["events"] for row in answer) > 100
    assert rollups.rebuild(db) > 0
    answer = stats.incident_table(db, keys, IncidentFilter(date(2021, 2, 1), date(2021, 2, 28), where), mission=name)
    assert sum(row["events"] for row in answer) == 2


@pytest.mark.parametrize(
    ("rollup", "keys", "where"),
    [
        ("incident_location_facets", ["location", "event_type"], None),
        ("incident_location_facets", ["admin2", "location"], None),
        ("incident_location_facets", ["target", "location", "sector"], {"event_type": "Battles"}),
        ("incident_location_perpetrator", ["location", "perpetrator"], None),
        ("incident_location_perpetrator", ["location"], {"perpetrator": "JNIM", "sector": "East"}),
    ],
)
def test_an_all_time_rollup_answers_the_whole_record(
    db: Database, rollup: str, keys: list[str], where: dict[str, Any] | None
) -> None:
    """Its one cell is the mission's whole record: a period with a bound, with as many incidents
    outside as inside, is read from elsewhere."""
    mission_id, name = _mission(db)
    with db.transaction("tester") as tx:
        sector = factories.make(tx, "Sector", mission_id=mission_id, name="East")
        place = factories.make(tx, "Location", mission_id=mission_id, sector_id=sector.id)
        for day in (date(2021, 2, 1), date(2021, 2, 28)):
            _incident(tx, mission_id, day, location_id=place.id, location_name="Ansongo", perpetrator="JNIM")
    table = rollup_named(rollup).table
    with db.engine.begin() as conn:  # behind the services' back
        conn.execute(update(table).values(events=table.c.events + 100))
    every, bounded = IncidentFilter(where=where), IncidentFilter(date(2021, 2, 15), None, where)
    assert stats._rollup_for([GroupKey(k) for k in keys], every) is rollup_named(rollup)
    assert stats._rollup_for([GroupKey(k) for k in keys], bounded) is not rollup_named(rollup)
    assert sum(row["events"] for row in stats.incident_table(db, keys, every, mission=name)) > 100
    assert sum(row["events"] for row in stats.incident_table(db, keys, bounded, mission=name)) == 1
    assert rollups.rebuild(db) > 0
    assert sum(row["events"] for row in stats.incident_table(db, keys, every, mission=name)) == 2


def _grouped(db: Database, mission_id: int, keys: list[str], flt: IncidentFilter) -> list[Any]:
    plain = [k for k in keys if GroupKey(k) not in DATE_KEYS]
    period = finest_period([GroupKey(k) for k in keys])
    with db.transaction("tester") as tx:
        rows = incident_groups(tx.session, mission_id, plain, period=period.value if period else None,
                               date_from=flt.date_from, date_to=flt.date_to, where=flt.where)  # fmt: skip
        return sorted(((sorted(labels.items(), key=str), n, sorted(sums.items())) for labels, n, sums in rows), key=str)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(incidents=st.lists(_placed, min_size=1, max_size=20), queries=st.lists(_any_query, min_size=1, max_size=8))
def test_groupings_read_in_index_order_are_those_of_the_incident_rows(
    db: Database, incidents: list[dict[str, Any]], queries: list[Any]
) -> None:
    """A grouping added up along an ordered index gives what grouping every incident row gives."""
    mission_id, _, _, _, made = _placed_mission(db, incidents)
    with db.transaction("tester") as tx:
        records.update(tx, "Incident", made[0], {"review_status": "draft"}, version=1)  # reopened, then
        records.update(tx, "Incident", made[0], {"review_status": "rejected"}, version=2)
        if len(made) > 1:
            records.delete(tx, "Incident", made[1])
    for keys, start, days, where in queries:
        end = None if days is None else (start or date(2020, 11, 20)) + timedelta(days=days)
        flt = IncidentFilter(start, end, where or None)
        ordered = _grouped(db, mission_id, keys, flt)
        with patch.object(aggregates, "_ordered_prefix", lambda *_, **__: None):
            assert ordered == _grouped(db, mission_id, keys, flt), (keys, flt)


@pytest.mark.parametrize(
    ("keys", "where", "prefix"),
    [
        (["event_type"], None, ["event_date", "event_type"]),
        (["target"], None, ["event_date", *FACETS[:4]]),
        (["event_type"], {"category": "ied_detonated"}, ["event_date", "event_type"]),  # a filter adds no column
        ([], None, ["event_date"]),
        (["admin1"], None, None),  # as many groups along the day index as incidents
        (["event_type"], {"explosives_used": True}, None),
        # No ordered index leads with a place or a perpetrator since migration 0028: the
        # rollups of all time answer those groupings, and the day index a period's.
        (["location", "event_type"], None, None),
        (["sector", "target"], None, None),
        (["perpetrator", "admin1"], {"event_type": "Battles"}, None),
        ([], {"sector": "East"}, None),
        (["location", "perpetrator"], None, None),
    ],
)
def test_each_grouping_reads_the_ordered_index_that_holds_it(
    keys: list[str], where: dict[str, Any] | None, prefix: list[str] | None
) -> None:
    assert aggregates._ordered_prefix(keys, where) == prefix


def test_a_location_moving_sector_moves_its_incidents_in_the_rollups(db: Database) -> None:
    """Those without a sector of their own; one with its own sector stays where it is."""
    mission_id, name = _mission(db)
    with db.transaction("tester") as tx:
        north, east = (factories.make(tx, "Sector", mission_id=mission_id, name=n) for n in ("North", "East"))
        place = factories.make(tx, "Location", mission_id=mission_id, sector_id=north.id)
        for day in (date(2021, 2, 3), date(2021, 2, 9)):
            _incident(tx, mission_id, day, location_id=place.id)
        _incident(tx, mission_id, date(2021, 2, 5), location_id=place.id, sector_id=north.id)
    whole_month = IncidentFilter(date(2021, 2, 1), date(2021, 2, 28))

    def by_sector() -> dict[str | None, int]:
        """Events by sector, as each rollup that keeps the sector gives them (and all agree)."""
        answers = []
        readers = [(["day"], "incident_day"), (["category"], "incident_month"), (["week", "target"], "incident_week")]
        readers += [(["day", "admin1"], "incident_region_day"), (["week", "admin2"], "incident_region_week")]
        readers += [(["day", "perpetrator"], "incident_perpetrator_day")]
        readers += [(["perpetrator"], "incident_perpetrator_month")]
        every = IncidentFilter()  # the incidents are all in that month: the rollups of all time too
        timeless = [(["location"], "incident_location_perpetrator")]
        timeless += [(["location", "admin1"], "incident_location_facets")]
        for others, rollup, flt in [*((o, r, whole_month) for o, r in readers), *((o, r, every) for o, r in timeless)]:
            keys = [GroupKey.SECTOR, *map(GroupKey, others)]
            assert stats._rollup_for(keys, flt) is rollup_named(rollup)
            counted: dict[str | None, int] = {}
            for row in stats.incident_table(db, [k.value for k in keys], flt, mission=name):
                counted[row["sector"]] = counted.get(row["sector"], 0) + row["events"]
            answers.append(counted)
        assert all(answer == answers[0] for answer in answers), answers
        return answers[0]

    assert by_sector() == {"North": 3}
    with db.transaction("tester") as tx:  # moved, and in the same transaction an incident added there
        records.update(tx, "Location", place.id or 0, {"sector_id": east.id}, version=1)
        _incident(tx, mission_id, date(2021, 2, 10), location_id=place.id)
    assert by_sector() == {"East": 3, "North": 1}
    _in_step(db)
    with db.transaction("tester") as tx:  # out of any sector
        records.update(tx, "Location", place.id or 0, {"sector_id": None}, version=2)
    assert by_sector() == {None: 3, "North": 1}
    _in_step(db)


def test_the_migration_fills_the_sector_of_the_rollups(db: Database) -> None:
    _, _, sectors, _, _ = _placed_mission(db, [_example(p, s) for p in range(4) for s in (None, 0, 1)])
    expected = rollups_of(db)
    config = migrate.alembic_config()
    try:
        with db.engine.begin() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, "0006")
    finally:
        migrate.upgrade(db.engine)
    assert rollups_of(db) == expected
    placed = ("incident_day", "incident_month", "incident_week", "incident_perpetrator_month")
    regions = ("incident_region_day", "incident_region_week", "incident_perpetrator_day", "incident_perpetrator_week")
    for name in (*placed, *regions):
        assert {key[-1] for key in expected if key[0] == name} == {0, *sectors}, name
    _in_step(db)


def _example(place: int, own_sector: int | None) -> dict[str, Any]:
    return {"event_date": "2021-02-03", "kind": 0, "target": None, "fatalities": 1, "killed_civilians": 0,
            "admin1": "Gao", "location_name": "Gao", "perpetrator": "", "place": place, "own_sector": own_sector,
            "own_point": None}  # fmt: skip


def rollups_of(db: Database) -> dict[Any, tuple[int, ...]]:
    with db.transaction("tester") as tx:
        return rollup_rows(tx.session)


@pytest.mark.rollups_behind_back
@pytest.mark.parametrize(
    ("keys", "where"),
    [
        (["location", "event_type"], None),
        (["perpetrator", "admin1"], None),
        (["location", "perpetrator", "sector"], {"perpetrator": ["JNIM", "ISGS"]}),
    ],
)
def test_a_period_with_a_bound_is_the_whole_record_less_what_lies_outside_it(
    db: Database, keys: list[str], where: dict[str, Any] | None
) -> None:
    """When fewer incidents lie outside the period than inside, a rollup of all time answers, less
    the incidents outside; a group with none left in the period is not in the answer."""
    mission_id, name = _mission(db)
    with db.transaction("tester") as tx:
        sector = factories.make(tx, "Sector", mission_id=mission_id, name="East")
        place = factories.make(tx, "Location", mission_id=mission_id, sector_id=sector.id)
        _incident(tx, mission_id, date(2020, 12, 30), location_name="Tessit", perpetrator="ISGS", admin1="Gao")
        for n in range(8):
            _incident(tx, mission_id, date(2021, 1, 1) + timedelta(days=n * 9), n % len(TYPES),
                      location_id=place.id, location_name="Ansongo", perpetrator=["JNIM", "ISGS"][n % 2],
                      admin1="Gao")  # fmt: skip
        _incident(tx, mission_id, date(2021, 4, 1), location_name="Kidal", perpetrator="JNIM", admin1="Kidal")
    periods = [
        IncidentFilter(date(2021, 1, 1), None, where),  # one before it, nine inside: less the one
        IncidentFilter(date(2021, 1, 1), date(2021, 3, 31), where),  # one before, one after, eight inside
        IncidentFilter(date.min, date(2021, 3, 31), where),  # the earliest day there is: only after it
        IncidentFilter(date(2021, 3, 1), None, where),  # eight before, two inside: from the incidents
        IncidentFilter(date(2020, 1, 1), date(2021, 12, 31), where),  # none outside: the rollup alone
    ]
    expected = [_from_incidents(db, mission_id, [GroupKey(k) for k in keys], flt) for flt in periods]
    assert all(stats.incident_table(db, keys, f, mission=name) == e for f, e in zip(periods, expected, strict=True))
    assert not any(row.get("location") == "Tessit" or row.get("admin1") == "Kidal" for row in expected[1])
    timeless = stats._rollup_for([GroupKey(k) for k in keys], IncidentFilter(where=where))
    assert timeless is not None and timeless.grain == "all"
    with db.engine.begin() as conn:  # behind the services' back: which answers read the rollup shows
        conn.execute(update(timeless.table).values(events=timeless.table.c.events + 100))
    read = [sum(r["events"] for r in stats.incident_table(db, keys, f, mission=name)) > 100 for f in periods]
    assert read == [True, True, True, False, True]
