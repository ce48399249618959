"""The server's warm-up: what the first requests after a start would otherwise pay, done in a
thread of its own as soon as the server is built (``serve`` and every worker), without holding
the server back.

A first request after a start paid for what later ones find ready: the page's template compiled
(Jinja2), the language's dates and numbers loaded (Babel), the database's statements compiled
and its pages read, and the answers kept per state of the data (``services.answer_cache``)
computed: the Situation's figures, the period the pages measure against, the Watch page's
forecast. The warm-up does all of it once for every active account's reach (role, missions,
sectors), for the mission each account's pages open on, in the data's state at the start. A
request that comes while it runs is answered as before (it computes what it needs itself); a
write made meanwhile makes the answers of the old state useless, not wrong (they are kept per
state). The warm-up changes nothing in the database.

Last, it makes Python's garbage collector's first full pass itself. The start leaves some
500,000 objects (the modules, the routes, the templates, the answers kept); the first request
to make enough objects of its own (Operations, Forces, an incident opened: some 3,000 records
read) set off a full pass over all of them, 320-410 ms at 200,000 incidents, and paid it in its
answer. The warm-up makes that pass, then sets what survives it aside (``gc.freeze``): later
full passes walk only what the server made since, and none walks the start's objects again.
What is set aside stays as long as it is referred to; an object of the start that later falls
into a cycle of garbage is not reclaimed (at most the answers kept at the start: a bounded,
one-off amount). ``stop_warm_up`` hands them back to the collector.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import threading
import time
from datetime import date

from fastapi import FastAPI

from bluehelmet.domain.errors import BluehelmetError
from bluehelmet.domain.incidents import ReviewStatus
from bluehelmet.services import accounts, quality, scope, stats
from bluehelmet.services.database import Database
from bluehelmet.services.forecast import forecast_report
from bluehelmet.web.i18n import LANGUAGES, words
from bluehelmet.web.pages import frame, situation

__all__ = ["ACTOR", "set_aside", "stop_warm_up", "warm_up"]

ACTOR = "bluehelmet warm-up"
_LOG = logging.getLogger("bluehelmet.warm_up")


def warm_up(app: FastAPI) -> threading.Thread:
    """Start the warm-up of ``app`` in a thread of its own (a daemon) and return the thread
    (``app.state.warm_up`` too); ``stop_warm_up`` ends it early."""
    stop = threading.Event()
    thread = threading.Thread(target=_warm, args=(app.state.db, stop), daemon=True, name="warm-up")
    app.state.warm_up, app.state.warm_up_stop = thread, stop
    thread.start()
    return thread


def stop_warm_up(app: FastAPI) -> None:
    """When the server stops: the warm-up stops after the step it is in, before the database
    is closed under it."""
    thread: threading.Thread | None = getattr(app.state, "warm_up", None)
    if thread is not None:
        app.state.warm_up_stop.set()
        thread.join()
        gc.unfreeze()


def _warm(db: Database, stop: threading.Event) -> None:
    start = time.perf_counter()
    try:
        frame.compile_templates()
        for language in LANGUAGES:
            w = words(language)
            w.day(date.today()), w.number(1234.5, 1), w.share(0.5), w.gettext("Situation")
        reaches = _warm_answers(db, stop)
    except Exception:  # the server serves either way: what is not warm is computed when asked
        _LOG.warning("warm-up: stopped early", exc_info=True)
        return
    if stop.is_set():  # the server is stopping: nothing to set aside for
        return
    kept = set_aside()
    _LOG.info(
        "warm-up: %d reach(es) ready, %d objects set aside, in %.1f s", reaches, kept, time.perf_counter() - start
    )


def set_aside() -> int:
    """The garbage collector's full pass, made now rather than in the middle of a request,
    then every object that survives it set aside from later passes (``gc.freeze``); how many
    objects are set aside."""
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()


def _warm_answers(db: Database, stop: threading.Event) -> int:
    """The answers kept per state that the pages open on, for each active account's reach."""
    seen: set[object] = set()
    for account in accounts.list_accounts(db, ACTOR):
        if stop.is_set():
            break
        if not account.active:
            continue
        principal = account.principal  # as a session of the account reads it
        reach = (str(principal.role), principal.missions, principal.sectors)
        if reach in seen:
            continue
        seen.add(reach)
        try:
            with db.transaction(ACTOR) as tx:
                here = scope.scope_of(tx, principal, None, first=True)
        except BluehelmetError:  # an account with no mission yet: nothing to show it
            continue
        where = situation.where_of(here.sector)
        period = situation.default_period(db, principal, here.mission, where)
        verified = frozenset({ReviewStatus.VERIFIED})  # what the Situation counts unless asked
        flt = stats.IncidentFilter(period[0], period[1], where or None, verified)
        situation.kept_figures(db, principal, here.mission, flt)
        with contextlib.suppress(BluehelmetError):  # as the Watch page: no forecast to show
            forecast_report(db, principal.name, principal, mission=here.mission)
        if len(seen) == 1:  # Data quality keeps no answer: its statements and paths, once
            quality.quality_report(db, principal, mission=here.mission, actor=ACTOR)
    return len(seen)
