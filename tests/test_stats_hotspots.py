"""Hotspots: hexagon counts and near-repeat clusters of IEDs, on hand-computed incidents (both
backends), the `stats hotspots` JSON contract, and properties against a brute-force computation."""

from __future__ import annotations

import json
import random
from collections import Counter
from datetime import date, timedelta

import h3
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import update

from bluehelmet.analytics.hotspots import hexagon_counts, near_repeat_clusters
from bluehelmet.cli import cli
from bluehelmet.domain.distance import distance_km
from bluehelmet.domain.errors import BluehelmetError
from bluehelmet.services import hotspots, records, rollups
from bluehelmet.services.database import Database, Transaction
from bluehelmet.services.stats import IncidentFilter
from bluehelmet.storage.rollups import PLACE_ROLLUP
from tests import factories

KIDAL = (18.4411, 1.4078)
ANSONGO = (15.6597, 0.5022)  # the factory's Location
# name: (day, latitude, longitude, kind); 1 km is 0.008993 degrees of latitude, and at 16.27 N
# 0.0084 degrees of longitude is 0.897 km.
IEDS = {
    "A": (date(2021, 1, 1), 16.2700, -0.0400, "ied_detonated"),
    "B": (date(2021, 1, 2), 16.2745, -0.0400, "ied_detonated"),  # 0.50 km from A, a day later
    "C": (date(2021, 1, 4), 16.2790, -0.0400, "ied_detonated"),  # 0.50 km from B, 2 days later; 1.0008 km from A
    "D": (date(2021, 1, 2), 16.3150, -0.0400, "ied_detonated"),  # 5 km from A: alone
    "E": (date(2021, 1, 10), 16.2700, -0.0400, "ied_detonated"),  # where A was, 9 days later
    "F": (date(2021, 1, 11), 16.2700, -0.0316, "ied_detonated"),  # 0.897 km from E, a day later
    "G": (date(2021, 2, 1), *KIDAL, "ied_neutralised"),
    "H": (date(2021, 2, 2), KIDAL[0] + 0.0009, KIDAL[1], "ied_neutralised"),  # 0.1 km from G
}
PERIOD = IncidentFilter(date(2021, 1, 1), date(2021, 3, 31))


def _incident(tx: Transaction, mission_id: int, name: str, day: date, category: str | None, **extra: object) -> None:
    ied = category in ("ied_detonated", "ied_neutralised")
    values = {
        "mission_id": mission_id, "external_id": name, "event_date": day.isoformat(),
        "event_type": "Explosions/Remote violence" if ied else "Battles",
        "sub_event_type": "Remote explosive/landmine/IED" if ied else "Armed clash", "category": category,
        "responding_unit_ids": [], "location_id": None, "sector_id": None, "operation_id": None,
        "latitude": None, "longitude": None,
    }  # fmt: skip
    values.update(extra)
    factories.make(tx, "Incident", **values)


@pytest.fixture
def ids(db: Database) -> dict[str, int]:
    """The incidents above, plus: a battle where A was, a rejected IED and one before the period
    there too, two IEDs reported only by the place they name (Ansongo, same day), and an IED
    with no place at all. Returns the ids by name."""
    with db.transaction("tester") as tx:
        mission_id = int(factories.make(tx, "Mission", name="MINUSMA").id or 0)
        ansongo = factories.make(tx, "Location", mission_id=mission_id).id
        for name, (day, lat, lon, category) in IEDS.items():
            _incident(tx, mission_id, name, day, category, latitude=lat, longitude=lon)
        _incident(tx, mission_id, "BATTLE", date(2021, 1, 1), None, latitude=16.27, longitude=-0.04)
        _incident(tx, mission_id, "REJECTED", date(2021, 1, 1), "ied_detonated", latitude=16.27, longitude=-0.04,
                  review_status="rejected")  # fmt: skip
        _incident(tx, mission_id, "EARLIER", date(2020, 12, 31), "ied_detonated", latitude=16.27, longitude=-0.04)
        for name in ("L1", "L2"):
            _incident(tx, mission_id, name, date(2021, 3, 5), "ied_detonated", location_id=ansongo)
        _incident(tx, mission_id, "NOWHERE", date(2021, 3, 6), "ied_detonated")
        return {str(i.external_id): int(i.id or 0) for i in records.list_records(tx, "Incident")}  # type: ignore[attr-defined]


def test_ieds_cluster_by_near_repeats_in_the_period(db: Database, ids: dict[str, int]) -> None:
    result = hotspots.ied_clusters(db, PERIOD)
    assert (result.incidents, result.without_coordinates, result.clustered) == (10, 1, 9)
    members = [{name for name, i in ids.items() if i in c.members} for c in result.clusters]
    # A-B and B-C are near repeats (A-C are 3 days apart): one chain. D is alone. Largest first.
    assert members == [{"A", "B", "C"}, {"E", "F"}, {"G", "H"}, {"L1", "L2"}]
    first = result.clusters[0]
    assert (first.first, first.last, first.size) == (date(2021, 1, 1), date(2021, 1, 4), 3)
    assert first.latitude == pytest.approx(16.2745, abs=1e-4) and first.longitude == pytest.approx(-0.04, abs=1e-6)
    assert result.clusters[3].latitude == pytest.approx(ANSONGO[0])  # placed where their location is


