"""Audit: the history of any record the principal may read — who changed what, when, with
each change's fields before and after."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from bluehelmet.domain.access import Action, Principal
from bluehelmet.domain.catalogue import ENTITIES
from bluehelmet.domain.errors import BluehelmetError
from bluehelmet.services import records
from bluehelmet.services.access import allowed
from bluehelmet.web.deps import need
from bluehelmet.web.pages.frame import actor_of, db_of, render

__all__ = ["router"]

router = APIRouter()


def _changes(before: dict[str, Any] | None, after: dict[str, Any] | None) -> list[tuple[str, Any, Any]]:
    """The fields whose value differs, with the value before and after."""
    old, new = before or {}, after or {}
    skip = {"version", "updated_at", "updated_by", "created_at", "created_by"}
    return [
        (k, old.get(k), new.get(k)) for k in sorted(set(old) | set(new)) if k not in skip and old.get(k) != new.get(k)
    ]


@router.get("/audit")
def audit(request: Request, principal: Annotated[Principal, Depends(need(Action.READ))]) -> Response:
    kind = request.query_params.get("kind", "")
    given = request.query_params.get("id", "")
    entries: list[Any] = []
    error, label = "", ""
    if kind and given:
        try:
            with db_of(request).transaction(actor_of(principal)) as tx:
                record = records.get(tx, kind, int(given), include_deleted=True)
                if not allowed(tx, principal, Action.READ, record):
                    raise BluehelmetError(f"{kind} #{given} does not exist")  # not there for this principal
                label = record.label()
                entries = [(e, _changes(e.before, e.after)) for e in records.history(tx, kind, int(given))]
        except (BluehelmetError, ValueError) as refused:
            error = str(refused)
    context = {
        "title": "Audit",
        "kinds": [cls.__name__ for cls in ENTITIES],
        "kind": kind,
        "given": given,
        "label": label,
        "entries": list(reversed(entries)),
        "error": error,
    }
    return render(request, "audit.html", context, status=404 if error else 200, principal=principal)
