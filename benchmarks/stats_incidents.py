"""Time the incident analysis on N synthetic incidents (default 1,000,000) in SQLite.

Usage: python benchmarks/stats_incidents.py [N] [--db URL] [--pairs] [--rollup-only] [--only TEXT]
       [--answers FILE] [--floor ROWS]

With --db naming a database an earlier run wrote (the same N), its incidents are reused.

The data is made to look like ACLED's: 3,000 places (a gazetteer of locations, each in one
cercle of one of ten regions, at fixed coordinates, most in a sector), a few of which get most
incidents; an incident names its place, half of them link to its location, most carry the
place's coordinates (the others take the location's), a few have their own sector, and one of
25 perpetrators. The incidents are written straight into the table (the import path is measured
elsewhere), so the rollups are then rebuilt, as an administrator would after a bulk insert.
Each query is run cold (the first query after opening the database) and warm (the best of two
repeats), with the processor time beside the clock's, once as the services answer it (whole cells from the rollups) and once with every
row grouped from the incident table, the answers of the two compared, and against the same
grouping done by plain Python over the rows in memory, the baseline a script without a
database would use.

With ``--floor ROWS``, every answer of at least ROWS rows is also written as it is (its rows, in
its order) into a table of a SQLite file of its own, and the time to read that table back into
the same dictionaries is printed beside bluehelmet's: the least any storage could cost for an
answer of that size, since nothing is left to count or sort.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import itertools
import json
import random
import sqlite3
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager, nullcontext
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import Connection, func, insert, select

from bluehelmet.analytics.incidents import GroupKey
from bluehelmet.config import Settings
from bluehelmet.domain.incidents import Incident
from bluehelmet.domain.places import Location, Sector
from bluehelmet.domain.records import Record
from bluehelmet.services import records, rollups, stats
from bluehelmet.services.database import Database
from bluehelmet.services.stats import IncidentFilter
from bluehelmet.storage.rollups import ROLLUPS
from bluehelmet.storage.tables import TABLES

TYPES = [
    ("Battles", "Armed clash", None),
    ("Explosions/Remote violence", "Remote explosive/landmine/IED", "ied_detonated"),
    ("Strategic developments", "Disrupted weapons use", "ied_neutralised"),
    ("Violence against civilians", "Attack", "protection_of_civilians"),
    ("Protests", "Peaceful protest", None),
]
TYPE_WEIGHTS = [35, 15, 5, 35, 10]
REGIONS = ["Gao", "Kidal", "Mopti", "Tombouctou", "Ségou", "Ménaka", "Koulikoro", "Sikasso", "Kayes", "Bamako"]
SECTORS = {"North": {"Kidal"}, "East": {"Gao", "Ménaka"}, "Centre": {"Mopti", "Ségou"}, "West": {"Tombouctou"}}
TARGETS = ["mission", "national_forces", "civilians", None]
PLACES, CERCLES, PERPETRATORS = 3_000, 50, 25


def _defaults(cls: type[Record]) -> dict[str, object]:
    """A row's values for the fields a benchmark does not set: the dataclass's defaults."""
    now = datetime.now(UTC)
    system = {"version": 1, "created_at": now, "created_by": "bench", "updated_at": now, "updated_by": "bench"}
    # Not the id: PostgreSQL refuses an explicit NULL id where SQLite numbers the row anyway.
    values = {
        f.name: f.default for f in dataclasses.fields(cls) if f.default is not dataclasses.MISSING and f.name != "id"
    }
    values |= {
        f.name: f.default_factory() for f in dataclasses.fields(cls) if f.default_factory is not dataclasses.MISSING
    }
    return {**values, **system, "provenance": "benchmark"}


def _places(conn: Connection, mission_id: int, rng: random.Random) -> list[dict[str, object]]:
    """A gazetteer as ACLED's data has one: each place lies in one cercle (admin2) of one region
    (admin1), at fixed coordinates, in the sector of its region if any."""
    sectors = {}
    for name in SECTORS:
        row = {**_defaults(Sector), "mission_id": mission_id, "name": name}
        sectors[name] = conn.execute(insert(TABLES[Sector]).returning(TABLES[Sector].c.id), row).scalar_one()
    cercles = [(f"Cercle {c}", REGIONS[c % len(REGIONS)]) for c in range(CERCLES)]
    places = []
    for p in range(PLACES):
        admin2, admin1 = cercles[rng.randrange(CERCLES)]
        sector = next((sectors[s] for s, regions in SECTORS.items() if admin1 in regions), None)
        places.append({**_defaults(Location), "mission_id": mission_id, "name": f"Place {p}", "latitude":
                       round(rng.uniform(10.5, 24.5), 4), "longitude": round(rng.uniform(-11.5, 4.0), 4),
                       "sector_id": sector, "admin1": admin1, "admin2": admin2})  # fmt: skip
    table = TABLES[Location]
    columns = {c.name for c in table.columns}
    for place in places:
        place["id"] = conn.execute(
            insert(table).returning(table.c.id), {k: v for k, v in place.items() if k in columns}
        ).scalar_one()
    return places


def _rows(mission_id: int, places: list[dict[str, object]], n: int, seed: int) -> list[dict[str, object]]:
    """Incidents where places repeat (a few towns get most of them, as in ACLED's data), half
    linked to the gazetteer's location, most with the place's coordinates of their own (the
    rest take the location's), a few with their own sector, and a perpetrator among 25."""
    rng = random.Random(seed)
    start = date(2012, 1, 1)
    place_weights = list(itertools.accumulate(1 / (rank + 10) for rank in range(len(places))))
    perpetrators = [""] * 5 + [f"Armed group {k}" for k in range(PERPETRATORS) for _ in range(PERPETRATORS - k)]
    defaults = _defaults(Incident)
    rows = []
    for i in range(n):
        event_type, sub, category = rng.choices(TYPES, TYPE_WEIGHTS)[0]
        place = rng.choices(places, cum_weights=place_weights)[0]
        linked, own_point = rng.random() < 0.5, rng.random() < 0.85
        rows.append({
            **defaults, "mission_id": mission_id, "external_id": f"B{i}", "review_status": "verified",
            "uid": f"00000000-0000-4000-8000-{i:012d}",  # unique (the sync's global id), not from rng
            "event_date": start + timedelta(days=rng.randrange(3650)), "event_type": event_type,
            "sub_event_type": sub, "category": category, "location_name": place["name"],
            "location_id": place["id"] if linked else None, "admin1": place["admin1"], "admin2": place["admin2"],
            "latitude": place["latitude"] if own_point or not linked else None,
            "longitude": place["longitude"] if own_point or not linked else None,
            "sector_id": place["sector_id"] if rng.random() < 0.05 else None,
            "target": rng.choice(TARGETS), "perpetrator": rng.choice(perpetrators),
            "fatalities": rng.randrange(4), "killed_civilians": rng.randrange(2), "injured_civilians": rng.randrange(2),
        })  # fmt: skip
    return rows


Query = Callable[[Database], object]


def _timed(label: str, url: str, query: Query) -> tuple[float, float, str, object]:
    """Cold: the first query on a freshly opened database; warm: the best of two repeats."""
    db = Database(Settings(database_url=url))
    try:
        times, cpu = [], []
        for _ in range(3):
            start, start_cpu = time.perf_counter(), time.process_time()
            answer = query(db)
            times.append(time.perf_counter() - start)
            cpu.append(time.process_time() - start_cpu)
    finally:
        db.close()
    # The processor time (SQLite runs in this process) is steadier than the clock on a shared machine.
    print(
        f"  {label:<44} cold {times[0]:7.3f} s   warm {min(times[1:]):7.3f} s"
        f"   (processor: cold {cpu[0]:.3f} s, warm {min(cpu[1:]):.3f} s)",
        flush=True,
    )
    return times[0], cpu[0], label, answer


@contextmanager
def _without_rollup() -> Iterator[None]:
    """The analysis as it was before the rollup: every group counted from the incident table."""
    serves = stats._rollup_serves
    stats._rollup_serves = lambda keys, flt: False
    try:
        yield
    finally:
        stats._rollup_serves = serves


def _floor(label: str, seconds: float, answer: object, folder: Path) -> None:
    """Time reading ``answer`` (a list of dictionaries) back from a table that holds exactly its
    rows, in its order, and making the same dictionaries: the floor of any stored answer."""
    rows = answer if isinstance(answer, list) else []
    names = tuple(rows[0]) if rows else ()
    path = folder / f"floor-{hashlib.sha256(label.encode()).hexdigest()[:12]}.db"
    with closing(sqlite3.connect(path)) as con:
        columns = ", ".join(f'"{name}"' for name in names)
        con.execute(f"CREATE TABLE answer ({columns})")
        con.executemany(
            f"INSERT INTO answer VALUES ({', '.join('?' * len(names))})", map(tuple, map(dict.values, rows))
        )
        con.commit()
    times, fetches = [], []
    with closing(sqlite3.connect(path)) as con:
        for _ in range(3):
            start = time.perf_counter()
            fetched = con.execute("SELECT * FROM answer ORDER BY rowid").fetchall()
            fetches.append(time.perf_counter() - start)
            again = list(map(dict, map(zip, itertools.repeat(names), fetched)))
            times.append(time.perf_counter() - start)
    path.unlink()
    if again != rows:
        raise AssertionError(f"{label}: the stored answer did not read back the same")
    print(
        f"    floor for {len(rows):,} rows (the answer already stored, read back): cold {times[0]:.3f} s,"
        f" warm {min(times[1:]):.3f} s (the rows alone, as tuples: {fetches[0]:.3f} s, {min(fetches[1:]):.3f} s);"
        f" bluehelmet {seconds:.3f} s cold, {seconds / times[0]:.1f}x the floor",
        flush=True,
    )


def _table(keys: list[str], flt: IncidentFilter) -> Query:
    return lambda db: stats.incident_table(db, keys, flt)


#: Groupings that mix a key of the place or perpetrator rollups with one of the typed rollups.
_MIXED = (
    ["location", "event_type"],
    ["sector", "target"],
    ["day", "event_type"],
    ["perpetrator", "admin1"],
    ["month", "sector", "category"],
)


def _queries() -> list[tuple[str, Query]]:
    every, year = IncidentFilter(), IncidentFilter(date(2020, 1, 1), date(2020, 12, 31))
    ragged = IncidentFilter(date(2020, 1, 15), date(2020, 12, 14))
    years = IncidentFilter(date(2018, 1, 1), date(2020, 12, 31))
    by = ["month", "event_type", "admin1"]
    place = IncidentFilter(date(2020, 1, 1), date(2020, 12, 31), {"location": ["Place 7"]})
    singles = [(f"by {key}, all years", _table([key], every)) for key in (k.value for k in GroupKey)]
    return [
        *singles,
        ("month x event_type x admin1, all years", _table(by, every)),
        ("month x event_type x admin1, one year", _table(by, year)),
        ("same, 2020-01-15 to 2020-12-14 (ragged)", _table(by, ragged)),
        ("week x event_type, ragged year", _table(["week", "event_type"], ragged)),
        ("year x target, all years", _table(["year", "target"], every)),
        ("sector x year, all years", _table(["sector", "year"], every)),
        ("location, ragged year", _table(["location"], ragged)),
        ("perpetrator x month, ragged year", _table(["perpetrator", "month"], ragged)),
        ("location x event_type, one year", _table(["location", "event_type"], year)),
        ("location x perpetrator, one year", _table(["location", "perpetrator"], year)),
        ("perpetrator x admin1, ragged year", _table(["perpetrator", "admin1"], ragged)),
        ("location x target, three years", _table(["location", "target"], years)),
        ("location x perpetrator, 2014 on", _table(["location", "perpetrator"], IncidentFilter(date(2014, 1, 1)))),
        *[(f"{' x '.join(keys)}, all years", _table(keys, every)) for keys in _MIXED],
        ("sector x target, ragged year", _table(["sector", "target"], ragged)),
        ("weekly rate for one place", lambda db: stats.weekly_rate(db, date(2020, 6, 1), place)),
        ("IED summary, one year", lambda db: stats.ied_summary(db, year)),
        ("civilian casualties vs a year earlier", lambda db: stats.compare_with_previous_year(db, IncidentFilter(date(2021, 1, 1), date(2021, 4, 30)), "civilian_casualties")),
    ]  # fmt: skip


def _pairs() -> list[tuple[str, Query]]:
    """Every grouping by one or two keys, over all years: what a user may ask of `stats incidents`."""
    keys = [k.value for k in GroupKey]
    combos = [list(c) for n in (1, 2) for c in itertools.combinations(keys, n)]
    return [(f"{' x '.join(c)}, all years", _table(c, IncidentFilter())) for c in combos]


def _compare_answers(path: Path, labels: list[str], answers: list[object]) -> None:
    """Compare the answers with those an earlier run kept in ``path`` (by label), or keep them there."""
    digests = (hashlib.sha256(json.dumps(a, default=str, sort_keys=True).encode()).hexdigest() for a in answers)
    mine = dict(zip(labels, digests, strict=True))
    if not path.exists():
        path.write_text(json.dumps(mine))
        print(f"  answers kept in {path}")
        return
    kept = json.loads(path.read_text())
    differ = [label for label in mine if label in kept and kept[label] != mine[label]]
    shared = sum(1 for label in mine if label in kept)
    print(
        f"  against {path}: {shared - len(differ)} of {shared} answers the same"
        + (f"; DIFFERENT: {differ}" if differ else "")
    )


def _existing(db: Database) -> int:
    """How many incidents a benchmark wrote to the database before (0: none)."""
    with db.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(TABLES[Incident])).scalar_one())


