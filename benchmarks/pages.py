"""Time what a JOC officer does all day in the web pages, on N synthetic incidents (default 200,000).

Usage: python benchmarks/pages.py [N] [--db URL] [--only TEXT]

The incidents are those of ``benchmarks/stats_incidents.py`` (ACLED-like places, types and
perpetrators), one in ten left a draft to review, written straight into the table and the
rollups rebuilt. The database is made once, as ``/tmp/bluehelmet-pages-N.db``, and used again by
later runs (``--db`` names another, made by this script before). Everything is asked through the
application in process (no network), signed in as an administrator and as a sector account
(East): every page of the navigation, the map's layers, the statistics behind the pages, and
the actions: signing in, the incidents' first and next pages, filters, a search, opening an
incident, verifying one, verifying 50 at once; and the views that read a state of the data kept
in memory, each right after a write (a draft verified or rejected before each request, outside
the clock).

Each action is timed cold (the first request of a fresh application on a freshly opened
database, once its start-up's warm-up is done, as a first request a few seconds after `serve`
starts finds it: ``web.warm_up``) and warm (the best of two more); the baseline, timed the same way in the same run, is
``/healthz`` through the same client, and a plain indexed SELECT of the newest 50 incidents.
Beside the cold and warm clock times, the processor time the process spent on that request
(the application runs in this process): on a loaded machine, the steadier measure of the work.
An action whose warm time is over 300 ms is marked ``SLOW``. The password hash alone is timed
too: it is the floor of a sign-in.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import pstats
import random
import re
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import insert, text

from bluehelmet.config import Settings
from bluehelmet.domain.errors import BluehelmetError
from bluehelmet.domain.incidents import Incident
from bluehelmet.services import accounts, records, rollups
from bluehelmet.services.database import Database
from bluehelmet.storage.tables import TABLES
from bluehelmet.web.app import create_app, routes_ready
from bluehelmet.web.warm_up import warm_up

sys.path.insert(0, str(Path(__file__).parent))
from stats_incidents import _places, _rows  # a script beside this one

PASSWORD = "benchmark password 1"
GOAL = 0.300
USERS = (("bench-admin", "admin", None), ("bench-east", "sector", "East"))
#: Pages and data the pages fetch, by what they show (GET, each answered 200).
PAGES = [
    ("situation", "/situation"),
    ("incidents, first page", "/incidents"),
    ("incidents, one sector, one year", "/incidents?sector={sector}&from=2020-01-01&to=2020-12-31"),
    ("incidents, verified battles", "/incidents?status=verified&event_type=Battles"),
    ("incidents, drafts", "/incidents?status=draft"),
    ("incidents, search 'Place 7'", "/incidents?q=Place+7"),
    ("incidents, search 'armed group 3'", "/incidents?q=armed+group+3"),
    ("incidents, page 400 (a jump)", "/incidents?page=400"),
    ("incident, open one", "/incidents/{incident}"),
    ("intake", "/intake"),
    ("operations", "/operations"),
    ("forces", "/forces"),
    ("rotations", "/rotations"),
    ("planning", "/planning"),
    ("capabilities", "/capabilities"),
    ("transition", "/transition"),
    ("imports", "/imports"),
    ("data quality", "/quality"),
    ("watch", "/watch"),
    ("alerts", "/alerts"),
    ("reports (403 for a sector account: not its role)", "/reports"),
    ("audit", "/audit"),
    ("audit, one incident", "/audit?kind=Incident&id={incident}"),
    ("about the data", "/about"),
    ("map: hexagons, all years", "/api/map/hexagons?resolution=5"),
    ("map: places", "/api/map/places"),
    ("map: bases", "/api/map/bases"),
    ("map: sectors", "/api/map/sectors"),
    ("map: boundaries", "/api/map/boundaries"),
    ("map: operations", "/api/map/operations"),
    ("stats: incidents by month x type", "/api/stats/incidents?by=month,event_type"),
    (
        "stats: weekly rate, one place",
        "/api/stats/rate?location=Place+1&from=2019-01-01&split=2020-01-01&to=2020-12-31",
    ),
    ("stats: compare with last year", "/api/stats/compare?from=2020-01-01&to=2020-12-31"),
    ("stats: IED summary", "/api/stats/ied?from=2020-01-01&to=2020-12-31"),
    ("stats: hotspots", "/api/stats/hotspots?from=2020-01-01&to=2020-12-31"),
]


@dataclass
class Timing:
    label: str
    cold: float
    warm: float
    status: int
    #: The processor time of the warm request's process (the application runs in it, in its
    #: threads): what the action costs, less what waiting for a loaded machine's cores adds.
    warm_cpu: float = 0.0
    #: The same of the cold request.
    cold_cpu: float = 0.0


def _build(n: int, path: Path) -> str:
    url = f"sqlite:///{path}"
    db = Database(Settings(database_url=url))
    db.init_schema()
    with db.transaction("bench") as tx:
        mission_id = records.create(tx, "Mission", {"name": "BENCH", "country_iso3": "MLI"}).id or 0
    print(f"writing {n:,} incidents to {url} ...", file=sys.stderr)
    with db.engine.begin() as conn:
        places = _places(conn, mission_id, random.Random(41))
    rows = _rows(mission_id, places, n, 42)
    for number, row in enumerate(rows):
        row["uid"] = str(uuid.uuid4())  # the shared script's rows share one (its default, made once)
        if number % 10 == 3:  # one in ten waits for review, as a day's intake does, at a point
            row["review_status"] = "draft"  # inside the country (the synthetic box is wider): verifiable
            killed = sum(int(row[f"killed_{who}"] or 0) for who in ("peacekeepers", "national_forces", "civilians"))  # type: ignore[call-overload]
            if row["fatalities"] is not None:  # and no fewer fatalities than the killed it names
                row["fatalities"] = max(int(row["fatalities"]), killed)  # type: ignore[call-overload]
            if row["latitude"] is not None:
                row["latitude"] = round(15.8 + (float(row["latitude"]) - 10.5) / 8.2, 4)  # type: ignore[arg-type]
                row["longitude"] = round(-3.5 + (float(row["longitude"]) + 11.5) / 5.2, 4)  # type: ignore[arg-type]
    with db.engine.begin() as conn:
        for i in range(0, len(rows), 50_000):
            conn.execute(insert(TABLES[Incident]), rows[i : i + 50_000])
        conn.exec_driver_sql("ANALYZE")
    rollups.rebuild(db, actor="bench")
    db.close()
    return url


def _token(answer: Response) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', answer.text)
    assert found, f"no CSRF token in {answer.url}"
    return found.group(1)


def _sign_in(client: TestClient, name: str) -> Response:
    form = {"name": name, "password": PASSWORD, "csrf_token": _token(client.get("/signin"))}
    answer = client.post("/signin", data=form)
    assert answer.status_code == 303, answer.text[:300]
    return answer


def _timed(call: Callable[[], Response]) -> tuple[float, int, float]:
    """Clock time, HTTP status and the process's processor time of one request."""
    start, cpu = time.perf_counter(), time.process_time()
    status = call().status_code
    return time.perf_counter() - start, status, time.process_time() - cpu


