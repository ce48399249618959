"""Time the text search on N synthetic incidents (default 200,000): the full-text index
(migration 0024: SQLite FTS5, PostgreSQL tsvector) against the ILIKE over four fields it
replaced; and the search across every kind (``services.search``: the incidents and the 29 other
kinds of migration 0026, for an administrator and for a sector account) against the incidents'
full-text list in the same run (the ratio says what searching every kind adds).

Usage: python benchmarks/search.py [N] [--postgres URL [--no-sqlite]]

The incidents are those of ``benchmarks/stats_incidents.py`` with notes of a few French and
English words each, written straight into the table (the search's triggers fill the index as
they are). Each search asks what the Incidents page asks: the first 50 matches, newest first,
and how many match in all; cold (first query on a freshly opened database) and warm (best of
two repeats). ``--postgres`` names a server database to fill and time as well (it is emptied).
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, or_, select, text

from bluehelmet.config import Settings
from bluehelmet.domain.access import Principal, Role
from bluehelmet.domain.incidents import Incident
from bluehelmet.services import listing, records, search
from bluehelmet.services.database import Database
from bluehelmet.storage.tables import TABLES

sys.path.insert(0, str(Path(__file__).parent))
from stats_incidents import _places, _rows  # a script beside this one

WORDS = ("attaque", "embuscade", "enlèvement", "patrouille", "convoi", "engin explosif", "Sévaré", "ambush",
         "abduction", "patrol", "convoy", "IED", "camp", "marché", "véhicule", "checkpoint", "Ménaka", "road")  # fmt: skip
SEARCHES = ("Gao", "sevare", "embuscade convoi", "enlevement", "Ménaka patrol", "zzzz")
ADMIN = Principal("bench", Role.ADMIN)


def _fill(url: str, n: int) -> None:
    db = Database(Settings(database_url=url))
    db.init_schema()
    with db.engine.begin() as conn:
        conn.execute(text("DELETE FROM incident"))
    with db.transaction("bench") as tx:
        mission = records.list_records(tx, "Mission", {"name": "BENCH"})
        mission_id = mission[0].id if mission else records.create(tx, "Mission", {"name": "BENCH",
                                                                                 "country_iso3": "MLI"}).id  # fmt: skip
    with db.engine.begin() as conn:
        places = _places(conn, mission_id or 0, random.Random(41))
    rows = _rows(mission_id or 0, places, n, 42)
    rng = random.Random(43)
    for row in rows:
        row["notes"] = " ".join(rng.sample(WORDS, 4))
        row["uid"] = str(uuid.UUID(int=rng.getrandbits(128), version=4))  # each its own (migration 0023)
    print(f"writing {n:,} incidents to {url.rsplit('@', 1)[-1]} ...", file=sys.stderr)
    start = time.perf_counter()
    with db.engine.begin() as conn:
        for i in range(0, len(rows), 20_000):
            conn.execute(insert(TABLES[Incident]), rows[i : i + 20_000])
    print(f"  written with the index in {time.perf_counter() - start:.1f} s", file=sys.stderr)
    with db.engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE")
    db.close()


def _ilike(db: Database, query: str) -> tuple[int, int]:
    """The search as it was: any of four fields containing the text, any case."""
    table = TABLES[Incident]
    where = or_(*(table.c[f].icontains(query, autoescape=True) for f in ("external_id", "location_name", "notes",
                                                                           "perpetrator")))  # fmt: skip
    stmt = select(table.c.id).where(table.c.deleted_at.is_(None), where)
    with db.engine.connect() as conn:
        total = int(conn.scalar(select(func.count()).select_from(stmt.subquery())) or 0)
        page = conn.execute(stmt.order_by(table.c.event_date.desc(), table.c.id.desc()).limit(50)).all()
    return total, len(page)


def _full_text(db: Database, query: str) -> tuple[int, int]:
    page = listing.list_page(db, ADMIN, "Incident", limit=50, newest_first=True, text=query)
    return page.total, len(page.records)


def _everywhere(db: Database, query: str) -> tuple[int, int]:
    found = search.search(db, ADMIN, query)
    return found.total, len(found.hits)


def _everywhere_sector(db: Database, query: str) -> tuple[int, int]:
    with db.transaction("bench") as tx:
        sector = min(s.id or 0 for s in records.list_records(tx, "Sector"))
    found = search.search(db, Principal("bench-sector", Role.SECTOR, sector), query)
    return found.total, len(found.hits)


def _timed(url: str, how: Callable[[Database, str], tuple[int, int]], query: str) -> tuple[float, float, Any]:
    db = Database(Settings(database_url=url))
    try:
        times, answer = [], None
        for _ in range(3):
            start = time.perf_counter()
            answer = how(db, query)
            times.append(time.perf_counter() - start)
    finally:
        db.close()
    return times[0], min(times[1:]), answer


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("n", nargs="?", type=int, default=200_000)
    parser.add_argument("--postgres", default="", help="a PostgreSQL database URL to fill and time too (emptied)")
    parser.add_argument("--no-sqlite", action="store_true", help="time PostgreSQL alone")
    args = parser.parse_args()
    urls = [] if args.no_sqlite else [f"sqlite:///{Path(tempfile.mkdtemp()) / 'search.db'}"]
    urls += [args.postgres] if args.postgres else []
    for url in urls:
        _fill(url, args.n)
        print(f"search on {args.n:,} incidents, {url.split(':')[0]}:")
        for query in SEARCHES:
            old_cold, old_warm, (old_total, _) = _timed(url, _ilike, query)
            new_cold, new_warm, (new_total, _) = _timed(url, _full_text, query)
            print(f"  {query!r:<22} full text cold {new_cold:6.3f} s warm {new_warm:6.3f} s ({new_total:>7,} found)"
                  f"   ILIKE cold {old_cold:6.3f} s warm {old_warm:6.3f} s ({old_total:>7,} found)")  # fmt: skip
        print("  every kind (services.search, 10 of each kind) against the incidents' list above:")
        for query in SEARCHES:
            _, base, _ = _timed(url, _full_text, query)
            for who, how in (("admin", _everywhere), ("sector", _everywhere_sector)):
                cold, warm, (total, _) = _timed(url, how, query)
                print(f"    {query!r:<22} {who:<6} cold {cold:6.3f} s warm {warm:6.3f} s ({total:>7,} found)"
                      f"  x{warm / base if base else 0:5.2f} the incidents' list ({base:.3f} s)")  # fmt: skip


if __name__ == "__main__":
    main()
