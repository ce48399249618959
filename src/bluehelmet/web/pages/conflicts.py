"""Sync and conflicts (admins only): this database's node status with a "Sync now" button, and
every record in conflict shown side by side, field by field (mine, theirs), for a person to keep
one side or merge field by field (``services.sync_conflicts``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from bluehelmet.domain.access import Action, Principal
from bluehelmet.domain.errors import BluehelmetError
from bluehelmet.domain.sync import Keep
from bluehelmet.services import sync_client, sync_conflicts
from bluehelmet.web.deps import need, write_in_turn
from bluehelmet.web.i18n import N_
from bluehelmet.web.pages.frame import actor_of, db_of, render

__all__ = ["router"]

router = APIRouter()
Admin = Annotated[Principal, Depends(need(Action.ADMINISTER))]
_SETTLED = N_("The conflict is resolved; the record as you chose it syncs like any change.")
_SYNCED = N_("Synced: {pushed} pushed, {pulled} pulled, {conflicts} record(s) in conflict.")


def _page(
    request: Request, principal: Principal, message: str = "", error: str = "", status: int = 200,
    counts: dict[str, int] | None = None,
) -> Response:  # fmt: skip
    db, actor = db_of(request), actor_of(principal)
    context = {
        "title": "Conflicts",
        "node": sync_client.status(db, actor),
        "conflicts": sync_conflicts.list_conflicts(db, actor, principal),
        "message": message,
        "counts": counts or {},
        "error": error,
    }
    return render(request, "conflicts.html", context, status=status, principal=principal)


@router.get("/conflicts")
def conflict_list(request: Request, principal: Admin) -> Response:
    return _page(request, principal)


@router.post("/conflicts/sync")
async def sync_now(request: Request, principal: Admin) -> Response:
    """Sync this node with its server now."""
    db, actor = db_of(request), actor_of(principal)
    try:
        result = await write_in_turn(request, lambda: sync_client.sync(db, actor))
    except BluehelmetError as error:
        return _page(request, principal, error=str(error), status=422)
    return _page(request, principal, message=_SYNCED, counts=result.as_json())


@router.post("/conflicts/{record_uid}")
async def resolve(request: Request, record_uid: str, principal: Admin) -> Response:
    """Keep mine, keep theirs, or merge as chosen field by field (``field.NAME`` = mine|theirs)."""
    form = await request.form()
    how = str(form.get("keep") or "")
    if how not in ("mine", "theirs", "merge"):
        return _page(request, principal, error="choose mine, theirs or merge", status=422)
    picks = {}
    if how == "merge":
        for key, value in form.multi_items():
            if key.startswith("field.") and value in ("mine", "theirs"):
                picks[key.removeprefix("field.")] = Keep(str(value))
    keep = Keep.MINE if how == "merge" else Keep(how)
    db, actor = db_of(request), actor_of(principal)
    try:
        await write_in_turn(request, lambda: sync_conflicts.resolve(db, actor, record_uid, keep, picks, principal))
    except BluehelmetError as error:
        return _page(request, principal, error=str(error), status=422)
    return _page(request, principal, message=_SETTLED)
