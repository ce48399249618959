"""Time hexagon counts and near-repeat clustering of synthetic IEDs (not a test).

    .venv/bin/python benchmarks/hotspots.py [N]                  # pure functions, N IEDs (100,000)
    .venv/bin/python benchmarks/hotspots.py [N] --database M     # also through SQLite with M incidents
    .venv/bin/python benchmarks/hotspots.py [N] --database M --stored-cells   # and the stored-cell design

The pure functions are timed on two spreads of points over Mali from 2013 to 2021: a worst
case for grouping (a third at one of 300 towns, a third scattered a few kilometres around 40
hot places, a third anywhere: two thirds distinct), and points as ACLED geocodes events, at
the coordinates of named places (a gazetteer of 5,000: 3,000 anywhere, 2,000 villages along
roads around the 40 hot places), the busiest places getting most. With ``--database`` a
SQLite file of M incidents (a tenth of them IEDs) at the gazetteer's places is built once in
the temporary folder and reused: every place is a Location, half the incidents link to it and
a sixth of those have no coordinates of their own (they count at the location's). The service
calls are timed twice (the second run finds the file in the page cache). The seed is fixed so
that runs compare.
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import random
import sqlite3
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import h3
from h3.api import basic_int
from sqlalchemy import insert

from bluehelmet.analytics.hotspots import hexagon_counts, near_repeat_clusters
from bluehelmet.config import Settings
from bluehelmet.domain.incidents import Incident
from bluehelmet.domain.places import Location
from bluehelmet.domain.records import Record
from bluehelmet.services import hotspots, records, rollups
from bluehelmet.services.database import Database
from bluehelmet.services.stats import IncidentFilter
from bluehelmet.storage.hotspot_queries import coordinate_counts, incident_points
from bluehelmet.storage.tables import TABLES

START, DAYS = date(2013, 1, 1), 9 * 365
MISSION_ID = 1  # the only mission of the benchmark's database


def synthetic(n: int, seed: int = 2021) -> list[tuple[int, date, float, float]]:
    """Points spread as a worst case for grouping by coordinate: two thirds of them distinct."""
    rng = random.Random(seed)
    towns = [(rng.uniform(10.5, 24.5), rng.uniform(-11.5, 4.0)) for _ in range(300)]
    hot = [(rng.uniform(13.0, 19.0), rng.uniform(-5.0, 2.0)) for _ in range(40)]
    points = []
    for ident in range(1, n + 1):
        day = START + timedelta(days=rng.randrange(DAYS))
        kind = ident % 3
        if kind == 0:
            lat, lon = towns[rng.randrange(len(towns))]
        elif kind == 1:
            lat, lon = hot[rng.randrange(len(hot))]
            lat, lon = lat + rng.gauss(0, 0.03), lon + rng.gauss(0, 0.03)
        else:
            lat, lon = rng.uniform(10.0, 25.0), rng.uniform(-12.0, 4.2)
        points.append((ident, day, round(lat, 5), round(lon, 5)))
    return points


def gazetteer(seed: int = 11) -> list[tuple[float, float]]:
    """5,000 places as ACLED geocodes events (to a named place, 4 decimals): 3,000 towns and
    villages anywhere, and 2,000 villages along the roads a few kilometres around 40 hot places."""
    rng = random.Random(seed)
    towns = [(rng.uniform(10.5, 24.5), rng.uniform(-11.5, 4.0)) for _ in range(3000)]
    hot = [(rng.uniform(13.0, 19.0), rng.uniform(-5.0, 2.0)) for _ in range(40)]
    roads = [(lat + rng.gauss(0, 0.05), lon + rng.gauss(0, 0.05)) for lat, lon in hot for _ in range(50)]
    return [(round(lat, 4), round(lon, 4)) for lat, lon in (*roads, *towns)]


def placed(n: int, seed: int = 2021) -> list[tuple[int, date, int]]:
    """``(id, day, place)`` of n incidents at the gazetteer's places, the busiest places (the
    road villages first) getting most, as in ACLED's data for Mali."""
    rng = random.Random(seed)
    weights = list(itertools.accumulate(1 / (rank + 10) for rank in range(len(gazetteer()))))
    chosen = rng.choices(range(len(weights)), cum_weights=weights, k=n)
    return [(ident, START + timedelta(days=rng.randrange(DAYS)), place) for ident, place in enumerate(chosen, 1)]


def timed(label: str, work: Any, n: int) -> Any:
    start = time.perf_counter()
    result = work()
    took = time.perf_counter() - start
    print(f"{label:<52} {took:7.2f} s  {took / n * 1e6:6.2f} us/incident")
    return result


