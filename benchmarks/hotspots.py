"""Time hexagon counts and near-repeat clustering of synthetic IEDs (not a test).

    .venv/bin/python benchmarks/hotspots.py [N]                  # pure functions, N IEDs (100,000)
    .venv/bin/python benchmarks/hotspots.py [N] --database M     # also through SQLite with M incidents
    .venv/bin/python benchmarks/hotspots.py [N] --database M --stored-cells   # and the stored-cell design

The points are spread over Mali's bounding box from 2013 to 2021: a third at the exact
coordinates of one of 300 towns (as reports with the precision of a town are), a third scattered
a few kilometres around 40 hot places along roads, a third anywhere. With ``--database`` a
SQLite file of M incidents (a tenth of them IEDs) is built once in the temporary folder and
reused; the service calls are timed twice (the second run finds the file in the page cache).
The seed is fixed so that runs compare.
"""

from __future__ import annotations

import argparse
import dataclasses
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
from bluehelmet.domain.records import SYSTEM_FIELDS
from bluehelmet.services import hotspots, records
from bluehelmet.services.database import Database
from bluehelmet.services.stats import IncidentFilter
from bluehelmet.storage.hotspot_queries import coordinate_counts, incident_points
from bluehelmet.storage.tables import TABLES

START, DAYS = date(2013, 1, 1), 9 * 365
MISSION_ID = 1  # the only mission of the benchmark's database


def synthetic(n: int, seed: int = 2021) -> list[tuple[int, date, float, float]]:
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


def timed(label: str, work: Any, n: int) -> Any:
    start = time.perf_counter()
    result = work()
    took = time.perf_counter() - start
    print(f"{label:<52} {took:7.2f} s  {took / n * 1e6:6.2f} us/incident")
    return result


def pure(n: int) -> None:
    points = synthetic(n)
    print(f"{n:,} synthetic IEDs, {len({(p[2], p[3]) for p in points}):,} distinct points")
    for resolution in (5, 7, 9):
        counts = timed(
            f"hexagon_counts, resolution {resolution}",
            lambda r=resolution: hexagon_counts(((lat, lon, 1) for _, _, lat, lon in points), r),
            n,
        )
        assert counts.points == n
        print(f"{'':<8}{len(counts.hexagons):,} cells, the busiest with {counts.hexagons[0].count}")
    for km, days in ((1.0, 2), (1.0, 7), (5.0, 2)):
        result = timed(f"near_repeat_clusters, {km:g} km / {days} days", lambda k=km, d=days: near_repeat_clusters(
            points, k, d), n)  # fmt: skip
        sizes = sorted((c.size for c in result.clusters), reverse=True)
        print(f"{'':<8}{len(result.clusters):,} clusters holding {result.clustered:,} IEDs, largest {sizes[:3]}")


def build(path: Path, m: int) -> None:
    database = Database(Settings(database_url=f"sqlite:///{path}"))
    database.init_schema()
    defaults = {
        f.name: getattr(template, f.name)
        for template in [Incident(mission_id=0, event_date=START, event_type="Battles", sub_event_type="Armed clash")]  # type: ignore[arg-type]
        for f in dataclasses.fields(template)
        if f.name not in SYSTEM_FIELDS
    }
    with database.transaction("benchmark") as tx:
        mission_id = records.create(tx, "Mission", {"name": "BENCH", "full_name": "Benchmark mission",
                                                    "country_iso3": "MLI"}).id  # fmt: skip
    with database.engine.begin() as conn:
        table = TABLES[Incident]
        points = synthetic(m, seed=7)
        for start in range(0, m, 50_000):
            rows = []
            for ident, day, lat, lon in points[start : start + 50_000]:
                ied = ident % 10 == 0
                rows.append({**defaults, "mission_id": mission_id, "version": 1, "event_date": day,
                             "latitude": lat, "longitude": lon,
                             "event_type": "Explosions/Remote violence" if ied else "Battles",
                             "sub_event_type": "Remote explosive/landmine/IED" if ied else "Armed clash",
                             "category": "ied_detonated" if ied else None})  # fmt: skip
            conn.execute(insert(table), rows)
    database.close()


def through_database(m: int) -> None:
    path = Path(tempfile.gettempdir()) / f"bluehelmet-bench-hotspots-{m}.db"
    if not path.exists():
        started = time.perf_counter()
        partial = path.with_suffix(".partial")
        partial.unlink(missing_ok=True)
        build(partial, m)
        partial.rename(path)  # only a complete file is reused
        print(f"built {path} in {time.perf_counter() - started:.0f} s")
    database = Database(Settings(database_url=f"sqlite:///{path}"))
    flt = IncidentFilter()
    print(f"\nSQLite, {m:,} incidents ({m // 10:,} IEDs)")
    for run in ("first", "again"):
        with database.transaction("bench") as tx:
            session = tx.session
            timed(f"[{run}] stream (lat, lon) of every incident", lambda s=session: sum(
                1 for _ in incident_points(s, MISSION_ID)), m)  # fmt: skip
            timed(f"[{run}] group by coordinate in SQL", lambda s=session: sum(
                1 for _ in coordinate_counts(s, MISSION_ID)), m)  # fmt: skip
            timed(f"[{run}] stream + hexagon_counts per incident", lambda s=session: hexagon_counts(
                ((lat, lon, 1) for _, _, lat, lon in incident_points(s, MISSION_ID)), 7), m)  # fmt: skip
        timed(f"[{run}] services.hotspots.hexagons (grouped), res 7", lambda: hotspots.hexagons(database, flt, 7), m)
        timed(f"[{run}] services.hotspots.ied_clusters, 1 km / 2 days", lambda: hotspots.ied_clusters(
            database, flt), m)  # fmt: skip
        year = IncidentFilter(date(2020, 1, 1), date(2020, 12, 31))
        timed(f"[{run}] services.hotspots.hexagons, one year", lambda y=year: hotspots.hexagons(database, y, 7), m)
    database.close()


def stored_cells(m: int) -> None:
    """An experiment for the design (not what the services do): each incident keeps the cell
    of one resolution in an indexed integer column, written with the incident, and the database
    counts by itself. Also measures why one column per offered resolution is needed: the parent
    of a point's fine cell is not always the coarse cell the point lies in (H3 cells are not
    nested geometrically), so rolling a resolution-15 column up to resolution 7 miscounts."""
    path = Path(tempfile.gettempdir()) / f"bluehelmet-bench-hotspots-{m}.db"
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
