"""Incidents: the filtered, paginated list, the review of each (draft -> verified -> rejected,
and back to draft) and the verification of many at once.

The list filters with htmx (the form's changes fetch the page again and swap the results); it
works the same without JavaScript. Filtering, counting and paging happen in the database
(``services.listing``), so a page costs about the same with 300 incidents or a million; the
next and previous pages start from a cursor (the last or first incident shown), not an offset. Each
review carries the version it was based on, so a review of a record someone has just changed is
refused rather than applied blind.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any
from urllib.parse import parse_qsl, urlencode

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from bluehelmet.domain.access import Action, Principal
from bluehelmet.domain.errors import BluehelmetError, NotFound
from bluehelmet.domain.incidents import EventType, IncidentCategory, ReviewStatus, Target
from bluehelmet.domain.records import Record
from bluehelmet.services import intake_review, listing, records, scope, sync_log
from bluehelmet.services import review as reviewing
from bluehelmet.services.access import allowed
from bluehelmet.services.database import Database
from bluehelmet.web.deps import need, write_in_turn
from bluehelmet.web.pages import incident_form
from bluehelmet.web.pages.frame import Period, actor_of, db_of, mission_query, names, render, visible

__all__ = ["PAGE_SIZE", "router"]

router = APIRouter()
PAGE_SIZE = 50
#: A text search counts its matches up to this many; beyond, the page says "1,000+" (counting
#: every one of 60,000 matches of a common word took most of the page's time).
SEARCH_COUNT_UP_TO = 1000


def _query(request: Request, period: Period) -> list[tuple[str, str]]:
    """The list's filters as the query of ``services.listing`` (values it does not know are dropped)."""
    given = request.query_params
    chosen = {
        "review_status": (given.get("status", ""), {s.value for s in ReviewStatus}),
        "event_type": (given.get("event_type", ""), {e.value for e in EventType}),
        "category": (given.get("category", ""), {c.value for c in IncidentCategory}),
        "target": (given.get("target", ""), {t.value for t in Target}),
    }
    picked = [(field, value) for field, (value, known) in chosen.items() if value in known]
    return [*picked, *period.query().items()]


def _place_names(db: Database, principal: Principal, shown: Sequence[Record]) -> dict[int, str]:
    """The names of the locations the shown incidents name (not every place of the mission)."""
    ids = sorted({i for i in (getattr(r, "location_id", None) for r in shown) if i is not None})
    if not ids:
        return {}
    found = listing.list_page(db, principal, "Location", [("id", str(i)) for i in ids], limit=len(ids))
    return {p.id: str(getattr(p, "name", "")) for p in found.records if p.id is not None}