def test_a_wider_window_joins_what_a_narrow_one_keeps_apart(db: Database, ids: dict[str, int]) -> None:
    nine_days = hotspots.ied_clusters(db, PERIOD, 1.0, 9)
    assert {ids[n] for n in "ABCEF"} == set(nine_days.clusters[0].members)  # A and E: same place, 9 days apart
    wider = hotspots.ied_clusters(db, PERIOD, 6.0, 2)
    assert {ids[n] for n in "ABCD"} == set(wider.clusters[0].members)
    everyone = hotspots.ied_clusters(db, PERIOD, min_size=1)
    assert sum(c.size for c in everyone.clusters) == 10 and everyone.clusters[-1].size == 1


def test_hexagons_count_every_located_incident_once(db: Database, ids: dict[str, int]) -> None:
    result = hotspots.hexagons(db, PERIOD, 7)
    points = [(lat, lon) for _, lat, lon, _ in IEDS.values()] + [(16.27, -0.04), ANSONGO, ANSONGO]
    expected = Counter(h3.latlng_to_cell(lat, lon, 7) for lat, lon in points)
    assert {h.cell: h.count for h in result.hexagons} == dict(expected)
    assert (result.points, result.without_coordinates) == (11, 1)
    assert result.hexagons[0].count == max(expected.values()) >= 3  # A, E and the battle share a point
    centre = h3.cell_to_latlng(result.hexagons[0].cell)
    assert (result.hexagons[0].latitude, result.hexagons[0].longitude) == pytest.approx(centre)
    ied_only = hotspots.hexagons(
        db, IncidentFilter(PERIOD.date_from, PERIOD.date_to, {"category": ["ied_neutralised"]})
    )
    assert ied_only.points == 2


def test_hexagons_read_whole_months_from_the_place_rollup_and_follow_a_moved_location(
    db: Database, ids: dict[str, int]
) -> None:
    with db.engine.begin() as conn:  # behind the services' back: only the rollup sees it
        conn.execute(update(PLACE_ROLLUP.table).values(events=PLACE_ROLLUP.table.c.events + 100))
    assert hotspots.hexagons(db, PERIOD, 7).points > 100  # January to March: whole months
    assert (
        hotspots.hexagons(db, IncidentFilter(date(2021, 1, 2), date(2021, 1, 30)), 7).points == 5
    )  # B to F: no whole month
    rollups.rebuild(db)
    with db.transaction("tester") as tx:
        place = records.list_records(tx, "Location")[0]
        records.update(tx, "Location", place.id or 0, {"latitude": KIDAL[0], "longitude": KIDAL[1]}, version=1)
    moved = hotspots.hexagons(db, PERIOD, 7)
    kidal = h3.latlng_to_cell(*KIDAL, 7)
    assert {h.cell: h.count for h in moved.hexagons}[kidal] == 4  # G and H, and L1 and L2 with their location
    assert h3.latlng_to_cell(*ANSONGO, 7) not in {h.cell for h in moved.hexagons}