class Drafts:
    """Drafts to verify, each taken once across the run (id, version), newest first."""

    def __init__(self, url: str, sector: int | None) -> None:
        db = Database(Settings(database_url=url))
        where = (
            ""
            if sector is None
            else f" AND (sector_id = {sector} OR location_id IN (SELECT id FROM location WHERE sector_id = {sector}))"
        )
        with db.engine.connect() as conn:
            self.left = list(conn.execute(text(
                f"SELECT id, version FROM incident WHERE review_status = 'draft' AND deleted_at IS NULL{where} "
                "ORDER BY event_date DESC, id DESC LIMIT 2000"
            )).all())  # fmt: skip
        db.close()

    def take(self, n: int) -> list[tuple[int, int]]:
        taken, self.left = self.left[:n], self.left[n:]
        return taken


def _client(url: str) -> tuple[Database, TestClient]:
    """A fresh application as `serve` makes it, its start-up's warm-up done (``web.warm_up``)."""
    db = Database(Settings(database_url=url, secret_key="b" * 40))
    app = routes_ready(create_app(db.settings, db=db))
    warm_up(app).join()
    return db, TestClient(app, follow_redirects=False)


def _warm_up_alone(url: str) -> tuple[float, float]:
    """Clock and processor time of the first warm-up of the run (the process's first start)."""
    db = Database(Settings(database_url=url, secret_key="b" * 40))
    app = routes_ready(create_app(db.settings, db=db))
    start, cpu = time.perf_counter(), time.process_time()
    warm_up(app).join()
    spent = time.perf_counter() - start, time.process_time() - cpu
    db.close()
    return spent


Request = Callable[[TestClient, str], Response]
Prepare = Callable[[TestClient], None]
#: A write made before each timed request, outside the clock (the "after a write" actions).
Write = Callable[[TestClient, str], None]


