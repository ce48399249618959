"""The Alerts page (the alerts an account may read, their deliveries, acknowledging), the count
in the page header, and the Watch page (active alerts on the map, the forecast by area where
it has skill, the rules the account receives). Scoped like the records: a sector account sees
its sector's alerts and rules only (``services.watch``)."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from bluehelmet.domain.access import Action, Principal, Role
from bluehelmet.domain.errors import BluehelmetError, NotFound
from bluehelmet.services import alert_outbox, watch
from bluehelmet.services.database import Database
from bluehelmet.services.forecast import forecast_report
from bluehelmet.web.deps import need, write_in_turn
from bluehelmet.web.i18n import N_, choose_language, words
from bluehelmet.web.pages.frame import actor_of, db_of, page_scope, render

__all__ = ["done_message", "router"]

_LOG = logging.getLogger("bluehelmet.watch")


def _every(db: Database, minutes: int, stop: threading.Event) -> None:
    """Evaluate the rules and send the outbox every ``minutes`` until ``stop`` is set."""
    while not stop.wait(minutes * 60):
        try:
            raised = watch.run(db, "bluehelmet watch")
            sent = alert_outbox.deliver(db, "bluehelmet watch")
            _LOG.info("watch: %d alert(s) raised, %d delivery(ies) sent", len(raised), sent.delivered)
        except BluehelmetError as error:  # a refusal (a conflict with another writer): try next time
            _LOG.warning("watch: %s", error)


@asynccontextmanager
async def _scheduled(app: FastAPI) -> AsyncIterator[None]:
    """With ``watch_minutes`` set, a thread of the server evaluates the rules on a schedule."""
    minutes = app.state.settings.watch_minutes
    stop = threading.Event()
    if minutes:
        threading.Thread(target=_every, args=(app.state.db, minutes, stop), daemon=True, name="watch").start()
    yield
    stop.set()


router = APIRouter(lifespan=_scheduled)
_READ = need(Action.READ)


def done_message() -> str:
    return N_("The alert is acknowledged.")


@router.get("/alerts")
def alerts_page(request: Request, principal: Annotated[Principal, Depends(_READ)]) -> Response:
    done = done_message() if request.query_params.get("acknowledged") else ""
    return _alerts(request, principal, done)


def _alerts(request: Request, principal: Principal, message: str, status: int = 200) -> Response:
    scope = page_scope(request, principal)
    everything = request.query_params.get("all") == "1"
    with db_of(request).transaction(actor_of(principal)) as tx:
        pairs = watch.alerts_for(tx, principal, scope.mission_id, received_only=not everything)
        deliveries = alert_outbox.deliveries_of(tx, [a.id for a, _ in pairs if a.id is not None])
    failing = sum(1 for found in deliveries.values() for d in found if d.failing)
    context: dict[str, Any] = {
        "title": "Alerts",
        "rows": pairs,
        "deliveries": deliveries,
        "failing": failing,
        "everything": everything,
        "may_acknowledge": principal.role != Role.VIEWER,
        "message": message,
        "message_ok": message == done_message(),
        "waiting": sum(1 for a, _ in pairs if not a.acknowledged),
    }
    return render(request, "alerts.html", context, principal=principal, status=status)


@router.get("/alerts/count")
def alerts_count(request: Request, principal: Annotated[Principal, Depends(_READ)]) -> Response:
    """The header's count: alerts of the rules the account receives still to acknowledge."""
    scope = page_scope(request, principal)
    with db_of(request).transaction(actor_of(principal)) as tx:
        n = watch.unacknowledged_count(tx, principal, scope.mission_id)
    w = words(choose_language(request))
    text = w.ngettext("{n} alert", "{n} alerts", n) if n else w.gettext("Alerts")
    return HTMLResponse(f'<span class="{"alerts-waiting" if n else "alerts-none"}" data-count="{n}">{text}</span>')


@router.post("/alerts/{record_id}/acknowledge")
async def acknowledge(request: Request, record_id: int, principal: Annotated[Principal, Depends(_READ)]) -> Response:
    if principal.role == Role.VIEWER:
        raise HTTPException(403, "the viewer role may not acknowledge alerts")
    form = await request.form()
    version = str(form.get("version") or "")

    def work() -> None:
        with db_of(request).transaction(actor_of(principal)) as tx:
            watch.acknowledge(tx, principal, record_id, int(version) if version.isdigit() else None)

    try:
        await write_in_turn(request, work)
    except NotFound:
        raise HTTPException(404, f"no alert #{record_id}") from None
    except BluehelmetError as error:
        return _alerts(request, principal, str(error), status=409)
    return RedirectResponse("/alerts?acknowledged=1", status_code=303)


_NO_SKILL = N_(
    "The forecast has no skill here: it does not beat the naive baselines in the backtest, so none is shown."
)


@router.get("/watch")
def watch_page(request: Request, principal: Annotated[Principal, Depends(_READ)]) -> Response:
    scope = page_scope(request, principal)
    with db_of(request).transaction(actor_of(principal)) as tx:
        pairs = watch.alerts_for(tx, principal, scope.mission_id)
        rules = [r for r in watch.rules_for(tx, principal, scope.mission_id) if watch.receives(principal, r)]
    active = [(a, r) for a, r in pairs if not a.acknowledged]
    points = [
        {"lat": a.latitude, "lon": a.longitude, "rule": r.name, "severity": str(a.severity), "message": a.message}
        for a, r in active
        if a.latitude is not None and a.longitude is not None
    ]
    try:
        report = forecast_report(db_of(request), actor_of(principal), principal, mission=scope.mission)
    except BluehelmetError:
        report = None
    context: dict[str, Any] = {
        "title": "Watch",
        "active": active,
        "unmapped": len(active) - len(points),
        "points": json.dumps(points, ensure_ascii=False).replace("</", "<\\/"),
        "rules": rules,
        "report": report,
        "no_skill": _NO_SKILL,
        "mission": scope.mission,
    }
    return render(request, "watch.html", context, principal=principal)
