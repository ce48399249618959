"""Incidents: the form to log one and to change it (with the version it was based on).

A change based on an older version is refused: the page says so, shows what differs between
the change and the record as it now is, and offers the form again on the current version.
"""

from __future__ import annotations

import typing
from datetime import date
from enum import StrEnum
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from bluehelmet.domain.access import Action, Principal, permits
from bluehelmet.domain.errors import BluehelmetError, InvalidRecord, NotFound, Problem, StaleVersion
from bluehelmet.domain.incidents import (
    TOLL_FIELDS,
    EventType,
    GeoPrecision,
    Incident,
    IncidentCategory,
    InformationCredibility,
    SourceReliability,
    SubEventType,
    Target,
)
from bluehelmet.domain.places import Mission
from bluehelmet.domain.records import snapshot
from bluehelmet.services import attachments, records, scope, watch
from bluehelmet.services.access import allowed
from bluehelmet.services.database import Transaction
from bluehelmet.services.parsing import editable_values
from bluehelmet.web.deps import need, write_in_turn
from bluehelmet.web.i18n import N_
from bluehelmet.web.pages.frame import actor_of, chosen_mission, db_of, page_scope, render, visible

__all__ = ["FIELDS", "form_values", "router"]

router = APIRouter()

#: The fields the form shows, in order, with their labels (the rest keep their values).
FIELDS: dict[str, str] = {
    "external_id": N_("Reference"),
    "event_date": N_("Date"),
    "event_type": N_("Event type"),
    "sub_event_type": N_("Sub-event type"),
    "category": N_("Mission category"),
    "location_id": N_("Location"),
    "sector_id": N_("Sector"),
    "location_name": N_("Place as reported"),
    "latitude": N_("Latitude"),
    "longitude": N_("Longitude"),
    "geo_precision": N_("Geographic precision"),
    "target": N_("Target"),
    "perpetrator": N_("Perpetrator"),
    "explosives_used": N_("Explosives used"),
    "attackers_estimated": N_("Attackers (estimate)"),
    "fatalities": N_("Fatalities (total)"),
    "killed_peacekeepers": N_("Peacekeepers killed"),
    "injured_peacekeepers": N_("Peacekeepers injured"),
    "killed_national_forces": N_("National forces killed"),
    "injured_national_forces": N_("National forces injured"),
    "killed_civilians": N_("Civilians killed"),
    "injured_civilians": N_("Civilians injured"),
    "source": N_("Source"),
    "source_reliability": N_("Source reliability"),
    "information_credibility": N_("Information credibility"),
    "notes": N_("Notes"),
}
_CHOICES: dict[str, type[StrEnum]] = {
    "event_type": EventType,
    "sub_event_type": SubEventType,
    "category": IncidentCategory,
    "geo_precision": GeoPrecision,
    "target": Target,
    "source_reliability": SourceReliability,
    "information_credibility": InformationCredibility,
}
_HINTS = typing.get_type_hints(Incident)


def _optional(name: str) -> bool:
    return type(None) in typing.get_args(_HINTS[name])


def _base(name: str) -> Any:
    args = [a for a in typing.get_args(_HINTS[name]) if a is not type(None)]
    return args[0] if args else _HINTS[name]


def form_values(form: typing.Mapping[str, Any], *, creating: bool) -> dict[str, Any]:
    """The form's fields as the strict parser takes them: numbers as numbers where they are
    numbers (anything else is passed on, for the parser to name the field), empty as the
    field's empty value (omitted when creating, so the record's default applies)."""
    blank = Incident(
        mission_id=0, event_date=date.min, event_type=EventType.BATTLES, sub_event_type=SubEventType.ARMED_CLASH
    )
    defaults = editable_values(blank)
    values: dict[str, Any] = {}
    for name in FIELDS:
        base = _base(name)
        if base is bool:
            values[name] = name in form
            continue
        raw = str(form.get(name) or "").strip()
        if raw == "":
            if creating:
                continue
            values[name] = None if _optional(name) else defaults[name]
            if name == "event_date":
                values.pop(name)
            continue
        if base is int:
            values[name] = int(raw) if raw.lstrip("-").isdigit() else raw
        elif base is float:
            try:
                values[name] = float(raw.replace(",", "."))
            except ValueError:
                values[name] = raw
        else:
            values[name] = raw
    return values


