"""The monthly incident rollup: kept equal to a fresh grouping of the incidents through every
change the services make, untouched by a failed transaction, rebuilt after writes behind their
back, and giving the analysis exactly the answers the incidents give."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from typing import Any

import pytest
from alembic import command
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import insert, update

from bluehelmet.analytics.incidents import DATE_KEYS, GroupKey, finest_period, fold
from bluehelmet.cli.door import Door
from bluehelmet.cli.maintenance import rollup_group
from bluehelmet.domain.errors import InvalidRecord, NotFound
from bluehelmet.domain.incidents import Incident
from bluehelmet.services import records, rollups, stats
from bluehelmet.services.database import Database, Transaction
from bluehelmet.services.stats import IncidentFilter
from bluehelmet.storage import migrate
from bluehelmet.storage.aggregates import incident_groups
from bluehelmet.storage.rollups import incident_month, rollup_named, rollup_rows
from bluehelmet.storage.tables import TABLES
from tests import factories

TYPES = [
    ("Battles", "Armed clash", None),
    ("Explosions/Remote violence", "Remote explosive/landmine/IED", "ied_detonated"),
    ("Strategic developments", "Disrupted weapons use", "ied_neutralised"),
    ("Violence against civilians", "Attack", "protection_of_civilians"),
]
_missions = itertools.count(1)


def _values(mission_id: int, day: date, kind: int = 0, **extra: object) -> dict[str, Any]:
    event_type, sub_event_type, category = TYPES[kind]
    values = {
        "mission_id": mission_id, "event_date": day.isoformat(), "event_type": event_type,
        "sub_event_type": sub_event_type, "category": category, "fatalities": 1, "killed_peacekeepers": 0,
        "injured_peacekeepers": 0, "killed_civilians": 0, "injured_civilians": 0, "responding_unit_ids": [],
        "latitude": None, "longitude": None, "location_id": None, "sector_id": None, "external_id": None,
        "operation_id": None, "review_status": "verified",
    }  # fmt: skip
    values.update(extra)
    return values


def _incident(tx: Transaction, mission_id: int, day: date, kind: int = 0, **extra: object) -> Incident:
    record = factories.make(tx, "Incident", **_values(mission_id, day, kind, **extra))
    assert isinstance(record, Incident)
    return record


def _mission(db: Database) -> tuple[int, str]:
    """A new mission: its id and its name."""
    name = f"M{next(_missions)}"
    with db.transaction("tester") as tx:
        return int(factories.make(tx, "Mission", name=name).id or 0), name


def _every_row(db: Database) -> dict[Any, tuple[int, ...]]:
    """Every row of every rollup, keyed by the rollup's name and its key."""
    with db.transaction("tester") as tx:
        return rollup_rows(tx.session)


def _stored(db: Database) -> dict[Any, tuple[int, ...]]:
    """The monthly rollup's rows: (mission, month, *columns) -> (events, *sums)."""
    return {key[1:]: value for key, value in _every_row(db).items() if key[0] == "incident_month"}


def _in_step(db: Database) -> None:
    assert rollups.check(db) == []


def _change(db: Database, record_id: int, **changes: object) -> None:
    with db.transaction("tester") as tx:
        current = records.get(tx, "Incident", record_id)
        records.update(tx, "Incident", record_id, changes, version=current.version or 0)


# ---------------------------------------------------------------------------- kept by the services


def test_creates_updates_reviews_deletes_and_restores_keep_the_rollup(db: Database) -> None:
    mission_id, _name = _mission(db)
    with db.transaction("tester") as tx:
        first = _incident(tx, mission_id, date(2021, 1, 5), 0, fatalities=3, admin1="Gao", target="mission")
        _incident(tx, mission_id, date(2021, 1, 20), 0, fatalities=2, admin1="Gao", target="mission")
        second = _incident(tx, mission_id, date(2021, 2, 1), 1, fatalities=2, killed_civilians=2, target=None)
        _incident(tx, mission_id, date(2021, 2, 2), 1, review_status="rejected")
    _in_step(db)
    assert sum(row[0] for row in _stored(db).values()) == 3  # the rejected one does not count

    _change(db, first.id or 0, event_date="2021-03-09")  # to another month
    _in_step(db)
    _change(db, first.id or 0, event_type="Violence against civilians", sub_event_type="Attack", target="civilians")
    _in_step(db)
    _change(db, second.id or 0, fatalities=7, admin2="Ansongo")
    _in_step(db)

    _change(db, second.id or 0, review_status="draft")
    _change(db, second.id or 0, review_status="rejected")
    _in_step(db)
    _change(db, second.id or 0, review_status="draft")
    _in_step(db)

    with db.transaction("tester") as tx:
        records.delete(tx, "Incident", first.id or 0)
    _in_step(db)
    with db.transaction("tester") as tx:
        records.restore(tx, "Incident", first.id or 0)
    _in_step(db)
    assert sum(row[0] for row in _stored(db).values()) == 3


