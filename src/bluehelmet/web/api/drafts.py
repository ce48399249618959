"""Drafts of the letter under ``/api/reports/drafts``: the same calls as ``bluehelmet report draft``.

``GET /api/reports/drafts/{name}`` answers what ``report draft show NAME --json`` prints
(``{"paragraphs": [{"id", "text"}, ...], ...}``); ``PUT .../paragraphs/{id}`` replaces a
paragraph's prose (``report draft set``). Reading needs what reading a mission-wide record needs
(a sector account gets 404); writing, refreshing and exporting need the role to report.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Annotated, Any, Literal, TypeVar

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from bluehelmet.domain.access import Action, Principal
from bluehelmet.reporting import drafts
from bluehelmet.reporting.draft_checks import check
from bluehelmet.services.database import Database
from bluehelmet.services.drafts import NoDraft
from bluehelmet.web.api.errors import COMMON, ApiRoute, responses
from bluehelmet.web.deps import database_of, need, write_in_turn

__all__ = ["NewDraft", "Prose", "router"]

router = APIRouter(prefix="/reports/drafts", route_class=ApiRoute, tags=["reports"])

Read = Annotated[Principal, Depends(need(Action.READ, "Draft"))]
Write = Annotated[Principal, Depends(need(Action.REPORT, "Draft"))]
Db = Annotated[Database, Depends(database_of)]
_ANSWERS = {**COMMON, **responses(404)}
_MEDIA = {
    "md": "text/markdown; charset=utf-8",
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
T = TypeVar("T")
_TEXT = r"^[^\x00]*$"


def _english() -> list[Literal["en", "fr"]]:
    return ["en"]


class NewDraft(BaseModel):
    """A new draft: its name, period (inclusive), languages, document symbol and date."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=200, pattern=_TEXT)
    date_from: date = Field(alias="from")
    date_to: date = Field(alias="to")
    languages: list[Literal["en", "fr"]] = Field(default_factory=_english, min_length=1, max_length=2)
    symbol: str = Field("", max_length=100, pattern=_TEXT)
    letter_date: date | None = Field(None, alias="date", description="The date of the letter.")
    mission: str | None = Field(None, description="The mission (default: the only one).", pattern=_TEXT)


class Prose(BaseModel):
    """A paragraph's new prose (figures as ``{{KEY}}``), its language and the draft's version."""

    model_config = ConfigDict(extra="forbid")
    text: str = Field(max_length=drafts.MAX_PROSE)
    lang: Literal["en", "fr"] | None = None
    version: int | None = Field(None, strict=True, description="Refused if the draft is no longer at it.")


def _found(work: Callable[[], T], name: str) -> T:
    try:
        return work()
    except NoDraft:
        raise HTTPException(404, f"no draft called '{name}'") from None


@router.get("", responses=COMMON)
def list_drafts(principal: Read, db: Db) -> dict[str, Any]:
    """The mission's drafts that the caller may read."""
    found = drafts.list_drafts(db, principal)
    return {"drafts": [{"name": d.name, "from": str(d.date_from), "to": str(d.date_to), "languages": d.languages,
                        "version": d.version} for d in found]}  # fmt: skip


@router.post("", responses=COMMON, status_code=201)
async def create_draft(request: Request, wanted: NewDraft, principal: Write, db: Db) -> JSONResponse:
    """Start a draft from the letter generated for the period."""

    def create() -> dict[str, Any]:
        return drafts.create(
            db, wanted.name, wanted.date_from, wanted.date_to, languages=wanted.languages, symbol=wanted.symbol,
            letter_date=wanted.letter_date, mission=wanted.mission, principal=principal, actor=principal.name,
        ).as_json()  # fmt: skip

    return JSONResponse(await write_in_turn(request, create), 201)


@router.get("/{name}", responses=_ANSWERS)
def show_draft(name: str, principal: Read, db: Db, lang: Literal["en", "fr"] | None = None) -> dict[str, Any]:
    """The draft's paragraphs in the letter's order (id and prose with tokens), its figures and changes."""
    return _found(lambda: drafts.show(db, name, language=lang, principal=principal).as_json(), name)


@router.put("/{name}/paragraphs/{paragraph}", responses=_ANSWERS)
async def set_paragraph(
    request: Request, name: str, paragraph: str, prose: Prose, principal: Write, db: Db
) -> dict[str, Any]:
    """Replace one paragraph's prose; a token of a figure the letter lacks is refused (422)."""

    def work() -> dict[str, Any]:
        return drafts.set_paragraph(db, name, paragraph, prose.text, language=prose.lang, principal=principal,
                                    actor=principal.name, version=prose.version).as_json()  # fmt: skip

    return await write_in_turn(request, lambda: _found(work, name))


@router.post("/{name}/refresh", responses=_ANSWERS)
async def refresh_draft(request: Request, name: str, principal: Write, db: Db) -> dict[str, Any]:
    """Recompute every figure from the records and keep the prose; ``changed`` lists what moved."""

    def work() -> dict[str, Any]:
        return drafts.refresh(db, name, principal=principal, actor=principal.name).as_json()

    return await write_in_turn(request, lambda: _found(work, name))


@router.get("/{name}/check", responses=_ANSWERS)
def check_draft(name: str, principal: Read, db: Db) -> dict[str, Any]:
    """What to look at before sending; ``blocking`` counts what blocks the export."""
    found = _found(lambda: check(db, name, principal=principal), name)
    return {"findings": [f.as_json() for f in found], "blocking": sum(f.blocking for f in found)}


@router.get("/{name}/export", response_class=Response, responses=_ANSWERS)
def export_draft(
    name: str,
    principal: Write,
    db: Db,
    format: Literal["md", "html", "pdf", "docx"] = "pdf",
    lang: Literal["en", "fr"] | None = None,
) -> Response:
    """The draft with its figures filled in, its annex included (Markdown: the text alone)."""
    files = _found(lambda: drafts.export(db, name, format, language=lang, principal=principal, stem="letter"), name)
    body = files[f"letter.{format}"]
    filename = f"{''.join(c if c.isalnum() or c in '-_' else '-' for c in name)}.{format}"
    return Response(
        body, media_type=_MEDIA[format], headers={"Content-Disposition": f'attachment; filename="{filename}"'}
    )
