"""Every mission-scale benchmark in one command, each against its baseline in the same run.

Usage: python benchmarks/run_all.py [--incidents N] [--postgres | --only-postgres] [--out DIR]
                                    [--work EMPTY_DIR] [--api-clients 20] [--api-seconds 60]

Makes a synthetic mission (`bluehelmet synth`), then measures, each step in a child process so
that its peak memory (ru_maxrss) is its own:

1. import of the ACLED file: bluehelmet's batched `import acled` (validation, audit, rollups)
   against pandas read_csv + to_sql, and raw sqlite3.executemany of pre-parsed tuples (the floor);
2. queries (month x event_type x admin1; weekly rate for one place; H3 hexagons; IED summary),
   cold and warm, against a pandas groupby on a DataFrame already in memory;
3. export to CSV and GeoJSON, in one process and then in parts (one process per processor);
4. the letter (HTML and PDF) for the last year;
5. the REST API under load (`api_load.py`: --api-clients clients for --api-seconds seconds,
   creations per second and the latency of each request kind; --api-seconds 0 leaves it out).
With --postgres, steps 1-5 also run on postgresql+psycopg://postgres@127.0.0.1:5432 (a fresh
database). Writes results.json and results.md in --out and prints the table.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PG = "postgresql+psycopg://postgres@127.0.0.1:5432"


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _child(step: str, *args: str) -> dict[str, Any]:
    """Run one step in a fresh interpreter; its JSON result, with its peak memory."""
    command = [sys.executable, __file__, "--step", step, *args]
    done = subprocess.run(command, check=False, capture_output=True, text=True)
    if done.returncode != 0:
        print(done.stderr[-2000:], file=sys.stderr)
        raise SystemExit(f"error: step {step} failed")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


# ----------------------------------------------------------------------------- steps (children)


def step_synth(out: str, incidents: str) -> dict[str, Any]:
    import csv  # noqa: PLC0415

    from bluehelmet.services.synth import synthesise  # noqa: PLC0415

    started = time.perf_counter()
    rows = 0
    for file in synthesise(incidents=int(incidents), seed=1).files:
        with (Path(out) / file.name).open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(file.columns))
            writer.writeheader()
            for row in file.iter_rows():
                writer.writerow(row)
                rows += file.kind == "acled"
    return {"seconds": time.perf_counter() - started, "acled_rows": rows, "peak_mb": _peak_mb()}


def step_bluehelmet_import(out: str, url: str) -> dict[str, Any]:
    from bluehelmet.config import Settings  # noqa: PLC0415
    from bluehelmet.imports.acled import IMPORTER  # noqa: PLC0415
    from bluehelmet.imports.registry import import_file, table_importer  # noqa: PLC0415
    from bluehelmet.services import loading  # noqa: PLC0415
    from bluehelmet.services.database import Database  # noqa: PLC0415

    db = Database(Settings(database_url=url))
    db.init_schema()
    for kind in ("mission", "sector", "location"):
        report = loading.load(db, "bench", kind, table_importer(kind).rows(Path(out) / f"{kind}.csv"))
        assert report.written, report.problems[:3]
    path = Path(out) / "incidents.csv"
    rows = sum(1 for _ in path.open(encoding="utf-8")) - 1
    started = time.perf_counter()
    report = import_file(db, "bench", IMPORTER, path)  # as `bluehelmet import acled`: in columns
    seconds = time.perf_counter() - started
    assert report.written, report.problems[:3]
    db.close()
    return {"rows": rows, "events": report.created, "seconds": seconds, "rows_per_s": rows / seconds,
            "peak_mb": _peak_mb()}  # fmt: skip


def step_pandas_import(out: str, url: str) -> dict[str, Any]:
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
    return {"rows": rows, "seconds": seconds, "rows_per_s": rows / seconds, "peak_mb": _peak_mb()}


def step_raw_import(out: str, db_file: str) -> dict[str, Any]:
    import csv  # noqa: PLC0415

    path = Path(out) / "incidents.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        rows = [tuple(r) for r in reader]  # pre-parsed: the floor measures the database only
    conn = sqlite3.connect(db_file)
    conn.execute(f"CREATE TABLE acled_raw ({', '.join(f'{c} TEXT' for c in header)})")
    started = time.perf_counter()
    with conn:
        conn.executemany(f"INSERT INTO acled_raw VALUES ({', '.join('?' for _ in header)})", rows)
    seconds = time.perf_counter() - started
    return {"rows": len(rows), "seconds": seconds, "rows_per_s": len(rows) / seconds, "peak_mb": _peak_mb()}


def _timed(call: Any) -> tuple[float, Any]:
    started = time.perf_counter()
    value = call()
    return time.perf_counter() - started, value


def step_queries(out: str, url: str) -> dict[str, Any]:
    import pandas as pd  # noqa: PLC0415

    from bluehelmet.config import Settings  # noqa: PLC0415
    from bluehelmet.services import hotspots, stats  # noqa: PLC0415
    from bluehelmet.services.database import Database  # noqa: PLC0415

    db = Database(Settings(database_url=url))
    year = stats.IncidentFilter(date(2021, 1, 1), date(2021, 12, 31))
    place = stats.IncidentFilter(date(2021, 1, 1), date(2021, 12, 31), {"location": "Gao"})
    queries = {
        "month x event_type x admin1": lambda: stats.incident_table(
            db, ["month", "event_type", "admin1"], stats.IncidentFilter()
        ),
        "weekly rate, one place": lambda: stats.weekly_rate(db, date(2021, 7, 1), place),
        "H3 hexagons, one year": lambda: hotspots.hexagons(db, year),
        "IED summary, one year": lambda: stats.ied_summary(db, year),
    }
    frame = pd.read_csv(Path(out) / "incidents.csv", usecols=["event_id_cnty", "event_date", "event_type", "admin1",
                        "location", "sub_event_type", "actor2", "notes", "latitude", "longitude", "fatalities"])  # fmt: skip
    frame = frame.drop_duplicates("event_id_cnty")
    frame["event_date"] = pd.to_datetime(frame["event_date"])
    in_year = frame[frame["event_date"].dt.year == 2021]

    def hexes() -> Any:
        import h3  # noqa: PLC0415

        cells = [h3.latlng_to_cell(a, b, 7) for a, b in zip(in_year.latitude, in_year.longitude, strict=True)]
        return pd.Series(cells).value_counts()

    baselines = {
        "month x event_type x admin1": lambda: frame.groupby(
            [frame.event_date.dt.to_period("M"), "event_type", "admin1"]
        ).agg(n=("event_id_cnty", "size"), f=("fatalities", "sum")),
        "weekly rate, one place": lambda: (
            in_year[in_year.location == "Gao"].groupby(in_year.event_date >= "2021-07-01").size()
        ),
        "H3 hexagons, one year": hexes,
        "IED summary, one year": lambda: (
            in_year[
                (in_year.sub_event_type == "Remote explosive/landmine/IED")
                | ((in_year.sub_event_type == "Disrupted weapons use") & in_year.notes.str.contains("IED"))
            ]
            .groupby(in_year.actor2.fillna("").str.contains("MINUSMA"))
            .size()
        ),
    }
    result = {}
    for name, query in queries.items():
        cold, _ = _timed(query)
        warm = min(_timed(query)[0] for _ in range(3))
        pandas_cold, _ = _timed(baselines[name])
        pandas_warm = min(_timed(baselines[name])[0] for _ in range(3))
        result[name] = {"cold": cold, "warm": warm, "pandas_cold": pandas_cold, "pandas_warm": pandas_warm}
    db.close()
    return {"queries": result, "peak_mb": _peak_mb()}


def step_export(out: str, url: str, fmt: str, parts: str = "0") -> dict[str, Any]:
    """Export every incident to ``fmt``; ``parts`` processes (0: as many as the export chooses)."""
    from bluehelmet.config import Settings  # noqa: PLC0415
    from bluehelmet.exports import parallel  # noqa: PLC0415
    from bluehelmet.services.database import Database  # noqa: PLC0415

    db = Database(Settings(database_url=url))
    chosen = int(parts) or parallel.parts_for()
    started = time.perf_counter()
    try:
        count = parallel.export_file(db, "Incident", fmt, Path(out) / f"export.{fmt}", actor="bench", parts=chosen)
    except Exception as error:
        return {"records": 0, "seconds": 0.0, "peak_mb": _peak_mb(), "error": type(error).__name__}
    seconds = time.perf_counter() - started
    db.close()
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {"records": count, "seconds": seconds, "parts": chosen, "peak_mb": _peak_mb(), "part_peak_mb": children}


def step_letter(out: str, url: str) -> dict[str, Any]:
    from bluehelmet.config import Settings  # noqa: PLC0415
    from bluehelmet.reporting.build import build_letter  # noqa: PLC0415
    from bluehelmet.reporting.render import render  # noqa: PLC0415
    from bluehelmet.services.database import Database  # noqa: PLC0415

    db = Database(Settings(database_url=url))
    build, letter = _timed(lambda: build_letter(db, date(2021, 1, 1), date(2021, 12, 31), today=date(2022, 1, 15)))
    html, _ = _timed(lambda: render(letter, "html", "en"))
    pdf, _ = _timed(lambda: render(letter, "pdf", "en"))
    db.close()
    return {"build": build, "html": html, "pdf": pdf, "peak_mb": _peak_mb()}


STEPS = {"synth": step_synth, "bluehelmet_import": step_bluehelmet_import, "pandas_import": step_pandas_import,
         "raw_import": step_raw_import, "queries": step_queries, "export": step_export, "letter": step_letter}  # fmt: skip


def api_load(backend: str, clients: int, seconds: float) -> dict[str, Any]:
    """Step 5: benchmarks/api_load.py in a process of its own (it starts the server in another)."""
    command = [sys.executable, str(ROOT / "benchmarks" / "api_load.py"), "--clients", str(clients),
               "--seconds", str(seconds), "--db", backend]  # fmt: skip
    done = subprocess.run(command, check=False, capture_output=True, text=True)
    if done.returncode != 0:
        print(done.stderr[-2000:], file=sys.stderr)
        raise SystemExit("error: step api_load failed")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def api_rows(name: str, result: dict[str, Any]) -> list[str]:
    """The rows of step 5 in the results table: one per kind of request."""
    load, rows = result["load"], []
    for kind, k in load["kinds"].items():
        alone = result["quiet"].get(kind, {})
        shown = (f"{k['per_s']:.1f}/s; p50 / p95 / p99 {k['p50_ms'] or 0:.0f} / {k['p95_ms'] or 0:.0f} / "
                 f"{k['p99_ms'] or 0:.0f} ms; {k['errors']} errors")  # fmt: skip
        goal = {"create": "goal 300/s, no errors", "stats": "goal p95 < 100 ms", "map": "goal p95 < 100 ms"}
        rows.append(f"| {name} | API, {result['clients']} clients {load['seconds']:.0f} s: {kind} | {shown} | "
                    f"alone p50 {alone.get('p50_ms') or 0:.1f} ms | {goal.get(kind, 'baseline')} |")  # fmt: skip
    if "bulk" in result:
        b = result["bulk"]
        rows.append(f"| {name} | API: bulk of {b['records']:,} incidents | status {b['status']}, {b['seconds']:.2f} s; "
                    f"server processor {b['server_cpu_seconds']:.2f} s | - | goal < 2 s |")  # fmt: skip
    return rows


def _ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}x" if b else "-"


def _backend(name: str, url: str, out: str, db_file: str, table: list[str], results: dict[str, Any],
             api: tuple[int, float] = (20, 60.0)) -> None:  # fmt: skip
    print(f"[{name}] import ...", file=sys.stderr)
    mine = _child("bluehelmet_import", out, url)
    pandas_url = url if name == "postgresql" else f"sqlite:///{db_file}.pandas"
    pandas = _child("pandas_import", out, pandas_url)
    raw = _child("raw_import", out, f"{db_file}.raw") if name == "sqlite" else None
    results[name] = {"import": {"bluehelmet": mine, "pandas": pandas, "raw_executemany": raw}}
    table.append(f"| {name} | import {mine['rows']:,} ACLED rows (rows/s) | {mine['rows_per_s']:,.0f} "
                 f"({mine['peak_mb']:.0f} MB) | pandas {pandas['rows_per_s']:,.0f} ({pandas['peak_mb']:.0f} MB)"
                 + (f"; raw executemany {raw['rows_per_s']:,.0f}" if raw else "")
                 + f" | {_ratio(mine['rows_per_s'], pandas['rows_per_s'])} of pandas"
                 + (f", {_ratio(raw['rows_per_s'], mine['rows_per_s'])} slower than raw" if raw else "") + " |")  # fmt: skip
    print(f"[{name}] queries ...", file=sys.stderr)
    queries = _child("queries", out, url)
    results[name]["queries"] = queries
    for q, t in queries["queries"].items():
        table.append(f"| {name} | {q}, cold / warm (s) | {t['cold']:.3f} / {t['warm']:.3f} | pandas in memory "
                     f"{t['pandas_cold']:.3f} / {t['pandas_warm']:.3f} | {_ratio(t['warm'], t['pandas_warm'])} |")  # fmt: skip
    for fmt in ("csv", "geojson"):
        print(f"[{name}] export {fmt}, in one process and in parts ...", file=sys.stderr)
        alone, exported = _child("export", out, url, fmt, "1"), _child("export", out, url, fmt)
        results[name][f"export_{fmt}"] = exported
        results[name][f"export_{fmt}_one_process"] = alone
        if "error" in exported or "error" in alone:
            shown, ratio = f"FAILS ({exported.get('error') or alone.get('error')})", "-"
        else:
            shown = (f"{exported['records']:,} in {exported['seconds']:.1f} s ({exported['parts']} processes, "
                     f"{exported['peak_mb']:.0f} MB and {exported['part_peak_mb']:.0f} MB each)")  # fmt: skip
            ratio = f"{alone['seconds']:.1f} s in one process ({alone['peak_mb']:.0f} MB); goal 15 s, 300 MB"
        table.append(f"| {name} | export incidents to {fmt} | {shown} | {ratio} | "
                     f"{_ratio(exported.get('seconds', 0.0), alone.get('seconds', 0.0))} |")  # fmt: skip
    print(f"[{name}] letter ...", file=sys.stderr)
    letter = _child("letter", out, url)
    results[name]["letter"] = letter
    table.append(f"| {name} | the letter, 2021 (build + HTML; + PDF) | {letter['build'] + letter['html']:.1f} s; "
                 f"{letter['pdf']:.1f} s ({letter['peak_mb']:.0f} MB) | goal 15 s | - |")  # fmt: skip
    if api[1] > 0:
        print(f"[{name}] the API under load ...", file=sys.stderr)
        results[name]["api_load"] = api_load(name, *api)
        table.extend(api_rows(name, results[name]["api_load"]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incidents", type=int, default=1_000_000)
    parser.add_argument("--postgres", action="store_true", help="also on PostgreSQL")
    parser.add_argument("--only-postgres", action="store_true", help="on PostgreSQL alone")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    parser.add_argument("--api-clients", type=int, default=20, help="step 5: concurrent API clients")
    parser.add_argument("--api-seconds", type=float, default=60.0, help="step 5: seconds of load (0: no step 5)")
    parser.add_argument("--step")
    parser.add_argument("--work", type=Path, help="the folder of the synthetic files and databases (kept)")
    args, rest = parser.parse_known_args()
    if args.step:
        print(json.dumps(STEPS[args.step](*rest)))
        return
    args.out.mkdir(parents=True, exist_ok=True)
    work = str(args.work) if args.work else tempfile.mkdtemp(prefix="bluehelmet-bench-")
    Path(work).mkdir(parents=True, exist_ok=True)
    load = os.getloadavg()
    print(f"synthetic mission of {args.incidents:,} incidents in {work} ...", file=sys.stderr)
    synth = _child("synth", work, str(args.incidents))
    table = ["| backend | measure | bluehelmet | baseline | ratio |", "| --- | --- | --- | --- | --- |"]
    results: dict[str, Any] = {"incidents": args.incidents, "synth": synth, "load_before": load}
    db_file = str(Path(work) / "bench.db")
    api = (args.api_clients, args.api_seconds)
    if not args.only_postgres:
        _backend("sqlite", f"sqlite:///{db_file}", work, db_file, table, results, api)
    if args.postgres or args.only_postgres:
        from sqlalchemy import create_engine, text  # noqa: PLC0415

        with create_engine(f"{PG}/postgres", isolation_level="AUTOCOMMIT").connect() as conn:
            conn.execute(text("DROP DATABASE IF EXISTS bluehelmet_bench"))
            conn.execute(text("CREATE DATABASE bluehelmet_bench"))
        _backend("postgresql", f"{PG}/bluehelmet_bench", work, db_file, table, results, api)
    results["load_after"] = os.getloadavg()
    markdown = "\n".join(table)
    (args.out / "results.json").write_text(json.dumps(results, indent=2))
    (args.out / "results.md").write_text(markdown + "\n")
    print(markdown)
    print(f"load average before {load[0]:.2f}, after {results['load_after'][0]:.2f} (2 cores)")


if __name__ == "__main__":
    main()
