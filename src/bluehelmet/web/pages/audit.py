"""Audit: the recent changes a principal may see, newest first, filtered by kind of record,
person, dates and sector, in words (the record's kind and name, each field's label, its value
before and after); account changes for those who administer. With a kind and an id: that one
record's whole history."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from bluehelmet.domain.access import Action, Principal, permits
from bluehelmet.domain.catalogue import ENTITIES
from bluehelmet.domain.errors import BluehelmetError
from bluehelmet.services import audit_log
from bluehelmet.web.deps import need
from bluehelmet.web.i18n import KIND_LABELS, Words
from bluehelmet.web.pages.frame import Period, actor_of, db_of, names, render, visible
from bluehelmet.web.pages.incident_form import FIELDS

__all__ = ["field_label", "router"]

router = APIRouter()

#: Labels of fields that the incident form does not name (the rest read their name aloud).
_LABELS = {**FIELDS, "name": "Name", "password": "Password", "role": "Role", "active": "Active",
           "token_issued": "API token issued", "tokens_revoked": "API tokens revoked", "label": "Label",
           "review_status": "Review status", "deleted_at": "Deleted", "deleted_by": "Deleted by"}  # fmt: skip


def field_label(w: Words, name: str) -> str:
    """A field as a person names it: its label, else its name read aloud (``unit_id`` -> "Unit")."""
    if name in _LABELS:
        return w.gettext(_LABELS[name])
    if name.endswith("_fr"):
        return w.gettext("{label} (French)", label=field_label(w, name.removesuffix("_fr")))
    spoken = name.removesuffix("_ids").removesuffix("_id").replace("_", " ")
    return w.gettext(spoken[:1].upper() + spoken[1:])


def _int(text: str | None) -> int | None:
    try:
        return int(text) if text else None
    except ValueError:
        return None


@router.get("/audit")
def audit(request: Request, principal: Annotated[Principal, Depends(need(Action.READ))]) -> Response:
    given = request.query_params
    kinds = [cls.__name__ for cls in ENTITIES] + ([audit_log.ACCOUNT] if permits(principal, Action.ADMINISTER) else [])
    kind = given.get("kind", "") if given.get("kind", "") in kinds else ""
    db = db_of(request)
    with db.transaction(actor_of(principal)) as tx:
        sectors = sorted((s.id, str(s.name)) for s in visible(tx, principal, "Sector") if s.id is not None)  # type: ignore[attr-defined]
        sector_names = names(tx, "Sector")
    context: dict[str, Any] = {"title": "Audit", "kinds": kinds, "kind": kind, "given": given.get("id", ""),
                               "sectors": sectors, "kind_labels": KIND_LABELS, "field_label": field_label,
                               "error": "", "label": "", "changes": [], "older": None,
                               "period": Period(None, None), "person": "", "sector": None}  # fmt: skip
    record_id = _int(given.get("id"))
    if kind and given.get("id"):  # one record's whole history
        try:
            if record_id is None:
                raise BluehelmetError(f"'{given.get('id')}' is not a record id")
            context["label"], changes = audit_log.record_history(db, principal, kind, record_id)
            context["changes"] = list(reversed(changes))
        except BluehelmetError as refused:
            context["error"] = str(refused)
        return render(request, "audit.html", context, status=404 if context["error"] else 200, principal=principal)
    period = Period.of(request)
    sector_id = _int(given.get("sector"))
    if principal.scoped:
        sector_id = sector_id if sector_id in principal.sectors else None
    flt = audit_log.AuditFilter(kind or None, given.get("person", "").strip() or None, period.date_from,
                                period.date_to, sector_id if sector_id in sector_names else None,
                                _int(given.get("before")))  # fmt: skip
    found = audit_log.recent_changes(db, principal, flt)
    context.update(
        changes=found.changes, older=found.older, period=period, person=flt.actor or "", sector=flt.sector_id
    )
    return render(request, "audit.html", context, principal=principal)