def test_a_month_left_without_incidents_leaves_no_row(db: Database) -> None:
    mission_id, name = _mission(db)
    with db.transaction("tester") as tx:
        record = _incident(tx, mission_id, date(2021, 1, 5))
    _change(db, record.id or 0, event_date="2021-02-05")
    assert [key[1] for key in _stored(db)] == ["2021-02"]
    with db.transaction("tester") as tx:
        records.delete(tx, "Incident", record.id or 0)
    assert _stored(db) == {}
    assert stats.incident_table(db, ["month"], IncidentFilter(), mission=name) == []


def test_a_failed_transaction_leaves_the_rollup_as_it_was(db: Database) -> None:
    mission_id, _name = _mission(db)
    with db.transaction("tester") as tx:
        kept = _incident(tx, mission_id, date(2021, 1, 5))
    before = _every_row(db)
    with pytest.raises(RuntimeError), db.transaction("tester") as tx:
        _incident(tx, mission_id, date(2021, 4, 1), 2)
        current = records.get(tx, "Incident", kept.id or 0)
        records.update(tx, "Incident", kept.id or 0, {"event_date": "2021-05-05"}, version=current.version or 0)
        records.delete(tx, "Incident", kept.id or 0)
        raise RuntimeError("the caller gives up")
    assert _every_row(db) == before
    _in_step(db)


def test_changes_read_back_inside_their_own_transaction(db: Database) -> None:
    mission_id, _name = _mission(db)
    with db.transaction("tester") as tx:
        record = _incident(tx, mission_id, date(2021, 1, 5))
        tx.write_rollup()
        rows = rollup_rows(tx.session)
        cells = sorted(key[2] for key in rows if rollup_named(key[0]).cells)
        assert cells == [*["2021-01"] * 5, *["2021-01-05"] * 4, *["2021-W01"] * 3]  # in each rollup
        all_time = sorted(key[0] for key in rows if not rollup_named(key[0]).cells)
        assert all_time == ["incident_location_facets", "incident_location_perpetrator", "incident_perpetrator_regions"]
        records.update(tx, "Incident", record.id or 0, {"event_date": "2021-06-01"}, version=record.version or 0)
    assert [key[1] for key in _stored(db)] == ["2021-06"]
    _in_step(db)


def test_the_reference_mission_loads_with_its_rollup_in_step(reference_db: Database) -> None:
    assert rollups.check(reference_db) == []


_when = st.dates(date(2020, 11, 20), date(2021, 2, 10))
_fields = st.fixed_dictionaries(
    {
        "event_date": _when.map(date.isoformat),
        "kind": st.integers(0, len(TYPES) - 1),
        "admin1": st.sampled_from(["", "Gao", "Kidal"]),
        "target": st.sampled_from([None, "mission", "civilians"]),
        "fatalities": st.integers(0, 5),
        "killed_civilians": st.integers(0, 3),
    }
)
_operation = st.one_of(
    st.tuples(st.just("create"), st.integers(0), _fields, st.sampled_from(["draft", "verified", "rejected"])),
    st.tuples(st.just("update"), st.integers(0), _fields, st.none()),
    st.tuples(st.just("review"), st.integers(0), st.none(), st.sampled_from(["draft", "verified", "rejected"])),
    st.tuples(st.just("delete"), st.integers(0), st.none(), st.none()),
    st.tuples(st.just("restore"), st.integers(0), st.none(), st.none()),
)


class _GiveUp(Exception):
    pass


def _as_changes(fields: dict[str, Any]) -> dict[str, Any]:
    event_type, sub_event_type, category = TYPES[fields["kind"]]
    changes = {k: v for k, v in fields.items() if k != "kind"}
    changes["killed_civilians"] = min(fields["killed_civilians"], fields["fatalities"])  # a rule
    return {**changes, "event_type": event_type, "sub_event_type": sub_event_type, "category": category}