def _options(tx: Transaction, principal: Principal, here: scope.Scope) -> dict[str, Any]:
    """The choices of the form, within the mission the page reads (and a sector account's sector there)."""
    own = {"mission_id": here.mission_id}
    sectors = visible(tx, principal, "Sector", own)
    if principal.scoped:
        sectors = [s for s in sectors if s.id == here.sector_id]
    places = sorted(visible(tx, principal, "Location", own), key=lambda p: str(getattr(p, "name", "")))
    return {
        "choices": {k: [m.value for m in e] for k, e in _CHOICES.items()},
        "unknowable": TOLL_FIELDS,  # counts a report may not give: empty is "not recorded", not 0
        "sectors": [(s.id, getattr(s, "name", "")) for s in sectors],
        "places": [(p.id, getattr(p, "name", "")) for p in places],
    }


def _here(tx: Transaction, request: Request, principal: Principal, record: Incident | None) -> scope.Scope:
    """The mission the form is in: the incident's own, else the one the pages read."""
    if record is not None:
        mission = records.get(tx, Mission, record.mission_id, include_deleted=True)
        return scope.scope_of(tx, principal, str(getattr(mission, "name", "")))
    try:
        return scope.scope_of(tx, principal, chosen_mission(request), first=True)
    except BluehelmetError:  # a mission kept in the session that is no longer reached
        return scope.scope_of(tx, principal, None, first=True)


def _page(
    request: Request,
    principal: Principal,
    values: dict[str, Any],
    *,
    record: Incident | None = None,
    problems: list[Problem] | None = None,
    stale: dict[str, Any] | None = None,
    message: str = "",
    status: int = 200,
) -> Response:
    with db_of(request).transaction(actor_of(principal)) as tx:
        options = _options(tx, principal, _here(tx, request, principal, record))
        history = records.history(tx, "Incident", record.id) if record and record.id else []
        files = attachments.attachments_of(tx, "Incident", record.id) if record and record.id else []
    context = {
        "title": "Incident",
        "record": record,
        "values": values,
        "fields": FIELDS,
        "problems": problems or [],
        "bad_fields": {p.field for p in problems or []},
        "stale": stale,
        "message": message,
        "status": status,
        "history": history,
        "attachments": files,
        "may_write": permits(principal, Action.WRITE, "Incident"),
        "may_review": permits(principal, Action.REVIEW, "Incident"),
        **options,
    }
    return render(request, "incident_form.html", context, status=status, principal=principal)


class _OutsideSector(BluehelmetError):
    """A sector user's change would put the incident outside their sector."""


@router.get("/incidents/new")
def new_incident(
    request: Request, principal: Annotated[Principal, Depends(need(Action.WRITE, "Incident"))]
) -> Response:
    here = page_scope(request, principal)
    values: dict[str, Any] = {"event_date": date.today().isoformat(), "sector_id": here.sector_id}
    return _page(request, principal, values)


@router.post("/incidents/new")
async def create_incident(
    request: Request, principal: Annotated[Principal, Depends(need(Action.WRITE, "Incident"))]
) -> Response:
    form = await request.form()
    values = form_values(form, creating=True)

    def create() -> int | None:
        with db_of(request).transaction(actor_of(principal)) as tx:
            here = scope.scope_of(tx, principal, chosen_mission(request), first=True)
            if principal.scoped:
                values.setdefault("sector_id", here.sector_id)
            mission_id = here.mission_id
            with scope.references_first(tx, principal, (Incident, values)):  # the rules name what they compare
                created = records.create(tx, "Incident", {"mission_id": mission_id, **values})
            if not allowed(tx, principal, Action.WRITE, created):
                raise _OutsideSector(N_("A sector account records incidents of its own sector only."))
            scope.check_references(tx, principal, created)
        watch.after_incident(db_of(request), actor_of(principal), created.id or 0)  # the rules it can fire, now
        return created.id

    try:
        new_id = await write_in_turn(request, create)  # in its turn, off the event loop (web.deps.write_in_turn)
    except InvalidRecord as error:
        return _page(request, principal, _shown(form), problems=error.problems, status=422)
    except _OutsideSector as error:
        return _page(request, principal, _shown(form), message=str(error), status=403)
    return RedirectResponse(f"/incidents/{new_id}?saved=1", status_code=303)


