"""The REST API under a bounded load: `bluehelmet serve` in one process, clients in another.

Usage: python benchmarks/api_load.py [--clients 20] [--seconds 60] [--incidents N] [--mix ...] [--db sqlite|postgresql|URL]
       [--workers N] [--bulk 10000] [--pg-database bluehelmet_api_load]

Makes a temporary SQLite database (``--db postgresql``: a fresh database ``bluehelmet_api_load`` on
the PostgreSQL server at 127.0.0.1:5432, or on the server of a ``postgresql+psycopg://`` URL,
dropped at the end), loads the reference mission (`bluehelmet demo`), and with
``--incidents N`` adds N incidents written straight into the table over the mission's places,
then `bluehelmet rollup rebuild` (as an administrator would after a bulk insert). Creates an
analyst account and its API token (`bluehelmet user add` / `user token`), starts
`bluehelmet serve --workers N` (default 1) on a free port of 127.0.0.1 (never another address),
and waits until ``/healthz`` answers. The server's processor time is that of the whole server,
its workers included. Then, from this process, ``--clients`` asyncio clients (httpx) each run a
fixed cycle of requests (``--mix``) for ``--seconds``:

- ``create``: POST /api/records/incident, a valid incident with an external id of its own;
- ``stats``: GET /api/stats/incidents?by=month,event_type over a year;
- ``map``: GET /api/map/hexagons over the same year;
- ``health``: GET /healthz, the baseline: the framework's own cost under the same load.

Every loop is bounded in count and in time, and the server is stopped at the end. Before the
load, each request is also timed alone (one client, ``--quiet`` requests each), and the stats
and map services are timed in this process without HTTP (the floor). Prints a table and, last,
one JSON line (the result ``run_all.py`` keeps). After the load, ``--bulk N`` incidents (default
10,000; 0 leaves it out) are sent in one ``POST /api/records/incident/bulk`` and timed from the
first byte sent to the answer, with the server's processor time (the alert rules evaluated once
the answer is sent are timed apart, until the next request is answered). Goals (issues 8 and 24): at least
300 creations per second, p95 under 100 ms for creations, stats and map, no errors, and the bulk
of 10,000 in under 2 s.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import resource
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

HOST = "127.0.0.1"  # loopback only: the benchmark never listens on or calls another address
YEAR = ("2021-01-01", "2021-12-31")
TYPES = [
    ("Battles", "Armed clash"),
    ("Explosions/Remote violence", "Remote explosive/landmine/IED"),
    ("Violence against civilians", "Attack"),
    ("Protests", "Peaceful protest"),
    ("Riots", "Violent demonstration"),
]
#: Hard bounds whatever the options say: no run longer than this, no client past this many requests.
MAX_SECONDS, MAX_REQUESTS_PER_CLIENT, READY_SECONDS = 900.0, 1_000_000, 120.0


def _bluehelmet(url: str, *args: str, stdin: str | None = None) -> str:
    """Run one `bluehelmet` command against ``url``; its standard output."""
    command = [sys.executable, "-m", "bluehelmet", "--db", url, "--actor", "bench", *args]
    done = subprocess.run(command, input=stdin, capture_output=True, text=True, timeout=3600, check=False)
    if done.returncode != 0:
        raise SystemExit(f"error: bluehelmet {' '.join(args)} failed: {done.stderr.strip()[-1000:]}")
    return done.stdout


def _places(url: str) -> list[dict[str, Any]]:
    """The mission's located places: (id, name, coordinates, regions, sector)."""
    from sqlalchemy import create_engine, text  # noqa: PLC0415

    engine = create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT l.id, l.mission_id, l.name, l.latitude, l.longitude, a1.name AS admin1, a2.name AS admin2, "
            "l.sector_id FROM location l LEFT JOIN admin_area a1 ON a1.id = l.admin1_id "
            "LEFT JOIN admin_area a2 ON a2.id = l.admin2_id "
            "WHERE l.latitude IS NOT NULL AND l.longitude IS NOT NULL AND l.deleted_at IS NULL ORDER BY l.id"
        )).mappings().all()  # fmt: skip
    engine.dispose()
    return [dict(r) for r in rows]


