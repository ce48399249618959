"""What a route needs, declared once per route: ``Depends(need(Action.WRITE, "Incident"))``.

A request speaks for a principal through an API token (``Authorization: Bearer bh_...``) or a
signed session cookie set at sign-in. Anonymous requests get 401, requests the role does not
allow get 403; a state-changing request made with the session cookie must carry the session's
CSRF token. Each dependency made by ``need`` carries its ``Need``, so tests can list what every
route declares.

A route that writes also declares ``OneWriter``, after its ``need``: on a database that takes
one writer at a time (SQLite), the writes of this process then wait their turn in the event
loop, in arrival order, once admitted, instead of colliding on the database's lock and sleeping
on its busy timeout while it sits idle.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, HTTPException, Request

from bluehelmet.domain.access import Action, Principal, permits
from bluehelmet.services import accounts
from bluehelmet.services.database import Database
from bluehelmet.services.records import kind_of
from bluehelmet.web.security import csrf_valid

__all__ = ["SAFE_METHODS", "Need", "OneWriter", "WriterTurns", "database", "need", "one_writer", "principal_of",
           "writer_turns"]  # fmt: skip

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True)
class Need:
    """An action, on a kind named here or by a path parameter (None: not about one kind)."""

    action: Action
    kind: str | None = None
    kind_param: str | None = None


@dataclass
class WriterTurns:
    """Turns to write, one writer at a time when ``serial`` (a lock for each event loop: a
    lock belongs to the loop it first waited in, and tests run an application in several)."""

    serial: bool
    _locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = field(
        default_factory=weakref.WeakKeyDictionary, repr=False
    )

    @classmethod
    def for_database(cls, db: Database) -> WriterTurns:
        return cls(serial=db.engine.dialect.name == "sqlite")

    @asynccontextmanager
    async def turn(self) -> AsyncIterator[None]:
        """Waits for this process's turn to write, in arrival order, and holds it inside."""
        if not self.serial:
            yield
            return
        loop = asyncio.get_running_loop()
        lock = self._locks.get(loop)
        if lock is None:
            lock = self._locks[loop] = asyncio.Lock()
        async with lock:
            yield


async def one_writer(request: Request) -> AsyncIterator[None]:
    """Holds this process's turn to write while the route runs (declare it after the route's ``need``)."""
    async with writer_turns(request).turn():
        yield


def writer_turns(request: Request) -> WriterTurns:
    turns: WriterTurns = request.app.state.writers
    return turns


#: A write route's turn, released as soon as the route's function returns (before its answer is sent).
OneWriter = Annotated[None, Depends(one_writer, scope="function")]


def database(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


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
        principal = accounts.principal_for_name(database(request), name)
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
