"""The API's writes in process: processor time of one creation and of a bulk, against a baseline.

Usage: python benchmarks/api_writes.py [--db sqlite|postgresql] [--creations 300] [--bulk 10000]
                                       [--baseline REV] [--rounds 2] [--profile FILE] [--statements]

Builds the reference mission once (`bluehelmet demo`) with an analyst's API token, then in a
fresh copy of it for each measurement (a file copy on SQLite; ``CREATE DATABASE ... TEMPLATE``
on PostgreSQL at 127.0.0.1:5432, dropped after) calls the application through its ASGI door
(httpx's ``ASGITransport``: no sockets, the client's own cost included) in a child process:
20 creations to warm up, ``--creations`` ``POST /api/records/incident`` one after another (an
incident of 2021, as ``api_load.py`` sends), then one ``POST /api/records/incident/bulk`` of
``--bulk`` incidents (its body encoded beforehand). Each is timed as processor time of the
process (``time.process_time``: every thread, the writers' one too) and as clock time.

With ``--baseline REV`` (a git revision of this repository) the same measurements run with the
package's source as it was at REV (``git archive``, put first on ``PYTHONPATH``), the baseline
and this tree in turn, ``--rounds`` times each, and the ratios are printed. The machine's load
average is printed before and after: processor time is what the code costs, clock time is the
load's as much as the code's.

With ``--statements`` the driver's own time is also measured, per creation: the processor time
spent inside the cursor's ``execute`` of each statement (SQLAlchemy's cursor events), and the
number of statements: what the database's side of a creation costs, apart from Python's.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from api_load import PG_SERVER, Requests, _bluehelmet, _places  # noqa: E402

WARM = 20


def _reference(work: Path, db: str) -> tuple[str, str]:
    """The reference mission with an analyst's token: (its URL, the token)."""
    if db == "sqlite":
        url = f"sqlite:///{work / 'reference.db'}"
    else:
        url = _pg_database("bluehelmet_api_writes_ref", template=None)
    _bluehelmet(url, "demo", "--json")
    _bluehelmet(url, "user", "add", "writer", "--role", "analyst", "--json")
    token = json.loads(_bluehelmet(url, "user", "token", "writer", "--label", "api-writes", "--json"))["token"]
    return url, token


def _pg_database(name: str, template: str | None, *, drop_only: bool = False) -> str:
    from sqlalchemy import create_engine, text  # noqa: PLC0415
    from sqlalchemy.engine import make_url  # noqa: PLC0415

    admin = create_engine(PG_SERVER, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        if not drop_only:
            made = f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else "")
            conn.execute(text(made))
    admin.dispose()
    return make_url(PG_SERVER).set(database=name).render_as_string(hide_password=False)


def _copy(reference: str, work: Path, db: str, n: int) -> str:
    if db == "sqlite":
        source = Path(reference.removeprefix("sqlite:///"))
        target = work / f"copy{n}.db"
        shutil.copyfile(source, target)
        return f"sqlite:///{target}"
    return _pg_database(f"bluehelmet_api_writes_{n}", template="bluehelmet_api_writes_ref")


def _drop(url: str, db: str) -> None:
    if db == "sqlite":
        Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
    else:
        _pg_database(url.rsplit("/", 1)[1], None, drop_only=True)


# ----------------------------------------------------------------------------- the child


def _count_statements(db: Any) -> dict[str, float]:
    """Processor time inside the driver's ``execute`` and the number of statements, counted
    while ``counted["on"]`` is set (the timed creations only)."""
    from sqlalchemy import event  # noqa: PLC0415

    counted = {"on": 0.0, "seconds": 0.0, "statements": 0.0}
    started: list[float] = []

    def before(*_: Any) -> None:
        started.append(time.process_time())

    def after(*_: Any) -> None:
        spent = time.process_time() - started.pop()
        if counted["on"]:
            counted["seconds"] += spent
            counted["statements"] += 1

    event.listen(db.engine, "before_cursor_execute", before)
    event.listen(db.engine, "after_cursor_execute", after)
    return counted