def _count(url: str) -> int:
    from sqlalchemy import create_engine, text  # noqa: PLC0415

    engine = create_engine(url)
    with engine.connect() as conn:
        count: int = conn.execute(text("SELECT count(*) FROM incident")).scalar_one()
    engine.dispose()
    return count


def _prefill_rows(places: list[dict[str, Any]], n: int, seed: int) -> Iterator[dict[str, Any]]:
    """N verified incidents over 2012-2021 at the mission's places (a few places get most)."""
    rng = random.Random(seed)
    now = datetime.now(UTC)
    weights = [1 / (rank + 3) for rank in range(len(places))]
    start = date(2012, 1, 1)
    for i in range(n):
        place = rng.choices(places, weights)[0]
        event_type, sub = rng.choice(TYPES)
        yield {"version": 1, "created_at": now, "created_by": "bench", "updated_at": now, "updated_by": "bench",
               "provenance": "benchmark", "mission_id": place["mission_id"], "external_id": f"PRE-{i}",
               "event_date": start + timedelta(days=rng.randrange(3650)), "event_type": event_type,
               "sub_event_type": sub, "location_name": place["name"], "location_id": place["id"],
               "admin1": place["admin1"] or "", "admin2": place["admin2"] or "", "latitude": place["latitude"],
               "longitude": place["longitude"], "review_status": "verified", "fatalities": rng.randrange(4),
               "killed_civilians": rng.randrange(2), "injured_civilians": rng.randrange(2)}  # fmt: skip


def _prefill(url: str, n: int) -> float:
    """Write ``n`` incidents straight into the table (the defaults of the dataclass for the rest)."""
    import dataclasses  # noqa: PLC0415

    from sqlalchemy import create_engine, insert  # noqa: PLC0415

    from bluehelmet.domain.incidents import Incident  # noqa: PLC0415
    from bluehelmet.storage.tables import TABLES  # noqa: PLC0415

    defaults = {f.name: f.default for f in dataclasses.fields(Incident) if f.default is not dataclasses.MISSING}
    defaults |= {f.name: f.default_factory() for f in dataclasses.fields(Incident)
                 if f.default_factory is not dataclasses.MISSING}  # fmt: skip
    started = time.perf_counter()
    engine = create_engine(url)
    batch: list[dict[str, Any]] = []
    with engine.begin() as conn:
        for row in _prefill_rows(_places(url), n, seed=8):
            batch.append({**defaults, **row})
            if len(batch) == 20_000:
                conn.execute(insert(TABLES[Incident]), batch)
                batch = []
        if batch:
            conn.execute(insert(TABLES[Incident]), batch)
    engine.dispose()
    return time.perf_counter() - started


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


# ----------------------------------------------------------------------------- the clients


@dataclass
class Tally:
    """What one kind of request measured: latencies of the answers, and how many failed."""

    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    statuses: dict[str, int] = field(default_factory=dict)

    def note(self, seconds: float, status: int | str) -> None:
        if isinstance(status, int) and 200 <= status < 300:
            self.latencies.append(seconds)
        else:
            self.errors += 1
            self.statuses[str(status)] = self.statuses.get(str(status), 0) + 1

    def summary(self, elapsed: float) -> dict[str, Any]:
        ordered = sorted(self.latencies)

        def pick(q: float) -> float | None:
            return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000 if ordered else None

        return {"ok": len(ordered), "errors": self.errors, "statuses": self.statuses,
                "per_s": len(ordered) / elapsed if elapsed else 0.0, "p50_ms": pick(0.50), "p95_ms": pick(0.95),
                "p99_ms": pick(0.99), "max_ms": ordered[-1] * 1000 if ordered else None}  # fmt: skip


