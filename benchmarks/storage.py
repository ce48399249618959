"""What a mission costs on disk: the database by table against the incidents' CSV, the audit
history against the incident table, and a backup against the gzipped CSV, at N incidents.

Usage: python benchmarks/storage.py [N] [--db URL] [--work DIR] [--down REVISIONS] [--no-backup]

Writes the synthetic mission (`bluehelmet synth --incidents N --seed 7`) and imports it as the
README says (`bluehelmet import KIND FILE` in order), into a new SQLite file in --work, or into
the empty PostgreSQL database at --db. Then measures, in one run:

- after: the sizes by table (SQLite dbstat after VACUUM; PostgreSQL pg_total_relation_size after
  VACUUM FULL), the database in all, the audit history (entries and blocks) against the
  incident table, and a backup (`bluehelmet backup`) against the gzipped CSV;
- then the same database stepped down, revision by revision (``--down``, default 0025 then 0024):
  at 0025 the indexes as they were before migration 0028 (which dropped the covering indexes
  no query used any more), at 0024 every audit entry written back as full images (the encoding
  of the history before migration 0025); "before" is the last, so every change of issue 29 is
  measured on the same records.
"""

from __future__ import annotations

import argparse
import gzip
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from alembic import command
from sqlalchemy import create_engine, text

from bluehelmet.config import Settings
from bluehelmet.services import storage_size
from bluehelmet.services.backup import backup
from bluehelmet.services.database import Database
from bluehelmet.storage import migrate

ORDER = ("mission", "sector", "location", "contributing_country", "unit", "equipment_item",
         "equipment_status_change", "evaluation", "rotation", "acled")  # fmt: skip
KEY = "a-benchmark-signing-key-long-and-random-0123456789"


def _cli(url: str, *args: str) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "bluehelmet", "--db", url, "--actor", "benchmark", *args], check=True,
                   stdout=subprocess.DEVNULL)  # fmt: skip
    return time.perf_counter() - started


def _compact(url: str) -> None:
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("VACUUM FULL" if engine.dialect.name == "postgresql" else "VACUUM"))
        if engine.dialect.name == "postgresql":
            conn.execute(text("ANALYZE"))
    engine.dispose()


def _sizes(url: str) -> dict[str, Any]:
    _compact(url)
    db = Database(Settings(database_url=url, secret_key=KEY))
    try:
        return storage_size.as_dict(storage_size.storage_size(db))
    finally:
        db.close()


def _indexes(url: str) -> dict[str, int]:
    """Each index's bytes (the covering indexes' cost), largest first."""
    engine = create_engine(url)
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            stmt = "SELECT indexrelname, pg_relation_size(indexrelid) FROM pg_stat_user_indexes"
        else:
            stmt = (
                "SELECT d.name, SUM(d.pgsize) FROM dbstat d JOIN sqlite_master m ON m.name = d.name "
                "WHERE m.type = 'index' GROUP BY d.name"
            )
        found = {str(name): int(size) for name, size in conn.execute(text(stmt))}
    engine.dispose()
    return dict(sorted(found.items(), key=lambda kv: -kv[1])[:16])


def _summary(size: dict[str, Any], csv_bytes: int) -> dict[str, Any]:
    tables = {t["table"]: t["total_bytes"] for t in size["tables"]}
    audit = tables.get("audit_entry", 0) + tables.get("audit_block", 0)
    incident = tables["incident"]
    incident_data = next(t["data_bytes"] for t in size["tables"] if t["table"] == "incident")
    return {"database_bytes": size["total_bytes"], "database_over_csv": round(size["total_bytes"] / csv_bytes, 2),
            "audit_bytes": audit, "incident_bytes": incident, "incident_data_bytes": incident_data,
            "audit_over_incident_data": round(audit / incident_data, 3),
            "largest": sorted(tables.items(), key=lambda kv: -kv[1])[:12]}  # fmt: skip


def _downgrade(url: str, revision: str) -> float:
    started = time.perf_counter()
    engine = create_engine(url)
    config = migrate.alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)
    engine.dispose()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", nargs="?", type=int, default=100_000)
    parser.add_argument("--db", help="an empty PostgreSQL database (default: a new SQLite file in --work)")
    parser.add_argument("--work", type=Path, default=None)
    parser.add_argument("--down", default="0025,0024", help="the revisions to step down to, measured at each")
    parser.add_argument("--no-backup", action="store_true", help="measure the database only (a backup at a million "
                        "incidents takes longer than the import on a loaded machine)")  # fmt: skip
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="bluehelmet-storage-"))
    work.mkdir(parents=True, exist_ok=True)
    url = args.db or f"sqlite:///{work / 'mission.db'}"
    files = work / "synth"
    if not (files / "incidents.csv").exists():
        subprocess.run([sys.executable, "-m", "bluehelmet", "synth", "--incidents", str(args.n), "--seed", "7",
                        "--out", str(files)], check=True, stdout=subprocess.DEVNULL)  # fmt: skip
    csv_path = files / "incidents.csv"
    gz = work / "incidents.csv.gz"
    with csv_path.open("rb") as source, gzip.open(gz, "wb") as out:
        shutil.copyfileobj(source, out)
    csv_bytes, gz_bytes = csv_path.stat().st_size, gz.stat().st_size
    _cli(url, "init")
    seconds = {}
    for kind in ORDER:
        name = "incidents.csv" if kind == "acled" else f"{kind}.csv"
        seconds[kind] = round(_cli(url, "import", kind, str(files / name)), 1)
    after = _sizes(url)
    indexes = _indexes(url)
    backup_after, backup_seconds = 0, 0.0
    if not args.no_backup:
        db = Database(Settings(database_url=url, secret_key=KEY))
        started = time.perf_counter()
        backup(db, work / "mission.zip", key=KEY)
        backup_seconds = time.perf_counter() - started
        db.close()
        backup_after = (work / "mission.zip").stat().st_size
    stepped: dict[str, Any] = {}
    at, seconds_down = after, 0.0  # with --down '', "before" is the database as it is
    for revision in [r for r in args.down.split(",") if r]:
        seconds_down = _downgrade(url, revision)
        at = _sizes(url)
        stepped[revision] = {**_summary(at, csv_bytes), "downgrade_seconds": round(seconds_down, 1),
                             "indexes": _indexes(url)}  # fmt: skip
    before = at
    downgrade_seconds = seconds_down
    result = {
        "incidents": args.n, "backend": after["backend"], "csv_bytes": csv_bytes, "csv_gzip_bytes": gz_bytes,
        "import_seconds": seconds, "after": _summary(after, csv_bytes), "before": _summary(before, csv_bytes),
        "backup_bytes": backup_after or None,
        "backup_over_gzip_csv": round(backup_after / gz_bytes, 2) if backup_after else None,
        "backup_seconds": round(backup_seconds, 1), "downgrade_to_full_images_seconds": round(downgrade_seconds, 1),
        "largest_indexes": indexes, "by_revision": stepped,
    }  # fmt: skip
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