def _measure(
    url: str, who: str, label: str, request: Request, prepare: Prepare | None, profile: bool,
    write: Write | None = None,
) -> Timing:  # fmt: skip
    """Cold (first of a fresh application and database connection) and warm (best of two);
    with ``profile``, where a fourth request spends its time (cProfile, printed). With
    ``write``, each request follows a write of its own, made before the clock starts."""
    db, client = _client(url)
    with client:
        _sign_in(client, who)
        csrf = _token(client.get("/signin?next=/"))  # the session's token, as every form carries it
        if prepare is not None:
            prepare(client)
        times = []
        for _ in range(3):
            if write is not None:
                write(client, csrf)
            times.append(_timed(lambda: request(client, csrf)))
        if profile:
            if write is not None:
                write(client, csrf)
            profiler = cProfile.Profile()
            profiler.runcall(request, client, csrf)
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)
    db.close()
    statuses = {s for _, s, _ in times}
    best = min(times[1:])
    return Timing(label, times[0][0], best[0], max(statuses), best[2], times[0][2])


Action = tuple[str, Request, Prepare | None, Write | None]
#: Views timed right after a write (each of their three requests follows a write of its own):
#: verifying a draft changes the verified incidents' maps and tables; rejecting one changes the
#: incidents counted at all, and so the Watch page's weekly history and its forecast.
AFTER_VERIFY = [
    ("situation", "/situation"),
    ("map: hexagons of verified incidents", "/api/map/hexagons?resolution=5&status=verified"),
    ("stats: verified incidents by month x type", "/api/stats/incidents?by=month,event_type&status=verified"),
]
AFTER_REJECT = [
    ("watch", "/watch"),
    ("map: hexagons, all years", "/api/map/hexagons?resolution=5"),
    ("stats: incidents by month x type", "/api/stats/incidents?by=month,event_type"),
]


def _actions(url: str, who: str, sector: int | None, incident: int) -> list[Action]:
    drafts = Drafts(url, sector)
    links: dict[str, str] = {}

    def get(path: str) -> Request:
        return lambda client, _csrf: client.get(path)

    def sign_in(client: TestClient, csrf: str) -> Response:
        client.cookies.clear()
        return _sign_in(client, who)

    def next_page(client: TestClient, _csrf: str) -> Response:
        return client.get(links["next"])

    def first_page_link(client: TestClient) -> None:  # read before the clock starts
        link = re.search(r'<a href="([^"]+)">[^<]*(Next|Suivant)', client.get("/incidents").text)
        assert link, "no next page link"
        links["next"] = link.group(1).replace("&amp;", "&")

    def verify_one(client: TestClient, csrf: str) -> Response:
        ((record_id, version),) = drafts.take(1)
        form = {"csrf_token": csrf, "version": str(version), "status": "verified"}
        answer = client.post(f"/incidents/{record_id}/review", data=form, headers={"hx-request": "true"})
        assert "badge verified" in answer.text, answer.text[:300]
        return answer

    def verify_many(client: TestClient, csrf: str) -> Response:
        picks = [f"{i}:{v}" for i, v in drafts.take(50)]
        answer = client.post("/incidents/verify", data={"csrf_token": csrf, "pick": picks, "back": ""})
        assert "refused=0" in answer.headers.get("location", ""), answer.headers.get("location")
        return answer

    def review_one(status: str) -> Write:
        def write(client: TestClient, csrf: str) -> None:
            ((record_id, version),) = drafts.take(1)
            form = {"csrf_token": csrf, "version": str(version), "status": status, "reason": ""}
            answer = client.post(f"/incidents/{record_id}/review", data=form, headers={"hx-request": "true"})
            assert f"badge {status}" in answer.text, answer.text[:300]

        return write

    context = {"sector": str(sector or 2), "incident": str(incident)}
    pages: list[Action] = [(label, get(path.format(**context)), None, None) for label, path in PAGES]
    return [
        ("sign-in (POST /signin)", sign_in, None, None),
        *pages[:2],
        ("incidents, next page", next_page, first_page_link, None),
        *pages[2:],
        ("verify one (htmx row)", verify_one, None, None),
        ("verify 50 at once", verify_many, None, None),
        *[(f"{label}, after a verify", get(path), None, review_one("verified")) for label, path in AFTER_VERIFY],
        *[(f"{label}, after a rejection", get(path), None, review_one("rejected")) for label, path in AFTER_REJECT],
    ]