def pure(n: int) -> None:
    places = gazetteer()
    for label, points in (
        ("scattered (a worst case)", synthetic(n)),
        ("at gazetteer places", [(i, day, *places[p]) for i, day, p in placed(n)]),
    ):
        print(f"{n:,} synthetic IEDs {label}, {len({(p[2], p[3]) for p in points}):,} distinct points")
        for resolution in (5, 7, 9):
            counts = timed(
                f"hexagon_counts, resolution {resolution}",
                lambda r=resolution, p=points: hexagon_counts(((lat, lon, 1) for _, _, lat, lon in p), r),
                n,
            )
            assert counts.points == n
            print(f"{'':<8}{len(counts.hexagons):,} cells, the busiest with {counts.hexagons[0].count}")
        for km, days in ((1.0, 2), (1.0, 7), (5.0, 2)):
            result = timed(f"near_repeat_clusters, {km:g} km / {days} days", lambda k=km, d=days, p=points:
                           near_repeat_clusters(p, k, d), n)  # fmt: skip
            sizes = sorted((c.size for c in result.clusters), reverse=True)
            print(f"{'':<8}{len(result.clusters):,} clusters holding {result.clustered:,} IEDs, largest {sizes[:3]}")


def _defaults(cls: type[Record]) -> dict[str, Any]:
    values = {f.name: f.default for f in dataclasses.fields(cls) if f.default is not dataclasses.MISSING}
    values |= {
        f.name: f.default_factory() for f in dataclasses.fields(cls) if f.default_factory is not dataclasses.MISSING
    }
    return {**values, "version": 1, "created_by": "benchmark", "updated_by": "benchmark", "provenance": "benchmark"}


def build(path: Path, m: int) -> None:
    """M incidents (a tenth of them IEDs) at the gazetteer's places, each place a Location;
    half the incidents link to it, and of those a sixth carry no coordinates of their own."""
    database = Database(Settings(database_url=f"sqlite:///{path}"))
    database.init_schema()
    with database.transaction("benchmark") as tx:
        mission_id = records.create(tx, "Mission", {"name": "BENCH", "full_name": "Benchmark mission",
                                                    "country_iso3": "MLI"}).id  # fmt: skip
    rng = random.Random(5)
    with database.engine.begin() as conn:
        locations = TABLES[Location]
        place_rows = [{**_defaults(Location), "mission_id": mission_id, "name": f"Place {p}", "latitude": lat,
                       "longitude": lon} for p, (lat, lon) in enumerate(gazetteer())]  # fmt: skip
        ids = [conn.execute(insert(locations).returning(locations.c.id), row).scalar_one() for row in place_rows]
        incident = _defaults(Incident)
        chosen = placed(m, seed=7)
        for start in range(0, m, 50_000):
            rows = []
            for ident, day, p in chosen[start : start + 50_000]:
                ied, linked = ident % 10 == 0, rng.random() < 0.5
                own = not linked or rng.random() < 5 / 6
                lat, lon = (place_rows[p]["latitude"], place_rows[p]["longitude"]) if own else (None, None)
                rows.append({**incident, "mission_id": mission_id, "event_date": day, "latitude": lat,
                             "longitude": lon, "location_id": ids[p] if linked else None,
                             "location_name": place_rows[p]["name"],
                             "event_type": "Explosions/Remote violence" if ied else "Battles",
                             "sub_event_type": "Remote explosive/landmine/IED" if ied else "Armed clash",
                             "category": "ied_detonated" if ied else None})  # fmt: skip
            conn.execute(insert(TABLES[Incident]), rows)
    rollups.rebuild(database, actor="benchmark")  # written behind the services' back
    with database.engine.connect() as conn:
        conn.exec_driver_sql("ANALYZE")
    database.close()


def _path(m: int) -> Path:
    return Path(tempfile.gettempdir()) / f"bluehelmet-bench-hotspots-places-{m}.db"


