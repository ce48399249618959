"""Time the web pages on N synthetic incidents (default 1,000,000) in SQLite.

Usage: python benchmarks/pages.py [N] [--db URL]

The incidents are those of ``benchmarks/stats_incidents.py`` (ACLED-like places, types and
perpetrators), written straight into the table, the rollups rebuilt. ``--db`` times a database
made before (by this script or by ``stats_incidents.py``, whose files are kept) instead. Each
page is asked through the application in process (no network), signed in as an administrator
and as a sector account: cold (the first request after opening the database) and warm (the best
of two repeats), with how many incidents each request read from the database.
"""

from __future__ import annotations

import argparse
import contextlib
import random
import re
import sys
import tempfile
import time
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import event, insert

from bluehelmet.config import Settings
from bluehelmet.domain.errors import BluehelmetError
from bluehelmet.domain.incidents import Incident
from bluehelmet.services import accounts, records, rollups
from bluehelmet.services.database import Database
from bluehelmet.storage.tables import TABLES
from bluehelmet.web.app import create_app

sys.path.insert(0, str(Path(__file__).parent))
from stats_incidents import _places, _rows  # a script beside this one

PASSWORD = "benchmark password 1"
PAGES = [
    ("incidents, first page", "/incidents"),
    ("incidents, page 400", "/incidents?page=400"),
    ("incidents, one sector, one year", "/incidents?sector=2&from=2020-01-01&to=2020-12-31"),
    ("incidents, verified battles", "/incidents?status=verified&event_type=Battles"),
    ("incidents, search 'Place 7'", "/incidents?q=Place+7"),
    ("situation, default period", "/situation"),
    ("map hexagons, all years", "/api/map/hexagons?resolution=5"),
]


def _build(n: int) -> str:
    url = f"sqlite:///{Path(tempfile.mkdtemp()) / 'pages.db'}"
    db = Database(Settings(database_url=url))
    db.init_schema()
    with db.transaction("bench") as tx:
        mission_id = records.create(tx, "Mission", {"name": "BENCH", "country_iso3": "MLI"}).id or 0
    print(f"writing {n:,} incidents to {url} ...", file=sys.stderr)
    with db.engine.begin() as conn:
        places = _places(conn, mission_id, random.Random(41))
    rows = _rows(mission_id, places, n, 42)
    with db.engine.begin() as conn:
        for i in range(0, len(rows), 50_000):
            conn.execute(insert(TABLES[Incident]), rows[i : i + 50_000])
        conn.exec_driver_sql("ANALYZE")
    rollups.rebuild(db, actor="bench")
    db.close()
    return url


def _signed_in(client: TestClient, name: str) -> None:
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/signin").text)
    assert token, "no sign-in form"
    answer = client.post("/signin", data={"name": name, "password": PASSWORD, "csrf_token": token.group(1)})
    assert answer.status_code == 303, answer.text[:300]


def _time(url: str, who: str, path: str) -> tuple[float, float, int, int]:
    """Cold and warm seconds, the answer's status and the incidents the request read."""
    db = Database(Settings(database_url=url, secret_key="b" * 40))
    read: list[int] = []

    def loaded(target: Incident, context: object) -> None:
        read.append(1)

    event.listen(Incident, "load", loaded)
    try:
        with TestClient(create_app(db.settings, db=db), follow_redirects=False) as client:
            _signed_in(client, who)
            client.get("/about")  # the application warmed up: what is cold is the database
            times = []
            for _ in range(3):
                read.clear()
                start = time.perf_counter()
                status = client.get(path).status_code
                times.append(time.perf_counter() - start)
    finally:
        event.remove(Incident, "load", loaded)
        db.close()
    return times[0], min(times[1:]), status, len(read)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("n", nargs="?", type=int, default=1_000_000)
    parser.add_argument("--db", default="", help="a database made before by this script or stats_incidents.py")
    args = parser.parse_args()
    url = args.db or _build(args.n)
    db = Database(Settings(database_url=url))
    db.init_schema()
    for name, role, sector in (("bench-admin", "admin", None), ("bench-east", "sector", "East")):
        with contextlib.suppress(BluehelmetError):  # there from an earlier run
            accounts.add_account(db, "bench", name, role, sector=sector, password=PASSWORD)
    db.close()
    for who in ("bench-admin", "bench-east"):
        print(f"pages on {url} as {who}:")
        for label, path in PAGES:
            cold, warm, status, read = _time(url, who, path)
            print(f"  {label:<36} cold {cold:6.3f} s   warm {warm:6.3f} s   HTTP {status}, {read} incidents read")


if __name__ == "__main__":
    main()