class Requests:
    """The requests of the benchmark, each kind a method that answers its status."""

    def __init__(self, client: httpx.AsyncClient, places: list[dict[str, Any]], run: str) -> None:
        self.client, self.places, self.run = client, places, run
        self.rng = random.Random(run)
        self.made = 0

    def incident(self, external_id: str) -> dict[str, Any]:
        """A valid new incident at one of the mission's places, in 2021."""
        place = self.rng.choice(self.places)
        event_type, sub = self.rng.choice(TYPES)
        return {"mission_id": place["mission_id"], "external_id": external_id,
                "event_date": (date(2021, 1, 1) + timedelta(days=self.rng.randrange(365))).isoformat(),
                "event_type": event_type, "sub_event_type": sub, "location_name": place["name"],
                "location_id": place["id"], "admin1": place["admin1"] or "", "latitude": place["latitude"],
                "longitude": place["longitude"], "fatalities": self.rng.randrange(3)}  # fmt: skip

    async def create(self, who: int) -> int:
        self.made += 1
        body = self.incident(f"LOAD-{self.run}-{who}-{self.made}")
        return (await self.client.post("/api/records/incident", json=body)).status_code

    async def stats(self, _who: int) -> int:
        params = {"by": "month,event_type", "from": YEAR[0], "to": YEAR[1]}
        return (await self.client.get("/api/stats/incidents", params=params)).status_code

    async def map(self, _who: int) -> int:
        params = {"from": YEAR[0], "to": YEAR[1], "resolution": 7}
        return (await self.client.get("/api/map/hexagons", params=params)).status_code

    async def health(self, _who: int) -> int:
        return (await self.client.get("/healthz")).status_code


KINDS = ("create", "stats", "map", "health")


def _cycle(mix: str) -> list[str]:
    """``create=3,stats=1,...`` as the cycle each client runs (kinds interleaved)."""
    counts = {}
    for part in mix.split(","):
        kind, _, n = part.partition("=")
        if kind.strip() not in KINDS:
            raise SystemExit(f"error: --mix: no request kind {kind!r} (kinds: {', '.join(KINDS)})")
        counts[kind.strip()] = int(n or 1)
    cycle: list[str] = []
    while any(counts.values()):
        for kind in KINDS:
            if counts.get(kind):
                cycle.append(kind)
                counts[kind] -= 1
    return cycle


async def _load(base: str, token: str, places: list[dict[str, Any]], clients: int, seconds: float,
                cycle: list[str]) -> dict[str, Any]:  # fmt: skip
    """``clients`` clients, each running ``cycle`` over and over until ``seconds`` have passed."""
    tallies = {kind: Tally() for kind in KINDS}
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=30.0, limits=limits) as client:
        requests = Requests(client, places, run=str(os.getpid()))
        deadline = time.monotonic() + seconds

        async def one(who: int) -> None:
            offset = who  # clients start at different points of the cycle
            for n in range(MAX_REQUESTS_PER_CLIENT):
                if time.monotonic() >= deadline:
                    return
                kind = cycle[(offset + n) % len(cycle)]
                started = time.perf_counter()
                try:
                    status: int | str = await getattr(requests, kind)(who)
                except httpx.HTTPError as error:
                    status = type(error).__name__
                tallies[kind].note(time.perf_counter() - started, status)

        cpu = time.process_time()
        started = time.perf_counter()
        await asyncio.gather(*(one(w) for w in range(clients)))
        elapsed = time.perf_counter() - started
        cpu = time.process_time() - cpu
    return {"seconds": elapsed, "client_cpu_share": cpu / elapsed,
            "kinds": {k: t.summary(elapsed) for k, t in tallies.items() if t.latencies or t.errors}}  # fmt: skip