def through_database(m: int) -> None:
    path = _path(m)
    if not path.exists():
        started = time.perf_counter()
        partial = path.with_suffix(".partial")
        partial.unlink(missing_ok=True)
        build(partial, m)
        partial.rename(path)  # only a complete file is reused
        print(f"built {path} in {time.perf_counter() - started:.0f} s")
    database = Database(Settings(database_url=f"sqlite:///{path}"))
    every = IncidentFilter()
    print(f"\nSQLite, {m:,} incidents ({m // 10:,} IEDs); hexagon counts checked against the incidents")
    for run in ("first", "again"):
        with database.transaction("bench") as tx:
            session = tx.session
            timed(f"[{run}] stream (lat, lon) of every incident", lambda s=session: sum(
                1 for _ in incident_points(s, MISSION_ID)), m)  # fmt: skip
            timed(f"[{run}] group by coordinate in SQL", lambda s=session: sum(
                1 for _ in coordinate_counts(s, MISSION_ID)), m)  # fmt: skip
            timed(f"[{run}] stream + hexagon_counts per incident", lambda s=session: hexagon_counts(
                ((lat, lon, 1) for _, _, lat, lon in incident_points(s, MISSION_ID)), 7), m)  # fmt: skip
        year = IncidentFilter(date(2020, 1, 1), date(2020, 12, 31))
        ragged = IncidentFilter(date(2020, 1, 15), date(2020, 12, 14))
        for label, flt in (("all years", every), ("one year", year), ("ragged year", ragged)):
            served = timed(f"[{run}] services.hotspots.hexagons, res 7, {label}",
                           lambda f=flt: hotspots.hexagons(database, f, 7), m)  # fmt: skip
            if run == "first":
                with database.transaction("bench") as tx:
                    plain = hexagon_counts(coordinate_counts(tx.session, MISSION_ID, date_from=flt.date_from,
                                                             date_to=flt.date_to), 7)  # fmt: skip
                assert served == plain, f"the place rollup and the incidents disagree ({label})"
        timed(f"[{run}] services.hotspots.ied_clusters, 1 km / 2 days", lambda: hotspots.ied_clusters(
            database, every), m)  # fmt: skip
    database.close()


def stored_cells(m: int) -> None:
    """An experiment for the design (not what the services do): each incident keeps the cell
    of one resolution in an indexed integer column, written with the incident, and the database
    counts by itself. Also measures why one column per offered resolution is needed: the parent
    of a point's fine cell is not always the coarse cell the point lies in (H3 cells are not
    nested geometrically), so rolling a resolution-15 column up to resolution 7 miscounts."""
    path = _path(m)
    con = sqlite3.connect(path)
    if "h3_cell_7" not in {row[1] for row in con.execute("PRAGMA table_info(incident)")}:
        started = time.perf_counter()
        rows = con.execute("SELECT id, latitude, longitude FROM incident").fetchall()
        con.execute("ALTER TABLE incident ADD COLUMN h3_cell_7 INTEGER")
        con.executemany("UPDATE incident SET h3_cell_7 = ? WHERE id = ?",
                        [(basic_int.latlng_to_cell(lat, lon, 7), ident) for ident, lat, lon in rows])  # fmt: skip
        con.commit()
        print(f"\nadded a resolution-7 cell column to {path.name} in {time.perf_counter() - started:.0f} s")
    # Covering and partial, so the count reads the index alone; dropped afterwards, because the
    # other queries of this benchmark would otherwise pick it and read the table out of order.
    con.execute("CREATE INDEX ix_bench_live_cell_7 ON incident (mission_id, h3_cell_7) "
                "WHERE deleted_at IS NULL AND review_status != 'rejected'")  # fmt: skip
    try:
        query = ("SELECT h3_cell_7, count(*) FROM incident WHERE mission_id = 1 "
                 "AND deleted_at IS NULL AND review_status != 'rejected' GROUP BY h3_cell_7")  # fmt: skip
        for run in ("first", "again"):
            counts = timed(f"[{run}] stored res-7 cells, GROUP BY in SQL",
                           lambda: dict(con.execute(query).fetchall()), m)  # fmt: skip
    finally:
        con.execute("DROP INDEX ix_bench_live_cell_7")
        con.commit()
    database = Database(Settings(database_url=f"sqlite:///{path}"))
    python = hotspots.hexagons(database, IncidentFilter(), 7)
    database.close()
    assert {h3.int_to_str(cell): n for cell, n in counts.items()} == {h.cell: h.count for h in python.hexagons}
    print(f"{'':<8}the same {len(counts):,} cells and counts as services.hotspots.hexagons")
    points = con.execute("SELECT latitude, longitude FROM incident LIMIT 100000").fetchall()
    to_cell, parent = basic_int.latlng_to_cell, basic_int.cell_to_parent
    moved = sum(parent(to_cell(lat, lon, 15), 7) != to_cell(lat, lon, 7) for lat, lon in points)
    print(f"{'':<8}rolled up from resolution 15, {moved / len(points):.1%} of points land in another res-7 cell")
    con.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("n", nargs="?", type=int, default=100_000, help="synthetic IEDs for the pure functions")
    parser.add_argument("--database", type=int, metavar="M", help="also time the services on M incidents")
    parser.add_argument("--stored-cells", action="store_true", help="with --database, also time counting stored cells")
    args = parser.parse_args()
    pure(args.n)
    if args.database:
        through_database(args.database)
        if args.stored_cells:
            stored_cells(args.database)


if __name__ == "__main__":
    main()