async def _measure(
    url: str, token: str, creations: int, bulk: int, profile: str | None, statements: bool = False
) -> dict[str, Any]:
    import httpx  # noqa: PLC0415

    from bluehelmet.config import Settings  # noqa: PLC0415
    from bluehelmet.services.database import Database  # noqa: PLC0415
    from bluehelmet.web.app import create_app  # noqa: PLC0415

    db = Database(Settings(database_url=url))
    app = create_app(db.settings, db=db)
    counted = _count_statements(db) if statements else None
    if profile:  # the writes in this thread, where the profiler sees them

        async def inline(write: Any) -> Any:
            return write()

        app.state.writers.run = inline
    places = _places(url)
    answered: list[tuple[float, float]] = []

    async def door(scope: Any, receive: Any, send: Any) -> None:
        """The application, noting when each answer's last byte is sent (the work that runs after
        it, the alert rules' evaluation, is the server's but not the answer's)."""

        async def sending(message: Any) -> None:
            await send(message)
            if message["type"] == "http.response.body" and not message.get("more_body"):
                answered.append((time.process_time(), time.perf_counter()))

        await app(scope, receive, sending)

    transport = httpx.ASGITransport(app=door)
    headers = {"Authorization": f"Bearer {token}"}
    result: dict[str, Any] = {"bluehelmet": str(Path(sys.modules["bluehelmet"].__file__ or "").parent)}
    async with httpx.AsyncClient(transport=transport, base_url="http://bench", headers=headers, timeout=600) as c:
        requests = Requests(c, places, run="writes")
        for n in range(WARM):
            assert await requests.create(n) == 201
        bodies = [requests.incident(f"ONE-{n}") for n in range(creations)]
        profiler = cProfile.Profile() if profile else None
        cpu, clock = time.process_time(), time.perf_counter()
        if counted is not None:
            counted["on"] = 1.0
        if profiler:
            profiler.enable()
        for body in bodies:
            answer = await c.post("/api/records/incident", json=body)
            assert answer.status_code == 201, answer.text
        if profiler:
            profiler.disable()
            profiler.dump_stats(profile + ".one")
        result["one_cpu_ms"] = (time.process_time() - cpu) / creations * 1000
        if counted is not None:
            counted["on"] = 0.0
            result["one_statements"] = counted["statements"] / creations
            result["one_statements_cpu_ms"] = counted["seconds"] / creations * 1000
        result["one_clock_ms"] = (time.perf_counter() - clock) / creations * 1000
        if bulk:
            content = json.dumps({"records": [requests.incident(f"BULK-{n}") for n in range(bulk)]}).encode()
            profiler = cProfile.Profile() if profile else None
            cpu, clock = time.process_time(), time.perf_counter()
            if profiler:
                profiler.enable()
                app.state.after_writes.queue = lambda key, written: False  # the answer only
            answer = await c.post(
                "/api/records/incident/bulk", content=content, headers={"Content-Type": "application/json"}
            )
            if profiler:
                profiler.disable()
                profiler.dump_stats(profile + ".bulk")
            assert answer.status_code == 201, answer.text[:500]
            result["bulk_cpu_s"] = answered[-1][0] - cpu
            result["bulk_clock_s"] = answered[-1][1] - clock
            result["bulk_after_answer_cpu_s"] = time.process_time() - answered[-1][0]
    db.close()
    return result


def _child(url: str, token: str, creations: int, bulk: int, profile: str | None, statements: bool) -> None:
    print(json.dumps(asyncio.run(_measure(url, token, creations, bulk, profile, statements))))


# ----------------------------------------------------------------------------- the run


def _baseline_source(rev: str, work: Path) -> Path:
    target = work / "baseline"
    target.mkdir()
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", rev, "src"], capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive.stdout, check=True)
    return target / "src"