def _shown(form: typing.Mapping[str, Any]) -> dict[str, Any]:
    """What the user typed, to show the form again as it was."""
    return {name: (name in form) if _base(name) is bool else str(form.get(name) or "") for name in FIELDS}


def _readable(tx: Transaction, principal: Principal, record_id: int) -> Incident:
    try:
        record = records.get(tx, "Incident", record_id)
    except NotFound:
        raise HTTPException(404, f"no incident #{record_id}") from None
    if not allowed(tx, principal, Action.READ, record) or not isinstance(record, Incident):
        raise HTTPException(404, f"no incident #{record_id}")  # another sector's record is not there for them
    return record


@router.get("/incidents/{record_id:int}")
def show_incident(
    request: Request, record_id: int, principal: Annotated[Principal, Depends(need(Action.READ, "Incident"))]
) -> Response:
    with db_of(request).transaction(actor_of(principal)) as tx:
        record = _readable(tx, principal, record_id)
    message = N_("The incident is saved.") if request.query_params.get("saved") else ""
    return _page(request, principal, snapshot(record), record=record, message=message)


@router.post("/incidents/{record_id:int}")
async def change_incident(
    request: Request, record_id: int, principal: Annotated[Principal, Depends(need(Action.WRITE, "Incident"))]
) -> Response:
    form = await request.form()
    version = str(form.get("version") or "")
    changes = form_values(form, creating=False)
    db = db_of(request)

    def change() -> None:
        with db.transaction(actor_of(principal)) as tx:
            record = _readable(tx, principal, record_id)
            if not allowed(tx, principal, Action.WRITE, record):
                raise _OutsideSector(N_("A sector account records incidents of its own sector only."))
            kept = scope.references_of(record)
            with scope.references_first(tx, principal, (Incident, changes), kept):
                updated = records.update(tx, "Incident", record_id, changes, int(version) if version.isdigit() else -1)
            if not allowed(tx, principal, Action.WRITE, updated):
                raise _OutsideSector(N_("A sector account records incidents of its own sector only."))
            scope.check_references(tx, principal, updated, kept)
        watch.after_incident(db, actor_of(principal), record_id)  # the rules it can fire, now

    try:
        await write_in_turn(request, change)  # in its turn, off the event loop (web.deps.write_in_turn)
    except StaleVersion as error:
        with db.transaction(actor_of(principal)) as tx:
            current = _readable(tx, principal, record_id)
        theirs = _shown(form)
        differ = {
            name: (theirs.get(name), error.current.get(name))
            for name in FIELDS
            if str(theirs.get(name) if theirs.get(name) is not None else "")
            != str(error.current.get(name) if error.current.get(name) is not None else "")
        }
        stale = {"message": str(error), "differ": differ, "version": error.current.get("version")}
        return _page(request, principal, snapshot(current), record=current, stale=stale, status=409)
    except InvalidRecord as error:
        with db.transaction(actor_of(principal)) as tx:
            current = _readable(tx, principal, record_id)
        shown = {**_shown(form), "version": version}
        return _page(request, principal, shown, record=current, problems=error.problems, status=422)
    except _OutsideSector as error:
        with db.transaction(actor_of(principal)) as tx:
            current = _readable(tx, principal, record_id)
        return _page(request, principal, snapshot(current), record=current, message=str(error), status=403)
    return RedirectResponse(f"/incidents/{record_id}?saved=1", status_code=303)
