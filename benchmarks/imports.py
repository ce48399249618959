"""The ACLED import against its reference programs, side by side in one run (issue 24).

Usage: python benchmarks/imports.py [--rows N] [--postgres] [--work EMPTY_DIR] [--out DIR]

Writes N synthetic incidents (`bluehelmet synth --incidents N --seed 7`, about 0.4% more ACLED
rows: one per actor of some events), then on SQLite (and with --postgres on a fresh database
at postgresql+psycopg://postgres@127.0.0.1:5432) times, each step in a child process so that
its peak memory (ru_maxrss) is its own:

- bluehelmet's `import acled` (the columnar path; every promise kept: all or nothing, audit,
  rollups), then the same file again (nothing changed: no audit entry may be written);
- pandas read_csv + to_sql of the same file into a table of its own;
- raw executemany of the file's rows parsed beforehand (SQLite, the floor of the driver), and on
  PostgreSQL COPY of the raw file into a table of text columns;
- `rollup check`: the rollups equal to a recount after the import (not timed against anything).
Prints a Markdown table with the ratios and writes imports.json in --out.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432"


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _child(step: str, *args: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, __file__, "--step", step, *args], check=False, capture_output=True, text=True
    )
    if done.returncode != 0:
        print(done.stderr[-3000:], file=sys.stderr)
        raise SystemExit(f"error: step {step} failed")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def step_synth(rows: str, out: str) -> dict[str, Any]:
    from bluehelmet.cli import cli  # noqa: PLC0415

    started = time.perf_counter()
    cli.main(["synth", "--incidents", rows, "--seed", "7", "--out", out, "--json"], standalone_mode=False)
    return {"seconds": time.perf_counter() - started}


def step_setup(out: str, url: str) -> dict[str, Any]:
    from bluehelmet.config import Settings  # noqa: PLC0415
    from bluehelmet.imports.registry import table_importer  # noqa: PLC0415
    from bluehelmet.services import loading  # noqa: PLC0415
    from bluehelmet.services.database import Database  # noqa: PLC0415

    db = Database(Settings(database_url=url))
    db.init_schema()
    for kind in ("mission", "sector", "location"):
        report = loading.load(db, "bench", kind, table_importer(kind).rows(Path(out) / f"{kind}.csv"))
        assert report.written, report.problems[:3]
    db.close()
    return {}


def step_import(out: str, url: str) -> dict[str, Any]:
    from sqlalchemy import func, select  # noqa: PLC0415

    from bluehelmet.config import Settings  # noqa: PLC0415
    from bluehelmet.imports.acled import IMPORTER  # noqa: PLC0415
    from bluehelmet.imports.registry import import_file  # noqa: PLC0415
    from bluehelmet.services.database import Database  # noqa: PLC0415
    from bluehelmet.storage.tables import audit_table  # noqa: PLC0415

    db = Database(Settings(database_url=url))
    path = Path(out) / "incidents.csv"
    rows = sum(1 for _ in path.open(encoding="utf-8")) - 1

    def entries() -> int:
        with db.transaction("bench") as tx:
            return int(tx.session.scalar(select(func.count()).select_from(audit_table)) or 0)

    before = entries()
    started, processor = time.perf_counter(), time.process_time()
    report = import_file(db, "bench", IMPORTER, path)
    seconds, processor = time.perf_counter() - started, time.process_time() - processor
    assert report.written, report.problems[:3]
    written = entries() - before
    db.close()
    return {"rows": rows, "created": report.created, "updated": report.updated, "unchanged": report.unchanged,
            "audit_entries": written, "seconds": seconds, "rows_per_s": rows / seconds, "peak_mb": _peak_mb(),
            "processor_s": processor}  # fmt: skip


def step_check(url: str) -> dict[str, Any]:
    from bluehelmet.config import Settings  # noqa: PLC0415
    from bluehelmet.services.database import Database  # noqa: PLC0415
    from bluehelmet.storage import rollups  # noqa: PLC0415

    db = Database(Settings(database_url=url))
    with db.transaction("bench") as tx:
        same = rollups.rollup_rows(tx.session) == rollups.rollup_rows(tx.session, fresh=True)
    db.close()
    return {"rollups_equal_recount": same}


def step_pandas(out: str, url: str) -> dict[str, Any]:
    import pandas as pd  # noqa: PLC0415
    from sqlalchemy import create_engine  # noqa: PLC0415

    path = Path(out) / "incidents.csv"
    engine = create_engine(url)
    started = time.perf_counter()
    rows = 0
    for chunk in pd.read_csv(path, chunksize=100_000, parse_dates=["event_date"]):
        chunk.to_sql("acled_pandas", engine, if_exists="append" if rows else "replace", index=False, chunksize=10_000)
        rows += len(chunk)
    seconds = time.perf_counter() - started
    return {
        "rows": rows,
        "seconds": seconds,
        "rows_per_s": rows / seconds,
        "peak_mb": _peak_mb(),
        "processor_s": time.process_time(),
    }  # the whole process's, its start included


def step_raw_sqlite(out: str, db_file: str) -> dict[str, Any]:
    path = Path(out) / "incidents.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        rows = [tuple(r) for r in reader]  # parsed beforehand: the floor measures the database only
    conn = sqlite3.connect(db_file)
    conn.execute(f"CREATE TABLE acled_raw ({', '.join(f'{c} TEXT' for c in header)})")
    started = time.perf_counter()
    with conn:
        conn.executemany(f"INSERT INTO acled_raw VALUES ({', '.join('?' for _ in header)})", rows)
    seconds = time.perf_counter() - started
    return {"rows": len(rows), "seconds": seconds, "rows_per_s": len(rows) / seconds, "peak_mb": _peak_mb()}


def step_copy_postgres(out: str, url: str) -> dict[str, Any]:
    import psycopg  # noqa: PLC0415

    path = Path(out) / "incidents.csv"
    with path.open(encoding="utf-8") as handle:
        header = next(csv.reader(handle))
    conninfo = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(conninfo) as conn, conn.cursor() as cursor:
        cursor.execute(f"CREATE TABLE acled_copy ({', '.join(f'{c} TEXT' for c in header)})")
        started = time.perf_counter()
        with cursor.copy("COPY acled_copy FROM STDIN WITH (FORMAT csv, HEADER true)") as copy, path.open("rb") as raw:
            while data := raw.read(1 << 20):
                copy.write(data)
        conn.commit()
        seconds = time.perf_counter() - started
        rows = int(cursor.execute("SELECT count(*) FROM acled_copy").fetchone()[0])  # type: ignore[index]
    return {"rows": rows, "seconds": seconds, "rows_per_s": rows / seconds, "peak_mb": _peak_mb()}


STEPS = {"synth": step_synth, "setup": step_setup, "import": step_import, "check": step_check,
         "pandas": step_pandas, "raw_sqlite": step_raw_sqlite, "copy_postgres": step_copy_postgres}  # fmt: skip


def _fresh_postgres(name: str) -> str:
    import psycopg  # noqa: PLC0415

    with psycopg.connect(POSTGRES.replace("postgresql+psycopg://", "postgresql://") + "/postgres",
                         autocommit=True) as conn:  # fmt: skip
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"{POSTGRES}/{name}"


def _backend(name: str, url: str, pandas_url: str, out: str, work: Path) -> dict[str, Any]:
    print(f"[{name}] set up, import, import again, check ...", file=sys.stderr)
    _child("setup", out, url)
    first = _child("import", out, url)
    again = _child("import", out, url)
    check = _child("check", url)
    print(f"[{name}] pandas, raw ...", file=sys.stderr)
    pandas = _child("pandas", out, pandas_url)
    raw = _child("raw_sqlite", out, str(work / "raw.db")) if name == "sqlite" else _child("copy_postgres", out, url)
    return {"first": first, "again": again, "check": check, "pandas": pandas, "raw": raw}


def _table(results: dict[str, Any]) -> str:
    lines = [
        "| backend | measure | bluehelmet | reference in the same run | ratio |",
        "| --- | --- | --- | --- | --- |",
    ]
    for name, r in results["backends"].items():
        first, again, pandas, raw = r["first"], r["again"], r["pandas"], r["raw"]
        floor = "raw executemany" if name == "sqlite" else "COPY of the raw file"
        lines.append(f"| {name} | import {first['rows']:,} ACLED rows (rows/s) | {first['rows_per_s']:,.0f} "
                     f"({first['seconds']:.1f} s, {first['peak_mb']:.0f} MB) | pandas {pandas['rows_per_s']:,.0f} "
                     f"({pandas['seconds']:.1f} s, {pandas['peak_mb']:.0f} MB) | "
                     f"{first['rows_per_s'] / pandas['rows_per_s']:.2f}x of pandas |")  # fmt: skip
        lines.append(f"| {name} | the same, against the floor | {first['rows_per_s']:,.0f} | {floor} "
                     f"{raw['rows_per_s']:,.0f} ({raw['seconds']:.1f} s) | "
                     f"{raw['rows_per_s'] / first['rows_per_s']:.1f}x slower than the floor |")  # fmt: skip
        lines.append(f"| {name} | import again, nothing changed | {again['seconds']:.1f} s, "
                     f"{again['audit_entries']} audit entries, {again['unchanged']:,} unchanged | first import "
                     f"{first['seconds']:.1f} s | {first['seconds'] / again['seconds']:.2f}x faster |")  # fmt: skip
        lines.append(f"| {name} | rollups equal to a recount | {r['check']['rollups_equal_recount']} | - | - |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="incidents to synthesise")
    parser.add_argument("--postgres", action="store_true", help="also on PostgreSQL (a fresh database)")
    parser.add_argument("--work", type=Path, help="an empty directory for the files and databases")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    parser.add_argument("--step", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.step:
        print(json.dumps(STEPS[args.step[0]](*args.step[1:])))
        return
    work = args.work or Path(tempfile.mkdtemp(prefix="bluehelmet-imports-"))
    work.mkdir(parents=True, exist_ok=True)
    out = str(work / "mission")
    print(f"synthesising {args.rows:,} incidents in {out} ...", file=sys.stderr)
    _child("synth", str(args.rows), out)
    started = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())
    results: dict[str, Any] = {"incidents": args.rows, "started": started, "load_average": os.getloadavg(),
                               "backends": {}}  # fmt: skip
    db_file = work / "bluehelmet.db"
    args.out.mkdir(parents=True, exist_ok=True)
    results["backends"]["sqlite"] = _backend("sqlite", f"sqlite:///{db_file}", f"sqlite:///{work / 'pandas.db'}",
                                             out, work)  # fmt: skip
    (args.out / "imports.json").write_text(json.dumps(results, indent=2), encoding="utf-8")
    print(_table(results), file=sys.stderr)
    if args.postgres:
        suffix = uuid.uuid4().hex[:8]
        url, pandas_url = _fresh_postgres(f"bench_imports_{suffix}"), _fresh_postgres(f"bench_pandas_{suffix}")
        results["backends"]["postgresql"] = _backend("postgresql", url, pandas_url, out, work)
    results["load_average_after"] = os.getloadavg()
    (args.out / "imports.json").write_text(json.dumps(results, indent=2), encoding="utf-8")
    print(f"load average at the start {results['load_average']}, at the end {results['load_average_after']}")
    print(_table(results))


if __name__ == "__main__":
    main()