def _run_child(url: str, token: str, args: argparse.Namespace, source: Path | None, profile: str | None) -> Any:
    env = dict(os.environ)
    if source is not None:
        env["PYTHONPATH"] = os.pathsep.join([str(source), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    command = [sys.executable, __file__, "--child", url, token, "--creations", str(args.creations),
               "--bulk", str(args.bulk)] + (["--profile", profile] if profile else []) + (
                   ["--statements"] if args.statements else [])  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    if done.returncode != 0:
        raise SystemExit(f"error: a measurement failed: {done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="sqlite", choices=["sqlite", "postgresql"])
    parser.add_argument("--creations", type=int, default=300)
    parser.add_argument("--bulk", type=int, default=10_000)
    parser.add_argument("--baseline", help="a git revision whose code is measured in turn with this tree's")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--profile", help="write cProfile statistics to FILE.one and FILE.bulk (this tree)")
    parser.add_argument(
        "--statements",
        action="store_true",
        help="also measure the driver's execute: processor ms and statements per creation",
    )
    parser.add_argument("--child", nargs=2, metavar=("URL", "TOKEN"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if not 1 <= args.creations <= 5000 or not 0 <= args.bulk <= 10_000 or not 1 <= args.rounds <= 10:
        parser.error("--creations is 1 to 5,000, --bulk 0 to 10,000, --rounds 1 to 10")
    if args.child:
        _child(*args.child, args.creations, args.bulk, args.profile, args.statements)
        return
    work = Path(tempfile.mkdtemp(prefix="bluehelmet-api-writes-"))
    load_before = os.getloadavg()
    try:
        reference, token = _reference(work, args.db)
        source = _baseline_source(args.baseline, work) if args.baseline else None
        runs: dict[str, list[dict[str, Any]]] = {"baseline": [], "this tree": []}
        n = 0
        for _ in range(args.rounds):
            for name, tree in (("baseline", source), ("this tree", None)):
                if name == "baseline" and source is None:
                    continue
                n += 1
                url = _copy(reference, work, args.db, n)
                try:
                    profile = args.profile if tree is None and not runs["this tree"] else None
                    runs[name].append(_run_child(url, token, args, tree, profile))
                finally:
                    _drop(url, args.db)
                print(name, json.dumps(runs[name][-1]), file=sys.stderr)
        if args.db == "postgresql":
            _pg_database("bluehelmet_api_writes_ref", None, drop_only=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    load_after = os.getloadavg()
    print(f"{args.db}: {args.creations} creations after {WARM}, then a bulk of {args.bulk:,}; load average "
          f"{load_before[0]:.2f} before, {load_after[0]:.2f} after (2 cores)")  # fmt: skip
    print(
        "| code | one creation: processor / clock ms | its statements: number, driver processor ms | bulk: processor / clock s |"
    )
    print("| --- | --- | --- | --- |")
    for name, measured in runs.items():
        for m in measured:
            bulk = f"{m['bulk_cpu_s']:.2f} / {m['bulk_clock_s']:.2f}" if "bulk_cpu_s" in m else "-"
            driver = f"{m['one_statements']:.0f}, {m['one_statements_cpu_ms']:.2f}" if "one_statements" in m else "-"
            print(f"| {name} | {m['one_cpu_ms']:.2f} / {m['one_clock_ms']:.2f} | {driver} | {bulk} |")
    if runs["baseline"]:
        best = {name: min(m["one_cpu_ms"] for m in measured) for name, measured in runs.items()}
        line = f"one creation, best processor time: {best['this tree'] / best['baseline']:.2f}x the baseline's"
        if args.bulk:
            most = {name: min(m["bulk_cpu_s"] for m in measured) for name, measured in runs.items()}
            line += f"; the bulk: {most['this tree'] / most['baseline']:.2f}x"
        print(line)
    print(json.dumps({"db": args.db, "load_before": load_before, "load_after": load_after, "runs": runs}))


if __name__ == "__main__":
    main()
