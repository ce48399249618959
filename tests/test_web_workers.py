"""Several server processes (`bluehelmet serve --workers N`): they share the session key, so a
sign-in made through one is good on every other; the command hands it down and refuses SQLite.

Two application instances, each over its own ``Database`` of the same settings, stand for two
workers; the last test starts real workers (PostgreSQL) and checks both answer one session and
count failed sign-ins together (the brake itself: tests/test_signin_brake.py).
"""

from __future__ import annotations

import contextlib
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from click.testing import CliRunner
from fastapi import FastAPI, routing
from fastapi.testclient import TestClient

from bluehelmet.cli import cli
from bluehelmet.config import Settings
from bluehelmet.domain.errors import BluehelmetError
from bluehelmet.services import accounts
from bluehelmet.services.database import Database
from bluehelmet.web import workers
from bluehelmet.web.app import create_app, routes_ready
from bluehelmet.web.security import MAX_FAILURES
from bluehelmet.web.workers import (
    WORKER_SETTINGS,
    create_worker_app,
    listening_socket,
    shared_settings,
    worker_environment,
)

PASSWORD = "correct horse battery staple"
COOKIE = "bluehelmet_session"


@pytest.fixture
def boss(db: Database) -> Database:
    accounts.add_account(db, "tester", "boss", "admin", password=PASSWORD)
    return db


@pytest.fixture
def apps() -> Iterator[list[FastAPI]]:
    """The applications a test builds; their databases are closed after it."""
    built: list[FastAPI] = []
    yield built
    for app in built:
        app.state.db.close()


def sign_in(client: TestClient, password: str = PASSWORD, name: str = "boss") -> int:
    match = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/signin").text)
    assert match
    form = {"name": name, "password": password, "csrf_token": match.group(1)}
    return client.post("/signin", data=form, follow_redirects=False).status_code


def _session_of(app: FastAPI) -> str:
    """A signed-in session cookie made by ``app``."""
    with TestClient(app) as client:
        assert sign_in(client) == 303
        cookie = client.cookies.get(COOKIE)
    assert cookie
    return cookie


def _accepts(app: FastAPI, cookie: str) -> bool:
    with TestClient(app, cookies={COOKIE: cookie}) as client:
        status = client.get("/api/records/incident").status_code
    assert status in (200, 401), status
    return status == 200


# ---------------------------------------------------------------------------- the session key


def test_two_workers_accept_each_others_session_cookie(boss: Database, monkeypatch: pytest.MonkeyPatch,
                                                       apps: list[FastAPI]) -> None:  # fmt: skip
    for name, value in worker_environment(boss.settings).items():
        monkeypatch.setenv(name, value)
    one, other = create_worker_app(), create_worker_app()
    apps += [one, other]
    assert one.state.db is not other.state.db  # each worker opens the database itself
    assert _accepts(other, _session_of(one)) and _accepts(one, _session_of(other))
    assert _accepts(one, _session_of(one))


def test_without_the_shared_key_two_processes_refuse_each_others_cookie(boss: Database, apps: list[FastAPI]) -> None:
    assert boss.settings.secret_key == ""  # a random key per application, as one process runs
    one, other = create_app(boss.settings), create_app(boss.settings)
    apps += [one, other]
    cookie = _session_of(one)
    assert _accepts(one, cookie) and not _accepts(other, cookie)


def test_the_shared_key_is_the_one_set_else_one_made_once() -> None:
    chosen = Settings(secret_key="a key set by the operator, long and random")
    assert shared_settings(chosen) is chosen
    made = shared_settings(Settings())
    assert len(made.secret_key) >= 40 and made.secret_key != shared_settings(Settings()).secret_key
    handed = Settings.model_validate_json(worker_environment(chosen)[WORKER_SETTINGS])
    assert handed == chosen


def test_a_worker_without_its_settings_refuses_to_start(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(WORKER_SETTINGS, raising=False)
    with pytest.raises(RuntimeError, match="--workers"):
        create_worker_app()


# ---------------------------------------------------------------------------- the command


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class _Supervisor:
    """Stands for uvicorn's ``Multiprocess``: notes what it was given instead of starting workers."""

    made: list[_Supervisor] = []

    def __init__(self, config: uvicorn.Config, sockets: list[socket.socket]) -> None:
        self.config = config
        self.sockets = [(s.family, s.proto, s.getsockname()) for s in sockets]
        self.ran = False
        _Supervisor.made.append(self)

    def run(self) -> None:
        self.ran = True


def _serve(db: Database, monkeypatch: pytest.MonkeyPatch, *options: str) -> tuple[Any, list[dict[str, Any]]]:
    """`bluehelmet serve OPTIONS` with uvicorn's server and supervisor replaced: the result, and
    how uvicorn.run was called."""
    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: calls.append({"app": app, **kw}))
    monkeypatch.setattr(workers, "Multiprocess", _Supervisor)
    monkeypatch.setattr(_Supervisor, "made", [])
    monkeypatch.setenv(WORKER_SETTINGS, "")  # restored (unset) after the test
    url = db.engine.url.render_as_string(hide_password=False)
    return CliRunner().invoke(cli, ["--db", url, "serve", "--port", str(_free_port()), *options]), calls