async def _quiet(base: str, token: str, places: list[dict[str, Any]], count: int) -> dict[str, Any]:
    """Each kind of request alone, one after another: the latency without load."""
    tallies = {kind: Tally() for kind in KINDS}
    async with httpx.AsyncClient(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=30.0) as client:
        requests = Requests(client, places, run=f"quiet{os.getpid()}")
        for kind in KINDS:
            for n in range(count + 2):
                started = time.perf_counter()
                status = await getattr(requests, kind)(0)
                if n >= 2:  # the first two warm the route up
                    tallies[kind].note(time.perf_counter() - started, status)
    return {k: t.summary(1.0) for k, t in tallies.items()}


async def _bulk(base: str, token: str, places: list[dict[str, Any]], count: int, server_pid: int) -> dict[str, Any]:
    """``count`` incidents in one bulk request, timed (the body is built and encoded beforehand)."""
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=300.0) as client:
        requests = Requests(client, places, run=f"bulk{os.getpid()}")
        body = json.dumps({"records": [requests.incident(f"BULK-{os.getpid()}-{n}") for n in range(count)]}).encode()
        cpu = _server_cpu(server_pid)
        started = time.perf_counter()
        answer = await client.post("/api/records/incident/bulk", content=body)
        seconds = time.perf_counter() - started
        server_cpu = _server_cpu(server_pid) - cpu
        after = time.perf_counter()  # the next write waits for the alert rules evaluated after the bulk
        await client.post("/api/records/incident", json=requests.incident(f"BULK-{os.getpid()}-next"))
        created = answer.json().get("created") if answer.status_code == 201 else None
        return {"records": count, "status": answer.status_code, "created": created, "seconds": seconds,
                "per_s": count / seconds, "body_mb": len(body) / 1e6, "server_cpu_seconds": server_cpu,
                "next_write_seconds": time.perf_counter() - after,
                "error": None if answer.status_code == 201 else answer.text[:300]}  # fmt: skip


def _in_process(url: str, count: int) -> dict[str, Any]:
    """The stats and map services called in this process, without HTTP: the floor."""
    from bluehelmet.config import Settings  # noqa: PLC0415
    from bluehelmet.domain.access import Principal, Role  # noqa: PLC0415
    from bluehelmet.services import map_layers, stats  # noqa: PLC0415
    from bluehelmet.services.database import Database  # noqa: PLC0415

    db = Database(Settings(database_url=url))
    principal = Principal("loadtest", Role.ANALYST, None)
    flt = stats.IncidentFilter(date.fromisoformat(YEAR[0]), date.fromisoformat(YEAR[1]))
    calls = {
        "stats": lambda: stats.incident_table(db, ["month", "event_type"], flt, actor="loadtest"),
        "map": lambda: map_layers.hexagons(db, principal, flt, 7),
    }
    result = {}
    for kind, call in calls.items():
        tally = Tally()
        for n in range(count + 2):
            started = time.perf_counter()
            call()
            if n >= 2:
                tally.note(time.perf_counter() - started, 200)
        result[kind] = tally.summary(1.0)
    db.close()
    return result


# ----------------------------------------------------------------------------- the run


def _wait_ready(server: subprocess.Popen[bytes], base: str) -> float:
    started = time.monotonic()
    while time.monotonic() - started < READY_SECONDS:
        if server.poll() is not None:
            raise SystemExit(f"error: bluehelmet serve exited with {server.returncode}")
        try:
            if httpx.get(base + "/healthz", timeout=2.0).status_code == 200:
                return time.monotonic() - started
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"error: bluehelmet serve did not answer within {READY_SECONDS:.0f} s")


def _stop(server: subprocess.Popen[bytes]) -> None:
    if server.poll() is None:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=20)


