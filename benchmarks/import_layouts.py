"""The import of incidents in other layouts than ACLED's, in columns against row by row (issue 24).

Usage: python benchmarks/import_layouts.py [--rows N] [--postgres] [--work EMPTY_DIR] [--out DIR]
                                           [--layouts incident,hxl] [--paths columns,rows]

Makes N synthetic incidents (`bluehelmet synth --incidents N --seed 7`), imports them (ACLED,
in columns) into a source database and exports them as bluehelmet's own incident table (CSV)
and as HXL (`bluehelmet export incident --format csv|hxl`). Then, for each layout and each
path, into a fresh database (SQLite, and with --postgres a fresh PostgreSQL database) holding
the same mission, sectors and places, each step in a child process (its own peak memory and
processor time): the first import, the same file again (nothing changed), and `rollup check`.

The paths: ``columns`` is `bluehelmet import`'s own entry (``registry.import_file``: in
columns when the layout has a columnar reader and the file suits it); ``rows`` is the row path
(``loading.load``, batched), which is what the command did for these layouts before.
Prints a Markdown table and writes import_layouts.json in --out.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432"
FILES = {"incident": "own_incidents.csv", "hxl": "incidents_hxl.csv"}


def _usage() -> dict[str, float]:
    used = resource.getrusage(resource.RUSAGE_SELF)
    return {"peak_mb": used.ru_maxrss / 1024, "cpu_s": used.ru_utime + used.ru_stime}


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

    cli.main(["synth", "--incidents", rows, "--seed", "7", "--out", out, "--json"], standalone_mode=False)
    return {}


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


def step_source(out: str, url: str) -> dict[str, Any]:
    """The synthetic ACLED file into the source database, then exported in the other layouts."""
    from bluehelmet.cli import cli  # noqa: PLC0415
    from bluehelmet.config import Settings  # noqa: PLC0415
    from bluehelmet.imports.acled import IMPORTER  # noqa: PLC0415
    from bluehelmet.imports.registry import import_file  # noqa: PLC0415
    from bluehelmet.services.database import Database  # noqa: PLC0415

    db = Database(Settings(database_url=url))
    report = import_file(db, "bench", IMPORTER, Path(out) / "incidents.csv")
    assert report.written, report.problems[:3]
    db.close()
    os.environ["BLUEHELMET_DATABASE_URL"] = url
    for layout, name in (("csv", FILES["incident"]), ("hxl", FILES["hxl"])):
        args = ["export", "incident", "--format", layout, "--parts", "1", "--out", str(Path(out) / name)]
        cli.main(args, standalone_mode=False)
    return {}


def step_import(out: str, url: str, layout: str, path_name: str) -> dict[str, Any]:
    from sqlalchemy import func, select  # noqa: PLC0415

    from bluehelmet.config import Settings  # noqa: PLC0415
    from bluehelmet.imports.registry import IMPORTERS, import_file, table_importer  # noqa: PLC0415
    from bluehelmet.services import loading  # noqa: PLC0415
    from bluehelmet.services.database import Database  # noqa: PLC0415
    from bluehelmet.storage.tables import audit_table  # noqa: PLC0415

    importer = IMPORTERS.get(layout) or table_importer("incident")
    db = Database(Settings(database_url=url))
    path = Path(out) / FILES[layout]

    def entries() -> int:
        with db.transaction("bench") as tx:
            return int(tx.session.scalar(select(func.count()).select_from(audit_table)) or 0)

    before, start = entries(), _usage()
    started = time.perf_counter()
    if path_name == "columns":
        report = import_file(db, "bench", importer, path)
    else:
        source = f"{importer.name} import: {path.name}"
        report = loading.load(db, "bench", "Incident", importer.rows(path), source=source, convert=importer.convert)
    seconds = time.perf_counter() - started
    end = _usage()
    assert report.written, report.problems[:3]
    written = entries() - before
    db.close()
    cpu = end["cpu_s"] - start["cpu_s"]
    return {"rows": report.rows, "created": report.created, "updated": report.updated, "unchanged": report.unchanged,
            "warnings": len(report.warnings), "audit_entries": written, "seconds": seconds, "cpu_s": cpu,
            "rows_per_s": report.rows / seconds, "rows_per_cpu_s": report.rows / cpu, "peak_mb": end["peak_mb"],
            "load": Path("/proc/loadavg").read_text().split()[:3]}  # fmt: skip


def step_check(url: str) -> dict[str, Any]:
    from bluehelmet.config import Settings  # noqa: PLC0415
    from bluehelmet.services.database import Database  # noqa: PLC0415
    from bluehelmet.storage import rollups  # noqa: PLC0415

    db = Database(Settings(database_url=url))
    with db.transaction("bench") as tx:
        same = rollups.rollup_rows(tx.session) == rollups.rollup_rows(tx.session, fresh=True)
    db.close()
    return {"rollups_equal_recount": same}


STEPS = {"synth": step_synth, "setup": step_setup, "source": step_source, "import": step_import,
         "check": step_check}  # fmt: skip


def _fresh_postgres(name: str) -> str:
    import psycopg  # noqa: PLC0415

    with psycopg.connect(POSTGRES.replace("postgresql+psycopg://", "postgresql://") + "/postgres",
                         autocommit=True) as conn:  # fmt: skip
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"{POSTGRES}/{name}"


def _table(results: dict[str, Any]) -> str:
    lines = [
        "| backend | layout | path | first import: rows/s (clock) | rows/s of processor time | s | peak MB "
        "| again: rows/s, audit entries | rollups = recount | load average |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for run in results["runs"]:
        first, again = run["first"], run["again"]
        lines.append(
            f"| {run['backend']} | {run['layout']} | {run['path']} | {first['rows_per_s']:,.0f} "
            f"| {first['rows_per_cpu_s']:,.0f} | {first['seconds']:.1f} | {first['peak_mb']:.0f} "
            f"| {again['rows_per_s']:,.0f}, {again['audit_entries']} | {run['check']['rollups_equal_recount']} "
            f"| {' '.join(first['load'])} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--step", choices=sorted(STEPS))
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--work", type=Path)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    parser.add_argument("--layouts", default="incident,hxl")
    parser.add_argument("--paths", default="columns,rows")
    args, rest = parser.parse_known_args()
    if args.step:
        print(json.dumps(STEPS[args.step](*rest)))
        return
    work = args.work or Path(tempfile.mkdtemp(prefix="bluehelmet-layouts-"))
    out = str(work / "files")
    _child("synth", str(args.rows), out)
    source = f"sqlite:///{work / 'source.db'}"
    _child("setup", out, source)
    _child("source", out, source)
    runs = []
    backends = ["sqlite", "postgresql"] if args.postgres else ["sqlite"]
    for backend in backends:
        for layout in args.layouts.split(","):
            for path_name in args.paths.split(","):
                name = f"{layout}_{path_name}"
                url = (
                    f"sqlite:///{work / name}.db" if backend == "sqlite" else _fresh_postgres(f"lay_{uuid.uuid4().hex}")
                )
                print(f"[{backend}] {layout} by {path_name} ...", file=sys.stderr)
                _child("setup", out, url)
                first = _child("import", out, url, layout, path_name)
                again = _child("import", out, url, layout, path_name)
                check = _child("check", url)
                runs.append({"backend": backend, "layout": layout, "path": path_name, "first": first,
                             "again": again, "check": check})  # fmt: skip
                print(json.dumps(runs[-1]), file=sys.stderr)
    results = {"rows": args.rows, "runs": runs}
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "import_layouts.json").write_text(json.dumps(results, indent=2))
    print(_table(results))


if __name__ == "__main__":
    main()