@router.get("/incidents")
def incident_list(
    request: Request, principal: Annotated[Principal, Depends(need(Action.READ, "Incident"))]
) -> Response:
    """One page of the incidents that match, newest first: filtered, counted and paged in the
    database, so only the page is read however many incidents the mission holds."""
    db = db_of(request)
    period = Period.of(request)
    text = request.query_params.get("q", "").strip()
    sector_text = request.query_params.get("sector", "")
    sector = int(sector_text) if sector_text.isdigit() and len(sector_text) < 10 else None
    try:
        page = max(1, min(int(request.query_params.get("page", "1")), 10**7))
    except ValueError:
        page = 1
    given = request.query_params
    cursor = listing.Cursor.parse(given.get("after", "")) or listing.Cursor.parse(
        given.get("before", ""), backwards=True
    )
    found = listing.list_page(
        db, principal, "Incident", [*_query(request, period), *mission_query(request, principal)], limit=PAGE_SIZE,
        offset=0 if cursor else (page - 1) * PAGE_SIZE, newest_first=True, text=text, sector_id=sector, cursor=cursor,
        count_up_to=SEARCH_COUNT_UP_TO if text else None,
    )  # fmt: skip
    with db.transaction(actor_of(principal)) as tx:
        sectors = names(tx, "Sector")
        sector_choices = [(s.id, getattr(s, "name", "")) for s in visible(tx, principal, "Sector")]
        from_nodes = sync_log.made_on_nodes(tx, "Incident", found.records)
    pages = max(1, -(-found.total // PAGE_SIZE))
    if found.more:  # counted up to a cap: at least as many pages as this one's number
        pages = max(pages, page)
    context = {
        "title": "Incidents",
        "incidents": found.records,
        "total": found.total,
        "more": found.more,
        "page": page,
        "pages": pages,
        # The next and previous pages start from this page's last and first incidents (a
        # cursor: no OFFSET walks the incidents before them); a page number alone is a jump.
        "next_cursor": listing.Cursor.of(found.records[-1], "event_date").text() if found.records else "",
        "previous_cursor": listing.Cursor.of(found.records[0], "event_date").text() if found.records else "",
        "period": period,
        "filters": dict(request.query_params),
        "places": _place_names(db, principal, found.records),
        "sectors": sectors,
        "sector_choices": sector_choices,
        "statuses": [s.value for s in ReviewStatus],
        "event_types": [e.value for e in EventType],
        "categories": [c.value for c in IncidentCategory],
        "outcome": {k: request.query_params.get(k) for k in ("verified", "refused")},
        "from_nodes": from_nodes,
    }
    return render(request, "incidents.html", context, principal=principal)


def _row(request: Request, principal: Principal, record_id: int, error: str = "") -> Response:
    db = db_of(request)
    with db.transaction(actor_of(principal)) as tx:
        record = scope.readable(tx, principal, "Incident", record_id)
        sectors = names(tx, "Sector")
        from_nodes = sync_log.made_on_nodes(tx, "Incident", [record])
    context: dict[str, Any] = {"i": record, "places": _place_names(db, principal, [record]), "sectors": sectors,
                               "from_nodes": from_nodes}  # fmt: skip
    return render(request, "_incident_row.html", {**context, "row_error": error}, principal=principal)


def _review(
    principal: Principal, request: Request, record_id: int, status: str, version: int, reason: str = ""
) -> None:
    if status == ReviewStatus.REJECTED.value and reason.strip():  # a reason is kept in the notes
        intake_review.reject(db_of(request), principal, record_id, version, reason)
        return
    with db_of(request).transaction(actor_of(principal)) as tx:
        record = scope.readable(tx, principal, "Incident", record_id)
        if not allowed(tx, principal, Action.REVIEW, record):
            raise BluehelmetError(f"Incident #{record_id} is outside your sector")  # readable, not reviewable
        records.update(tx, "Incident", record_id, {"review_status": status}, version)


@router.post("/incidents/{record_id:int}/review")
async def review(
    request: Request, record_id: int, principal: Annotated[Principal, Depends(need(Action.REVIEW, "Incident"))]
) -> Response:
    """Move one incident to the status asked for; htmx gets the row back, a plain form the record."""
    form = await request.form()
    version = str(form.get("version") or "")
    error = ""
    try:
        status, based_on = str(form.get("status") or ""), int(version) if version.isdigit() else -1
        reason = str(form.get("reason") or "")
        await write_in_turn(request, lambda: _review(principal, request, record_id, status, based_on, reason))
    except NotFound:  # unknown, deleted, or another sector's: the same answer, naming nothing
        raise HTTPException(404, f"no incident #{record_id}") from None
    except BluehelmetError as refused:
        error = str(refused)
    if request.headers.get("hx-request"):
        return _row(request, principal, record_id, error)
    if error:
        return render(request, "refused.html", {"title": "Refused", "error": error}, status=409, principal=principal)
    return RedirectResponse(f"/incidents/{record_id}", status_code=303)


@router.post("/incidents/verify")
async def verify_many(
    request: Request, principal: Annotated[Principal, Depends(need(Action.REVIEW, "Incident"))]
) -> Response:
    """Verify every incident ticked (each ``ID:VERSION``); each is verified or refused on its own."""
    form = await request.form()
    picked = [str(p).partition(":") for p in form.getlist("pick")]
    wanted = [(int(i), int(v)) for i, _, v in picked if i.isdigit() and v.isdigit() and len(i + v) < 20]

    def verify_each() -> int:  # one turn of the writer, one transaction: each kept or refused on its own
        outcomes = reviewing.review_each(db_of(request), principal, wanted, ReviewStatus.VERIFIED)
        return sum(1 for outcome in outcomes if not isinstance(outcome, BluehelmetError))

    verified = await write_in_turn(request, verify_each)
    refused = len(picked) - verified
    back = str(form.get("back") or "")
    query = {k: v for k, v in parse_qsl(back) if k not in ("verified", "refused")}
    query.update({"verified": str(verified), "refused": str(refused)})
    return RedirectResponse(f"/incidents?{urlencode(query)}", status_code=303)


router.include_router(incident_form.router)
