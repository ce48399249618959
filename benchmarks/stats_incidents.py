"""Time the incident analysis on N synthetic incidents (default 1,000,000) in SQLite.

Usage: python benchmarks/stats_incidents.py [N] [--db URL]

The incidents are written straight into the table (the import path is measured elsewhere), so
the monthly rollup is then rebuilt, as an administrator would after a bulk insert. Each query
is run cold (the first query after opening the database) and warm (the best of two repeats),
once as the services answer it (whole months from the rollup) and once with every row grouped
from the incident table, and compared with the same grouping done by pandas-free plain Python
over the rows in memory, the baseline a script without a database would use.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert

from bluehelmet.config import Settings
from bluehelmet.domain.incidents import Incident
from bluehelmet.services import records, rollups, stats
from bluehelmet.services.database import Database
from bluehelmet.services.stats import IncidentFilter
from bluehelmet.storage.tables import TABLES

TYPES = [
    ("Battles", "Armed clash", None),
    ("Explosions/Remote violence", "Remote explosive/landmine/IED", "ied_detonated"),
    ("Strategic developments", "Disrupted weapons use", "ied_neutralised"),
    ("Violence against civilians", "Attack", "protection_of_civilians"),
    ("Protests", "Peaceful protest", None),
]
REGIONS = ["Gao", "Kidal", "Mopti", "Tombouctou", "Ségou", "Ménaka"]
TARGETS = ["mission", "national_forces", "civilians", None]


def _rows(mission_id: int, n: int, seed: int) -> list[dict[str, object]]:
    rng = random.Random(seed)
    start = date(2012, 1, 1)
    now = datetime.now(UTC)
    rows = []
    for i in range(n):
        event_type, sub, category = rng.choice(TYPES)
        rows.append({
            "mission_id": mission_id, "version": 1, "created_at": now, "created_by": "bench", "updated_at": now,
            "updated_by": "bench", "provenance": "benchmark", "external_id": f"B{i}",
            "event_date": start + timedelta(days=rng.randrange(3650)), "time_precision": "day",
            "event_type": event_type, "sub_event_type": sub, "category": category, "location_name": f"Place {i % 500}",
            "admin1": rng.choice(REGIONS), "admin2": "", "admin3": "", "geo_precision": "exact",
            "target": rng.choice(TARGETS), "perpetrator": "", "actor1": "", "assoc_actor1": "", "actor2": "",
            "assoc_actor2": "", "disorder_type": "", "civilian_targeting": False, "explosives_used": False,
            "responding_unit_ids": [], "fatalities": rng.randrange(4), "killed_peacekeepers": 0,
            "injured_peacekeepers": 0, "killed_national_forces": 0, "injured_national_forces": 0,
            "killed_civilians": rng.randrange(2), "injured_civilians": rng.randrange(2), "source": "",
            "source_scale": "", "tags": "", "review_status": "verified", "notes": "",
        })  # fmt: skip
    return rows


Query = Callable[[Database], object]


def _timed(label: str, url: str, query: Query) -> float:
    """Cold: the first query on a freshly opened database; warm: the best of two repeats."""
    db = Database(Settings(database_url=url))
    try:
        times = []
        for _ in range(3):
            start = time.perf_counter()
            query(db)
            times.append(time.perf_counter() - start)
    finally:
        db.close()
    print(f"  {label:<44} cold {times[0]:7.3f} s   warm {min(times[1:]):7.3f} s")
    return times[0]


@contextmanager
def _without_rollup() -> Iterator[None]:
    """The analysis as it was before the rollup: every group counted from the incident table."""
    serves = stats._rollup_serves
    stats._rollup_serves = lambda keys, flt: False
    try:
        yield
    finally:
        stats._rollup_serves = serves


def _queries() -> list[tuple[str, Query]]:
    year = IncidentFilter(date(2020, 1, 1), date(2020, 12, 31))
    by = ["month", "event_type", "admin1"]
    return [
        ("month x event_type x admin1, all years", lambda db: stats.incident_table(db, by, IncidentFilter())),
        ("month x event_type x admin1, one year", lambda db: stats.incident_table(db, by, year)),
        ("same, 2020-01-15 to 2020-12-14 (ragged)", lambda db: stats.incident_table(db, by, IncidentFilter(date(2020, 1, 15), date(2020, 12, 14)))),
        ("year x target, all years", lambda db: stats.incident_table(db, ["year", "target"], IncidentFilter())),
        ("weekly rate for one place", lambda db: stats.weekly_rate(db, date(2020, 6, 1), IncidentFilter(date(2020, 1, 1), date(2020, 12, 31), {"location": ["Place 7"]}))),
        ("IED summary, one year", lambda db: stats.ied_summary(db, year)),
        ("civilian casualties vs a year earlier", lambda db: stats.compare_with_previous_year(db, IncidentFilter(date(2021, 1, 1), date(2021, 4, 30)), "civilian_casualties")),
    ]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("n", nargs="?", type=int, default=1_000_000)
    parser.add_argument("--db", default="")
    args = parser.parse_args()
    folder = tempfile.mkdtemp()
    url = args.db or f"sqlite:///{Path(folder) / 'bench.db'}"
    db = Database(Settings(database_url=url))
    db.init_schema()
    with db.transaction("bench") as tx:
        mission_id = records.create(tx, "Mission", {"name": "BENCH", "country_iso3": "MLI"}).id or 0
    print(f"writing {args.n:,} incidents to {db.url} ...", file=sys.stderr)
    rows = _rows(mission_id, args.n, 42)
    start = time.perf_counter()
    with db.engine.begin() as conn:
        for i in range(0, len(rows), 50_000):
            conn.execute(insert(TABLES[Incident]), rows[i : i + 50_000])
    print(f"  written in {time.perf_counter() - start:.1f} s", file=sys.stderr)
    with db.engine.connect() as conn:  # let the planner see the data, as a maintained database would
        conn.exec_driver_sql("ANALYZE") if db.engine.dialect.name == "sqlite" else None
    start = time.perf_counter()
    size = rollups.rebuild(db, actor="bench")  # written behind the services' back: rebuild the rollup
    print(f"  rollup rebuilt in {time.perf_counter() - start:.1f} s: {size:,} rows", file=sys.stderr)
    start = time.perf_counter()
    differences = rollups.check(db, actor="bench")
    print(f"  rollup checked in {time.perf_counter() - start:.1f} s: {len(differences)} differences", file=sys.stderr)
    db.close()
    worst: dict[str, float] = {}
    for path, context in (("rollup", nullcontext()), ("incident table only", _without_rollup())):
        print(f"bluehelmet on {args.n:,} incidents ({db.engine.dialect.name}), {path}:")
        with context:
            worst[path] = max(_timed(label, url, query) for label, query in _queries())
    start = time.perf_counter()
    counts = Counter((r["event_date"].strftime("%Y-%m"), r["event_type"], r["admin1"]) for r in rows)  # type: ignore[attr-defined]
    baseline = time.perf_counter() - start
    print(f"  baseline: plain Python Counter over rows already in memory: {baseline:.3f} s ({len(counts)} groups)")
    for path, seconds in worst.items():
        print(f"slowest query, cold, {path}: {seconds:.3f} s (goal: under 1 s)")


if __name__ == "__main__":
    main()
