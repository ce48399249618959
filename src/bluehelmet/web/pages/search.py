"""Search: the records whose text holds the words asked, grouped by kind, each with an excerpt
that marks the words and a link to the page that shows it (``services.search``, scoped as every
page: a sector account finds nothing outside its sector)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from bluehelmet.domain.access import Action, Principal
from bluehelmet.domain.catalogue import entity_name
from bluehelmet.domain.errors import BluehelmetError
from bluehelmet.domain.records import Record
from bluehelmet.services import search as searching
from bluehelmet.web.deps import need
from bluehelmet.web.i18n import KIND_LABELS, N_
from bluehelmet.web.pages.frame import db_of, page_scope, render

__all__ = ["LABELS", "router"]

router = APIRouter()

#: Each kind searched as a person names it (the kinds outside the records' catalogue added).
LABELS = {
    **KIND_LABELS,
    "IntakeMessage": N_("Intake message"),
    "Alert": N_("Alert"),
    "AlertRule": N_("Alert rule"),
    "Draft": N_("Draft of the letter"),
}
#: Records shown of each kind: a few of every kind, more of the one kind asked for.
_EACH, _ONE_KIND = 10, 50


def _kind(name: str) -> type[Record] | None:
    try:
        return searching.kind_named(name)
    except BluehelmetError:  # an unknown kind is said on the page
        return None


@router.get("/search")
def search_page(request: Request, principal: Annotated[Principal, Depends(need(Action.READ))]) -> Response:
    query = request.query_params.get("q", "")
    kind = request.query_params.get("kind", "")
    chosen = _kind(kind) if kind else None
    context: dict[str, Any] = {
        "title": "Search",
        "query": query,
        "kind": kind,
        "kinds": [(c.__name__, entity_name(c)) for c in searching.KINDS],
        "labels": LABELS,
        "names": {entity_name(c): c.__name__ for c in searching.KINDS},
        "results": None,
        "error": "",
        "most": searching.MAX_LENGTH,
    }
    if len(query) > searching.MAX_LENGTH:
        context["error"] = N_("A search is at most {most} characters.")
        return render(request, "search.html", context, status=400, principal=principal)
    if kind and chosen is None:
        context["error"] = N_("There is no such kind of record to search.")
        return render(request, "search.html", context, status=400, principal=principal)
    if query.strip():
        mission = page_scope(request, principal).mission
        context["results"] = searching.search(
            db_of(request), principal, query, kinds=[kind] if kind else (), mission=mission,
            limit=_ONE_KIND if kind else _EACH,
        )  # fmt: skip
    return render(request, "search.html", context, principal=principal)
