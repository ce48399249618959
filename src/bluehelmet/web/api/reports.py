"""The letter to the Security Council: ``POST /api/reports/letter`` answers the file.

Markdown comes as a zip of the text and its chart images, or (``charts: false``) the text alone.
"""

import io
import zipfile
from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Depends
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from bluehelmet.domain.access import Action, Principal
from bluehelmet.reporting.build import build_letter
from bluehelmet.reporting.render import render
from bluehelmet.services import scope
from bluehelmet.services.database import Database
from bluehelmet.web.api.errors import COMMON, ApiRoute, problems
from bluehelmet.web.deps import database_of, need

__all__ = ["LetterRequest", "router"]

router = APIRouter(prefix="/reports", route_class=ApiRoute, tags=["reports"])

_MEDIA = {
    "md": "text/markdown; charset=utf-8",
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "zip": "application/zip",
}


class LetterRequest(BaseModel):
    """The period (inclusive), the language and the format of the letter."""

    model_config = ConfigDict(extra="forbid", populate_by_name=False)
    date_from: date = Field(alias="from")
    date_to: date = Field(alias="to")
    lang: Literal["en", "fr"] = "en"
    format: Literal["md", "html", "pdf", "docx"] = "pdf"
    charts: bool = Field(True, strict=True, description="Markdown only: a zip with the chart images (else the text).")
    mission: str | None = Field(None, description="The mission (default: the only one).", pattern=r"^[^\x00]*$")


_FILES = {media.split(";")[0]: {"schema": {"type": "string", "format": "binary"}} for media in _MEDIA.values()}


@router.post(
    "/letter", response_class=Response, responses={**COMMON, 200: {"description": "The letter.", "content": _FILES}}
)
def letter(
    wanted: LetterRequest,
    principal: Annotated[Principal, Depends(need(Action.REPORT))],
    db: Annotated[Database, Depends(database_of)],
) -> Response:
    """Draft the letter from the records: every figure computed, with an annex of how and from which records."""
    if wanted.date_to < wanted.date_from:
        raise problems(("to", f"{wanted.date_to} is before from {wanted.date_from}"))
    mission = scope.mission_for(db, principal, wanted.mission) if principal.limited else wanted.mission
    built = build_letter(db, wanted.date_from, wanted.date_to, mission=mission)
    name = f"letter-{wanted.date_from}-{wanted.date_to}-{wanted.lang}"
    files = render(built, wanted.format, wanted.lang, name=name)
    main = f"{name}.{wanted.format}"
    if wanted.format == "md" and wanted.charts and len(files) > 1:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for path, content in files.items():
                archive.writestr(path, content)
        content, media, main = buffer.getvalue(), _MEDIA["zip"], f"{name}.zip"
    else:
        content, media = files[main], _MEDIA[wanted.format]
    return Response(content, media_type=media, headers={"Content-Disposition": f'attachment; filename="{main}"'})