def _write(db: Database, n: int) -> list[dict[str, object]]:
    """Write ``n`` synthetic incidents (and their gazetteer) straight into the table, rebuild and
    check the rollups; the rows written."""
    with db.transaction("bench") as tx:
        mission_id = records.create(tx, "Mission", {"name": "BENCH", "country_iso3": "MLI"}).id or 0
    print(f"writing {n:,} incidents to {db.url} ...", file=sys.stderr)
    with db.engine.begin() as conn:
        places = _places(conn, mission_id, random.Random(41))
    rows = _rows(mission_id, places, n, 42)
    start = time.perf_counter()
    with db.engine.begin() as conn:
        for i in range(0, len(rows), 50_000):
            conn.execute(insert(TABLES[Incident]), rows[i : i + 50_000])
    print(f"  written in {time.perf_counter() - start:.1f} s", file=sys.stderr)
    start = time.perf_counter()
    size = rollups.rebuild(db, actor="bench")  # written behind the services' back: rebuild the rollups
    print(f"  rollups rebuilt in {time.perf_counter() - start:.1f} s: {size:,} rows", file=sys.stderr)
    with db.engine.connect() as conn:
        for rollup in ROLLUPS:
            count = conn.execute(select(func.count()).select_from(rollup.table)).scalar_one()
            print(f"    {rollup.name}: {count:,} rows", file=sys.stderr)
        conn.exec_driver_sql("ANALYZE") if db.engine.dialect.name == "sqlite" else None  # as a maintained database
    if db.engine.dialect.name == "postgresql":  # as autovacuum leaves a table: its statistics and visibility map
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")
    start = time.perf_counter()
    differences = rollups.check(db, actor="bench")
    print(f"  rollups checked in {time.perf_counter() - start:.1f} s: {len(differences)} differences", file=sys.stderr)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("n", nargs="?", type=int, default=1_000_000)
    parser.add_argument("--db", default="")
    parser.add_argument("--only", default="", help="time only the queries whose label contains this text")
    parser.add_argument("--pairs", action="store_true", help="time every grouping by one or two keys instead")
    parser.add_argument("--rollup-only", action="store_true", help="skip the incident-table comparison")
    parser.add_argument("--answers", default="", help="a file of answers: compared with when it exists, else written")
    parser.add_argument("--floor", type=int, default=0, help="time reading back every answer of this many rows or more")
    args = parser.parse_args()
    folder = tempfile.mkdtemp()
    url = args.db or f"sqlite:///{Path(folder) / 'bench.db'}"
    db = Database(Settings(database_url=url))
    db.init_schema()
    rows: list[dict[str, object]] = []
    existing = _existing(db)
    if existing not in (0, args.n):
        sys.exit(f"{db.url} holds {existing:,} incidents, not {args.n:,}: name another --db")
    if existing:
        # A database of an earlier run (--db): its incidents and rollups as they are (migrations
        # fill a new rollup), so that a million need not be written again.
        print(f"reusing the {args.n:,} incidents of {db.url}", file=sys.stderr)
    else:
        rows = _write(db, args.n)
    db.close()
    worst: dict[str, float] = {}
    answers: dict[str, list[object]] = {}
    paths = [("rollup", nullcontext()), ("incident table only", _without_rollup())][: 1 if args.rollup_only else 2]
    for path, context in paths:
        print(f"bluehelmet on {args.n:,} incidents ({db.engine.dialect.name}), {path}:")
        chosen = _pairs() if args.pairs else _queries()
        with context:
            timings = [_timed(label, url, query) for label, query in chosen if args.only in label]
        worst[path] = max(seconds for seconds, *_ in timings)
        for seconds, _, label, answer in timings if args.floor and path == "rollup" else ():
            if isinstance(answer, list) and len(answer) >= args.floor:
                print(f"  {label}:")
                _floor(label, seconds, answer, Path(folder))
        answers[path] = [answer for *_, answer in timings]
        slowest = sorted(timings, key=lambda t: -t[1])[:5]
        print("  slowest by processor time, cold: " + "; ".join(f"{lb} {c:.3f} s" for _, c, lb, _ in slowest))
        print(f"  over 1 s cold (clock): {sum(1 for t in timings if t[0] >= 1)} of {len(timings)}")
    if args.answers:
        _compare_answers(Path(args.answers), [label for label, _ in chosen if args.only in label], answers["rollup"])
    if len(answers) == 2:
        same = answers["rollup"] == answers["incident table only"]
        print(f"  the rollups and the incident table give {'the same answers' if same else 'DIFFERENT ANSWERS'}")
    if rows:
        start = time.perf_counter()
        counts = Counter((r["event_date"].strftime("%Y-%m"), r["event_type"], r["admin1"]) for r in rows)  # type: ignore[attr-defined]
        baseline = time.perf_counter() - start
        print(f"  baseline: plain Python Counter over rows already in memory: {baseline:.3f} s ({len(counts)} groups)")
    for path, seconds in worst.items():
        print(f"slowest query, cold, {path}: {seconds:.3f} s (goal: under 1 s)")


if __name__ == "__main__":
    main()
