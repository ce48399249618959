"""Time `bluehelmet export` of N synthetic incidents (default 1,000,000) to CSV and GeoJSON.

Usage: python benchmarks/export_rows.py [N] [--db URL] [--old-rows 20000] [--keep]

Builds a database of N incidents (the incidents of benchmarks/stats_incidents.py, written
straight into the table; the rollups are not rebuilt, an export does not read them), or reuses
the one at --db if it already holds incidents. Then, in the same run, for CSV and GeoJSON:
the record-by-record export (an ORM record per row, formatted by ``values_to_text``; the
reference the fast path is tested against) on the first --old-rows rows, and the table export
(``exporting.export_rows``) on all of them. Each measurement runs in a child process, so
that its peak memory (ru_maxrss) is its own. The processor time of the process is printed beside
the clock's: on a shared machine it is the steadier figure (SQLite works in the process; the
PostgreSQL server's own work is not in it).
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select

from bluehelmet.config import Settings
from bluehelmet.domain.incidents import Incident
from bluehelmet.services import records
from bluehelmet.services.database import Database
from bluehelmet.storage.tables import TABLES

sys.path.insert(0, str(Path(__file__).resolve().parent))
from stats_incidents import _places, _rows

_CHUNK = 50_000


def build(url: str, n: int) -> int:
    """A database at ``url`` with ``n`` incidents (kept if it already has incidents)."""
    db = Database(Settings(database_url=url))
    db.init_schema()
    table = TABLES[Incident]
    with db.engine.connect() as conn:
        there = conn.execute(select(func.count()).select_from(table)).scalar_one()
    if there:
        print(f"reusing {db.url}: {there:,} incidents", file=sys.stderr)
        db.close()
        return int(there)
    with db.transaction("bench") as tx:
        mission_id = records.create(tx, "Mission", {"name": "BENCH", "country_iso3": "MLI"}).id or 0
    print(f"writing {n:,} incidents to {db.url} ...", file=sys.stderr)
    started = time.perf_counter()
    with db.engine.begin() as conn:
        places = _places(conn, mission_id, random.Random(41))
    for start in range(0, n, _CHUNK):
        # Made a chunk at a time (a million rows of dicts would take gigabytes), numbered on.
        rows = _rows(mission_id, places, min(_CHUNK, n - start), 42 + start)
        for offset, row in enumerate(rows, start=start):
            row["external_id"] = f"B{offset}"
        with db.engine.begin() as conn:
            conn.execute(insert(table), rows)
    print(f"  written in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    db.close()
    return n


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def step(way: str, url: str, fmt: str, out: str, limit: str) -> dict[str, Any]:
    """One export in this (child) process: ``old`` record by record, ``new`` from the table."""
    from bluehelmet.exports.writers import write  # noqa: PLC0415
    from bluehelmet.services import exporting  # noqa: PLC0415

    db = Database(Settings(database_url=url))
    started, started_cpu = time.perf_counter(), time.process_time()
    if way == "old":
        columns, rows = exporting.record_rows(db, "Incident", actor="bench")
        count = write(fmt, Path(out), columns, itertools.islice(rows, int(limit)))
        rows.close()
    else:
        columns, rows = exporting.export_rows(db, "Incident", actor="bench")
        count = write(fmt, Path(out), columns, rows)
    seconds, cpu = time.perf_counter() - started, time.process_time() - started_cpu
    db.close()
    return {"rows": count, "seconds": seconds, "cpu_seconds": cpu, "rows_per_s": count / seconds, "peak_mb": _peak_mb()}


def _child(*args: str) -> dict[str, Any]:
    return _run("--step", *args)


def _run(*args: str) -> dict[str, Any]:
    command = [sys.executable, __file__, *args]
    done = subprocess.run(command, check=False, stdout=subprocess.PIPE, text=True)
    if done.returncode != 0:
        raise SystemExit(f"error: step {args} failed")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _same_start(old: Path, new: Path) -> bool:
    """Whether the old export's file is the first part of the new one's (the same bytes)."""
    size = old.stat().st_size
    with old.open("rb") as a, new.open("rb") as b:
        first, second = a.read(), b.read(size)
    # GeoJSON: the old file ends with the closing bracket where the new one goes on.
    return first == second or first.removesuffix(b"]}\n") == second[: size - 3]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("n", nargs="?", type=int, default=1_000_000)
    parser.add_argument("--db", default="")
    parser.add_argument("--old-rows", type=int, default=20_000)
    parser.add_argument("--keep", action="store_true", help="keep the export files")
    parser.add_argument("--step", nargs=5, metavar=("WAY", "URL", "FORMAT", "OUT", "LIMIT"))
    parser.add_argument("--build", metavar="URL", help="(child) build the database at URL")
    args = parser.parse_args()
    if args.step:
        print(json.dumps(step(*args.step)))
        return
    if args.build:
        print(json.dumps({"rows": build(args.build, args.n)}))
        return
    folder = Path(tempfile.mkdtemp(prefix="bluehelmet-export-bench-"))
    url = args.db or f"sqlite:///{folder / 'bench.db'}"
    # Built in a child too: Linux keeps a process's peak memory across exec, so a child forked
    # from a parent that had held the incidents would report the parent's peak as its own.
    total = _run("--build", url, str(args.n))["rows"]
    load = os.getloadavg()
    backend = url.split(":", 1)[0].split("+")[0]
    print(f"bluehelmet export of {total:,} incidents ({backend}), load average {load[0]:.2f} (2 cores):")
    for fmt in ("csv", "geojson"):
        old_file, new_file = folder / f"old.{fmt}", folder / f"new.{fmt}"
        old = _child("old", url, fmt, str(old_file), str(args.old_rows))
        new = _child("new", url, fmt, str(new_file), "0")
        same = _same_start(old_file, new_file)
        for label, m in (("record by record (before)", old), ("from the table (now)", new)):
            print(f"  {fmt:<7} {label:<26} {m['rows']:>9,} rows in {m['seconds']:7.2f} s = "
                  f"{m['rows_per_s']:>9,.0f} rows/s (processor {m['cpu_seconds']:6.2f} s), peak {m['peak_mb']:5.0f} MB")  # fmt: skip
        print(f"  {fmt:<7} ratio {new['rows_per_s'] / old['rows_per_s']:.1f}x; the first {old['rows']:,} rows "
              f"{'are byte for byte the same' if same else 'DIFFER'}; goal: {total:,} in under 15 s, 300 MB")  # fmt: skip
        if not args.keep:
            old_file.unlink()
            new_file.unlink()
    print(f"load average after {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