def _run(tx: Transaction, mission_id: int, operation: tuple[str, int, Any, Any]) -> None:
    name, pick, fields, status = operation
    if name == "create":
        changes = _as_changes(fields)
        factories.make(tx, "Incident", **{**_values(mission_id, date(2021, 1, 1)), **changes, "review_status": status})
        return
    existing = records.list_records(tx, "Incident", {"mission_id": mission_id}, include_deleted=True)
    if not existing:
        return
    record = sorted(existing, key=lambda r: r.id or 0)[pick % len(existing)]
    record_id, version = record.id or 0, record.version or 0
    try:
        if name == "update":
            records.update(tx, "Incident", record_id, _as_changes(fields), version=version)
        elif name == "review":
            records.update(tx, "Incident", record_id, {"review_status": status}, version=version)
        elif name == "delete":
            records.delete(tx, "Incident", record_id, version)
        else:
            records.restore(tx, "Incident", record_id, version)
    except (InvalidRecord, NotFound):
        pass  # refused (a review that skips a step, a record already deleted): nothing changes


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(batches=st.lists(st.tuples(st.lists(_operation, max_size=6), st.booleans()), min_size=1, max_size=4))
def test_any_sequence_of_changes_keeps_the_rollup_in_step(db: Database, batches: list[Any]) -> None:
    mission_id, _name = _mission(db)
    for operations, give_up in batches:
        try:
            with db.transaction("tester") as tx:
                for operation in operations:
                    _run(tx, mission_id, operation)
                if give_up:
                    raise _GiveUp
        except _GiveUp:
            pass
        _in_step(db)


# ---------------------------------------------------------------------------- the same answers


def _from_incidents(db: Database, mission_id: int, keys: list[GroupKey], flt: IncidentFilter) -> list[dict[str, Any]]:
    """The grouping as it is without the rollup: every row from the incident table, folded."""
    plain = [k.value for k in keys if k not in DATE_KEYS]
    period = finest_period(keys)
    with db.transaction("tester") as tx:
        rows = incident_groups(tx.session, mission_id, plain, period=period.value if period else None,
                               date_from=flt.date_from, date_to=flt.date_to, where=flt.where)  # fmt: skip
        groups = fold(rows, keys)
    return [{**labels, "events": tally.events, **tally.sums} for labels, tally in groups]