def _run(db: Database, *args: str) -> dict:  # type: ignore[type-arg]
    result = CliRunner().invoke(cli, ["--db", db.settings.database_url, "stats", "hotspots", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def test_the_hotspots_command_as_json_and_as_a_table(db: Database, ids: dict[str, int]) -> None:
    data = _run(db, "--from", "2021-01-01", "--to", "2021-03-31", "--resolution", "6", "--json")
    assert data["hexagons"]["resolution"] == 6 and data["hexagons"]["points"] == 11
    assert set(data["hexagons"]["hexagons"][0]) == {"cell", "count", "latitude", "longitude"}
    clusters = data["clusters"]
    assert (clusters["near_repeat_km"], clusters["near_repeat_days"], clusters["incidents"]) == (1.0, 2, 10)
    assert clusters["clusters"][0] == {
        "size": 3, "members": sorted(ids[n] for n in "ABC"), "first": "2021-01-01", "last": "2021-01-04",
        "latitude": pytest.approx(16.2745, abs=1e-4), "longitude": pytest.approx(-0.04, abs=1e-6),
    }  # fmt: skip
    wider = _run(db, "--from", "2021-01-01", "--near-repeat-days", "9", "--near-repeat-km", "1", "--json")
    assert wider["clusters"]["clusters"][0]["size"] == 5
    table = CliRunner().invoke(cli, ["--db", db.settings.database_url, "stats", "hotspots", "--from", "2021-01-01"])
    assert table.exit_code == 0, table.output
    assert "H3 resolution 7: 11 incidents" in table.stdout and "4 clusters of 2 or more holding 9" in table.stdout
    bad = CliRunner().invoke(cli, ["--db", db.settings.database_url, "stats", "hotspots", "--resolution", "16"])
    assert bad.exit_code != 0


# ---------------------------------------------------------------------------- properties

# Centres where a grid can go wrong: the Sahel, the antimeridian, near a pole, the far south.
_CENTRES = [(16.27, -0.04), (0.0, 179.997), (89.995, 30.0), (-60.0, -179.995)]


@st.composite
def _incidents(draw: st.DrawFn) -> list[tuple[int, date, float | None, float | None]]:
    lat0, lon0 = draw(st.sampled_from(_CENTRES))
    spread = draw(st.sampled_from([0.005, 0.02, 0.1]))
    n = draw(st.integers(0, 30))
    rows: list[tuple[int, date, float | None, float | None]] = []
    for ident in range(1, n + 1):
        day = date(2021, 1, 1) + timedelta(days=draw(st.integers(0, 12)))
        if draw(st.integers(0, 9)) == 0:
            rows.append((ident, day, None, None))
            continue
        lat = max(-90.0, min(90.0, lat0 + draw(st.floats(-spread, spread))))
        lon = lon0 + draw(st.floats(-spread, spread))
        rows.append((ident, day, lat, (lon + 180) % 360 - 180))
    return rows


def _linked(a: tuple[int, date, float, float], b: tuple[int, date, float, float], km: float, days: int) -> bool:
    return abs((a[1] - b[1]).days) <= days and distance_km(a[2], a[3], b[2], b[3]) <= km


@settings(max_examples=300, deadline=None)
@given(rows=_incidents(), km=st.sampled_from([0.3, 1.0, 2.5]), days=st.integers(0, 4), seed=st.integers(0, 99))
def test_clusters_are_exactly_the_connected_groups_of_near_repeats(
    rows: list,
    km: float,
    days: int,
    seed: int,  # type: ignore[type-arg]
) -> None:
    result = near_repeat_clusters(rows, km, days, min_size=1)
    located = {r[0]: r for r in rows if r[2] is not None}
    cluster_of = {ident: n for n, c in enumerate(result.clusters) for ident in c.members}
    assert sorted(cluster_of) == sorted(located) and sum(c.size for c in result.clusters) == len(located)
    assert result.without_coordinates == len(rows) - len(located)
    # Every pair of near repeats ends in the same cluster...
    for a in located.values():
        for b in located.values():
            if _linked(a, b, km, days):
                assert cluster_of[a[0]] == cluster_of[b[0]]
    # ...and no cluster splits into two groups with no link between them.
    for cluster in result.clusters:
        reached, frontier = {cluster.members[0]}, [cluster.members[0]]
        while frontier:
            a = located[frontier.pop()]
            for b in cluster.members:
                if b not in reached and _linked(a, located[b], km, days):
                    reached.add(b)
                    frontier.append(b)
        assert reached == set(cluster.members)
        dates = [located[i][1] for i in cluster.members]
        assert (cluster.first, cluster.last) == (min(dates), max(dates))
    shuffled = rows[:]
    random.Random(seed).shuffle(shuffled)
    assert near_repeat_clusters(shuffled, km, days, min_size=1) == result
    assert near_repeat_clusters(rows, km, days).clusters == [c for c in result.clusters if c.size >= 2]


@settings(max_examples=200, deadline=None)
@given(rows=_incidents(), resolution=st.integers(0, 15), weights=st.lists(st.integers(1, 5), min_size=30, max_size=30))
def test_hexagon_counts_sum_to_the_located_points(rows: list, resolution: int, weights: list[int]) -> None:  # type: ignore[type-arg]
    facts = [(lat, lon, w) for (_, _, lat, lon), w in zip(rows, weights, strict=False)]
    result = hexagon_counts(facts, resolution)
    assert result.points == sum(w for lat, _, w in facts if lat is not None) == sum(h.count for h in result.hexagons)
    assert result.without_coordinates == sum(w for lat, _, w in facts if lat is None)
    assert len({h.cell for h in result.hexagons}) == len(result.hexagons)
    assert all(h3.get_resolution(h.cell) == resolution for h in result.hexagons)
    assert hexagon_counts(list(reversed(facts)), resolution) == result


def test_refusals_name_the_problem() -> None:
    with pytest.raises(BluehelmetError, match="between 0 and 15"):
        hexagon_counts([], 16)
    with pytest.raises(BluehelmetError, match="more than 0 km"):
        near_repeat_clusters([], 0)
    with pytest.raises(BluehelmetError, match="listed twice"):
        near_repeat_clusters([(1, date(2021, 1, 1), 16.0, 0.0), (1, date(2021, 1, 2), 16.0, 0.0)])
