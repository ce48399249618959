"""Soak: a bounded mixed load on `bluehelmet serve` over loopback; zero errors and flat memory.

    python benchmarks/soak.py [--minutes 5] [--clients 8] [--db URL]

Starts the server in a process of its own over the reference mission (a new SQLite file unless
--db names an empty database), then for the given minutes runs clients that list, read, search,
count (stats, map hexagons), export, create, change (with versions, retrying on 409) and review
incidents. Prints requests, errors, latency percentiles and the server's memory (RSS) after a
one-minute warm-up and at the end. Exit status 1 when any answer was a 5xx or a transport error,
or memory grew by 10 % or more after the warm-up. Run by hand, not in CI.
"""

from __future__ import annotations

import argparse
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import httpx

from bluehelmet.config import Settings
from bluehelmet.reference.loader import load_reference
from bluehelmet.services import accounts
from bluehelmet.services.database import Database

WARM_UP = 60.0


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Load:
    def __init__(self, base: str, token: str, ids: list[int], deadline: float) -> None:
        self.base, self.token, self.ids, self.deadline = base, token, ids, deadline
        self.statuses: Counter[str] = Counter()
        self.latencies: list[float] = []
        self.lock = threading.Lock()

    def note(self, what: str, started: float) -> None:
        with self.lock:
            self.statuses[what] += 1
            self.latencies.append(time.monotonic() - started)

    def client(self, number: int) -> None:
        rng = random.Random(number)
        with httpx.Client(base_url=self.base, headers={"Authorization": f"Bearer {self.token}"}, timeout=60) as c:
            n = 0
            while time.monotonic() < self.deadline:
                n += 1
                started = time.monotonic()
                try:
                    status = self.step(c, rng, number, n)
                except httpx.TransportError as error:
                    self.note(f"transport {type(error).__name__}", started)
                    continue
                self.note(str(status), started)

    def step(self, c: httpx.Client, rng: random.Random, number: int, n: int) -> int:
        target = rng.choice(self.ids)
        choice = rng.random()
        if choice < 0.25:
            return c.get("/api/records/incident", params={"limit": 50, "offset": rng.randrange(0, 300)}).status_code
        if choice < 0.40:
            return c.get(f"/api/records/incident/{target}").status_code
        if choice < 0.50:
            by = rng.choice(["month", "event_type", "year,admin1", "week"])
            return c.get("/api/stats/incidents", params={"by": by}).status_code
        if choice < 0.57:
            return c.get("/api/map/hexagons", params={"resolution": rng.choice([4, 5, 6])}).status_code
        if choice < 0.60:
            return c.get("/api/export/incident", params={"from": "2021-01-01", "to": "2021-03-31"}).status_code
        if choice < 0.65:
            return c.get(f"/api/records/incident/{target}/history").status_code
        if choice < 0.80:
            current = c.get(f"/api/records/incident/{target}").json()
            answer = c.patch(
                f"/api/records/incident/{target}", json={"version": current["version"], "notes": f"soak {number}-{n}"}
            )
            return answer.status_code
        if choice < 0.92:
            base = c.get(f"/api/records/incident/{target}").json()
            body = {
                k: v
                for k, v in base.items()
                if k
                not in {
                    "id",
                    "version",
                    "created_at",
                    "created_by",
                    "updated_at",
                    "updated_by",
                    "deleted_at",
                    "deleted_by",
                }
            }
            body.update(external_id=f"SOAK-{number}-{n}", review_status="draft")
            return c.post("/api/records/incident", json=body).status_code
        return c.get("/api/stats/ied").status_code


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--db", help="an empty database (default: a new SQLite file)")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="bluehelmet-soak-"))
    url = args.db or f"sqlite:///{folder / 'soak.db'}"
    db = Database(Settings(database_url=url))
    db.init_schema()
    load_reference(db, "soak")
    accounts.add_account(db, "soak", "soak", "analyst", password="a long enough password")
    token = accounts.issue_token(db, "soak", "soak")
    db.close()

    port = free_port()
    log = (folder / "server.log").open("wb")
    server = subprocess.Popen(
        [sys.executable, "-m", "bluehelmet", "--db", url, "serve", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                break
        except httpx.TransportError:
            time.sleep(0.1)
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}) as c:
        ids = [r["id"] for r in c.get("/api/records/incident", params={"limit": 1000}).json()["records"]]

    started = time.monotonic()
    load = Load(base, token, ids, started + args.minutes * 60)
    threads = [threading.Thread(target=load.client, args=(n,)) for n in range(args.clients)]
    for thread in threads:
        thread.start()
    time.sleep(min(WARM_UP, args.minutes * 60 / 5))
    after_warm_up = rss_kib(server.pid)
    for thread in threads:
        thread.join()
    at_end = rss_kib(server.pid)
    server.terminate()
    server.wait(timeout=30)
    log.close()

    elapsed = time.monotonic() - started
    errors = sum(n for s, n in load.statuses.items() if s.startswith(("5", "transport")))
    latencies = sorted(load.latencies)
    growth = (at_end - after_warm_up) / after_warm_up * 100 if after_warm_up else 0.0
    print(
        f"{sum(load.statuses.values())} requests in {elapsed:.0f} s by {args.clients} clients "
        f"({sum(load.statuses.values()) / elapsed:.1f}/s); answers: {dict(sorted(load.statuses.items()))}"
    )
    print(
        f"latency: median {statistics.median(latencies) * 1000:.0f} ms, "
        f"p95 {latencies[int(len(latencies) * 0.95)] * 1000:.0f} ms, max {latencies[-1] * 1000:.0f} ms"
    )
    print(
        f"server memory: {after_warm_up / 1024:.1f} MiB after warm-up, {at_end / 1024:.1f} MiB at the end "
        f"({growth:+.1f} %)"
    )
    print(f"errors (5xx, transport): {errors}; server log: {folder / 'server.log'}")
    return 1 if errors or growth >= 10 else 0


if __name__ == "__main__":
    sys.exit(main())