def _baseline(url: str) -> tuple[Timing, Timing]:
    db, client = _client(url)
    with client:
        times = [_timed(lambda: client.get("/healthz")) for _ in range(3)]
    db.close()
    health = Timing("baseline: /healthz", times[0][0], min(t for t, _, _ in times[1:]), times[0][1])
    db = Database(Settings(database_url=url))
    sql = text("SELECT * FROM incident WHERE deleted_at IS NULL ORDER BY event_date DESC, id DESC LIMIT 50")
    spent = []
    with db.engine.connect() as conn:
        for _ in range(3):
            start = time.perf_counter()
            conn.execute(sql).all()
            spent.append(time.perf_counter() - start)
    db.close()
    return health, Timing("baseline: SELECT newest 50", spent[0], min(spent[1:]), 200)


def _hash_alone() -> float:
    hashed = accounts._HASHER.hash(PASSWORD)
    spent = []
    for _ in range(5):
        start = time.perf_counter()
        accounts._HASHER.verify(hashed, PASSWORD)
        spent.append(time.perf_counter() - start)
    return min(spent)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("n", nargs="?", type=int, default=200_000)
    parser.add_argument("--db", default="", help="a database made before by this script")
    parser.add_argument("--only", default="", help="time only the actions whose label holds this text")
    parser.add_argument("--profile", action="store_true", help="print where each action timed spends its time")
    args = parser.parse_args()
    kept = Path(f"/tmp/bluehelmet-pages-{args.n}.db")
    if not args.db and not kept.exists():
        try:
            _build(args.n, kept)
        except BaseException:
            kept.unlink(missing_ok=True)  # not left half made for the next run to take
            raise
    url = args.db or f"sqlite:///{kept}"
    db = Database(Settings(database_url=url))
    db.init_schema()
    for name, role, sector in USERS:
        with contextlib.suppress(BluehelmetError):  # there from an earlier run
            accounts.add_account(db, "bench", name, role, sector=sector, password=PASSWORD)
    with db.engine.connect() as conn:
        east = conn.execute(text("SELECT id FROM sector WHERE name = 'East'")).scalar_one()
        count = conn.execute(text("SELECT count(*) FROM incident WHERE deleted_at IS NULL")).scalar_one()
        in_east = conn.execute(text(
            "SELECT i.id FROM incident i JOIN location l ON l.id = i.location_id WHERE l.sector_id = :s "
            "AND i.sector_id IS NULL ORDER BY i.id DESC LIMIT 1"), {"s": east}).scalar_one()  # fmt: skip
    db.close()
    warming = _warm_up_alone(url)
    hashing = _hash_alone()
    health, select_rows = _baseline(url)
    print(f"pages on {url}: {count:,} incidents; load average {_load()}")
    print(f"the password hash alone (argon2id t={accounts.HASH_TIME_COST}, m={accounts.HASH_MEMORY_KIB} KiB, "
          f"p={accounts.HASH_LANES}): {hashing * 1000:.0f} ms, the floor of a sign-in")  # fmt: skip
    print(f"the start-up's warm-up (in a thread of its own; the first of the run): {warming[0] * 1000:.0f} ms, "
          f"{warming[1] * 1000:.0f} ms processor time")  # fmt: skip
    for base in (health, select_rows):
        print(f"  {base.label:<40} cold {base.cold * 1000:7.1f} ms  warm {base.warm * 1000:7.1f} ms")
    slow: list[str] = []
    for who, _role, sector in USERS:
        print(f"as {who} (load average {_load()}):")
        print(f"  {'action':<40} {'cold':>10} {'cold cpu':>10} {'warm':>10} {'warm cpu':>10} {'x /healthz':>10}  HTTP")
        for label, request, prepare, write in _actions(url, who, east if sector else None, in_east):
            if args.only and args.only not in label:
                continue
            timing = _measure(url, who, label, request, prepare, args.profile, write)
            mark = "SLOW" if timing.warm > GOAL else ""
            if mark:
                slow.append(f"{who}: {label}")
            print(f"  {label:<40} {timing.cold * 1000:7.1f} ms {timing.cold_cpu * 1000:7.1f} ms {timing.warm * 1000:7.1f} ms "
                  f"{timing.warm_cpu * 1000:7.1f} ms {timing.warm / health.warm:9.0f}x  {timing.status} {mark}")  # fmt: skip
    print(f"over {GOAL * 1000:.0f} ms warm: {', '.join(slow) or 'none'}; load average {_load()}")


def _load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


if __name__ == "__main__":
    main()
