"""What a route needs, declared once per route: ``Depends(need(Action.WRITE, "Incident"))``.

A request speaks for a principal through an API token (``Authorization: Bearer bh_...``) or a
signed session cookie set at sign-in. Anonymous requests get 401, requests the role does not
allow get 403; a state-changing request made with the session cookie must carry the session's
CSRF token. Each dependency made by ``need`` carries its ``Need``, so tests can list what every
route declares.

A route that writes runs its work through ``write_in_turn(request, work)``, so only once its ``need``
has admitted it: on a database that takes one writer at a time (SQLite), the writes of this
process then run one after another in a thread of their own, in arrival order, instead of
colliding on the database's lock and sleeping on its busy timeout while it sits idle.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from threading import Lock
from typing import Annotated, Any, TypeVar

from fastapi import Depends, HTTPException, Query, Request
from starlette.concurrency import run_in_threadpool

from bluehelmet.domain.access import Action, Principal, permits
from bluehelmet.services import accounts, scope
from bluehelmet.services.database import Database
from bluehelmet.services.records import kind_of
from bluehelmet.web.security import csrf_valid

__all__ = [
    "SAFE_METHODS",
    "AfterWrites",
    "MissionParam",
    "Need",
    "WriterTurns",
    "database",
    "database_of",
    "need",
    "principal_of",
    "scoped_mission",
    "write_in_turn",
    "writer_turns",
]

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
T = TypeVar("T")


@dataclass(frozen=True)
class Need:
    """An action, on a kind named here or by a path parameter (None: not about one kind)."""

    action: Action
    kind: str | None = None
    kind_param: str | None = None


@dataclass
class WriterTurns:
    """Where the writes of this process run: when ``serial`` (SQLite), one after another in a
    thread of their own, in arrival order, each started as soon as the one before it ends;
    otherwise in the shared thread pool, together."""

    serial: bool
    _thread: ThreadPoolExecutor | None = field(default=None, repr=False)
    _lock: Lock = field(default_factory=Lock, repr=False)

    @classmethod
    def for_database(cls, db: Database) -> WriterTurns:
        return cls(serial=db.engine.dialect.name == "sqlite")

    async def run(self, write: Callable[[], T]) -> T:
        """``write()``, blocking work that writes, run in its turn; what it returns or raises."""
        if not self.serial:
            return await run_in_threadpool(write)
        with self._lock:
            if self._thread is None:
                self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="bluehelmet-writer")
        context = contextvars.copy_context()
        return await asyncio.wrap_future(self._thread.submit(context.run, write))

    def close(self) -> None:
        with self._lock:
            if self._thread is not None:
                self._thread.shutdown(wait=True)
                self._thread = None


@dataclass
class AfterWrites:
    """The alert rules' evaluations waiting to run after writes, one per key (a kind of record in
    a mission): a write whose key is already waiting adds nothing but its record (the latest is
    kept), since the evaluation that waits runs after its commit and reads it. Under a stream of
    writes the rules of a mission are evaluated as often as one evaluation takes, not once per
    write; each still runs after the writes it covers (it reads beside the writes, and raises
    what it found in the writers' turn)."""

    _pending: dict[tuple[str, int | None], Any] = field(default_factory=dict, repr=False)
    _lock: Lock = field(default_factory=Lock, repr=False)

    def queue(self, key: tuple[str, int | None], written: Any) -> bool:
        """Note ``written`` under ``key``; True when no evaluation of ``key`` was waiting (the
        caller schedules one), False when the waiting one covers it."""
        with self._lock:
            first = key not in self._pending
            self._pending[key] = written
            return first

    def take(self, key: tuple[str, int | None]) -> Any:
        """What the evaluation of ``key`` starting now covers (the latest written), or None."""
        with self._lock:
            return self._pending.pop(key, None)


def writer_turns(request: Request) -> WriterTurns:
    turns: WriterTurns = request.app.state.writers
    return turns


async def write_in_turn(request: Request, work: Callable[[], T]) -> T:
    """Run a route's writing ``work`` in its turn (call it from the route, once its ``need`` admitted it)."""
    return await writer_turns(request).run(work)


def database(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


async def database_of(request: Request) -> Database:
    """The database, as a route's dependency: a coroutine, so that FastAPI calls it in the event
    loop; a plain function it hands to a worker thread, and that hand-over cost a tenth of the
    event loop's time under a load of API creations."""
    return database(request)


async def principal_of(request: Request) -> Principal | None:
    """Who the request speaks for, or None; checks the CSRF token of cookie-borne writes."""
    if "principal" in request.state._state:
        known: Principal | None = request.state.principal
        return known
    header = request.headers.get("authorization", "")
    principal: Principal | None = None
    if header.lower().startswith("bearer "):
        principal = accounts.principal_for_token(database(request), header[7:].strip())
        if principal is None:
            raise HTTPException(401, "the API token is unknown or revoked")
    elif isinstance(name := request.session.get("account"), str):
        principal = accounts.principal_for_name(database(request), name, request.session.get("generation"))
        if principal is None:
            request.session.clear()
        elif request.method not in SAFE_METHODS:
            given = request.headers.get("x-csrf-token")
            form = None
            if given is None and request.headers.get("content-type", "").startswith(
                ("application/x-www-form-urlencoded", "multipart/form-data")
            ):
                form = await request.form()
                given = str(form.get("csrf_token") or "")
            if not csrf_valid(request, given):
                if form is not None:
                    await form.close()  # release an upload's temporary files before refusing
                raise HTTPException(403, "the form is stale or forged (CSRF token missing or wrong): reload the page")
    request.state.principal = principal
    return principal


def need(
    action: Action, kind: str | None = None, *, kind_param: str | None = None
) -> Callable[[Request], Awaitable[Principal]]:
    """A dependency that admits only principals whose role permits ``action`` on the kind."""
    requirement = Need(action, kind, kind_param)

    async def dependency(request: Request) -> Principal:
        principal = await principal_of(request)
        if principal is None:
            raise HTTPException(401, "sign in first (or send an API token)")
        chosen = request.path_params.get(kind_param) if kind_param else kind
        if not permits(principal, action, _kind_name(chosen)):
            raise HTTPException(403, f"the {principal.role} role may not {action} {chosen or 'this'}")
        return principal

    dependency.need = requirement  # type: ignore[attr-defined]
    return dependency


def _kind_name(kind: object) -> str | None:
    """A kind as the permissions name it (CamelCase entity name) from a path's spelling."""
    if kind is None:
        return None
    try:
        return kind_of(str(kind)).__name__
    except Exception:  # an unknown kind is answered 404 by the route itself
        return str(kind)


async def scoped_mission(
    request: Request,
    mission: Annotated[str | None, Query(description="The mission (default: the only one).")] = None,
) -> str | None:
    """The mission a request reads (``services.scope``): a sector account's own sector's
    mission, whatever it names (another mission is answered as one that does not exist)."""
    principal = await principal_of(request)
    if principal is None or not principal.limited:
        return mission
    return await run_in_threadpool(scope.mission_for, database(request), principal, mission)


#: A route's ``mission`` parameter, scoped.
MissionParam = Annotated[str | None, Depends(scoped_mission)]
