"""Answers kept per state of the data (services/answer_cache.py): the map's hexagons and the
incident tables over all years are computed once per state and equal the uncached answer."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from bluehelmet.domain.access import Principal, Role
from bluehelmet.services import answer_cache, map_layers, records, stats
from bluehelmet.services.database import Database
from bluehelmet.services.stats import IncidentFilter


@pytest.fixture(autouse=True)
def _nothing_kept() -> None:
    answer_cache.clear()


def _add_incident(db: Database, latitude: float, longitude: float) -> None:
    with db.transaction("tester") as tx:
        mission = records.list_records(tx, "Mission")[0]
        records.create(tx, "Incident", {"mission_id": mission.id, "event_date": "2021-03-03", "admin1": "Gao",
                                        "admin2": "Ansongo", "event_type": "Battles", "latitude": latitude,
                                        "longitude": longitude, "sub_event_type": "Armed clash",
                                        "provenance": "test"})  # fmt: skip


def _kept_when_nothing_moved(db: Database, ask: Callable[[], object]) -> bool:
    """Asked twice with nothing written in between, the second answer is the first, kept. On
    PostgreSQL the state is the server's snapshot, which any other database's writes move (the
    suite's other worker): the pair is asked again until the state held still around it."""
    for _ in range(50):
        before = answer_cache._state(db, "tester")
        first, second = ask(), ask()
        if answer_cache._state(db, "tester") == before:
            return second is first
    return db.engine.dialect.name != "sqlite"  # PostgreSQL never held still: nothing to conclude


def test_the_hexagons_are_kept_per_state_and_scope_and_equal_the_uncached_answer(reference_copy: Database) -> None:
    db = reference_copy
    with db.transaction("tester") as tx:
        sector = records.list_records(tx, "Sector")[0]
    admin, east = Principal("admin", Role.ADMIN), Principal("east", Role.SECTOR, sector.id)
    everything = IncidentFilter()
    first = map_layers.hexagons(db, admin, everything, 5)
    assert first == map_layers._hexagons(db, admin, everything, 5, None) and first["features"]
    assert _kept_when_nothing_moved(db, lambda: map_layers.hexagons(db, admin, everything, 5))  # from memory
    own = map_layers.hexagons(db, east, everything, 5)  # another scope: its own answer
    assert own["incidents"] < first["incidents"]
    assert own == map_layers._hexagons(db, east, map_layers.scoped_filter(db, east, everything), 5, None)
    _add_incident(db, 16.27, -0.04)  # a write: a new state
    after = map_layers.hexagons(db, admin, everything, 5)
    assert after is not first and after["incidents"] == first["incidents"] + 1
    assert after == map_layers._hexagons(db, admin, everything, 5, None)


def test_the_incident_table_is_kept_per_state_and_equals_the_uncached_answer(reference_copy: Database) -> None:
    db = reference_copy
    everything, keys = IncidentFilter(), ["month", "event_type"]
    rows, pending = answer_cache.incident_table(db, "tester", keys, everything, None)
    assert rows == stats.incident_table(db, keys, everything) and rows
    assert pending == stats.pending_review_count(db, everything)
    assert _kept_when_nothing_moved(db, lambda: answer_cache.incident_table(db, "tester", keys, everything, None)[0])
    _add_incident(db, 16.27, -0.04)
    again, _ = answer_cache.incident_table(db, "tester", keys, everything, None)
    assert again == stats.incident_table(db, keys, everything) and again != rows
    assert sum(r["events"] for r in again) == sum(r["events"] for r in rows) + 1


def test_an_answer_computed_while_a_write_commits_is_not_kept(reference_copy: Database) -> None:
    db = reference_copy
    computed: list[int] = []

    def racing() -> int:
        computed.append(1)
        _add_incident(db, 16.0, 0.5)  # committed while the answer is computed: its state is not known
        return len(computed)

    assert answer_cache.kept(db, "tester", ("racing",), racing) == 1
    assert answer_cache.kept(db, "tester", ("racing",), racing) == 2  # not kept: computed again
    assert answer_cache.kept(db, "tester", ("steady",), lambda: 7) == 7
    assert answer_cache.kept(db, "tester", ("steady",), lambda: 8) == 7  # kept: nothing was written
