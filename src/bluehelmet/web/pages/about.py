"""About the data: where the shipped geography comes from and how to credit it (the text of
``geography/data/ATTRIBUTION.md``, read as a package file), and what the mission record holds."""

from __future__ import annotations

import re
from functools import cache
from importlib import resources
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from markupsafe import Markup, escape

from bluehelmet.domain.access import Action, Principal
from bluehelmet.domain.catalogue import ENTITIES
from bluehelmet.services import listing, records
from bluehelmet.web.deps import need
from bluehelmet.web.pages.frame import actor_of, db_of, render

__all__ = ["attribution_html", "router"]

router = APIRouter()


def _inline(text: str) -> str:
    html = str(escape(text))
    html = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", html)
    html = re.sub(r"\*(.+?)\*", r"<em>\1</em>", html)
    html = re.sub(r"`(.+?)`", r"<code>\1</code>", html)
    return re.sub(r"(https?://[^\s),]+)", r'<a href="\1" rel="noreferrer">\1</a>', html)


@cache
def attribution_html() -> Markup:
    """The attribution text as HTML (its headings and paragraphs; it uses no other Markdown)."""
    text = resources.files("bluehelmet.geography").joinpath("data/ATTRIBUTION.md").read_text(encoding="utf-8")
    parts = []
    for block in re.split(r"\n\s*\n", text.strip()):
        line = " ".join(block.split())
        if line.startswith("## "):
            parts.append(f"<h3>{_inline(line[3:])}</h3>")
        elif line.startswith("# "):
            continue  # the page has its own title
        else:
            parts.append(f"<p>{_inline(line)}</p>")
    return Markup("\n".join(parts))  # noqa: S704 - built from escaped text


@router.get("/about")
def about(request: Request, principal: Annotated[Principal, Depends(need(Action.READ))]) -> Response:
    db = db_of(request)
    if principal.scoped:  # a sector account counts what it may read, never the whole mission
        counts = [(cls.__name__, listing.list_page(db, principal, cls, limit=1).total) for cls in ENTITIES]
    else:
        with db.transaction(actor_of(principal)) as tx:
            counts = [(cls.__name__, records.count(tx, cls)) for cls in ENTITIES]
    context = {"title": "About the data", "attribution": attribution_html(), "counts": [c for c in counts if c[1]]}
    return render(request, "about.html", context, principal=principal)