_ROLLUP_KEYS = ["year", "month", "event_type", "sub_event_type", "category", "admin1", "admin2", "target"]
_rollup_filters = st.fixed_dictionaries(
    {},
    optional={
        "event_type": st.lists(st.sampled_from([t[0] for t in TYPES]), min_size=1, max_size=2),
        "admin1": st.lists(st.sampled_from(["Gao", "Kidal", ""]), min_size=1, max_size=2),
        "target": st.sampled_from(["mission", "civilians"]),
        "category": st.lists(st.sampled_from(["ied_detonated", "ied_neutralised"]), min_size=1),
    },
)
_query = st.tuples(
    st.lists(st.sampled_from([*_ROLLUP_KEYS, "week", "location"]), unique=True, max_size=3),
    st.none() | _when,
    st.none() | st.integers(0, 80),
    st.just({}) | _rollup_filters | st.just({"location": ["Ansongo"]}),
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(incidents=st.lists(_fields, min_size=1, max_size=25), queries=st.lists(_query, min_size=1, max_size=8))
def test_the_analysis_gives_the_same_answers_with_the_rollup(
    db: Database, incidents: list[dict[str, Any]], queries: list[Any]
) -> None:
    mission_id, name = _mission(db)
    with db.transaction("tester") as tx:
        for fields in incidents:
            place = "Ansongo" if fields["fatalities"] > 2 else "Gao"
            values = _values(mission_id, date(2021, 1, 1), location_name=place)
            factories.make(tx, "Incident", **{**values, **_as_changes(fields)})
    for keys, start, days, where in queries:
        end = None if days is None else (start or date(2020, 11, 20)) + timedelta(days=days)
        flt = IncidentFilter(start, end, where or None)
        answer = stats.incident_table(db, keys, flt, mission=name)
        assert answer == _from_incidents(db, mission_id, [GroupKey(k) for k in keys], flt)


def test_the_rollup_is_what_whole_months_are_read_from(db: Database) -> None:
    mission_id, name = _mission(db)
    with db.transaction("tester") as tx:
        for day in (date(2021, 1, 31), date(2021, 2, 1), date(2021, 2, 28), date(2021, 3, 1)):
            _incident(tx, mission_id, day)
    with db.engine.begin() as conn:  # behind the services' back
        conn.execute(update(incident_month).values(events=incident_month.c.events + 100))

    def events(date_from: date, date_to: date) -> int:
        # By event type, which the monthly rollup keeps (the daily one would answer a plain total).
        table = stats.incident_table(db, ["event_type"], IncidentFilter(date_from, date_to), mission=name)
        return int(table[0]["events"])

    assert events(date(2021, 2, 1), date(2021, 2, 28)) == 102  # a whole month: the rollup
    assert events(date(2021, 1, 31), date(2021, 3, 1)) == 104  # plus a day on each side, from the incidents
    assert events(date(2021, 2, 2), date(2021, 2, 28)) == 1  # no whole month
    assert rollups.rebuild(db) > 0 and len(_stored(db)) == 3
    assert events(date(2021, 1, 31), date(2021, 3, 1)) == 4
    _in_step(db)


# ---------------------------------------------------------------------------- rebuild and check


def test_rebuild_takes_in_incidents_written_behind_the_services_back(db: Database) -> None:
    mission_id, name = _mission(db)
    with db.transaction("tester") as tx:
        _incident(tx, mission_id, date(2021, 1, 5))
    with db.engine.begin() as conn:
        conn.execute(insert(TABLES[Incident]), [_raw(mission_id, i) for i in range(3)])
    differences = rollups.check(db)
    assert differences and all(line.endswith("missing from the rollup") for line in differences)
    assert f"incident_month: mission #{mission_id}, 2021-03, event_type 'Battles'" in "\n".join(differences)
    # three days in each of the four rollups by day, a week in each of the three by week, a month
    # in the five by month, and a row of each of the three of all time (other keys than the first's)
    assert len(differences) == 3 * 4 + 3 + 5 + 3
    assert f"incident_location_perpetrator: mission #{mission_id}: missing from the rollup" in differences

    runner = CliRunner()
    door = Door(db.settings, "tester")
    try:
        result = runner.invoke(rollup_group, ["check"], obj=door)
        assert result.exit_code == 1 and "missing from the rollup" in result.output
        result = runner.invoke(rollup_group, ["rebuild", "--json"], obj=door)
        assert result.exit_code == 0, result.output
        result = runner.invoke(rollup_group, ["check"], obj=door)
        assert result.exit_code == 0 and "match the incidents" in result.output
    finally:
        door.close()
    table = stats.incident_table(db, ["month"], IncidentFilter(), mission=name)
    assert table[0]["events"] == 1 and table[1]["events"] == 3


def _raw(mission_id: int, n: int) -> dict[str, Any]:
    return {
        "mission_id": mission_id, "version": 1, "created_by": "bulk", "updated_by": "bulk", "provenance": "bulk",
        "external_id": f"BULK{n}", "event_date": date(2021, 3, 1 + n), "time_precision": "day",
        "event_type": "Battles", "sub_event_type": "Armed clash", "category": None, "location_name": "",
        "admin1": "Gao", "admin2": "", "admin3": "", "geo_precision": "exact", "target": None, "perpetrator": "",
        "actor1": "", "assoc_actor1": "", "actor2": "", "assoc_actor2": "", "disorder_type": "",
        "civilian_targeting": False, "explosives_used": False, "responding_unit_ids": [], "fatalities": n,
        "killed_peacekeepers": 0, "injured_peacekeepers": 0, "killed_national_forces": 0,
        "injured_national_forces": 0, "killed_civilians": 0, "injured_civilians": 0, "source": "",
        "source_scale": "", "tags": "", "review_status": "verified", "notes": "",
    }  # fmt: skip


def test_the_migration_fills_the_rollup_from_the_incidents_already_there(db: Database) -> None:
    mission_id, _name = _mission(db)
    with db.transaction("tester") as tx:
        _incident(tx, mission_id, date(2021, 1, 5), target=None, admin1="")
        _incident(tx, mission_id, date(2021, 1, 6), 1, review_status="rejected")
        gone = _incident(tx, mission_id, date(2021, 2, 6), 2)
        records.delete(tx, "Incident", gone.id or 0)
        _incident(tx, mission_id, date(2021, 3, 6), 3, fatalities=2, killed_civilians=2)
    expected = _every_row(db)
    config = migrate.alembic_config()
    try:
        with db.engine.begin() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, "0002")
    finally:
        migrate.upgrade(db.engine)
    assert _every_row(db) == expected and len(_stored(db)) == 2
    _in_step(db)