def _server_cpu(pid: int) -> float:
    """Processor seconds (user + system) the server process and the processes it started
    (``--workers``) have used so far (Linux /proc)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return 0.0
    own = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return own + sum(_server_cpu(int(child)) for child in children)


PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
PG_DATABASE = "bluehelmet_api_load"


def _postgres(server: str, *, create: bool, name: str = PG_DATABASE) -> str:
    """A fresh database ``name`` on the PostgreSQL ``server`` (dropped first if left by a run), or dropped."""
    from sqlalchemy import create_engine, text  # noqa: PLC0415
    from sqlalchemy.engine import make_url  # noqa: PLC0415

    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        if create:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(server).set(database=name).render_as_string(hide_password=False)


def run(clients: int, seconds: float, incidents: int, mix: str, quiet: int, db: str = "sqlite",
        workers: int = 1, bulk: int = 10_000, pg_database: str = PG_DATABASE) -> dict[str, Any]:  # fmt: skip
    seconds = min(seconds, MAX_SECONDS)
    cycle = _cycle(mix)
    work = Path(tempfile.mkdtemp(prefix="bluehelmet-api-load-"))
    server_url = None if db == "sqlite" else (PG_SERVER if db == "postgresql" else db)
    url = (
        f"sqlite:///{work / 'load.db'}" if server_url is None else _postgres(server_url, create=True, name=pg_database)
    )
    try:
        return _run(url, work, clients, seconds, incidents, cycle, mix, quiet, workers, bulk)
    finally:
        if server_url is not None:
            _postgres(server_url, create=False, name=pg_database)


def _run(url: str, work: Path, clients: int, seconds: float, incidents: int, cycle: list[str], mix: str,
         quiet: int, workers: int, bulk: int) -> dict[str, Any]:  # fmt: skip
    backend = url.split(":", 1)[0].split("+", 1)[0]
    result: dict[str, Any] = {"clients": clients, "workers": workers, "mix": mix, "load_before": os.getloadavg(),
                              "database": url, "backend": backend}  # fmt: skip
    print(f"reference mission into {url} ...", file=sys.stderr)
    _bluehelmet(url, "demo", "--json")
    if incidents:
        print(f"adding {incidents:,} incidents straight into the table ...", file=sys.stderr)
        result["prefill_seconds"] = _prefill(url, incidents)
        _bluehelmet(url, "rollup", "rebuild", "--json")
        from sqlalchemy import create_engine  # noqa: PLC0415

        engine = create_engine(url)
        with engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE")  # as a maintained database
            conn.commit()
        engine.dispose()
    result["incidents_before"] = _count(url)
    _bluehelmet(url, "user", "add", "loadtest", "--role", "analyst", "--json")
    token = json.loads(_bluehelmet(url, "user", "token", "loadtest", "--label", "api-load", "--json"))["token"]
    places = _places(url)
    port = _free_port()
    base = f"http://{HOST}:{port}"
    log = (work / "serve.log").open("wb")
    command = [sys.executable, "-m", "bluehelmet", "--db", url, "serve", "--host", HOST, "--port", str(port),
               "--workers", str(workers)]  # fmt: skip
    server = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    try:
        result["ready_seconds"] = _wait_ready(server, base)
        print(f"serving at {base} (pid {server.pid}); each request alone ...", file=sys.stderr)
        result["quiet"] = asyncio.run(_quiet(base, token, places, quiet))
        print(f"{clients} clients for {seconds:.0f} s, cycle {'/'.join(cycle)} ...", file=sys.stderr)
        cpu = _server_cpu(server.pid)
        result["load"] = asyncio.run(_load(base, token, places, clients, seconds, cycle))
        result["load"]["server_cpu_share"] = (_server_cpu(server.pid) - cpu) / result["load"]["seconds"]
        if bulk:
            print(f"one bulk request of {bulk:,} incidents ...", file=sys.stderr)
            result["bulk"] = asyncio.run(_bulk(base, token, places, bulk, server.pid))
        result["server_alive"] = server.poll() is None
    finally:
        _stop(server)
        log.close()
    result["in_process"] = _in_process(url, quiet)
    result["load_after"] = os.getloadavg()
    result["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    kinds = result["load"]["kinds"]
    errors = sum(k["errors"] for k in kinds.values())
    result["goals"] = {
        "creations_per_s_at_least_300": kinds.get("create", {}).get("per_s", 0.0) >= 300,
        "p95_under_100_ms": all((kinds[k]["p95_ms"] or 1e9) < 100 for k in ("create", "stats", "map") if k in kinds),
        "no_errors": errors == 0,
    }
    if "bulk" in result:
        done = result["bulk"]
        result["goals"]["bulk_10000_under_2_s"] = (
            done["status"] == 201 and done["records"] >= 10_000 and (done["seconds"] < 2.0)
        )
    return result


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def table(result: dict[str, Any]) -> str:
    load = result["load"]
    lines = [f"{result['backend']}, {result.get('workers', 1)} worker(s), {result['clients']} clients, {load['seconds']:.0f} s, {result['incidents_before']:,} incidents before; "
             f"server used {load['server_cpu_share']:.0%} of a core, the clients {load['client_cpu_share']:.0%}; "
             f"load average {result['load_before'][0]:.2f} before, {result['load_after'][0]:.2f} after (2 cores)",
             "| request | done | per s | p50 ms | p95 ms | p99 ms | errors | alone p50 / p95 ms | in process p50 ms |",
             "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"]  # fmt: skip
    for kind, k in load["kinds"].items():
        alone = result["quiet"].get(kind, {})
        floor = result["in_process"].get(kind, {})
        lines.append(f"| {kind} | {k['ok']:,} | {k['per_s']:.1f} | {_ms(k['p50_ms'])} | {_ms(k['p95_ms'])} | "
                     f"{_ms(k['p99_ms'])} | {k['errors']}{' ' + str(k['statuses']) if k['errors'] else ''} | "
                     f"{_ms(alone.get('p50_ms'))} / {_ms(alone.get('p95_ms'))} | {_ms(floor.get('p50_ms'))} |")  # fmt: skip
    if "bulk" in result:
        b = result["bulk"]
        lines.append(f"bulk: {b['records']:,} incidents in one request ({b['body_mb']:.1f} MB): status {b['status']}, "
                     f"{b['seconds']:.2f} s ({b['per_s']:,.0f} records/s), server processor {b['server_cpu_seconds']:.2f} s; "
                     f"the next creation (behind the alert rules evaluated after it) {b['next_write_seconds']:.2f} s")  # fmt: skip
    goals = ", ".join(f"{name}: {'met' if met else 'MISSED'}" for name, met in result["goals"].items())
    return "\n".join([*lines, f"goals: {goals}"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60.0, help=f"at most {MAX_SECONDS:.0f}")
    parser.add_argument("--incidents", type=int, default=0, help="incidents to add before the load (straight in)")
    parser.add_argument("--mix", default="create=4,stats=1,map=1,health=1",
                        help="the cycle of requests each client runs, as kind=count")  # fmt: skip
    parser.add_argument("--quiet", type=int, default=30, help="requests of each kind timed alone, before the load")
    parser.add_argument("--db", default="sqlite", help="sqlite (a temporary file), postgresql (127.0.0.1:5432), "
                        "or the postgresql+psycopg:// URL of a server: a fresh database there, dropped after")  # fmt: skip
    parser.add_argument("--workers", type=int, default=1, help="server processes (bluehelmet serve --workers)")
    parser.add_argument("--bulk", type=int, default=10_000, help="incidents sent in one bulk request after the load")
    parser.add_argument(
        "--pg-database",
        default=PG_DATABASE,
        help="the PostgreSQL database made (and dropped) for the run, so that runs beside each other do not share one",
    )
    args = parser.parse_args()
    if not 1 <= args.clients <= 200 or args.seconds <= 0 or not 1 <= args.workers <= 8 or not 0 <= args.bulk <= 10_000:
        parser.error("--clients is 1 to 200, --seconds is positive, --workers is 1 to 8 and --bulk 0 to 10,000")
    result = run(
        args.clients,
        args.seconds,
        args.incidents,
        args.mix,
        args.quiet,
        args.db,
        args.workers,
        args.bulk,
        args.pg_database,
    )
    print(table(result))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