def test_serve_workers_hands_one_shared_key_to_its_workers(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    if db.engine.dialect.name == "sqlite":
        result, calls = _serve(db, monkeypatch, "--workers", "2")
        assert result.exit_code == 1 and not calls and not _Supervisor.made
        assert "error: --workers 2 needs PostgreSQL" in result.output
        return
    result, calls = _serve(db, monkeypatch, "--workers", "3")
    assert result.exit_code == 0, result.output
    assert not calls
    (supervisor,) = _Supervisor.made
    config = supervisor.config
    assert supervisor.ran and (config.app, config.factory, config.workers) == (
        "bluehelmet.web.workers:create_worker_app", True, 3)  # fmt: skip
    ((family, proto, (host, _port)),) = supervisor.sockets
    assert (family, proto, host) == (socket.AF_INET, socket.IPPROTO_TCP, "127.0.0.1")  # so TCP_NODELAY is set
    handed = Settings.model_validate_json(os.environ[WORKER_SETTINGS])
    assert handed.database_url == db.settings.database_url and len(handed.secret_key) >= 40
    assert handed.secret_key not in result.output


def test_serve_with_one_worker_serves_in_its_own_process(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    result, calls = _serve(db, monkeypatch)
    assert result.exit_code == 0, result.output
    assert isinstance(calls[0]["app"], FastAPI) and not _Supervisor.made
    assert os.environ[WORKER_SETTINGS] == ""  # nothing handed down
    refused, _ = _serve(db, monkeypatch, "--workers", "0")
    assert refused.exit_code == 2 and "--workers" in refused.output


def test_a_server_prepares_every_route_before_its_first_request(
    boss: Database, monkeypatch: pytest.MonkeyPatch, apps: list[FastAPI]
) -> None:
    """FastAPI prepares a route the first time a request walks past it (seconds for the first
    page after a start); ``routes_ready``, which `serve` and every worker call, does it before."""
    prepare = routing.get_dependant
    prepared: list[str] = []

    def counted(*args: Any, **kwargs: Any) -> Any:
        prepared.append(str(kwargs.get("path", "")))
        return prepare(*args, **kwargs)

    ready = routes_ready(create_app(boss.settings))
    monkeypatch.setattr(routing, "get_dependant", counted)
    apps.append(ready)
    with TestClient(ready) as client:
        assert sign_in(client) == 303 and client.get("/audit").status_code == 200
    assert prepared == []
    apps.append(late := create_app(boss.settings))
    with TestClient(late) as client:
        assert client.get("/audit", follow_redirects=False).status_code == 303  # to sign in
    assert "/audit" in prepared  # without it, the first request prepares the routes on its way


def test_a_port_in_use_is_one_line_of_error() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        with pytest.raises(BluehelmetError, match=r"cannot listen on 127\.0\.0\.1:"):
            listening_socket("127.0.0.1", taken.getsockname()[1])


# ---------------------------------------------------------------------------- real workers


def _sockets(pid: int) -> int:
    """How many sockets the process ``pid`` holds open."""
    count = 0
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        with contextlib.suppress(OSError):  # closed meanwhile
            count += str(fd.readlink()).startswith("socket:")
    return count


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="reads the workers' sockets in Linux's /proc")
@pytest.mark.postgresql
@pytest.mark.parametrize("db", ["postgresql"], indirect=True)  # `serve --workers` refuses SQLite: tested above
def test_real_workers_share_one_session_and_one_brake(boss: Database, tmp_path: Path) -> None:
    port, log = _free_port(), tmp_path / "serve.log"
    url = boss.engine.url.render_as_string(hide_password=False)
    env = {k: v for k, v in os.environ.items() if k != "BLUEHELMET_SECRET_KEY"}
    with log.open("wb") as out:
        server = subprocess.Popen([sys.executable, "-m", "bluehelmet", "--db", url, "serve", "--port", str(port),
                                   "--workers", "2"], stdout=out, stderr=subprocess.STDOUT, env=env)  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    opened: list[httpx.Client] = []
    try:
        pids = _wait_for_workers(server, base, log)
        before = {pid: _sockets(pid) for pid in pids}
        with httpx.Client(base_url=base) as signer:
            page = signer.get("/signin").text
            token = re.search(r'name="csrf_token" value="([^"]+)"', page)
            assert token
            answer = signer.post("/signin", data={"name": "boss", "password": PASSWORD, "csrf_token": token[1]})
            assert answer.status_code == 303, answer.text
            cookie = signer.cookies[COOKIE]
        for _ in range(60):  # connections kept open until both workers hold one (the second may be starting)
            time.sleep(0.1)
            client = httpx.Client(base_url=base, cookies={COOKIE: cookie})
            opened.append(client)
            assert client.get("/api/records/incident").status_code == 200
            if all(_sockets(pid) > before[pid] for pid in pids):
                break
        # A worker's sockets grow only when it answers (the connection, and the database's): the
        # one that did not sign in has answered a request of the session the other one signed.
        assert all(_sockets(pid) > before[pid] for pid in pids), "one worker answered every connection"
        for n in range(MAX_FAILURES + 1):
            with httpx.Client(base_url=base) as guesser:
                token = re.search(r'name="csrf_token" value="([^"]+)"', guesser.get("/signin").text)
                assert token
                form = {"name": "boss", "password": PASSWORD if n == MAX_FAILURES else "wrong", "csrf_token": token[1]}
                assert guesser.post("/signin", data=form).status_code == (429 if n == MAX_FAILURES else 401)
    finally:
        for client in opened:
            client.close()
        server.terminate()
        server.wait(timeout=30)
    assert "Traceback" not in log.read_text()


def _wait_for_workers(server: subprocess.Popen[bytes], base: str, log: Path) -> list[int]:
    """The pids of the two workers (multiprocessing's, beside its resource tracker), once the server answers."""
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(f"the server stopped: {log.read_text()}")
        children = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
        pids = [int(pid) for pid in children if "spawn_main" in _command(int(pid))]
        try:
            if len(pids) == 2 and httpx.get(base + "/healthz", timeout=1).status_code == 200:
                return pids
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"two workers did not start within 90 s: {log.read_text()}")


def _command(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_text()
    except OSError:
        return ""
