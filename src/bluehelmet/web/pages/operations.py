"""Operations: every operation the principal may see, with its phases, sectors, places and
units, on a timeline of the period."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from bluehelmet.domain.access import Action, Principal
from bluehelmet.domain.operations import Operation, OperationPhase
from bluehelmet.web.deps import need
from bluehelmet.web.pages.as_of import data_end
from bluehelmet.web.pages.frame import Period, actor_of, db_of, names, render, visible
from bluehelmet.web.pages.timeline import Timeline

__all__ = ["router"]

router = APIRouter()


@router.get("/operations")
def operation_list(
    request: Request, principal: Annotated[Principal, Depends(need(Action.READ, "Operation"))]
) -> Response:
    with db_of(request).transaction(actor_of(principal)) as tx:
        found = [o for o in visible(tx, principal, "Operation") if isinstance(o, Operation)]
        phases = [p for p in visible(tx, principal, "OperationPhase") if isinstance(p, OperationPhase)]
        places, sectors, units = names(tx, "Location"), names(tx, "Sector"), names(tx, "Unit")
        activities = len(visible(tx, principal, "Activity"))
    found.sort(key=lambda o: (o.start_on, o.name))
    # The default period covers the data: every operation, and an operation still under way (or a
    # phase) up to the last day with incidents in the reader's reach, not only to its start.
    last = data_end(request, principal)
    starts = [o.start_on for o in found]
    ends = [d for o in found for d in (o.start_on, o.end_on) if d] + [p.end_on for p in phases if p.end_on]
    ends += [last] if last and found else []
    today = datetime.now(UTC).date()
    period = Period.of(request, (min(starts, default=today), max(ends, default=today) + timedelta(days=1)))
    shown = [o for o in found if period.contains(o.start_on) or period.contains(o.end_on) or _spans(o, period)]
    timeline = Timeline(period.date_from or today, period.date_to or today)
    by_operation: dict[int | None, list[OperationPhase]] = {}
    for phase in sorted(phases, key=lambda p: p.number):
        by_operation.setdefault(phase.operation_id, []).append(phase)
    context: dict[str, Any] = {
        "title": "Operations",
        "operations": shown,
        "phases": by_operation,
        "period": period,
        "timeline": timeline,
        "places": places,
        "sectors": sectors,
        "units": units,
        "activities": activities,
    }
    return render(request, "operations.html", context, principal=principal)


def _spans(operation: Operation, period: Period) -> bool:
    start, end = operation.start_on, operation.end_on or date.max
    return (period.date_from is None or end >= period.date_from) and (period.date_to is None or start <= period.date_to)
