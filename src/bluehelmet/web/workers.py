"""Several server processes (`bluehelmet serve --workers N`): what they must share.

Each worker is a process of its own, started by uvicorn, that builds the application again with
``create_worker_app``. A session cookie signed by one worker must be accepted by every other,
so they share the settings and, in them, one session key: the one set (``secret_key``), else one
made at random by the parent when it starts (everyone signs in again after a restart, as with
one process). The parent hands the settings to its workers in the environment variable
``WORKER_SETTINGS``, never in a file and never on the command line or in the log. The brake on
guessing is kept in the database (``services.signin_brake``), which every worker shares.

Several workers are for PostgreSQL only. SQLite takes one writer at a time: one process queues
its writes in a thread of its own (``web.deps.WriterTurns``), but the writers of several
processes would collide on the database's lock and sleep on its busy timeout (measured with
benchmarks/api_load.py, 2 workers against 1: 49.9 creations a second against 47.7, and the 95th
percentile of each kind of request 1.4 to 2.6 times as long), so ``check_workers`` refuses them.

The parent binds the port itself (``listening_socket``) and hands it to uvicorn's supervisor:
the socket uvicorn binds for its workers leaves the protocol number at 0, so asyncio does not
set TCP_NODELAY on the connections it accepts, and on Linux every answer whose body is sent
after its headers then waits some 40 ms for the client's delayed acknowledgement (uvicorn
issue 3149, open in 0.54).
"""

from __future__ import annotations

import os
import secrets
import socket

import uvicorn
from fastapi import FastAPI
from uvicorn.supervisors import Multiprocess

from bluehelmet.config import Settings
from bluehelmet.domain.errors import BluehelmetError
from bluehelmet.web.app import create_app, routes_ready
from bluehelmet.web.warm_up import warm_up

__all__ = ["WORKER_SETTINGS", "check_workers", "create_worker_app", "listening_socket", "run_workers",
           "shared_settings", "worker_environment"]  # fmt: skip

#: Where the workers of `bluehelmet serve --workers N` find their settings (JSON, key included).
WORKER_SETTINGS = "BLUEHELMET_WORKER_SETTINGS"


def check_workers(settings: Settings, workers: int) -> None:
    """Refuse several workers over SQLite (see above)."""
    if workers > 1 and settings.database_url.split(":", 1)[0].split("+", 1)[0] == "sqlite":
        raise BluehelmetError(
            f"--workers {workers} needs PostgreSQL: SQLite takes one writer at a time, and the writes of several "
            "server processes would wait on each other's lock (one process queues its own in turn; serve it alone)"
        )


def shared_settings(settings: Settings) -> Settings:
    """``settings`` with a session key: the one set, else a random one made now (once, by the parent)."""
    if settings.secret_key:
        return settings
    return settings.model_copy(update={"secret_key": secrets.token_urlsafe(32)})


def worker_environment(settings: Settings) -> dict[str, str]:
    """What the parent puts in the environment of its workers: the settings they all share."""
    return {WORKER_SETTINGS: shared_settings(settings).model_dump_json()}


def create_worker_app() -> FastAPI:
    """The application of one worker (uvicorn's factory), over the settings its parent handed down."""
    given = os.environ.get(WORKER_SETTINGS)
    if not given:
        raise RuntimeError(f"{WORKER_SETTINGS} is not set: start the workers with `bluehelmet serve --workers N`")
    app = routes_ready(create_app(Settings.model_validate_json(given)))
    warm_up(app)  # in a thread of its own: the worker listens meanwhile
    return app


def listening_socket(host: str, port: int) -> socket.socket:
    """A TCP socket bound to ``host``:``port``, to be shared by the workers; its protocol is
    named (IPPROTO_TCP), so that the connections it accepts get TCP_NODELAY."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
    except OSError as error:
        sock.close()
        raise BluehelmetError(f"cannot listen on {host}:{port}: {error.strerror or error}") from None
    sock.set_inheritable(True)
    return sock


def run_workers(settings: Settings, host: str, port: int, workers: int) -> None:
    """Serve with ``workers`` processes over ``settings`` until stopped (SIGINT, SIGTERM)."""
    check_workers(settings, workers)
    os.environ.update(worker_environment(settings))  # inherited by every worker, restarted ones too
    config = uvicorn.Config("bluehelmet.web.workers:create_worker_app", factory=True, host=host, port=port,
                            workers=workers, log_level="warning")  # fmt: skip
    sock = listening_socket(host, port)
    try:
        Multiprocess(config, sockets=[sock]).run()
    finally:
        sock.close()
